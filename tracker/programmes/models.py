
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.concurrency import Versioned
from tracker.db_types import Labelled, enum_column
from tracker.extensions import db
from tracker.organisations.models import Organisation


class ModuleKind(Labelled):
    ASSESSMENT = "assessment"
    JOINT_GATHERING = "joint_gathering"
    GROUP_WORK = "group_work"
    EVALUATION = "evaluation"
    MILESTONE = "milestone"

    __labels__ = {
        "assessment": _l("Assessment"),
        "joint_gathering": _l("Joint gathering"),
        "group_work": _l("Group work and coaching"),
        "evaluation": _l("Evaluation"),
        "milestone": _l("Milestone"),
    }


class Programme(Versioned, db.Model):
    """A leadership programme such as *Program for toppledergrupper*."""

    __tablename__ = "programme"
    __table_args__ = (
        CheckConstraint("course_length_months BETWEEN 1 AND 36", name="course_length_sane"),
        CheckConstraint("groups_per_cohort BETWEEN 1 AND 50", name="groups_per_cohort_sane"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name_nb: Mapped[str] = mapped_column(String(200), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    responsible_organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    course_length_months: Mapped[int] = mapped_column(default=10)
    groups_per_cohort: Mapped[int] = mapped_column(default=4)
    description_nb: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")

    responsible_organisation: Mapped[Organisation] = relationship()
    modules: Mapped[list["CourseModule"]] = relationship(
        back_populates="programme", order_by="CourseModule.position", cascade="all, delete-orphan"
    )

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_nb

    def description(self, locale: str) -> str:
        return self.description_en if locale == "en" else self.description_nb


class CourseModule(Versioned, db.Model):
    """One step of a programme's course plan, placed in weeks from a cohort's start."""

    __tablename__ = "course_module"
    __table_args__ = (
        UniqueConstraint("programme_id", "position"),
        CheckConstraint("position >= 1", name="position_positive"),
        CheckConstraint("offset_weeks >= 0", name="offset_not_negative"),
        CheckConstraint("duration_days BETWEEN 1 AND 14", name="duration_days_sane"),
        CheckConstraint("hours_per_day BETWEEN 1 AND 12", name="hours_per_day_sane"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    name_nb: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    kind: Mapped[ModuleKind] = mapped_column(enum_column(ModuleKind))
    # Joint modules happen once for the whole cohort; the others once for each group.
    is_joint: Mapped[bool]
    offset_weeks: Mapped[int]
    duration_days: Mapped[int] = mapped_column(default=1)
    hours_per_day: Mapped[int] = mapped_column(default=6)

    programme: Mapped[Programme] = relationship(back_populates="modules")

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_nb
