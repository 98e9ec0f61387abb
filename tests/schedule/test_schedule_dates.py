"""Placing sessions on the calendar: working days in Norway, and times in Oslo."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from tracker.programmes.models import CourseModule, ModuleKind
from tracker.working_days import is_working_day, next_working_day

OSLO = ZoneInfo("Europe/Oslo")


@pytest.mark.parametrize(
    "day, expected",
    [
        (date(2017, 3, 6), date(2017, 3, 6)),  # a Monday is a working day already
        (date(2017, 6, 30), date(2017, 6, 30)),  # the last day before July
        (date(2017, 1, 7), date(2017, 1, 9)),  # Saturday → Monday
        (date(2017, 1, 8), date(2017, 1, 9)),  # Sunday → Monday
        (date(2017, 5, 17), date(2017, 5, 18)),  # Constitution Day
        (date(2016, 5, 16), date(2016, 5, 18)),  # Whit Monday, then 17 May
        (date(2017, 5, 25), date(2017, 5, 26)),  # Ascension Day
        (date(2017, 4, 13), date(2017, 4, 18)),  # Maundy Thursday to Easter Monday
        (date(2017, 4, 17), date(2017, 4, 18)),  # Easter Monday
        (date(2016, 12, 24), date(2016, 12, 27)),  # Christmas on a weekend, then 26 December
        (date(2016, 12, 31), date(2017, 1, 2)),  # New Year's Eve on a Saturday
        (date(2017, 7, 10), date(2017, 8, 1)),  # fellesferie: 1 August 2017 is a Tuesday
        (date(2017, 7, 1), date(2017, 8, 1)),
        (date(2015, 7, 20), date(2015, 8, 3)),  # 1 August 2015 is a Saturday
    ],
)
def test_next_working_day(day, expected):
    assert next_working_day(day) == expected
    assert is_working_day(expected)


def test_july_and_holidays_are_not_working_days():
    assert not is_working_day(date(2017, 7, 3))  # a Monday in July
    assert not is_working_day(date(2017, 5, 1))
    assert not is_working_day(date(2017, 12, 26))
    assert is_working_day(date(2017, 8, 1))


def module(duration_days=1, hours_per_day=6) -> CourseModule:
    return CourseModule(
        position=1, name_nb="Fellessamling 1", name_en="Joint gathering 1",
        kind=ModuleKind.JOINT_GATHERING, is_joint=True, offset_weeks=8,
        duration_days=duration_days, hours_per_day=hours_per_day,
    )


@pytest.mark.parametrize(
    "day, utc_offset",
    [(date(2017, 3, 6), timedelta(hours=1)),  # winter time
     (date(2017, 6, 6), timedelta(hours=2))],  # summer time
)
def test_a_session_starts_at_nine_in_oslo(day, utc_offset):
    starts_at, ends_at = module(hours_per_day=6).planned_times(day)

    assert starts_at.tzinfo is not None
    assert starts_at.utcoffset() == utc_offset
    assert (starts_at.date(), starts_at.hour, starts_at.minute) == (day, 9, 0)
    assert starts_at.astimezone(timezone.utc).hour == 9 - utc_offset.seconds // 3600
    assert ends_at == datetime(day.year, day.month, day.day, 15, tzinfo=OSLO)


def test_a_two_day_module_that_begins_on_friday_ends_on_monday():
    starts_at, ends_at = module(duration_days=2, hours_per_day=7).planned_times(date(2017, 3, 10))

    assert starts_at == datetime(2017, 3, 10, 9, tzinfo=OSLO)
    assert ends_at == datetime(2017, 3, 13, 16, tzinfo=OSLO)


def test_a_module_over_easter_ends_on_the_next_working_day():
    _, ends_at = module(duration_days=2).planned_times(date(2017, 4, 12))

    assert ends_at == datetime(2017, 4, 18, 15, tzinfo=OSLO)


def test_a_module_over_the_change_to_summer_time_keeps_wall_clock_hours():
    # Summer time began on Sunday 26 March 2017.
    starts_at, ends_at = module(duration_days=2).planned_times(date(2017, 3, 24))

    assert starts_at.utcoffset() == timedelta(hours=1)
    assert ends_at.utcoffset() == timedelta(hours=2)
    assert (ends_at.date(), ends_at.hour) == (date(2017, 3, 27), 15)


# Half-days and school breaks: what the planner warns of


@pytest.mark.parametrize("day, half", [
    (date(2016, 12, 24), True),  # Christmas Eve
    (date(2015, 12, 31), True),  # New Year's Eve
    (date(2017, 4, 12), True),  # the Wednesday before Easter 2017
    (date(2016, 3, 23), True),  # ... and 2016
    (date(2017, 4, 11), False),
    (date(2016, 12, 23), False),
])
def test_half_days(day, half):
    from tracker.working_days import is_half_day

    assert is_half_day(day) is half


@pytest.mark.parametrize("day, school_break", [
    (date(2017, 2, 20), "WINTER"),  # week 8
    (date(2017, 3, 3), "WINTER"),  # week 9
    (date(2017, 3, 6), None),  # week 10
    (date(2016, 10, 3), "AUTUMN"),  # week 40
    (date(2016, 10, 14), "AUTUMN"),  # week 41
    (date(2017, 4, 10), "EASTER"),  # the Monday of Easter week
    (date(2017, 4, 16), "EASTER"),  # Easter Sunday
    (date(2017, 4, 9), "EASTER"),  # Palm Sunday
    (date(2017, 4, 17), "EASTER"),  # Easter Monday
    (date(2017, 4, 8), None),  # the Saturday before Palm Sunday
    (date(2017, 4, 18), None),  # the Tuesday after
    (date(2016, 12, 20), "CHRISTMAS"),
    (date(2017, 1, 2), "CHRISTMAS"),
    (date(2017, 1, 3), "CHRISTMAS"),  # New Year: through 3 January
    (date(2017, 1, 4), None),
    (date(2016, 12, 19), None),
])
def test_school_breaks(day, school_break):
    from tracker.working_days import school_break as break_of

    found = break_of(day)
    assert (found.name if found else None) == school_break


@pytest.mark.parametrize("day, avoided", [
    (date(2016, 10, 3), "AUTUMN"),  # week 40: Oslo's autumn break
    (date(2016, 10, 14), "AUTUMN"),  # week 41: the break in much of the rest of the country
    (date(2017, 2, 20), "WINTER"),  # week 8
    (date(2017, 3, 3), "WINTER"),  # week 9
    (date(2016, 12, 27), "CHRISTMAS"),
    (date(2017, 4, 12), "EASTER"),
    (date(2017, 5, 2), None),
])
def test_the_breaks_a_proposal_avoids(day, avoided):
    from tracker.working_days import avoided_break

    found = avoided_break(day)
    assert (found.name if found else None) == avoided
