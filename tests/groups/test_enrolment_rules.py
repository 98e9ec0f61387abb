from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from tracker.domain import DomainError
from tracker.groups.models import Enrolment, EnrolmentStatus, EnrolmentStatusChange
from tracker.groups.services import enrol, record_status


def test_an_organisation_is_enrolled_at_most_once_per_cohort(db, make_cohort, make_organisation):
    cohort, org = make_cohort(), make_organisation()
    enrol(cohort, org)
    db.session.commit()
    with pytest.raises(DomainError) as error:
        enrol(cohort, org)
    db.session.commit()
    assert error.value.field == "organisation"
    assert db.session.scalar(select(func.count(Enrolment.id))) == 1
    assert db.session.scalar(select(func.count(EnrolmentStatusChange.id))) == 1


def test_the_database_refuses_a_second_enrolment_too(db, make_cohort, make_organisation):
    cohort, org = make_cohort(), make_organisation()
    enrol(cohort, org)
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(insert(Enrolment).values(
            cohort_id=cohort.id, organisation_id=org.id, status=EnrolmentStatus.INVITED))
    db.session.rollback()


def test_the_same_organisation_may_join_a_later_cohort(db, make_cohort, make_organisation):
    org = make_organisation()
    enrol(make_cohort(start_date=date(2016, 9, 1)), org)
    enrol(make_cohort(start_date=date(2017, 9, 1)), org)
    db.session.commit()
    assert db.session.scalar(select(func.count(Enrolment.id))) == 2


def test_status_changes_are_kept_with_their_time(db, make_cohort, make_organisation):
    t0 = datetime(2016, 6, 1, 8, tzinfo=timezone.utc)
    t1 = datetime(2016, 8, 15, 8, tzinfo=timezone.utc)
    enrolment = enrol(make_cohort(), make_organisation(), at=t0)
    record_status(enrolment, EnrolmentStatus.CONFIRMED, at=t1)
    db.session.commit()
    db.session.expire_all()
    history = db.session.get(Enrolment, enrolment.id).status_history
    assert [(c.status, c.changed_at) for c in history] == [
        (EnrolmentStatus.INVITED, t0), (EnrolmentStatus.CONFIRMED, t1)]
    assert enrolment.status is EnrolmentStatus.CONFIRMED


# Capacity, overlapping courses and the initial status

from tracker.concurrency import ConflictError  # noqa: E402
from tracker.groups.services import (  # noqa: E402
    allowed_transitions,
    change_status,
)

S = EnrolmentStatus


def enrolment_count(db):
    return db.session.scalar(select(func.count(Enrolment.id)))


def test_a_cohort_holds_at_most_its_capacity(db, make_cohort, make_organisation):
    cohort = make_cohort(capacity=2)
    enrol(cohort, make_organisation())
    enrol(cohort, make_organisation(), status=S.CONFIRMED)
    db.session.commit()
    with pytest.raises(DomainError) as error:
        enrol(cohort, make_organisation(name_nb="Mattilsynet"))
    assert error.value.field == "cohort"
    assert "2" in str(error.value)
    db.session.rollback()
    assert enrolment_count(db) == 2


def test_a_withdrawn_group_leaves_its_place_free(db, make_cohort, make_organisation):
    cohort = make_cohort(capacity=2)
    enrol(cohort, make_organisation())
    record_status(enrol(cohort, make_organisation()), S.WITHDRAWN, reason="Omorganisering")
    assert cohort.places_taken == 1
    third = enrol(cohort, make_organisation())
    db.session.commit()
    assert third.id is not None
    assert cohort.places_taken == 2


@pytest.mark.parametrize("other_start, other_end, refused", [
    (date(2017, 7, 1), date(2018, 5, 1), True),
    (date(2017, 7, 2), date(2018, 5, 1), False),
    (date(2015, 11, 1), date(2016, 9, 1), True),
    (date(2015, 11, 1), date(2016, 8, 31), False),
])
def test_an_organisation_cannot_be_in_two_cohorts_whose_courses_overlap(
    db, make_cohort, make_organisation, other_start, other_end, refused
):
    org = make_organisation()
    first = make_cohort(label="Kull 1", start_date=date(2016, 9, 1))
    enrol(first, org)
    other = make_cohort(label="Kull 2", start_date=other_start, planned_end=other_end)
    db.session.commit()
    if refused:
        with pytest.raises(DomainError) as error:
            enrol(other, org)
        assert error.value.field == "organisation"
        assert "Kull 1" in str(error.value)
        db.session.rollback()
        assert enrolment_count(db) == 1
    else:
        enrol(other, org)
        db.session.commit()
        assert enrolment_count(db) == 2


def test_a_withdrawn_enrolment_does_not_block_an_overlapping_cohort(db, make_cohort, make_organisation):
    org = make_organisation()
    first = make_cohort(label="Kull 1", start_date=date(2016, 9, 1))
    record_status(enrol(first, org), S.WITHDRAWN, reason="Ny direktør")
    second = make_cohort(label="Kull 2", start_date=date(2016, 10, 3))
    enrol(second, org)
    db.session.commit()
    assert enrolment_count(db) == 2


def test_an_organisation_in_the_cohort_already_is_refused_even_after_withdrawing(
    db, make_cohort, make_organisation
):
    cohort, org = make_cohort(), make_organisation()
    record_status(enrol(cohort, org), S.WITHDRAWN, reason="Ny direktør")
    with pytest.raises(DomainError) as error:
        enrol(cohort, org)
    assert error.value.field == "organisation"


@pytest.mark.parametrize("status", [S.ACTIVE, S.COMPLETED, S.WITHDRAWN])
def test_a_group_enters_invited_or_confirmed_only(db, make_cohort, make_organisation, status):
    with pytest.raises(DomainError) as error:
        enrol(make_cohort(), make_organisation(), status=status)
    assert error.value.field == "status"
    assert enrolment_count(db) == 0


# Status transitions

ALLOWED = {
    (S.INVITED, S.CONFIRMED), (S.INVITED, S.WITHDRAWN),
    (S.CONFIRMED, S.ACTIVE), (S.CONFIRMED, S.WITHDRAWN),
    (S.ACTIVE, S.COMPLETED), (S.ACTIVE, S.WITHDRAWN),
}


@pytest.fixture
def enrolment_in(db, make_cohort, make_organisation):
    """enrolment_in(status): a committed group whose current status is `status`."""
    def make(status):
        enrolment = enrol(make_cohort(), make_organisation())
        if status is not S.INVITED:
            record_status(enrolment, status)
        db.session.commit()
        return enrolment
    return make


@pytest.mark.parametrize("old, new", [(old, new) for old in S for new in S])
def test_the_transitions_table(db, enrolment_in, old, new):
    enrolment = enrolment_in(old)
    steps = len(enrolment.status_history)
    if (old, new) in ALLOWED:
        change_status(enrolment, new, "  Avtalt i møte  ", enrolment.version)
        db.session.commit()
        db.session.expire_all()
        assert enrolment.status is new
        assert len(enrolment.status_history) == steps + 1
        assert (enrolment.status_history[-1].status, enrolment.status_history[-1].reason) == (new, "Avtalt i møte")
    else:
        with pytest.raises(DomainError) as error:
            change_status(enrolment, new, "Avtalt i møte", enrolment.version)
        assert error.value.field == "status"
        db.session.rollback()
        assert enrolment.status is old
        assert len(enrolment.status_history) == steps


@pytest.mark.parametrize("status", list(S))
def test_allowed_transitions_list_the_table(status):
    assert set(allowed_transitions(status)) == {new for old, new in ALLOWED if old is status}


def test_nothing_leaves_completed_or_withdrawn():
    assert allowed_transitions(S.COMPLETED) == allowed_transitions(S.WITHDRAWN) == []


@pytest.mark.parametrize("reason", ["", "   "])
def test_withdrawal_needs_a_reason(db, enrolment_in, reason):
    enrolment = enrolment_in(S.CONFIRMED)
    with pytest.raises(DomainError) as error:
        change_status(enrolment, S.WITHDRAWN, reason, enrolment.version)
    assert error.value.field == "reason"
    db.session.rollback()
    assert enrolment.status is S.CONFIRMED and len(enrolment.status_history) == 2


def test_other_steps_need_no_reason(db, enrolment_in):
    enrolment = enrolment_in(S.INVITED)
    change_status(enrolment, S.CONFIRMED, "", enrolment.version)
    db.session.commit()
    assert enrolment.status_history[-1].reason == ""


def test_a_status_change_from_a_stale_form_is_a_conflict(db, enrolment_in):
    enrolment = enrolment_in(S.INVITED)
    opened_at = enrolment.version
    change_status(enrolment, S.CONFIRMED, "", opened_at)
    db.session.commit()
    with pytest.raises(ConflictError):
        change_status(enrolment, S.WITHDRAWN, "Ny direktør", opened_at)
    db.session.rollback()
    assert enrolment.status is S.CONFIRMED
