"""Rules about leadership groups (enrolments) and their members."""
from dataclasses import dataclass
from datetime import date, datetime

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, false, func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from tracker import clock
from tracker.cohorts.models import Cohort, CohortStatus
from tracker.concurrency import check_version
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.groups.models import Enrolment, EnrolmentStatus, EnrolmentStatusChange
from tracker.people.models import MemberRole, Membership, Person
from tracker.organisations.models import Organisation
from tracker.programmes.models import Programme
from tracker.schedule.models import Attendance, Session, SessionStatus
from tracker.roles import Role
from tracker.users.models import User

# Where a group may go from each status; completed and withdrawn are final.
TRANSITIONS: dict[EnrolmentStatus, tuple[EnrolmentStatus, ...]] = {
    EnrolmentStatus.INVITED: (EnrolmentStatus.CONFIRMED, EnrolmentStatus.WITHDRAWN),
    EnrolmentStatus.CONFIRMED: (EnrolmentStatus.ACTIVE, EnrolmentStatus.WITHDRAWN),
    EnrolmentStatus.ACTIVE: (EnrolmentStatus.COMPLETED, EnrolmentStatus.WITHDRAWN),
    EnrolmentStatus.COMPLETED: (),
    EnrolmentStatus.WITHDRAWN: (),
}
# How a group enters a cohort.
INITIAL_STATUSES = (EnrolmentStatus.INVITED, EnrolmentStatus.CONFIRMED)


def allowed_transitions(status: EnrolmentStatus) -> list[EnrolmentStatus]:
    """The statuses a group in `status` may move to next, in the order they usually come."""
    return list(TRANSITIONS[status])


def active_enrolment_count(cohort: Cohort) -> int:
    """How many of the cohort's places are taken (groups not withdrawn)."""
    return db.session.scalar(
        select(func.count(Enrolment.id)).where(
            Enrolment.cohort_id == cohort.id, Enrolment.is_taking_part
        )
    )


def overlapping_enrolment(
    organisation_ids: list[int] | Select, start: date, end: date, *, besides: Cohort
) -> Enrolment | None:
    """A not-withdrawn enrolment of one of these organisations in a cohort other than `besides`
    whose course shares a day with `start`..`end`, earliest cohort first; None when there is none.
    """
    return db.session.scalar(
        select(Enrolment)
        .join(Enrolment.cohort)
        .where(
            Enrolment.organisation_id.in_(organisation_ids),
            Enrolment.is_taking_part,
            Enrolment.cohort_id != besides.id,
            Cohort.start_date <= end,
            Cohort.planned_end >= start,
        )
        .options(contains_eager(Enrolment.cohort), selectinload(Enrolment.organisation))
        .order_by(Cohort.start_date, Cohort.id)
        .limit(1)
    )


def enrol(
    cohort: Cohort,
    organisation: Organisation,
    *,
    status: EnrolmentStatus = EnrolmentStatus.INVITED,
    notes: str = "",
    at: datetime | None = None,
) -> Enrolment:
    """Enrol an organisation's leadership group in a cohort.

    Refused when the organisation is already in this cohort, when the cohort's places are all
    taken (withdrawn groups leave theirs free), when the organisation takes part in another
    cohort whose course overlaps this one, or when the group would enter neither invited nor
    confirmed.
    """
    if status not in INITIAL_STATUSES:
        raise DomainError(_l("A group enters a cohort invited or confirmed."), field="status")
    already = db.session.scalar(
        select(Enrolment.id).where(
            Enrolment.cohort_id == cohort.id, Enrolment.organisation_id == organisation.id
        )
    )
    if already:
        raise DomainError(
            _l("This organisation is already enrolled in this cohort."), field="organisation"
        )
    if active_enrolment_count(cohort) >= cohort.capacity:
        raise DomainError(
            _l("%(cohort)s is full: all %(capacity)s places are taken.",
               cohort=cohort.label, capacity=cohort.capacity),
            field="cohort",
        )
    other = overlapping_enrolment([organisation.id], cohort.start_date, cohort.planned_end,
                                  besides=cohort)
    if other is not None:
        raise DomainError(
            _l("This organisation already takes part in %(cohort)s, whose course overlaps "
               "this one.", cohort=other.cohort.label),
            field="organisation",
        )
    enrolment = Enrolment(cohort=cohort, organisation=organisation, status=status, notes=notes)
    enrolment.status_history.append(EnrolmentStatusChange(status=status, changed_at=at or clock.now()))
    db.session.add(enrolment)
    db.session.flush()
    return enrolment


def record_status(
    enrolment: Enrolment, status: EnrolmentStatus, *, reason: str = "", at: datetime | None = None
) -> None:
    """Move an enrolment to a new status and keep the step in its history."""
    enrolment.status = status
    enrolment.status_history.append(
        EnrolmentStatusChange(status=status, reason=reason, changed_at=at or clock.now())
    )


def change_status(
    enrolment: Enrolment, status: EnrolmentStatus, reason: str, version: object
) -> None:
    """Move a group to its next status, as the transitions allow, and keep the step in its history.

    :raise ConflictError: when the form was opened at another version of the enrolment.
    :raise DomainError: when the move is not allowed from the current status (field `status`),
        or a withdrawal gives no reason (field `reason`).
    """
    check_version(enrolment, version)
    if status not in TRANSITIONS[enrolment.status]:
        raise DomainError(
            _l("A group cannot go from %(old)s to %(new)s.",
               old=enrolment.status.label, new=status.label),
            field="status",
        )
    reason = reason.strip()
    if status is EnrolmentStatus.WITHDRAWN and not reason:
        raise DomainError(_l("Give the reason the group withdraws."), field="reason")
    record_status(enrolment, status, reason=reason)
    db.session.flush()


def update_notes(enrolment: Enrolment, notes: str, version: object) -> None:
    """Replace the coordinators' notes about a group.

    :raise ConflictError: when the form was opened at another version of the enrolment.
    """
    check_version(enrolment, version)
    enrolment.notes = notes.strip()
    db.session.flush()


def enrolments_of_cohort(cohort: Cohort) -> Select[tuple[Enrolment]]:
    """A cohort's groups by organisation name, with organisation and owning ministry loaded."""
    return (
        select(Enrolment)
        .join(Enrolment.organisation)
        .where(Enrolment.cohort_id == cohort.id)
        .options(
            selectinload(Enrolment.organisation).selectinload(Organisation.owning_ministry)
        )
        .order_by(Organisation.name_nb)
    )


def participation_history(organisation: Organisation) -> Select[tuple[Enrolment]]:
    """An organisation's enrolments, oldest cohort first, with cohort and status history loaded."""
    return (
        select(Enrolment)
        .join(Enrolment.cohort)
        .where(Enrolment.organisation_id == organisation.id)
        .options(
            selectinload(Enrolment.cohort).selectinload(Cohort.programme),
            selectinload(Enrolment.status_history),
        )
        .order_by(Cohort.start_date)
    )


def get_enrolment_or_404(enrolment_id: int, for_user: User) -> Enrolment:
    """The leadership group with this id, if the user may see it.

    :raise 404: when there is none, or it is outside the user's scope (an outsider cannot tell
        the two apart).
    """
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or not enrolment.can_view(for_user):
        abort(404)
    return enrolment


def members_of(enrolment: Enrolment) -> Select[tuple[Membership]]:
    """The group's members, top leader first, then by name, with the person loaded."""
    role_order = case(
        (Membership.role == MemberRole.TOP_LEADER, 0),
        (Membership.role == MemberRole.MEMBER, 1),
        else_=2,
    )
    return (
        select(Membership)
        .join(Membership.person)
        .where(Membership.enrolment_id == enrolment.id)
        .options(contains_eager(Membership.person))
        .order_by(role_order, Person.name, Person.id)
    )


# My group: what an agency leader sees of their own groups


@dataclass(frozen=True)
class MyGroup:
    """The signed-in user's leadership groups, and everything the My group page shows about
    the current one."""

    # The groups of the user's organisation and every group the user's person is a member of,
    # newest cohort first.
    enrolments: list[Enrolment]
    # The group the page is about: one whose cohort is running, else the newest one that has
    # not withdrawn, else the newest. None when the user has no group.
    current: Enrolment | None
    # The current group's schedule (the cohort's joint sessions and its own) in time order,
    # cancelled ones too.
    sessions: list[Session]
    # The first session not yet over and not cancelled.
    next_session: Session | None
    # The user's own attendance by session id (empty without a person).
    attendance: dict[int, Attendance]
    memberships: list[Membership]
    # The other organisations in the current group's cohort (groups that have not withdrawn).
    other_organisations: list[Organisation]
    # The coordinators' addresses: active users with the coordinator role.
    coordinator_emails: list[str]

    @property
    def others(self) -> list[Enrolment]:
        """The user's groups besides the current one, newest cohort first."""
        return [e for e in self.enrolments if e is not self.current]


def my_enrolments(user: User) -> Select[tuple[Enrolment]]:
    """The groups of the user's organisation and every group the user's person is (or was) a
    member of, in any cohort and organisation, newest cohort first; with cohort, programme,
    responsible organisation and organisation loaded."""
    mine = []
    if user.organisation_id is not None:
        mine.append(Enrolment.organisation_id == user.organisation_id)
    if user.person_id is not None:
        mine.append(Enrolment.id.in_(
            select(Membership.enrolment_id).where(Membership.person_id == user.person_id)
        ))
    return (
        select(Enrolment)
        .join(Enrolment.cohort)
        .where(or_(*mine) if mine else false())
        .options(
            contains_eager(Enrolment.cohort)
            .selectinload(Cohort.programme)
            .selectinload(Programme.responsible_organisation),
            selectinload(Enrolment.organisation),
        )
        .order_by(Cohort.start_date.desc(), Cohort.id.desc())
    )


def current_enrolment(enrolments: list[Enrolment], today: date) -> Enrolment | None:
    """Of groups listed newest cohort first: one whose cohort is running and that has not
    withdrawn; else the newest that has not withdrawn; else the newest."""
    taking_part = [e for e in enrolments if e.is_taking_part]
    running = [e for e in taking_part if e.cohort.status(today) is CohortStatus.RUNNING]
    return next(iter(running or taking_part or enrolments), None)


def my_groups(user: User, now: datetime) -> MyGroup:
    """Everything the My group page shows for `user` at `now` (progress and assessment results
    aside), in the same number of queries however many groups, sessions and members there are."""
    enrolments = list(db.session.scalars(my_enrolments(user)).unique())
    current = current_enrolment(enrolments, now.astimezone(clock.OSLO).date())
    if current is None:
        return MyGroup(enrolments, None, [], None, {}, [], [], [])
    sessions = list(db.session.scalars(
        select(Session)
        .where(Session.of_group(current))
        .options(selectinload(Session.module))
        .order_by(Session.starts_at, Session.id)
    ))
    attendance = {}
    if user.person_id is not None and sessions:
        attendance = {
            a.session_id: a
            for a in db.session.scalars(
                select(Attendance).where(
                    Attendance.person_id == user.person_id,
                    Attendance.session_id.in_([s.id for s in sessions]),
                )
            )
        }
    next_session = next(
        (s for s in sessions if s.ends_at > now and s.status is not SessionStatus.CANCELLED), None
    )
    others = db.session.scalars(
        select(Organisation)
        .join(Enrolment, Enrolment.organisation_id == Organisation.id)
        .where(
            Enrolment.cohort_id == current.cohort_id,
            Enrolment.id != current.id,
            Enrolment.is_taking_part,
        )
        .order_by(Organisation.name_nb)
    ).all()
    coordinator_emails = db.session.scalars(
        select(User.email)
        .where(User.role == Role.COORDINATOR, User.active.is_(True))
        .order_by(User.email)
    ).all()
    return MyGroup(
        enrolments=enrolments,
        current=current,
        sessions=sessions,
        next_session=next_session,
        attendance=attendance,
        memberships=list(db.session.scalars(members_of(current))),
        other_organisations=list(others),
        coordinator_emails=list(coordinator_emails),
    )
