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
import enum
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask import url_for
from flask_babel import LazyString, format_date, lazy_ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, or_, select, true
from sqlalchemy.orm import contains_eager, joinedload

from tracker.clock import local_day, oslo_time
from tracker.cohorts.models import Cohort, CohortStatus
from tracker.roles import Reader
from tracker.db_types import Labelled
from tracker.extensions import db
from tracker.groups.models import Enrolment, EnrolmentStatus, EnrolmentStatusChange
from tracker.i18n import current_language, percent
from tracker.people.models import MemberRole, Membership
from tracker.programmes.models import Programme
from tracker.progress.models import ModuleProgress
from tracker.progress.services import index_sessions, states_of_group
from tracker.schedule.attendance import expected_memberships, group_attendance
from tracker.schedule.models import AbsenceNotice, Attendance, Session, SessionStatus
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


class Kind(enum.Enum):
    STILL_INVITED = "still_invited"
    FREE_PLACES = "free_places"
    ATTENDANCE_NOT_RECORDED = "attendance_not_recorded"
    CANCELLED_NOT_REPLACED = "cancelled_not_replaced"
    WITHDRAWN_GROUP_SESSIONS = "withdrawn_group_sessions"
    LOW_ATTENDANCE = "low_attendance"
    BEHIND_PLAN = "behind_plan"
    NO_TOP_LEADER = "no_top_leader"
    NOT_MARKED_COMPLETED = "not_marked_completed"


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

    @property
    def url(self) -> str:
        return url_for(self.endpoint, **self.url_values)


def needs_attention(today: date, for_user: Reader | None = None) -> list[AttentionItem]:
    """Everything that needs attention on `today`: urgent first, then soon, then later; within
    each by date, cohort and group. In at most six statements, however much history there is:
    the cohorts that are current or still have unfinished groups; their sessions with those in
    the past left unrecorded and the withdrawn groups' still planned; the current cohorts'
    groups; the memberships; the progress records; the attendance marks.

    With `for_user`, only what they may see: a coordinator limited to some programmes hears
    only of those programmes' cohorts (`Cohort.visible_to`, `Session.visible_to`)."""
    current, finished = _cohorts(today, for_user)
    sessions, unrecorded, withdrawn = _sessions(today, current, for_user)
    # Groups first, with their organisations: the memberships below find them loaded.
    enrolments = _enrolments(current)
    held = [s for s in unrecorded if s.status is SessionStatus.HELD]
    memberships = _memberships(set(current) | {s.cohort_id for s in held})
    items = sessions_without_attendance(unrecorded, memberships, today)
    items += withdrawn_groups_sessions(withdrawn, today)
    if current:
        items += items_for_current_cohorts(current, enrolments, sessions, memberships, today)
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


def _cohorts(today: date, for_user: Reader | None
             ) -> tuple[dict[int, Cohort], dict[int, tuple[Cohort, int]]]:
    """The cohorts not yet past their planned end (by id), with programme and course plan
    joined, and the finished ones whose groups are not all marked completed (by id, with how
    many are not): the rest of history asks nothing of anyone. One statement."""
    unfinished = (select(func.count(Enrolment.id)).where(_unfinished_groups())
                  .correlate(Cohort).scalar_subquery())
    rows = db.session.execute(
        select(Cohort, unfinished.label("unfinished"))
        .where(_scope(Cohort, for_user),
               or_(Cohort.planned_end >= today, exists().where(_unfinished_groups())))
        .options(joinedload(Cohort.programme).joinedload(Programme.modules))
        .order_by(Cohort.id)
    ).unique().all()
    current = {c.id: c for c, _ in rows if c.status(today) is not CohortStatus.COMPLETED}
    finished = {c.id: (c, n) for c, n in rows if c.id not in current}
    return current, finished


def _sessions(today: date, current: dict[int, Cohort], for_user: Reader | None
              ) -> tuple[list[Session], list[Session], list[Session]]:
    """In one statement, with cohort, module and group (and its organisation) joined: every
    session of the current cohorts; and, of any cohort, those that ended before `today` with no
    attendance recorded (still planned, or held with an empty register; not a withdrawn
    group's own), and the withdrawn groups' own still planned. The history of sessions held and
    recorded is not read."""
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
    rows = db.session.execute(
        select(Session, unrecorded.label("unrecorded"), withdrawn.label("withdrawn"))
        .outerjoin(Session.enrolment)
        .where(or_(Session.cohort_id.in_(list(current)), unrecorded, withdrawn))
        .options(
            contains_eager(Session.enrolment).joinedload(Enrolment.organisation),
            joinedload(Session.cohort),
            joinedload(Session.module),
        )
        .order_by(Session.starts_at, Session.id)
    ).all()
    return ([s for s, _, _ in rows if s.cohort_id in current],
            [s for s, is_unrecorded, _ in rows if is_unrecorded],
            [s for s, _, is_withdrawn in rows if is_withdrawn])


def _enrolments(current: dict[int, Cohort]) -> list[tuple[Enrolment, datetime | None]]:
    """The current cohorts' groups with their organisations, each with when its status last
    changed (the last of its `status_history`). One statement, none without current cohorts."""
    if not current:
        return []
    last_change = (select(func.max(EnrolmentStatusChange.changed_at))
                   .where(EnrolmentStatusChange.enrolment_id == Enrolment.id)
                   .correlate(Enrolment).scalar_subquery())
    return [tuple(row) for row in db.session.execute(
        select(Enrolment, last_change.label("last_change"))
        .where(Enrolment.cohort_id.in_(list(current)))
        .options(joinedload(Enrolment.organisation))
        .order_by(Enrolment.id)
    )]


def _memberships(cohort_ids: set[int]) -> dict[int, list[Membership]]:
    """Every membership of the cohorts' groups (contacts too: a group without a top leader is
    an item of its own), with the group, by group. One statement, none without cohorts."""
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
            group_name=first.enrolment.organisation.name(language),
            urgency=urgency((day - today).days),
            due=day,
        ))
    return items


def cancelled_without_replacement(
    cohort: Cohort, sessions: list[Session], taking_part: dict[int, Enrolment], today: date,
) -> list[AttentionItem]:
    """Cancelled sessions of the cohort with no session of the same module for the same group
    (or joint) that is planned or held and starts after it: the group misses that part of the
    course unless another date is found. From the cohort's sessions, loaded beforehand."""
    later: dict[tuple[int, int | None], list[Session]] = defaultdict(list)
    for session in sessions:
        if session.status is not SessionStatus.CANCELLED:
            later[(session.module_id, session.enrolment_id)].append(session)
    language = current_language()
    items = []
    for session in sessions:
        if session.status is not SessionStatus.CANCELLED:
            continue
        if session.enrolment_id is not None and session.enrolment_id not in taking_part:
            continue  # a withdrawn group's: nothing to replace
        if any(other.starts_at > session.starts_at
               for other in later[(session.module_id, session.enrolment_id)]):
            continue
        day = local_day(session.starts_at)
        group = taking_part.get(session.enrolment_id)
        items.append(AttentionItem(
            kind=Kind.CANCELLED_NOT_REPLACED,
            reason=_l("%(module)s on %(date)s is cancelled and no later session of it is "
                      "planned.", module=session.module.name(language), date=format_date(day)),
            action=_l("Plan a new date"),
            endpoint="schedule.create",
            # The new-session form filled in as the cohort page's "Plan a replacement" does.
            url_values={"cohort_id": cohort.id, **replacement_for(session, today).as_args()},
            cohort_label=cohort.label,
            group_name=group.organisation.name(language) if group else None,
            urgency=urgency((day - today).days),
            due=day,
        ))
    return items


def items_for_current_cohorts(
    cohorts: dict[int, Cohort],
    enrolments: list[tuple[Enrolment, datetime | None]],
    sessions: list[Session],
    memberships: dict[int, list[Membership]],
    today: date,
) -> list[AttentionItem]:
    """The items of the cohorts not yet past their end, from their groups (each with when its
    status last changed), sessions and memberships loaded beforehand: two more statements, the
    progress records and the attendance marks."""
    ids = list(cohorts)
    sessions_by_cohort: dict[int, list[Session]] = defaultdict(list)
    for session in sessions:
        sessions_by_cohort[session.cohort_id].append(session)
    records = {
        (r.enrolment_id, r.module_id): r
        for r in db.session.scalars(
            select(ModuleProgress)
            .join(Enrolment, ModuleProgress.enrolment_id == Enrolment.id)
            .where(Enrolment.cohort_id.in_(ids))
        )
    }
    # With each mark, whether a notice of absence was given before the session: excused in
    # advance is not held against the group (`AttendanceTally.is_low`).
    marks, notices = {}, set()
    for row in db.session.execute(
        select(Attendance.session_id, Attendance.person_id, Attendance.status,
               AbsenceNotice.id.label("notice_id"))
        .join(Session, Attendance.session_id == Session.id)
        .outerjoin(AbsenceNotice, and_(AbsenceNotice.session_id == Attendance.session_id,
                                       AbsenceNotice.person_id == Attendance.person_id))
        .where(Session.cohort_id.in_(ids), Session.status == SessionStatus.HELD)
    ):
        marks[(row.session_id, row.person_id)] = row.status
        if row.notice_id is not None:
            notices.add((row.session_id, row.person_id))

    items: list[AttentionItem] = []
    taking_part: dict[int, dict[int, Enrolment]] = defaultdict(dict)
    language = current_language()
    for enrolment, last_change in enrolments:
        cohort = cohorts[enrolment.cohort_id]
        if not enrolment.is_taking_part:
            continue
        taking_part[cohort.id][enrolment.id] = enrolment
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
                group_name=enrolment.organisation.name(language),
                urgency=level,
                due=due,
            )

        invited_on = local_day(last_change) if last_change is not None else None
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
        if not has_top_leader(memberships[enrolment.id], today):
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
        states = states_of_group(
            enrolment.id,
            cohort.start_date,
            cohort.programme.modules,
            index_sessions(cohort_sessions),
            records,
            today,
        )
        behind = [s.module.name(language) for s in states if s.behind]
        if behind:
            items.append(item(
                Kind.BEHIND_PLAN,
                _l("Behind plan: not done although their time is past: %(modules)s.",
                   modules=", ".join(behind)),
                _l("Open the group"),
                Urgency.SOON,
                today,
            ))
        tally = group_attendance(enrolment, cohort_sessions, memberships[enrolment.id], marks,
                                 notices)
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

    for cohort in cohorts.values():
        items += cancelled_without_replacement(
            cohort, sessions_by_cohort[cohort.id], taking_part[cohort.id], today)
        days_left = (cohort.start_date - today).days
        taken = len(taking_part[cohort.id])
        if (
            cohort.status(today) is CohortStatus.PLANNED
            and days_left <= FREE_PLACES_DAYS
            and taken < cohort.capacity
        ):
            items.append(AttentionItem(
                kind=Kind.FREE_PLACES,
                reason=lazy_ngettext(
                    "Starts in %(num)s day, on %(date)s, with %(groups)s of %(capacity)s places "
                    "taken.",
                    "Starts in %(num)s days, on %(date)s, with %(groups)s of %(capacity)s places "
                    "taken.",
                    days_left, date=format_date(cohort.start_date), groups=taken,
                    capacity=cohort.capacity),
                action=_l("Enrol a group"),
                endpoint="groups.create",
                url_values={"cohort_id": cohort.id},
                cohort_label=cohort.label,
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
            group_name=None,
            urgency=Urgency.SOON if (today - end).days <= SOON_DAYS else Urgency.LATER,
            due=end,
        ))
    return items


def low_attendance_reason(tally) -> LazyString | str:
    """Why a group's attendance is low, in numbers: present of the marks judged, and, told
    apart, those absent without notice and those excused in advance (not counted)."""
    reason = lazy_ngettext(
        "Attendance is %(percent)s over %(num)s held session: %(present)s present of %(marked)s "
        "recorded (excused absence counts as not present).",
        "Attendance is %(percent)s over %(num)s held sessions: %(present)s present of %(marked)s "
        "recorded (excused absence counts as not present).",
        tally.held, percent=percent(tally.present, tally.judged), present=tally.present,
        marked=tally.judged)
    if not (tally.absent or tally.excused_in_advance):
        return reason
    return _l("%(reason)s Absent without notice: %(absent)s; excused in advance, not counted: "
              "%(in_advance)s.", reason=reason, absent=tally.absent,
              in_advance=tally.excused_in_advance)


def next_session_day(enrolment: Enrolment, cohort_sessions: list[Session], today: date) -> date | None:
    """The first day, from `today` on, of a planned session the group is expected at."""
    days = [local_day(s.starts_at) for s in cohort_sessions
            if s.status is SessionStatus.PLANNED and s.is_for_group(enrolment)
            and local_day(s.starts_at) >= today]
    return min(days, default=None)


def has_top_leader(memberships, today: date) -> bool:
    """Whether the group has a top leader who has not left by `today`.

    One who joins later counts: a group in a cohort yet to start names its leader ahead.
    """
    return any(
        m.role is MemberRole.TOP_LEADER and m.not_left_by(today)
        for m in memberships
    )
