from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ColumnElement, ForeignKey, Select, String, or_, false, select, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.concurrency import Versioned
from tracker.db_types import Labelled, enum_column
from tracker.audit.models import Audited
from tracker.extensions import db
from tracker.roles import Reader, Role


class OrganisationKind(Labelled):
    MINISTRY = "ministry"
    DIRECTORATE = "directorate"
    OTHER = "other"

    __labels__ = {
        "ministry": _l("Ministry"),
        "directorate": _l("Directorate or agency"),
        "other": _l("Other"),
    }


class Organisation(Versioned, Audited, db.Model):
    """A ministry, a directorate or agency, or another body of the state."""

    __tablename__ = "organisation"
    __table_args__ = (
        CheckConstraint(
            "org_number IS NULL OR length(org_number) = 9", name="org_number_nine_digits"
        ),
        CheckConstraint(
            "NOT (kind = 'MINISTRY' AND owning_ministry_id IS NOT NULL)",
            name="ministry_has_no_owner",
        ),
        CheckConstraint("owning_ministry_id IS NULL OR owning_ministry_id <> id", name="not_own_owner"),
        CheckConstraint(
            "active_to IS NULL OR active_from IS NULL OR active_to >= active_from",
            name="active_in_order",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name_nb: Mapped[str] = mapped_column(String(200), unique=True)
    name_en: Mapped[str | None] = mapped_column(String(200))
    short_name: Mapped[str | None] = mapped_column(String(30))
    org_number: Mapped[str | None] = mapped_column(String(9), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(enum_column(OrganisationKind))
    owning_ministry_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    active_from: Mapped[date | None]
    active_to: Mapped[date | None]

    owning_ministry: Mapped["Organisation | None"] = relationship(
        remote_side=[id], back_populates="agencies"
    )
    agencies: Mapped[list["Organisation"]] = relationship(back_populates="owning_ministry")

    def name(self, locale: str) -> str:
        """The organisation's name in the reader's language, falling back to bokmål."""
        if locale == "en" and self.name_en:
            return self.name_en
        return self.name_nb

    def label(self, locale: str) -> str:
        """Its name in the reader's language, with the short name: "Helsedirektoratet (Hdir)"."""
        name = self.name(locale)
        return f"{name} ({self.short_name})" if self.short_name else name

    def short_label(self, locale: str) -> str:
        """The short name where it has one (in tables and charts), else the name."""
        return self.short_name or self.name(locale)

    # Who may see it

    @classmethod
    def visible_to(cls, user: Reader) -> ColumnElement[bool]:
        """The organisations in the user's scope, as a SQL condition: staff see all, an agency
        leader their own organisation, a ministry viewer the ministry and the agencies it owns.
        Every other scope rule (groups, cohorts, sessions) is built on this one."""
        if user.is_staff:
            return true()
        if user.role is Role.PARTICIPANT:
            return false()  # a participant sees their own groups on their own page only
        if user.role is Role.AGENCY:
            return cls.id == user.organisation_id
        return or_(cls.id == user.organisation_id, cls.owning_ministry_id == user.organisation_id)

    @classmethod
    def ids_visible_to(cls, user: Reader) -> Select[tuple[int]]:
        # correlate(None): inside a query that has this table in its FROM already, SQLAlchemy
        # would otherwise tie the subquery to the outer row and change what it means.
        return select(cls.id).where(cls.visible_to(user)).correlate(None)

    def can_view(self, user: Reader) -> bool:
        """`visible_to`, for one organisation already loaded."""
        if user.is_staff:
            return True
        if user.role is Role.PARTICIPANT:
            return False
        if user.role is Role.AGENCY:
            return self.id == user.organisation_id
        return user.organisation_id in (self.id, self.owning_ministry_id)

    def __repr__(self) -> str:
        return f"<Organisation {self.short_name or self.name_nb}>"
