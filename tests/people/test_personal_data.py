from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token, login_as
from tracker.audit.models import AuditEntry
from tracker.people.models import MemberRole, Membership, Person
from tracker.groups.services import enrol
from tracker.programmes.models import CourseModule, ModuleKind
from tracker.schedule.models import Attendance, AttendanceStatus, Session, SessionStatus


@pytest.fixture
def person(db, make_cohort, make_organisation):
    cohort = make_cohort()
    enrolment = enrol(cohort, make_organisation(name_nb="Lånekassen"))
    kari = Person(name="Kari Eksempelsen", email="kari.eksempelsen@example.org", title="Direktør")
    enrolment.memberships.append(Membership(person=kari, role=MemberRole.TOP_LEADER, joined_on=date(2016, 9, 1)))
    module = CourseModule(programme=cohort.programme, position=1, name_nb="Fellessamling 1", name_en="Joint gathering 1",
                          kind=ModuleKind.JOINT_GATHERING, is_joint=True, offset_weeks=8)
    start = datetime(2016, 10, 31, 8, tzinfo=timezone.utc)
    for n, (status, note) in enumerate([(AttendanceStatus.PRESENT, ""), (AttendanceStatus.EXCUSED, "Kari hadde legetime")]):
        session = Session(cohort=cohort, module=module, starts_at=start + timedelta(days=7 * n),
                          ends_at=start + timedelta(days=7 * n, hours=6), status=SessionStatus.HELD)
        db.session.add(Attendance(person=kari, session=session, status=status, note=note))
    db.session.commit()
    return kari


@pytest.fixture
def coordinator(client, make_user):
    login_as(client, make_user("coordinator"))
    return client


def test_export_holds_everything_about_the_person(coordinator, person):
    response = coordinator.get(f"/people/{person.id}/export.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.get_json()
    assert data["person"]["name"] == "Kari Eksempelsen"
    assert data["memberships"] == [{"cohort": "Kull 1", "organisation": "Lånekassen", "role": "TOP_LEADER",
                                    "joined_on": "2016-09-01", "left_on": None}]
    assert [a["status"] for a in data["attendance"]] == ["PRESENT", "EXCUSED"]
    assert data["attendance"][1]["note"] == "Kari hadde legetime"
    assert any(e["record"] == f"person #{person.id}" for e in data["change_log"])


def test_erasure_needs_confirmation(coordinator, db, person):
    response = coordinator.post(f"/people/{person.id}/erase", data={"csrf_token": csrf_token(coordinator)})
    assert response.status_code == 400
    db.session.refresh(person)
    assert person.name == "Kari Eksempelsen"


def test_erasure_removes_the_person_everywhere_but_keeps_attendance_counted(coordinator, db, person):
    response = coordinator.post(f"/people/{person.id}/erase", data={"confirm": "y", "csrf_token": csrf_token(coordinator)})
    assert response.status_code == 302
    db.session.expire_all()
    erased = db.session.get(Person, person.id)
    assert (erased.name, erased.email, erased.title) == (None, None, None)
    assert erased.erased_at is not None
    marks = db.session.scalars(select(Attendance).where(Attendance.person_id == person.id)).all()
    assert sorted(m.status.name for m in marks) == ["EXCUSED", "PRESENT"]
    assert all(m.note == "" for m in marks)
    assert db.session.scalar(select(func.count(Membership.id)).where(Membership.person_id == person.id)) == 1
    log = " ".join(str(e.changes) for e in db.session.scalars(select(AuditEntry)))
    for secret in ("Kari Eksempelsen", "kari.eksempelsen@example.org", "Direktør", "legetime"):
        assert secret not in log
    assert "[erased]" in log
    exported = coordinator.get(f"/people/{person.id}/export.json").get_json()
    assert "Kari" not in str(exported)
    assert "Kari" not in coordinator.get("/people/").get_data(as_text=True)


def test_people_can_be_searched(coordinator, person, db):
    db.session.add(Person(name="Ola Prøvesen", email="ola@example.org"))
    db.session.commit()
    page = coordinator.get("/people/?q=eksempel").get_data(as_text=True)
    assert "Kari Eksempelsen" in page and "Ola Prøvesen" not in page
