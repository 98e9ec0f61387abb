import enum
from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tracker import clock
from tracker.db_types import UTCDateTime, enum_column
from tracker.extensions import db


class FeedKind(enum.Enum):
    ENROLMENT = "enrolment"
    COHORT = "cohort"
    PERSON = "person"


class FeedToken(db.Model):
    """The secret in a calendar feed's address, one per group, cohort or person.

    Calendar clients cannot sign in, so the address itself is the key. Resetting replaces the
    token in place: the old address stops working at once.
    """

    __tablename__ = "feed_token"
    __table_args__ = (UniqueConstraint("kind", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[FeedKind] = mapped_column(enum_column(FeedKind))
    # The enrolment's, cohort's or person's id, as `kind` says.
    subject_id: Mapped[int]
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
