"""`flask reminders send`: reminders of sessions, by mail, to everyone expected there, once."""
import contextvars
import email
import email.policy
from datetime import date

import icalendar
import pytest
from sqlalchemy import select

from tests.reminders.conftest import at, free_port
from tracker.calendar.ics import session_uid
from tracker.people.models import Person
from tracker.reminders.models import ReminderSent
from tracker.reminders.services import (
    DueReminder,
    due_reminders,
    reminder_message,
    reminder_thresholds,
    start_of_day,
)
from tracker.schedule.models import Session, SessionStatus

EXPECTED_AT_JOINT = {
    "udir.top_leader@example.org", "udir.member@example.org",
    "bufdir.top_leader@example.org", "bufdir.member@example.org",
}


def sent(db) -> set[tuple[int, str, int]]:
    """What ReminderSent holds (the reminders queued): (session id, person's email, days
    before)."""
    db.session.expire_all()
    records = db.session.execute(
        select(ReminderSent.session_id, Person.email, ReminderSent.days_before)
        .join(Person, Person.id == ReminderSent.person_id)
    ).all()
    return {tuple(record) for record in records}


def body(message, subtype="plain") -> str:
    return message.get_body(preferencelist=(subtype,)).get_content()


def calendar_of(message) -> icalendar.Calendar:
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return part, icalendar.Calendar.from_ical(part.get_content())


# Who gets what, and what it says


def test_a_week_before_everyone_expected_gets_one_reminder_with_the_session(db, world, smtp, run):
    result = run("--today", "2016-10-17")

    assert result.exit_code == 0, result.output
    joint = world["joint"]
    # Top leaders and members of the groups still in; not contacts, not the withdrawn group,
    # not someone without an email address, not someone erased.
    assert sorted(r for m in smtp.messages for r in m.recipients) == sorted(EXPECTED_AT_JOINT)
    assert all(len(m.recipients) == 1 for m in smtp.messages)
    [mail] = smtp.to("udir.member@example.org")
    message = mail.message
    assert message["To"].addresses[0].display_name == "Udir Member"
    assert message["From"] == "Program for toppledergrupper <noreply@example.org>"
    assert mail.sender == "noreply@example.org"
    # Bokmål by default: the module's bokmål name and a Norwegian date, in Oslo time.
    assert "Fellessamling 1" in message["Subject"]
    assert "mandag 24. oktober 2016" in message["Subject"]
    text = body(message)
    assert "Fellessamling 1" in text
    assert "mandag 24. oktober 2016, 09:00" in text  # 07:00 UTC, summer time
    assert "tirsdag 25. oktober 2016, 15:00" in text
    assert "07:00" not in text and "13:00" not in text
    assert "Difi, Grev Wedels plass 9, Oslo" in text
    assert "Kull 1" in text
    assert "Udir Member" in text
    html = body(message, "html")
    assert "Grev Wedels plass 9" in html and "09:00" in html
    # The session as a calendar file, with the UID a calendar feed gives it.
    part, calendar = calendar_of(message)
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "PUBLISH"
    assert part.get_filename() == "fellessamling-1-kull-1-2016-10-24.ics"  # what it is, in bokmål
    # The two-day gathering is one event a day (tests/calendar/test_calendar_details.py).
    event, second_day = calendar.walk("VEVENT")
    assert second_day.decoded("DTSTART") == at(2016, 10, 25)
    assert str(event["UID"]) == session_uid(joint)
    assert event.decoded("DTSTART") == at(2016, 10, 24)
    assert event.decoded("DTSTART").utcoffset().total_seconds() == 2 * 3600
    assert str(calendar["METHOD"]) == "PUBLISH"
    # Recorded after the server took each one; the Udir coaching (two weeks away) not yet.
    assert sent(db) == {(joint.id, address, 7) for address in EXPECTED_AT_JOINT}


def test_a_group_session_reminds_that_group_only_and_names_it(db, world, smtp, run):
    result = run("--today", "2016-10-24")  # the coaching is on 31 October: 7 days

    assert result.exit_code == 0, result.output
    coaching = world["udir_coaching"]
    udir_mails = [m for m in smtp.messages if "Veiledning" in m.message["Subject"]]
    assert {r for m in udir_mails for r in m.recipients} == {
        "udir.top_leader@example.org", "udir.member@example.org"}
    text = body(udir_mails[0].message)
    assert "Utdanningsdirektoratet" in text and "Hos Udir" in text
    assert "mandag 31. oktober 2016, 09:00" in text  # 08:00 UTC, winter time now
    assert "12:00" in text
    [event] = calendar_of(udir_mails[0].message)[1].walk("VEVENT")
    assert str(event["UID"]) == session_uid(coaching)
    assert event.decoded("DTSTART").utcoffset().total_seconds() == 3600


def test_running_twice_sends_nothing_new(db, world, smtp, run):
    assert run("--today", "2016-10-17").exit_code == 0
    first = len(smtp.messages)

    again = run("--today", "2016-10-17")
    later_same_threshold = run("--today", "2016-10-20")

    assert again.exit_code == 0 and later_same_threshold.exit_code == 0
    assert first == 4
    assert len(smtp.messages) == first
    assert len(sent(db)) == 4


def test_the_day_before_brings_the_one_day_reminder(db, world, smtp, run):
    run("--today", "2016-10-17")
    smtp.messages.clear()

    result = run("--today", "2016-10-23")

    assert result.exit_code == 0, result.output
    assert sorted(r for m in smtp.messages for r in m.recipients) == sorted(EXPECTED_AT_JOINT)
    joint = world["joint"]
    assert sent(db) == {(joint.id, a, n) for a in EXPECTED_AT_JOINT for n in (7, 1)}
    assert run("--today", "2016-10-23").exit_code == 0
    assert len(smtp.messages) == 4


def test_a_missed_run_sends_one_mail_and_records_every_threshold_due(db, world, smtp, run):
    result = run("--today", "2016-10-23")

    assert result.exit_code == 0, result.output
    assert sorted(r for m in smtp.messages for r in m.recipients) == sorted(EXPECTED_AT_JOINT)
    joint = world["joint"]
    assert sent(db) == {(joint.id, a, n) for a in EXPECTED_AT_JOINT for n in (7, 1)}


def test_on_the_day_before_it_starts_the_reminder_still_goes(db, world, smtp, run):
    # A session created late: nothing was sent before its day, and it has not started at 00:00.
    assert run("--today", "2016-10-24").exit_code == 0
    assert EXPECTED_AT_JOINT <= {r for m in smtp.messages for r in m.recipients}


def test_cancelled_held_started_and_distant_sessions_get_no_reminder(db, world, smtp, run):
    # Ten days before the gathering; the cancelled (21 Oct) and the held (20 Oct) Bufdir
    # sessions would be within a week.
    assert run("--today", "2016-10-14").exit_code == 0
    assert smtp.messages == []
    # The gathering started yesterday; the Udir coaching is six days away.
    assert run("--today", "2016-10-25").exit_code == 0
    assert smtp.messages and all("Veiledning" in m.message["Subject"] for m in smtp.messages)
    assert {session_id for session_id, _, _ in sent(db)} == {world["udir_coaching"].id}


def test_someone_who_left_before_the_session_is_not_reminded(db, world, smtp, run):
    membership = world["Udir member"].memberships[0]
    membership.left_on = date(2016, 10, 1)
    db.session.commit()

    run("--today", "2016-10-17")

    assert "udir.member@example.org" not in {r for m in smtp.messages for r in m.recipients}


# When the server is down or refuses


def test_user_and_password_in_mail_url_sign_in(db, world, smtp, run, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_URL",
                        f"smtp://tracker%40example.org:hemmelig%20passord@127.0.0.1:{smtp.port}")

    assert run("--today", "2016-10-17").exit_code == 0

    assert smtp.logins and set(smtp.logins) == {("tracker@example.org", "hemmelig passord")}
    assert len(smtp.messages) == 4


# Without a mail server, and without sending


def test_without_mail_url_mail_is_written_to_the_folder_and_counts_as_sent(db, world, run, mail_folder):
    result = run("--today", "2016-10-17")

    assert result.exit_code == 0, result.output
    files = sorted(mail_folder.glob("*.eml"))
    assert len(files) == 4
    assert not list(mail_folder.glob("*.tmp"))
    messages = [email.message_from_bytes(f.read_bytes(), policy=email.policy.default) for f in files]
    assert {m["To"].addresses[0].addr_spec for m in messages} == EXPECTED_AT_JOINT
    assert all("Fellessamling 1" in m["Subject"] and m["Message-ID"] and m["Date"] for m in messages)
    assert all(calendar_of(m)[1].walk("VEVENT") for m in messages)
    assert len(sent(db)) == 4
    assert run("--today", "2016-10-17").exit_code == 0
    assert len(list(mail_folder.glob("*.eml"))) == 4


def test_a_dry_run_sends_and_records_nothing(db, world, smtp, run, mail_folder):
    result = run("--today", "2016-10-17", "--dry-run")

    assert result.exit_code == 0, result.output
    assert result.output.count("Would queue reminder") == 4
    assert "udir.top_leader@example.org" in result.output
    assert smtp.messages == []
    assert sent(db) == set()
    assert not mail_folder.exists()


def test_a_bad_reminder_days_setting_is_refused(db, world, run, app, monkeypatch):
    monkeypatch.setitem(app.config, "REMINDER_DAYS", "7,one")
    result = run("--today", "2016-10-17")
    assert result.exit_code != 0 and "REMINDER_DAYS" in result.output


def test_a_malformed_date_is_refused(db, run):
    result = run("--today", "17.10.2016")
    assert result.exit_code == 2


# The rules and the message, directly


def test_reminder_thresholds_are_parsed_largest_first():
    assert reminder_thresholds("1, 7,7") == (7, 1)
    assert reminder_thresholds("3") == (3,)
    for bad in ("", "seven", "-1", "7;1"):
        with pytest.raises(ValueError):
            reminder_thresholds(bad)


def test_the_reminder_is_written_in_the_language_asked_for(db, world):
    due = DueReminder(world["joint"], world["Bufdir top_leader"], 1, (1,))

    message = reminder_message(due, "en")

    assert message["Subject"] == "Reminder: Joint gathering 1, Monday, October 24, 2016"
    text = body(message)
    assert "This is a reminder of Joint gathering 1 tomorrow." in text
    assert "Monday, October 24, 2016, 09:00 to Tuesday, October 25, 2016, 15:00" in text
    assert "all groups" in text
    assert "&" not in text


def test_names_are_escaped_in_html_and_plain_in_text(db, world):
    person = world["Bufdir member"]
    person.name = "Ola <b>Nordmann</b> & co"
    due = DueReminder(world["joint"], person, 7, (7,))

    message = reminder_message(due, "en")

    assert "Ola <b>Nordmann</b> & co" in body(message)
    html = body(message, "html")
    assert "Ola &lt;b&gt;Nordmann&lt;/b&gt; &amp; co" in html and "<b>" not in html


def test_due_reminders_load_in_a_fixed_number_of_queries(db, world, count_queries):
    now = start_of_day(date(2016, 10, 24))
    with count_queries() as few:
        assert due_reminders(date(2016, 10, 24), now, (7, 1))
    for day in (25, 26, 27):
        db.session.add(Session(cohort=world["cohort"], module=world["coaching"],
                               enrolment=world["bufdir"], starts_at=at(2016, 10, day, 13),
                               ends_at=at(2016, 10, day, 15), status=SessionStatus.PLANNED))
    db.session.commit()
    db.session.expire_all()
    with count_queries() as many:
        due = due_reminders(date(2016, 10, 24), now, (7, 1))
    assert len({d.session.id for d in due}) == 5
    assert many["n"] == few["n"]


def test_a_run_without_its_database_says_so_without_a_traceback():
    from config import TestConfig
    from tests.reminders.conftest import free_port
    from tracker import create_app

    class DatabaseDown(TestConfig):
        SQLALCHEMY_DATABASE_URI = (
            f"postgresql+psycopg://tracker@127.0.0.1:{free_port()}/tracker?connect_timeout=2")

    # In a context of its own: the test's app context would otherwise be the command's.
    result = contextvars.Context().run(
        create_app(DatabaseDown).test_cli_runner().invoke,
        args=["reminders", "send", "--today", "2016-10-17"])

    assert result.exit_code == 1, result.output
    assert "The database could not be reached (OperationalError)" in result.output
    assert isinstance(result.exception, SystemExit)  # a message, not a traceback
