"""Two `flask reminders send` at the same time, then two `flask mail send`, as two processes
each with connections of their own on PostgreSQL, against a real SMTP server on loopback that
takes its time over each message: every mail is queued once and goes once, and every run exits
cleanly."""
import asyncio
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from tests.conftest import postgres_server_url
from tests.reminders.conftest import Collector, free_port
from tests.reminders.test_attendance_alerts import TODAY, coordinators, register  # noqa: F401
from tests.reminders.test_session_reminders import EXPECTED_AT_JOINT
from tracker.outbox.models import OutboxMessage, OutboxStatus
from tracker.reminders.models import AlertSent, ReminderSent

pytestmark = [
    pytest.mark.committed,  # the runs are processes of their own
    pytest.mark.skipif(postgres_server_url() is None,
                       reason="needs PostgreSQL (two processes, one database): "
                              "set TEST_DATABASE_URL=postgresql://…"),
]

ROOT = Path(__file__).resolve().parents[2]


class SlowCollector(Collector):
    """Takes a while over each message, so two runs overlap for the whole of their work."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.25)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_smtp():
    collector = SlowCollector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    collector.port = port
    yield collector
    controller.stop()


def two_at_once(database_url: str, smtp_port: int, *arguments: str) -> list[subprocess.CompletedProcess]:
    env = {**os.environ, "DATABASE_URL": database_url, "MAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
           "REMINDER_DAYS": "7,1", "ATTENDANCE_ALERT_THRESHOLD": "0.75",
           "BASE_URL": "https://tracker.example.org"}
    env.pop("TRACKER_ENV", None)
    command = [sys.executable, "-m", "flask", "--app", "tracker", *arguments]
    runs = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    return [subprocess.CompletedProcess(run.args, run.wait(timeout=120), run.stdout.read())
            for run in runs]


def two_runs_at_once(database_url: str, smtp_port: int, today: str) -> list[subprocess.CompletedProcess]:
    """Two daily runs at once, then two mail senders at once."""
    queued = two_at_once(database_url, smtp_port, "reminders", "send", "--today", today)
    sent = two_at_once(database_url, smtp_port, "mail", "send")
    return queued + sent


def test_two_runs_at_once_send_each_reminder_once_and_both_exit_cleanly(
        db, world, slow_smtp, database_url):
    results = two_runs_at_once(database_url, slow_smtp.port, "2016-10-17")

    assert [result.returncode for result in results] == [0, 0, 0, 0], [r.stdout for r in results]
    received = Counter(r for m in slow_smtp.messages for r in m.recipients)
    assert received == Counter(EXPECTED_AT_JOINT)  # each of the four once
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(ReminderSent)) == 4
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.status == OutboxStatus.SENT)) == 4


def test_two_runs_at_once_tell_each_coordinator_of_the_alerts_once(
        db, register, coordinators, slow_smtp, database_url):  # noqa: F811
    results = two_runs_at_once(database_url, slow_smtp.port, TODAY)

    assert [result.returncode for result in results] == [0, 0, 0, 0], [r.stdout for r in results]
    received = Counter(r for m in slow_smtp.messages for r in m.recipients)
    assert received == Counter(["admin@example.org", "koordinator@example.org"])
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AlertSent)) == 3


def queue_while_another_run_inserts(db, database_url, other_run_ends: str) -> bool:
    """Another run has queued a mail with the same key and not yet committed; this run's
    `queue` waits for it, and then the other run commits or rolls back. Returns whether this
    run queued it."""
    import threading
    import time
    from email.message import EmailMessage

    from sqlalchemy import create_engine, insert, text

    from tracker.outbox.models import MailKind
    from tracker.outbox.services import queue

    engine = create_engine(database_url)
    watcher_engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as other, watcher_engine.connect() as watcher:
            other.execute(insert(OutboxMessage).values(
                kind=MailKind.SESSION_REMINDER, key="reminder:1:2:7", recipient="ola@example.org",
                subject="", content=b"", status=OutboxStatus.PENDING, attempts=0, last_error=""))

            def end_other_run():
                for _ in range(200):
                    if watcher.execute(text(
                            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                            "AND wait_event_type = 'Lock'")).scalar():
                        break
                    time.sleep(0.05)
                getattr(other, other_run_ends)()

            thread = threading.Thread(target=end_other_run)
            thread.start()
            message = EmailMessage()
            message["Subject"] = "Påminnelse"
            message["To"] = "ola@example.org"
            message.set_content("Hei")
            queued = queue(message, kind=MailKind.SESSION_REMINDER, key="reminder:1:2:7")
            thread.join(timeout=30)
            return queued is not None
    finally:
        engine.dispose()
        watcher_engine.dispose()


def test_a_mail_queued_at_the_same_moment_is_left_to_the_run_that_committed_it(db, database_url):
    assert queue_while_another_run_inserts(db, database_url, "commit") is False


def test_a_mail_the_other_run_gave_up_is_this_runs(db, database_url):
    assert queue_while_another_run_inserts(db, database_url, "rollback") is True
