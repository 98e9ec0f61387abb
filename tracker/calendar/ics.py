"""Sessions as iCalendar (RFC 5545), for calendar feeds and for files attached to emails.

Times are written with TZID=Europe/Oslo and a VTIMEZONE for it, so a calendar shows a session
at the wall-clock time it was planned for on both sides of a change to or from summer time.

Text is escaped and long lines folded by `icalendar`, as RFC 5545 says; what it would pass
through and no calendar may hold (a lone carriage return, escape and the other control
characters) is left out first, and a name is kept to one line.
"""
from datetime import date

import icalendar

from tracker import bounds, clock
from tracker.schedule.models import Session, SessionStatus

PRODID = "-//Program for toppledergrupper//tracker//NO"
# The right-hand side of every UID: a name of the app, not of the host it runs on, so that a
# session keeps its UID when the app moves to another address.
UID_DOMAIN = "tracker.toppledergrupper"

# Held and planned sessions are both in the schedule everyone works to: a planned session is
# not a maybe, so it is CONFIRMED. A cancelled one stays in the feed, so calendars remove it.
EVENT_STATUS = {
    SessionStatus.PLANNED: "CONFIRMED",
    SessionStatus.HELD: "CONFIRMED",
    SessionStatus.CANCELLED: "CANCELLED",
}


def session_uid(session: Session) -> str:
    """The session's UID: stable for its whole life, whatever is changed about it."""
    return f"session-{session.id}@{UID_DOMAIN}"


def _group_name(session: Session) -> str | None:
    if session.enrolment is None:
        return None
    return session.enrolment.organisation.name_nb


def _line(text: str) -> str:
    """A name or a place as one line of text, without control characters."""
    return bounds.printable(text)


def event_for(session: Session) -> icalendar.Event:
    """One VEVENT for a session; needs its module, cohort and group (with organisation) loaded.

    SEQUENCE is the session's version less one: every save raises the version, so a moved
    session reaches calendars as a newer revision of the same UID.
    """
    event = icalendar.Event()
    event.add("uid", session_uid(session))
    event.add("dtstamp", clock.now())
    event.add("dtstart", session.starts_at.astimezone(clock.OSLO))
    event.add("dtend", session.ends_at.astimezone(clock.OSLO))
    event.add("sequence", max((session.version or 1) - 1, 0))
    event.add("status", EVENT_STATUS[session.status])
    group = _group_name(session)
    where = f"{session.cohort.label}, {group}" if group else session.cohort.label
    event.add("summary", _line(f"{session.module.name_nb} ({where})"))
    if session.location:
        event.add("location", _line(session.location))
    lines = [session.module.kind.label, session.cohort.label]
    if group:
        lines.append(group)
    event.add("description", "\n".join(_line(str(line)) for line in lines))
    return event


def build_calendar(sessions, name: str) -> bytes:
    """A whole VCALENDAR (METHOD:PUBLISH) holding an event for each session, as bytes.

    `name` becomes the calendar's display name (X-WR-CALNAME). Each session needs its module,
    cohort and group (with organisation) loaded.
    """
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", _line(name))
    cal.add("x-wr-timezone", "Europe/Oslo")
    sessions = list(sessions)
    for session in sessions:
        cal.add_component(event_for(session))
    if sessions:
        # The zone's rules from a year before the first session to a year after the last: all
        # a client needs, without forty years of transitions in every download. Within the
        # dates a form takes: a session stored in year 1 or 9999 gets the nearest rules.
        first = clock.local_day(min(session.starts_at for session in sessions))
        last = clock.local_day(max(session.ends_at for session in sessions))
        first_year = min(max(first.year - 1, bounds.EARLIEST.year), bounds.LATEST.year)
        last_year = max(min(last.year + 2, bounds.LATEST.year), first_year + 1)
        cal.add_missing_timezones(
            first_date=date(first_year, 1, 1), last_date=date(last_year, 1, 1)
        )
    return cal.to_ical()
