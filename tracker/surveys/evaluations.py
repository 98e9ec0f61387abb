"""The evaluation after each joint gathering: a short survey round of its own kind
(`RoundKind.EVALUATION`) that belongs to the gathering's session, not to a group.

A programme's evaluation form is the instrument it marks `is_evaluation` (its newest version
with items is sent; the demo's is an example, tracker/seed/evaluation.py). When a gathering
(a joint session of the whole cohort, its module a joint gathering) has ended, the daily mail
run opens its round (`open_due_evaluations`), or a coordinator does with "Send the evaluation
now" (`open_evaluation`). The round asks the people expected at the gathering (its groups' top
leaders and members on its day, and anyone added to it alone, such as a stand-in) except those
recorded absent or excused: someone who was not there has nothing to evaluate, and attendance
is often recorded only days later, so nobody is left out for want of a record. It takes
answers for `EVALUATION_DAYS` (config, default 7) days; each person's invitation with their
personal link is written to the outbox in the same transaction as the round.

Answers are anonymous as in every round (tracker.surveys.responses), and its results obey
tracker.surveys.results: shown only once the round is closed and at least its minimum (never
below `LEAST_MINIMUM`) have answered, a spread only from five, open answers in a new random
order. They are the programme staff's alone (the access table): the evaluation is the
programme's feedback on its own gatherings, and its open answers often speak of named lecturers
or of other groups, which the cohort's participants should not read about each other.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage

from babel.dates import format_date
from flask import abort, current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified

from tracker import clock
from tracker.clock import local_day
from tracker.cohorts.models import Cohort
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.i18n import day
from tracker.mail import MailError, address, header_text, mail_language
from tracker.outbox.models import MailKind
from tracker.outbox.services import queue
from tracker.people.models import Person
from tracker.programmes.models import CourseModule, ModuleKind
from tracker.roles import Reader
from tracker.schedule.attendance import attendance_register
from tracker.schedule.models import AttendanceStatus, Session, SessionStatus
from tracker.schedule.sessions import get_session_or_404
from tracker.surveys.models import (
    LEAST_MINIMUM,
    Instrument,
    InstrumentVersion,
    Respondent,
    RoundKind,
    SurveyRound,
)
from tracker.surveys.rounds import LONGEST_ROUND_DAYS, check_minimum, renew_link
from tracker.urls import absolute_url
from tracker.users.models import User

# How many days an evaluation takes answers, unless EVALUATION_DAYS says otherwise: a week, while
# the gathering is still fresh.
EVALUATION_DAYS = 7
# Recorded so, someone was not at the gathering and is not asked about it.
NOT_THERE = frozenset({AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED})


def evaluation_days() -> int:
    """EVALUATION_DAYS from the config (default 7).

    :raise ValueError: when it is not a whole number of days from 1 to `LONGEST_ROUND_DAYS`.
    """
    value = current_app.config.get("EVALUATION_DAYS", EVALUATION_DAYS)
    try:
        days = int(str(value).strip())
    except ValueError:
        raise ValueError(f"EVALUATION_DAYS must be whole days, not {value!r}") from None
    if not 1 <= days <= LONGEST_ROUND_DAYS:
        raise ValueError(f"EVALUATION_DAYS must be from 1 to {LONGEST_ROUND_DAYS}, not {days}")
    return days


def is_gathering(session: Session) -> bool:
    """A joint gathering (`Session.is_gathering`)."""
    return session.is_gathering


def has_ended(session: Session, now: datetime) -> bool:
    return session.ends_at <= now


def get_gathering_or_404(session_id: int, for_user: Reader) -> Session:
    """The joint gathering with this id, with cohort, programme and module loaded.

    :raise 404: when there is no such session, the user may not see it, or it is not a joint
        gathering (only gatherings are evaluated).
    """
    session = get_session_or_404(session_id, for_user)
    if not is_gathering(session):
        abort(404)
    return session


def evaluation_of(session: Session) -> SurveyRound | None:
    return db.session.scalar(select(SurveyRound).where(SurveyRound.session_id == session.id))


def evaluation_instrument(programme_id: int) -> Instrument | None:
    """The programme's evaluation form: its newest instrument marked as the evaluation."""
    return db.session.scalar(
        select(Instrument).where(Instrument.programme_id == programme_id,
                                 Instrument.is_evaluation.is_(True))
        .order_by(Instrument.id.desc()).limit(1))


def evaluation_version(programme_id: int) -> InstrumentVersion | None:
    """The version an evaluation is sent with: the newest of the evaluation form's versions
    that has items to answer."""
    instrument = evaluation_instrument(programme_id)
    if instrument is None:
        return None
    return next((v for v in reversed(instrument.versions) if v.items), None)


def people_to_ask(session: Session) -> list[Person]:
    """Who is asked to evaluate the gathering: everyone expected at it (its groups' top leaders
    and members on its day, and the people added to it alone, such as stand-ins), except those
    recorded absent or excused, who were not there; only people with an address to write to
    (the link goes by mail), never an erased person. By name."""
    people = {
        line.person.id: line.person
        for line in attendance_register(session, guests=True)
        if line.person.erased_at is None and line.person.email
        and (line.attendance is None or line.attendance.status not in NOT_THERE)
    }
    return sorted(people.values(), key=lambda p: (p.name or "", p.id))


def check_evaluable(session: Session, now: datetime) -> None:
    """:raise DomainError: (field "session") the session is not a joint gathering, was
    cancelled, has not ended yet, or has its evaluation already."""
    if not is_gathering(session):
        raise DomainError(_l("Only a joint gathering of the whole cohort is evaluated; this "
                             "session is not one."), field="session")
    if session.status is SessionStatus.CANCELLED:
        raise DomainError(_l("The gathering was cancelled: there is nothing to evaluate."),
                          field="session")
    if not has_ended(session, now):
        raise DomainError(_l("The gathering has not ended yet: it can be evaluated from "
                             "%(day)s.", day=day(local_day(session.ends_at))), field="session")
    existing = evaluation_of(session)
    if existing is not None:
        raise DomainError(_l("The gathering's evaluation was already sent on %(day)s.",
                             day=day(local_day(existing.opened_at))), field="session")


def open_evaluation(
    session: Session,
    *,
    minimum_respondents: int = LEAST_MINIMUM,
    opened_by: User | None,
    now: datetime | None = None,
    today: date | None = None,
) -> SurveyRound:
    """Open the gathering's evaluation and queue each invitation (in this transaction).

    :raise DomainError: naming the field: the session is not an ended joint gathering or has
        its evaluation already (session); the programme has no evaluation form (version); the
        minimum is below three or above the number asked (minimum_respondents).
    """
    now = clock.now() if now is None else now
    today = clock.today() if today is None else today
    check_evaluable(session, now)
    version = evaluation_version(session.cohort.programme_id)
    if version is None:
        raise DomainError(_l("The programme has no evaluation form: choose one of its "
                             "instruments on its evaluations page first."), field="version")
    check_minimum(minimum_respondents)
    people = people_to_ask(session)
    if len(people) < minimum_respondents:
        raise DomainError(
            _l("%(asked)s can be asked (the people expected at the gathering, with an e-mail "
               "address, not recorded absent), but results need at least %(n)s answers.",
               asked=len(people), n=minimum_respondents), field="minimum_respondents")
    survey_round = SurveyRound(
        session=session, kind=RoundKind.EVALUATION, instrument_version=version,
        closes_on=today + timedelta(days=evaluation_days()),
        minimum_respondents=minimum_respondents,
        opened_by_id=opened_by.id if opened_by else None)
    db.session.add(survey_round)
    for person in people:
        survey_round.respondents.append(Respondent(person=person))
    db.session.flush()
    # The version is in use from now on: as tracker.surveys.rounds.open_round says.
    flag_modified(version.instrument, "name_nb")
    for respondent in survey_round.respondents:
        token = renew_link(respondent)
        try:
            queue(evaluation_message(respondent, token, mail_language()), kind=MailKind.EVALUATION,
                  key=f"evaluation:{respondent.id}")
        except (ValueError, MailError):
            # An address that cannot be written in a header (stored before the checks): the
            # others are asked all the same, and the page shows this one not invited.
            current_app.logger.warning("evaluation of session %s: no mail to respondent %s",
                                       session.id, respondent.id)
            continue
        # Queued is sent, as far as the round goes: the outbox delivers it.
        respondent.invited_at = now
    db.session.flush()
    return survey_round


def evaluation_message(respondent: Respondent, token: str, language: str) -> EmailMessage:
    """The invitation to evaluate a gathering, with the respondent's personal link (in bokmål:
    people have no language of their own).

    :raise ValueError: when the address cannot be written in a header.
    """
    survey_round = respondent.round
    session = survey_round.session
    programme = session.cohort.programme
    with force_locale(language):
        context = {
            "person": respondent.person,
            "gathering": session.module.name(language),
            "held_on": format_date(local_day(session.starts_at), "long", locale=language),
            "cohort": session.cohort.label,
            "programme": programme.name(language),
            "closes_on": format_date(survey_round.closes_on, "full", locale=language),
            "link": absolute_url("respond.answer", token=token),
            "minimum": survey_round.minimum_respondents,
            "has_open_questions": bool(survey_round.instrument_version.open_questions),
        }
        context["subject"] = subject = _(
            "Evaluation of %(gathering)s (%(day)s): please answer by %(closes)s",
            gathering=context["gathering"], day=context["held_on"], closes=context["closes_on"])
        message = EmailMessage()
        # The subject names a module: a line break in a stored name must not become a header.
        message["Subject"] = header_text(subject)
        message["To"] = address(respondent.person.name, respondent.person.email)
        message.set_content(render_template("surveys/evaluation_mail.txt.html", **context))
        message.add_alternative(render_template("surveys/evaluation_mail.html", **context),
                                subtype="html")
    return message


@dataclass
class EvaluationRun:
    """What a daily run did: the evaluations it opened, and the gatherings it skipped, each
    with why (already evaluated, too few to ask, no form...)."""

    opened: list[SurveyRound] = field(default_factory=list)
    skipped: list[tuple[Session, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        """One line per gathering, for the mail run's output (in English, for the operator)."""
        said = [f"evaluation opened: {_name(r.session)} ({len(r.respondents)} asked)"
                for r in self.opened]
        return said + [f"evaluation skipped: {_name(s)}: {why}" for s, why in self.skipped]


def _name(session: Session) -> str:
    return f"{session.cohort.label}, {session.module.name_nb}, {local_day(session.starts_at)}"


def ended_gatherings(today: date, now: datetime):
    """Joint gatherings not cancelled that ended by `now`, at most `EVALUATION_DAYS` days
    before `today` (a run missed is made up; an old gathering is not evaluated months later by
    surprise, though a coordinator may still send it), of programmes with an evaluation form;
    oldest first."""
    since = clock.oslo_time(today - timedelta(days=evaluation_days()))
    with_form = select(Instrument.programme_id).where(Instrument.is_evaluation.is_(True))
    return (
        select(Session)
        .join(Session.module).join(Session.cohort)
        .where(Session.enrolment_id.is_(None),
               CourseModule.kind == ModuleKind.JOINT_GATHERING,
               Session.status != SessionStatus.CANCELLED,
               Session.ends_at <= now, Session.ends_at >= since,
               Cohort.programme_id.in_(with_form))
        .options(selectinload(Session.module),
                 selectinload(Session.cohort).selectinload(Cohort.programme))
        .order_by(Session.ends_at, Session.id)
    )


def open_due_evaluations(today: date, now: datetime | None = None) -> EvaluationRun:
    """Open the evaluation of every gathering that has ended (`ended_gatherings`) and has none;
    for the daily mail run, which commits. A gathering evaluated already is skipped and named,
    as is one whose evaluation is refused (too few to ask, say); one refused never undoes
    another."""
    now = clock.now() if now is None else now
    run = EvaluationRun()
    sessions = db.session.scalars(ended_gatherings(today, now)).all()
    evaluated = set(db.session.scalars(select(SurveyRound.session_id).where(
        SurveyRound.session_id.in_([s.id for s in sessions]))))
    for session in sessions:
        if session.id in evaluated:
            run.skipped.append((session, "it has its evaluation already"))
            continue
        savepoint = db.session.begin_nested()
        try:
            opened = open_evaluation(session, opened_by=None, now=now, today=today)
        except DomainError as refused:
            savepoint.rollback()
            with force_locale("en"):
                run.skipped.append((session, str(refused.message)))
        except IntegrityError:
            # Another run (or a coordinator's button) opened it at this moment.
            savepoint.rollback()
            run.skipped.append((session, "it has its evaluation already"))
        else:
            savepoint.commit()
            run.opened.append(opened)
    return run


def evaluations_in(cohort_ids: list[int]) -> list[SurveyRound]:
    """The evaluations of these cohorts' gatherings, with session, module and cohort loaded."""
    if not cohort_ids:
        return []
    return list(db.session.scalars(
        select(SurveyRound).join(SurveyRound.session)
        .where(Session.cohort_id.in_(cohort_ids))
        .options(selectinload(SurveyRound.session).selectinload(Session.module),
                 selectinload(SurveyRound.session).selectinload(Session.cohort))
        .order_by(Session.starts_at, Session.id)))


def gatherings_of(cohort: Cohort) -> list[Session]:
    """The cohort's joint gatherings in time order (cancelled ones too: the page says so)."""
    return list(db.session.scalars(
        select(Session).join(Session.module)
        .where(Session.cohort_id == cohort.id, Session.enrolment_id.is_(None),
               CourseModule.kind == ModuleKind.JOINT_GATHERING)
        .options(selectinload(Session.module))
        .order_by(Session.starts_at, Session.id)))


def instruments_of(programme_id: int) -> list[Instrument]:
    return list(db.session.scalars(select(Instrument).where(Instrument.programme_id == programme_id)
                                   .order_by(Instrument.id)))


def choose_evaluation_form(programme_id: int, instrument_id: int | None) -> Instrument | None:
    """Make the instrument the programme's evaluation form (the others of the programme stop
    being it), or none with None. Evaluations already sent keep their version.

    :raise DomainError: (instrument) it is not one of the programme's instruments, or has no
        version with items to answer.
    """
    instruments = instruments_of(programme_id)
    chosen = None
    if instrument_id is not None:
        chosen = next((i for i in instruments if i.id == instrument_id), None)
        if chosen is None:
            raise DomainError(_l("Choose one of the programme's instruments, or none."),
                              field="instrument")
        if not any(v.items for v in chosen.versions):
            raise DomainError(_l("This instrument has no items to answer yet."),
                              field="instrument")
    for instrument in instruments:
        if instrument.is_evaluation != (instrument is chosen):
            instrument.is_evaluation = instrument is chosen
    db.session.flush()
    return chosen
