"""Delivering the outbox: `flask --app tracker mail send` (once, for cron) and `mail worker`.

A sender claims a batch of due messages with one conditional UPDATE and commits the claim
before it calls the mail server, so two senders at once never send the same message; it sends
the batch over one connection and records each result as it goes (a commit per message). A
message the server did not take waits `retry_pause(attempts)` and is tried again, up to
MAIL_MAX_ATTEMPTS tries; one the server refuses for good (a 5xx reply) is given up at once.
Given-up messages are shown to admins on the outbox page, with the reason. A server that
cannot be reached at all is no fault of the messages: they wait `FIRST_PAUSE` and no try is
counted, so an outage of any length loses nothing.

At least once: a sender killed between the server's "accepted" and its own record leaves a
claim, taken over after `CLAIM_EXPIRES`, and that one message goes again (with the same
Message-ID, which lets a receiving server drop it). Nothing else is ever sent twice.
"""
import secrets
import smtplib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes, policy

from flask import current_app
from sqlalchemy import or_, select, update

from tracker import clock
from tracker.extensions import db
from tracker.mail import MailError, MailSettingsError, PermanentMailError, connection
from tracker.outbox.models import MailKind, OutboxMessage, OutboxStatus

# A claim older than this was left by a sender that died (one spends at most the SMTP timeout
# on each message of a batch): the next sender takes it over.
CLAIM_EXPIRES = timedelta(minutes=30)
# Mail whose text holds a personal link (stored elsewhere only as a hash): dropped when given up.
HOLDS_A_LINK = frozenset({MailKind.ACCOUNT_INVITATION, MailKind.PASSWORD_RESET,
                          MailKind.SURVEY_INVITATION, MailKind.SURVEY_REMINDER, MailKind.EVALUATION})
# How many messages one sender claims at a time.
BATCH = 50
# The pause before the second try; it doubles with each try, up to MAX_PAUSE.
FIRST_PAUSE = timedelta(minutes=1)
MAX_PAUSE = timedelta(hours=6)


def retry_pause(attempts: int) -> timedelta:
    """How long a message that failed `attempts` times waits before the next try."""
    return min(FIRST_PAUSE * 2 ** max(attempts - 1, 0), MAX_PAUSE)


@dataclass
class Delivery:
    """What one `deliver` did."""

    sent: int = 0
    retrying: int = 0
    given_up: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return self.retrying + self.given_up


def due(now: datetime):
    """Messages waiting whose time has come and that no live sender holds."""
    return (OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.claimed_at.is_(None),
                OutboxMessage.claimed_at < now - CLAIM_EXPIRES))


def claim_batch(now: datetime, limit: int = BATCH) -> tuple[str, list[OutboxMessage]]:
    """Claim up to `limit` due messages for this sender, oldest first, and commit the claim;
    the claim's token and the messages.

    The UPDATE names the ids it saw and repeats the conditions, so of two senders that saw the
    same messages only one gets each (on PostgreSQL the second waits for the first's commit
    and then finds them claimed; SQLite lets one writer in at a time).
    """
    ids = db.session.scalars(select(OutboxMessage.id).where(*due(now))
                             .order_by(OutboxMessage.id).limit(limit)).all()
    token = secrets.token_hex(16)
    if not ids:
        return token, []
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids), *due(now))
                       .values(claim=token, claimed_at=now))
    db.session.commit()
    return token, list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.claim == token)
                                          .order_by(OutboxMessage.id)))


def deliver(now: datetime | None = None, limit: int | None = None) -> Delivery:
    """Send what is due in batches until none is left (or `limit` messages were tried).

    :raise MailSettingsError: when MAIL_URL or MAIL_FROM cannot work; what this sender had
        claimed is released untouched, and nothing counts as a try.
    """
    result = Delivery()
    tried = 0
    while limit is None or tried < limit:
        token, batch = claim_batch(now or clock.now(),
                                   BATCH if limit is None else min(BATCH, limit - tried))
        if not batch:
            break
        tried += len(batch)
        _send_batch(token, batch, result)
    return result


def _send_batch(token: str, batch: list[OutboxMessage], result: Delivery) -> None:
    left = list(batch)
    try:
        with connection() as outgoing:
            while left:
                message = left[0]
                if not _still_ours(message, token):
                    left.pop(0)  # this sender took too long: another has taken it over
                    continue
                try:
                    outgoing.send(message_from_bytes(message.content, policy=policy.default))
                except PermanentMailError as error:
                    _give_up(message, str(error), result)
                except MailError as error:
                    if _connection_lost(error):
                        raise
                    _failed(message, str(error), result)
                else:
                    _sent(message, result)
                left.pop(0)
                db.session.commit()
    except MailSettingsError:
        _release(left)
        raise
    except MailError as error:
        # The server could not be reached, or the connection broke: every message not yet
        # tried waits, without counting a try.
        for message in left:
            _unreachable(message, str(error), result)
        db.session.commit()


def _still_ours(message: OutboxMessage, token: str) -> bool:
    """Renew this sender's claim on `message` just before sending it; False when the claim has
    passed to another sender (this one was slower than CLAIM_EXPIRES), which sends it instead."""
    renewed = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message.id,
                                    OutboxMessage.claim == token)
        .values(claimed_at=clock.now())).rowcount == 1
    db.session.commit()
    return renewed


def _connection_lost(error: MailError) -> bool:
    """Whether the connection itself failed (not the server's answer about one message). An
    SMTP reply error is an OSError too in Python, so replies are told apart first."""
    cause = error.__cause__
    if isinstance(cause, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError)):
        return True
    return isinstance(cause, OSError) and not isinstance(cause, smtplib.SMTPException)


def _sent(message: OutboxMessage, result: Delivery) -> None:
    message.status = OutboxStatus.SENT
    message.sent_at = clock.now()
    message.attempts += 1
    # Sent: the text may hold a personal link, and is not needed any more.
    message.content = None
    message.claim = message.claimed_at = None
    message.last_error = ""
    result.sent += 1


def _failed(message: OutboxMessage, reason: str, result: Delivery) -> None:
    message.attempts += 1
    if message.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        _give_up(message, reason, result, counted=True)
        return
    message.next_attempt_at = clock.now() + retry_pause(message.attempts)
    message.claim = message.claimed_at = None
    message.last_error = reason
    result.retrying += 1
    result.problems.append(f"message {message.id} to {message.recipient}: {reason} "
                           f"(try {message.attempts}; next at {message.next_attempt_at:%H:%M} UTC)")


def _unreachable(message: OutboxMessage, reason: str, result: Delivery) -> None:
    message.next_attempt_at = clock.now() + FIRST_PAUSE
    message.claim = message.claimed_at = None
    message.last_error = reason
    result.retrying += 1
    result.problems.append(f"message {message.id} to {message.recipient}: {reason} "
                           f"(waits; no try counted)")


def _give_up(message: OutboxMessage, reason: str, result: Delivery, counted: bool = False) -> None:
    if not counted:
        message.attempts += 1
    message.status = OutboxStatus.FAILED
    message.claim = message.claimed_at = None
    message.last_error = reason
    if message.kind in HOLDS_A_LINK:
        # A link kept only as a hash elsewhere is not kept here either once it will not go:
        # the coordinator or admin sends a new one (a new link) instead.
        message.content = None
    result.given_up += 1
    result.problems.append(f"message {message.id} to {message.recipient}: given up after "
                           f"{message.attempts} tries: {reason}")


def _release(messages: list[OutboxMessage]) -> None:
    db.session.rollback()
    ids = [message.id for message in messages]
    if ids:
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                           .values(claim=None, claimed_at=None))
        db.session.commit()


def try_again(message: OutboxMessage) -> None:
    """Put a given-up message back in the queue, as if new (an admin's "try again"); one whose
    text was dropped (it held a link) cannot be."""
    if message.content is None:
        return
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = clock.now()
    message.claim = message.claimed_at = None
