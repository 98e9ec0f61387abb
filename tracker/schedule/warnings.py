"""What a coordinator should know about a session's times: the calendar, and other sessions.

A warning never refuses a save; the forms ask the coordinator to confirm having seen them
(`UnseenWarnings`). Texts are made when shown, in the reader's language.
"""
import enum
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from flask_babel import format_date, gettext as _, lazy_gettext as _l, ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.clock import local_day, oslo_time
from tracker.cohorts.models import Cohort
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.i18n import current_language, weekday_when
from tracker.programmes.models import CourseModule
from tracker.schedule.models import Session, SessionStatus
from tracker.working_days import (
    CLOSED_MONTHS,
    HALF_DAY_ENDS,
    SchoolBreak,
    holiday_name,
    is_half_day,
    meeting_days,
    norwegian_public_holidays,
    school_break,
)


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
    NO_ROOM = "no_room"  # a proposal left in a break: moving it out would end past the course
    LONG = "long"  # far longer than its module's planned days


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
    days: tuple[int, int] | None = None  # a long session's days, and its module's planned days

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
            return _("%(day)s is in %(break)s: some may be away with their children.",
                     day=day, **{"break": break_name(self.school)})
        if kind is WarningKind.NO_ROOM:
            return _("%(day)s is in %(break)s, and the course plan leaves no room to move it out "
                     "before the cohort's planned end.", day=day,
                     **{"break": break_name(self.school)})
        if kind is WarningKind.LONG:
            days, planned = self.days
            return ngettext("It runs over %(days)s days, far longer than the module's "
                            "%(num)s planned day: check the last day.",
                            "It runs over %(days)s days, far longer than the module's "
                            "%(num)s planned days: check the last day.", planned, days=days)
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


def break_name(school: SchoolBreak) -> str:
    return {
        SchoolBreak.WINTER: _("the winter school break (week 8 or 9)"),
        SchoolBreak.AUTUMN: _("the autumn school break (week 40 or 41)"),
        SchoolBreak.EASTER: _("Easter week"),
        SchoolBreak.CHRISTMAS: _("the Christmas holidays"),
    }[school]


def describe(session: object) -> str:
    """A session or proposal in a few words: module, who, and when."""
    language = current_language()
    enrolment = getattr(session, "enrolment", None)
    who = (enrolment.organisation.short_label(language)
           if enrolment is not None else _("all groups"))
    return _("%(module)s for %(who)s, %(starts)s to %(ends)s",
             module=session.module.name(language), who=who,
             starts=weekday_when(session.starts_at), ends=weekday_when(session.ends_at))


def warnings_key(warnings: Iterable[Warning]) -> str:
    """A short fingerprint of a list of warnings, carried by a form the user saw them on."""
    return hashlib.sha256("|".join(sorted(w.key for w in warnings)).encode()).hexdigest()[:32]


class Scheduled(Protocol):
    """A session, or a proposed one: enough to place it in the calendar."""

    cohort: Cohort
    enrolment: Enrolment | None
    module: CourseModule
    starts_at: datetime
    ends_at: datetime


def is_far_longer(module: CourseModule, starts_at: datetime, ends_at: datetime) -> int | None:
    """The days a session meets on when that is far more than its module's planned days (more
    than twice as many, and at least two more), else None: a last day typed wrong, most often."""
    days = len(meeting_days(starts_at, ends_at))
    planned = module.duration_days or 1
    return days if days > max(2 * planned, planned + 1) else None


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


def is_same(a: object, b: object) -> bool:
    if a is b:
        return True
    a_id, b_id = getattr(a, "id", None), getattr(b, "id", None)
    return a_id is not None and a_id == b_id and type(a) is type(b)


def shares_people(subject: Scheduled, other: Scheduled) -> bool:
    """A joint session involves every group; a group session its own group and the joint ones."""
    if subject.enrolment is None or other.enrolment is None:
        return True
    return is_same(subject.enrolment, other.enrolment)


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
        # A group session shares people with the sessions its group is expected at.
        query = query.where(Session.of_group(subject.enrolment))
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
    counting cancelled ones; days outside the cohort's course; and a session far longer than
    its module's planned days. `others` are the sessions to
    compare with; by default the cohort's sessions in the database.
    """
    subject = session_or_proposal
    found = calendar_warnings(starts_at, ends_at)
    if others is None:
        candidates: Iterable[Scheduled] = _overlapping_sessions(subject, starts_at, ends_at)
    else:
        candidates = others
    for other in candidates:
        if is_same(other, subject) or getattr(other, "status", None) is SessionStatus.CANCELLED:
            continue
        if other.starts_at < ends_at and other.ends_at > starts_at and shares_people(subject, other):
            found.append(Warning(WarningKind.OVERLAP, local_day(other.starts_at), other=other))
    module = getattr(subject, "module", None)
    if module is not None and (days := is_far_longer(module, starts_at, ends_at)):
        found.append(Warning(WarningKind.LONG, local_day(ends_at), days=(days, module.duration_days)))
    cohort = subject.cohort
    if local_day(starts_at) < cohort.start_date or local_day(ends_at) > cohort.planned_end:
        found.append(Warning(WarningKind.OUTSIDE_COURSE, course=(cohort.start_date, cohort.planned_end)))
    return found


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
