"""The outbox: every mail the tracker sends, written in the same transaction as the change
that causes it and delivered afterwards by `flask mail send` (or `mail worker`)."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tracker import clock
from tracker.db_types import Labelled, UTCDateTime, enum_column
from tracker.extensions import db


class OutboxStatus(Labelled):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"

    __labels__ = {
        "pending": _l("Waiting to be sent"),
        "sent": _l("Sent"),
        "failed": _l("Given up"),
    }
    __colours__ = {"pending": "info", "sent": "success", "failed": "danger"}


class MailKind(Labelled):
    """What caused a mail: shown on the outbox page, and what a test or an operator filters by."""

    SESSION_REMINDER = "session_reminder"
    ATTENDANCE_ALERTS = "attendance_alerts"
    SURVEY_INVITATION = "survey_invitation"
    SURVEY_REMINDER = "survey_reminder"
    ACCOUNT_INVITATION = "account_invitation"
    PASSWORD_RESET = "password_reset"
    PASSWORD_CHANGED = "password_changed"
    CHANGE_NOTICE = "change_notice"
    MESSAGE = "message"
    ABSENCE_NOTICE = "absence_notice"
    EVALUATION = "evaluation"
    MEMBER_PROPOSAL = "member_proposal"

    __labels__ = {
        "session_reminder": _l("Session reminder"),
        "attendance_alerts": _l("Attendance alerts"),
        "survey_invitation": _l("Survey invitation"),
        "survey_reminder": _l("Survey reminder"),
        "account_invitation": _l("Account invitation"),
        "password_reset": _l("Password reset"),
        "password_changed": _l("Password changed"),
        "change_notice": _l("Change to a session"),
        "message": _l("Message from the programme"),
        "absence_notice": _l("Notice of absence"),
        "evaluation": _l("Evaluation of a gathering"),
        "member_proposal": _l("Proposed change to a group's members"),
    }


class OutboxMessage(db.Model):
    """One mail to one recipient, as it will be sent (headers, Message-ID and all).

    Delivery claims a message (`claim`, `claimed_at`) before calling the mail server, so two
    senders never send the same one; a claim left by a sender that died is taken over after
    `delivery.CLAIM_EXPIRES`. A message the server did not take is tried again after a pause
    that doubles each time, and given up after MAIL_MAX_ATTEMPTS tries or at once when the
    server refuses it for good (a 5xx reply); admins see those on the outbox page. Once sent,
    the content is dropped (it may hold a personal survey link) and the row stays as a record
    of what went to whom.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MailKind] = mapped_column(enum_column(MailKind))
    # Whatever makes this mail one of a kind ("reminder:<session>:<person>:<days>"): a second
    # mail with the same key is never queued. None for mails that are each their own.
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(Text, default="")
    # The message as bytes (RFC 5322); None once sent.
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[OutboxStatus] = mapped_column(enum_column(OutboxStatus), default=OutboxStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    claim: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind.name} {self.status.name}>"
