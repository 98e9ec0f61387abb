"""A respondent's answers: saved on the way as a draft, then submitted once as a response.

The personal link finds the respondent (tracker.surveys.rounds.respondent_for_link). It works
while the round is open and until its respondent has submitted; an erased person's link never
does. Saving progress takes any subset of the answers; submitting takes every item. A response
keeps nothing that says whose it is or when it came (tracker.surveys.models.Response); the
draft is deleted and the respondent marked as having answered in the same transaction, with a
conditional update, so two submits at once (two tabs) make one response.
"""
import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from tracker import bounds, clock
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.surveys.models import (
    OPEN_ANSWER_LENGTH,
    Draft,
    Factor,
    InstrumentVersion,
    Item,
    ItemAnswer,
    OpenAnswer,
    Respondent,
    Part,
    Response,
    Scale,
    SurveyRound,
)
from tracker.surveys.rounds import respondent_for_link


class LinkNotWorking(Exception):
    """The link belongs to nobody: never issued, altered, replaced by a newer one, or its
    person erased. One answer for every reason, naming nobody."""


class RoundClosed(Exception):
    """The round no longer takes answers."""

    def __init__(self, survey_round: SurveyRound):
        super().__init__("round closed")
        self.round = survey_round


class AlreadyAnswered(Exception):
    """The respondent has submitted; the link only says so."""


class AnswersRefused(DomainError):
    """Answers the rules refuse, each problem by the item's or question's code; nothing is
    lost: `answers` holds the answers as given, to show again."""

    def __init__(self, problems: dict[str, str], answers: dict):
        first = next(iter(problems.values()))
        super().__init__(first, field=next(iter(problems)))
        self.problems = problems
        self.answers = answers


@dataclass
class Answers:
    """Answers as the pages and the draft hold them: item code -> value on its scale, open
    question code -> text."""

    items: dict[str, int] = field(default_factory=dict)
    open: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"items": dict(self.items), "open": dict(self.open)}


def respondent_to_answer(token: str, today: date) -> Respondent:
    """The respondent whose link this is, when they may answer now.

    :raise LinkNotWorking: the link never was, was altered or replaced, or its person is erased.
    :raise AlreadyAnswered: the respondent has submitted (checked before the round, so a
        respondent who answered is thanked, not told the round closed).
    :raise RoundClosed: the round closed (by its day or by a coordinator).
    """
    respondent = respondent_for_link(token)
    if respondent is None or respondent.person.erased_at is not None:
        raise LinkNotWorking
    if respondent.has_answered:
        raise AlreadyAnswered
    if not respondent.round.is_open(today):
        raise RoundClosed(respondent.round)
    # The round holds on to the loaded version: a loaded object nobody refers to is forgotten.
    set_committed_value(respondent.round, "instrument_version",
                        load_version(respondent.round.version_id))
    return respondent


def load_version(version_id: int) -> InstrumentVersion:
    """The version with all its texts, in a fixed number of queries (not one per factor and
    item), for the answer page and the checks of its answers."""
    return db.session.scalars(
        select(InstrumentVersion).where(InstrumentVersion.id == version_id)
        .options(
            selectinload(InstrumentVersion.parts).selectinload(Part.factors)
            .selectinload(Factor.items).selectinload(Item.scale).selectinload(Scale.points),
            selectinload(InstrumentVersion.open_questions),
            selectinload(InstrumentVersion.instrument),
        )
    ).one()


def closing_day(survey_round: SurveyRound) -> date:
    """The last day the round took or takes answers: its closing day, or the day a
    coordinator closed it early."""
    if survey_round.closed_at is not None:
        return min(clock.local_day(survey_round.closed_at), survey_round.closes_on)
    return survey_round.closes_on


def draft_of(respondent: Respondent) -> Answers:
    """What the respondent has saved so far (nothing, before a first save)."""
    draft = db.session.get(Draft, respondent.id)
    if draft is None or not isinstance(draft.answers, dict):
        return Answers()
    items = draft.answers.get("items") or {}
    texts = draft.answers.get("open") or {}
    return Answers(
        items={code: value for code, value in items.items()
               if isinstance(value, int) and not isinstance(value, bool)},
        open={code: text for code, text in texts.items() if isinstance(text, str)},
    )


_WHOLE_NUMBER = re.compile(r"[0-9]{1,6}")


def _checked(version: InstrumentVersion, items: dict[str, object], texts: dict[str, object],
             locale: str) -> tuple[Answers, dict[str, str]]:
    """The answers that hold, and a problem per item or question that does not (by code).
    Empty values are no answer; codes the version does not have are ignored (a page of an
    older tab, or a crafted post, answers nothing with them)."""
    kept, problems = Answers(), {}
    for item in version.items:
        raw = items.get(item.code)
        if raw is None or raw == "":
            continue
        value = None
        if isinstance(raw, int) and not isinstance(raw, bool):
            value = raw
        elif isinstance(raw, str) and _WHOLE_NUMBER.fullmatch(raw.strip()):
            value = int(raw.strip())
        if value is None or value not in {point.value for point in item.scale.points}:
            problems[item.code] = str(_l(
                "“%(item)s”: choose one of the answers from %(low)s to %(high)s.",
                item=item.statement(locale), low=item.scale.lowest, high=item.scale.highest))
            continue
        kept.items[item.code] = value
    for question in version.open_questions:
        text = texts.get(question.code)
        if text is None:
            continue
        if not isinstance(text, str):
            problems[question.code] = str(_l("“%(question)s”: write your answer as text.",
                                              question=question.question(locale)))
            continue
        text = text.replace("\r\n", "\n").strip()
        if not text:
            continue
        if len(text) > OPEN_ANSWER_LENGTH:
            problems[question.code] = str(_l(
                "“%(question)s”: at most %(max)s characters (you wrote %(n)s).",
                question=question.question(locale), max=OPEN_ANSWER_LENGTH, n=len(text)))
        elif bounds.has_control_characters(text, multiline=True) or "\t" in text \
                or "\r" in text:
            problems[question.code] = str(_l(
                "“%(question)s”: remove the control characters; only line breaks are allowed.",
                question=question.question(locale)))
        else:
            kept.open[question.code] = text
    return kept, problems


def _keep_draft(respondent: Respondent, answers: Answers) -> Draft:
    draft = db.session.get(Draft, respondent.id)
    if draft is None:
        draft = Draft(respondent_id=respondent.id, answers=answers.as_json())
        db.session.add(draft)
    else:
        # A new dict: the JSON column notices a new value, not a change inside the old one.
        draft.answers = answers.as_json()
    db.session.flush()
    return draft


def save_draft(respondent: Respondent, items: dict[str, object], texts: dict[str, object],
               locale: str = "nb") -> Answers:
    """Keep the answers given so far (any subset) for the respondent to go on with later.

    :raise AnswersRefused: an answer off its item's scale, or an open answer too long or with
        control characters; nothing is saved, and the refusal names each item.
    """
    answers, problems = _checked(respondent.round.instrument_version, items, texts, locale)
    if problems:
        raise AnswersRefused(problems, {"items": items, "open": texts})
    _keep_draft(respondent, answers)
    return answers


class Unfinished(AnswersRefused):
    """A submission with items unanswered: refused, but what was given is kept as the draft."""


def submit(respondent: Respondent, items: dict[str, object], texts: dict[str, object],
           locale: str = "nb", today: date | None = None) -> Response:
    """Turn the respondent's answers into a response nobody can trace back to them.

    Every item must be answered; open questions may be left empty. In one transaction: the
    response and its answers are added, the draft is deleted, and the respondent is marked as
    having answered, by an update that holds only while they had not: the second of two
    submits at once changes no row and is told they have answered.

    :raise AnswersRefused: an answer off its scale or a bad open answer (nothing saved).
    :raise Unfinished: items left unanswered, each named; the answers given are saved as the
        draft, so nothing is lost.
    :raise AlreadyAnswered: another submit got there first.
    :raise RoundClosed: the round closed since the respondent's page was loaded; nothing is
        written.
    """
    version = respondent.round.instrument_version
    answers, problems = _checked(version, items, texts, locale)
    if problems:
        raise AnswersRefused(problems, {"items": items, "open": texts})
    # The page's summary names each item left by its number and first words; the message by
    # the item itself need not repeat its statement.
    missing = {item.code: str(_l("Choose an answer."))
               for item in version.items if item.code not in answers.items}
    if missing:
        _keep_draft(respondent, answers)
        raise Unfinished(missing, answers.as_json())
    # Still open, and kept so until this transaction ends: the statement takes the round's
    # row lock, so a close in flight is waited for (and then refuses this answer), and a close
    # coming after waits for this answer to be counted. Without it an answer could land after
    # the results shown at close, changing them by exactly one person's answers. It changes
    # nothing, so a coordinator's form holding the round's version is not made stale.
    survey_round = respondent.round
    still_open = db.session.execute(
        update(SurveyRound)
        .where(SurveyRound.id == survey_round.id,
               SurveyRound.is_open(clock.today() if today is None else today))
        .values(id=SurveyRound.id)
        .execution_options(synchronize_session=False))
    if still_open.rowcount != 1:
        db.session.refresh(survey_round, ["closed_at", "closes_on"])  # to say when it closed
        raise RoundClosed(survey_round)
    claimed = db.session.execute(
        update(Respondent)
        .where(Respondent.id == respondent.id, Respondent.has_answered.is_(False))
        .values(has_answered=True)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise AlreadyAnswered
    codes = {item.code: item.id for item in version.items}
    questions = {question.code: question.id for question in version.open_questions}
    response = Response(round_id=respondent.round_id)
    response.item_answers = [ItemAnswer(item_id=codes[code], value=value)
                             for code, value in answers.items.items()]
    response.open_answers = [OpenAnswer(question_id=questions[code], text=text)
                             for code, text in answers.open.items()]
    db.session.add(response)
    draft = db.session.get(Draft, respondent.id)
    if draft is not None:
        db.session.delete(draft)
    db.session.flush()
    db.session.refresh(respondent, ["has_answered"])
    return response


def forget_drafts(*, round_id: int | None = None, respondent_ids=None, closed_by: date | None = None
                  ) -> int:
    """Delete saved answers that can no longer be submitted: a round's (when it closes), some
    respondents' (when their person is erased), or every round's closed before `closed_by`
    (the daily mail run). A draft is tied to its respondent's link, so it is kept no longer
    than it can be used. Returns how many went."""
    statement = delete(Draft)
    if round_id is not None:
        statement = statement.where(Draft.respondent_id.in_(
            select(Respondent.id).where(Respondent.round_id == round_id)))
    if respondent_ids is not None:
        statement = statement.where(Draft.respondent_id.in_(list(respondent_ids)))
    if closed_by is not None:
        statement = statement.where(Draft.respondent_id.in_(
            select(Respondent.id).join(Respondent.round).where(
                ~SurveyRound.is_open(closed_by))))
    return db.session.execute(statement).rowcount or 0
