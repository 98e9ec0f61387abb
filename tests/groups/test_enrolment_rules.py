from datetime import datetime, timezone

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


def test_the_same_organisation_may_join_another_cohort(db, make_cohort, make_organisation):
    org = make_organisation()
    enrol(make_cohort(), org)
    enrol(make_cohort(), org)
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
