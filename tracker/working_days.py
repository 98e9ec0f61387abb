"""The working calendar of the Norwegian state: which days a course can meet on.

Pure: no database and no clock. Public holidays come from the `holidays` package (country NO);
July is closed for the common summer holiday; three days end at noon; school breaks are days
some people may be away, to warn of and to keep proposals clear of, never to forbid. Times are Europe/Oslo.
"""
import enum
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from functools import cache

import holidays
from dateutil.easter import easter

from tracker.clock import OSLO, local_day

# A working day in the state starts at nine in the morning, Oslo time; so do sessions.
DAY_STARTS = time(9, 0)
# The common holiday (fellesferie) is three weeks in July; which three varies, so nothing is
# planned in July at all.
CLOSED_MONTHS = frozenset({7})
# The most days a session is looked through for its working days. A course module lasts at most
# 14 working days; only a mistake stores a session of years, and it must not make every page that
# shows it walk through millennia.
MAX_SESSION_DAYS = 366

# Christmas Eve, New Year's Eve and the Wednesday before Easter end at 12:00 in the state.
HALF_DAY_ENDS = time(12, 0)


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


def add_days(day: date, days: int) -> date:
    """`day` moved by `days`, held at the first or last day a date can hold instead of
    overflowing: a stored year 9999 (or 1) must not break a page that plans from it."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def next_working_day(day: date) -> date:
    """`day` itself when it is a working day, else the first working day after it.

    Weekends, Norwegian public holidays and all of July are skipped, so a date in July becomes
    the first working day of August. The last day a date can hold is taken as it is.
    """
    while not is_working_day(day) and day < date.max:
        day += timedelta(days=1)
    return day


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
    (weeks 40 and 41), Easter week (Palm Sunday to Easter Monday) or Christmas and New Year
    (20 December to 3 January).

    Schools in different counties take different weeks, so both candidate weeks count.
    """
    if (day.month == 12 and day.day >= 20) or (day.month == 1 and day.day <= 3):
        return SchoolBreak.CHRISTMAS
    week = day.isocalendar().week
    if week in (8, 9):
        return SchoolBreak.WINTER
    if week in (40, 41):
        return SchoolBreak.AUTUMN
    easter_sunday = easter(day.year)
    if easter_sunday - timedelta(days=7) <= day <= easter_sunday + timedelta(days=1):
        return SchoolBreak.EASTER
    return None


def avoided_break(day: date) -> SchoolBreak | None:
    """The break `day` is in that a proposal moves a session out of, when the course plan
    leaves room: Christmas and New Year, Easter week, the winter break (weeks 8 and 9) and the
    autumn break, both its weeks. Oslo's schools take week 40, but many of the agencies' top
    leaders live where the break is week 41 (Bergen, Trondheim, Drammen, Bodø...), and a
    gathering moved out of week 40 into 41 only trades one group's break for another's. July is
    closed anyway (`is_working_day`)."""
    return school_break(day)


def meeting_days(starts_at: datetime, ends_at: datetime) -> list[date]:
    """The days a session meets on: its first and last day, and the working days between.

    A session of several days skips the weekends, holidays and July days between its first and
    last day, as `CourseModule.planned_times` plans it; only its own first and last day may be such days.
    Of a session longer than `MAX_SESSION_DAYS`, the working days of its first that many days.
    """
    first = local_day(starts_at)
    last_moment = ends_at.astimezone(OSLO)
    last = last_moment.date()
    if last_moment.time() == time(0) and last > first:
        last -= timedelta(days=1)  # ends at midnight: the day before was its last
    days = [first]
    if last <= first:
        return days
    day = first + timedelta(days=1)
    while day < min(last, add_days(first, MAX_SESSION_DAYS)):
        if is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
    days.append(last)
    return days


def working_days_from(first: date, count: int) -> list[date]:
    """`first`, taken as given, and the working days after it: `count` days in all."""
    days = [first]
    while len(days) < count and days[-1] < date.max:
        days.append(next_working_day(days[-1] + timedelta(days=1)))
    return days


def every_day(first: date, last: date) -> Iterator[date]:
    """Each calendar day from `first` to `last`, both included."""
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def days_before(setting: str, value: str, example: str) -> tuple[int, ...]:
    """A setting of whole days before something ("7,1"), largest first, without repeats: when
    reminders go (REMINDER_DAYS before a session, SURVEY_REMINDER_DAYS before a round closes).

    :raise ValueError: naming the setting, when it is empty or holds anything but whole numbers
        of 0 or more.
    """
    message = f"{setting} must be whole days of 0 or more, like {example}; not {value!r}"
    try:
        days = {int(part) for part in value.split(",") if part.strip()}
    except ValueError:
        raise ValueError(message) from None
    if not days or min(days) < 0:
        raise ValueError(message)
    return tuple(sorted(days, reverse=True))
