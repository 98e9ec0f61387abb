"""What the reports show: where each organisation of a ministry's sector stands in the programme,
the participation history, and a cohort's attendance, each limited to what the user may see."""
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby
from typing import NamedTuple

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, case, func, literal, or_, select, true
from sqlalchemy.orm import aliased, contains_eager, selectinload

from tracker import bounds, clock
from tracker.cohorts.models import Cohort, CohortStatus
from tracker.cohorts.services import course_month
from tracker.db_types import Labelled
from tracker.extensions import db
from tracker.groups.models import Enrolment, EnrolmentStatus, EnrolmentStatusChange
from tracker.i18n import rounded_percent
from tracker.people.models import MemberRole, Membership
from tracker.organisations.models import Organisation, OrganisationKind
from tracker.programmes.models import Programme
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


# The bounded overview (issue 14): the page counts in SQL and shows one page of organisations,
# so neither its statements nor its size grow with the number of organisations or cohorts.

ORGANISATIONS_PER_PAGE = 50


@dataclass(frozen=True)
class MinistrySummary:
    """One ministry's sector in the whole state's summary (`ministry` None: organisations no
    ministry owns)."""

    ministry_id: int | None
    name_nb: str | None
    name_en: str | None
    short_name: str | None
    total: int
    completed: int  # have completed at any time
    taking_part: int  # latest enrolment taking part now
    not_started: int  # never enrolled

    def name(self, locale: str) -> str | None:
        return self.name_en if locale == "en" and self.name_en else self.name_nb

    @property
    def completed_share(self) -> int:
        return rounded_percent(self.completed, self.total) or 0


@dataclass(frozen=True)
class SectorSummary:
    """The figures of a sector, counted by the database: by state of each organisation's
    latest enrolment, and per ministry."""

    ministry: Organisation | None
    today: date
    counts: dict[SectorState, int]  # every state, zeros too, in order
    total: int
    completed: int
    # Every ministry's sector in the whole state (whichever sector is asked for: they are the
    # sector form's choices too), by name; organisations under no ministry last.
    ministries: list[MinistrySummary]
    # Whose reading it is: the page of organisations counts the same enrolments (`counted`).
    for_user: User | None = None

    @property
    def completed_share(self) -> int:
        return rounded_percent(self.completed, self.total) or 0


def counted(for_user: User | None) -> ColumnElement[bool]:
    """The enrolments a sector report counts for `for_user`: those they may see, so a
    coordinator limited to some programmes reads the sector through their programmes only
    (`Enrolment.visible_to`); None (a test, a command) counts every one."""
    return true() if for_user is None else Enrolment.visible_to(for_user)


def latest_state(today: date, for_user: User | None = None):
    """A subquery of each organisation's latest enrolment (by cohort start, as `state_of`
    orders them) and its `SectorState` value, in SQL as `state_for` decides it in Python."""
    rank = func.row_number().over(
        partition_by=Enrolment.organisation_id,
        order_by=(Cohort.start_date.desc(), Cohort.ordinal.desc(), Enrolment.id.desc()),
    )
    state = case(
        (Enrolment.status == EnrolmentStatus.WITHDRAWN, literal(SectorState.WITHDRAWN.value)),
        (Enrolment.status == EnrolmentStatus.INVITED, literal(SectorState.INVITED.value)),
        (Enrolment.status == EnrolmentStatus.COMPLETED, literal(SectorState.COMPLETED.value)),
        (or_(Enrolment.status == EnrolmentStatus.ACTIVE, Cohort.start_date <= today),
         literal(SectorState.ACTIVE.value)),
        else_=literal(SectorState.CONFIRMED.value),
    )
    return (
        select(Enrolment.organisation_id.label("organisation_id"), state.label("state"),
               rank.label("rank"))
        .join(Enrolment.cohort)
        .where(counted(for_user))
        .subquery("latest")
    )


def ever_completed(for_user: User | None = None):
    """A subquery of the ids of organisations with an enrolment marked completed."""
    return (
        select(Enrolment.organisation_id.label("organisation_id"))
        .where(Enrolment.status == EnrolmentStatus.COMPLETED, counted(for_user))
        .distinct()
        .subquery("completers")
    )


def sector_summary(ministry: Organisation | None, today: date,
                   for_user: User | None = None) -> SectorSummary:
    """The sector's counts, by each organisation's latest enrolment (`state_of`), in one query however many
    organisations and cohorts: per state, in all, completed; and the figures of every
    ministry's sector in the state (a ministry's sector is its row)."""
    latest = latest_state(today, for_user)
    completers = ever_completed(for_user)
    head = aliased(Organisation)
    head_id = func.coalesce(
        Organisation.owning_ministry_id,
        case((Organisation.kind == OrganisationKind.MINISTRY, Organisation.id)),
    )
    state = func.coalesce(latest.c.state, literal(SectorState.NOT_STARTED.value))
    rows = db.session.execute(
        select(head_id.label("head"), head.name_nb, head.name_en, head.short_name,
               state.label("state"), func.count(Organisation.id),
               func.count(completers.c.organisation_id))
        .select_from(Organisation)
        .outerjoin(latest, and_(latest.c.organisation_id == Organisation.id, latest.c.rank == 1))
        .outerjoin(completers, completers.c.organisation_id == Organisation.id)
        .outerjoin(head, head.id == head_id)
        .group_by(head_id, head.name_nb, head.name_en, head.short_name, state)
    ).all()
    counts = {state: 0 for state in SectorState}
    heads: dict[int | None, dict] = {}
    completed = 0
    for head_value, name_nb, name_en, short_name, state_value, number, completions in rows:
        state_value = SectorState(state_value)
        if ministry is None or head_value == ministry.id:
            counts[state_value] += number
            completed += completions
        figures = heads.setdefault(head_value, {"names": (name_nb, name_en, short_name), "total": 0,
                                                "completed": 0, "active": 0, "not_started": 0})
        figures["total"] += number
        figures["completed"] += completions
        if state_value is SectorState.ACTIVE:
            figures["active"] += number
        elif state_value is SectorState.NOT_STARTED:
            figures["not_started"] += number
    summaries = sorted(
        (MinistrySummary(key, *figures["names"], figures["total"], figures["completed"],
                         figures["active"], figures["not_started"])
         for key, figures in heads.items()),
        key=lambda row: (row.ministry_id is None, row.name_nb or "", row.ministry_id or 0),
    )
    return SectorSummary(ministry, today, counts, sum(counts.values()), completed, summaries,
                         for_user)


def sector_order_by(head) -> tuple:
    """`sector_order` in SQL: each ministry followed by its agencies, by name (ties by id);
    `head` is the owning ministry, outer-joined."""
    return (
        func.coalesce(head.name_nb, Organisation.name_nb),
        func.coalesce(head.id, Organisation.id),
        case((Organisation.owning_ministry_id.is_(None), 0), else_=1),
        Organisation.name_nb,
        Organisation.id,
    )


@dataclass(frozen=True)
class OrganisationPage:
    """One page of the sector's organisations, as `templates/macros/pagination.html` draws it;
    the number of pages comes from the summary's total, so no query counts them again."""

    page: int
    total: int
    rows: list[OrganisationState]
    per_page: int = ORGANISATIONS_PER_PAGE

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int:
        return self.page + 1

    @property
    def first(self) -> int:
        """The number of the page's first organisation, counting from 1."""
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return (self.page - 1) * self.per_page + len(self.rows)


def page_count(total: int, per_page: int = ORGANISATIONS_PER_PAGE) -> int:
    """How many pages `total` organisations fill; an empty sector has one, empty."""
    return max(1, -(-total // per_page))


def organisation_page(summary: SectorSummary, page: int) -> OrganisationPage | None:
    """Page `page` (from 1) of the summary's sector in `sector_order`, each organisation with
    its history, in one statement; None past the last page (an empty sector has one, empty)."""
    if page > page_count(summary.total):
        return None
    today = summary.today
    ordering_head = aliased(Organisation)
    on_page = (
        select(Organisation.id)
        .outerjoin(ordering_head, Organisation.owning_ministry_id == ordering_head.id)
        .where(sector_filter(summary.ministry))
        .order_by(*sector_order_by(ordering_head))
        .limit(ORGANISATIONS_PER_PAGE)
        .offset((page - 1) * ORGANISATIONS_PER_PAGE)
        .subquery("on_page")
    )
    head = aliased(Organisation)
    rows = db.session.execute(
        select(Organisation, Enrolment, Cohort, Programme, latest_change(), latest_change(completed=True))
        .join(on_page, on_page.c.id == Organisation.id)
        .outerjoin(head, Organisation.owning_ministry_id == head.id)
        .outerjoin(Enrolment, and_(Enrolment.organisation_id == Organisation.id,
                                   counted(summary.for_user)))
        .outerjoin(Cohort, Enrolment.cohort_id == Cohort.id)
        .outerjoin(Programme, Cohort.programme_id == Programme.id)
        .options(contains_eager(Organisation.owning_ministry.of_type(head)))
        .order_by(*sector_order_by(head), Cohort.start_date, Cohort.ordinal, Enrolment.id)
    ).all()
    states = []
    for _id, lines in groupby(rows, key=lambda line: line[0].id):
        history, completion_days, organisation = [], {}, None
        for organisation, enrolment, cohort, _programme, since, completed_at in lines:
            if enrolment is None:
                continue  # never enrolled
            history.append(Participation(
                enrolment, cohort, enrolment.status,
                clock.local_day(since) if since is not None else None,
                state_for(enrolment.status, cohort, today)))
            completion_days[enrolment.id] = (clock.local_day(completed_at) if completed_at
                                             else cohort.planned_end)
        # the programme is in each row, so `cohort.programme` (the course's length) needs no query
        states.append(state_of(organisation, history, today,
                               lambda enrolment, days=completion_days: days[enrolment.id]))
    return OrganisationPage(page, summary.total, states)


def latest_change(*, completed: bool = False):
    """The time of an enrolment's latest status change (its latest change to completed), as a
    column of a statement over `Enrolment`."""
    query = select(func.max(EnrolmentStatusChange.changed_at)).where(
        EnrolmentStatusChange.enrolment_id == Enrolment.id)
    if completed:
        query = query.where(EnrolmentStatusChange.status == EnrolmentStatus.COMPLETED)
    return query.correlate(Enrolment).scalar_subquery()


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


def state_of(organisation: Organisation, history: list[Participation], today: date,
             completion_day=None) -> OrganisationState:
    """Where an organisation stands, from its history (oldest cohort first) on `today`: the
    state of its latest enrolment (`enrolment_state`), not started when it has none; and
    whether any enrolment of its history has completed. `completion_day` tells an enrolment's
    day of completion (`completed_on`, from its loaded status history, when not given)."""
    if not history:
        return OrganisationState(organisation, SectorState.NOT_STARTED, None, None, None, None,
                                 False, None, [])
    completions = [p.enrolment for p in history if p.state is SectorState.COMPLETED]
    done = (completion_day or completed_on)(completions[-1]) if completions else None
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
    return state_for(enrolment.status, cohort, today)


def state_for(status: EnrolmentStatus, cohort: Cohort, today: date) -> SectorState:
    """`enrolment_state` from an enrolment's status alone, for rows read without the enrolment."""
    cohort_status = cohort.status(today)
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


def sector_survey(ministry: Organisation | None, today: date,
                  for_user: User | None) -> results.Comparison:
    """The survey's baseline-to-final comparison over the groups of the sector's organisations
    that `for_user` may see (`counted`; None: every group), shown only when at least
    `results.LEAST_GROUPS` of them count, so no one group can be read off the sector's figures.
    The reader is asked for, not defaulted: the page, its download and the API must count the
    same groups."""
    enrolment_ids = (select(Enrolment.id).join(Enrolment.organisation)
                     .where(sector_filter(ministry), counted(for_user)))
    return results.compare(enrolment_ids, today, least_groups=results.LEAST_GROUPS)


# The downloads of the whole state, read as they are written (issue 14): one statement each,
# its rows fetched in batches, however many organisations and enrolments.

BATCH = 500


class ParticipationRow(NamedTuple):
    """One enrolment as the participation download writes it."""

    organisation_name: str
    org_number: str | None
    ministry_name: str | None
    programme: Programme
    cohort: Cohort
    status: EnrolmentStatus
    status_since: date | None
    state: SectorState


def participation_rows_query(
    for_user: User, *, ministry: Organisation | None = None,
    organisation: Organisation | None = None,
) -> Select:
    """`participation_enrolments` as one statement of plain columns (and the cohort), its latest
    status change a subquery: built in the view, run by `participation_rows` as it is written."""
    head = aliased(Organisation)
    query = (
        select(Organisation.name_nb, Organisation.org_number, head.name_nb, Programme, Cohort,
               Enrolment.status, latest_change())
        .select_from(Enrolment)
        .join(Enrolment.organisation)
        .outerjoin(head, Organisation.owning_ministry_id == head.id)
        .join(Enrolment.cohort)
        .join(Cohort.programme)
        .where(Organisation.visible_to(for_user), sector_filter(ministry), counted(for_user))
        .order_by(Organisation.name_nb, Cohort.start_date, Cohort.ordinal, Enrolment.id)
        .execution_options(yield_per=BATCH)
    )
    if organisation is not None:
        query = query.where(Organisation.id == organisation.id)
    return query


def participation_rows(query: Select, today: date) -> Iterator[ParticipationRow]:
    """The rows of `participation_rows_query`, read in batches as they are used."""
    for name, number, ministry_name, programme, cohort, status, since in db.session.execute(query):
        yield ParticipationRow(name, number, ministry_name, programme, cohort, status,
                               clock.local_day(since) if since is not None else None,
                               state_for(status, cohort, today))


class SectorRow(NamedTuple):
    """One organisation as the sector download writes it: `OrganisationState` without the
    records behind it."""

    name: str
    org_number: str | None
    kind: OrganisationKind
    ministry_name: str | None
    state: SectorState
    programme: Programme | None  # the latest cohort's
    cohort: Cohort | None
    month: int | None
    course_length: int | None
    has_completed: bool
    completed_on: date | None
    enrolments: int


def sector_rows_query(ministry: Organisation | None, for_user: User | None = None) -> Select:
    """Every organisation of the sector with each of its enrolments (or none), in `sector_order`
    and then by cohort start: one statement, built in the view and run by `sector_rows`."""
    head = aliased(Organisation)
    return (
        select(Organisation.id, Organisation.name_nb, Organisation.org_number, Organisation.kind,
               head.name_nb, Enrolment.status, Cohort, Programme, latest_change(completed=True))
        .select_from(Organisation)
        .outerjoin(head, Organisation.owning_ministry_id == head.id)
        .outerjoin(Enrolment, and_(Enrolment.organisation_id == Organisation.id,
                                   counted(for_user)))
        .outerjoin(Cohort, Enrolment.cohort_id == Cohort.id)
        .outerjoin(Programme, Cohort.programme_id == Programme.id)
        .where(sector_filter(ministry))
        .order_by(*sector_order_by(head), Cohort.start_date, Cohort.ordinal, Enrolment.id)
        .execution_options(yield_per=BATCH)
    )


def sector_rows(query: Select, today: date) -> Iterator[SectorRow]:
    """One `SectorRow` per organisation from `sector_rows_query`'s rows (each organisation's
    together, oldest cohort first), as `state_of` decides it."""
    rows = db.session.execute(query)
    for _id, lines in groupby(rows, key=lambda line: line[0]):
        enrolments = 0
        latest = completion = None
        for line in lines:
            _, name, number, kind, ministry_name, status, cohort, programme, completed_at = line
            if cohort is None:
                continue  # never enrolled: the organisation's one row, without an enrolment
            enrolments += 1
            state = state_for(status, cohort, today)
            latest = (state, programme, cohort)
            if state is SectorState.COMPLETED:
                # `completed_on`: the day of its completed status, its cohort's end without one
                completion = clock.local_day(completed_at) if completed_at else cohort.planned_end
        state, programme, cohort = latest if latest else (SectorState.NOT_STARTED, None, None)
        month = length = None
        if state is SectorState.ACTIVE:
            month, length = course_month(cohort, today), programme.course_length_months
        yield SectorRow(name, number, kind, ministry_name, state, programme, cohort, month, length,
                        completion is not None, completion, enrolments)
