"""Sessions: loading them, creating and changing them, and those past but still planned."""
from datetime import date, datetime, time

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import selectinload

from tracker.clock import local_day, oslo_time
from tracker.cohorts.models import Cohort
from tracker.concurrency import check_version
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.programmes.models import CourseModule
from tracker.roles import Reader
from tracker.schedule.models import Session, SessionStatus
from tracker.schedule.proposals import ProposedSession
from tracker.schedule.warnings import Scheduled, UnseenWarnings, Warning, collisions, warnings_key


def sessions_of_cohort(cohort: Cohort, for_user: Reader) -> Select[tuple[Session]]:
    """A cohort's sessions the user may see in time order: the joint ones, and the group
    sessions of groups in the user's scope; with module and group loaded."""
    return (
        select(Session)
        .where(Session.cohort_id == cohort.id, Session.visible_to(for_user))
        .options(
            selectinload(Session.module),
            selectinload(Session.enrolment).selectinload(Enrolment.organisation),
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
            selectinload(Session.cohort).selectinload(Cohort.programme),
            selectinload(Session.module),
            selectinload(Session.enrolment).selectinload(Enrolment.organisation),
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
) -> Session:
    """Add a session of `module` to the cohort: joint when `enrolment` is None, else for that
    group, which must be in the cohort. Times outside the course, on holidays, weekends and so
    on are allowed once the user has seen the warnings (see `_check_times`)."""
    if module is None or module.programme_id != cohort.programme_id:
        raise DomainError(_l("Choose a module from this programme's course plan."), field="module")
    if enrolment is not None and enrolment.cohort_id != cohort.id:
        raise DomainError(_l("Choose a group in this cohort, or the whole cohort."), field="group")
    _check_times(ProposedSession(module, enrolment, starts_at, ends_at, cohort=cohort), starts_at,
                 ends_at, seen_warnings)
    session = Session(cohort=cohort, enrolment=enrolment, module=module, starts_at=starts_at,
                      ends_at=ends_at, location=location.strip(), status=status)
    db.session.add(session)
    db.session.flush()
    return session


def update_session(
    session: Session,
    *,
    version: object,
    starts_at: datetime,
    ends_at: datetime,
    location: str,
    status: SessionStatus,
    seen_warnings: str | None = None,
) -> None:
    """Move a session, change where it is or its status.

    :raise ConflictError: when someone saved it after the form was opened at `version`.
    Warnings are checked only when the times change: a session already on a Saturday can get a
    new room without confirming the Saturday again.
    """
    check_version(session, version)
    if (starts_at, ends_at) != (session.starts_at, session.ends_at):
        _check_times(session, starts_at, ends_at, seen_warnings)
    else:
        check_order(starts_at, ends_at)
    session.starts_at, session.ends_at = starts_at, ends_at
    session.location = location.strip()
    session.status = status
    db.session.flush()


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
