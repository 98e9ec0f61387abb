from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ColumnElement, Select, exists, select, true, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.concurrency import Versioned
from tracker.db_types import Labelled, enum_column
from tracker.audit.models import Audited
from tracker.extensions import db
from tracker.organisations.models import Organisation
from tracker.programmes.models import Programme
from tracker.roles import Reader, programme_limit


class Season(Labelled):
    SPRING = "spring"
    AUTUMN = "autumn"

    __labels__ = {
        "spring": _l("Spring"),
        "autumn": _l("Autumn"),
    }


class CohortStatus(Labelled):
    PLANNED = "planned"
    RUNNING = "running"
    COMPLETED = "completed"

    __labels__ = {
        "planned": _l("Planned"),
        "running": _l("Running"),
        "completed": _l("Completed"),
    }
    __colours__ = {"planned": "info", "running": "success", "completed": "neutral"}


class Cohort(Versioned, Audited, db.Model):
    """A *kull*: the groups that take one programme's course together."""

    __tablename__ = "cohort"
    __table_args__ = (
        UniqueConstraint("programme_id", "ordinal"),
        UniqueConstraint("programme_id", "label"),
        CheckConstraint("planned_end > start_date", name="ends_after_start"),
        CheckConstraint("capacity BETWEEN 1 AND 50", name="capacity_sane"),
        CheckConstraint("ordinal >= 0", name="ordinal_not_negative"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_sane"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="RESTRICT"), index=True
    )
    label: Mapped[str] = mapped_column(String(60))
    # The pilot is 0, Kull 1 is 1, and so on: the order cohorts are listed in.
    ordinal: Mapped[int]
    season: Mapped[Season] = mapped_column(enum_column(Season))
    year: Mapped[int]
    start_date: Mapped[date]
    planned_end: Mapped[date]
    capacity: Mapped[int]
    # The coordinators' own notes: staff only (see "Who reads which text" in tracker/access.py).
    notes: Mapped[str] = mapped_column(Text, default="")
    # What the participating groups should know about the cohort, shown to everyone who sees it.
    participant_information: Mapped[str] = mapped_column(Text, default="")

    programme: Mapped[Programme] = relationship()
    enrolments: Mapped[list["Enrolment"]] = relationship(  # noqa: F821
        back_populates="cohort", cascade="all, delete-orphan"
    )

    def status(self, today: date) -> CohortStatus:
        """Planned before the start, running until the planned end, completed after it."""
        if today < self.start_date:
            return CohortStatus.PLANNED
        if today <= self.planned_end:
            return CohortStatus.RUNNING
        return CohortStatus.COMPLETED

    @property
    def places_taken(self) -> int:
        """How many of its places are taken: groups taking part (withdrawn ones leave theirs)."""
        return sum(1 for group in self.enrolments if group.is_taking_part)

    def group_overlapping_elsewhere(self, start: date, end: date) -> "Enrolment | None":  # noqa: F821
        """If the course ran from `start` to `end`: the first group of another cohort that one
        of this cohort's groups' organisations takes part in at the same time, else None."""
        for group in self.enrolments:
            if group.is_taking_part and (other := group.overlapping_elsewhere(start, end)):
                return other
        return None

    # Who may see it

    @classmethod
    def visible_to(cls, user: Reader) -> ColumnElement[bool]:
        """Staff see every cohort (a coordinator limited to some programmes, those programmes'
        cohorts); others those that an organisation in their scope takes part in. Groups stand
        on cohorts, so the rule reaches the groups' table through the `enrolments` relationship
        rather than by importing the group model."""
        if user.is_staff:
            limit = programme_limit(user)
            return true() if limit is None else cls.programme_id.in_(limit)
        groups = cls.enrolments.property.target
        return exists().where(
            groups.c.cohort_id == cls.id,
            groups.c.organisation_id.in_(Organisation.ids_visible_to(user)),
        )

    @classmethod
    def ids_visible_to(cls, user: Reader) -> Select[tuple[int]]:
        # correlate(None): inside a query that has this table in its FROM already, SQLAlchemy
        # would otherwise tie the subquery to the outer row and change what it means.
        return select(cls.id).where(cls.visible_to(user)).correlate(None)

    def can_view(self, user: Reader) -> bool:
        """`visible_to` for this cohort: one query, whatever the number of groups (none for
        staff)."""
        if user.is_staff:
            limit = programme_limit(user)
            return limit is None or self.programme_id in limit
        return bool(db.session.scalar(select(exists().where(
            Cohort.id == self.id, Cohort.visible_to(user)
        ))))

    @property
    def term(self) -> str:
        """The term the cohort starts in, in the reader's language: "Høst 2016"."""
        return f"{self.season.label} {self.year}"

    def __repr__(self) -> str:
        return f"<Cohort {self.label}>"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.id, None
