import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.cohorts.models import Cohort
from tracker.db_types import UTCDateTime, enum_column
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.people.models import Person
from tracker.programmes.models import CourseModule


class SessionStatus(enum.Enum):
    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"


class AttendanceStatus(enum.Enum):
    PRESENT = "present"
    ABSENT = "absent"
    EXCUSED = "excused"


class Session(db.Model):
    """A dated occurrence of a course module: joint for the cohort, or for one group."""

    __tablename__ = "session"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Checked on every save: a form sent from an older version is a conflict, not an overwrite.
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    # Empty for a joint session; the group's enrolment for a group session.
    enrolment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrolment.id", ondelete="CASCADE"), index=True
    )
    module_id: Mapped[int] = mapped_column(
        ForeignKey("course_module.id", ondelete="RESTRICT"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    location: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[SessionStatus] = mapped_column(enum_column(SessionStatus))

    cohort: Mapped[Cohort] = relationship()
    enrolment: Mapped[Enrolment | None] = relationship()
    module: Mapped[CourseModule] = relationship()
    attendances: Mapped[list["Attendance"]] = relationship(
        back_populates="session", cascade="all, delete-orphan"
    )

    @property
    def is_joint(self) -> bool:
        return self.enrolment_id is None


class Attendance(db.Model):
    """Whether one person was at one session."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("person_id", "session_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Checked on every save: a form sent from an older version is a conflict, not an overwrite.
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("session.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[AttendanceStatus] = mapped_column(enum_column(AttendanceStatus))
    note: Mapped[str] = mapped_column(Text, default="")

    person: Mapped[Person] = relationship()
    session: Mapped[Session] = relationship(back_populates="attendances")
