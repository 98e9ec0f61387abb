from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ColumnElement, and_, or_, select, true, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.cohorts.models import Cohort
from tracker.concurrency import Versioned
from tracker.db_types import Labelled, UTCDateTime, enum_column
from tracker.audit.models import Audited
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.people.models import Person
from tracker.programmes.models import CourseModule, ModuleKind
from tracker.roles import Reader, programme_limit


class SessionStatus(Labelled):
    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"

    __labels__ = {
        "planned": _l("Planned"),
        "held": _l("Held"),
        "cancelled": _l("Cancelled"),
    }
    __colours__ = {"planned": "info", "held": "success", "cancelled": "danger"}


class AttendanceStatus(Labelled):
    PRESENT = "present"
    ABSENT = "absent"
    EXCUSED = "excused"

    __labels__ = {
        "present": _l("Present"),
        "absent": _l("Absent"),
        "excused": _l("Excused"),
    }


@dataclass(frozen=True)
class Placement:
    """What a calendar shows of a session's time and place: the values whose change makes a
    new revision of its calendar event (`Session.sequence`). Held or planned is no change to
    a calendar (both are CONFIRMED); cancelled or not is."""

    starts_at: datetime
    ends_at: datetime
    location: str
    status: SessionStatus

    @property
    def is_cancelled(self) -> bool:
        return self.status is SessionStatus.CANCELLED

    def calendar_differs(self, other: "Placement") -> bool:
        """Whether a calendar holding one must be told of the other."""
        return ((self.starts_at, self.ends_at, self.location.strip(), self.is_cancelled)
                != (other.starts_at, other.ends_at, other.location.strip(), other.is_cancelled))


class Session(Versioned, Audited, db.Model):
    """A dated occurrence of a course module: joint for the cohort, or for one group."""

    __tablename__ = "session"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("sequence >= 0", name="sequence_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
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
    # Why it was cancelled, in the coordinator's words; empty unless cancelled.
    cancellation_reason: Mapped[str] = mapped_column(Text, default="")
    # The revision of its calendar event (iCalendar SEQUENCE, RFC 5545 3.8.7.4): raised each
    # time its time, place or being cancelled changes (`Placement.calendar_differs`), whether
    # or not anyone is told, so feeds, reminders and change notices all carry the current one
    # and calendars take the newest.
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")

    cohort: Mapped[Cohort] = relationship()
    enrolment: Mapped[Enrolment | None] = relationship()
    module: Mapped[CourseModule] = relationship()
    attendances: Mapped[list["Attendance"]] = relationship(
        back_populates="session", cascade="all, delete-orphan"
    )
    # The people added to this session alone (`SessionGuest`): expected there like its groups'
    # members. `attendance.expected_people` loads them for many sessions at once.
    guest_people: Mapped[list[Person]] = relationship(
        secondary="session_guest", viewonly=True, order_by="Person.id"
    )

    @property
    def placement(self) -> Placement:
        """Its time, place and status as they are now (to compare with after a change)."""
        return Placement(self.starts_at, self.ends_at, self.location or "", self.status)

    def note_calendar_change(self, before: Placement) -> bool:
        """Raise `sequence` when the session's time, place or being cancelled differs from
        `before`; returns whether it did."""
        if not self.placement.calendar_differs(before):
            return False
        self.sequence = (self.sequence or 0) + 1
        return True

    @property
    def is_joint(self) -> bool:
        return self.enrolment_id is None

    @property
    def is_gathering(self) -> bool:
        """A joint gathering: a session of the whole cohort whose module is a joint gathering
        (what is evaluated after it ends)."""
        return self.is_joint and self.module.kind is ModuleKind.JOINT_GATHERING

    @property
    def is_cancelled(self) -> bool:
        return self.status is SessionStatus.CANCELLED

    # Which groups are expected

    @classmethod
    def of_group(cls, enrolment: Enrolment) -> ColumnElement[bool]:
        """The sessions a group is expected at: its cohort's joint sessions and its own.

        Cancelled ones too: a caller that counts only what takes place says so.
        """
        return and_(
            cls.cohort_id == enrolment.cohort_id,
            or_(cls.enrolment_id.is_(None), cls.enrolment_id == enrolment.id),
        )

    def is_for_group(self, enrolment: Enrolment) -> bool:
        """Whether the group is expected at this session (`of_group`, for a loaded session)."""
        return self.cohort_id == enrolment.cohort_id and self.enrolment_id in (None, enrolment.id)

    # Who may see it

    @classmethod
    def visible_to(cls, user: Reader) -> ColumnElement[bool]:
        """Joint sessions of the cohorts the user may see, and the sessions of the groups
        they may see: the same for the cohort page, the calendar feeds and the API."""
        if user.is_staff:
            if programme_limit(user) is None:
                return true()
            return cls.cohort_id.in_(Cohort.ids_visible_to(user))
        return or_(
            and_(cls.enrolment_id.is_(None), cls.cohort_id.in_(Cohort.ids_visible_to(user))),
            cls.enrolment_id.in_(select(Enrolment.id).where(Enrolment.visible_to(user)).correlate(None)),
        )

    def can_view(self, user: Reader) -> bool:
        if user.is_staff:
            # without loading the group, when a page asks row by row; a limited coordinator
            # asks the session's cohort (loaded once for the page's sessions)
            return programme_limit(user) is None or self.cohort.can_view(user)
        return self.enrolment.can_view(user) if self.enrolment else self.cohort.can_view(user)

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.cohort_id, self.enrolment_id


class Attendance(Versioned, Audited, db.Model):
    """Whether one person was at one session."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("person_id", "session_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("session.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[AttendanceStatus] = mapped_column(enum_column(AttendanceStatus))
    note: Mapped[str] = mapped_column(Text, default="")

    person: Mapped[Person] = relationship()
    session: Mapped[Session] = relationship(back_populates="attendances")

    # Not stored: set by `attendance.attendance_of_group` for an absence excused with a notice
    # given before the session (AbsenceNotice), which the group page tells apart.
    excused_in_advance = False

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.session.cohort_id, self.session.enrolment_id


class SessionGuest(Audited, db.Model):
    """Someone expected at one session without being a member of its groups: a stand-in for a
    leader who cannot come, or a guest the coordinator invites. Their attendance is recorded
    like the members', but counts in no group's share (they are not in the group)."""

    __tablename__ = "session_guest"
    __table_args__ = (UniqueConstraint("session_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("session.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)

    session: Mapped[Session] = relationship()
    person: Mapped[Person] = relationship()

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.session.cohort_id, self.session.enrolment_id


# Issue 13, notice of absence and stand-ins (tracker/schedule/absence.py)


class NoticeGiver(Labelled):
    """Who gave a notice of absence: the participant, their group's contact person, or staff
    on their behalf."""

    PERSON = "person"
    CONTACT = "contact"
    STAFF = "staff"

    __labels__ = {
        "person": _l("The participant"),
        "contact": _l("The group's contact person"),
        "staff": _l("A coordinator"),
    }


class StandInDecision(Labelled):
    """What the coordinator said to a stand-in named in a notice of absence."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"

    __labels__ = {
        "pending": _l("Waiting for a coordinator"),
        "accepted": _l("Accepted"),
        "declined": _l("Declined"),
    }
    __colours__ = {"pending": "warning", "accepted": "success", "declined": "danger"}


class AbsenceNotice(db.Model):
    """Word given before a session that someone expected there cannot come, perhaps with a
    reason and a stand-in from their organisation. One per person and session: withdrawing it
    deletes it (and takes an accepted stand-in off the session), so a new one may follow.

    The register counts the person's absence as excused in advance (`AttendanceTally`); an
    accepted stand-in is a `SessionGuest` of the session, so expected there like a member."""

    __tablename__ = "absence_notice"
    __table_args__ = (
        UniqueConstraint("session_id", "person_id"),
        CheckConstraint("stand_in_id IS NULL OR stand_in_id <> person_id",
                        name="stand_in_is_someone_else"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("session.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    # Why, in the giver's words (access.py, "Who reads which text": the person, the one who
    # gave it, and staff).
    reason: Mapped[str] = mapped_column(Text, default="")
    given_as: Mapped[NoticeGiver] = mapped_column(enum_column(NoticeGiver))
    given_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    given_at: Mapped[datetime] = mapped_column(UTCDateTime)
    stand_in_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    # None without a stand-in.
    stand_in_decision: Mapped[StandInDecision | None] = mapped_column(enum_column(StandInDecision))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    session: Mapped[Session] = relationship()
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    stand_in: Mapped[Person | None] = relationship(foreign_keys=[stand_in_id])
    given_by: Mapped["User | None"] = relationship("User")  # noqa: F821

    @property
    def has_pending_stand_in(self) -> bool:
        return self.stand_in_id is not None and self.stand_in_decision is StandInDecision.PENDING
