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
    # The coordinator's programme limit is read once per user object (a request's first scope
    # question), not per cohort.
    assert coordinator.programme_ids is None
    with count_queries() as queries:
        summaries = cohort_summaries(date(2016, 11, 15), coordinator)
    assert [(s.cohort.label, s.groups_enrolled, s.month, s.status) for s in summaries] == [
        (cohort.label, 3, 3, CohortStatus.RUNNING),
        (later.label, 0, 0, CohortStatus.PLANNED),
    ]
    # Cohorts with their programme, then every cohort's groups at once: never a query per cohort.
    assert queries["n"] <= 3


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


# The rules a coordinator meets on the create and edit forms

from tracker.concurrency import ConflictError  # noqa: E402
from tracker.cohorts.services import update_cohort  # noqa: E402


def facts(cohort, **changes):
    """The cohort's current facts as `update_cohort` takes them, with `changes` applied."""
    values = dict(label=cohort.label, ordinal=cohort.ordinal, season=cohort.season, year=cohort.year,
                  start_date=cohort.start_date, planned_end=cohort.planned_end, capacity=cohort.capacity,
                  notes=cohort.notes)
    return {**values, **changes}


@pytest.mark.parametrize("year, start, refused", [
    (1999, date(2000, 1, 10), True),
    (2000, date(2000, 1, 10), False),
    (2100, date(2100, 1, 10), False),
    (2101, date(2100, 1, 10), True),
    (2015, date(2016, 1, 10), False),   # a year either side of the start's is fine
    (2017, date(2016, 1, 10), False),
    (2014, date(2016, 1, 10), True),
    (2018, date(2016, 1, 10), True),
])
def test_the_year_is_sane_and_near_the_start(db, make_programme, year, start, refused):
    programme = make_programme()
    create = lambda: create_cohort(programme, label="Kull 9", ordinal=9, season=Season.SPRING,  # noqa: E731
                                   year=year, start_date=start)
    if refused:
        with pytest.raises(DomainError) as error:
            create()
        assert error.value.field == "year"
        assert db.session.scalar(select(func.count(Cohort.id))) == 0
    else:
        assert create().year == year


@pytest.mark.parametrize("capacity, refused", [(0, True), (1, False), (50, False), (51, True)])
def test_capacity_is_between_1_and_50(db, make_cohort, capacity, refused):
    if refused:
        with pytest.raises(DomainError) as error:
            make_cohort(capacity=capacity)
        assert error.value.field == "capacity"
    else:
        assert make_cohort(capacity=capacity).capacity == capacity


def test_an_edit_saves_every_fact_and_keeps_the_cohorts_label_free_for_itself(db, make_cohort):
    cohort = make_cohort(label="Kull 1", ordinal=1)
    db.session.commit()
    update_cohort(cohort, version=cohort.version, **facts(
        cohort, season=Season.SPRING, year=2017, start_date=date(2017, 1, 9),
        planned_end=date(2017, 12, 1), capacity=5, notes="Flyttet"))
    db.session.commit()
    db.session.expire_all()
    assert (cohort.label, cohort.season, cohort.year, cohort.start_date, cohort.planned_end,
            cohort.capacity, cohort.notes, cohort.version) == (
        "Kull 1", Season.SPRING, 2017, date(2017, 1, 9), date(2017, 12, 1), 5, "Flyttet", 2)


def test_an_edit_without_end_or_capacity_takes_the_programmes(db, make_cohort):
    cohort = make_cohort(capacity=6, planned_end=date(2017, 12, 24))
    update_cohort(cohort, version=cohort.version, **facts(cohort, planned_end=None, capacity=None))
    assert (cohort.planned_end, cohort.capacity) == (date(2017, 7, 1), 4)


@pytest.mark.parametrize("changes, field", [
    ({"planned_end": date(2016, 9, 1)}, "planned_end"),
    ({"planned_end": date(2016, 8, 1)}, "planned_end"),
    ({"year": 2018}, "year"),
    ({"year": 1999}, "year"),
    ({"capacity": 1}, "capacity"),   # two groups are enrolled
    ({"label": "Kull 2"}, "label"),
    ({"ordinal": 2}, "ordinal"),
])
def test_an_edit_that_breaks_a_rule_is_refused_and_changes_nothing(
    db, make_cohort, make_organisation, changes, field
):
    cohort = make_cohort(label="Kull 1", ordinal=1)
    make_cohort(label="Kull 2", ordinal=2, start_date=date(2017, 9, 1))
    enrol(cohort, make_organisation())
    enrol(cohort, make_organisation())
    record_status(enrol(cohort, make_organisation()), EnrolmentStatus.WITHDRAWN, reason="Ny leder")
    db.session.commit()
    with pytest.raises(DomainError) as error:
        update_cohort(cohort, version=cohort.version, **facts(cohort, **changes))
    assert error.value.field == field
    db.session.commit()
    db.session.expire_all()
    assert (cohort.label, cohort.ordinal, cohort.year, cohort.planned_end, cohort.capacity, cohort.version) == (
        "Kull 1", 1, 2016, date(2017, 7, 1), 4, 1)


def test_capacity_may_come_down_to_the_groups_enrolled_not_counting_withdrawn(db, make_cohort, make_organisation):
    cohort = make_cohort()
    enrol(cohort, make_organisation())
    enrol(cohort, make_organisation())
    record_status(enrol(cohort, make_organisation()), EnrolmentStatus.WITHDRAWN, reason="Ny leder")
    update_cohort(cohort, version=cohort.version, **facts(cohort, capacity=2))
    assert cohort.capacity == 2


def test_new_dates_may_not_make_a_groups_courses_overlap(db, make_cohort, make_organisation):
    org = make_organisation(name_nb="Mattilsynet")
    cohort = make_cohort(label="Kull 1", start_date=date(2016, 9, 1))
    later = make_cohort(label="Kull 4", start_date=date(2017, 8, 1))
    enrol(cohort, org)
    enrol(later, org)
    db.session.commit()
    with pytest.raises(DomainError) as error:
        update_cohort(cohort, version=cohort.version, **facts(cohort, planned_end=date(2017, 8, 1)))
    assert error.value.field == "start_date"
    assert "Kull 4" in str(error.value) and "Mattilsynet" in str(error.value)
    update_cohort(cohort, version=cohort.version, **facts(cohort, planned_end=date(2017, 7, 31)))
    assert cohort.planned_end == date(2017, 7, 31)


def test_an_edit_from_a_stale_form_is_a_conflict_and_keeps_the_first_save(db, make_cohort):
    cohort = make_cohort()
    db.session.commit()
    opened_at = cohort.version
    update_cohort(cohort, version=opened_at, **facts(cohort, notes="Først"))
    db.session.commit()
    with pytest.raises(ConflictError):
        update_cohort(cohort, version=opened_at, **facts(cohort, notes="Sist"))
    db.session.commit()
    db.session.expire_all()
    assert (cohort.notes, cohort.version) == ("Først", 2)


def test_a_change_that_does_not_name_the_information_for_participants_keeps_it(db, make_cohort):
    from tracker.cohorts.services import update_cohort

    cohort = make_cohort(participant_information="Ta med PC")
    db.session.commit()
    update_cohort(cohort, version=cohort.version, label=cohort.label, ordinal=cohort.ordinal,
                  season=cohort.season, year=cohort.year, start_date=cohort.start_date,
                  notes="Endret")
    assert (cohort.notes, cohort.participant_information) == ("Endret", "Ta med PC")
