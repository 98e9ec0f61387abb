"""Reading the outbox in tests: what a change queued, as the messages that will be sent."""
from email import message_from_bytes, policy
from email.message import EmailMessage

from sqlalchemy import select

from tracker.extensions import db
from tracker.outbox.models import MailKind, OutboxMessage


def queued(kind: MailKind | None = None, to: str | None = None) -> list[EmailMessage]:
    """The messages in the outbox not yet sent, oldest first, of `kind` and to `to` when
    given."""
    query = select(OutboxMessage).where(OutboxMessage.content.is_not(None)).order_by(OutboxMessage.id)
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    if to is not None:
        query = query.where(OutboxMessage.recipient == to)
    return [message_from_bytes(row.content, policy=policy.default)
            for row in db.session.scalars(query)]


def text_of(message: EmailMessage) -> str:
    """The plain-text body of `message`."""
    return message.get_body(preferencelist=("plain",)).get_content()
