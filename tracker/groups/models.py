from collections.abc import Iterable
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, select, true, ForeignKey, Text, UniqueConstraint
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, contains_eager, mapped_column, relationship, selectinload

from tracker import clock
from tracker.cohorts.models import Cohort
from tracker.concurrency import Versioned
from tracker.db_types import Labelled, UTCDateTime, enum_column
from tracker.audit.models import Audited
from tracker.extensions import db
from tracker.organisations.models import Organisation
from tracker.roles import Reader, Role, programme_limit


class EnrolmentStatus(Labelled):
    INVITED = "invited"
    CONFIRMED = "confirmed"
    ACTIVE = "active"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"

    __labels__ = {
        "invited": _l("Invited"),
        "confirmed": _l("Confirmed"),
        "active": _l("Active"),
        "completed": _l("Completed"),
        "withdrawn": _l("Withdrawn"),
    }
    __colours__ = {"invited": "info", "confirmed": "info", "active": "success", "withdrawn": "danger", "completed": "neutral"}


class Enrolment(Versioned, Audited, db.Model):
    """A leadership group: one organisation's top leader and management group in a cohort."""

    __tablename__ = "enrolment"
    __table_args__ = (UniqueConstraint("cohort_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
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

    @hybrid_property
    def is_taking_part(self) -> bool:
        """Not withdrawn: the group holds a place in its cohort and is expected at its sessions."""
        return self.status is not EnrolmentStatus.WITHDRAWN

    @is_taking_part.inplace.expression
    @classmethod
    def _is_taking_part_expression(cls) -> ColumnElement[bool]:
        return cls.status != EnrolmentStatus.WITHDRAWN

    @classmethod
    def overlapping(
        cls, organisation_ids: Iterable[int] | Select, start: date, end: date, *, besides: int
    ) -> "Enrolment | None":
        """A group of one of these organisations, taking part, in a cohort other than the one
        with id `besides`, whose course shares a day with `start`..`end`; earliest first.
        A leadership group takes one course at a time."""
        return db.session.scalar(
            select(cls)
            .join(cls.cohort)
            .where(
                cls.organisation_id.in_(organisation_ids),
                cls.is_taking_part,
                cls.cohort_id != besides,
                Cohort.start_date <= end,
                Cohort.planned_end >= start,
            )
            .options(contains_eager(cls.cohort), selectinload(cls.organisation))
            .order_by(Cohort.start_date, Cohort.id)
            .limit(1)
        )

    def overlapping_elsewhere(self, start: date, end: date) -> "Enrolment | None":
        """`overlapping` for this group's organisation, if its cohort ran from `start` to `end`."""
        return Enrolment.overlapping([self.organisation_id], start, end, besides=self.cohort_id)

    # Who may see it

    @classmethod
    def visible_to(cls, user: Reader) -> ColumnElement[bool]:
        """The groups of organisations in the user's scope (`Organisation.visible_to`); for
        staff, the groups of the cohorts they see (`Cohort.visible_to`: all, or a limited
        coordinator's programmes')."""
        if user.is_staff:
            if programme_limit(user) is None:
                return true()
            return cls.cohort_id.in_(Cohort.ids_visible_to(user))
        return cls.organisation_id.in_(Organisation.ids_visible_to(user))

    def can_view(self, user: Reader) -> bool:
        if user.is_staff:
            return programme_limit(user) is None or self.cohort.can_view(user)
        return self.organisation.can_view(user)

    def shows_attendance_notes_to(self, user: Reader) -> bool:
        """Notes about someone's absence are for the coordinators and the group's own leaders,
        not for the ministry above them."""
        if user.is_staff:
            return self.can_view(user)
        return user.role is Role.AGENCY and self.organisation_id == user.organisation_id

    def shows_survey_results_to(self, user: Reader) -> bool:
        """The group's own survey results (factor means, spreads, open answers: page, files, API,
        the group page's summary), and the scores staff typed in from its paper surveys before,
        are for the coordinators and the group's own leaders, the readers of its attendance
        notes. A ministry sees only its sector's figures, which rest on at least three groups
        (tracker.surveys.results.LEAST_GROUPS): one group's means beside them would undo that."""
        return self.shows_attendance_notes_to(user)

    def __repr__(self) -> str:
        return f"<Enrolment {self.organisation_id} in {self.cohort_id}>"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.cohort_id, self.id


class EnrolmentStatusChange(Audited, db.Model):
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

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.enrolment.cohort_id, self.enrolment_id
