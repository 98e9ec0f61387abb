"""The one clock: what time it is, and which day it is in Oslo.

The programme lives in Europe/Oslo; the server's own zone is irrelevant. Nothing else calls
`date.today()` or `datetime.now()`: it asks here, so there is one answer to "is this session
past?" and one place where tests pin time (`frozen`).
"""
import time as _time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")

# Set only by `frozen`, in tests and in the demo seed's "as of" loading.
_pinned: datetime | None = None


def now() -> datetime:
    """This instant, timezone-aware, in UTC."""
    return _pinned if _pinned is not None else datetime.now(timezone.utc)


def monotonic() -> float:
    """Seconds on a clock that never jumps, for how long to wait before trying something again;
    not a date, and never pinned."""
    return _time.monotonic()


def system_seconds() -> float:
    """The machine's own time in seconds since 1970, never pinned: for comparing with a time
    another system stamped (the rate limiter's storage counts in real time)."""
    return _time.time()


def today() -> date:
    """Today's date in Oslo."""
    return local_day(now())


def local_day(moment: datetime) -> date:
    """The Oslo date an instant falls on. An instant at the very edge of the calendar (put
    straight into the database, say) gives the last or first date there is, not an overflow."""
    try:
        return moment.astimezone(OSLO).date()
    except OverflowError:
        return date.max if moment.year > 1 else date.min


def oslo_time(day: date, clock: time = time(0)) -> datetime:
    """A wall-clock time in Oslo on `day`, as an aware datetime (midnight by default)."""
    return datetime.combine(day, clock, tzinfo=OSLO)


@contextmanager
def frozen(at: datetime | date) -> Iterator[datetime]:
    """Pin the clock at `at` (a date means 12:00 Oslo time that day) until the block ends."""
    global _pinned
    if not isinstance(at, datetime):
        at = oslo_time(at, time(12))
    if at.tzinfo is None:
        raise ValueError("the clock needs a timezone-aware datetime")
    before, _pinned = _pinned, at.astimezone(timezone.utc)
    try:
        yield _pinned
    finally:
        _pinned = before
