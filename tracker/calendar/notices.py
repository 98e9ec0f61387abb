"""Change notices: when a session is moved, its place changes or it is cancelled, everyone
expected at it gets one mail saying what changed, with the scheduling messages (iTIP, RFC 5546:
METHOD:REQUEST with the same UID and a higher SEQUENCE, or METHOD:CANCEL) that make Outlook,
Google and Apple Calendar update the event they already have from the feed or a reminder.

Here, in the calendar feature, because a notice is the calendar's side of a change the
schedule makes: the schedule (below) raises the session's `sequence` and knows nothing of
mail; this module changes the session through the schedule's service and queues the mails in
the same transaction (`tracker.outbox`), so a change saved while the mail server is down is
still saved and its notices go later, and a change rolled back sends nothing.

A session already held, or over (its end has passed), is not announced: a change to it is a
correction of the record, and a mail "moved" about a gathering that has taken place would
mislead. Its sequence still goes up, so the feeds show the corrected event.
"""
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from tracker import clock
from tracker.calendar.ics import ItipFile, itip_calendars, session_days, session_filename
from tracker.i18n import day_short, span
from tracker.mail import address, header_text, mail_language
from tracker.outbox.models import MailKind
from tracker.outbox.services import queue
from tracker.extensions import db
from tracker.groups.models import Enrolment, EnrolmentStatus
from tracker.people.models import Person
from tracker.schedule.attendance import expected_people, guests_of
from tracker.schedule.models import Placement, Session, SessionStatus
from tracker.schedule.sessions import change_group_status, future_sessions_of_group, update_session


@dataclass(frozen=True)
class Recipients:
    """Who a change notice about a session goes to, and who is expected but cannot be told."""

    told: list[Person]
    without_email: list[Person]


def notice_recipients(session: Session) -> Recipients:
    """Everyone expected at the session (`expected_people`: top leaders and members who belong
    to its group on its day, and the guests and stand-ins added to it alone), split into those
    with a usable e-mail address, by address, and those without one (none, or erased). Each
    person once."""
    seen: set[int] = set()
    told, without = [], []
    for person in [*expected_people(session), *guests_of(session)]:
        if person.id in seen:
            continue
        seen.add(person.id)
        if person.erased_at is None and person.email and _usable(person):
            told.append(person)
        else:
            without.append(person)
    told.sort(key=lambda person: (person.email or "", person.id))
    without.sort(key=lambda person: (person.name or "", person.id))
    return Recipients(told, without)


def _usable(person: Person) -> bool:
    try:
        address(person.name, person.email or "")
    except ValueError:
        return False
    return True


def may_announce(before: Placement, after: Placement, now: datetime) -> bool:
    """Whether a change from `before` to `after` is one to tell people about: the calendar
    changes (time, place, cancelled or not), the session is not a past one being corrected
    (held before or after, or ended by `now`), and it was not cancelled before and after (the
    event is gone from their calendars already)."""
    if not after.calendar_differs(before):
        return False
    if before.is_cancelled and after.is_cancelled:
        return False
    if SessionStatus.HELD in (before.status, after.status):
        return False
    return before.ends_at > now


def is_announceable(session: Session, now: datetime) -> bool:
    """Whether a change to the session as it is may be announced at all (`may_announce`): the
    edit form offers "Tell the people expected" only then."""
    return session.status is not SessionStatus.HELD and session.ends_at > now


@dataclass(frozen=True)
class ChangeSaved:
    """What saving a change did: whether the end moved with the start (the page says so), and
    how many people a notice was queued for."""

    end_moved: bool
    told: int


def change_session(session: Session, *, tell: bool, **values) -> ChangeSaved:
    """Save a change to the session (`update_session`, with its checks and `values`), and when
    its time, place or being cancelled changed, the session is not a past one being corrected
    (`may_announce`) and `tell` is set, queue a change notice for each person expected
    (`notice_recipients`). Without `tell` the change is a correction nobody needs to hear
    about: the sequence still goes up, so feeds update silently.

    :raise ConflictError, DomainError, UnseenWarnings: as `update_session`, before anything
        is changed or queued.
    """
    before = session.placement
    days_before = len(session_days(session))
    expected_before = notice_recipients(session).told if tell else []
    end_moved = update_session(session, **values)
    if not tell or not may_announce(before, session.placement, clock.now()):
        return ChangeSaved(end_moved, 0)
    dropped = max(days_before - len(session_days(session)), 0)
    recipients = notice_recipients(session).told
    # Someone expected on the old day but not on the new one (they leave their group in
    # between) has the event in their calendar too: it is cancelled for them.
    still = {person.id for person in recipients}
    no_longer = [person for person in expected_before if person.id not in still]
    for person in [*recipients, *no_longer]:
        queue(notice_message(session, before, person, dropped_days=dropped,
                             not_expected=person.id not in still),
              kind=MailKind.CHANGE_NOTICE,
              key=f"change:{session.id}:{session.sequence}:{person.id}")
    return ChangeSaved(end_moved, len(recipients) + len(no_longer))



def change_group_status_and_tell(enrolment: Enrolment, status: EnrolmentStatus, reason: str,
                                 version: object, *, cancel_sessions: bool,
                                 now: datetime) -> list[Session]:
    """Change a group's status (`change_group_status`); when its withdrawal cancels its future
    sessions, everyone who was expected at each one that may be announced is told, as when a
    coordinator cancels a session (a CANCEL for the event they have). Who was expected is read
    before the change: once the group has withdrawn, nobody is expected there any more.

    :raise ConflictError, DomainError: as `change_group_status`, before anything is queued.
    """
    expected = {session.id: (session.placement, notice_recipients(session).told)
                for session in db.session.scalars(future_sessions_of_group(enrolment, now))
                if is_announceable(session, now)}
    cancelled = change_group_status(enrolment, status, reason, version,
                                    cancel_sessions=cancel_sessions, now=now)
    for session in cancelled:
        before, people = expected.get(session.id, (None, []))
        for person in people:
            queue(notice_message(session, before, person), kind=MailKind.CHANGE_NOTICE,
                  key=f"change:{session.id}:{session.sequence}:{person.id}")
    return cancelled


def _changes(before: Placement, after: Placement) -> list[tuple[str, str, str]]:
    """What changed, as (what, old, new) lines in the current language."""
    lines = []
    if (before.starts_at, before.ends_at) != (after.starts_at, after.ends_at):
        lines.append((_("When"), span(before.starts_at, before.ends_at),
                      span(after.starts_at, after.ends_at)))
    if before.location.strip() != after.location.strip():
        lines.append((_("Where"), before.location.strip() or _("(not given)"),
                      after.location.strip() or _("(not given)")))
    if before.is_cancelled != after.is_cancelled:
        lines.append((_("Status"), str(before.status.label), str(after.status.label)))
    return lines


def notice_message(session: Session, before: Placement, person: Person, *,
                   dropped_days: int = 0, not_expected: bool = False) -> EmailMessage:
    """The change notice to `person`, in bokmål: what changed (old → new), module, cohort and
    group, the reason when it is cancelled; the scheduling message for each day's event inline
    (for Outlook) and attached (as Google sends its own). `not_expected`: the person is not
    expected at the session as it now is, so it is cancelled in their calendar."""
    language = mail_language()
    with force_locale(language):
        module = session.module.name(language)
        programme = session.cohort.programme.name(language)
        group = (session.enrolment.organisation.name(language) if session.enrolment
                 else _("all groups"))
        day = day_short(session.starts_at)
        if session.is_cancelled:
            subject = _("Cancelled: %(module)s, %(day)s", module=module, day=day)
        elif before.is_cancelled:
            subject = _("Takes place after all: %(module)s, %(day)s", module=module, day=day)
        else:
            subject = _("Changed: %(module)s, %(day)s", module=module, day=day)
        context = {
            "subject": subject, "person": person, "programme": programme, "module": module,
            "cohort": session.cohort.label, "group": group, "changes": _changes(before, session.placement),
            "when": span(session.starts_at, session.ends_at), "location": session.location,
            "cancelled": session.is_cancelled, "reason": session.cancellation_reason,
            "not_expected": not_expected,
        }
        message = EmailMessage()
        message["Subject"] = header_text(subject)
        message["To"] = address(person.name, person.email or "")
        message.set_content(render_template("calendar/mail/change_notice.txt.html", **context))
        message.add_alternative(render_template("calendar/mail/change_notice.html", **context),
                                subtype="html")
        files = itip_calendars(session, attendee=person.email or "", attendee_name=person.name,
                               organizer_name=programme, dropped_days=dropped_days,
                               not_expected=not_expected)
        filename = session_filename(session, language)
    _attach(message, files, filename)
    return message


def _attach(message: EmailMessage, files: list[ItipFile], filename: str) -> None:
    """The first day's scheduling message as a text/calendar alternative with its METHOD (what
    Outlook acts on), and every one as an .ics attachment (what Google and Apple Mail read)."""
    first = files[0]
    message.add_alternative(first.content, maintype="text", subtype="calendar",
                            params={"method": first.method, "charset": "utf-8"})
    stem = filename.removesuffix(".ics")
    for number, item in enumerate(files, start=1):
        name = filename if len(files) == 1 else f"{stem}-{number}.ics"
        message.add_attachment(item.content, maintype="application", subtype="ics",
                               filename=name)
