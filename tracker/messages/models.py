"""Messages a coordinator sends to a cohort's groups, kept with who received them."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker import clock
from tracker.cohorts.models import Cohort
from tracker.db_types import Labelled, UTCDateTime, enum_column
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.people.models import MemberRole, Person
from tracker.roles import Reader
from tracker.users.models import User

# The longest subject a message may have (a mail's subject line, read in a list).
SUBJECT_MAX = 200


class Audience(Labelled):
    """Who in the chosen groups a message is for."""

    EVERYONE = "everyone"
    TOP_LEADERS = "top_leaders"
    CONTACTS = "contacts"

    __labels__ = {
        "everyone": _l("Everyone in the groups"),
        "top_leaders": _l("Top leaders only"),
        "contacts": _l("Contact persons only"),
    }

    @property
    def roles(self) -> tuple[MemberRole, ...]:
        """The membership roles this audience reaches."""
        return {
            "everyone": (MemberRole.TOP_LEADER, MemberRole.MEMBER, MemberRole.CONTACT),
            "top_leaders": (MemberRole.TOP_LEADER,),
            "contacts": (MemberRole.CONTACT,),
        }[self.value]


# The groups a message was written to, as the coordinator chose them.
message_group = Table(
    "cohort_message_group",
    db.metadata,
    Column("message_id", Integer, ForeignKey("cohort_message.id", ondelete="CASCADE"), primary_key=True),
    Column("enrolment_id", Integer, ForeignKey("enrolment.id", ondelete="CASCADE"), primary_key=True),
)


class CohortMessage(db.Model):
    """A message sent to (some of) a cohort's groups: the copy kept of what went out.

    The mails themselves are in the outbox, one per recipient (key `message:<id>:<person>`),
    written in the same transaction as this record."""

    __tablename__ = "cohort_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    sender_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX))
    text: Mapped[str] = mapped_column(Text)
    audience: Mapped[Audience] = mapped_column(enum_column(Audience))
    # Every group taking part was chosen when it was sent.
    whole_cohort: Mapped[bool] = mapped_column(default=False)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    # The preview it was sent from: a second press of its send button (or the browser sending
    # the form again) finds this message instead of sending it twice.
    preview_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    cohort: Mapped[Cohort] = relationship()
    sender: Mapped[User | None] = relationship()
    groups: Mapped[list[Enrolment]] = relationship(secondary=message_group)
    recipients: Mapped[list["MessageRecipient"]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="MessageRecipient.id")

    def can_view(self, user: Reader) -> bool:
        return user.is_staff and self.cohort.can_view(user)

    def __repr__(self) -> str:
        return f"<CohortMessage {self.id} to cohort {self.cohort_id}>"


class MessageRecipient(db.Model):
    """One person a message went to, with the address it went to then. Erasing the person
    (tracker.privacy) forgets the address; the row stays, so the count of recipients holds."""

    __tablename__ = "message_recipient"
    __table_args__ = (UniqueConstraint("message_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("cohort_message.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True)
    # The group they were written to through (the first of theirs, by name, when in several).
    enrolment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrolment.id", ondelete="SET NULL"), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    # The outbox key of their mail, to read its delivery state.
    outbox_key: Mapped[str] = mapped_column(String(200))

    message: Mapped[CohortMessage] = relationship(back_populates="recipients")
    person: Mapped[Person | None] = relationship()
    enrolment: Mapped[Enrolment | None] = relationship()
