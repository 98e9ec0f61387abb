"""Sessions as iCalendar (RFC 5545), for calendar feeds and for files attached to emails.

Times are written with TZID=Europe/Oslo and a VTIMEZONE for it, so a calendar shows a session
at the wall-clock time it was planned for on both sides of a change to or from summer time.

Text is escaped and long lines folded by `icalendar`, as RFC 5545 says; what it would pass
through and no calendar may hold (a lone carriage return, escape and the other control
characters) is left out first, and a name is kept to one line.
"""
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from email.utils import parseaddr
from urllib.parse import quote

import icalendar
from flask import current_app
from flask_babel import gettext as _

from tracker import bounds, clock
from tracker.calendar.services import readable_filename
from tracker.schedule.models import Session, SessionStatus
from tracker.urls import absolute_url

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


def session_uid(session: Session, day: int = 1) -> str:
    """The UID of the session's event on its `day` (1, 2, ... of a gathering of several days):
    stable for its whole life, whatever is changed about it. The first day's is the session's
    own, so a one-day session moved to two days keeps its event and gains one."""
    if day == 1:
        return f"session-{session.id}@{UID_DOMAIN}"
    return f"session-{session.id}-day-{day}@{UID_DOMAIN}"


@dataclass(frozen=True)
class SessionDay:
    """One day of a session as a calendar shows it: its own start and end."""

    number: int
    of: int
    starts_at: datetime
    ends_at: datetime


def session_days(session: Session) -> list[SessionDay]:
    """The session day by day: a gathering of several days is one event a day, each from the
    session's start time to its end time on that day (09:00–15:00 on Monday, 09:00–15:00 on
    Tuesday), not one block running through the nights between.

    One event when the session falls on one day, or when its end time is not after its start
    time (a session through the night: no day has both times)."""
    start = session.starts_at.astimezone(clock.OSLO)
    end = session.ends_at.astimezone(clock.OSLO)
    first, last = start.date(), end.date()
    if end.time() == time(0) and last > first:
        last -= timedelta(days=1)  # ends at midnight: the last day is the one before
        end_time = time(23, 59)
    else:
        end_time = end.time()
    count = (last - first).days + 1
    if count <= 1 or end_time <= start.time():
        return [SessionDay(1, 1, start, end)]
    days = []
    for n in range(count):
        day = first + timedelta(days=n)
        days.append(SessionDay(n + 1, count, clock.oslo_time(day, start.time()),
                               end if n == count - 1 else clock.oslo_time(day, end_time)))
    return days


def session_page(session: Session) -> str:
    """The session's place on its cohort's page, as an absolute address (BASE_URL)."""
    return absolute_url("cohorts.detail", cohort_id=session.cohort_id) + f"#session-{session.id}"


def _group_name(session: Session) -> str | None:
    if session.enrolment is None:
        return None
    return session.enrolment.organisation.name_nb


def _line(text: str) -> str:
    """A name or a place as one line of text, without control characters."""
    return bounds.printable(text)


def events_for(session: Session, *, called_off: bool = False) -> list[icalendar.Event]:
    """The session's VEVENTs, one per day (`session_days`); needs its module, cohort and group
    (with organisation) loaded. `called_off`: cancelled for this calendar's reader, whatever the
    session's own status (a joint session after their group withdrew), one revision newer.

    SEQUENCE is the session's `sequence`, raised by every change of its time, place or being
    cancelled, so a moved session reaches calendars as a newer revision of the same UIDs (and
    a change notice, `itip_calendars`, carries the same number as the feed). URL leads back to
    the session on its cohort's page.
    """
    group = _group_name(session)
    where = f"{session.cohort.label}, {group}" if group else session.cohort.label
    name = f"{session.module.name_nb} ({where})"
    lines = [str(session.module.kind.label), session.cohort.label]
    if group:
        lines.append(group)
    url = session_page(session)
    events = []
    for day in session_days(session):
        event = icalendar.Event()
        event.add("uid", session_uid(session, day.number))
        event.add("dtstamp", clock.now())
        event.add("dtstart", day.starts_at)
        event.add("dtend", day.ends_at)
        event.add("sequence", (session.sequence or 0) + called_off)
        event.add("status", "CANCELLED" if called_off else EVENT_STATUS[session.status])
        summary = name if day.of == 1 else _("%(name)s, day %(day)s of %(days)s",
                                             name=name, day=day.number, days=day.of)
        event.add("summary", _line(summary))
        if session.location:
            event.add("location", _line(session.location))
        event.add("description", "\n".join([*(_line(line) for line in lines), url]))
        event.add("url", url)
        events.append(event)
    return events


def event_for(session: Session) -> icalendar.Event:
    """The session's first (or only) day's VEVENT (`events_for`)."""
    return events_for(session)[0]


ASCII_LETTERS = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "é": "e", "ü": "u", "ö": "o", "ä": "a"})


def content_disposition(filename: str) -> str:
    """An attachment header that every browser reads: an ASCII name (æøå spelt out) and the
    name as it is (RFC 6266, RFC 5987)."""
    fallback = filename.translate(ASCII_LETTERS).encode("ascii", "ignore").decode() or "calendar.ics"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def session_filename(session: Session, language: str) -> str:
    """The name of the file a single session is sent as: its module, cohort and day
    ("fellessamling-2-kull-5-2027-03-08.ics"), the module named in `language`."""
    day = clock.local_day(session.starts_at).isoformat()
    return readable_filename(session.module.name(language), session.cohort.label, day) + ".ics"


def _add_timezone(cal: icalendar.Calendar, sessions) -> None:
    """The zone's rules from a year before the first session to a year after the last: all a
    client needs, without forty years of transitions in every download. Within the dates a
    form takes: a session stored in year 1 or 9999 gets the nearest rules."""
    first = clock.local_day(min(session.starts_at for session in sessions))
    last = clock.local_day(max(session.ends_at for session in sessions))
    first_year = min(max(first.year - 1, bounds.EARLIEST.year), bounds.LATEST.year)
    last_year = max(min(last.year + 2, bounds.LATEST.year), first_year + 1)
    cal.add_missing_timezones(first_date=date(first_year, 1, 1), last_date=date(last_year, 1, 1))


def build_calendar(sessions, name: str, called_off: Collection[int] = ()) -> bytes:
    """A whole VCALENDAR (METHOD:PUBLISH) holding an event for each session, as bytes.

    `name` becomes the calendar's display name (X-WR-CALNAME). Each session needs its module,
    cohort and group (with organisation) loaded. Sessions whose id is in `called_off` are
    cancelled in this calendar (`events_for`).
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
        for event in events_for(session, called_off=session.id in called_off):
            cal.add_component(event)
    if sessions:
        _add_timezone(cal, sessions)
    return cal.to_ical()


# Change notices (RFC 5546 iTIP, sent by mail as RFC 6047 iMIP)


def organizer_address() -> str:
    """The address the programme's events are organised from: MAIL_FROM's, the address the
    notices come from, so a calendar that checks the two agree accepts the update."""
    return parseaddr(current_app.config["MAIL_FROM"])[1]


def _itip_calendar(method: str, events: list[icalendar.Event], session: Session) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    for event in events:
        cal.add_component(event)
    _add_timezone(cal, [session])
    return cal.to_ical()


def _schedule(event: icalendar.Event, organizer: str, organizer_name: str,
              attendee: str, attendee_name: str | None) -> None:
    """ORGANIZER and ATTENDEE, which a scheduling message must have (RFC 5546 3.2.2, 3.2.5):
    without them Outlook shows the file as a plain appointment and does not update the one it
    has. No answer is asked for (RSVP=FALSE): attendance is recorded in the tracker."""
    org = icalendar.vCalAddress(f"mailto:{organizer}")
    org.params["cn"] = icalendar.vText(_line(organizer_name))
    event.add("organizer", org)
    who = icalendar.vCalAddress(f"mailto:{attendee}")
    if attendee_name:
        who.params["cn"] = icalendar.vText(_line(attendee_name))
    who.params["role"] = icalendar.vText("REQ-PARTICIPANT")
    who.params["partstat"] = icalendar.vText("NEEDS-ACTION")
    who.params["rsvp"] = icalendar.vText("FALSE")
    event.add("attendee", who)


@dataclass(frozen=True)
class ItipFile:
    """One scheduling message (one UID, RFC 5546 1.4): METHOD REQUEST or CANCEL, as bytes."""

    method: str
    uid: str
    content: bytes


def itip_calendars(session: Session, *, attendee: str, attendee_name: str | None,
                   organizer_name: str, dropped_days: int = 0,
                   not_expected: bool = False) -> list[ItipFile]:
    """The scheduling messages that bring a calendar holding the session's events up to date,
    one per day's UID (`session_uid`, the feed's and the reminders' UIDs) at the session's
    current `sequence`: METHOD:REQUEST with the new times and place, or METHOD:CANCEL
    (STATUS:CANCELLED) when the session is cancelled. `dropped_days`: how many days the
    session had before that it has no more (a two-day gathering made one day): those days'
    events are cancelled. `not_expected`: the attendee is no longer expected at the session
    (moved to a day after they left their group), so every day is cancelled for them. Each
    needs its module, cohort and group loaded."""
    cancelled = session.is_cancelled or not_expected
    method = "CANCEL" if cancelled else "REQUEST"
    events = events_for(session)
    files = []
    for event in events:
        if cancelled:
            event.pop("status", None)
            event.add("status", "CANCELLED")
        _schedule(event, organizer_address(), organizer_name, attendee, attendee_name)
        files.append(ItipFile(method, str(event["uid"]), _itip_calendar(method, [event], session)))
    for extra in range(len(events) + 1, len(events) + 1 + dropped_days):
        event = icalendar.Event()
        event.add("uid", session_uid(session, extra))
        event.add("dtstamp", clock.now())
        event.add("dtstart", events[-1].decoded("dtstart"))
        event.add("sequence", session.sequence or 0)
        event.add("status", "CANCELLED")
        event.add("summary", _line(str(events[0]["summary"])))
        _schedule(event, organizer_address(), organizer_name, attendee, attendee_name)
        files.append(ItipFile("CANCEL", str(event["uid"]), _itip_calendar("CANCEL", [event], session)))
    return files
