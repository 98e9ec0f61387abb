import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tracker import clock
from tracker.db_types import UTCDateTime, enum_column
from tracker.extensions import db


class FeedKind(enum.Enum):
    ENROLMENT = "enrolment"
    COHORT = "cohort"
    PERSON = "person"


class FeedToken(db.Model):
    """A calendar feed's address: the key to one group's, cohort's or person's feed.

    Calendar clients cannot sign in, so the address itself is the key, and only its SHA-256 is
    stored (like an API token's): the address is shown once, when it is made, and never again.

    Each reader has an address of their own for each feed (`user_id`), so making a new one ends
    only theirs: a colleague who subscribed to the same group's calendar keeps theirs working,
    and a ministry viewer can no longer break an agency's subscription. An address opens its
    feed only while its owner is active and may see what the feed is about, so losing access
    to a group ends its calendar too. Addresses made before each reader had their own have no
    owner: whoever was shown one may have shared it, so it keeps working until someone who may
    end it for everyone does (`tracker.calendar.services.may_end_shared_address`).
    """

    __tablename__ = "feed_token"
    __table_args__ = (UniqueConstraint("kind", "subject_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[FeedKind] = mapped_column(enum_column(FeedKind))
    # The enrolment's, cohort's or person's id, as `kind` says.
    subject_id: Mapped[int]
    # Whose address it is; None for a shared one made before each reader had their own.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    @property
    def is_shared(self) -> bool:
        return self.user_id is None
