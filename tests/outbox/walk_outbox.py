"""The outbox page in the walks every page takes (see tests/walks.py)."""
from email.message import EmailMessage

ACCESS_ARGUMENTS = {"outbox_message_id": ("outbox_message", "outbox_message")}
FUZZ_ARGUMENTS = {"outbox_message_id": "outbox_message"}
FUZZED = {"outbox.retry"}
DRAWN_ON = {"outbox.retry": ("outbox.index", {})}


def _given_up():
    from tracker.extensions import db
    from tracker.outbox.models import MailKind, OutboxStatus
    from tracker.outbox.services import queue

    message = EmailMessage()
    message["Subject"] = "Avvist"
    message["To"] = "ingen@example.org"
    message.set_content("Hei")
    record = queue(message, kind=MailKind.MESSAGE)
    record.status = OutboxStatus.FAILED
    record.attempts = 1
    record.last_error = "550 5.1.1 No such mailbox here"
    db.session.flush()
    return record


def access_world(world: dict) -> dict:
    return {"outbox_message": _given_up()}


def fuzz_world(world: dict) -> dict:
    return {"outbox_message": _given_up()}


def example_ids(db) -> dict:
    return {}
