from datetime import date

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from tracker.cohorts.models import Cohort, CohortStatus, Season
from tracker.cohorts.services import add_months, cohort_summaries, course_month, create_cohort
from tracker.domain import DomainError
from tracker.groups.models import EnrolmentStatus
from tracker.groups.services import enrol, record_status


def test_planned_end_and_capacity_default_from_the_programme(make_cohort):
    cohort = make_cohort(start_date=date(2017, 1, 9), season=Season.SPRING)
    assert cohort.planned_end == date(2017, 11, 9)
    assert cohort.capacity == 4


@pytest.mark.parametrize(
    "start, months, expected",
    [(date(2016, 9, 1), 10, date(2017, 7, 1)), (date(2016, 3, 31), 11, date(2017, 2, 28)),
     (date(2015, 12, 15), 1, date(2016, 1, 15))],
)
def test_add_months_keeps_the_day_or_takes_the_months_last(start, months, expected):
    assert add_months(start, months) == expected


@pytest.mark.parametrize("end", [date(2016, 8, 31), date(2016, 9, 1)])
def test_an_end_not_after_the_start_is_refused_and_nothing_written(db, make_programme, end):
    programme = make_programme()
    db.session.commit()
    with pytest.raises(DomainError) as error:
        create_cohort(programme, label="Kull 9", ordinal=9, season=Season.AUTUMN, year=2016,
                      start_date=date(2016, 9, 1), planned_end=end)
    db.session.commit()
    assert error.value.field == "planned_end"
    assert db.session.scalar(select(func.count(Cohort.id))) == 0


def test_a_label_or_number_already_used_is_refused(db, make_cohort):
    first = make_cohort(label="Kull 1", ordinal=1)
    for label, ordinal, field in (("Kull 1", 2, "label"), ("Kull 2", 1, "ordinal")):
        with pytest.raises(DomainError) as error:
            create_cohort(first.programme, label=label, ordinal=ordinal, season=Season.AUTUMN,
                          year=2016, start_date=date(2016, 9, 1))
        assert error.value.field == field


def test_database_refuses_an_end_before_the_start(db, make_cohort):
    cohort = make_cohort()
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(update(Cohort).where(Cohort.id == cohort.id)
                           .values(planned_end=date(2000, 1, 1)))
    db.session.rollback()


def test_status_is_derived_from_the_dates(make_cohort):
    cohort = make_cohort(start_date=date(2016, 9, 1))
    assert cohort.status(date(2016, 8, 31)) is CohortStatus.PLANNED
    assert cohort.status(date(2016, 9, 1)) is CohortStatus.RUNNING
    assert cohort.status(cohort.planned_end) is CohortStatus.RUNNING
    assert cohort.status(date(2017, 7, 2)) is CohortStatus.COMPLETED


@pytest.mark.parametrize(
    "today, month",
    [(date(2016, 8, 1), 0), (date(2016, 9, 1), 1), (date(2016, 9, 30), 1), (date(2016, 10, 1), 2),
     (date(2017, 6, 30), 10), (date(2019, 1, 1), 10)],
)
def test_course_month(make_cohort, today, month):
    assert course_month(make_cohort(start_date=date(2016, 9, 1)), today) == month


def test_summaries_count_groups_but_not_withdrawn_ones(db, make_cohort, make_organisation, make_user,
                                                      count_queries):
    coordinator = make_user("coordinator")
    cohort = make_cohort(start_date=date(2016, 9, 1))
    later = make_cohort(start_date=date(2017, 1, 9), season=Season.SPRING)
    for n in range(3):
        enrol(cohort, make_organisation())
    record_status(enrol(cohort, make_organisation()), EnrolmentStatus.WITHDRAWN, reason="Omorganisering")
    db.session.commit()
    with count_queries() as queries:
        summaries = cohort_summaries(date(2016, 11, 15), coordinator)
    assert [(s.cohort.label, s.groups_enrolled, s.month, s.status) for s in summaries] == [
        (cohort.label, 3, 3, CohortStatus.RUNNING),
        (later.label, 0, 0, CohortStatus.PLANNED),
    ]
    assert queries["n"] <= 2


def test_summaries_show_scoped_users_only_their_cohorts(db, make_cohort, make_organisation, make_user):
    from tracker.organisations.models import OrganisationKind

    ministry = make_organisation(name_nb="Finansdepartementet", kind=OrganisationKind.MINISTRY)
    tax = make_organisation(name_nb="Skattedirektoratet", owning_ministry=ministry)
    other = make_organisation(name_nb="Mattilsynet")
    theirs, others = make_cohort(label="Kull 3"), make_cohort(label="Kull 2")
    enrol(theirs, tax)
    enrol(others, other)
    db.session.commit()
    for user in (make_user("agency", organisation=tax), make_user("ministry", organisation=ministry)):
        assert [s.cohort.label for s in cohort_summaries(date(2017, 3, 1), user)] == ["Kull 3"]
    assert len(cohort_summaries(date(2017, 3, 1), make_user("admin"))) == 2
