"""`flask mail send`: the outbox delivered to a real SMTP server on loopback (aiosmtpd), at
least once and never twice, tried again with a growing pause, given up and shown to admins."""
from datetime import timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import select, update

from tests.conftest import csrf_token, login_as
from tests.reminders.conftest import Collector, free_port
from tracker import clock
from tracker.mail import SMTPConnection, address
from tracker.outbox.delivery import CLAIM_EXPIRES, retry_pause
from tracker.outbox.models import MailKind, OutboxMessage, OutboxStatus
from tracker.outbox.services import queue

PEOPLE = ["ola@example.org", "kari@example.org", "nils@example.org", "anne@example.org"]


def message(to: str, subject: str = "Samling flyttet") -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = subject
    mail["To"] = address("Navn Navnesen", to)
    mail.set_content("Hei!\n")
    return mail


@pytest.fixture
def queued_four(db):
    for to in PEOPLE:
        queue(message(to), kind=MailKind.MESSAGE)
    db.session.commit()


@pytest.fixture
def send(app):
    def invoke():
        return app.test_cli_runner().invoke(args=["mail", "send"])
    return invoke


def rows(db) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def pause_passes(db) -> None:
    """As if every pause had passed: what waits is due now."""
    db.session.execute(update(OutboxMessage).values(next_attempt_at=clock.now() - timedelta(seconds=1)))
    db.session.commit()


def received(server) -> list[str]:
    return [r for m in server.messages for r in m.recipients]


def test_every_queued_mail_goes_once_over_one_connection_and_keeps_no_text(db, smtp, queued_four, send):
    result = send()

    assert result.exit_code == 0, result.output
    assert sorted(received(smtp)) == sorted(PEOPLE)
    assert "4 sent" in result.output
    assert all(r.status is OutboxStatus.SENT and r.sent_at and r.content is None for r in rows(db))
    # Each was prepared when queued: the Message-ID it went with is the one it had in the outbox.
    assert all(m.message["Message-ID"] and m.message["Date"] for m in smtp.messages)
    assert send().exit_code == 0
    assert len(smtp.messages) == 4


def test_a_queue_in_a_change_that_is_rolled_back_sends_nothing(db, smtp, send):
    queue(message("ola@example.org"), kind=MailKind.MESSAGE)
    db.session.rollback()

    assert send().exit_code == 0
    assert smtp.messages == [] and rows(db) == []


def test_a_key_is_queued_once(db):
    assert queue(message("ola@example.org"), kind=MailKind.MESSAGE, key="once") is not None
    assert queue(message("ola@example.org"), kind=MailKind.MESSAGE, key="once") is None
    db.session.commit()
    assert len(rows(db)) == 1


def test_a_mail_server_that_is_down_keeps_the_mail_and_the_next_run_after_the_pause_sends(
        db, app, queued_four, send, monkeypatch):
    port = free_port()  # nothing listens here
    monkeypatch.setitem(app.config, "MAIL_URL", f"smtp://127.0.0.1:{port}")
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 2)

    result = send()

    assert result.exit_code == 1
    assert "Not sent" in result.output and "ola@example.org" in result.output
    # An unreachable server is no fault of the mail: no try is counted, so however long it is
    # down, nothing is given up.
    assert all(r.status is OutboxStatus.PENDING and r.attempts == 0 and r.content for r in rows(db))
    assert all(r.next_attempt_at > clock.now() for r in rows(db))
    # Before the pause has passed, nothing is tried.
    assert "0 sent" in send().output
    for _ in range(3):
        pause_passes(db)
        assert send().exit_code == 1
    assert all(r.status is OutboxStatus.PENDING and r.attempts == 0 for r in rows(db))

    from aiosmtpd.controller import Controller
    server = Collector()
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        pause_passes(db)
        retry = send()
    finally:
        controller.stop()
    assert retry.exit_code == 0, retry.output
    assert sorted(received(server)) == sorted(PEOPLE)


def test_a_recipient_refused_for_good_is_given_up_at_once_and_the_others_go(db, smtp, queued_four, send):
    smtp.refuse.add("kari@example.org")

    result = send()

    assert result.exit_code == 1
    assert "kari@example.org" in result.output and "550" in result.output
    assert sorted(received(smtp)) == sorted(set(PEOPLE) - {"kari@example.org"})
    [refused] = [r for r in rows(db) if r.recipient == "kari@example.org"]
    assert refused.status is OutboxStatus.FAILED and "550" in refused.last_error
    pause_passes(db)
    assert send().exit_code == 0 and len(smtp.messages) == 3


def test_a_recipient_refused_for_now_is_tried_again_after_a_growing_pause(db, app, smtp, queued_four, send,
                                                                          monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 3)
    smtp.defer.add("kari@example.org")

    assert send().exit_code == 1
    # The one refusal holds up no one else: the three others went in the same run.
    assert sorted(received(smtp)) == sorted(set(PEOPLE) - {"kari@example.org"})
    [deferred] = [r for r in rows(db) if r.recipient == "kari@example.org"]
    assert deferred.status is OutboxStatus.PENDING and deferred.attempts == 1 and "450" in deferred.last_error
    first_wait = deferred.next_attempt_at - clock.now()
    pause_passes(db)
    assert send().exit_code == 1
    [deferred] = [r for r in rows(db) if r.recipient == "kari@example.org"]
    assert deferred.attempts == 2 and deferred.next_attempt_at - clock.now() > first_wait
    pause_passes(db)
    given_up = send()
    assert "given up after 3 tries" in given_up.output
    [deferred] = [r for r in rows(db) if r.recipient == "kari@example.org"]
    assert deferred.status is OutboxStatus.FAILED
    assert received(smtp).count("ola@example.org") == 1


def test_the_pause_doubles_up_to_six_hours():
    assert [retry_pause(n) for n in (1, 2, 3)] == [timedelta(minutes=1), timedelta(minutes=2),
                                                   timedelta(minutes=4)]
    assert retry_pause(30) == timedelta(hours=6)


def test_a_wrong_password_is_a_failure_not_a_crash(db, app, smtp, queued_four, send, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_URL", f"smtp://tracker:galt@127.0.0.1:{smtp.port}")

    result = send()

    assert result.exit_code == 1 and "535" in result.output
    assert smtp.messages == [] and all(r.status is OutboxStatus.PENDING for r in rows(db))


def test_a_message_another_sender_took_over_is_left_to_it(db, smtp, queued_four):
    from tracker.outbox.delivery import Delivery, _send_batch, claim_batch

    token, batch = claim_batch(clock.now())
    # Meanwhile the claim on the second passed to another sender (this one was too slow).
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == batch[1].id)
                       .values(claim="another sender"))
    db.session.commit()
    _send_batch(token, batch, Delivery())

    assert sorted(received(smtp)) == sorted(set(PEOPLE) - {batch[1].recipient})
    assert db.session.get(OutboxMessage, batch[1].id).status is OutboxStatus.PENDING


def test_a_link_mail_given_up_keeps_no_link_and_cannot_be_tried_again(db, smtp, send):
    mail = message("kari@example.org", "Invitasjon")
    mail.set_content("https://tracker.example.org/invitation/hemmelig-lenke\n")
    queue(mail, kind=MailKind.ACCOUNT_INVITATION)
    db.session.commit()
    smtp.refuse.add("kari@example.org")

    send()

    [row] = rows(db)
    assert row.status is OutboxStatus.FAILED and row.content is None


def test_settings_that_cannot_work_count_no_try(db, app, queued_four, send, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_URL", "http://127.0.0.1:25")

    result = send()

    assert result.exit_code == 1 and "No mail sent" in result.output
    assert all(r.attempts == 0 and r.claim is None for r in rows(db))


def test_a_sender_that_crashes_midway_has_recorded_what_went_and_the_rest_goes_after_the_claim_expires(
        db, smtp, queued_four, send, monkeypatch):
    real_send, calls = SMTPConnection.send, []

    def send_twice_then_crash(self, mail):
        calls.append(mail)
        if len(calls) > 2:
            raise RuntimeError("the machine went down")
        real_send(self, mail)

    monkeypatch.setattr(SMTPConnection, "send", send_twice_then_crash)
    crashed = send()
    assert crashed.exit_code != 0 and isinstance(crashed.exception, RuntimeError)
    db.session.rollback()
    assert [r.status for r in rows(db)].count(OutboxStatus.SENT) == 2
    monkeypatch.setattr(SMTPConnection, "send", real_send)

    # The two it held are a live sender's until the claim expires...
    assert send().exit_code == 0 and len(smtp.messages) == 2
    db.session.execute(update(OutboxMessage).where(OutboxMessage.claim.is_not(None))
                       .values(claimed_at=clock.now() - CLAIM_EXPIRES - timedelta(seconds=1)))
    db.session.commit()
    # ...then taken over, and each of the four has gone exactly once.
    assert send().exit_code == 0
    assert sorted(received(smtp)) == sorted(PEOPLE)


def test_a_mail_folder_that_cannot_be_written_is_a_failure(db, app, queued_four, send, monkeypatch, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    monkeypatch.setitem(app.config, "MAIL_FOLDER", str(blocker / "mail"))

    assert send().exit_code == 1
    assert all(r.status is OutboxStatus.PENDING and r.attempts == 0 and r.last_error for r in rows(db))


def test_without_mail_url_mail_is_written_to_the_folder(db, queued_four, send, mail_folder):
    assert send().exit_code == 0
    assert len(list(mail_folder.glob("*.eml"))) == 4 and not list(mail_folder.glob("*.tmp"))


def test_admins_see_what_was_given_up_with_the_reason_and_can_try_again(
        db, client, make_user, smtp, queued_four, send):
    smtp.refuse.add("kari@example.org")
    send()
    login_as(client, make_user("admin"))

    page = client.get("/admin/outbox/")

    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "kari@example.org" in text and "550" in text and "Prøv igjen" in text
    [failed] = [r for r in rows(db) if r.status is OutboxStatus.FAILED]
    answer = client.post(f"/admin/outbox/{failed.id}/try-again", data={"csrf_token": csrf_token(client)})
    assert answer.status_code == 302
    smtp.refuse.clear()
    assert send().exit_code == 0
    assert received(smtp).count("kari@example.org") == 1


def test_coordinators_do_not_see_the_outbox(db, client, make_user):
    login_as(client, make_user("coordinator"))
    assert client.get("/admin/outbox/").status_code in (403, 404)
