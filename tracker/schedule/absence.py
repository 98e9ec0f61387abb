"""Notice of absence and stand-ins: someone expected at a session says before it starts that
they cannot come, perhaps with a reason and a stand-in from their organisation; a coordinator
accepts or declines the stand-in, who is then expected at that one session (a `SessionGuest`).

Who may give notice for whom (`may_speak_for`): the participant themself (a user whose person
is expected there), their group's contact person, and staff on anyone's behalf. Someone who
may see the session but not speak for the person is refused with 403; a session they may not
see is a 404 (`get_session_or_404`).
"""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from babel.dates import format_datetime
from flask import abort, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from tracker import clock
from tracker.clock import OSLO, local_day
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.mail import address, header_text, mail_language
from tracker.organisations.models import Organisation
from tracker.outbox.models import MailKind
from tracker.outbox.services import queue, unqueue
from tracker.users.services import active_coordinators
from tracker.people.models import MemberRole, Membership, Person
from tracker.people.services import normalise_email
from tracker.schedule.attendance import (
    EXPECTED_ROLES,
    ExpectedPerson,
    add_guest,
    attendance_register,
    belongs_on,
    expected_memberships,
    remove_guest,
)
from tracker.schedule.models import (
    AbsenceNotice,
    Attendance,
    AttendanceStatus,
    NoticeGiver,
    Session,
    SessionStatus,
    StandInDecision,
)
from tracker.urls import absolute_url
from tracker.users.models import User

REASON_MAX = 500
# Mail goes out in bokmål: people have no language of their own (reminders.recipient_language).


# Who may speak for whom


def contact_groups(user: User, day) -> set[int]:
    """The ids of the groups whose contact person the user's person is on `day`."""
    if user.person_id is None:
        return set()
    return {
        m.enrolment_id for m in db.session.scalars(
            select(Membership).where(Membership.person_id == user.person_id,
                                     Membership.role == MemberRole.CONTACT))
        if m.not_left_by(day)
    }


def giver_for(user: User, line: ExpectedPerson, contact_of: set[int]) -> NoticeGiver | None:
    """As whom `user` may give notice for the person on this line of the roster, if at all:
    staff for anyone expected; the person themself; the contact person of the person's group.
    Guests added to one session give no notice (the coordinator takes them off)."""
    if line.membership is None:
        return None
    if user.is_staff:
        return NoticeGiver.STAFF
    if user.person_id is not None and user.person_id == line.person.id:
        return NoticeGiver.PERSON
    if line.membership.enrolment_id in contact_of:
        return NoticeGiver.CONTACT
    return None


@dataclass(frozen=True)
class Speakable:
    """Someone the user may give notice for at a session, and as whom."""

    line: ExpectedPerson
    giver: NoticeGiver

    @property
    def person(self) -> Person:
        return self.line.person


def speakable(session: Session, user: User,
              register: list[ExpectedPerson] | None = None) -> list[Speakable]:
    """The members expected at the session the user may give notice for, in the roster's
    order (the user's own person first). `register`: the session's `attendance_register`
    (with guests or not: they give no notice), when the page has it already."""
    contact_of = contact_groups(user, local_day(session.starts_at))
    lines = register if register is not None else attendance_register(session)
    found = [Speakable(line, giver) for line in lines
             if (giver := giver_for(user, line, contact_of)) is not None]
    return sorted(found, key=lambda s: s.giver is not NoticeGiver.PERSON)


def may_speak_for(user: User, session: Session, person_id: int) -> NoticeGiver | None:
    """As whom the user may give or withdraw notice for this person at this session; None when
    they may not (or the person is not a member expected there)."""
    return next((s.giver for s in speakable(session, user) if s.person.id == person_id), None)


@dataclass(frozen=True)
class NoticePage:
    """A session as the notice pages show it, with what they ask of it, asked once: its roster
    with the guests (`attendance_register`) and whom the user may speak for there."""

    session: Session
    register: list[ExpectedPerson]
    speakable: list[Speakable]


def get_notice_page_or_404(session_id: int, user: User) -> NoticePage:
    """The session for the notice pages: one in the user's scope, or one where they speak for
    someone expected (a participant's account has no scope of its own, only its person).

    :raise 404: otherwise.
    """
    # All many-to-one, joined: the page names the module, the cohort and the group.
    session = db.session.get(Session, session_id, options=[
        joinedload(Session.module), joinedload(Session.cohort),
        joinedload(Session.enrolment).joinedload(Enrolment.organisation)])
    if session is None:
        abort(404)
    register = attendance_register(session, guests=True)
    speak = speakable(session, user, register)
    if not (session.can_view(user) or speak):
        abort(404)
    return NoticePage(session, register, speak)


# Reading notices


def notices_of(session: Session) -> dict[int, AbsenceNotice]:
    """The session's notices by the id of the person who cannot come, with the stand-in and
    the giver loaded."""
    return {n.person_id: n for n in db.session.scalars(
        select(AbsenceNotice).where(AbsenceNotice.session_id == session.id)
        # All many-to-one: joined, one statement however many notices.
        .options(joinedload(AbsenceNotice.stand_in).joinedload(Person.organisation),
                 joinedload(AbsenceNotice.given_by)))}


def noticed_sessions(person_id: int | None, session_ids) -> set[int]:
    """The ids of these sessions for which the person has given notice of absence (My group
    marks them); one query."""
    if person_id is None:
        return set()
    return {session_id for session_id, noticed in notice_keys(session_ids) if noticed == person_id}


def notice_keys(session_ids) -> set[tuple[int, int]]:
    """(session id, person id) of every notice given for these sessions: the register counts
    those as excused in advance (`AttendanceTally`)."""
    ids = list(session_ids)
    if not ids:
        return set()
    return {tuple(row) for row in db.session.execute(
        select(AbsenceNotice.session_id, AbsenceNotice.person_id)
        .where(AbsenceNotice.session_id.in_(ids)))}


def shows_reason_to(notice: AbsenceNotice, user: User) -> bool:
    """The reason is the absent person's own (it may be about their health): they, the user
    who gave the notice, and staff read it; not the rest of the group nor the ministry."""
    return user.is_staff or (user.person_id is not None and user.person_id == notice.person_id) \
        or (notice.given_by_id is not None and notice.given_by_id == user.id)


def upcoming_for(user: User, now: datetime) -> list[tuple[Session, Speakable, AbsenceNotice | None]]:
    """The sessions not yet started and not cancelled where the user's own person is expected
    (`expected_memberships`), in time order, each with the user's line and their notice, if
    any: the "I cannot come" list; in four queries. Empty for a user who is no person."""
    if user.person_id is None:
        return []
    memberships = db.session.scalars(
        select(Membership).where(Membership.person_id == user.person_id,
                                 Membership.role.in_(EXPECTED_ROLES))
        .options(selectinload(Membership.person),
                 selectinload(Membership.enrolment).selectinload(Enrolment.organisation))
    ).all()
    if not memberships:
        return []
    sessions = db.session.scalars(
        select(Session)
        .where(Session.cohort_id.in_({m.enrolment.cohort_id for m in memberships}),
               Session.starts_at > now, Session.status == SessionStatus.PLANNED,
               # Their own person's sessions, scope or not: a participant's account has
               # none, and anyone may speak for themselves (get_notice_page_or_404).
               or_(Session.enrolment_id.is_(None),
                   Session.enrolment_id.in_([m.enrolment_id for m in memberships])))
        .options(selectinload(Session.module), selectinload(Session.cohort),
                 selectinload(Session.enrolment).selectinload(Enrolment.organisation))
        .order_by(Session.starts_at, Session.id)
    ).all()
    notices = {n.session_id: n for n in db.session.scalars(
        select(AbsenceNotice).where(AbsenceNotice.person_id == user.person_id,
                                    AbsenceNotice.session_id.in_([s.id for s in sessions]))
        .options(selectinload(AbsenceNotice.stand_in)))} if sessions else {}
    rows = []
    for session in sessions:
        expected = expected_memberships(session, memberships)
        if expected:
            line = ExpectedPerson(expected[0].person, expected[0], None)
            rows.append((session, Speakable(line, NoticeGiver.PERSON), notices.get(session.id)))
    return rows


def stand_in_candidates(session: Session, organisation_ids: Iterable[int], *,
                        register: list[ExpectedPerson] | None = None,
                        notices: dict[int, AbsenceNotice] | None = None) -> list[Person]:
    """People of these organisations who could stand in at the session: not erased, not on its
    roster, and not named as a stand-in in another notice for it; by name, with organisation.
    `register` (the session's `attendance_register` with guests) and `notices` (`notices_of`):
    when the page has them already."""
    organisation_ids = list(organisation_ids)
    if not organisation_ids:
        return []
    if register is None:
        register = attendance_register(session, guests=True)
    taken = {line.person.id for line in register}
    if notices is None:
        taken |= set(db.session.scalars(select(AbsenceNotice.stand_in_id).where(
            AbsenceNotice.session_id == session.id, AbsenceNotice.stand_in_id.is_not(None))))
    else:
        taken |= {n.stand_in_id for n in notices.values() if n.stand_in_id is not None}
    found = db.session.scalars(
        select(Person).where(Person.organisation_id.in_(organisation_ids),
                             Person.erased_at.is_(None))
        .options(joinedload(Person.organisation))
        .order_by(Person.name, Person.id))
    return [person for person in found if person.id not in taken]


def contact_sessions(user: User, now: datetime) -> list[tuple[Enrolment, list[Session]]]:
    """For a group's contact person: each group they are contact for, with its sessions (its
    cohort's joint ones and its own) not yet started nor cancelled, in time order."""
    groups = contact_groups(user, clock.local_day(now))
    if not groups:
        return []
    enrolments = db.session.scalars(
        select(Enrolment).where(Enrolment.id.in_(groups), Enrolment.is_taking_part)
        .options(selectinload(Enrolment.organisation), selectinload(Enrolment.cohort))
        .order_by(Enrolment.id)).all()
    found = []
    for enrolment in enrolments:
        sessions = db.session.scalars(
            select(Session).where(Session.of_group(enrolment), Session.starts_at > now,
                                  Session.status == SessionStatus.PLANNED, Session.visible_to(user))
            .options(selectinload(Session.module)).order_by(Session.starts_at, Session.id)).all()
        found.append((enrolment, list(sessions)))
    return found


def forget_reasons(person: Person) -> int:
    """Empty the reasons of every notice of absence given for the person, as their erasure
    does with their attendance notes; return how many there were."""
    notices = db.session.scalars(select(AbsenceNotice).where(
        AbsenceNotice.person_id == person.id, AbsenceNotice.reason != "")).all()
    for notice in notices:
        notice.reason = ""
    db.session.flush()
    return len(notices)


# Giving, withdrawing, deciding


def check_before_start(session: Session, now: datetime) -> None:
    """:raise DomainError: when the session is cancelled or has started."""
    if session.status is SessionStatus.CANCELLED:
        raise DomainError(_l("Session: it is cancelled, so no notice of absence is needed."))
    if session.starts_at <= now or session.status is not SessionStatus.PLANNED:
        raise DomainError(_l("Session: it has started; a notice of absence is given before a "
                             "session starts. Tell the coordinators instead."))


@dataclass(frozen=True)
class NewStandIn:
    """Someone not yet in the tracker, named to stand in."""

    name: str
    email: str


def give_notice(session: Session, person_id: int, *, user: User, reason: str = "",
                stand_in_id: int | None = None, new_stand_in: NewStandIn | None = None,
                now: datetime | None = None) -> AbsenceNotice:
    """Record that the person cannot come to the session, with an optional reason and stand-in
    (someone of the person's group's organisation: an existing person by id, or a new one by
    name and email), and queue the mail about it (`_tell_of_notice`).

    :raise 403: when the user may not speak for the person (`may_speak_for`).
    :raise DomainError: naming `person` when the person is not a member expected at the session
        or has given notice already; naming `stand_in` (or `stand_in_name`/`stand_in_email`)
        for a stand-in from another organisation, already expected there, or the absent person;
        for a session cancelled or started (nothing is saved).
    """
    now = now or clock.now()
    check_before_start(session, now)
    lines = {line.person.id: line for line in attendance_register(session)}
    line = lines.get(person_id) if isinstance(person_id, int) else None
    if line is None or line.membership is None:
        raise DomainError(_l("Person: choose someone expected at this session."), field="person")
    giver = may_speak_for(user, session, line.person.id)
    if giver is None:
        abort(403)
    if db.session.scalar(select(AbsenceNotice.id).where(
            AbsenceNotice.session_id == session.id, AbsenceNotice.person_id == line.person.id)):
        raise DomainError(_l("Person: %(name)s has given notice of absence for this session "
                             "already. Withdraw it first to give a new one.",
                             name=line.person.name), field="person")
    organisation = line.membership.enrolment.organisation
    stand_in = _stand_in(session, organisation, line.person, stand_in_id, new_stand_in)
    notice = AbsenceNotice(
        session=session, person=line.person, reason=(reason or "").strip(), given_as=giver,
        given_by_id=user.id, given_at=now, stand_in=stand_in,
        stand_in_decision=StandInDecision.PENDING if stand_in else None,
    )
    db.session.add(notice)
    db.session.flush()
    _tell_of_notice(notice, line.membership.enrolment)
    return notice


def _stand_in(session: Session, organisation: Organisation, absent: Person,
              stand_in_id: int | None, new: NewStandIn | None) -> Person | None:
    """The stand-in named, checked; a new person is made (of the organisation) when `new`
    names no one the tracker knows."""
    if stand_in_id is None and new is None:
        return None
    field = "stand_in"
    if stand_in_id is not None:
        person = db.session.get(Person, stand_in_id) if isinstance(stand_in_id, int) else None
        if person is None or person.erased_at is not None:
            raise DomainError(_l("Stand-in: choose someone from the list."), field=field)
    else:
        email = normalise_email(new.email)
        person = db.session.scalar(select(Person).where(func.lower(Person.email) == email))
        field = "stand_in_email"
        if person is None:
            domains = organisation_domains(organisation)
            if domains and email.rpartition("@")[2] not in domains:
                raise DomainError(_l("Stand-in: a stand-in comes from the same organisation; use "
                                     "an address at %(domains)s.",
                                     domains=", ".join(sorted(domains))), field=field)
            person = Person(name=" ".join(new.name.split()), email=email, organisation=organisation)
            db.session.add(person)
            return person
        if person.id != absent.id and not _may_stand_in(session, person, organisation):
            # Found by an address the giver typed: say nothing of whose it is (addresses are
            # for staff to read), only that it cannot be used.
            raise DomainError(_l("Stand-in: this e-mail address belongs to someone who cannot "
                                 "stand in here. A stand-in comes from the same organisation "
                                 "and is not expected at the session already."), field=field)
    if person.id == absent.id:
        raise DomainError(_l("Stand-in: choose someone else than the person who cannot come."),
                          field=field)
    if person.organisation_id != organisation.id:
        raise DomainError(_l("Stand-in: %(name)s is not of %(organisation)s; a stand-in comes "
                             "from the same organisation.", name=person.name,
                             organisation=organisation.name_nb), field=field)
    if any(line.person.id == person.id for line in attendance_register(session, guests=True)):
        raise DomainError(_l("Stand-in: %(name)s is expected at this session already.",
                             name=person.name), field=field)
    if db.session.scalar(select(AbsenceNotice.id).where(
            AbsenceNotice.session_id == session.id, AbsenceNotice.stand_in_id == person.id)):
        raise DomainError(_l("Stand-in: %(name)s is named as a stand-in for someone else at "
                             "this session already.", name=person.name), field=field)
    return person


def organisation_domains(organisation: Organisation) -> set[str]:
    """The e-mail domains the organisation's people use (udir.no): a new stand-in typed in by
    address must have one of them, as no one else can vouch that they work there."""
    return {email.rpartition("@")[2].lower() for email in db.session.scalars(
        select(Person.email).where(Person.organisation_id == organisation.id,
                                   Person.email.is_not(None), Person.erased_at.is_(None)))
        if "@" in email}


def _may_stand_in(session: Session, person: Person, organisation: Organisation) -> bool:
    """The rules below, as one answer: of the organisation, not expected, not named already."""
    return (person.organisation_id == organisation.id
            and not any(line.person.id == person.id
                        for line in attendance_register(session, guests=True))
            and db.session.scalar(select(AbsenceNotice.id).where(
                AbsenceNotice.session_id == session.id,
                AbsenceNotice.stand_in_id == person.id)) is None)


def get_notice(session: Session, notice_id: object) -> AbsenceNotice:
    """The session's notice with this id.

    :raise DomainError: naming `notice` when the session has none with that id."""
    notice = db.session.get(AbsenceNotice, notice_id) if isinstance(notice_id, int) else None
    if notice is None or notice.session_id != session.id:
        raise DomainError(_l("Notice: this notice of absence is not there any longer."),
                          field="notice")
    return notice


def withdraw_notice(session: Session, notice_id: object, *, user: User,
                    now: datetime | None = None) -> Person:
    """Withdraw a notice before the session starts: the person is expected again, an accepted
    stand-in is taken off the session, and a notice of absence recorded in the register before
    the start goes with it. Returns the person who can come after all.

    :raise 403: when the user may not speak for the notice's person.
    :raise DomainError: when there is no such notice, or the session has started or is cancelled.
    """
    now = now or clock.now()
    notice = get_notice(session, notice_id)
    if may_speak_for(user, session, notice.person_id) is None:
        abort(403)
    check_before_start(session, now)
    if notice.stand_in_decision is StandInDecision.ACCEPTED and notice.stand_in_id is not None:
        try:
            remove_guest(session, notice.stand_in_id)
        except DomainError:
            pass  # the coordinator has taken them off already
    recorded = db.session.scalar(select(Attendance).where(
        Attendance.session_id == session.id, Attendance.person_id == notice.person_id))
    if recorded is not None and recorded.status is AttendanceStatus.EXCUSED:
        db.session.delete(recorded)
    person = notice.person
    # Whoever was to be told of the notice and has not been yet is not told of it any more.
    unqueue(_mail_key(notice))
    db.session.delete(notice)
    db.session.flush()
    return person


def decide_stand_in(session: Session, notice_id: object, *, accept: bool,
                    now: datetime | None = None,
                    calendar_file: tuple[str, bytes] | None = None) -> AbsenceNotice:
    """A coordinator accepts or declines the stand-in a notice names. Accepted, the stand-in is
    a guest of the session (expected there: its reminder and calendar file), and is told by
    mail, with `calendar_file` (file name, iCalendar bytes: the calendar feature builds it, the
    pages pass it) attached.

    :raise DomainError: naming `notice` when there is no such notice or no stand-in waiting for
        a decision; when the session has started or is cancelled; naming `notice` when the
        stand-in is on the roster already.
    """
    now = now or clock.now()
    notice = get_notice(session, notice_id)
    check_before_start(session, now)
    if not notice.has_pending_stand_in:
        raise DomainError(_l("Notice: there is no stand-in waiting for a decision."),
                          field="notice")
    # One conditional UPDATE: of two coordinators deciding at the same moment, the second is
    # refused rather than undoing the first (a declined notice whose stand-in is expected).
    decided = db.session.execute(
        update(AbsenceNotice)
        .where(AbsenceNotice.id == notice.id,
               AbsenceNotice.stand_in_decision == StandInDecision.PENDING)
        .values(stand_in_decision=StandInDecision.ACCEPTED if accept else StandInDecision.DECLINED,
                decided_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(notice)
    if decided != 1:
        raise DomainError(_l("Notice: another coordinator has just decided on this stand-in."),
                          field="notice")
    if not accept:
        return notice
    try:
        add_guest(session, notice.stand_in_id)
    except DomainError as error:
        raise DomainError(error.message, field="notice") from error
    db.session.flush()
    _tell_stand_in(notice, calendar_file)
    return notice


# Mail (bokmål, through the outbox)


def _when(session: Session) -> str:
    return format_datetime(session.starts_at.astimezone(OSLO), "EEEE d. MMMM y 'kl.' HH.mm",
                           locale=mail_language())


def _message(subject: str, to_name: str | None, to_email: str, paragraphs: list[str]) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = header_text(subject)
    message["To"] = address(to_name, to_email)
    message.set_content("\n\n".join(paragraphs) + "\n")
    message.add_alternative(render_template("schedule/mail/absence.html", subject=subject,
                                            paragraphs=paragraphs), subtype="html")
    return message



def _contacts(enrolment: Enrolment, day) -> list[Person]:
    return [m.person for m in db.session.scalars(
        select(Membership).where(Membership.enrolment_id == enrolment.id,
                                 Membership.role == MemberRole.CONTACT)
        .options(selectinload(Membership.person)))
        if belongs_on(m, day, enrolment.cohort.start_date) and m.person.email
        and m.person.erased_at is None]


def _tell_of_notice(notice: AbsenceNotice, enrolment: Enrolment) -> None:
    """Coordinators hear of a notice with a stand-in for them to decide on; the group's contact
    persons of every notice a member gives themself. No reason is written in the mail."""
    session = notice.session
    with force_locale(mail_language()):
        module = session.module.name(mail_language())
        subject = _("Notice of absence: %(name)s, %(module)s", name=notice.person.name or "",
                    module=module)
        about = _("%(name)s (%(organisation)s) cannot come to %(module)s, %(when)s.",
                  name=notice.person.name or "", organisation=enrolment.organisation.name_nb,
                  module=module, when=_when(session))
        link = absolute_url("schedule.attendance", session_id=session.id)
        if notice.has_pending_stand_in:
            stand_in = _("Stand-in proposed: %(name)s. Accept or decline on the roster: %(link)s",
                         name=notice.stand_in.name or "", link=link)
            for coordinator in active_coordinators():
                queue(_message(subject, None, coordinator.email, [about, stand_in]),
                      kind=MailKind.ABSENCE_NOTICE,
                      key=f"{_mail_key(notice)}coordinator:{coordinator.id}")
        if notice.given_as is NoticeGiver.PERSON:
            lines = [about]
            if notice.stand_in is not None:
                lines.append(_("Stand-in proposed: %(name)s. A coordinator decides.",
                               name=notice.stand_in.name or ""))
            for contact in _contacts(enrolment, local_day(session.starts_at)):
                if contact.id != notice.person_id:
                    queue(_message(subject, contact.name, contact.email, lines),
                          kind=MailKind.ABSENCE_NOTICE,
                          key=f"{_mail_key(notice)}contact:{contact.id}")


def _mail_key(notice: AbsenceNotice) -> str:
    """What the outbox keys of a notice's mails start with: its id and when it was given (an id
    a withdrawn notice had may come again)."""
    return f"absence:{notice.id}:{notice.given_at:%Y%m%dT%H%M%S%f}:"


def _tell_stand_in(notice: AbsenceNotice, calendar_file: tuple[str, bytes] | None) -> None:
    """The stand-in hears that they are expected at the session, if they have an address, with
    the session as a calendar file when one is given."""
    stand_in, session = notice.stand_in, notice.session
    if not stand_in.email or stand_in.erased_at is not None:
        return
    with force_locale(mail_language()):
        module = session.module.name(mail_language())
        lines = [
            _("Hello %(name)s,", name=stand_in.name) if stand_in.name else _("Hello,"),
            _("You are expected at %(module)s, %(when)s, as stand-in for %(name)s.",
              module=module, when=_when(session), name=notice.person.name or ""),
        ]
        if session.location:
            lines.append(_("Where: %(location)s", location=session.location))
        if calendar_file:
            lines.append(_("The session is attached as a calendar file (.ics): open it to add it "
                           "to your calendar."))
        lines.append(_("You will get a reminder with a calendar file before the session."))
        message = _message(_("You are stand-in at %(module)s", module=module), stand_in.name,
                           stand_in.email, lines)
    if calendar_file:
        filename, data = calendar_file
        message.add_attachment(data, maintype="text", subtype="calendar", filename=filename,
                               params={"method": "PUBLISH", "charset": "utf-8"})
    queue(message, kind=MailKind.ABSENCE_NOTICE)
