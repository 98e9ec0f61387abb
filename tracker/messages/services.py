"""Messages to a cohort's groups: who a choice of groups and audience reaches, what the mail
says, and sending it through the outbox with a copy kept.

A message goes to the people who still belong to a chosen group taking part (they have not
left it before today; someone joining later is written to as well), in the roles of the
audience, who have not been erased and have an e-mail address: each person once, however many
of the groups they are in. The preview shows exactly that list; sending checks that it is
still the same (`Selection.fingerprint`) and refuses when it is not (`StaleSelection`), so a
message never reaches someone the coordinator did not see on the preview. A preview's send
button sends once: the message keeps the preview's key, and a second press finds it
(`AlreadySent`).
"""
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage

from flask import abort, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from tracker import bounds, clock
from tracker.cohorts.models import Cohort
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.mail import address, header_text, mail_language
from tracker.messages.models import SUBJECT_MAX, Audience, CohortMessage, MessageRecipient
from tracker.organisations.models import Organisation
from tracker.outbox.models import MailKind, OutboxMessage, OutboxStatus
from tracker.outbox.services import queue
from tracker.people.models import Membership, Person
from tracker.roles import Reader
from tracker.users.models import User

# How many of the latest messages the cohort page lists.
LATEST = 5


class StaleSelection(DomainError):
    """The people a message would reach are no longer those the preview showed."""


class AlreadySent(Exception):
    """The preview's message was sent already (its send button pressed twice)."""

    def __init__(self, message: "CohortMessage"):
        super().__init__(message.id)
        self.message = message


_PREVIEW_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_preview_key() -> str:
    """What makes one preview's send button send once."""
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class Reached:
    """One person a message would reach, through one of their groups (the first by name)."""

    person: Person
    enrolment: Enrolment


@dataclass(frozen=True)
class Selection:
    """Who a choice reaches: `recipients` get the mail; `without_email` would, but have no
    address, and are left out."""

    recipients: list[Reached] = field(default_factory=list)
    without_email: list[Reached] = field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        """What the preview showed, in a few characters: each recipient and their address."""
        shown = "\n".join(f"{r.person.id}:{r.person.email}" for r in
                          sorted(self.recipients, key=lambda r: r.person.id))
        return hashlib.sha256(shown.encode("utf-8")).hexdigest()[:32]


def groups_to_choose(cohort: Cohort) -> list[Enrolment]:
    """The cohort's groups taking part (not withdrawn), by organisation name: those a message
    can be written to."""
    return list(db.session.scalars(
        select(Enrolment)
        .join(Enrolment.organisation)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.is_taking_part)
        .options(selectinload(Enrolment.organisation))
        .order_by(Organisation.name_nb, Enrolment.id)
    ))


def chosen_groups(cohort: Cohort, group_ids: list[int]) -> list[Enrolment]:
    """The groups with these ids, each one of the cohort's groups taking part.

    :raise DomainError: (field "groups") for no group, or an id that is not such a group (one
        of another cohort, withdrawn, or none at all).
    """
    if not group_ids:
        raise DomainError(_l("Groups: tick at least one group."), field="groups")
    groups = {g.id: g for g in groups_to_choose(cohort)}
    if any(group_id not in groups for group_id in group_ids):
        raise DomainError(_l("Groups: choose among the groups taking part in this cohort."),
                          field="groups")
    wanted = set(group_ids)
    return [g for g in groups.values() if g.id in wanted]


def reached_by(groups: list[Enrolment], audience: Audience, today: date) -> Selection:
    """Who a message to `groups` for `audience` reaches on `today` (see the module's doc), by
    name; in one query."""
    if not groups:
        return Selection()
    memberships = db.session.scalars(
        select(Membership)
        .join(Membership.person)
        .join(Membership.enrolment)
        .join(Enrolment.organisation)
        .where(
            Membership.enrolment_id.in_([g.id for g in groups]),
            Membership.role.in_(audience.roles),
            Membership.not_left_by(today),
            Person.erased_at.is_(None),
        )
        .order_by(Person.name, Person.id, Organisation.name_nb, Enrolment.id)
    ).all()
    by_id = {g.id: g for g in groups}
    seen: set[int] = set()
    recipients, without_email = [], []
    for membership in memberships:
        if membership.person_id in seen:
            continue
        seen.add(membership.person_id)
        reached = Reached(membership.person, by_id[membership.enrolment_id])
        (recipients if has_usable_address(membership.person) else without_email).append(reached)
    return Selection(recipients, without_email)


def has_usable_address(person: Person) -> bool:
    """Whether a mail can be addressed to the person: an address that a To header can carry
    (one stored before today's checks might not)."""
    if not person.email:
        return False
    try:
        address(person.name, person.email)
    except ValueError:
        return False
    return True


def check_text(subject: str | None, text: str | None) -> tuple[str, str]:
    """The subject and text as they will be sent: the subject one line, trimmed; the text with
    its line breaks (as \\n), trailing spaces at its end trimmed.

    :raise DomainError: naming the field, for an empty subject or text, one too long, or
        control characters (a line break in the subject; anything but tabs and line breaks in
        the text).
    """
    subject = (subject or "").strip()
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").rstrip()
    if not subject:
        raise DomainError(_l("Subject: write a subject."), field="subject")
    if len(subject) > SUBJECT_MAX:
        raise DomainError(_l("Subject: at most %(max)s characters.", max=SUBJECT_MAX),
                          field="subject")
    if bounds.has_control_characters(subject):
        raise DomainError(_l("Subject: remove the line breaks and control characters."),
                          field="subject")
    if not text.strip():
        raise DomainError(_l("Text: write the message."), field="text")
    if len(text) > bounds.MAX_TEXT:
        raise DomainError(_l("Text: at most %(max)s characters.", max=bounds.MAX_TEXT),
                          field="text")
    if bounds.has_control_characters(text, multiline=True):
        raise DomainError(_l("Text: remove the control characters; only tabs and line breaks "
                             "are allowed."), field="text")
    return subject, text


def check_reaches_someone(selection: Selection) -> None:
    """:raise DomainError: (field "groups") when no one would get the message."""
    if selection.recipients:
        return
    if selection.without_email:
        raise DomainError(_l("Groups: no one chosen has an e-mail address, so no one would get "
                             "the message."), field="groups")
    raise DomainError(_l("Groups: no one in the groups chosen is in the audience chosen, so no "
                         "one would get the message."), field="groups")



def mail_bodies(cohort: Cohort, sender: User, subject: str, text: str) -> tuple[str, str]:
    """The plain text and HTML of a message's mail, the same for every recipient: what the
    preview shows is what each of them gets."""
    language = mail_language()
    with force_locale(language):
        context = {"subject": subject, "text": text, "sender": sender.email,
                   "cohort": cohort.label, "programme": cohort.programme.name(language),
                   "paragraphs": paragraphs(text)}
        return (render_template("messages/mail/message.txt.html", **context),
                render_template("messages/mail/message.html", **context))


def paragraphs(text: str) -> list[list[str]]:
    """The text as paragraphs (split at blank lines), each a list of its lines: for the HTML
    mail, which keeps the line breaks without trusting any markup in the text."""
    found, current = [], []
    for line in text.split("\n"):
        if line.strip():
            current.append(line)
        elif current:
            found.append(current)
            current = []
    if current:
        found.append(current)
    return found


def message_mail(subject: str, bodies: tuple[str, str], to: Person, reply_to: User) -> EmailMessage:
    """One recipient's mail; a reply goes to the coordinator who sent it."""
    message = EmailMessage()
    message["Subject"] = header_text(subject)
    message["To"] = address(to.name, to.email)
    try:
        message["Reply-To"] = address(None, reply_to.email)
    except ValueError:
        pass  # an account's address a header cannot carry: replies go to MAIL_FROM
    text, html = bodies
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def outbox_key(message: CohortMessage, person: Person) -> str:
    return f"message:{message.id}:{person.id}"


@dataclass(frozen=True)
class Draft:
    """A message checked and ready to send: what the preview shows, and what is sent."""

    subject: str
    text: str
    groups: list[Enrolment]
    audience: Audience
    selection: Selection
    # The mail's plain text and HTML, the same for every recipient.
    bodies: tuple[str, str]


def draft_message(cohort: Cohort, sender: User, *, subject: str | None, text: str | None,
                  group_ids: list[int], audience: Audience, today: date | None = None) -> Draft:
    """The message as it would go now, for the preview and for sending; writes nothing.

    :raise DomainError: for a bad subject or text, no group or a group not of this cohort, or
        no one to send to (each naming its field).
    """
    subject, text = check_text(subject, text)
    groups = chosen_groups(cohort, group_ids)
    selection = reached_by(groups, audience, today or clock.today())
    check_reaches_someone(selection)
    return Draft(subject, text, groups, audience, selection,
                 mail_bodies(cohort, sender, subject, text))


def send_message(cohort: Cohort, sender: User, *, subject: str | None, text: str | None,
                 group_ids: list[int], audience: Audience, shown: str | None,
                 preview_key: str | None = None, today: date | None = None) -> CohortMessage:
    """Keep the message and put one mail per recipient in the outbox, in this transaction;
    flushes, never commits.

    `shown` is the fingerprint of the recipients the preview showed: the message goes only if
    the same people (with the same addresses) would get it now.

    :raise AlreadySent: when the message of this preview (`preview_key`) was sent already.
    :raise DomainError: as `draft_message`, before anything is written.
    :raise StaleSelection: when the recipients are not those the preview showed.
    """
    preview_key = preview_key if preview_key and _PREVIEW_KEY.fullmatch(preview_key) else None
    if preview_key is not None:
        sent = db.session.scalar(select(CohortMessage).where(CohortMessage.cohort_id == cohort.id,
                                                             CohortMessage.preview_key == preview_key))
        if sent is not None:
            raise AlreadySent(sent)
    draft = draft_message(cohort, sender, subject=subject, text=text, group_ids=group_ids,
                          audience=audience, today=today)
    if shown != draft.selection.fingerprint:
        raise StaleSelection(_l("The recipients have changed since the preview (someone joined, "
                                "left or got another address): nothing was sent. Check the new "
                                "list and send again."), field="groups")
    message = keep_message(cohort, sender, subject=draft.subject, text=draft.text,
                           groups=draft.groups, audience=audience,
                           recipients=draft.selection.recipients)
    message.preview_key = preview_key
    for recipient in message.recipients:
        queue(message_mail(draft.subject, draft.bodies, recipient.person, sender),
              kind=MailKind.MESSAGE, key=recipient.outbox_key)
    db.session.flush()
    return message


def keep_message(cohort: Cohort, sender: User | None, *, subject: str, text: str,
                 groups: list[Enrolment], audience: Audience, recipients: list[Reached],
                 sent_at=None) -> CohortMessage:
    """The copy kept of a message (checked values), with its recipients; queues nothing.
    Flushes."""
    message = CohortMessage(cohort=cohort, sender=sender, subject=subject, text=text,
                            audience=audience, groups=groups,
                            whole_cohort=len(groups) == len(groups_to_choose(cohort)),
                            sent_at=sent_at or clock.now())
    db.session.add(message)
    db.session.flush()
    for reached in recipients:
        message.recipients.append(MessageRecipient(
            person=reached.person, enrolment=reached.enrolment, email=reached.person.email,
            outbox_key=outbox_key(message, reached.person)))
    db.session.flush()
    return message


# Reading what was sent


def messages_of(cohort: Cohort) -> Select[tuple[CohortMessage]]:
    """A cohort's messages, newest first, with their sender."""
    return (select(CohortMessage).where(CohortMessage.cohort_id == cohort.id)
            .options(joinedload(CohortMessage.sender))
            .order_by(CohortMessage.sent_at.desc(), CohortMessage.id.desc()))


def latest_messages(cohort: Cohort, for_user: Reader) -> list[CohortMessage]:
    """The latest few messages for the cohort page's section; none for a reader who is not
    staff (the messages are the coordinators' pages)."""
    if not for_user.is_staff:
        return []
    return list(db.session.scalars(messages_of(cohort).limit(LATEST)))


def recipient_counts(messages: list[CohortMessage]) -> dict[int, int]:
    """How many each message went to, in one query."""
    if not messages:
        return {}
    return dict(db.session.execute(
        select(MessageRecipient.message_id, func.count(MessageRecipient.id))
        .where(MessageRecipient.message_id.in_([m.id for m in messages]))
        .group_by(MessageRecipient.message_id)).all())


def get_message_or_404(message_id: int, for_user: Reader) -> CohortMessage:
    """The message with this id, if the user may see it.

    :raise 404: when there is none, or the user may not see its cohort's messages.
    """
    message = db.session.scalar(
        select(CohortMessage).where(CohortMessage.id == message_id)
        .options(selectinload(CohortMessage.sender), selectinload(CohortMessage.cohort),
                 selectinload(CohortMessage.groups).selectinload(Enrolment.organisation)))
    if message is None or not message.can_view(for_user):
        abort(404)
    return message


def recipients_with_state(message: CohortMessage) -> list[tuple[MessageRecipient, OutboxStatus | None]]:
    """Who a message went to, by name, each with their mail's state in the outbox (None when
    it is no longer there); in two queries."""
    recipients = list(db.session.scalars(
        select(MessageRecipient).where(MessageRecipient.message_id == message.id)
        .options(selectinload(MessageRecipient.person),
                 selectinload(MessageRecipient.enrolment).selectinload(Enrolment.organisation))
        .order_by(MessageRecipient.id)))
    states = dict(db.session.execute(
        select(OutboxMessage.key, OutboxMessage.status)
        .where(OutboxMessage.key.in_([r.outbox_key for r in recipients]))).all())
    return [(r, states.get(r.outbox_key)) for r in recipients]


def forget_recipient_addresses(person: Person) -> int:
    """For an erasure: the addresses kept of what was sent to the person go; the rows stay
    (the person's name goes with the person). How many."""
    rows = list(db.session.scalars(
        select(MessageRecipient).where(MessageRecipient.person_id == person.id)))
    for row in rows:
        row.email = None
    return len(rows)


def messages_received(person: Person) -> list[CohortMessage]:
    """The messages sent to the person, oldest first (for their data export)."""
    return list(db.session.scalars(
        select(CohortMessage).join(CohortMessage.recipients)
        .where(MessageRecipient.person_id == person.id)
        .options(selectinload(CohortMessage.cohort))
        .order_by(CohortMessage.sent_at, CohortMessage.id)))
