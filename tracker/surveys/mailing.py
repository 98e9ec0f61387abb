"""The survey's mail: each respondent's invitation with their personal link, queued in the
outbox when the round opens, the person is added or their link is renewed; and reminders to
those who have not answered, queued by the daily run (`flask reminders send`)
SURVEY_REMINDER_DAYS before the closing day, or at once when a coordinator asks.

Each mail is queued in the transaction that causes it (tracker/outbox), so it goes exactly when
that change is committed. A daily reminder's outbox key names the respondent, the closing day
and the threshold, so two runs at once queue it once.
"""
from datetime import date
from email.message import EmailMessage

from babel.dates import format_date
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from tracker import clock
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.mail import address, header_text, mail_language
from tracker.outbox.models import MailKind
from tracker.outbox.services import queue
from tracker.people.models import Person
from tracker.surveys.models import Respondent, RoundKind, SurveyRound
from tracker.surveys.rounds import link_token
from tracker.urls import absolute_url
from tracker.working_days import days_before


def reminder_days(value: str) -> tuple[int, ...]:
    """SURVEY_REMINDER_DAYS ("3,1") as whole days before the closing day, largest first.

    :raise ValueError: when it is not whole days of 0 or more.
    """
    return days_before("SURVEY_REMINDER_DAYS", value, "3,1")


def _mailable(today: date) -> Select[tuple[Respondent]]:
    """Respondents of open rounds who have not answered and can be written to."""
    return (
        select(Respondent)
        .join(Respondent.round)
        .join(Respondent.person)
        .where(
            SurveyRound.is_open(today),
            SurveyRound.enrolment_id.is_not(None),
            Respondent.has_answered.is_(False),
            Respondent.token_hash.is_not(None),
            Person.erased_at.is_(None),
            Person.email.is_not(None),
            Person.email != "",
        )
        .options(
            selectinload(Respondent.person),
            selectinload(Respondent.round).selectinload(SurveyRound.enrolment)
            .selectinload(Enrolment.organisation),
            selectinload(Respondent.round).selectinload(SurveyRound.enrolment)
            .selectinload(Enrolment.cohort),
        )
        .order_by(SurveyRound.id, Respondent.id)
    )



def can_be_mailed(respondent: Respondent, today: date) -> bool:
    """Whether `respondent` can be written to now: the round is open, they have not answered,
    their link works, and their person has an address and is not erased."""
    person = respondent.person
    return (respondent.round.is_open(today) and not respondent.has_answered
            and respondent.token_hash is not None and person.erased_at is None
            and bool(person.email))


def invite(respondent: Respondent) -> bool:
    """Queue `respondent`'s invitation with their current link, when they can be mailed;
    whether it was queued. One invitation per link (a renewed link gets its own)."""
    if not can_be_mailed(respondent, clock.today()):
        return False
    try:
        message = invitation_message(respondent, mail_language())
    except ValueError:
        return False  # an address no header can carry: it is shown on the round's page
    if queue(message, kind=MailKind.SURVEY_INVITATION,
             key=f"survey-invitation:{respondent.id}:{respondent.link_nonce}") is None:
        return False
    respondent.invited_at = clock.now()
    return True


def remind(respondent: Respondent, key: str | None) -> bool:
    """Queue a reminder to `respondent` (`key`: what makes it one of a kind, None for one a
    coordinator asks for); whether it was queued."""
    try:
        message = reminder_message(respondent, mail_language())
    except ValueError:
        return False
    if queue(message, kind=MailKind.SURVEY_REMINDER, key=key) is None:
        return False
    respondent.reminded_at = clock.now()
    return True


def uninvited(today: date) -> list[Respondent]:
    """Respondents of open rounds who can be mailed and were never invited (their person had
    no address when the round opened, say): the daily run invites them."""
    return list(db.session.scalars(_mailable(today).where(Respondent.invited_at.is_(None))))


def due_reminders(today: date, days: tuple[int, ...]) -> list[tuple[Respondent, str]]:
    """Every survey reminder due, with its outbox key: to an invited respondent who has not
    answered, once the closing day is at most N days off (N of `days`) and no mail went to
    them since that day came within N days. A run missed is made up once."""
    due = []
    for respondent in db.session.scalars(_mailable(today).where(Respondent.invited_at.is_not(None))):
        closes_on = respondent.round.closes_on
        reached = [n for n in days if (closes_on - today).days <= n]
        if not reached:
            continue
        last_mail = max(d for d in (respondent.invited_at, respondent.reminded_at) if d)
        if clock.local_day(last_mail) < date.fromordinal(closes_on.toordinal() - min(reached)):
            due.append((respondent, f"survey-reminder:{respondent.id}:{closes_on}:{min(reached)}"))
    return due


def _context(respondent: Respondent, language: str) -> dict:
    survey_round = respondent.round
    enrolment = survey_round.enrolment
    return {
        "person": respondent.person,
        "group": enrolment.organisation.name(language),
        "cohort": enrolment.cohort.label,
        "programme": enrolment.cohort.programme.name(language),
        "closes_on": format_date(survey_round.closes_on, "full", locale=language),
        "link": answer_url(respondent),
        "minimum": survey_round.minimum_respondents,
        "has_open_questions": bool(survey_round.instrument_version.open_questions),
    }


def answer_url(respondent: Respondent) -> str:
    """The respondent's personal link (the answer pages, `respond.answer` at /answer/<token>)."""
    return absolute_url("respond.answer", token=link_token(respondent))


def _message(template: str, subject: str, respondent: Respondent, context: dict) -> EmailMessage:
    message = EmailMessage()
    # The subject names a group: a line break in a stored name must not become a header.
    message["Subject"] = header_text(subject)
    message["To"] = address(respondent.person.name, respondent.person.email)
    message.set_content(render_template(f"reminders/{template}.txt.html", **context))
    message.add_alternative(render_template(f"reminders/{template}.html", **context),
                            subtype="html")
    return message


def invitation_message(respondent: Respondent, language: str) -> EmailMessage:
    """:raise ValueError: when the address cannot be written in a header."""
    with force_locale(language):
        context = _context(respondent, language)
        # Baseline or final: someone asked twice in a year tells the two apart by the subject.
        if respondent.round.kind is RoundKind.FINAL:
            subject = _("Final survey for the leadership group of %(group)s: please answer by "
                        "%(day)s", group=context["group"], day=context["closes_on"])
        else:
            subject = _("Baseline survey for the leadership group of %(group)s: please answer "
                        "by %(day)s", group=context["group"], day=context["closes_on"])
        context["subject"] = subject
        return _message("survey_invitation", subject, respondent, context)


def reminder_message(respondent: Respondent, language: str) -> EmailMessage:
    """:raise ValueError: when the address cannot be written in a header."""
    with force_locale(language):
        context = _context(respondent, language)
        subject = context["subject"] = _("Reminder: the survey for %(group)s closes %(day)s",
                                         group=context["group"], day=context["closes_on"])
        return _message("survey_reminder", subject, respondent, context)


