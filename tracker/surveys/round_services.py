"""What coordinators do with survey rounds: open one for a group or for a whole cohort, change
who is asked, renew a personal link, move the closing day, close early, raise the minimum, and
ask for reminders.

Nothing here reads answers: a round's page shows who has answered (so they can be reminded),
never what anyone answered. Invitations and reminders are queued in the outbox with the change
(tracker.surveys.mailing); the mail run delivers them.
"""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from tracker import bounds, clock
from tracker.cohorts.models import Cohort
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.groups.models import Enrolment, EnrolmentStatus
from tracker.people.models import Person
from tracker.surveys.models import (
    GROUP_KINDS,
    Factor,
    Instrument,
    InstrumentVersion,
    Part,
    Respondent,
    Response,
    RoundKind,
    SurveyRound,
)
from tracker.surveys.mailing import can_be_mailed, invite, remind
from tracker.surveys.responses import forget_drafts
# Whether a round's results were shown is the results' rule, not a copy of it here.
from tracker.surveys.results import RoundResult, is_closed
from tracker.surveys.rounds import (
    check_closing,
    check_minimum,
    members_on,
    open_round,
    renew_link,
)
from tracker.users.models import User
from tracker.working_days import next_working_day



def opening_day(enrolment: Enrolment, today: date) -> date:
    """Whose membership counts: today's, or the cohort's first day when it has not begun."""
    return max(today, enrolment.cohort.start_date)


def default_respondents(enrolment: Enrolment, today: date) -> list[Person]:
    """Who is asked unless the coordinator unticks someone: the group's top leaders and
    members on the opening day."""
    return members_on(enrolment, opening_day(enrolment, today))


def _chosen(enrolment: Enrolment, person_ids: Iterable[int] | None, today: date) -> list[Person]:
    candidates = default_respondents(enrolment, today)
    if person_ids is None:
        return candidates
    by_id = {person.id: person for person in candidates}
    wanted = list(dict.fromkeys(person_ids))
    if any(person_id not in by_id for person_id in wanted):
        raise DomainError(_l("Only the group's top leaders and members can be asked."),
                          field="respondents")
    return [by_id[person_id] for person_id in wanted]


def open_group_round(
    enrolment: Enrolment,
    kind: RoundKind,
    version: InstrumentVersion,
    *,
    closes_on: date,
    minimum_respondents: int,
    person_ids: Iterable[int] | None = None,
    opened_by: User | None,
    today: date,
) -> SurveyRound:
    """Open the group's round asking the people ticked (`person_ids`; None: everyone who
    answers by default).

    :raise DomainError: naming the field, as `open_round`, and for someone ticked who is not
        one of the group's top leaders or members.
    """
    if not enrolment.is_taking_part:
        raise DomainError(_l("The group has withdrawn: it gets no survey."), field="kind")
    survey_round = open_round(enrolment, kind, version, closes_on=closes_on,
                              minimum_respondents=minimum_respondents,
                              people=_chosen(enrolment, person_ids, today), opened_by=opened_by,
                              today=today)
    _invite_all(survey_round)
    return survey_round


def _invite_all(survey_round: SurveyRound) -> None:
    """Queue every respondent's invitation, with the round's opening."""
    for respondent in survey_round.respondents:
        invite(respondent)
    db.session.flush()


@dataclass(frozen=True)
class CohortPlan:
    """What opening a kind of round for a whole cohort does: which groups get one, which are
    skipped because they have one already, and which because they have not confirmed."""

    opening: list[Enrolment]
    have_one: list[Enrolment]
    not_confirmed: list[Enrolment]


def cohort_plan(cohort: Cohort, kind: RoundKind) -> CohortPlan:
    """Only groups taking part that have confirmed get a round (a group still invited has not
    said yes to the programme, and a withdrawn one has left it); a group with a round of the kind keeps it."""
    enrolments = db.session.scalars(
        select(Enrolment).where(Enrolment.cohort_id == cohort.id)
        .options(selectinload(Enrolment.organisation)).order_by(Enrolment.id)).all()
    having = set(db.session.scalars(
        select(SurveyRound.enrolment_id).join(SurveyRound.enrolment)
        .where(Enrolment.cohort_id == cohort.id, SurveyRound.kind == kind)))
    opening, have_one, not_confirmed = [], [], []
    for enrolment in enrolments:
        if enrolment.status is EnrolmentStatus.INVITED:
            not_confirmed.append(enrolment)
        elif not enrolment.is_taking_part:
            continue
        elif enrolment.id in having:
            have_one.append(enrolment)
        else:
            opening.append(enrolment)
    return CohortPlan(opening, have_one, not_confirmed)


def open_cohort_rounds(
    cohort: Cohort,
    kind: RoundKind,
    version: InstrumentVersion,
    *,
    closes_on: date,
    minimum_respondents: int,
    opened_by: User | None,
    today: date,
) -> tuple[list[SurveyRound], CohortPlan]:
    """One round for each group taking part in the cohort that has no round of the kind yet,
    all with the same version, closing day and minimum, each asking its group's top leaders
    and members; and the plan, which names the groups skipped. All or nothing for a group
    refused (too few asked, say): every group is checked before any round is opened.

    :raise DomainError: naming the field, and the group, when any group's round would be
        refused (by `open_round`'s rules); no round is opened then.
    """
    check_closing(closes_on, today)
    check_minimum(minimum_respondents)
    plan = cohort_plan(cohort, kind)
    if not plan.opening:
        raise DomainError(_l("No group taking part is without a %(kind)s round.",
                             kind=kind.label.lower()), field="kind")
    # Each group's round by open_round's rules (its refusals name the group); the first one
    # refused undoes the rounds opened before it, whoever the caller is.
    savepoint = db.session.begin_nested()
    try:
        opened = [
            open_round(enrolment, kind, version, closes_on=closes_on,
                       minimum_respondents=minimum_respondents,
                       people=default_respondents(enrolment, today), opened_by=opened_by,
                       today=today)
            for enrolment in plan.opening
        ]
    except DomainError as refused:
        savepoint.rollback()
        # The cohort's form asks no one by name: too few asked is its minimum's to answer.
        field = "minimum_respondents" if refused.field == "respondents" else refused.field
        raise DomainError(_l("%(problem)s No round was opened.", problem=refused.message),
                          field=field) from refused
    savepoint.commit()
    for survey_round in opened:
        _invite_all(survey_round)
    return opened, plan


# A new round's last day unless the coordinator picks another: two weeks to answer in.
DEFAULT_ROUND_DAYS = 14


def default_closing_day(today: date) -> date | None:
    """Two weeks ahead, moved on to a working day; none past the dates the forms take (a clock
    set far ahead must not break the page)."""
    if (bounds.LATEST - today).days < DEFAULT_ROUND_DAYS + 31:
        return None
    return next_working_day(today + timedelta(days=DEFAULT_ROUND_DAYS))


def kind_lacking(rounds: Iterable[SurveyRound]) -> RoundKind | None:
    """The first survey (baseline, then final) the group has no round of yet."""
    have = {r.kind for r in rounds}
    return next((kind for kind in GROUP_KINDS if kind not in have), None)


def default_version(enrolment: Enrolment, versions: list[InstrumentVersion]
                    ) -> InstrumentVersion | None:
    """The version the group's baseline used (a final compares with it), else the newest."""
    baseline = db.session.scalar(select(SurveyRound).where(
        SurveyRound.enrolment_id == enrolment.id, SurveyRound.kind == RoundKind.BASELINE))
    if baseline is not None and baseline.instrument_version in versions:
        return baseline.instrument_version
    return versions[0] if versions else None


def baseline_version_differs(survey_round: SurveyRound) -> InstrumentVersion | None:
    """For a final on another version than its group's baseline: the baseline's version (the
    results compare their factors by code)."""
    if survey_round.kind is not RoundKind.FINAL:
        return None
    baseline = db.session.scalar(select(SurveyRound).where(
        SurveyRound.enrolment_id == survey_round.enrolment_id,
        SurveyRound.kind == RoundKind.BASELINE))
    if baseline is None or baseline.version_id == survey_round.version_id:
        return None
    return baseline.instrument_version


def _still_open(survey_round: SurveyRound, today: date) -> None:
    if not survey_round.is_open(today):
        raise DomainError(_l("The round is closed: it cannot be changed any more."))


def respondent_of(survey_round: SurveyRound, respondent_id: int | None) -> Respondent:
    """:raise DomainError: when the round has no such respondent."""
    respondent = next((r for r in survey_round.respondents if r.id == respondent_id), None)
    if respondent is None:
        raise DomainError(_l("Choose someone asked in this round."), field="respondent")
    return respondent


def people_to_add(survey_round: SurveyRound, today: date) -> list[Person]:
    """The group's top leaders and members today who are not yet asked."""
    asked = {r.person_id for r in survey_round.respondents}
    return [p for p in members_on(survey_round.enrolment, opening_day(survey_round.enrolment, today))
            if p.id not in asked]


def add_respondent(survey_round: SurveyRound, person_id: int | None, today: date) -> Respondent:
    """Ask one more of the group's top leaders or members; their invitation is queued.

    :raise DomainError: the round is closed, or the person is not one of the group's top
        leaders or members, or is asked already.
    """
    _still_open(survey_round, today)
    person = next((p for p in people_to_add(survey_round, today) if p.id == person_id), None)
    if person is None:
        raise DomainError(_l("Choose one of the group's top leaders or members not yet asked."),
                          field="person")
    respondent = Respondent(person=person)
    survey_round.respondents.append(respondent)
    db.session.flush()
    renew_link(respondent)
    invite(respondent)
    db.session.flush()
    return respondent


def remove_respondent(survey_round: SurveyRound, respondent_id: int | None, today: date) -> Person:
    """Stop asking someone who has not answered; their link stops working.

    :raise DomainError: the round is closed, or they have answered: their answers hold nothing
        that says whose, so they cannot be found to remove, and the count would be wrong.
    """
    _still_open(survey_round, today)
    respondent = respondent_of(survey_round, respondent_id)
    if respondent.has_answered:
        raise DomainError(_l("%(name)s has answered and cannot be removed: the answers cannot "
                             "be told apart from the others' to remove them.",
                             name=respondent.person.name or _l("(erased)")), field="respondent")
    person = respondent.person
    survey_round.respondents.remove(respondent)
    db.session.flush()
    return person


def renew_respondent_link(survey_round: SurveyRound, respondent_id: int | None,
                          today: date) -> Respondent:
    """A new personal link for one respondent, mailed with the next run; the old one dies, and
    so do the answers saved with it: the new link may go to another address (the person's
    e-mail changed), and whoever holds it must not see or submit what was saved before.

    :raise DomainError: the round is closed, the respondent has answered or is erased.
    """
    _still_open(survey_round, today)
    respondent = respondent_of(survey_round, respondent_id)
    if respondent.has_answered:
        raise DomainError(_l("%(name)s has answered: there is nothing left to answer.",
                             name=respondent.person.name or _l("(erased)")), field="respondent")
    if respondent.person.erased_at is not None:
        raise DomainError(_l("This person is erased and gets no mail."), field="respondent")
    renew_link(respondent)
    forget_drafts(respondent_ids=[respondent.id])
    # The new link goes as an invitation of its own (the old one's mail may still be waiting:
    # its link no longer works, and the new mail says the newer link is the one).
    respondent.invited_at = None
    invite(respondent)
    db.session.flush()
    return respondent


def change_closing_day(survey_round: SurveyRound, closes_on: date | None, today: date) -> None:
    """:raise DomainError: the round is closed, or the day is past or too far (closes_on)."""
    _still_open(survey_round, today)
    survey_round.closes_on = check_closing(closes_on, today)
    db.session.flush()


def change_minimum(survey_round: SurveyRound, minimum, today: date) -> None:
    """Raise the number of answers needed before results are shown, while the round is open.

    :raise DomainError: the round is closed (raising the minimum then would hide, or by
        lowering it again show, results already seen), or the minimum is below three, below
        what it is, or above the number asked (results could never be shown); each naming
        minimum_respondents.
    """
    if not survey_round.is_open(today):
        raise DomainError(_l("The round is closed: its minimum cannot be changed any more."),
                          field="minimum_respondents")
    check_minimum(minimum)
    if minimum < survey_round.minimum_respondents:
        raise DomainError(_l("The minimum can only be raised: it is %(n)s now.",
                             n=survey_round.minimum_respondents), field="minimum_respondents")
    asked = db.session.scalar(select(func.count(Respondent.id))
                              .where(Respondent.round_id == survey_round.id))
    if minimum > asked:
        raise DomainError(_l("Only %(asked)s are asked: a minimum above that means results are "
                             "never shown.", asked=asked), field="minimum_respondents")
    survey_round.minimum_respondents = minimum
    db.session.flush()


def close_round(survey_round: SurveyRound, today: date) -> None:
    """Take no more answers, before the closing day. Answers saved but not submitted are
    deleted; results show if at least the minimum have answered (and then the round can never
    be opened again: see `reopen_round`)."""
    _still_open(survey_round, today)
    survey_round.closed_at = clock.now()
    forget_drafts(round_id=survey_round.id)
    db.session.flush()


def answers_in(survey_round: SurveyRound) -> int:
    return db.session.scalar(select(func.count(Response.id))
                             .where(Response.round_id == survey_round.id))


def results_were_shown(survey_round: SurveyRound, today: date) -> bool:
    """Whether the round's results have been shown since it closed: results.py's rule."""
    return RoundResult(survey_round, answers_in(survey_round),
                       is_closed(survey_round, today)).shown


def may_reopen(survey_round: SurveyRound, today: date) -> bool:
    return not survey_round.is_open(today) and not results_were_shown(survey_round, today)


def reopen_round(survey_round: SurveyRound, closes_on: date | None, today: date) -> None:
    """Take answers again until `closes_on`: for a round closed too early, with fewer answers
    than its minimum, so its results were never shown.

    :raise DomainError: the round is open; its results were shown (each answer taken after
        that could be worked out from how the results changed); or the day is past or too far
        (closes_on).
    """
    if survey_round.is_open(today):
        raise DomainError(_l("The round is open: there is nothing to reopen."), field="closes_on")
    if results_were_shown(survey_round, today):
        raise DomainError(_l("The round's results have been shown, so it cannot be reopened: "
                             "each answer taken after that could be worked out from how the "
                             "results changed."), field="closes_on")
    survey_round.closes_on = check_closing(closes_on, today)
    survey_round.closed_at = None
    db.session.flush()


# A coordinator's "remind now" skips whoever was mailed within this long (a second click).
REMINDED_RECENTLY = timedelta(hours=1)


def ask_reminders(survey_round: SurveyRound, today: date, now: datetime) -> int:
    """Queue a reminder to everyone invited who has not answered, but those mailed within
    `REMINDED_RECENTLY`; how many.

    :raise DomainError: when nobody is left to remind.
    """
    _still_open(survey_round, today)
    asked = 0
    for respondent in survey_round.respondents:
        if respondent.invited_at is None or not can_be_mailed(respondent, today):
            continue
        if max(d for d in (respondent.invited_at, respondent.reminded_at) if d) > now - REMINDED_RECENTLY:
            continue
        asked += remind(respondent, key=None)
    if not asked:
        raise DomainError(_l("Nobody is left to remind: everyone invited has answered or was "
                             "mailed within the hour."))
    db.session.flush()
    return asked


@dataclass(frozen=True)
class RoundSummary:
    survey_round: SurveyRound
    asked: int
    answered: int


def rounds_of(where) -> Select:
    return (select(SurveyRound).join(SurveyRound.enrolment).where(where)
            # All many-to-one: one statement, not one per relationship.
            .options(contains_eager(SurveyRound.enrolment).joinedload(Enrolment.organisation),
                     joinedload(SurveyRound.instrument_version)
                     .joinedload(InstrumentVersion.instrument))
            .order_by(SurveyRound.opened_at, SurveyRound.id))


def summaries(where) -> list[RoundSummary]:
    """The rounds `where` says, each with how many are asked and have answered; one query
    (the counts are subqueries beside each round)."""
    of_round = Respondent.round_id == SurveyRound.id
    asked = select(func.count(Respondent.id)).where(of_round).correlate(SurveyRound).scalar_subquery()
    answered = (select(func.count(Respondent.id)).where(of_round, Respondent.has_answered)
                .correlate(SurveyRound).scalar_subquery())
    return [RoundSummary(r, asked_count, answered_count) for r, asked_count, answered_count
            in db.session.execute(rounds_of(where).add_columns(asked, answered))]


def group_rounds(enrolment: Enrolment) -> list[RoundSummary]:
    return summaries(SurveyRound.enrolment_id == enrolment.id)


def cohort_rounds(cohort: Cohort) -> list[RoundSummary]:
    return summaries(Enrolment.cohort_id == cohort.id)


def respondents_of(survey_round: SurveyRound) -> list[Respondent]:
    """Who is asked, by name (erased people last)."""
    return db.session.scalars(
        select(Respondent).join(Respondent.person).where(Respondent.round_id == survey_round.id)
        .options(selectinload(Respondent.person))
        .order_by(Person.name.is_(None), Person.name, Respondent.id)).all()


def versions_for(programme_id: int) -> list[InstrumentVersion]:
    """Every version of the programme's instruments that has items, newest first; not its
    gatherings' evaluation form (tracker/surveys/evaluations.py)."""
    versions = db.session.scalars(
        select(InstrumentVersion).join(InstrumentVersion.instrument)
        .where(Instrument.programme_id == programme_id, Instrument.is_evaluation.is_(False))
        # Whether a version has items is asked of its tree: loaded with it, not per factor.
        .options(selectinload(InstrumentVersion.instrument),
                 selectinload(InstrumentVersion.parts).selectinload(Part.factors)
                 .selectinload(Factor.items))
        .order_by(Instrument.id, InstrumentVersion.number.desc())).all()
    return [v for v in versions if v.items]

