import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tracker import clock
from tracker.db_types import UTCDateTime, enum_column
from tracker.extensions import db


class ReminderSent(db.Model):
    """A reminder queued in the outbox (for each threshold it stands for), written with it in
    one transaction: its unique key keeps a second run at the same time from queueing the same
    reminder."""

    __tablename__ = "reminder_sent"
    __table_args__ = (UniqueConstraint("session_id", "person_id", "days_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("session.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    days_before: Mapped[int]
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class AlertKind(enum.Enum):
    BELOW_THRESHOLD = "below_threshold"
    ABSENT_TWICE = "absent_twice"


class AlertSent(db.Model):
    """An attendance alert coordinators are told of, once per situation: written with the
    summaries queued for them (as `ReminderSent`)."""

    __tablename__ = "alert_sent"
    __table_args__ = (UniqueConstraint("kind", "enrolment_id", "person_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AlertKind] = mapped_column(enum_column(AlertKind))
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    # The person the alert is about; None for an alert about the whole group.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    # What makes the situation distinct, e.g. the later of the two sessions missed.
    key: Mapped[str] = mapped_column(String(64))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
