import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker import clock
from tracker.cohorts.models import Cohort
from tracker.db_types import UTCDateTime, enum_column
from tracker.extensions import db
from tracker.organisations.models import Organisation


class EnrolmentStatus(enum.Enum):
    INVITED = "invited"
    CONFIRMED = "confirmed"
    ACTIVE = "active"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


class Enrolment(db.Model):
    """A leadership group: one organisation's top leader and management group in a cohort."""

    __tablename__ = "enrolment"
    __table_args__ = (UniqueConstraint("cohort_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Checked on every save: a form sent from an older version is a conflict, not an overwrite.
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[EnrolmentStatus] = mapped_column(enum_column(EnrolmentStatus))
    notes: Mapped[str] = mapped_column(Text, default="")

    cohort: Mapped[Cohort] = relationship(back_populates="enrolments")
    organisation: Mapped[Organisation] = relationship()
    status_history: Mapped[list["EnrolmentStatusChange"]] = relationship(
        back_populates="enrolment",
        order_by="EnrolmentStatusChange.changed_at",
        cascade="all, delete-orphan",
    )
    memberships: Mapped[list["Membership"]] = relationship(  # noqa: F821
        back_populates="enrolment", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Enrolment {self.organisation_id} in {self.cohort_id}>"


class EnrolmentStatusChange(db.Model):
    """One step in an enrolment's status history."""

    __tablename__ = "enrolment_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolment.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[EnrolmentStatus] = mapped_column(enum_column(EnrolmentStatus))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    reason: Mapped[str] = mapped_column(Text, default="")

    enrolment: Mapped[Enrolment] = relationship(back_populates="status_history")
