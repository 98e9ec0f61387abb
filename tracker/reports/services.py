"""What the reports show: where each organisation of a ministry's sector stands in the programme,
the participation history, and a cohort's attendance, each limited to what the user may see."""
from dataclasses import dataclass, field
from datetime import date

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, or_, select, true
from sqlalchemy.orm import selectinload

from tracker import bounds, clock
from tracker.cohorts.models import Cohort, CohortStatus
from tracker.cohorts.services import course_month
from tracker.db_types import Labelled
from tracker.extensions import db
from tracker.groups.models import Enrolment, EnrolmentStatus
from tracker.i18n import rounded_percent
from tracker.people.models import MemberRole, Membership
from tracker.organisations.models import Organisation, OrganisationKind
from tracker.schedule.models import Attendance, Session, SessionStatus
from tracker.schedule.attendance import expected_memberships
from tracker.surveys import results
from tracker.users.models import User


class SectorState(Labelled):
    """Where one organisation stands in the programme: the whole lifecycle of its latest
    enrolment, or never enrolled."""

    NOT_STARTED = "not_started"
    INVITED = "invited"
    CONFIRMED = "confirmed"
    ACTIVE = "active"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"

    __labels__ = {
        "not_started": _l("Not started"),
        "invited": _l("Invited"),
        "confirmed": _l("Confirmed"),
        "active": _l("Taking part"),
        "completed": _l("Completed"),
        "withdrawn": _l("Withdrawn"),
    }
    __colours__ = {"not_started": "neutral", "invited": "info", "confirmed": "info",
                   "active": "success", "completed": "accent", "withdrawn": "danger"}


@dataclass(frozen=True)
class Participation:
    """One enrolment in an organisation's participation history."""

    enrolment: Enrolment
    cohort: Cohort
    status: EnrolmentStatus
    # The day (Europe/Oslo) of the latest status change, None when no change was recorded.
    status_since: date | None
    state: SectorState  # where the enrolment stands on the day asked (`enrolment_state`)


@dataclass(frozen=True)
class OrganisationState:
    """One organisation of the sector: the state of its latest enrolment, and whether it has
    ever completed the programme."""

    organisation: Organisation
    state: SectorState
    enrolment: Enrolment | None  # the most relevant one: the latest by cohort start
    cohort: Cohort | None
    month: int | None  # month n of the course, while taking part
    course_length: int | None  # the course's length in months, while taking part
    # Whether any of its enrolments completed, whatever came later (a new enrolment, a
    # withdrawal from it), and the day the latest of those did.
    has_completed: bool
    completed_on: date | None  # the completed status change's day (`completed_on`)
    history: list[Participation] = field(default_factory=list)  # oldest cohort first


@dataclass(frozen=True)
class SectorOverview:
    """A ministry's sector (None: the whole state) and where each organisation stands."""

    ministry: Organisation | None
    today: date
    organisations: list[OrganisationState]  # the ministry first, then by name
    counts: dict[SectorState, int]  # by latest enrolment: every state, zeros too, in order
    total: int
    completed: int  # organisations that have completed, at any time (`has_completed`)

    @property
    def completed_share(self) -> int:
        """The percentage of the sector that has completed, whole, rounded half up."""
        return rounded_percent(self.completed, self.total) or 0


def sector_overview(ministry: Organisation | None, today: date) -> SectorOverview:
    """Every organisation of the sector and where it stands on `today`, in a fixed number of queries.

    The sector is the ministry and every organisation it owns; None means the whole state.
    Each organisation's state is that of its latest enrolment by cohort start (so a withdrawal
    followed by a newer enrolment counts the newer), as `state_of` says; whether it has
    completed comes from all of them.
    """
    organisations = db.session.scalars(
        select(Organisation)
        .where(sector_filter(ministry))
        .options(selectinload(Organisation.owning_ministry))
    ).all()
    enrolments = db.session.scalars(
        select(Enrolment)
        .join(Enrolment.organisation)
        .join(Enrolment.cohort)
        .where(sector_filter(ministry))
        .options(
            selectinload(Enrolment.cohort).selectinload(Cohort.programme),
            selectinload(Enrolment.status_history),
        )
        .order_by(Cohort.start_date, Cohort.ordinal, Enrolment.id)
    ).all()
    history: dict[int, list[Participation]] = {}
    for enrolment in enrolments:
        history.setdefault(enrolment.organisation_id, []).append(participation(enrolment, today))
    states = [
        state_of(organisation, history.get(organisation.id, []), today)
        for organisation in sorted(organisations, key=sector_order)
    ]
    counts = {state: 0 for state in SectorState}
    for row in states:
        counts[row.state] += 1
    completed = sum(row.has_completed for row in states)
    return SectorOverview(ministry, today, states, counts, len(states), completed)


def sector_filter(ministry: Organisation | None) -> ColumnElement[bool]:
    """The sector as a SQL condition on `Organisation`: the ministry and the organisations it
    owns; every organisation when `ministry` is None."""
    if ministry is None:
        return true()
    return or_(Organisation.id == ministry.id, Organisation.owning_ministry_id == ministry.id)


def sector_cohort_ids(ministry: Organisation | None) -> Select[tuple[int]]:
    """Ids of the cohorts in which an organisation of the sector takes part."""
    return select(Enrolment.cohort_id).join(Enrolment.organisation).where(sector_filter(ministry))


def sector_order(organisation: Organisation) -> tuple[str, bool, str]:
    """Each ministry followed by its agencies, by name; unowned organisations by their own name."""
    head = organisation.owning_ministry or organisation
    return (head.name_nb, organisation is not head, organisation.name_nb)


def status_since(enrolment: Enrolment) -> date | None:
    """The day (Oslo) of the enrolment's latest status change; None when none is recorded."""
    if not enrolment.status_history:
        return None
    return clock.local_day(enrolment.status_history[-1].changed_at)


def participation(enrolment: Enrolment, today: date) -> Participation:
    """The enrolment as a line of its organisation's history on `today`; cohort and status
    history loaded beforehand."""
    return Participation(enrolment, enrolment.cohort, enrolment.status, status_since(enrolment),
                         enrolment_state(enrolment, enrolment.cohort, today))


def completed_on(enrolment: Enrolment) -> date:
    """The day the group was marked completed; its cohort's planned end for a group whose status
    is completed with no change recorded (data from before the status history)."""
    changes = [c for c in enrolment.status_history if c.status is EnrolmentStatus.COMPLETED]
    return clock.local_day(changes[-1].changed_at) if changes else enrolment.cohort.planned_end


def state_of(organisation: Organisation, history: list[Participation], today: date) -> OrganisationState:
    """Where an organisation stands, from its history (oldest cohort first) on `today`: the
    state of its latest enrolment (`enrolment_state`), not started when it has none; and
    whether any enrolment of its history has completed."""
    if not history:
        return OrganisationState(organisation, SectorState.NOT_STARTED, None, None, None, None,
                                 False, None, [])
    completions = [p.enrolment for p in history if p.state is SectorState.COMPLETED]
    done = completed_on(completions[-1]) if completions else None
    latest = history[-1]
    enrolment, cohort, state = latest.enrolment, latest.cohort, latest.state
    month = length = None
    if state is SectorState.ACTIVE:
        month, length = course_month(cohort, today), cohort.programme.course_length_months
    return OrganisationState(organisation, state, enrolment, cohort, month, length,
                             bool(completions), done, history)


def enrolment_state(enrolment: Enrolment, cohort: Cohort, today: date) -> SectorState:
    """Where one enrolment stands on `today`: its status, moved on where the cohort's dates
    show the status is behind the facts.

    - withdrawn: withdrawn;
    - completed: marked completed, and only that: a cohort past its planned end whose groups
      are still active has not had its final results recorded, so its groups are still taking
      part (the attention list asks the coordinator to mark them completed);
    - taking part: active, or confirmed in a cohort that has started;
    - confirmed: confirmed, the cohort not started;
    - invited: an invitation still unanswered, whatever the cohort's dates: a group that never
      said yes has not taken part.
    """
    cohort_status = cohort.status(today)
    status = enrolment.status
    if status is EnrolmentStatus.WITHDRAWN:
        return SectorState.WITHDRAWN
    if status is EnrolmentStatus.INVITED:
        return SectorState.INVITED
    if status is EnrolmentStatus.COMPLETED:
        return SectorState.COMPLETED
    if status is EnrolmentStatus.ACTIVE or cohort_status is not CohortStatus.PLANNED:
        return SectorState.ACTIVE
    return SectorState.CONFIRMED


def get_sector_or_404(ministry_id: str | None, for_user: User) -> Organisation | None:
    """The ministry whose sector the user asks for (`?ministry=`), None for the whole state.

    Staff may ask for any ministry, or none for the whole state. A ministry viewer always gets
    their own ministry, asked for or not.

    :raise 404: when the id is not a number or not a ministry's; when a ministry viewer asks for
        another ministry's sector; when anyone else (an agency leader) asks for a sector at all.
    """
    ministry = None
    if ministry_id not in (None, ""):
        if not ministry_id.isascii() or not ministry_id.isdigit():
            abort(404)
        number = bounds.bounded_int(ministry_id, minimum=1)
        ministry = db.session.get(Organisation, number) if number is not None else None
        if ministry is None or ministry.kind is not OrganisationKind.MINISTRY:
            abort(404)
    if ministry is None and not chooses_sector(for_user):
        ministry = for_user.organisation
    if ministry is None:
        return None  # the whole state, for those who choose
    if ministry.kind is not OrganisationKind.MINISTRY or not ministry.can_view(for_user):
        abort(404)
    return ministry


def chooses_sector(user: User) -> bool:
    """Whether the user chooses whose sector to see (the whole state too). Staff belong to no
    organisation (`users.services.check_scope`), so they may look at any; everyone else sees
    the sector of their own organisation, which `Organisation.can_view` then checks."""
    return user.organisation_id is None


def participation_enrolments(
    for_user: User, *, ministry: Organisation | None = None,
    organisation: Organisation | None = None,
) -> Select[tuple[Enrolment]]:
    """Every enrolment of the organisations in the user's scope, optionally only of one sector
    or one organisation; by organisation name, then cohort start; with organisation, owning
    ministry, cohort and status history loaded."""
    query = (
        select(Enrolment)
        .join(Enrolment.organisation)
        .join(Enrolment.cohort)
        # Enrolment.visible_to: a coordinator limited to some programmes, only theirs
        .where(Organisation.visible_to(for_user), Enrolment.visible_to(for_user),
               sector_filter(ministry))
        .options(
            selectinload(Enrolment.organisation).selectinload(Organisation.owning_ministry),
            selectinload(Enrolment.cohort),
            selectinload(Enrolment.status_history),
        )
        .order_by(Organisation.name_nb, Cohort.start_date, Cohort.ordinal)
    )
    if organisation is not None:
        query = query.where(Organisation.id == organisation.id)
    return query


@dataclass(frozen=True)
class AttendanceRow:
    """One person expected at (or recorded for) one held session."""

    session: Session
    membership: Membership
    attendance: Attendance | None

    @property
    def day(self) -> date:
        return clock.local_day(self.session.starts_at)


def shows_attendance_notes(for_user: User, rows: list[AttendanceRow]) -> bool:
    """Whether an attendance export carries notes: only when the reader may see the notes of
    every group in it (Enrolment.shows_attendance_notes_to, the rule the group page follows)."""
    return all(row.membership.enrolment.shows_attendance_notes_to(for_user) for row in rows)


def cohort_attendance(cohort: Cohort, for_user: User) -> list[AttendanceRow]:
    """The cohort's attendance: one row per person and held session, for the groups in the
    user's scope only; by session, then organisation, top leader first, then name. In four
    queries, however many sessions and people.

    A person is in a session's rows when they were expected at it (a top leader or member of
    its group, or of any group for a joint session, on its first day) or attendance is recorded
    for them.
    """
    sessions = db.session.scalars(
        select(Session)
        .where(Session.cohort_id == cohort.id, Session.status == SessionStatus.HELD)
        .options(selectinload(Session.module))
        .order_by(Session.starts_at, Session.id)
    ).all()
    memberships = db.session.scalars(
        select(Membership)
        .join(Membership.enrolment)
        .join(Enrolment.organisation)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.visible_to(for_user))
        .options(
            selectinload(Membership.person),
            selectinload(Membership.enrolment).selectinload(Enrolment.organisation),
        )
    ).all()
    recorded = {
        (a.person_id, a.session_id): a
        for a in db.session.scalars(
            select(Attendance).where(Attendance.session_id.in_([s.id for s in sessions]))
        )
    } if sessions else {}
    by_person: dict[int, Membership] = {}
    for membership in memberships:
        by_person.setdefault(membership.person_id, membership)
    rows = []
    for session in sessions:
        shown: dict[int, Membership] = {}
        for membership in expected_memberships(session, memberships):
            shown.setdefault(membership.person_id, membership)
        for person_id, session_id in recorded:
            if session_id == session.id and person_id in by_person:
                shown.setdefault(person_id, by_person[person_id])
        rows.extend(
            sorted(
                (AttendanceRow(session, m, recorded.get((p, session.id))) for p, m in shown.items()),
                key=lambda row: (
                    row.membership.enrolment.organisation.name_nb,
                    row.membership.role is not MemberRole.TOP_LEADER,
                    row.membership.person.name is None,
                    row.membership.person.name or "",
                    row.membership.person_id,
                ),
            )
        )
    return rows


# The survey's results over the sector's groups (issue 12)


def sector_survey(ministry: Organisation | None, today: date) -> results.Comparison:
    """The survey's baseline-to-final comparison over the groups of the sector's organisations
    (`tracker.surveys.results.compare`), shown only when at least
    `results.LEAST_GROUPS` of them count, so no one group can be read off the sector's figures."""
    enrolment_ids = list(db.session.scalars(
        select(Enrolment.id).join(Enrolment.organisation).where(sector_filter(ministry))))
    return results.compare(enrolment_ids, today, least_groups=results.LEAST_GROUPS)
