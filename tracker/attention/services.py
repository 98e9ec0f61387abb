"""What needs a coordinator's attention today, across every cohort, in a fixed number of queries.

Each item says why, links to the page where it is put right, and has an urgency from the date
it is about (a cohort's start, a session's day):
- invitations unanswered close to the start or for weeks, and free places before the start;
- finished cohorts whose groups are not yet marked completed;
- sessions in the past whose attendance is not recorded (any cohort: bookkeeping to finish);
- cancelled sessions whose module has no later session for the same group;
- sessions still planned for a group that has withdrawn;
- low attendance (the reminders' rule, `AttendanceTally.is_low`), groups behind plan;
- a group without a top leader, urgent only when its course is near.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask import url_for
from flask_babel import LazyString, format_date, lazy_ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import Row, and_, exists, func, or_, select, true
from sqlalchemy.orm import aliased, contains_eager, joinedload

from tracker.clock import local_day, oslo_time
from tracker.cohorts.models import Cohort, CohortStatus
from tracker.roles import Reader
from tracker.db_types import Labelled
from tracker.extensions import db
from tracker.groups.models import Enrolment, EnrolmentStatus, EnrolmentStatusChange
from tracker.i18n import current_language, percent
from tracker.people.models import MemberRole, Membership
from tracker.programmes.models import CourseModule
from tracker.progress.models import ModuleProgress
from tracker.progress.services import index_sessions, states_of_group
from tracker.schedule.attendance import AttendanceTally, attendance_tallies, expected_memberships
from tracker.schedule.models import Attendance, Session, SessionStatus
from tracker.schedule.sessions import replacement_for

# How near a date must be for what hangs on it to be urgent, or soon. Six weeks is what it
# takes to find another group or get an answer from a top leader's office; two weeks is the
# last call before a start or a gathering.
URGENT_DAYS = 14
SOON_DAYS = 42
# A group names its top leader ahead, but only a course about to start must have one: months
# ahead the ministry may still be choosing who leads it.
TOP_LEADER_URGENT_DAYS = 28
# A register filled in this long after its session is still fresh; later it is overdue.
REGISTER_GRACE_DAYS = 14
# An invitation unanswered this long needs a reminder whenever the cohort starts.
INVITATION_REMINDER_DAYS = 28
# Free places are worth filling from about three months ahead: a ministry needs that long to
# choose a group; nearer the start they are soon, then urgent.
FREE_PLACES_DAYS = 92


class Urgency(Labelled):
    """How soon a coordinator must act, from the days left until the date an item is about."""

    URGENT = 1
    SOON = 2
    LATER = 3

    __labels__ = {1: _l("Urgent"), 2: _l("Soon"), 3: _l("Later")}
    __colours__ = {1: "danger", 2: "warning", 3: "info"}


def urgency(days_left: int, *, urgent: int = URGENT_DAYS, soon: int | None = SOON_DAYS) -> Urgency:
    """URGENT when the date is at most `urgent` days away (or past), SOON within `soon` days
    (None: never soon), else LATER."""
    if days_left <= urgent:
        return Urgency.URGENT
    if soon is not None and days_left <= soon:
        return Urgency.SOON
    return Urgency.LATER


class Kind(Labelled):
    STILL_INVITED = "still_invited"
    FREE_PLACES = "free_places"
    ATTENDANCE_NOT_RECORDED = "attendance_not_recorded"
    CANCELLED_NOT_REPLACED = "cancelled_not_replaced"
    WITHDRAWN_GROUP_SESSIONS = "withdrawn_group_sessions"
    LOW_ATTENDANCE = "low_attendance"
    BEHIND_PLAN = "behind_plan"
    NO_TOP_LEADER = "no_top_leader"
    NOT_MARKED_COMPLETED = "not_marked_completed"

    __labels__ = {
        "still_invited": _l("Invitation not answered"),
        "free_places": _l("Free places"),
        "attendance_not_recorded": _l("Attendance not recorded"),
        "cancelled_not_replaced": _l("Cancelled, no new date"),
        "withdrawn_group_sessions": _l("Withdrawn group with planned sessions"),
        "low_attendance": _l("Low attendance"),
        "behind_plan": _l("Behind plan"),
        "no_top_leader": _l("No top leader"),
        "not_marked_completed": _l("Groups not marked completed"),
    }


@dataclass(frozen=True)
class AttentionItem:
    kind: Kind
    reason: LazyString  # why, with the date or numbers it rests on
    action: LazyString  # what to do there: the link's text
    endpoint: str
    url_values: dict = field(hash=False)
    cohort_label: str
    group_name: str | None
    urgency: Urgency
    # The date the urgency is counted from, for ordering: the nearest first.
    due: date
    # The cohort's programme: cohort labels repeat from one programme to the next.
    programme: str = ""

    @property
    def url(self) -> str:
        return url_for(self.endpoint, **self.url_values)


# The home page shows at most this many items of each kind: a screen, not the whole backlog.
# Twenty programmes' worth of registers left empty would otherwise bury the one invitation
# that is urgent; the nearest of each kind come first, and the page says how many there are.
SHOWN_PER_KIND = 5


@dataclass(frozen=True)
class AttentionList:
    """The items a page shows, in the list's order, at most `per_kind` of each kind; and, for
    each kind with more, how many of them are shown of how many in all."""

    items: list[AttentionItem]
    cut: list[tuple[Kind, int, int]]
    # Whether each item names its programme (the reader sees more than one, and cohort labels
    # repeat from one programme to the next).
    name_programmes: bool = False

    @classmethod
    def of(cls, items: list[AttentionItem], per_kind: int = SHOWN_PER_KIND,
           name_programmes: bool = False) -> "AttentionList":
        """The first `per_kind` of each kind of `items` (already in order)."""
        totals: dict[Kind, int] = defaultdict(int)
        shown = []
        for item in items:
            totals[item.kind] += 1
            if totals[item.kind] <= per_kind:
                shown.append(item)
        cut = [(kind, per_kind, total) for kind, total in totals.items() if total > per_kind]
        return cls(shown, sorted(cut, key=lambda c: c[0].value), name_programmes)


def attention_list(today: date, for_user: Reader | None = None, *,
                   name_programmes: bool = False) -> AttentionList:
    """What needs attention on `today` (`needs_attention`), as the home page shows it."""
    return AttentionList.of(needs_attention(today, for_user), name_programmes=name_programmes)


def needs_attention(today: date, for_user: Reader | None = None) -> list[AttentionItem]:
    """Everything that needs attention on `today`: urgent first, then soon, then later; within
    each by date, cohort and group.

    Decided in SQL, in at most eight statements however much history there is: the cohorts
    that are current or still have unfinished groups, with how many places are taken; their
    course plans with the groups' progress records; the current cohorts' groups, each with
    whether it has a top leader; the groups' attendance counted, and the few members whose
    dates decide whether they were expected; the current cohorts' sessions as bare rows (no
    objects) for the course plan's rule; and the sessions an item is about (registers left
    empty, withdrawn groups' sessions, cancellations without a later date), with the members
    of their cohorts when a register of a held session is empty. Objects are made only for
    what is on the list.

    With `for_user`, only what they may see: a coordinator limited to some programmes hears
    only of those programmes' cohorts (`Cohort.visible_to`, `Session.visible_to`)."""
    current, finished = _cohorts(today, for_user)
    plans, records = _course_plans(current)
    groups = _groups(today, current)
    tallies = attendance_tallies([g.enrolment.id for g in groups if g.enrolment.is_taking_part])
    sessions = _session_rows(current)
    unrecorded, withdrawn, cancelled = _sessions(today, current, for_user)
    held = {s.cohort_id for s in unrecorded if s.status is SessionStatus.HELD}
    items = sessions_without_attendance(unrecorded, _memberships(held), today)
    items += withdrawn_groups_sessions(withdrawn, today)
    items += cancelled_without_replacement(cancelled, today)
    if current:
        items += items_for_current_cohorts(
            current, plans, groups, tallies, sessions, records, today)
    items += groups_not_marked_completed(finished, today)
    return sorted(items, key=lambda i: (
        i.urgency.value, i.due, i.cohort_label, i.group_name or "", i.kind.value, i.url))


def _scope(model, for_user: Reader | None):
    return true() if for_user is None else model.visible_to(for_user)


def _start_of(today: date):
    return oslo_time(today, time(0))


def _unfinished_groups():
    return and_(Enrolment.cohort_id == Cohort.id,
                Enrolment.status.in_([EnrolmentStatus.CONFIRMED, EnrolmentStatus.ACTIVE]))


@dataclass(frozen=True)
class CurrentCohort:
    """A cohort not yet past its planned end, with how many of its places are taken."""

    cohort: Cohort
    taken: int


def _cohorts(today: date, for_user: Reader | None
             ) -> tuple[dict[int, CurrentCohort], dict[int, tuple[Cohort, int]]]:
    """The cohorts not yet past their planned end (by id, with their places taken), with
    their programme joined, and the finished ones whose groups are not all marked completed
    (by id, with how many are not): the rest of history asks nothing of anyone. One
    statement."""
    unfinished = (select(func.count(Enrolment.id)).where(_unfinished_groups())
                  .correlate(Cohort).scalar_subquery())
    taken = (select(func.count(Enrolment.id))
             .where(Enrolment.cohort_id == Cohort.id, Enrolment.is_taking_part)
             .correlate(Cohort).scalar_subquery())
    rows = db.session.execute(
        select(Cohort, unfinished.label("unfinished"), taken.label("taken"))
        .where(_scope(Cohort, for_user),
               or_(Cohort.planned_end >= today, exists().where(_unfinished_groups())))
        .options(joinedload(Cohort.programme))
        .order_by(Cohort.id)
    ).all()
    current = {c.id: CurrentCohort(c, n) for c, _, n in rows
               if c.status(today) is not CohortStatus.COMPLETED}
    finished = {c.id: (c, n) for c, n, _ in rows if c.id not in current}
    return current, finished


def _course_plans(current: dict[int, CurrentCohort]
                  ) -> tuple[dict[int, list[CourseModule]], dict[tuple[int, int], ModuleProgress]]:
    """The course plans of the current cohorts' programmes, each in order, by programme id;
    and the progress recorded for the current cohorts' groups, by (group, module). One
    statement, none without current cohorts."""
    plans: dict[int, list[CourseModule]] = defaultdict(list)
    records: dict[tuple[int, int], ModuleProgress] = {}
    if not current:
        return plans, records
    groups = select(Enrolment.id).where(Enrolment.cohort_id.in_(list(current)))
    for module, record in db.session.execute(
        select(CourseModule, ModuleProgress)
        .outerjoin(ModuleProgress, and_(ModuleProgress.module_id == CourseModule.id,
                                        ModuleProgress.enrolment_id.in_(groups)))
        .where(CourseModule.programme_id.in_({c.cohort.programme_id for c in current.values()}))
        .order_by(CourseModule.programme_id, CourseModule.position)
    ):
        if not plans[module.programme_id] or plans[module.programme_id][-1] is not module:
            plans[module.programme_id].append(module)
        if record is not None:
            records[(record.enrolment_id, record.module_id)] = record
    return plans, records


def _has_top_leader(today: date):
    """SQL: the group (`Enrolment`) has a top leader who has not left by `today`; one who joins
    later counts: a group in a cohort yet to start names its leader ahead."""
    return exists().where(Membership.enrolment_id == Enrolment.id,
                          Membership.role == MemberRole.TOP_LEADER,
                          Membership.not_left_by(today))


@dataclass(frozen=True)
class CurrentGroup:
    """A group of a current cohort, with what the list asks of it from SQL."""

    enrolment: Enrolment
    last_change: datetime | None  # when its status last changed
    has_top_leader: bool


def _groups(today: date, current: dict[int, CurrentCohort]) -> list[CurrentGroup]:
    """The current cohorts' groups with their organisations, each with when its status last
    changed (the last of its `status_history`) and whether it has a top leader. One
    statement, none without current cohorts."""
    if not current:
        return []
    last_change = (select(func.max(EnrolmentStatusChange.changed_at))
                   .where(EnrolmentStatusChange.enrolment_id == Enrolment.id)
                   .correlate(Enrolment).scalar_subquery())
    return [CurrentGroup(*row) for row in db.session.execute(
        select(Enrolment, last_change.label("last_change"),
               _has_top_leader(today).label("has_top_leader"))
        .where(Enrolment.cohort_id.in_(list(current)))
        .options(joinedload(Enrolment.organisation))
        .order_by(Enrolment.id)
    )]


def _session_rows(current: dict[int, CurrentCohort]) -> list[Row]:
    """The current cohorts' sessions as bare rows (id, cohort, group, module, status, start and
    end), in order of start: what the course plan's rule (`states_of_group`) and a group's
    next session are read from, without an object each. One statement, none without current
    cohorts."""
    if not current:
        return []
    return db.session.execute(
        select(Session.id, Session.cohort_id, Session.enrolment_id, Session.module_id,
               Session.status, Session.starts_at, Session.ends_at)
        .where(Session.cohort_id.in_(list(current)))
        .order_by(Session.starts_at, Session.id)
    ).all()


def _sessions(today: date, current: dict[int, CurrentCohort], for_user: Reader | None
              ) -> tuple[list[Session], list[Session], list[Session]]:
    """In one statement, with cohort, module and group (and its organisation) joined, the
    sessions an item is about: of any cohort, those that ended before `today` with no
    attendance recorded (still planned, or held with an empty register; not a withdrawn
    group's own), and the withdrawn groups' own still planned; of the current cohorts, those
    cancelled with no session of the same module for the same group (or joint) planned or
    held after them (not a withdrawn group's own: nothing to replace). The history of
    sessions held and recorded is not read."""
    no_marks = ~exists().where(Attendance.session_id == Session.id)
    unrecorded = and_(
        _scope(Session, for_user),
        Session.ends_at < _start_of(today),
        or_(Session.status == SessionStatus.PLANNED,
            and_(Session.status == SessionStatus.HELD, no_marks)),
        or_(Session.enrolment_id.is_(None), Enrolment.is_taking_part),
    )
    withdrawn = and_(
        _scope(Session, for_user),
        Session.status == SessionStatus.PLANNED,
        Session.enrolment_id.is_not(None),
        Enrolment.status == EnrolmentStatus.WITHDRAWN,
    )
    other = aliased(Session)
    replaced = exists().where(
        other.cohort_id == Session.cohort_id, other.module_id == Session.module_id,
        or_(other.enrolment_id == Session.enrolment_id,
            and_(other.enrolment_id.is_(None), Session.enrolment_id.is_(None))),
        other.status != SessionStatus.CANCELLED, other.starts_at > Session.starts_at)
    cancelled = and_(
        Session.cohort_id.in_(list(current)),
        Session.status == SessionStatus.CANCELLED,
        or_(Session.enrolment_id.is_(None), Enrolment.is_taking_part),
        ~replaced,
    )
    rows = db.session.execute(
        select(Session, unrecorded.label("unrecorded"), withdrawn.label("withdrawn"),
               cancelled.label("cancelled"))
        .outerjoin(Session.enrolment)
        .where(or_(unrecorded, withdrawn, cancelled))
        .options(
            contains_eager(Session.enrolment).joinedload(Enrolment.organisation),
            joinedload(Session.cohort).joinedload(Cohort.programme),
            joinedload(Session.module),
        )
        .order_by(Session.starts_at, Session.id)
    ).all()
    return ([s for s, is_unrecorded, _, _ in rows if is_unrecorded],
            [s for s, _, is_withdrawn, _ in rows if is_withdrawn],
            [s for s, _, _, is_cancelled in rows if is_cancelled])


def _memberships(cohort_ids: set[int]) -> dict[int, list[Membership]]:
    """Every membership of the cohorts' groups, with the group, by group: those of the cohorts
    with a held session's register empty, to tell whether anyone was expected there. One
    statement, none without cohorts."""
    memberships: dict[int, list[Membership]] = defaultdict(list)
    if not cohort_ids:
        return memberships
    for membership in db.session.scalars(
        select(Membership)
        .join(Membership.enrolment)
        .where(Enrolment.cohort_id.in_(list(cohort_ids)))
        .options(contains_eager(Membership.enrolment))
        .order_by(Membership.id)
    ):
        memberships[membership.enrolment_id].append(membership)
    return memberships


def sessions_without_attendance(
    sessions: list[Session], memberships: dict[int, list[Membership]], today: date,
) -> list[AttentionItem]:
    """One item per session that ended before `today` and has no attendance recorded: still
    planned (held or cancelled, the schedule does not say), or held with an empty register.

    Withdrawn groups' own sessions are left to `withdrawn_groups_sessions`, and a held session
    nobody was expected at has no register to fill in. Overdue once
    REGISTER_GRACE_DAYS have passed; in a completed cohort it is bookkeeping for later.
    `memberships` are those of the held sessions' cohorts, with their groups, by group.
    """
    # A held session with nobody expected at it (a group without members) has no register to
    # fill in: it would stay on the list for good.
    by_cohort: dict[int, list[Membership]] = defaultdict(list)
    for group in memberships.values():
        for membership in group:
            by_cohort[membership.enrolment.cohort_id].append(membership)
    sessions = [s for s in sessions if s.status is not SessionStatus.HELD
                or expected_memberships(s, by_cohort[s.cohort_id])]
    language = current_language()
    items = []
    for session in sessions:
        day = local_day(session.starts_at)
        ended = local_day(session.ends_at)
        if session.cohort.status(today) is CohortStatus.COMPLETED:
            level = Urgency.LATER
        elif (today - ended).days > REGISTER_GRACE_DAYS:
            level = Urgency.URGENT
        else:
            level = Urgency.SOON
        if session.status is SessionStatus.PLANNED:
            reason = _l("%(module)s on %(date)s is over but still marked as planned, with no "
                        "attendance: record who came, or mark it cancelled.",
                        module=session.module.name(language), date=format_date(day))
        else:
            reason = _l("%(module)s on %(date)s was held, but no attendance is recorded.",
                        module=session.module.name(language), date=format_date(day))
        items.append(AttentionItem(
            kind=Kind.ATTENDANCE_NOT_RECORDED,
            reason=reason,
            action=_l("Record attendance"),
            endpoint="schedule.attendance",
            url_values={"session_id": session.id},
            cohort_label=session.cohort.label,
            programme=session.cohort.programme.name(language),
            group_name=session.enrolment.organisation.name(language) if session.enrolment else None,
            urgency=level,
            due=day,
        ))
    return items


def withdrawn_groups_sessions(sessions: list[Session], today: date) -> list[AttentionItem]:
    """One item per withdrawn group with sessions of its own still planned, past or future:
    they are in its calendar feed and the schedule. Urgent when the first is near or past.
    `sessions` are those sessions, loaded beforehand in order of start."""
    by_group: dict[int, list[Session]] = defaultdict(list)
    for session in sessions:
        by_group[session.enrolment_id].append(session)
    language = current_language()
    items = []
    for planned in by_group.values():
        first = planned[0]
        day = local_day(first.starts_at)
        items.append(AttentionItem(
            kind=Kind.WITHDRAWN_GROUP_SESSIONS,
            reason=lazy_ngettext(
                "The group has withdrawn, but %(num)s session of its own is still planned, the "
                "first on %(date)s: cancel it.",
                "The group has withdrawn, but %(num)s sessions of its own are still planned, "
                "the first on %(date)s: cancel them.",
                len(planned), date=format_date(day)),
            action=_l("Open the group"),
            endpoint="groups.detail",
            url_values={"enrolment_id": first.enrolment_id},
            cohort_label=first.cohort.label,
            programme=first.cohort.programme.name(language),
            group_name=first.enrolment.organisation.name(language),
            urgency=urgency((day - today).days),
            due=day,
        ))
    return items


def cancelled_without_replacement(sessions: list[Session], today: date) -> list[AttentionItem]:
    """One item per cancelled session with no later one to make up for it (found in SQL by
    `_sessions`): the group misses that part of the course unless another date is found."""
    language = current_language()
    items = []
    for session in sessions:
        day = local_day(session.starts_at)
        items.append(AttentionItem(
            kind=Kind.CANCELLED_NOT_REPLACED,
            reason=_l("%(module)s on %(date)s is cancelled and no later session of it is "
                      "planned.", module=session.module.name(language), date=format_date(day)),
            action=_l("Plan a new date"),
            endpoint="schedule.create",
            # The new-session form filled in as the cohort page's "Plan a replacement" does.
            url_values={"cohort_id": session.cohort_id,
                        **replacement_for(session, today).as_args()},
            cohort_label=session.cohort.label,
            programme=session.cohort.programme.name(language),
            group_name=session.enrolment.organisation.name(language) if session.enrolment else None,
            urgency=urgency((day - today).days),
            due=day,
        ))
    return items


def items_for_current_cohorts(
    cohorts: dict[int, CurrentCohort],
    plans: dict[int, list[CourseModule]],
    groups: list[CurrentGroup],
    tallies: dict[int, AttendanceTally],
    sessions: list[Row],
    records: dict[tuple[int, int], ModuleProgress],
    today: date,
) -> list[AttentionItem]:
    """The items of the cohorts not yet past their end, from what was read beforehand: their
    course plans by programme, their groups, the groups' attendance tallies, the sessions as
    rows and the progress records. No statements."""
    sessions_by_cohort: dict[int, list[Row]] = defaultdict(list)
    for session in sessions:
        sessions_by_cohort[session.cohort_id].append(session)
    indexes = {cohort_id: index_sessions(rows) for cohort_id, rows in sessions_by_cohort.items()}
    start_of_today = _start_of(today)
    items: list[AttentionItem] = []
    language = current_language()
    for group in groups:
        enrolment = group.enrolment
        cohort = cohorts[enrolment.cohort_id].cohort
        if not enrolment.is_taking_part:
            continue
        days_left = (cohort.start_date - today).days
        cohort_sessions = sessions_by_cohort[cohort.id]

        def item(kind: Kind, reason: LazyString, action: LazyString, level: Urgency, due: date,
                 endpoint: str = "groups.detail") -> AttentionItem:
            return AttentionItem(
                kind=kind,
                reason=reason,
                action=action,
                endpoint=endpoint,
                url_values={"enrolment_id": enrolment.id},
                cohort_label=cohort.label,
                programme=cohort.programme.name(language),
                group_name=enrolment.organisation.name(language),
                urgency=level,
                due=due,
            )

        invited_on = local_day(group.last_change) if group.last_change is not None else None
        long_unanswered = (invited_on is not None
                           and (today - invited_on).days > INVITATION_REMINDER_DAYS)
        if enrolment.status is EnrolmentStatus.INVITED and (days_left <= SOON_DAYS or long_unanswered):
            if days_left > SOON_DAYS:
                reason = _l("The invitation has not been answered since %(since)s; the cohort "
                            "starts on %(date)s.", since=format_date(invited_on),
                            date=format_date(cohort.start_date))
            elif days_left > 0:
                reason = lazy_ngettext(
                    "The invitation is not answered, and the cohort starts in %(num)s day, on "
                    "%(date)s.",
                    "The invitation is not answered, and the cohort starts in %(num)s days, on "
                    "%(date)s.",
                    days_left, date=format_date(cohort.start_date))
            else:
                reason = _l("Still only invited, although the cohort started on %(date)s.",
                            date=format_date(cohort.start_date))
            items.append(item(Kind.STILL_INVITED, reason, _l("Change status"),
                              urgency(days_left), cohort.start_date, "groups.change_status"))
        if not group.has_top_leader:
            items.append(item(
                Kind.NO_TOP_LEADER,
                _l("The group has no top leader, and the cohort starts on %(date)s: every "
                   "group is a top leader and their management group.",
                   date=format_date(cohort.start_date)) if days_left > 0 else
                _l("The group has no top leader: every group is a top leader and their "
                   "management group."),
                _l("Add member"),
                urgency(days_left, urgent=TOP_LEADER_URGENT_DAYS, soon=None),
                cohort.start_date,
                "people.new_membership",
            ))
        # Before its cohort starts a group can be behind only on a module of which a session
        # began before today (the plan places every module from the start on): the course
        # plan's rule is asked only then. It reads only the sessions' group, module, status
        # and days: bare rows serve as well as sessions.
        behind = []
        if days_left <= 0 or any(s.starts_at < start_of_today and s.enrolment_id in (None, enrolment.id)
                                 for s in cohort_sessions):
            behind = [state.module.name(language) for state in states_of_group(
                enrolment.id, cohort.start_date, plans[cohort.programme_id],
                indexes.get(cohort.id, {}), records, today) if state.behind]
        if behind:
            items.append(item(
                Kind.BEHIND_PLAN,
                _l("Behind plan: not done although their time is past: %(modules)s.",
                   modules=", ".join(behind)),
                _l("Open the group"),
                Urgency.SOON,
                today,
            ))
        tally = tallies[enrolment.id]
        if tally.is_low():
            upcoming = next_session_day(enrolment, cohort_sessions, today)
            items.append(item(
                Kind.LOW_ATTENDANCE,
                low_attendance_reason(tally),
                _l("Open the group"),
                # Before the group's next session is when a word with its leader helps.
                Urgency.URGENT if upcoming and (upcoming - today).days <= URGENT_DAYS
                else Urgency.SOON,
                upcoming or today,
            ))

    for current in cohorts.values():
        cohort = current.cohort
        days_left = (cohort.start_date - today).days
        if (
            cohort.status(today) is CohortStatus.PLANNED
            and days_left <= FREE_PLACES_DAYS
            and current.taken < cohort.capacity
        ):
            items.append(AttentionItem(
                kind=Kind.FREE_PLACES,
                reason=lazy_ngettext(
                    "Starts in %(num)s day, on %(date)s, with %(groups)s of %(capacity)s places "
                    "taken.",
                    "Starts in %(num)s days, on %(date)s, with %(groups)s of %(capacity)s places "
                    "taken.",
                    days_left, date=format_date(cohort.start_date), groups=current.taken,
                    capacity=cohort.capacity),
                action=_l("Enrol a group"),
                endpoint="groups.create",
                url_values={"cohort_id": cohort.id},
                cohort_label=cohort.label,
                programme=cohort.programme.name(language),
                group_name=None,
                urgency=urgency(days_left),
                due=cohort.start_date,
            ))
    return items


def groups_not_marked_completed(cohorts: dict[int, tuple[Cohort, int]], today: date
                                ) -> list[AttentionItem]:
    """One item per cohort past its planned end with groups still confirmed or active: their
    final results are to be recorded and the groups marked completed, or the sector figures
    count them as still taking part. Soon for the first weeks after the end, later after that.
    `cohorts`: by id, each with how many of its groups are confirmed or active."""
    language = current_language()
    items = []
    for cohort, unfinished in cohorts.values():
        if not unfinished:
            continue
        end = cohort.planned_end
        items.append(AttentionItem(
            kind=Kind.NOT_MARKED_COMPLETED,
            reason=lazy_ngettext(
                "The cohort ended on %(date)s, but %(num)s group is not marked completed: record "
                "its final results and mark it completed.",
                "The cohort ended on %(date)s, but %(num)s groups are not marked completed: "
                "record their final results and mark them completed.",
                unfinished, date=format_date(end)),
            action=_l("Open the results"),
            endpoint="assessments.cohort",
            url_values={"cohort_id": cohort.id},
            cohort_label=cohort.label,
            programme=cohort.programme.name(language),
            group_name=None,
            urgency=Urgency.SOON if (today - end).days <= SOON_DAYS else Urgency.LATER,
            due=end,
        ))
    return items


def low_attendance_reason(tally) -> LazyString | str:
    """Why a group's attendance is low, in numbers: present of the marks judged, and, told
    apart, those absent without notice, those excused on the day or after, and those excused
    in advance (not counted)."""
    reason = lazy_ngettext(
        "Attendance is %(percent)s over %(num)s held session: %(present)s present of %(marked)s "
        "recorded (excused absence counts as not present).",
        "Attendance is %(percent)s over %(num)s held sessions: %(present)s present of %(marked)s "
        "recorded (excused absence counts as not present).",
        tally.held, percent=percent(tally.present, tally.judged), present=tally.present,
        marked=tally.judged)
    if not (tally.absent or tally.excused or tally.excused_in_advance):
        return reason
    # Every mark is told, so the numbers add up to those recorded.
    return _l("%(reason)s Absent without notice: %(absent)s; excused on the day or after: "
              "%(excused)s; excused in advance, not counted: %(in_advance)s.", reason=reason,
              absent=tally.absent, excused=tally.excused, in_advance=tally.excused_in_advance)


def next_session_day(enrolment: Enrolment, cohort_sessions: list[Row], today: date) -> date | None:
    """The first day, from `today` on, of a planned session the group is expected at (its
    cohort's joint sessions and its own); `cohort_sessions` are the cohort's, as rows."""
    days = [local_day(s.starts_at) for s in cohort_sessions
            if s.status is SessionStatus.PLANNED and s.enrolment_id in (None, enrolment.id)
            and local_day(s.starts_at) >= today]
    return min(days, default=None)
