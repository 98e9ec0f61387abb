"""Reminders of sessions to the people expected there, and attendance alerts to coordinators.

What is due and what each mail says is decided here. Each mail is queued in the outbox
together with its record (`ReminderSent`, `AlertSent`), whose unique key keeps a second run at
the same time from queueing it again; the outbox delivers it (tracker/outbox).
"""
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from email.headerregistry import Address
from email.message import EmailMessage

from babel.dates import format_date, format_time
from babel.numbers import format_percent
from flask import render_template
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from tracker import clock
from tracker.calendar.ics import build_calendar, session_filename
from tracker.cohorts.models import Cohort
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.mail import address, header_text, mail_language
from tracker.people.models import Membership, Person
from tracker.outbox.models import MailKind
from tracker.outbox.services import queue
from tracker.reminders.models import AlertKind, AlertSent, ReminderSent
from tracker.roles import STAFF
from tracker.schedule.absence import notice_keys
from tracker.schedule.attendance import (
    AttendanceTally,
    attendance_threshold,
    expectable_memberships,
    expected_memberships,
    expected_people,
)
from tracker.schedule.models import Attendance, AttendanceStatus, Session, SessionStatus
from tracker.urls import absolute_url
from tracker.users.models import User
from tracker.working_days import days_before


def reminder_thresholds(value: str) -> tuple[int, ...]:
    """REMINDER_DAYS ("7,1") as whole days, largest first, without repeats.

    :raise ValueError: when it is not whole days of 0 or more.
    """
    return days_before("REMINDER_DAYS", value, "7,1")


def start_of_day(day: date) -> datetime:
    """Midnight at the start of `day` in Oslo, as an aware datetime."""
    return clock.oslo_time(day, time(0))


def recipient_language(recipient: Person | User) -> str:
    """The language to write to someone in (`tracker.mail.mail_language`: everyone's, as
    nobody has one of their own yet)."""
    return mail_language()


def _mail(subject: str, to: Address, text: str, html: str) -> EmailMessage:
    message = EmailMessage()
    # The subject carries stored names (a module, a cohort): a line break in one must not
    # become a header of its own.
    message["Subject"] = header_text(subject)
    message["To"] = to
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def _address(name: str | None, email: str) -> Address:
    """`Name <email>`; :raise ValueError: when the address cannot be written in a header."""
    return address(name, email)


# Reminders


@dataclass(frozen=True)
class DueReminder:
    """A reminder someone should get now: about `session`, which starts `days_until` days
    after today; `thresholds` are the REMINDER_DAYS it stands for (more than one when a run
    was missed), none of them sent before."""

    session: Session
    person: Person
    days_until: int
    thresholds: tuple[int, ...]

    @property
    def days_before(self) -> int:
        """The threshold the mail is for: the nearest of those due."""
        return min(self.thresholds)


def upcoming_sessions(now: datetime, until: datetime) -> Select[tuple[Session]]:
    """Planned sessions starting after `now` and before `until`, in time order, with what a
    reminder shows loaded (cohort and programme, module, group and organisation)."""
    return (
        select(Session)
        .where(
            Session.status == SessionStatus.PLANNED,
            Session.starts_at > now,
            Session.starts_at < until,
        )
        .options(
            selectinload(Session.cohort).selectinload(Cohort.programme),
            selectinload(Session.module),
            selectinload(Session.enrolment).selectinload(Enrolment.organisation),
        )
        .order_by(Session.starts_at, Session.id)
    )


def _memberships_of_cohorts(cohort_ids: Iterable[int]) -> dict[int, list[Membership]]:
    """Who may be expected at these cohorts' sessions (`expectable_memberships`), by cohort
    id, for `expected_people`."""
    memberships = db.session.scalars(
        expectable_memberships(cohort_ids).order_by(Membership.id)
    ).all()
    by_cohort: dict[int, list[Membership]] = defaultdict(list)
    for membership in memberships:
        by_cohort[membership.enrolment.cohort_id].append(membership)
    return by_cohort


def due_reminders(today: date, now: datetime, thresholds: Sequence[int]) -> list[DueReminder]:
    """Every reminder due on `today` and not yet sent, in session order; in a fixed number
    of queries.

    A planned session that starts after `now` is due for threshold N once its first day (in
    Oslo) is at most N days after `today`. Everyone expected there (`expected_people`: top
    leaders and members, not contacts) who has an email address gets it, unless a reminder
    for that threshold was sent before. When several thresholds are due at once (a run was
    missed), one reminder stands for all of them.
    """
    if not thresholds:
        return []
    until = start_of_day(today + timedelta(days=max(thresholds) + 1))
    sessions = db.session.scalars(upcoming_sessions(now, until)).all()
    if not sessions:
        return []
    memberships = _memberships_of_cohorts({session.cohort_id for session in sessions})
    sent = {
        tuple(row) for row in db.session.execute(
            select(ReminderSent.session_id, ReminderSent.person_id, ReminderSent.days_before)
            .where(ReminderSent.session_id.in_([session.id for session in sessions]))
        )
    }
    due = []
    for session in sessions:
        days_until = (clock.local_day(session.starts_at) - today).days
        reached = [n for n in thresholds if days_until <= n]
        if not reached:
            continue
        for person in expected_people(session, memberships[session.cohort_id]):
            if not person.email or person.erased_at is not None:
                continue
            unsent = tuple(n for n in reached if (session.id, person.id, n) not in sent)
            if unsent:
                due.append(DueReminder(session, person, days_until, unsent))
    return due


def when_text(session: Session, language: str) -> str:
    """When the session is, in Oslo time: "Monday 24 October 2016, 09:00–15:00", or from the
    first day's start to the last day's end for a session of several days."""
    starts, ends = session.starts_at.astimezone(clock.OSLO), session.ends_at.astimezone(clock.OSLO)
    first = format_date(starts.date(), "full", locale=language)
    start = format_time(starts, "HH:mm", locale=language)
    end = format_time(ends, "HH:mm", locale=language)
    if starts.date() == ends.date():
        return _("%(day)s, %(start)s–%(end)s", day=first, start=start, end=end)
    return _("%(first_day)s, %(start)s to %(last_day)s, %(end)s", first_day=first, start=start,
             last_day=format_date(ends.date(), "full", locale=language), end=end)


def _how_soon(days_until: int) -> str:
    if days_until == 0:
        return _("today")
    if days_until == 1:
        return _("tomorrow")
    return ngettext("in %(num)d day", "in %(num)d days", days_until)


def reminder_message(due: DueReminder, language: str) -> EmailMessage:
    """The reminder mail to `due.person`, in `language`: module, time in Oslo, place, cohort
    and group in subject and body, with the session attached as an .ics file."""
    session = due.session
    with force_locale(language):
        module = session.module.name(language)
        group = (session.enrolment.organisation.name(language) if session.enrolment
                 else _("all groups"))
        day = format_date(clock.local_day(session.starts_at), "full", locale=language)
        context = {
            "person": due.person,
            "programme": session.cohort.programme.name(language),
            "module": module,
            "when": when_text(session, language),
            "how_soon": _how_soon(due.days_until),
            "location": session.location,
            "cohort": session.cohort.label,
            "group": group,
        }
        subject = context["subject"] = _("Reminder: %(module)s, %(day)s", module=module, day=day)
        message = _mail(
            subject,
            _address(due.person.name, due.person.email),
            render_template("reminders/session_reminder.txt.html", **context),
            render_template("reminders/session_reminder.html", **context),
        )
        calendar = build_calendar([session], context["programme"])
    message.add_attachment(
        calendar, maintype="text", subtype="calendar", filename=session_filename(session, language),
        params={"method": "PUBLISH", "charset": "utf-8"},
    )
    return message


def queue_reminder(due: DueReminder, message: EmailMessage) -> bool:
    """Queue `message`, the reminder `due`, and note it for each of its thresholds, all or
    nothing; False (and nothing queued) when another run queued it first."""
    savepoint = db.session.begin_nested()
    try:
        db.session.add_all([ReminderSent(session_id=due.session.id, person_id=due.person.id,
                                         days_before=n) for n in due.thresholds])
        db.session.flush()
    except IntegrityError:
        savepoint.rollback()
        return False
    if queue(message, kind=MailKind.SESSION_REMINDER,
             key=f"reminder:{due.session.id}:{due.person.id}:{due.days_before}") is None:
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


# Attendance alerts


@dataclass(frozen=True)
class Alert:
    """Something about one person's attendance in one group that coordinators should hear of.

    BELOW_THRESHOLD: `present` of the `marked` sessions (of `held` held ones they were
    expected at) is below the threshold. ABSENT_TWICE: absent, without an excuse, from both
    `sessions`, consecutive held sessions they were expected at.
    """

    kind: AlertKind
    enrolment: Enrolment
    person: Person
    key: str
    held: int = 0
    marked: int = 0
    present: int = 0
    sessions: tuple[Session, ...] = ()

    @property
    def identity(self) -> tuple[AlertKind, int, int, str]:
        return self.kind, self.enrolment.id, self.person.id, self.key


def coordinators() -> Select[tuple[User]]:
    """The active accounts that hear about attendance: coordinators and administrators."""
    return (
        select(User)
        .where(User.active.is_(True), User.role.in_(STAFF))
        .order_by(User.email)
    )


def new_alerts(today: date, threshold: float) -> list[Alert]:
    """Attendance alerts not yet sent, in a fixed number of queries, by cohort, group and
    person.

    Everyone who is a top leader or member of a group that is not withdrawn, still belongs to
    it on `today` and has not been erased is judged over the held sessions they were expected
    at (the rule of `expected_memberships`), in time order:
    - BELOW_THRESHOLD (key "below") when their tally is low (`AttendanceTally.is_low`: at
      least three such sessions held, and the share marked present of those marked at all
      below `threshold`);
    - ABSENT_TWICE (key: the id of the later session) for every two such sessions in a row
      marked absent (not excused).
    Each alert is new once: a later run leaves out what AlertSent has.
    """
    memberships = db.session.scalars(
        expectable_memberships()
        .join(Membership.person)
        .where(
            Membership.not_left_by(today),
            Person.erased_at.is_(None),
        )
        .options(selectinload(Membership.enrolment).selectinload(Enrolment.cohort))
        .order_by(Membership.id)
    ).all()
    if not memberships:
        return []
    by_cohort: dict[int, list[Membership]] = defaultdict(list)
    for membership in memberships:
        by_cohort[membership.enrolment.cohort_id].append(membership)
    held = db.session.scalars(
        select(Session)
        .where(Session.status == SessionStatus.HELD, Session.cohort_id.in_(list(by_cohort)))
        .options(selectinload(Session.module))
        .order_by(Session.starts_at, Session.id)
    ).all()
    marks = {
        (row.person_id, row.session_id): row.status
        for row in db.session.execute(
            select(Attendance.person_id, Attendance.session_id, Attendance.status)
            .join(Attendance.session)
            .where(Session.status == SessionStatus.HELD, Session.cohort_id.in_(list(by_cohort)))
        )
    }
    already = {
        tuple(row) for row in db.session.execute(
            select(AlertSent.kind, AlertSent.enrolment_id, AlertSent.person_id, AlertSent.key)
        )
    }
    # An absence told of in advance counts apart, as on the attention list.
    noticed = notice_keys(session.id for session in held)

    expected_at: dict[int, list[Session]] = defaultdict(list)  # by membership id, in time order
    for session in held:
        for membership in expected_memberships(session, by_cohort[session.cohort_id]):
            expected_at[membership.id].append(session)

    alerts = []
    for membership in memberships:
        sessions = expected_at[membership.id]
        statuses = [marks.get((membership.person_id, session.id)) for session in sessions]
        found = []
        tally = AttendanceTally.of(len(sessions), statuses,
                                   [(session.id, membership.person_id) in noticed for session in sessions])
        if tally.is_low(threshold):
            found.append(Alert(AlertKind.BELOW_THRESHOLD, membership.enrolment, membership.person,
                               "below", held=tally.held, marked=tally.marked,
                               present=tally.present))
        for i in range(1, len(sessions)):
            if statuses[i - 1] is statuses[i] is AttendanceStatus.ABSENT:
                found.append(Alert(AlertKind.ABSENT_TWICE, membership.enrolment, membership.person,
                                   str(sessions[i].id), sessions=(sessions[i - 1], sessions[i])))
        alerts.extend(alert for alert in found if alert.identity not in already)
    return sorted(alerts, key=lambda alert: (
        alert.enrolment.cohort.ordinal, alert.enrolment.cohort.label,
        alert.enrolment.organisation.name_nb, alert.person.name or "", alert.person.id,
        alert.kind.name, alert.sessions[-1].starts_at.timestamp() if alert.sessions else 0,
    ))


def _alert_line(alert: Alert, language: str) -> dict[str, str]:
    """What the summary says about one alert, and where to look."""
    if alert.kind is AlertKind.BELOW_THRESHOLD:
        text = _("Present at %(present)d of %(marked)d sessions with attendance marked (%(share)s), "
                 "of %(held)d held.", present=alert.present, marked=alert.marked, held=alert.held,
                 share=format_percent(alert.present / alert.marked, locale=language))
        register = None
    else:
        first, second = alert.sessions
        text = _("Absent without excuse from two sessions in a row: %(first)s (%(first_day)s) and "
                 "%(second)s (%(second_day)s).",
                 first=first.module.name(language),
                 first_day=format_date(clock.local_day(first.starts_at), "medium", locale=language),
                 second=second.module.name(language),
                 second_day=format_date(clock.local_day(second.starts_at), "medium", locale=language))
        register = absolute_url("schedule.attendance", session_id=second.id)
    return {
        "person": alert.person.name or "",
        "group": alert.enrolment.organisation.name(language),
        "cohort": alert.enrolment.cohort.label,
        "text": text,
        "person_url": absolute_url("people.detail", person_id=alert.person.id),
        "group_url": absolute_url("groups.detail", enrolment_id=alert.enrolment.id),
        "register_url": register,
    }


def alert_summary_message(user: User, alerts: Sequence[Alert], language: str) -> EmailMessage:
    """One mail to a coordinator listing `alerts`, each with links to the person, the group
    and, for two absences, the register of the later session."""
    with force_locale(language):
        context = {
            "lines": [_alert_line(alert, language) for alert in alerts],
            "threshold": format_percent(attendance_threshold(), locale=language),
        }
        subject = context["subject"] = ngettext(
            "Attendance: %(num)d new alert", "Attendance: %(num)d new alerts", len(alerts)
        )
        return _mail(
            subject,
            _address(None, user.email),
            render_template("reminders/attendance_alerts.txt.html", **context),
            render_template("reminders/attendance_alerts.html", **context),
        )


def note_alerts(alerts: Sequence[Alert]) -> list[Alert]:
    """Note the alerts this run tells coordinators of; return those noted: all of them, unless
    another run noted some at the same moment, when each is noted on its own and the others'
    are left out."""
    def noted(group: Sequence[Alert]) -> bool:
        savepoint = db.session.begin_nested()
        try:
            db.session.add_all([_alert_record(alert.identity) for alert in group])
            db.session.flush()
        except IntegrityError:
            savepoint.rollback()
            return False
        savepoint.commit()
        return True

    if not alerts or noted(alerts):
        return list(alerts)
    return [alert for alert in alerts if noted([alert])]


def _alert_record(identity: tuple[AlertKind, int, int, str]) -> AlertSent:
    kind, enrolment_id, person_id, key = identity
    return AlertSent(kind=kind, enrolment_id=enrolment_id, person_id=person_id, key=key)
