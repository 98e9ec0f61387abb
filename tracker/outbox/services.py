"""Putting a mail in the outbox: the one way any feature sends mail.

`queue(message, kind=…)` writes the finished message in the current transaction, so it goes
exactly when the change that caused it is committed, and never when that change is rolled
back. Delivery is `tracker/outbox/delivery.py`.
"""
from email.message import EmailMessage
from email.utils import parseaddr

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from tracker.extensions import db
from tracker.mail import prepare
from tracker.outbox.models import MailKind, OutboxMessage, OutboxStatus


def queue(message: EmailMessage, *, kind: MailKind, key: str | None = None) -> OutboxMessage | None:
    """Write `message` (with one To address) to the outbox; flushes, never commits.

    A message with a `key` another queued mail already has is not queued again: None is
    returned, in a savepoint, so the caller's transaction goes on (two runs at once on
    PostgreSQL: the second waits for the first to commit, then finds the key).

    :raise MailError: when a header holds a line break or control character.
    :raise ValueError: when the message has no single To address.
    """
    prepare(message)
    recipients = message.get_all("To") or []
    if len(recipients) != 1 or not parseaddr(str(recipients[0]))[1]:
        raise ValueError("an outbox message has exactly one To address")
    record = OutboxMessage(kind=kind, key=key, recipient=parseaddr(str(recipients[0]))[1],
                           subject=str(message.get("Subject", "")), content=message.as_bytes())
    if key is None:
        db.session.add(record)
        db.session.flush()
        return record
    if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None:
        return None
    try:
        with db.session.begin_nested():
            db.session.add(record)
    except IntegrityError:
        return None
    return record


def unqueue(key_prefix: str) -> int:
    """Take back the mails waiting to be sent whose key starts with `key_prefix` (what they
    told of was undone in the same transaction); how many. Mail sent already stays sent."""
    return db.session.execute(
        delete(OutboxMessage).where(OutboxMessage.key.startswith(key_prefix, autoescape=True),
                                    OutboxMessage.status == OutboxStatus.PENDING,
                                    OutboxMessage.claim.is_(None))
    ).rowcount


def is_queued(key: str) -> bool:
    """Whether a mail with this key was ever queued (sent, waiting or given up)."""
    return db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None


def get_message_or_404(message_id: int) -> OutboxMessage:
    """One message of the outbox (admins see every one)."""
    return db.get_or_404(OutboxMessage, message_id)
