"""What needs a coordinator's attention today, across every cohort, in a fixed number of queries.

Only planned and running cohorts raise items, except for sessions in the past that are still
marked planned: those are bookkeeping to finish in any cohort.
"""
import enum
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask import url_for
from flask_babel import LazyString, format_date, lazy_ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker.cohorts.models import Cohort, CohortStatus
from tracker.db_types import Labelled
from tracker.extensions import db
from tracker.groups.models import Enrolment, EnrolmentStatus
from tracker.people.models import MemberRole, Membership
from tracker.i18n import current_language, percent
from tracker.programmes.models import CourseModule
from tracker.progress.models import ModuleProgress
from tracker.progress.services import index_sessions, states_of_group
from tracker.schedule.models import Attendance, Session, SessionStatus
from tracker.schedule.attendance import group_attendance
from tracker.schedule.sessions import past_and_still_planned

# A cohort that is not full this close to its start needs another group, quickly.
CAPACITY_WARNING_DAYS = 28


class Severity(Labelled):
    HIGH = 1
    MEDIUM = 2

    __labels__ = {1: _l("Urgent"), 2: _l("To do")}
    __colours__ = {1: "danger", 2: "warning"}


class Kind(enum.Enum):
    BEHIND_PLAN = "behind_plan"
    LOW_ATTENDANCE = "low_attendance"
    NO_TOP_LEADER = "no_top_leader"
    BELOW_CAPACITY = "below_capacity"
    PAST_SESSIONS_PLANNED = "past_sessions_planned"
    STILL_INVITED = "still_invited"


@dataclass(frozen=True)
class AttentionItem:
    kind: Kind
    reason: LazyString
    endpoint: str
    url_values: dict = field(hash=False)
    cohort_label: str
    group_name: str | None
    severity: Severity
    # For ordering: the cohort's start, so the nearest course comes first.
    cohort_start: date

    @property
    def url(self) -> str:
        return url_for(self.endpoint, **self.url_values)


def needs_attention(today: date) -> list[AttentionItem]:
    """Everything that needs attention on `today`: urgent first, then by cohort and group."""
    cohorts = db.session.scalars(select(Cohort).options(selectinload(Cohort.programme))).all()
    items = past_sessions_still_planned(cohorts, today)
    current = {c.id: c for c in cohorts if c.status(today) is not CohortStatus.COMPLETED}
    if current:
        items += items_for_current_cohorts(current, today)
    return sorted(
        items,
        key=lambda i: (i.severity.value, i.cohort_start, i.cohort_label, i.group_name or "",
                       i.kind.value),
    )


def past_sessions_still_planned(cohorts: list[Cohort], today: date) -> list[AttentionItem]:
    """One item per cohort with sessions that ended before `today` but are still planned."""
    counts = dict(
        db.session.execute(
            select(Session.cohort_id, func.count(Session.id))
            .where(past_and_still_planned(today))
            .group_by(Session.cohort_id)
        ).all()
    )
    return [
        AttentionItem(
            kind=Kind.PAST_SESSIONS_PLANNED,
            reason=lazy_ngettext(
                "%(num)s session in the past is still marked as planned: record it as held or "
                "cancelled.",
                "%(num)s sessions in the past are still marked as planned: record them as held "
                "or cancelled.",
                counts[cohort.id],
            ),
            endpoint="cohorts.detail",
            url_values={"cohort_id": cohort.id},
            cohort_label=cohort.label,
            group_name=None,
            severity=Severity.MEDIUM,
            cohort_start=cohort.start_date,
        )
        for cohort in cohorts
        if counts.get(cohort.id)
    ]


def items_for_current_cohorts(cohorts: dict[int, Cohort], today: date) -> list[AttentionItem]:
    ids = list(cohorts)
    enrolments = db.session.scalars(
        select(Enrolment)
        .where(Enrolment.cohort_id.in_(ids))
        .options(selectinload(Enrolment.organisation))
        .order_by(Enrolment.id)
    ).all()
    modules_by_programme: dict[int, list[CourseModule]] = defaultdict(list)
    for module in db.session.scalars(
        select(CourseModule)
        .where(CourseModule.programme_id.in_({c.programme_id for c in cohorts.values()}))
        .order_by(CourseModule.position)
    ):
        modules_by_programme[module.programme_id].append(module)
    sessions = db.session.scalars(select(Session).where(Session.cohort_id.in_(ids))).all()
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
    # Every membership, contacts too: a group without a top leader is an item of its own.
    # Their groups are loaded above, so `membership.enrolment` asks no query.
    memberships: dict[int, list[Membership]] = defaultdict(list)
    for membership in db.session.scalars(
        select(Membership)
        .join(Enrolment, Membership.enrolment_id == Enrolment.id)
        .where(Enrolment.cohort_id.in_(ids))
        .order_by(Membership.id)
    ):
        memberships[membership.enrolment_id].append(membership)
    marks = {
        (row.session_id, row.person_id): row.status
        for row in db.session.execute(
            select(Attendance.session_id, Attendance.person_id, Attendance.status)
            .join(Session, Attendance.session_id == Session.id)
            .where(Session.cohort_id.in_(ids), Session.status == SessionStatus.HELD)
        )
    }

    items: list[AttentionItem] = []
    taking_part: dict[int, int] = defaultdict(int)
    language = current_language()
    for enrolment in enrolments:
        cohort = cohorts[enrolment.cohort_id]
        if not enrolment.is_taking_part:
            continue
        taking_part[cohort.id] += 1

        def item(kind: Kind, reason: LazyString, severity: Severity) -> AttentionItem:
            return AttentionItem(
                kind=kind,
                reason=reason,
                endpoint="groups.detail",
                url_values={"enrolment_id": enrolment.id},
                cohort_label=cohort.label,
                group_name=enrolment.organisation.name(language),
                severity=severity,
                cohort_start=cohort.start_date,
            )

        if enrolment.status is EnrolmentStatus.INVITED and today >= cohort.start_date:
            items.append(item(
                Kind.STILL_INVITED,
                _l("Still only invited, although the cohort started on %(date)s.",
                   date=format_date(cohort.start_date)),
                Severity.HIGH,
            ))
        if not has_top_leader(memberships[enrolment.id], today):
            items.append(item(
                Kind.NO_TOP_LEADER,
                _l("The group has no top leader: every group is a top leader and their "
                   "management group."),
                Severity.HIGH,
            ))
        cohort_sessions = sessions_by_cohort[cohort.id]
        states = states_of_group(
            enrolment.id,
            cohort.start_date,
            modules_by_programme[cohort.programme_id],
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
                Severity.MEDIUM,
            ))
        tally = group_attendance(enrolment, cohort_sessions, memberships[enrolment.id], marks)
        if tally.is_low():
            items.append(item(
                Kind.LOW_ATTENDANCE,
                lazy_ngettext("Attendance is %(percent)s over %(num)s held session: %(present)s "
                              "present of %(marked)s recorded (excused absence counts as not present).",
                              "Attendance is %(percent)s over %(num)s held sessions: %(present)s "
                              "present of %(marked)s recorded (excused absence counts as not present).",
                              tally.held, percent=percent(tally.present, tally.marked),
                              present=tally.present, marked=tally.marked),
                Severity.MEDIUM,
            ))

    for cohort in cohorts.values():
        days_left = (cohort.start_date - today).days
        if (
            cohort.status(today) is CohortStatus.PLANNED
            and days_left <= CAPACITY_WARNING_DAYS
            and taking_part[cohort.id] < cohort.capacity
        ):
            items.append(AttentionItem(
                kind=Kind.BELOW_CAPACITY,
                reason=_l("Starts in %(days)s days with %(groups)s of %(capacity)s places taken.",
                          days=days_left, groups=taking_part[cohort.id],
                          capacity=cohort.capacity),
                endpoint="cohorts.detail",
                url_values={"cohort_id": cohort.id},
                cohort_label=cohort.label,
                group_name=None,
                severity=Severity.HIGH,
                cohort_start=cohort.start_date,
            ))
    return items


def has_top_leader(memberships, today: date) -> bool:
    """Whether the group has a top leader who has not left by `today`.

    One who joins later counts: a group in a cohort yet to start names its leader ahead.
    """
    return any(
        m.role is MemberRole.TOP_LEADER and (m.left_on is None or m.left_on >= today)
        for m in memberships
    )
