"""Proposals from the course plan: the sessions a cohort still needs, placed on working days.

A coordinator sees the proposal, unticks what to leave out and accepts it; accepting checks
that the proposal made again is the one shown (`proposal_fingerprint`).
"""
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, exists, select
from sqlalchemy.orm import contains_eager, selectinload

from tracker.clock import local_day, oslo_time
from tracker.cohorts.models import Cohort
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.organisations.models import Organisation
from tracker.programmes.models import CourseModule
from tracker.schedule.models import Session, SessionStatus
from tracker.schedule.warnings import Scheduled, Warning, WarningKind, collisions, shares_people
from tracker.working_days import (
    CLOSED_MONTHS,
    HALF_DAY_ENDS,
    avoided_break,
    every_day,
    is_half_day,
    is_working_day,
    meeting_days,
    norwegian_public_holidays,
)

# Where the joint gatherings are held: Difi's address at the time.
JOINT_LOCATION = "Difi, Grev Wedels plass 9, Oslo"


@dataclass
class ProposedSession:
    """A session not in the schedule yet: one the course plan calls for that the cohort does
    not have, or one a coordinator is creating (`create_session` checks it for collisions
    before it exists)."""

    module: CourseModule
    enrolment: Enrolment | None
    starts_at: datetime
    ends_at: datetime
    warnings: list[Warning] = field(default_factory=list)
    cohort: Cohort | None = None

    @property
    def is_joint(self) -> bool:
        return self.enrolment is None

    @property
    def key(self) -> str:
        """Which proposal this is, the same each time the plan is proposed: module and group."""
        return f"{self.module.id}_{self.enrolment.id if self.enrolment else 'joint'}"

    @property
    def location(self) -> str:
        return session_location(self.enrolment)

    @property
    def outside_course(self) -> bool:
        return any(w.kind is WarningKind.OUTSIDE_COURSE for w in self.warnings)


def session_location(enrolment: Enrolment | None) -> str:
    """Joint sessions are at Difi; a group meets in its own organisation."""
    if enrolment is None:
        return JOINT_LOCATION
    organisation = enrolment.organisation
    return f"Hos {organisation.short_label('nb')}"


def _ident(record: object | None) -> object:
    """A record's identity: its id once it has one, else the object itself."""
    if record is None:
        return None
    record_id = getattr(record, "id", None)
    return (type(record).__name__, record_id) if record_id is not None else record


def _blocking(proposal: ProposedSession, starts_at: datetime, ends_at: datetime,
              not_before: datetime, placed: Sequence[Scheduled]) -> Warning | None:
    """Why a proposal cannot go at these times, or None when it can."""
    first = local_day(starts_at)
    if not is_working_day(first):
        if first.month in CLOSED_MONTHS:
            return Warning(WarningKind.JULY, first)
        if first in norwegian_public_holidays(first.year):
            return Warning(WarningKind.HOLIDAY, first)
        return Warning(WarningKind.WEEKEND, first)
    if starts_at < not_before:
        return Warning(WarningKind.AFTER_PREVIOUS, local_day(not_before))
    days = meeting_days(starts_at, ends_at)
    # A session of several days is not split by the summer: it would end in August.
    july = [day for day in every_day(first, days[-1]) if day.month in CLOSED_MONTHS]
    if july:
        return Warning(WarningKind.JULY, july[0])
    for day in days:
        if is_half_day(day) and ends_at > oslo_time(day, HALF_DAY_ENDS):
            return Warning(WarningKind.HALF_DAY, day)
    for other in placed:
        if other.starts_at < ends_at and other.ends_at > starts_at and shares_people(proposal, other):
            return Warning(WarningKind.OVERLAP, local_day(other.starts_at), other=other)
    return None


def _break_of(starts_at: datetime, ends_at: datetime) -> Warning | None:
    """The first day of these times in a break proposals keep clear of, as a warning."""
    for day in meeting_days(starts_at, ends_at):
        if (school := avoided_break(day)) is not None:
            return Warning(WarningKind.SCHOOL_BREAK, day, school=school)
    return None


def _place(proposal: ProposedSession, planned_day: date, not_before: datetime,
           placed: Sequence[Scheduled], *, avoid_breaks: bool
           ) -> tuple[date, datetime, datetime, Warning | None]:
    """The first day from `planned_day` on that the proposal can go: its day, times, and why it
    left its planned day (None when it did not, or only to leave a day to another group)."""
    module = proposal.module
    # The days other groups' sessions of this module start on: a group's own sessions are
    # spread, one group a day, rather than all at the same hour.
    others_days = {local_day(p.starts_at) for p in placed
                   if p.enrolment is not None and proposal.enrolment is not None
                   and _ident(p.module) == _ident(module)
                   and getattr(p, "status", None) is not SessionStatus.CANCELLED}
    day, cause, spread = planned_day, None, False
    while True:
        starts_at, ends_at = module.planned_times(day)
        blocking = _blocking(proposal, starts_at, ends_at, not_before, placed)
        if blocking is None and avoid_breaks:
            blocking = _break_of(starts_at, ends_at)
        if blocking is None:
            if proposal.enrolment is None or day not in others_days:
                return day, starts_at, ends_at, cause
            spread = True
        elif not spread:
            cause = cause or blocking
        day = max(day + timedelta(days=1), local_day(not_before))


def propose_sessions(
    cohort: Cohort,
    modules: Iterable[CourseModule],
    enrolments: Iterable[Enrolment],
    existing: Iterable[Session],
) -> list[ProposedSession]:
    """Every session the course plan calls for that the cohort does not have yet, placed.

    Joint modules once for the cohort, group modules once for each group not withdrawn, in the
    plan's order. Each goes on its week after the cohort's start, moved on to the first day
    that is a working day (not a weekend, a public holiday or in July), where it does not run
    past 12:00 on a half-day, does not overlap a session with the same people, and starts after
    the previous module of its group has ended (joint modules count for every group); each move
    is explained in its warnings. After the first week it is moved out of Christmas and New
    Year, Easter week and the winter and autumn breaks (`avoided_break`) too, unless that would
    take it past the cohort's planned end: then it stays, with a warning that the plan leaves
    no room. The
    groups' own sessions of a module are spread, one group a day. Dates after the planned end
    are warned of, never moved for. A session the cohort has, even a cancelled one, is not
    proposed again. Pure: reads only what it is given and writes nothing.
    """
    modules = sorted(modules, key=lambda m: (m.position, m.offset_weeks))
    groups = [e for e in enrolments if e.is_taking_part]
    existing = list(existing)
    scheduled: dict[tuple[object, object], list[Session]] = {}
    for session in existing:
        scheduled.setdefault((_ident(session.module), _ident(session.enrolment)), []).append(session)
    placed: list[Scheduled] = [s for s in existing if s.status is not SessionStatus.CANCELLED]
    # When each track's latest session in the plan so far ends: the joint track is None, a
    # group's track is its enrolment's identity. A joint session ends a step for every group.
    course_start = oslo_time(cohort.start_date, time(0))
    free_from: dict[object, datetime] = {}

    def tracks_of(group: Enrolment | None) -> list[object]:
        return [None, *(_ident(g) for g in groups)] if group is None else [_ident(group)]

    def step_done(group: Enrolment | None, ends_at: datetime) -> None:
        for track in tracks_of(group):
            free_from[track] = max(free_from.get(track, course_start), ends_at)

    proposals: list[ProposedSession] = []
    for module in modules:
        for group in [None] if module.is_joint else groups:
            found = scheduled.get((_ident(module), _ident(group)))
            if found is not None:
                for session in found:
                    if session.status is not SessionStatus.CANCELLED:
                        step_done(group, session.ends_at)
                continue
            not_before = max(free_from.get(track, course_start) for track in tracks_of(group))
            planned_day = module.planned_start(cohort.start_date)
            starts_at, ends_at = module.planned_times(planned_day)
            proposal = ProposedSession(module, group, starts_at, ends_at, cohort=cohort)
            # The course's first week is the cohort's own start date, chosen on purpose even
            # in a break; every later module keeps clear of the breaks.
            day, starts_at, ends_at, cause = _place(proposal, planned_day, not_before, placed,
                                                    avoid_breaks=module.offset_weeks > 0)
            no_room = None
            if local_day(ends_at) > cohort.planned_end:
                # Keeping clear of a break would end the course late: the break it is, then.
                in_break = _place(proposal, planned_day, not_before, placed, avoid_breaks=False)
                if in_break[1] < starts_at:
                    day, starts_at, ends_at, cause = in_break
                    no_room = _break_of(starts_at, ends_at)
            proposal.starts_at, proposal.ends_at = starts_at, ends_at
            if day != planned_day and cause is not None:
                proposal.warnings.append(Warning(WarningKind.MOVED, day, cause=cause))
            if no_room is not None:
                proposal.warnings.append(Warning(WarningKind.NO_ROOM, no_room.day,
                                                 school=no_room.school))
            proposal.warnings.extend(collisions(proposal, starts_at, ends_at, others=placed))
            proposals.append(proposal)
            placed.append(proposal)
            step_done(group, ends_at)
    return proposals


def course_plan(cohort: Cohort) -> Select[tuple[CourseModule]]:
    """The modules of the cohort's programme, in the plan's order."""
    return (
        select(CourseModule)
        .where(CourseModule.programme_id == cohort.programme_id)
        .order_by(CourseModule.position)
    )


def proposal_for(cohort: Cohort) -> list[ProposedSession]:
    """What the course plan still calls for in this cohort, placed (see `propose_sessions`);
    loaded in a fixed number of queries."""
    modules = db.session.scalars(course_plan(cohort)).all()
    enrolments = db.session.scalars(
        select(Enrolment)
        .join(Enrolment.organisation)
        .where(Enrolment.cohort_id == cohort.id)
        .options(selectinload(Enrolment.organisation))
        .order_by(Organisation.name_nb)
    ).all()
    existing = db.session.scalars(
        select(Session)
        .where(Session.cohort_id == cohort.id)
        .options(
            selectinload(Session.module),
            selectinload(Session.enrolment).selectinload(Enrolment.organisation),
        )
        .order_by(Session.starts_at, Session.id)
    ).all()
    return propose_sessions(cohort, modules, enrolments, existing)


def waits_for_enrolment(cohort: Cohort) -> bool:
    """Whether the course plan has modules for groups and the cohort has no group taking part
    yet: the proposal then holds the joint sessions only, and says so."""
    has_group_modules = db.session.scalar(
        select(CourseModule.id).where(CourseModule.programme_id == cohort.programme_id,
                                      CourseModule.is_joint.is_(False)).limit(1)
    )
    taking_part = db.session.scalar(
        select(Enrolment.id).where(Enrolment.cohort_id == cohort.id, Enrolment.is_taking_part)
        .limit(1)
    )
    return has_group_modules is not None and taking_part is None


def groups_without_sessions(cohort: Cohort) -> list[Enrolment]:
    """The cohort's groups taking part that have none of their own sessions yet, when the
    course plan has modules for groups: a cohort proposed before any group was enrolled gets
    its joint sessions only, and the page offers the groups' sessions again once they are."""
    # One statement: the course plan's condition is an EXISTS beside the groups' own.
    has_group_modules = exists().where(CourseModule.programme_id == cohort.programme_id,
                                       CourseModule.is_joint.is_(False))
    with_sessions = select(Session.enrolment_id).where(Session.cohort_id == cohort.id,
                                                       Session.enrolment_id.is_not(None))
    return list(db.session.scalars(
        select(Enrolment)
        .join(Enrolment.organisation)
        .where(has_group_modules, Enrolment.cohort_id == cohort.id, Enrolment.is_taking_part,
               Enrolment.id.not_in(with_sessions))
        .options(contains_eager(Enrolment.organisation))
        .order_by(Organisation.name_nb)
    ))


def proposal_fingerprint(proposals: Iterable[ProposedSession]) -> str:
    """What a proposal was when shown: its sessions and their times. Accepting it checks that
    the proposal made again is still the same, so nothing is created that was not shown."""
    text = "|".join(
        f"{p.key}@{p.starts_at.isoformat()}/{p.ends_at.isoformat()}" for p in proposals
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class ProposalChanged(DomainError):
    """The proposal made now is not the one the coordinator accepted."""

    def __init__(self):
        super().__init__(_l("The proposal changed after you opened it: someone added sessions "
                            "or groups. Nothing is saved. Check the new proposal below and "
                            "accept it again."))


def accept_proposal(cohort: Cohort, proposals: Sequence[ProposedSession], accepted_keys: Iterable[str],
                    fingerprint: str | None) -> list[Session]:
    """Create the accepted proposed sessions, planned, at the place each kind is held.

    :raise ProposalChanged: when `fingerprint` is not that of `proposals` (made again now).
    :raise DomainError: when none is accepted.
    """
    if fingerprint != proposal_fingerprint(proposals):
        raise ProposalChanged()
    accepted_keys = set(accepted_keys)
    chosen = [p for p in proposals if p.key in accepted_keys]
    if not chosen:
        raise DomainError(_l("Tick at least one session to create, or cancel."))
    created = [
        Session(cohort=cohort, enrolment=p.enrolment, module=p.module, starts_at=p.starts_at,
                ends_at=p.ends_at, location=p.location, status=SessionStatus.PLANNED)
        for p in chosen
    ]
    db.session.add_all(created)
    db.session.flush()
    return created
