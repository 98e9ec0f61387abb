"""Rules about sessions: when they are and who is expected."""
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from tracker.cohorts.models import Cohort
from tracker.extensions import db
from tracker.groups.models import Enrolment, Membership
from tracker.organisations.models import Organisation
from tracker.programmes.models import CourseModule
from tracker.schedule.models import Attendance, Session

if TYPE_CHECKING:
    from tracker.users.models import User

OSLO = ZoneInfo("Europe/Oslo")
# Sessions start at nine in the morning, Oslo time, like a working day in the state.
SESSION_START = time(9, 0)
# The common holiday (fellesferie) is three weeks in July; which three varies, so nothing is
# planned in July at all.
CLOSED_MONTHS = frozenset({7})


def sessions_of_cohort(cohort: Cohort, for_user: "User") -> Select[tuple[Session]]:
    """A cohort's sessions the user may see in time order: the joint ones, and the group
    sessions of groups in the user's scope; with module and group loaded."""
    return (
        select(Session)
        .outerjoin(Enrolment, Session.enrolment_id == Enrolment.id)
        .outerjoin(Organisation, Enrolment.organisation_id == Organisation.id)
        .where(
            Session.cohort_id == cohort.id,
            or_(Session.enrolment_id.is_(None), for_user.organisation_filter()),
        )
        .options(
            selectinload(Session.module),
            selectinload(Session.enrolment).selectinload(Enrolment.organisation),
        )
        .order_by(Session.starts_at, Session.id)
    )


@cache
def norwegian_public_holidays(year: int) -> frozenset[date]:
    """Norway's public holidays in `year` (Easter, 17 May, Whitsun, Christmas and the rest)."""
    return frozenset(holidays.country_holidays("NO", years=year))


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
    for _ in range(module.duration_days - 1):
        last_day = next_working_day(last_day + timedelta(days=1))
    starts_at = datetime.combine(day, SESSION_START, tzinfo=OSLO)
    ends_at = datetime.combine(last_day, SESSION_START, tzinfo=OSLO) + timedelta(
        hours=module.hours_per_day
    )
    return starts_at, ends_at


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
