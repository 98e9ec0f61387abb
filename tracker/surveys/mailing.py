"""The survey's mail: each respondent's invitation with their personal link, and reminders to
those who have not answered (SURVEY_REMINDER_DAYS before the closing day, or when a
coordinator asks), sent by the daily mail run (`flask reminders send`).

As with the session reminders, each mail is claimed before the mail server is called: the
claim is a time written on the respondent and committed, by an UPDATE that only succeeds when
nobody else holds it, so two runs at once never send the same mail. Once the server accepted
it, the mail is recorded sent; when it did not, the claim is released and the next run tries
again. A record or release only touches the claim this run made: a link renewed meanwhile (its
claim cleared) is mailed again by the next run, not forgotten.
"""
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage

from babel.dates import format_date
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from tracker import clock
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.mail import address, header_text
from tracker.people.models import Person
from tracker.surveys.models import Respondent, RoundKind, SurveyRound
from tracker.surveys.round_services import CLAIM_EXPIRES, reminder_asked
from tracker.surveys.rounds import link_token
from tracker.urls import absolute_url
from tracker.working_days import days_before


def reminder_days(value: str) -> tuple[int, ...]:
    """SURVEY_REMINDER_DAYS ("3,1") as whole days before the closing day, largest first.

    :raise ValueError: when it is not whole days of 0 or more.
    """
    return days_before("SURVEY_REMINDER_DAYS", value, "3,1")


@dataclass(frozen=True)
class SurveyMail:
    """A mail one respondent should get now, with what the respondent held when it was found
    (the claim only succeeds if that is still so)."""

    respondent: Respondent
    # The respondent's id again, read when it was found: a run commits after every mail, which
    # expires the respondent, and reloading it for each claim would cost a query per mail.
    respondent_id: int
    link_nonce: str
    claimed_at: datetime | None
    reminded_at: datetime | None


def _mailable(today: date):
    """Respondents of open rounds who have not answered and can be written to."""
    return (
        select(Respondent)
        .join(Respondent.round)
        .join(Respondent.person)
        .where(
            SurveyRound.is_open(today),
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


def _found(respondent: Respondent, claimed_at: datetime | None) -> SurveyMail:
    return SurveyMail(respondent, respondent.id, respondent.link_nonce, claimed_at,
                      respondent.reminded_at)


def due_invitations(today: date, now: datetime) -> list[SurveyMail]:
    """Every invitation not yet sent (nor held by a run), in round order."""
    respondents = db.session.scalars(_mailable(today).where(
        Respondent.invited_at.is_(None),
        Respondent.invitation_claimed_at.is_(None)
        | (Respondent.invitation_claimed_at < now - CLAIM_EXPIRES),
    )).all()
    return [_found(r, r.invitation_claimed_at) for r in respondents]


def due_reminders(today: date, now: datetime, days: tuple[int, ...]) -> list[SurveyMail]:
    """Every survey reminder due: to an invited respondent who has not answered, once the
    closing day is at most N days off (N of `days`) and no mail went to them since that day
    came within N days; or when a coordinator asked for one. A run missed is made up once."""
    due = []
    for respondent in db.session.scalars(_mailable(today).where(Respondent.invited_at.is_not(None))):
        claimed = respondent.reminder_claimed_at
        if reminder_asked(respondent, now):
            due.append(_found(respondent, claimed))
            continue
        if claimed is not None and (respondent.reminded_at is None
                                    or respondent.reminded_at < claimed):
            continue  # another run holds it
        closes_on = respondent.round.closes_on
        reached = [n for n in days if (closes_on - today).days <= n]
        if not reached:
            continue
        last_mail = max(d for d in (respondent.invited_at, respondent.reminded_at) if d)
        if clock.local_day(last_mail) < date.fromordinal(closes_on.toordinal() - min(reached)):
            due.append(_found(respondent, claimed))
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


def _claim(statement) -> bool:
    """Run the claiming UPDATE and commit it; whether it claimed (one row)."""
    claimed = db.session.execute(statement).rowcount == 1
    db.session.commit()
    return claimed


def claim_invitation(mail: SurveyMail, now: datetime) -> bool:
    """Claim the invitation for this run (commits); False when another run holds or sent it,
    or the link was renewed since it was found."""
    return _claim(
        update(Respondent)
        .where(
            Respondent.id == mail.respondent_id,
            Respondent.invited_at.is_(None),
            Respondent.has_answered.is_(False),
            Respondent.link_nonce == mail.link_nonce,
            Respondent.token_hash.is_not(None),
            Respondent.invitation_claimed_at.is_(None)
            | (Respondent.invitation_claimed_at < now - CLAIM_EXPIRES),
        )
        .values(invitation_claimed_at=now)
        .execution_options(synchronize_session=False)
    )


def record_invitation(respondent_id: int, claimed_at: datetime) -> None:
    db.session.execute(
        update(Respondent)
        .where(Respondent.id == respondent_id, Respondent.invitation_claimed_at == claimed_at)
        .values(invited_at=clock.now())
        .execution_options(synchronize_session=False))


def release_invitation(respondent_id: int, claimed_at: datetime) -> None:
    db.session.execute(
        update(Respondent)
        .where(Respondent.id == respondent_id, Respondent.invitation_claimed_at == claimed_at)
        .values(invitation_claimed_at=None)
        .execution_options(synchronize_session=False))


def _same(column, value):
    return column.is_(None) if value is None else column == value


def claim_reminder(mail: SurveyMail, now: datetime) -> bool:
    """Claim the reminder for this run (commits); False when another run took it, or it went,
    or the respondent answered or got a new link since it was found."""
    return _claim(
        update(Respondent)
        .where(
            Respondent.id == mail.respondent_id,
            Respondent.has_answered.is_(False),
            Respondent.link_nonce == mail.link_nonce,
            _same(Respondent.reminder_claimed_at, mail.claimed_at),
            _same(Respondent.reminded_at, mail.reminded_at),
        )
        .values(reminder_claimed_at=now)
        .execution_options(synchronize_session=False)
    )


def record_reminder(respondent_id: int, claimed_at: datetime) -> None:
    db.session.execute(
        update(Respondent)
        .where(Respondent.id == respondent_id, Respondent.reminder_claimed_at == claimed_at)
        .values(reminded_at=clock.now(), reminder_claimed_at=None)
        .execution_options(synchronize_session=False))


def release_reminder(mail: SurveyMail, claimed_at: datetime) -> None:
    """Give the claim back as it was found: a reminder a coordinator asked for stays asked."""
    db.session.execute(
        update(Respondent)
        .where(Respondent.id == mail.respondent_id, Respondent.reminder_claimed_at == claimed_at)
        .values(reminder_claimed_at=mail.claimed_at)
        .execution_options(synchronize_session=False))
