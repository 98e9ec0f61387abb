from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker import clock
from tracker.concurrency import Versioned
from tracker.db_types import Labelled, UTCDateTime, enum_column
from tracker.audit.models import Audited
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.programmes.models import CourseModule


class ProgressState(Labelled):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"

    __labels__ = {
        "not_started": _l("Not started"),
        "in_progress": _l("In progress"),
        "done": _l("Done"),
    }


class ModuleProgress(Versioned, Audited, db.Model):
    """A group's progress on a course module that has no sessions, as a coordinator records it.

    Where a module has sessions, progress is derived from them and never stored.
    """

    __tablename__ = "module_progress"
    __table_args__ = (UniqueConstraint("enrolment_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("course_module.id", ondelete="CASCADE"), index=True)
    state: Mapped[ProgressState] = mapped_column(enum_column(ProgressState))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    note: Mapped[str] = mapped_column(Text, default="")

    enrolment: Mapped[Enrolment] = relationship()
    module: Mapped[CourseModule] = relationship()

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.enrolment.cohort_id, self.enrolment_id
