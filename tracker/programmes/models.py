
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ColumnElement, ForeignKey, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.clock import OSLO
from tracker.concurrency import Versioned
from tracker.db_types import Labelled, enum_column
from tracker.audit.models import Audited
from tracker.extensions import db
from tracker.organisations.models import Organisation
from tracker.roles import Reader, programme_limit
from tracker.working_days import DAY_STARTS, add_days, next_working_day, working_days_from


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


class Programme(Versioned, Audited, db.Model):
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

    # Who may see it

    @classmethod
    def visible_to(cls, user: Reader) -> ColumnElement[bool]:
        """A programme and its course plan are not personal data: every signed-in user sees
        them, but for a coordinator limited to some programmes (`tracker.roles.programme_limit`),
        who sees and changes only those."""
        limit = programme_limit(user)
        return true() if limit is None else cls.id.in_(limit)

    def can_view(self, user: Reader) -> bool:
        limit = programme_limit(user)
        return limit is None or self.id in limit


class CourseModule(Versioned, Audited, db.Model):
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
    # Empty until written: a nynorsk page falls back to bokmål.
    name_nn: Mapped[str] = mapped_column(String(200), default="", server_default="")
    name_en: Mapped[str] = mapped_column(String(200))
    kind: Mapped[ModuleKind] = mapped_column(enum_column(ModuleKind))
    # Joint modules happen once for the whole cohort; the others once for each group.
    is_joint: Mapped[bool]
    offset_weeks: Mapped[int]
    duration_days: Mapped[int] = mapped_column(default=1)
    hours_per_day: Mapped[int] = mapped_column(default=6)

    programme: Mapped[Programme] = relationship(back_populates="modules")

    def name(self, locale: str) -> str:
        if locale == "nn" and self.name_nn:
            return self.name_nn
        return self.name_en if locale == "en" else self.name_nb

    # When the plan places it

    def planned_start(self, cohort_start: date) -> date:
        """The day the plan names for this module: its week after the cohort's start, as is
        (a proposal moves it on when that day is not a working day, and says so)."""
        return add_days(cohort_start, 7 * self.offset_weeks)

    def planned_days(self, cohort_start: date) -> list[date]:
        """The days the plan places this module on in a cohort that starts on `cohort_start`:
        `duration_days` working days from the first working day of its week's planned day.

        Weekends, public holidays and July are skipped, so a two-day module planned for a
        Friday meets on Friday and Monday.
        """
        return working_days_from(next_working_day(self.planned_start(cohort_start)),
                                 self.duration_days)

    def planned_times(self, first_day: date) -> tuple[datetime, datetime]:
        """When a session of this module that begins on `first_day` starts and ends, as aware
        Oslo times.

        It begins at 09:00 on `first_day`, taken as given, and ends `hours_per_day` hours after
        09:00 on the last of its `duration_days` working days: a two-day module that begins on
        a Friday ends on Monday.
        """
        last_day = working_days_from(first_day, self.duration_days)[-1]
        starts_at = datetime.combine(first_day, DAY_STARTS, tzinfo=OSLO)
        ends_at = datetime.combine(last_day, DAY_STARTS, tzinfo=OSLO) + timedelta(
            hours=self.hours_per_day)
        return starts_at, ends_at
