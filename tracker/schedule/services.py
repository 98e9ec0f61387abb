"""Rules about sessions: when they are, what they collide with, and who is expected."""
import enum
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import TYPE_CHECKING, Protocol

import holidays
from dateutil.easter import easter
from flask import abort
from flask_babel import format_date, format_datetime, gettext as _, lazy_gettext as _l
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified

from tracker import clock
from tracker.clock import OSLO, local_day, oslo_time
from tracker.cohorts.models import Cohort
from tracker.concurrency import check_version
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.people.models import MemberRole, Membership, Person
from tracker.organisations.models import Organisation
from tracker.programmes.models import CourseModule
from tracker.schedule.models import Attendance, AttendanceStatus, Session, SessionStatus

if TYPE_CHECKING:
    from tracker.users.models import User

# Sessions start at nine in the morning, Oslo time, like a working day in the state.
SESSION_START = time(9, 0)
# The common holiday (fellesferie) is three weeks in July; which three varies, so nothing is
# planned in July at all.
CLOSED_MONTHS = frozenset({7})
# Christmas Eve, New Year's Eve and the Wednesday before Easter end at 12:00 in the state.
HALF_DAY_ENDS = time(12, 0)
# Where the joint gatherings are held: Difi's address at the time.
JOINT_LOCATION = "Difi, Grev Wedels plass 9, Oslo"
# Who is expected at a session: the top leader and the members. The contact person arranges
# things for the group (dates, rooms, the survey) but is not in the management group, so is
# not expected and gets no attendance record.
EXPECTED_ROLES = frozenset({MemberRole.TOP_LEADER, MemberRole.MEMBER})


def sessions_of_cohort(cohort: Cohort, for_user: "User") -> Select[tuple[Session]]:
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


def get_session_or_404(session_id: int, for_user: "User") -> Session:
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


# The calendar


@cache
def norwegian_public_holidays(year: int) -> frozenset[date]:
    """Norway's public holidays in `year` (Easter, 17 May, Whitsun, Christmas and the rest)."""
    return frozenset(holidays.country_holidays("NO", years=year))


@cache
def _holiday_names(year: int, language: str) -> dict[date, str]:
    return dict(holidays.country_holidays("NO", years=year, language=language))


def holiday_name(day: date, locale: str) -> str:
    """What the public holiday on `day` is called, in English for "en" and bokmål otherwise."""
    return _holiday_names(day.year, "en_US" if locale == "en" else "no").get(day, "")


def is_working_day(day: date) -> bool:
    """True for a weekday that is neither a Norwegian public holiday nor in July."""
    return (
        day.weekday() < 5
        and day.month not in CLOSED_MONTHS
        and day not in norwegian_public_holidays(day.year)
    )


def next_working_day(day: date) -> date:
    """`day` itself when it is a working day, else the first working day after it.

    Weekends, Norwegian public holidays and all of July are skipped, so a date in July becomes
    the first working day of August.
    """
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def session_times(day: date, module: CourseModule) -> tuple[datetime, datetime]:
    """When a session of `module` starting on `day` begins and ends, as aware Oslo times.

    It begins at 09:00 on `day`, taken as given (place it with `next_working_day` first), and
    ends `module.hours_per_day` hours after 09:00 on its last day: a module of several days
    runs on that many working days, so a two-day module that begins on a Friday ends on Monday.
    """
    last_day = day
    for _day in range(module.duration_days - 1):
        last_day = next_working_day(last_day + timedelta(days=1))
    starts_at = datetime.combine(day, SESSION_START, tzinfo=OSLO)
    ends_at = datetime.combine(last_day, SESSION_START, tzinfo=OSLO) + timedelta(
        hours=module.hours_per_day
    )
    return starts_at, ends_at


def is_half_day(day: date) -> bool:
    """Christmas Eve, New Year's Eve and the Wednesday before Easter: the state closes at 12:00."""
    return (day.month, day.day) in ((12, 24), (12, 31)) or day == easter(day.year) - timedelta(days=4)


class SchoolBreak(enum.Enum):
    WINTER = "winter"
    AUTUMN = "autumn"
    EASTER = "easter"
    CHRISTMAS = "christmas"


def school_break(day: date) -> SchoolBreak | None:
    """The school break `day` falls in, if any: winter break (weeks 8 and 9), autumn break
    (weeks 40 and 41), Easter week (the week of Easter Sunday) or Christmas (20 Dec–2 Jan).

    Schools in different counties take different weeks, so both candidate weeks count.
    """
    if (day.month == 12 and day.day >= 20) or (day.month == 1 and day.day <= 2):
        return SchoolBreak.CHRISTMAS
    week = day.isocalendar().week
    if week in (8, 9):
        return SchoolBreak.WINTER
    if week in (40, 41):
        return SchoolBreak.AUTUMN
    easter_sunday = easter(day.year)
    if easter_sunday - timedelta(days=6) <= day <= easter_sunday:
        return SchoolBreak.EASTER
    return None


def meeting_days(starts_at: datetime, ends_at: datetime) -> list[date]:
    """The days a session meets on: its first and last day, and the working days between.

    A session of several days skips the weekends, holidays and July days between its first and
    last day, as `session_times` plans it; only its own first and last day may be such days.
    """
    first = local_day(starts_at)
    last_moment = ends_at.astimezone(OSLO)
    last = last_moment.date()
    if last_moment.time() == time(0) and last > first:
        last -= timedelta(days=1)  # ends at midnight: the day before was its last
    days = [first]
    day = first + timedelta(days=1)
    while day < last:
        if is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
    if last > first:
        days.append(last)
    return days


# Warnings


class WarningKind(enum.Enum):
    HOLIDAY = "holiday"
    JULY = "july"
    WEEKEND = "weekend"
    HALF_DAY = "half_day"
    OVERLAP = "overlap"
    SCHOOL_BREAK = "school_break"
    OUTSIDE_COURSE = "outside_course"
    AFTER_PREVIOUS = "after_previous"  # a proposal waits for the previous step of its group
    MOVED = "moved"  # a proposal moved off the course plan's date, with the cause


# Named as the brief names it; inside this module it hides Python's built-in Warning class,
# which nothing here uses.
@dataclass(frozen=True)
class Warning:  # noqa: A001
    """Something a coordinator should know about a session's time; it never refuses a save.

    The text is made when shown (`str(warning)`), in the reader's language.
    """

    kind: WarningKind
    day: date | None = None
    school: SchoolBreak | None = None
    other: object | None = field(default=None, compare=False)  # the session it overlaps
    cause: "Warning | None" = None  # why a proposal was moved
    course: tuple[date, date] | None = None  # the cohort's start and planned end

    @property
    def key(self) -> str:
        """What identifies this warning, to tell whether the warnings a user saw are these."""
        other = self.other
        other_key = ""
        if other is not None:
            other_key = str(getattr(other, "id", None) or id(other))
        return ":".join((
            self.kind.name, self.day.isoformat() if self.day else "",
            self.school.name if self.school else "", other_key,
            self.cause.key if self.cause else "",
        ))

    def __str__(self) -> str:
        from tracker.i18n import current_language

        day = format_date(self.day, "full") if self.day else ""
        kind = self.kind
        if kind is WarningKind.HOLIDAY:
            return _("%(day)s is a public holiday in Norway (%(name)s).",
                     day=day, name=holiday_name(self.day, current_language()))
        if kind is WarningKind.JULY:
            return _("%(day)s is in July, the common summer holiday (fellesferie), when nothing "
                     "is planned.", day=day)
        if kind is WarningKind.WEEKEND:
            return _("%(day)s is a weekend day.", day=day)
        if kind is WarningKind.HALF_DAY:
            return _("%(day)s ends at 12:00 in the state, and the session runs past 12:00.",
                     day=day)
        if kind is WarningKind.OVERLAP:
            return _("It overlaps another session: %(session)s.", session=describe(self.other))
        if kind is WarningKind.SCHOOL_BREAK:
            names = {
                SchoolBreak.WINTER: _("the winter school break (week 8 or 9)"),
                SchoolBreak.AUTUMN: _("the autumn school break (week 40 or 41)"),
                SchoolBreak.EASTER: _("Easter week"),
                SchoolBreak.CHRISTMAS: _("the Christmas holidays"),
            }
            return _("%(day)s is in %(break)s: some may be away with their children.",
                     day=day, **{"break": names[self.school]})
        if kind is WarningKind.AFTER_PREVIOUS:
            return _("It comes after the previous step of the course plan, which ends on %(day)s.",
                     day=day)
        if kind is WarningKind.OUTSIDE_COURSE:
            start, end = self.course
            return _("It is outside the cohort's course (%(start)s to %(end)s).",
                     start=format_date(start), end=format_date(end))
        if self.cause is not None:
            return _("Moved from the course plan's date to %(day)s. %(cause)s", day=day,
                     cause=str(self.cause))
        return _("Moved from the course plan's date to %(day)s.", day=day)


def describe(session: object) -> str:
    """A session or proposal in a few words: module, who, and when."""
    from tracker.i18n import current_language

    language = current_language()
    enrolment = getattr(session, "enrolment", None)
    who = (enrolment.organisation.short_label(language)
           if enrolment is not None else _("all groups"))
    return _("%(module)s for %(who)s, %(starts)s to %(ends)s",
             module=session.module.name(language), who=who,
             starts=format_datetime(session.starts_at, "EEE d MMM y HH:mm"),
             ends=format_datetime(session.ends_at, "EEE d MMM y HH:mm"))


def warnings_key(warnings: Iterable[Warning]) -> str:
    """A short fingerprint of a list of warnings, carried by a form the user saw them on."""
    return hashlib.sha256("|".join(sorted(w.key for w in warnings)).encode()).hexdigest()[:32]


class Scheduled(Protocol):
    """A session, or a proposed one: enough to place it in the calendar."""

    cohort: Cohort
    enrolment: Enrolment | None
    starts_at: datetime
    ends_at: datetime


def calendar_warnings(starts_at: datetime, ends_at: datetime) -> list[Warning]:
    """What the Norwegian calendar says about these times: holidays, July, weekends, half-days
    the session runs past 12:00 on, and school breaks."""
    found: list[Warning] = []
    breaks_seen: set[SchoolBreak] = set()
    for day in meeting_days(starts_at, ends_at):
        if day.month in CLOSED_MONTHS:
            found.append(Warning(WarningKind.JULY, day))
        if day in norwegian_public_holidays(day.year):
            found.append(Warning(WarningKind.HOLIDAY, day))
        elif day.weekday() >= 5:
            found.append(Warning(WarningKind.WEEKEND, day))
        elif is_half_day(day) and ends_at > oslo_time(day, HALF_DAY_ENDS):
            found.append(Warning(WarningKind.HALF_DAY, day))
        school = school_break(day)
        if school is not None and school not in breaks_seen:
            breaks_seen.add(school)
            found.append(Warning(WarningKind.SCHOOL_BREAK, day, school=school))
    return found


def _is_same(a: object, b: object) -> bool:
    if a is b:
        return True
    a_id, b_id = getattr(a, "id", None), getattr(b, "id", None)
    return a_id is not None and a_id == b_id and type(a) is type(b)


def _shares_people(subject: Scheduled, other: Scheduled) -> bool:
    """A joint session involves every group; a group session its own group and the joint ones."""
    if subject.enrolment is None or other.enrolment is None:
        return True
    return _is_same(subject.enrolment, other.enrolment)


def _overlapping_sessions(subject: Scheduled, starts_at: datetime, ends_at: datetime) -> list[Session]:
    query = (
        select(Session)
        .where(
            Session.cohort_id == subject.cohort.id,
            Session.status != SessionStatus.CANCELLED,
            Session.starts_at < ends_at,
            Session.ends_at > starts_at,
        )
        .options(
            selectinload(Session.module),
            selectinload(Session.enrolment).selectinload(Enrolment.organisation),
        )
        .order_by(Session.starts_at, Session.id)
    )
    if subject.enrolment is not None:
        query = query.where(
            or_(Session.enrolment_id.is_(None), Session.enrolment_id == subject.enrolment.id)
        )
    return list(db.session.scalars(query))


def collisions(
    session_or_proposal: Scheduled,
    starts_at: datetime,
    ends_at: datetime,
    others: Iterable[Scheduled] | None = None,
) -> list[Warning]:
    """Everything a coordinator should know before putting this session at these times.

    Public holidays, July, weekends, half-days it runs past 12:00 on, school breaks; other
    sessions that share people with it at overlapping times (for a group session the cohort's
    joint sessions and the group's own; for a joint session all the cohort's sessions), not
    counting cancelled ones; and days outside the cohort's course. `others` are the sessions to
    compare with; by default the cohort's sessions in the database.
    """
    subject = session_or_proposal
    found = calendar_warnings(starts_at, ends_at)
    if others is None:
        candidates: Iterable[Scheduled] = _overlapping_sessions(subject, starts_at, ends_at)
    else:
        candidates = others
    for other in candidates:
        if _is_same(other, subject) or getattr(other, "status", None) is SessionStatus.CANCELLED:
            continue
        if other.starts_at < ends_at and other.ends_at > starts_at and _shares_people(subject, other):
            found.append(Warning(WarningKind.OVERLAP, local_day(other.starts_at), other=other))
    cohort = subject.cohort
    if local_day(starts_at) < cohort.start_date or local_day(ends_at) > cohort.planned_end:
        found.append(Warning(WarningKind.OUTSIDE_COURSE, course=(cohort.start_date, cohort.planned_end)))
    return found


# Proposals from the course plan


@dataclass
class ProposedSession:
    """A session the course plan calls for that the cohort does not have yet."""

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
    july = [day for day in _every_day(first, days[-1]) if day.month in CLOSED_MONTHS]
    if july:
        return Warning(WarningKind.JULY, july[0])
    for day in days:
        if is_half_day(day) and ends_at > oslo_time(day, HALF_DAY_ENDS):
            return Warning(WarningKind.HALF_DAY, day)
    for other in placed:
        if other.starts_at < ends_at and other.ends_at > starts_at and _shares_people(proposal, other):
            return Warning(WarningKind.OVERLAP, local_day(other.starts_at), other=other)
    return None


def _every_day(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


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
    is explained in its warnings. School breaks and dates after the planned end are warned of,
    never moved for. A session the cohort has, even a cancelled one, is not proposed again.
    Pure: reads only what it is given and writes nothing.
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
            planned_day = cohort.start_date + timedelta(weeks=module.offset_weeks)
            starts_at, ends_at = session_times(planned_day, module)
            proposal = ProposedSession(module, group, starts_at, ends_at, cohort=cohort)
            day, cause = planned_day, None
            while (blocking := _blocking(proposal, starts_at, ends_at, not_before, placed)) is not None:
                cause = cause or blocking
                day = max(day + timedelta(days=1), local_day(not_before))
                starts_at, ends_at = session_times(day, module)
            proposal.starts_at, proposal.ends_at = starts_at, ends_at
            if day != planned_day:
                proposal.warnings.append(Warning(WarningKind.MOVED, day, cause=cause))
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


# Creating, moving and changing sessions


class UnseenWarnings(DomainError):
    """The session's times have warnings the user has not confirmed seeing."""

    def __init__(self, warnings: list[Warning], changed: bool):
        message = (
            _l("The warnings changed since you ticked the box. Check them, and tick it again "
               "to save anyway.") if changed
            else _l("Check the warnings above. Tick the box to save anyway, or change the times.")
        )
        super().__init__(message, field="acknowledge")
        self.warnings = warnings
        self.key = warnings_key(warnings)


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


@dataclass
class NewSession:
    """A session being created, for `collisions` before it exists."""

    cohort: Cohort
    enrolment: Enrolment | None
    module: CourseModule
    starts_at: datetime
    ends_at: datetime


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
    _check_times(NewSession(cohort, enrolment, module, starts_at, ends_at), starts_at, ends_at,
                 seen_warnings)
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


def past_sessions_still_planned(today: date, cohort: Cohort | None = None) -> Select[tuple[Session]]:
    """Sessions still marked planned whose last day is before `today` (in Oslo), oldest first,
    with cohort, module and group loaded; all cohorts' or one's."""
    query = (
        select(Session)
        .where(
            Session.status == SessionStatus.PLANNED,
            Session.ends_at < oslo_time(today, time(0)),
        )
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


# Who is expected, and who came


def attendance_of_group(enrolment: Enrolment) -> tuple[list[Session], dict[tuple[int, int], Attendance]]:
    """The sessions a group is expected at (the cohort's joint ones and its own), in time
    order, and its members' attendance keyed by (person id, session id)."""
    sessions = db.session.scalars(
        select(Session)
        .where(
            Session.cohort_id == enrolment.cohort_id,
            or_(Session.enrolment_id.is_(None), Session.enrolment_id == enrolment.id),
        )
        .options(selectinload(Session.module))
        .order_by(Session.starts_at, Session.id)
    ).all()
    member_ids = select(Membership.person_id).where(Membership.enrolment_id == enrolment.id)
    attendance = db.session.scalars(
        select(Attendance).where(
            Attendance.session_id.in_([s.id for s in sessions]),
            Attendance.person_id.in_(member_ids),
        )
    ).all()
    return sessions, {(a.person_id, a.session_id): a for a in attendance}




def expected_memberships(
    session: Session, memberships: Iterable[Membership] | None = None
) -> list[Membership]:
    """The memberships that make someone expected at the session: top leaders and members of
    the session's group (of every group of the cohort for a joint session) that is not
    withdrawn, who belong to it on the session's first day. Contacts are not expected.

    `memberships` are the cohort's, with person and group loaded; by default they are loaded.
    """
    if memberships is None:
        query = (
            select(Membership)
            .join(Membership.enrolment)
            .where(
                Enrolment.cohort_id == session.cohort_id,
                Enrolment.is_taking_part,
                Membership.role.in_(EXPECTED_ROLES),
            )
            .options(
                selectinload(Membership.person),
                selectinload(Membership.enrolment).selectinload(Enrolment.organisation),
            )
        )
        if session.enrolment_id is not None:
            query = query.where(Membership.enrolment_id == session.enrolment_id)
        memberships = db.session.scalars(query).all()
    day = local_day(session.starts_at)
    return [
        membership
        for membership in memberships
        if membership.role in EXPECTED_ROLES
        and session.enrolment_id in (None, membership.enrolment_id)
        and membership.enrolment.is_taking_part
        and membership.joined_on <= day
        and (membership.left_on is None or membership.left_on >= day)
    ]


def expected_people(session: Session, memberships: Iterable[Membership] | None = None) -> list[Person]:
    """Top leaders and members of the session's groups (all the cohort's for a joint session)
    who belong to their group on the session's first day, in a fixed order (by email, then id).

    `memberships`: the cohort's, with person and group loaded (the seed passes them, to load
    them once for many sessions); by default they are loaded.
    """
    people = {membership.person for membership in expected_memberships(session, memberships)}
    return sorted(people, key=lambda person: (person.email or "", person.id))


@dataclass(frozen=True)
class ExpectedPerson:
    """One line of the attendance form: a person, their group and role, and what is recorded."""

    person: Person
    membership: Membership
    attendance: Attendance | None


def attendance_register(session: Session) -> list[ExpectedPerson]:
    """Everyone expected at the session with what is recorded for them, by group (organisation
    name), top leader first, then by name; in three queries."""
    by_person: dict[int, Membership] = {}
    for membership in expected_memberships(session):
        by_person.setdefault(membership.person_id, membership)
    recorded = {
        a.person_id: a
        for a in db.session.scalars(select(Attendance).where(Attendance.session_id == session.id))
    }
    lines = [ExpectedPerson(m.person, m, recorded.get(person_id)) for person_id, m in by_person.items()]
    return sorted(lines, key=lambda line: (
        line.membership.enrolment.organisation.name_nb,
        line.membership.role is not MemberRole.TOP_LEADER,
        line.person.name is None, line.person.name or "", line.person.id,
    ))


@dataclass(frozen=True)
class Mark:
    """What the form says about one person: a status (None: not recorded) and a note."""

    person_id: int
    status: AttendanceStatus | None
    note: str


def record_attendance(session: Session, *, version: object, marks: Iterable[Mark],
                      now: datetime | None = None) -> int:
    """Save everyone's attendance at the session at once; return how many records changed.

    Marks the session held when it was planned and has started. Saving changes the session's
    version, so two people filling in the same register cannot overwrite each other.

    :raise ConflictError: when the session changed after the form was opened at `version`.
    :raise DomainError: when a mark names someone not expected at the session (nothing is
        saved), or has a note but no status.
    """
    check_version(session, version)
    marks = list(marks)
    register = {line.person.id: line for line in attendance_register(session)}
    strangers = [mark.person_id for mark in marks if mark.person_id not in register]
    if strangers or len({m.person_id for m in marks}) != len(marks):
        raise DomainError(_l("The form names someone who is not expected at this session. "
                             "Nothing is saved: open the form again."))
    for mark in marks:
        if mark.status is None and mark.note.strip():
            raise DomainError(_l("Choose present, absent or excused to keep a note."),
                              field=f"note_{mark.person_id}")
    changed = 0
    for mark in marks:
        line = register[mark.person_id]
        note = mark.note.strip()
        if mark.status is None:
            continue
        if line.attendance is None:
            db.session.add(Attendance(person=line.person, session=session, status=mark.status,
                                      note=note))
            changed += 1
        elif (line.attendance.status, line.attendance.note) != (mark.status, note):
            line.attendance.status, line.attendance.note = mark.status, note
            changed += 1
    now = now or clock.now()
    if session.status is SessionStatus.PLANNED and session.starts_at <= now:
        session.status = SessionStatus.HELD
        changed += 1
    elif changed:
        # The register is part of the session: saving it moves the session's version on.
        flag_modified(session, "status")
    db.session.flush()
    return changed
