"""Personal data: everything the tracker holds about one person, across every feature, and
erasing it. It reaches into every table that can name a person, so it stands above them all."""
import html
import os
import re
from email import policy
from email.errors import MessageError
from email.parser import BytesParser
from typing import Any

from sqlalchemy import Select, delete, func, or_, select
from sqlalchemy.orm import selectinload

from tracker import clock
from tracker.audit.models import AuditEntry
from tracker.auth.models import ExternalIdentity, RecoveryCode, SignInSession
from tracker.audit.services import as_json
from tracker.calendar.services import revoke_person_feeds
from tracker.extensions import db
from tracker.mail import mail_folder
from tracker.outbox.models import OutboxMessage
from tracker.schedule.absence import forget_reasons
from tracker.messages.services import forget_recipient_addresses, messages_received
from tracker.people.models import Person
from tracker.people.services import memberships_of
from tracker.schedule.models import Attendance, Session
from tracker.surveys.responses import forget_drafts
from tracker.surveys.models import Respondent, SurveyRound
from tracker.surveys.rounds import renew_link
from tracker.users.models import AccountLink, User
from tracker.users.services import check_erasable, erase_account

ERASED = "[erased]"
# What identifies a person, in the person record and in the notes kept about them.
PERSONAL_FIELDS = {"person": ("name", "email", "title"), "attendance": ("note",),
                   "user_account": ("email",)}


def attendance_of(person: Person) -> list[Attendance]:
    return db.session.scalars(
        select(Attendance)
        .join(Attendance.session)
        .where(Attendance.person_id == person.id)
        .options(selectinload(Attendance.session).selectinload(Session.module))
        .order_by(Session.starts_at)
    ).all()


def attendance_count(person: Person) -> int:
    """How many sessions have an attendance mark for this person."""
    return db.session.scalar(select(func.count(Attendance.id)).where(Attendance.person_id == person.id))


def survey_respondents_of(person: Person) -> list[Respondent]:
    return db.session.scalars(
        select(Respondent).join(Respondent.round).where(Respondent.person_id == person.id)
        .options(selectinload(Respondent.round).selectinload(SurveyRound.enrolment))
        .order_by(SurveyRound.opened_at, SurveyRound.id)).all()


def personal_data(person: Person) -> dict[str, Any]:
    """Everything the tracker holds about a person, as JSON-ready data (a subject access request)."""
    accounts = db.session.scalars(select(User).where(User.person_id == person.id)).all()
    attendance = attendance_of(person)
    audit = db.session.scalars(_audit_entries_about(person, attendance, accounts).order_by(AuditEntry.at)).all()
    return {
        "person": {
            "id": person.id,
            "name": person.name,
            "email": person.email,
            "title": person.title,
            "organisation": person.organisation.name_nb if person.organisation else None,
            "erased_at": as_json(person.erased_at),
        },
        "memberships": [
            {
                "cohort": m.enrolment.cohort.label,
                "organisation": m.enrolment.organisation.name_nb,
                "role": as_json(m.role),
                "joined_on": as_json(m.joined_on),
                "left_on": as_json(m.left_on),
            }
            for m in memberships_of(person)
        ],
        "attendance": [
            {
                "session_id": a.session_id,
                "module": a.session.module.name_nb,
                "starts_at": as_json(a.session.starts_at),
                "status": as_json(a.status),
                "note": a.note,
            }
            for a in attendance
        ],
        # The rounds they were asked to answer, and whether they have: never what they
        # answered, which nothing stored ties to them.
        "survey_rounds": [
            {
                "cohort": r.round.cohort.label,
                # A gathering's evaluation belongs to the gathering, not to a group.
                "organisation": (r.round.enrolment.organisation.name_nb
                                 if r.round.enrolment else None),
                "session_id": r.round.session_id,
                "kind": as_json(r.round.kind),
                "closes_on": as_json(r.round.closes_on),
                "has_answered": r.has_answered,
                "invited_at": as_json(r.invited_at),
                "reminded_at": as_json(r.reminded_at),
            }
            for r in survey_respondents_of(person)
        ],
        # The messages from the coordinators they were sent (issue 13): which, and when.
        "messages": [
            {"cohort": m.cohort.label, "subject": m.subject, "sent_at": as_json(m.sent_at)}
            for m in messages_received(person)
        ],
        "user_accounts": [
            {"email": u.email, "role": as_json(u.role), "active": u.active,
             "created_at": as_json(u.created_at)}
            for u in accounts
        ],
        "change_log": [
            {"at": as_json(e.at), "actor": e.actor, "action": as_json(e.action),
             "record": f"{e.table_name} #{e.record_id}", "changes": e.changes}
            for e in audit
        ],
    }


def erase_person(person: Person) -> None:
    """Remove a person's name, contact details and notes, everywhere the tracker keeps them.

    Memberships and attendance marks stay, without a name, so statistics still count them.
    A sign-in account linked to the person is erased with them (tracker.users.services
    `erase_account`), and its sign-in sessions deleted, with everything it signed in by: the
    identities linked to it (an ID-porten identity's subject is the national identity number),
    its invitation and reset links, its authenticator's secret and its recovery codes.
    The change log keeps that the erasure happened, but not the values it removed. Every
    address of the person's calendar feed stops working, the copies of sent mail in the
    mail folder that name them are deleted, and so are the outbox's messages that name them.

    The mail files go first, while the name is still known to look for, and outside the
    transaction: if the erasure is then not saved, copies of mail already sent are gone and
    asking again erases the rest.
    """
    accounts = list(db.session.scalars(select(User).where(User.person_id == person.id)))
    for account in accounts:
        check_erasable(account)  # before anything is deleted
    remove_mail_naming(person)
    # Mail waiting in the outbox that names them is not sent, and what went to them is forgotten.
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(outbox_naming(person))))
    revoke_person_feeds(person)
    person.name = person.email = person.title = None
    person.erased_at = clock.now()
    attendance = attendance_of(person)
    for mark in attendance:
        mark.note = ""
    # Why they could not come may be about their health.
    forget_reasons(person)
    # They stay counted in their rounds (asked, answered), but get no more mail, and their
    # personal links stop working: a new nonce, and no hash to find them by.
    respondents = survey_respondents_of(person)
    for respondent in respondents:
        renew_link(respondent)
        respondent.token_hash = None
    # What they had saved without submitting is theirs, and can no longer be sent.
    forget_drafts(respondent_ids=[r.id for r in respondents])
    # The messages they were sent stay counted, without the address they went to.
    forget_recipient_addresses(person)
    # Their sign-in account goes with them: it cannot sign in, names no one, and the browsers
    # and addresses it signed in from are forgotten.
    for account in accounts:
        erase_account(account)
    db.session.flush()  # writes the change log entries, which the next step scrubs too
    if accounts:
        account_ids = [account.id for account in accounts]
        for model in (SignInSession, ExternalIdentity, AccountLink, RecoveryCode):
            db.session.execute(delete(model).where(model.user_id.in_(account_ids)))
        for account in accounts:
            account.totp_secret = account.totp_last_step = None
            db.session.expire(account, ["identities"])
    for entry in db.session.scalars(_audit_entries_about(person, attendance, accounts)):
        fields = PERSONAL_FIELDS.get(entry.table_name, ())
        entry.changes = {
            field: [ERASED if v not in (None, "") else v for v in values] if field in fields else values
            for field, values in entry.changes.items()
        }


def _audit_entries_about(person: Person, attendance: list[Attendance],
                         accounts: list[User]) -> Select[tuple[AuditEntry]]:
    return select(AuditEntry).where(
        or_(
            (AuditEntry.table_name == "person") & (AuditEntry.record_id == person.id),
            (AuditEntry.table_name == "attendance")
            & AuditEntry.record_id.in_([a.id for a in attendance]),
            (AuditEntry.table_name == "user_account")
            & AuditEntry.record_id.in_([account.id for account in accounts]),
        )
    )


def _mail_text(raw: bytes) -> str:
    """Everything a mail file says, as a reader of it would see it: headers decoded (RFC 2047),
    each text part decoded from quoted-printable or base64, HTML entities resolved; and the raw
    bytes too, for whatever the parser could not make sense of."""
    parts = [raw.decode("utf-8", errors="replace")]
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        parts += [str(value) for value in message.values()]
        for part in message.walk():
            if part.get_content_maintype() == "text":
                parts.append(html.unescape(part.get_content()))
    except (LookupError, ValueError, MessageError):
        pass  # an unknown charset, or no mail at all: its raw bytes are all there is to read
    # A name folded onto two lines, or spaced twice, is still the name.
    return " ".join("\n".join(parts).split()).casefold()


def _naming(person: Person) -> re.Pattern | None:
    """What finds the person's name or e-mail address in a mail's text (`_mail_text`)."""
    needles = [" ".join(value.split()).casefold() for value in (person.name, person.email) if value]
    if not needles:
        return None
    # Whole words only: "Ola" names Ola, not Nikolai, nor a run of base64 that happens to hold it.
    return re.compile("|".join(rf"(?<!\w){re.escape(needle)}(?!\w)" for needle in needles))


def outbox_naming(person: Person) -> list[int]:
    """The outbox's messages that name the person: to their address (sent or not: the record
    of what went to whom names them), or with their name or address in a subject or a text
    still waiting to be sent."""
    naming = _naming(person)
    if naming is None:
        return []
    found = []
    for row in db.session.execute(select(OutboxMessage.id, OutboxMessage.recipient,
                                         OutboxMessage.subject, OutboxMessage.content)):
        if (person.email and row.recipient.casefold() == person.email.casefold()) or \
                naming.search(_mail_text(row.content or row.subject.encode())):
            found.append(row.id)
    return found


def mail_files_naming(person: Person) -> list[str]:
    """The files in the mail folder (sent mail, when no mail server is configured) that give the
    person's name or e-mail address anywhere: a recipient, a line in an alert, a greeting."""
    naming = _naming(person)
    folder = mail_folder()
    if naming is None or not os.path.isdir(folder):
        return []
    found = []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if not os.path.isfile(path):
            continue
        with open(path, "rb") as file:
            text = _mail_text(file.read())
        if naming.search(text):
            found.append(path)
    return found


def remove_mail_naming(person: Person) -> int:
    """Delete the mail files that name the person; how many there were."""
    paths = mail_files_naming(person)
    for path in paths:
        try:
            os.remove(path)
        except FileNotFoundError:  # removed meanwhile by someone else: as good as done
            pass
    return len(paths)
