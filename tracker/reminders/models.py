import enum
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tracker import clock
from tracker.db_types import UTCDateTime, enum_column
from tracker.extensions import db

# A claim older than this was left by a run that died between claiming a mail and recording
# it (a mail run spends at most the SMTP timeout on one message): the next run takes it over.
CLAIM_EXPIRES = timedelta(hours=1)


class ReminderSent(db.Model):
    """A reminder claimed by a mail run, and sent once `sent_at` is set.

    The claim is committed before the mail server is called, and its unique key is what keeps a
    second run at the same time from sending the same reminder: that run cannot write it again.
    A mail the server did not accept has its claim removed, so the next run tries it again; a
    claim left behind by a run that died is taken over once it is `CLAIM_EXPIRES` old.
    """

    __tablename__ = "reminder_sent"
    __table_args__ = (UniqueConstraint("session_id", "person_id", "days_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("session.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    days_before: Mapped[int]
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AlertKind(enum.Enum):
    BELOW_THRESHOLD = "below_threshold"
    ABSENT_TWICE = "absent_twice"


class AlertSent(db.Model):
    """An attendance alert coordinators were told about, once per situation: claimed by a mail
    run before the summaries go, and sent once one was accepted (as `ReminderSent`)."""

    __tablename__ = "alert_sent"
    __table_args__ = (UniqueConstraint("kind", "enrolment_id", "person_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AlertKind] = mapped_column(enum_column(AlertKind))
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    # The person the alert is about; None for an alert about the whole group.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    # What makes the situation distinct, e.g. the later of the two sessions missed.
    key: Mapped[str] = mapped_column(String(64))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
