from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError, StatementError

from tracker.people.models import MemberRole, Membership, Person
from tracker.groups.services import enrol
from tracker.programmes.models import CourseModule, ModuleKind
from tracker.schedule.models import Attendance, AttendanceStatus, Session, SessionStatus

OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture
def gathering(db, make_cohort):
    cohort = make_cohort()
    module = CourseModule(programme=cohort.programme, position=1, name_nb="Fellessamling 1",
                          name_en="Joint gathering 1", kind=ModuleKind.JOINT_GATHERING,
                          is_joint=True, offset_weeks=8, duration_days=2)
    db.session.add(module)
    db.session.flush()
    return cohort, module


def add_session(db, cohort, module, starts_at, ends_at, **kwargs):
    session = Session(cohort=cohort, module=module, starts_at=starts_at, ends_at=ends_at,
                      status=SessionStatus.PLANNED, **kwargs)
    db.session.add(session)
    db.session.flush()
    return session


@pytest.mark.parametrize(
    "local, utc_hour",
    [(datetime(2017, 3, 6, 9, tzinfo=OSLO), 8),  # winter: UTC+1
     (datetime(2017, 6, 6, 9, tzinfo=OSLO), 7)],  # summer: UTC+2
)
def test_times_round_trip_as_the_same_instant(db, gathering, local, utc_hour):
    cohort, module = gathering
    session = add_session(db, cohort, module, local, local + timedelta(hours=7))
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Session, session.id)
    assert stored.starts_at == local
    assert stored.starts_at.tzinfo is not None
    assert stored.starts_at.astimezone(timezone.utc).hour == utc_hour
    assert stored.starts_at.astimezone(OSLO).hour == 9


def test_a_time_without_a_zone_is_refused(db, gathering):
    cohort, module = gathering
    with pytest.raises(StatementError):
        add_session(db, cohort, module, datetime(2017, 3, 6, 9), datetime(2017, 3, 6, 16))
    db.session.rollback()


def test_database_refuses_a_session_that_ends_before_it_starts(db, gathering):
    cohort, module = gathering
    start = datetime(2017, 3, 6, 9, tzinfo=OSLO)
    with pytest.raises(IntegrityError):
        add_session(db, cohort, module, start, start - timedelta(hours=1))
    db.session.rollback()


def test_one_attendance_per_person_and_session(db, gathering, make_organisation):
    cohort, module = gathering
    enrolment = enrol(cohort, make_organisation())
    person = Person(name="Kari Eksempelsen", email="kari@example.org")
    enrolment.memberships.append(Membership(person=person, role=MemberRole.TOP_LEADER,
                                            joined_on=cohort.start_date))
    start = datetime(2017, 3, 6, 9, tzinfo=OSLO)
    session = add_session(db, cohort, module, start, start + timedelta(hours=7))
    db.session.add(Attendance(person=person, session=session, status=AttendanceStatus.PRESENT))
    db.session.commit()
    assert session.is_joint
    with pytest.raises(IntegrityError):
        db.session.execute(insert(Attendance).values(
            person_id=person.id, session_id=session.id, status=AttendanceStatus.ABSENT))
    db.session.rollback()


def test_a_member_cannot_leave_before_joining(db, gathering, make_organisation):
    cohort, _ = gathering
    enrolment = enrol(cohort, make_organisation())
    enrolment.memberships.append(Membership(
        person=Person(name="Ola Prøvesen", email="ola@example.org"), role=MemberRole.MEMBER,
        joined_on=cohort.start_date, left_on=cohort.start_date - timedelta(days=1)))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
