"""A reminder is claimed before its mail is sent: a claim another run holds is left to it, a
claim left by a run that died is taken over, and a mail that did not go leaves no claim."""
import contextvars
from datetime import timedelta

from sqlalchemy import select

from tests.reminders.test_session_reminders import EXPECTED_AT_JOINT, sent
from tracker import clock
from tracker.reminders.models import ReminderSent
from tracker.reminders.services import claim_reminder


def hold_claim(db, world, person, *, age: timedelta) -> None:
    db.session.add(ReminderSent(session_id=world["joint"].id, person_id=person.id, days_before=7,
                                claimed_at=clock.now() - age))
    db.session.commit()


def recipients(smtp) -> set[str]:
    return {r for m in smtp.messages for r in m.recipients}


def test_a_reminder_another_run_is_sending_is_left_to_it(db, world, smtp, run):
    busy = world["Udir member"]
    hold_claim(db, world, busy, age=timedelta(seconds=5))

    result = run("--today", "2016-10-17")

    assert result.exit_code == 0, result.output
    assert recipients(smtp) == EXPECTED_AT_JOINT - {busy.email}
    claim = db.session.scalar(select(ReminderSent).where(ReminderSent.person_id == busy.id))
    assert claim.sent_at is None  # still the other run's to record


def test_a_claim_left_by_a_run_that_died_is_taken_over(db, world, smtp, run):
    stranded = world["Udir member"]
    hold_claim(db, world, stranded, age=timedelta(hours=2))

    result = run("--today", "2016-10-17")

    assert result.exit_code == 0, result.output
    assert "Took over 1 claim" in result.output
    assert recipients(smtp) == EXPECTED_AT_JOINT
    assert len(sent(db)) == 4


def test_the_same_reminder_cannot_be_claimed_twice(db, world):
    person = world["Udir member"]
    assert claim_reminder(world["joint"].id, person.id, (7,))
    assert not claim_reminder(world["joint"].id, person.id, (7, 1))
    assert claim_reminder(world["joint"].id, person.id, (1,))  # another threshold is another mail


def test_a_mail_that_was_not_accepted_leaves_no_claim_and_goes_next_run(db, world, smtp, run):
    smtp.refuse.add("udir.member@example.org")
    assert run("--today", "2016-10-17").exit_code == 1
    db.session.expire_all()
    assert db.session.scalar(select(ReminderSent).where(ReminderSent.sent_at.is_(None))) is None

    smtp.refuse.clear()
    assert run("--today", "2016-10-17").exit_code == 0
    assert [m.recipients for m in smtp.messages][-1] == ["udir.member@example.org"]


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
