"""Sessions: loading them, creating, changing and cancelling them, and those past but still
planned."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from tracker.clock import OSLO, local_day, oslo_time
from tracker.cohorts.models import Cohort
from tracker.concurrency import check_version
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.groups.models import Enrolment, EnrolmentStatus
from tracker.groups.services import change_status
from tracker.programmes.models import CourseModule
from tracker.roles import Reader
from tracker.schedule.models import Session, SessionStatus
from tracker.schedule.proposals import ProposedSession
from tracker.schedule.warnings import Scheduled, UnseenWarnings, Warning, collisions, warnings_key
from tracker.working_days import avoided_break, is_working_day, meeting_days, working_days_from

# The most characters a cancellation's reason may have.
REASON_MAX = 500


def sessions_of_cohort(cohort: Cohort, for_user: Reader) -> Select[tuple[Session]]:
    """A cohort's sessions the user may see in time order: the joint ones, and the group
    sessions of groups in the user's scope; with module and group loaded."""
    return (
        select(Session)
        .where(Session.cohort_id == cohort.id, Session.visible_to(for_user))
        # Each session has one module and at most one group: joined, one statement for all.
        .options(
            joinedload(Session.module),
            joinedload(Session.enrolment).joinedload(Enrolment.organisation),
        )
        .order_by(Session.starts_at, Session.id)
    )


def get_session_or_404(session_id: int, for_user: Reader) -> Session:
    """The session with this id, with its cohort, module and group loaded, if the user may see it.

    :raise 404: when there is none, or it belongs to a group outside the user's scope (an
        outsider cannot tell the two apart).
    """
    session = db.session.scalar(
        select(Session)
        .where(Session.id == session_id)
        .options(
            joinedload(Session.cohort).joinedload(Cohort.programme),
            joinedload(Session.module),
            joinedload(Session.enrolment).joinedload(Enrolment.organisation),
        )
    )
    if session is None or not session.can_view(for_user):
        abort(404)
    return session


def check_order(starts_at: datetime, ends_at: datetime) -> None:
    """Refuse a session that does not end after it starts, naming the last day when that is
    before the first, else the end time."""
    if ends_at <= starts_at:
        field_name = "end_date" if local_day(ends_at) < local_day(starts_at) else "end_time"
        raise DomainError(_l("The session must end after it starts."), field=field_name)


def _check_times(subject: Scheduled, starts_at: datetime, ends_at: datetime,
                 seen_warnings: str | None) -> list[Warning]:
    """Refuse times that end before they start; demand that warnings were seen.

    :raise DomainError: when the session does not end after it starts.
    :raise UnseenWarnings: when there are warnings and `seen_warnings` is not their key (the
        key the form showed them with, sent back with the box ticked).
    """
    check_order(starts_at, ends_at)
    warnings = collisions(subject, starts_at, ends_at)
    if warnings and seen_warnings != warnings_key(warnings):
        raise UnseenWarnings(warnings, changed=bool(seen_warnings))
    return warnings


def create_session(
    cohort: Cohort,
    *,
    module: CourseModule | None,
    enrolment: Enrolment | None,
    starts_at: datetime,
    ends_at: datetime,
    location: str,
    status: SessionStatus,
    seen_warnings: str | None = None,
    cancellation_reason: str = "",
) -> Session:
    """Add a session of `module` to the cohort: joint when `enrolment` is None, else for that
    group, which must be in the cohort. Times outside the course, on holidays, weekends and so
    on are allowed once the user has seen the warnings (see `_check_times`). A cancelled one
    needs its reason."""
    if module is None or module.programme_id != cohort.programme_id:
        raise DomainError(_l("Choose a module from this programme's course plan."), field="module")
    if enrolment is not None and enrolment.cohort_id != cohort.id:
        raise DomainError(_l("Choose a group in this cohort, or the whole cohort."), field="group")
    reason = _reason_for(status, cancellation_reason)
    _check_times(ProposedSession(module, enrolment, starts_at, ends_at, cohort=cohort), starts_at,
                 ends_at, seen_warnings)
    session = Session(cohort=cohort, enrolment=enrolment, module=module, starts_at=starts_at,
                      ends_at=ends_at, location=location.strip(), status=status,
                      cancellation_reason=reason)
    db.session.add(session)
    db.session.flush()
    return session


def _reason_for(status: SessionStatus, reason: str) -> str:
    """The reason to store with a session of `status`: required when it is cancelled, and
    dropped when it is not (a session planned again has no reason to show).

    :raise DomainError: when a cancelled session has no reason, or too long a one.
    """
    reason = (reason or "").strip()
    if status is not SessionStatus.CANCELLED:
        return ""
    if not reason:
        raise DomainError(_l("Give the reason the session is cancelled."),
                          field="cancellation_reason")
    if len(reason) > REASON_MAX:
        raise DomainError(_l("At most %(max)d characters.", max=REASON_MAX),
                          field="cancellation_reason")
    return reason


def end_with_start(session: Session, starts_at: datetime, ends_at: datetime) -> datetime:
    """The end a moved session gets: when the start moves and the end given is the one saved,
    the end moves with the start and the session keeps its length; an end changed too is taken
    as it is. Moving only the first day of a two-day gathering must not make it nine days long."""
    if starts_at != session.starts_at and ends_at == session.ends_at:
        return starts_at + (session.ends_at - session.starts_at)
    return ends_at


def update_session(
    session: Session,
    *,
    version: object,
    starts_at: datetime,
    ends_at: datetime,
    location: str,
    status: SessionStatus,
    seen_warnings: str | None = None,
    cancellation_reason: str = "",
) -> bool:
    """Move a session, change where it is or its status; a cancelled one needs its reason.

    The end moves with the start unless it is changed too (`end_with_start`). A change of
    time, place or being cancelled raises the session's `sequence` (its calendar event's
    revision); telling the people expected is `tracker.calendar.notices`.
    Returns whether it did: the page says so.

    :raise ConflictError: when someone saved it after the form was opened at `version`.
    Warnings are checked only when the times change: a session already on a Saturday can get a
    new room without confirming the Saturday again.
    """
    check_version(session, version)
    reason = _reason_for(status, cancellation_reason)
    moved_end = end_with_start(session, starts_at, ends_at)
    if (starts_at, moved_end) != (session.starts_at, session.ends_at):
        _check_times(session, starts_at, moved_end, seen_warnings)
    else:
        check_order(starts_at, moved_end)
    before = session.placement
    session.starts_at, session.ends_at = starts_at, moved_end
    session.location = location.strip()
    session.status = status
    session.cancellation_reason = reason
    session.note_calendar_change(before)
    db.session.flush()
    return moved_end != ends_at


# Withdrawn groups and replacements


def future_sessions_of_group(enrolment: Enrolment, now: datetime) -> Select[tuple[Session]]:
    """The group's own sessions still planned that have not begun at `now`, in time order, with
    their module loaded: what a withdrawal offers to cancel. Joint sessions are the other
    groups' too, so they stay."""
    return (
        select(Session)
        .where(Session.enrolment_id == enrolment.id, Session.status == SessionStatus.PLANNED,
               Session.starts_at > now)
        .options(selectinload(Session.module))
        .order_by(Session.starts_at, Session.id)
    )


def cancel_future_sessions(enrolment: Enrolment, reason: str, now: datetime) -> list[Session]:
    """Cancel the group's own future sessions (`future_sessions_of_group`) with `reason`. They
    stay in the schedule and the group's calendar feed as cancelled, so calendars drop them."""
    sessions = list(db.session.scalars(future_sessions_of_group(enrolment, now)))
    for session in sessions:
        before = session.placement
        session.status = SessionStatus.CANCELLED
        session.cancellation_reason = reason[:REASON_MAX]
        session.note_calendar_change(before)
    db.session.flush()
    return sessions


def change_group_status(enrolment: Enrolment, status: EnrolmentStatus, reason: str,
                        version: object, *, cancel_sessions: bool, now: datetime) -> list[Session]:
    """Move a group to its next status (`change_status`); when it withdraws and
    `cancel_sessions` is ticked, cancel its future sessions too, the withdrawal their reason.
    Returns the sessions cancelled.

    :raise ConflictError, DomainError: as `change_status`, before anything is cancelled.
    """
    change_status(enrolment, status, reason, version)
    if status is not EnrolmentStatus.WITHDRAWN or not cancel_sessions:
        return []
    because = str(_l("The group withdrew: %(reason)s", reason=reason.strip()))
    return cancel_future_sessions(enrolment, because, now)


def cancelled_without_replacement(cohort: Cohort | None = None) -> Select[tuple[Session]]:
    """Cancelled sessions nothing replaces yet, oldest first, with cohort, module and group
    loaded: no session of the same module for the same group (or joint) is planned or held in
    the cohort. A withdrawn group's sessions need none. All cohorts', or one's."""
    other = aliased(Session)
    replaced = (
        select(other.id)
        .where(other.cohort_id == Session.cohort_id, other.module_id == Session.module_id,
               other.enrolment_id.is_not_distinct_from(Session.enrolment_id),
               other.status != SessionStatus.CANCELLED)
        .exists()
    )
    taking_part = select(Enrolment.id).where(Enrolment.is_taking_part)
    query = (
        select(Session)
        .where(Session.status == SessionStatus.CANCELLED, ~replaced,
               or_(Session.enrolment_id.is_(None), Session.enrolment_id.in_(taking_part)))
        .options(
            selectinload(Session.cohort),
            selectinload(Session.module),
            selectinload(Session.enrolment).selectinload(Enrolment.organisation),
        )
        .order_by(Session.starts_at, Session.id)
    )
    if cohort is not None:
        query = query.where(Session.cohort_id == cohort.id)
    return query


def needs_replacement(session: Session) -> bool:
    """Whether a replacement is worth offering for the session: cancelled, and joint or of a
    group still taking part. A withdrawn group's cancelled sessions need none (the rule
    `cancelled_without_replacement` applies in SQL); its group loaded or loadable."""
    return session.is_cancelled and (session.enrolment_id is None or session.enrolment.is_taking_part)


@dataclass(frozen=True)
class Replacement:
    """What the new-session form is filled with to replace a cancelled session."""

    module_id: int
    enrolment_id: int | None
    start_date: date
    start_time: time
    end_date: date | None
    end_time: time

    def as_args(self) -> dict[str, str]:
        """The query string of the new-session form's address."""
        args = {"module": str(self.module_id), "group": str(self.enrolment_id or ""),
                "start_date": self.start_date.isoformat(),
                "start_time": self.start_time.strftime("%H:%M"),
                "end_time": self.end_time.strftime("%H:%M")}
        if self.end_date is not None:
            args["end_date"] = self.end_date.isoformat()
        return args


def replacement_for(session: Session, today: date) -> Replacement:
    """A replacement for a cancelled session: the same module and group, at the same times of
    day and on as many days, on the first working day at least a week after the cancelled one
    (or after `today`, when that is later) that is not in a break the proposals avoid."""
    starts, ends = session.starts_at.astimezone(OSLO), session.ends_at.astimezone(OSLO)
    length = len(meeting_days(session.starts_at, session.ends_at))
    day = max(starts.date(), today) + timedelta(days=7)
    while True:
        days = working_days_from(day, length) if is_working_day(day) else []
        if days and all(avoided_break(d) is None for d in days):
            break
        day += timedelta(days=1)
    return Replacement(session.module_id, session.enrolment_id, day, starts.time(),
                       days[-1] if days[-1] != day else None, ends.time())


def is_past_and_still_planned(session: Session, today: date) -> bool:
    """A planned session whose last day is before `today`: it was held or cancelled, and the
    schedule does not say which yet."""
    return session.status is SessionStatus.PLANNED and local_day(session.ends_at) < today


def past_and_still_planned(today: date) -> ColumnElement[bool]:
    """`is_past_and_still_planned` as a clause: planned, and ended before `today` began in Oslo."""
    return and_(Session.status == SessionStatus.PLANNED, Session.ends_at < oslo_time(today, time(0)))


def past_sessions_still_planned(today: date, cohort: Cohort | None = None) -> Select[tuple[Session]]:
    """Sessions still marked planned whose last day is before `today` (in Oslo), oldest first,
    with cohort, module and group loaded; all cohorts' or one's."""
    query = (
        select(Session)
        .where(past_and_still_planned(today))
        .options(
            selectinload(Session.cohort),
            selectinload(Session.module),
            selectinload(Session.enrolment).selectinload(Enrolment.organisation),
        )
        .order_by(Session.starts_at, Session.id)
    )
    if cohort is not None:
        query = query.where(Session.cohort_id == cohort.id)
    return query
