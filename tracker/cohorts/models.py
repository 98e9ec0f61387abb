import enum
from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db_types import enum_column
from tracker.extensions import db
from tracker.programmes.models import Programme


class Season(enum.Enum):
    SPRING = "spring"
    AUTUMN = "autumn"


class CohortStatus(enum.Enum):
    PLANNED = "planned"
    RUNNING = "running"
    COMPLETED = "completed"


class Cohort(db.Model):
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
    # Checked on every save: a form sent from an older version is a conflict, not an overwrite.
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}
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
    notes: Mapped[str] = mapped_column(Text, default="")

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

    def __repr__(self) -> str:
        return f"<Cohort {self.label}>"
