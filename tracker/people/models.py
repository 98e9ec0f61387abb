"""The people who take part, and their places in leadership groups."""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (CheckConstraint, ColumnElement, ForeignKey, Index, String, UniqueConstraint,
                        or_)
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.concurrency import Versioned
from tracker.db_types import Labelled, UTCDateTime, enum_column
from tracker.audit.models import Audited
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.organisations.models import Organisation
from tracker.roles import Reader


class MemberRole(Labelled):
    TOP_LEADER = "top_leader"
    MEMBER = "member"
    CONTACT = "contact"

    __labels__ = {
        "top_leader": _l("Top leader"),
        "member": _l("Member"),
        "contact": _l("Contact"),
    }


class Person(Versioned, Audited, db.Model):
    """A leader taking part in the programme."""

    __tablename__ = "person"
    # The people list's order (people.services.LIST_ORDER: name, NULLS LAST, then id), so a page
    # of it is read off this index instead of sorting everyone; SQLite and PostgreSQL both read
    # the erased (no name) last off it.
    __table_args__ = (Index("ix_person_name", "name", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Name and email are empty once a person has been erased; their attendance stays counted.
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    title: Mapped[str | None] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation | None] = relationship()
    memberships: Mapped[list["Membership"]] = relationship(back_populates="person")

    def can_view(self, user: Reader) -> bool:
        """A person's own page, with their personal data, is for staff only."""
        return user.is_staff


class Membership(Versioned, Audited, db.Model):
    """A person's place in a leadership group."""

    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "person_id"),
        CheckConstraint("left_on IS NULL OR left_on >= joined_on", name="left_after_joined"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolment.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    role: Mapped[MemberRole] = mapped_column(enum_column(MemberRole))
    joined_on: Mapped[date]
    left_on: Mapped[date | None]

    enrolment: Mapped[Enrolment] = relationship(back_populates="memberships")
    person: Mapped[Person] = relationship(back_populates="memberships")

    @hybrid_method
    def not_left_by(self, day: date) -> bool:
        """Still in the group on `day`: not left, or left that day or later (the day someone
        leaves is theirs still, as everywhere in the programme)."""
        return self.left_on is None or self.left_on >= day

    @not_left_by.expression
    def not_left_by(cls, day: date) -> ColumnElement[bool]:
        return or_(cls.left_on.is_(None), cls.left_on >= day)

    def can_view(self, user: Reader) -> bool:
        return self.enrolment.can_view(user)

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.enrolment.cohort_id, self.enrolment_id
