"""Coordinators hear, once, about low attendance and about two absences in a row."""
from datetime import date

import pytest

from tests.outbox import queued
from tracker.outbox.models import MailKind
from sqlalchemy import select

from tests.reminders.conftest import at, free_port
from tracker.groups.models import EnrolmentStatus
from tracker.people.models import MemberRole, Membership, Person
from tracker.groups.services import enrol, record_status
from tracker.programmes.models import CourseModule, ModuleKind
from tracker.reminders.models import AlertKind, AlertSent
from tracker.reminders.services import alert_summary_message, new_alerts
from tracker.schedule.models import Attendance, AttendanceStatus, Session, SessionStatus
from tracker.users.services import deactivate

P, A, E = AttendanceStatus.PRESENT, AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED
TODAY = "2016-11-15"


@pytest.fixture
def register(db, make_cohort, make_organisation):
    """Kull 1 with Udir (a steady top leader, Berit at half the sessions with no two absences
    in a row, Carl absent twice in a row, Dina who left, Eva erased) and Lånekassen, withdrawn,
    whose member missed everything; four held sessions, two joint and two of Udir's."""
    cohort = make_cohort(label="Kull 1", start_date=date(2016, 8, 29))
    joint = CourseModule(programme=cohort.programme, position=1, name_nb="Fellessamling",
                         name_en="Joint gathering", kind=ModuleKind.JOINT_GATHERING, is_joint=True,
                         offset_weeks=2)
    coaching = CourseModule(programme=cohort.programme, position=2, name_nb="Veiledning",
                            name_en="Coaching", kind=ModuleKind.GROUP_WORK, is_joint=False, offset_weeks=4)
    db.session.add_all([joint, coaching])
    udir = enrol(cohort, make_organisation(name_nb="Utdanningsdirektoratet", short_name="Udir"),
                 status=EnrolmentStatus.CONFIRMED)
    lanekassen = enrol(cohort, make_organisation(name_nb="Lånekassen"), status=EnrolmentStatus.CONFIRMED)
    people = {}

    def member(enrolment, name, role=MemberRole.MEMBER, left=None):
        person = Person(name=name, email=f"{name.lower()}@example.org")
        enrolment.memberships.append(Membership(person=person, role=role, joined_on=date(2016, 8, 29),
                                                left_on=left))
        people[name] = person

    member(udir, "Anne", MemberRole.TOP_LEADER)
    for name in ("Berit", "Carl", "Eva"):
        member(udir, name)
    member(udir, "Dina", left=date(2016, 10, 31))
    member(udir, "Frida", MemberRole.CONTACT)
    member(lanekassen, "Geir")
    sessions = [
        Session(cohort=cohort, module=joint, starts_at=at(2016, 9, 12), ends_at=at(2016, 9, 12, 15)),
        Session(cohort=cohort, module=coaching, enrolment=udir, starts_at=at(2016, 9, 26),
                ends_at=at(2016, 9, 26, 12)),
        Session(cohort=cohort, module=coaching, enrolment=udir, starts_at=at(2016, 10, 10),
                ends_at=at(2016, 10, 10, 12)),
        Session(cohort=cohort, module=joint, starts_at=at(2016, 10, 24), ends_at=at(2016, 10, 24, 15)),
    ]
    for session in sessions:
        session.status, session.location = SessionStatus.HELD, "Difi"
    db.session.add_all(sessions)
    marks = {
        "Anne": [P, P, P, P],
        "Berit": [P, A, E, P],
        "Carl": [P, A, A, P],
        "Dina": [A, A, A, A],
        "Eva": [A, A, A, A],
        "Geir": [A, None, None, A],
    }
    for name, statuses in marks.items():
        for session, status in zip(sessions, statuses):
            if status is not None:
                db.session.add(Attendance(person=people[name], session=session, status=status))
    db.session.flush()
    from tracker.privacy.services import erase_person

    erase_person(people["Eva"])
    record_status(lanekassen, EnrolmentStatus.WITHDRAWN)
    db.session.commit()
    return {"cohort": cohort, "udir": udir, "sessions": sessions, "joint": joint,
            "coaching": coaching, **people}


@pytest.fixture
def coordinators(db, make_user):
    """An administrator and a coordinator who get alerts; an inactive coordinator and an agency
    leader who do not."""
    gone = make_user("coordinator", email="gone@example.org")
    deactivate(gone)
    make_user("agency", email="leader@example.org")
    db.session.commit()
    return [make_user("admin", email="admin@example.org"),
            make_user("coordinator", email="koordinator@example.org")]


def recorded(db) -> set[tuple[AlertKind, str, str]]:
    """The alerts recorded as told (their summaries queued)."""
    db.session.expire_all()
    records = db.session.execute(
        select(AlertSent.kind, Person.name, AlertSent.key)
        .join(Person, Person.id == AlertSent.person_id)
    ).all()
    return {tuple(record) for record in records}


def body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_each_coordinator_gets_one_summary_of_the_new_alerts(db, register, coordinators, smtp, run):
    result = run("--today", TODAY)

    assert result.exit_code == 0, result.output
    assert sorted(r for m in smtp.messages for r in m.recipients) == [
        "admin@example.org", "koordinator@example.org"]
    third = register["sessions"][2]
    assert recorded(db) == {
        (AlertKind.BELOW_THRESHOLD, "Berit", "below"),
        (AlertKind.BELOW_THRESHOLD, "Carl", "below"),
        (AlertKind.ABSENT_TWICE, "Carl", str(third.id)),
    }
    text = body(smtp.to("koordinator@example.org")[0].message)
    for name in ("Berit", "Carl"):
        assert name in text
    for name in ("Anne", "Dina", "Geir", "Frida"):
        assert name not in text
    base = "https://tracker.example.org"
    assert f"{base}/people/{register['Berit'].id}" in text
    assert f"{base}/groups/{register['udir'].id}" in text
    assert f"{base}/schedule/sessions/{third.id}/attendance" in text
    assert "Utdanningsdirektoratet" in text and "Kull 1" in text
    assert "50" in text  # Berit and Carl: present at 2 of 4
    html = smtp.to("admin@example.org")[0].message.get_body(preferencelist=("html",)).get_content()
    assert f'href="{base}/people/{register["Carl"].id}"' in html


def test_alerts_already_sent_are_not_sent_again(db, register, coordinators, smtp, run):
    assert run("--today", TODAY).exit_code == 0
    smtp.messages.clear()

    again = run("--today", TODAY)

    assert again.exit_code == 0
    assert smtp.messages == []
    assert len(recorded(db)) == 3


def test_a_new_pair_of_absences_is_a_new_alert_and_only_that_is_sent(db, register, coordinators, smtp, run):
    run("--today", TODAY)
    smtp.messages.clear()
    later = [Session(cohort=register["cohort"], module=register["joint"], starts_at=at(2016, 11, day),
                     ends_at=at(2016, 11, day, 15), location="Difi", status=SessionStatus.HELD)
             for day in (7, 14)]
    db.session.add_all(later)
    for session in later:
        db.session.add(Attendance(person=register["Anne"], session=session, status=A))
        db.session.add(Attendance(person=register["Berit"], session=session, status=P))
    db.session.commit()

    result = run("--today", TODAY)

    assert result.exit_code == 0, result.output
    assert len(smtp.messages) == 2
    text = body(smtp.messages[0].message)
    assert "Anne" in text and "Berit" not in text and "Carl" not in text
    assert (AlertKind.ABSENT_TWICE, "Anne", str(later[1].id)) in recorded(db)
    # Anne: present at 4 of 6, still 67 %: below 75 % too.
    assert (AlertKind.BELOW_THRESHOLD, "Anne", "below") in recorded(db)


def test_no_share_is_judged_before_three_sessions_are_held(db, register):
    for session in register["sessions"][2:]:
        session.status = SessionStatus.PLANNED
        for mark in list(session.attendances):
            db.session.delete(mark)
    db.session.commit()

    assert new_alerts(date(2016, 11, 15), 0.75) == []


def test_the_threshold_is_a_setting(db, register):
    kinds = {(a.kind, a.person.name) for a in new_alerts(date(2016, 11, 15), 0.5)}
    assert kinds == {(AlertKind.ABSENT_TWICE, "Carl")}  # 50 % is not below 50 %


def test_alerts_queued_while_the_mail_server_is_down_go_later_and_are_not_queued_again(
        db, register, coordinators, app, run, monkeypatch):
    port = free_port()  # nothing listens here
    monkeypatch.setitem(app.config, "MAIL_URL", f"smtp://127.0.0.1:{port}")

    result = run("--today", TODAY)

    assert result.queued.exit_code == 0 and result.delivered.exit_code == 1
    assert "Not sent" in result.output and "admin@example.org" in result.output
    told = recorded(db)
    assert len(told) == 3
    assert len(queued(MailKind.ATTENDANCE_ALERTS)) == 2  # one summary to each coordinator, waiting
    # The next day's run tells of nothing new: the summaries wait in the outbox.
    again = run("--today", TODAY)
    assert "none new" in again.output and recorded(db) == told
    assert len(queued(MailKind.ATTENDANCE_ALERTS)) == 2


def test_alerts_without_an_active_coordinator_wait(db, register, smtp, run):
    result = run("--today", TODAY)

    assert result.exit_code == 0
    assert "no active coordinator" in result.output
    assert smtp.messages == [] and recorded(db) == set()


def test_a_dry_run_of_alerts_sends_and_records_nothing(db, register, coordinators, smtp, run):
    result = run("--today", TODAY, "--dry-run")

    assert result.exit_code == 0
    assert "Would queue 3 attendance alert(s) to admin@example.org" in result.output
    assert smtp.messages == [] and recorded(db) == set()


def test_the_summary_is_written_in_the_language_asked_for(db, register, coordinators):
    alerts = new_alerts(date(2016, 11, 15), 0.75)

    message = alert_summary_message(coordinators[0], alerts, "en")

    assert message["Subject"] == "Attendance: 3 new alerts"
    assert message["To"].addresses[0].addr_spec == "admin@example.org"
    text = body(message)
    assert "Present at 2 of 4 sessions with attendance marked (50%), of 4 held." in text
    assert ("Absent without excuse from two sessions in a row: Coaching (Sep 26, 2016) and "
            "Coaching (Oct 10, 2016).") in text


def test_alerts_load_in_a_fixed_number_of_queries(db, register, count_queries, make_organisation):
    with count_queries() as few:
        assert new_alerts(date(2016, 11, 15), 0.75)
    bufdir = enrol(register["cohort"], make_organisation(name_nb="Bufdir"), status=EnrolmentStatus.CONFIRMED)
    for name in ("Hans", "Ida"):
        person = Person(name=name, email=f"{name.lower()}@example.org")
        bufdir.memberships.append(Membership(person=person, role=MemberRole.MEMBER,
                                             joined_on=date(2016, 8, 29)))
        for session in register["sessions"]:
            if session.enrolment_id is None:
                db.session.add(Attendance(person=person, session=session, status=A))
    db.session.commit()
    db.session.expire_all()
    with count_queries() as many:
        alerts = new_alerts(date(2016, 11, 15), 0.75)
    assert {a.person.name for a in alerts} >= {"Hans", "Ida"}
    assert many["n"] == few["n"]
