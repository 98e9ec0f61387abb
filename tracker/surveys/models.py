"""Instruments, rounds, respondents and answers.

An **instrument** (the programme's survey) has numbered **versions**; a version holds the
texts: parts, factors within parts, items within factors, answer scales and open questions,
each in bokmål, nynorsk and English. A version a round has used is never changed again: an
edit makes the next version.

A **round** is one group's baseline or final survey, or the evaluation of one joint gathering
(then it belongs to the gathering's session, not to a group: tracker/surveys/evaluations.py),
sent with one version. Its
**respondents** are the people asked to answer; each has a personal link (only its hash is
kept) and a "has answered" flag. What they answered is a **response**: its id is random, it
has no time and no link to the respondent or the person, so nothing stored says whose answers
they are. While a respondent is still answering, their saved progress is a **draft** tied to
their link; it becomes a response, and is deleted, in the transaction that submits it.
"""
import enum
import uuid
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    ColumnElement,
    UniqueConstraint,
    and_,
)
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker import clock
from tracker.audit.models import Audited
from tracker.concurrency import Versioned
from tracker.db_types import Labelled, UTCDateTime, enum_column
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.people.models import Person
from tracker.programmes.models import Programme
from tracker.schedule.models import Session

LANGUAGES = ("nb", "nn", "en")
# Codes name parts, factors, items, scales and questions in files and in the headline figures.
CODE_LENGTH = 40
NAME_LENGTH = 200
STATEMENT_LENGTH = 1000
# What one open answer may hold.
OPEN_ANSWER_LENGTH = 4000
# Never fewer: with two answers, each respondent could work out the other's.
LEAST_MINIMUM = 3


class InTheirLanguage:
    """A record with its texts in bokmål, nynorsk and English (`<stem>_nb`, `_nn`, `_en`)."""

    def text(self, stem: str, locale: str) -> str:
        return getattr(self, f"{stem}_{locale if locale in LANGUAGES else 'nb'}") or getattr(
            self, f"{stem}_nb")


class Instrument(Versioned, Audited, InTheirLanguage, db.Model):
    """A survey a programme uses, such as its group-effectiveness survey."""

    __tablename__ = "survey_instrument"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"),
                                              index=True)
    name_nb: Mapped[str] = mapped_column(String(NAME_LENGTH))
    name_nn: Mapped[str] = mapped_column(String(NAME_LENGTH))
    name_en: Mapped[str] = mapped_column(String(NAME_LENGTH))
    # Texts written for the demo, not the instrument's owner's: pages say so.
    is_example: Mapped[bool] = mapped_column(default=False)
    # The programme's evaluation of its joint gatherings (tracker/surveys/evaluations.py), not a
    # group survey: its newest version is sent when a gathering ends.
    is_evaluation: Mapped[bool] = mapped_column(default=False)

    programme: Mapped[Programme] = relationship()
    versions: Mapped[list["InstrumentVersion"]] = relationship(
        back_populates="instrument", order_by="InstrumentVersion.number",
        cascade="all, delete-orphan")

    def name(self, locale: str) -> str:
        return self.text("name", locale)

    @property
    def latest(self) -> "InstrumentVersion | None":
        return self.versions[-1] if self.versions else None


class InstrumentVersion(Versioned, Audited, db.Model):
    """One version of an instrument's texts; frozen once a round uses it."""

    __tablename__ = "survey_instrument_version"
    __table_args__ = (
        UniqueConstraint("instrument_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(
        ForeignKey("survey_instrument.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    # What changed from the version before, for whoever compares rounds across versions.
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    instrument: Mapped[Instrument] = relationship(back_populates="versions")
    scales: Mapped[list["Scale"]] = relationship(
        back_populates="version", order_by="Scale.id", cascade="all, delete-orphan")
    parts: Mapped[list["Part"]] = relationship(
        back_populates="version", order_by="Part.position", cascade="all, delete-orphan")
    open_questions: Mapped[list["OpenQuestion"]] = relationship(
        back_populates="version", order_by="OpenQuestion.position", cascade="all, delete-orphan")

    def audit_scope(self) -> tuple[int | None, int | None]:
        return None, None

    @property
    def factors(self) -> list["Factor"]:
        return [factor for part in self.parts for factor in part.factors]

    @property
    def items(self) -> list["Item"]:
        return [item for factor in self.factors for item in factor.items]


class Scale(db.Model):
    """An answer scale: its points, lowest first, each with its label."""

    __tablename__ = "survey_scale"
    __table_args__ = (UniqueConstraint("version_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("survey_instrument_version.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(CODE_LENGTH))

    version: Mapped[InstrumentVersion] = relationship(back_populates="scales")
    points: Mapped[list["ScalePoint"]] = relationship(
        back_populates="scale", order_by="ScalePoint.value", cascade="all, delete-orphan")

    @property
    def lowest(self) -> int:
        return self.points[0].value

    @property
    def highest(self) -> int:
        return self.points[-1].value


class ScalePoint(InTheirLanguage, db.Model):
    __tablename__ = "survey_scale_point"
    __table_args__ = (UniqueConstraint("scale_id", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scale_id: Mapped[int] = mapped_column(ForeignKey("survey_scale.id", ondelete="CASCADE"),
                                          index=True)
    value: Mapped[int]
    label_nb: Mapped[str] = mapped_column(String(NAME_LENGTH))
    label_nn: Mapped[str] = mapped_column(String(NAME_LENGTH))
    label_en: Mapped[str] = mapped_column(String(NAME_LENGTH))

    scale: Mapped[Scale] = relationship(back_populates="points")


class Part(InTheirLanguage, db.Model):
    """A part of the instrument, such as its preconditions, processes or results."""

    __tablename__ = "survey_part"
    __table_args__ = (UniqueConstraint("version_id", "code"),
                      UniqueConstraint("version_id", "position"))

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("survey_instrument_version.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(CODE_LENGTH))
    position: Mapped[int]
    name_nb: Mapped[str] = mapped_column(String(NAME_LENGTH))
    name_nn: Mapped[str] = mapped_column(String(NAME_LENGTH))
    name_en: Mapped[str] = mapped_column(String(NAME_LENGTH))

    version: Mapped[InstrumentVersion] = relationship(back_populates="parts")
    factors: Mapped[list["Factor"]] = relationship(
        back_populates="part", order_by="Factor.position", cascade="all, delete-orphan")

    def name(self, locale: str) -> str:
        return self.text("name", locale)


class Factor(InTheirLanguage, db.Model):
    """A factor of group effectiveness; a respondent's score for it is the mean of its items."""

    __tablename__ = "survey_factor"
    __table_args__ = (UniqueConstraint("version_id", "code"),
                      UniqueConstraint("part_id", "position"))

    id: Mapped[int] = mapped_column(primary_key=True)
    # The version again, so codes are unique in the whole version.
    version_id: Mapped[int] = mapped_column(
        ForeignKey("survey_instrument_version.id", ondelete="CASCADE"), index=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("survey_part.id", ondelete="CASCADE"),
                                         index=True)
    code: Mapped[str] = mapped_column(String(CODE_LENGTH))
    position: Mapped[int]
    name_nb: Mapped[str] = mapped_column(String(NAME_LENGTH))
    name_nn: Mapped[str] = mapped_column(String(NAME_LENGTH))
    name_en: Mapped[str] = mapped_column(String(NAME_LENGTH))

    version: Mapped[InstrumentVersion] = relationship()
    part: Mapped[Part] = relationship(back_populates="factors")
    items: Mapped[list["Item"]] = relationship(
        back_populates="factor", order_by="Item.position", cascade="all, delete-orphan")

    def name(self, locale: str) -> str:
        return self.text("name", locale)


class Item(InTheirLanguage, db.Model):
    """One statement a respondent answers on a scale."""

    __tablename__ = "survey_item"
    __table_args__ = (UniqueConstraint("version_id", "code"),
                      UniqueConstraint("factor_id", "position"))

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("survey_instrument_version.id", ondelete="CASCADE"), index=True)
    factor_id: Mapped[int] = mapped_column(ForeignKey("survey_factor.id", ondelete="CASCADE"),
                                           index=True)
    scale_id: Mapped[int] = mapped_column(ForeignKey("survey_scale.id"), index=True)
    code: Mapped[str] = mapped_column(String(CODE_LENGTH))
    position: Mapped[int]
    statement_nb: Mapped[str] = mapped_column(String(STATEMENT_LENGTH))
    statement_nn: Mapped[str] = mapped_column(String(STATEMENT_LENGTH))
    statement_en: Mapped[str] = mapped_column(String(STATEMENT_LENGTH))
    # Agreeing says the group does worse ("Meetings drift"): scored from the other end.
    reverse: Mapped[bool] = mapped_column(default=False)

    version: Mapped[InstrumentVersion] = relationship()
    factor: Mapped[Factor] = relationship(back_populates="items")
    scale: Mapped[Scale] = relationship()

    def statement(self, locale: str) -> str:
        return self.text("statement", locale)

    def score(self, answer: int) -> int:
        """The answer as it counts towards the factor: high is good, whichever way it is put."""
        return self.scale.lowest + self.scale.highest - answer if self.reverse else answer


class OpenQuestion(InTheirLanguage, db.Model):
    __tablename__ = "survey_open_question"
    __table_args__ = (UniqueConstraint("version_id", "code"),
                      UniqueConstraint("version_id", "position"))

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("survey_instrument_version.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(CODE_LENGTH))
    position: Mapped[int]
    text_nb: Mapped[str] = mapped_column(String(STATEMENT_LENGTH))
    text_nn: Mapped[str] = mapped_column(String(STATEMENT_LENGTH))
    text_en: Mapped[str] = mapped_column(String(STATEMENT_LENGTH))

    version: Mapped[InstrumentVersion] = relationship(back_populates="open_questions")

    def question(self, locale: str) -> str:
        return self.text("text", locale)


class RoundKind(Labelled):
    BASELINE = "baseline"
    FINAL = "final"
    # A joint gathering's evaluation: the round belongs to the session, not to a group.
    EVALUATION = "evaluation"

    __labels__ = {
        "baseline": _l("Baseline"),
        "final": _l("Final"),
        "evaluation": _l("Evaluation"),
    }


# The kinds of a group's round (an evaluation belongs to a gathering, never to a group): what the
# rounds' pages offer and `open_round` takes.
GROUP_KINDS = (RoundKind.BASELINE, RoundKind.FINAL)


class SurveyRound(Versioned, Audited, db.Model):
    """A group's baseline or final survey, or a joint gathering's evaluation: who is asked,
    until when, with which version."""

    __tablename__ = "survey_round"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "kind"),
        CheckConstraint(f"minimum_respondents >= {LEAST_MINIMUM}", name="minimum_protects"),
        # A group's round or a gathering's evaluation, never both nor neither.
        CheckConstraint(
            "(enrolment_id IS NOT NULL AND session_id IS NULL AND kind != 'EVALUATION') OR "
            "(enrolment_id IS NULL AND session_id IS NOT NULL AND kind = 'EVALUATION')",
            name="group_or_gathering"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The group's, for a baseline or final; empty for an evaluation.
    enrolment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    # The joint gathering's, for an evaluation (one each); empty for a group's round.
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("session.id", ondelete="CASCADE"), unique=True)
    # RESTRICT: a version a round was sent with is never deleted under it.
    version_id: Mapped[int] = mapped_column(
        ForeignKey("survey_instrument_version.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[RoundKind] = mapped_column(enum_column(RoundKind))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Answers are taken until the end of this day in Oslo.
    closes_on: Mapped[date]
    # Set when a coordinator closes the round before its closing day.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    minimum_respondents: Mapped[int] = mapped_column(default=LEAST_MINIMUM)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    enrolment: Mapped[Enrolment | None] = relationship()
    session: Mapped[Session | None] = relationship()
    instrument_version: Mapped[InstrumentVersion] = relationship()
    # In the order they were asked: PostgreSQL returns rows in no set order, and one updated
    # (invited, answered) may come back later than before.
    respondents: Mapped[list["Respondent"]] = relationship(
        back_populates="round", cascade="all, delete-orphan", passive_deletes=True,
        order_by="Respondent.id")

    @property
    def cohort(self):
        """The cohort of the round's group, or of the gathering it evaluates."""
        return self.enrolment.cohort if self.enrolment is not None else self.session.cohort

    @property
    def is_evaluation(self) -> bool:
        return self.session_id is not None or self.kind is RoundKind.EVALUATION

    def audit_scope(self) -> tuple[int | None, int | None]:
        if self.enrolment is None:  # a gathering's evaluation: the cohort's
            return self.session.cohort_id, None
        return self.enrolment.cohort_id, self.enrolment_id

    # The one rule of "the round takes answers on `today`": `survey_round.is_open(today)` in
    # Python, `SurveyRound.is_open(today)` as SQL (the mail run, the submit's lock, forgetting
    # drafts); a coordinator's early close and the closing day both end it.
    @hybrid_method
    def is_open(self, today: date) -> bool:
        return self.closed_at is None and today <= self.closes_on

    @is_open.inplace.expression
    @classmethod
    def _is_open_clause(cls, today: date) -> ColumnElement[bool]:
        return and_(cls.closed_at.is_(None), cls.closes_on >= today)


class Respondent(Audited, db.Model):
    """Someone asked to answer a round, and whether they have. Never what they answered."""

    __tablename__ = "survey_respondent"
    __table_args__ = (UniqueConstraint("round_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id", ondelete="CASCADE"),
                                          index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"),
                                           index=True)
    # The personal link is drawn from the app's key and this nonce (a new nonce, a new link);
    # only its hash is kept, to find the respondent a link belongs to.
    link_nonce: Mapped[str] = mapped_column(String(32), default=lambda: uuid.uuid4().hex)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    has_answered: Mapped[bool] = mapped_column(default=False)
    # When the latest invitation and reminder were queued in the outbox.
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    round: Mapped[SurveyRound] = relationship(back_populates="respondents")
    person: Mapped[Person] = relationship()

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.round.audit_scope()


class Draft(db.Model):
    """A respondent's answers saved on the way, until they submit or the round closes."""

    __tablename__ = "survey_draft"

    respondent_id: Mapped[int] = mapped_column(
        ForeignKey("survey_respondent.id", ondelete="CASCADE"), primary_key=True)
    # {"items": {code: value}, "open": {code: text}}
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)


def random_id() -> str:
    return uuid.uuid4().hex


class Response(db.Model):
    """One respondent's submitted answers, with nothing that says whose or when: a random id
    (no order of submission), no time, no respondent."""

    __tablename__ = "survey_response"
    # A round's responses, and the smallest and largest of their ids (what a comparison keys a
    # round's sums by, surveys.results._group_rounds), read off one index: with the round alone
    # indexed, PostgreSQL found a round's smallest id by walking the random ids from the first
    # (2.5 s for the whole state's 2,800 rounds at the bench's scale 10).
    __table_args__ = (Index("ix_survey_response_round_id", "round_id", "id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id", ondelete="CASCADE"))

    item_answers: Mapped[list["ItemAnswer"]] = relationship(cascade="all, delete-orphan",
                                                             passive_deletes=True)
    open_answers: Mapped[list["OpenAnswer"]] = relationship(cascade="all, delete-orphan",
                                                             passive_deletes=True)


class ItemAnswer(db.Model):
    __tablename__ = "survey_item_answer"

    response_id: Mapped[str] = mapped_column(
        ForeignKey("survey_response.id", ondelete="CASCADE"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("survey_item.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)
    # As answered on the item's scale; reverse-scored items are turned when results are made.
    value: Mapped[int]


class OpenAnswer(db.Model):
    __tablename__ = "survey_open_answer"

    response_id: Mapped[str] = mapped_column(
        ForeignKey("survey_response.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("survey_open_question.id", ondelete="CASCADE"), primary_key=True, index=True)
    text: Mapped[str] = mapped_column(Text)


class HeadlineFigure(Versioned, Audited, InTheirLanguage, db.Model):
    """A figure for the programme page, such as "65 % report more effective meetings": the
    share of final-round respondents who answered `item_code` at `at_least` or higher."""

    __tablename__ = "survey_headline"
    # One figure per item: two thresholds on one item would give the share between them.
    __table_args__ = (UniqueConstraint("programme_id", "position"),
                      UniqueConstraint("programme_id", "item_code"))

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"),
                                              index=True)
    position: Mapped[int]
    # An item's code in the programme's instruments: it counts in every version that has it.
    item_code: Mapped[str] = mapped_column(String(CODE_LENGTH))
    at_least: Mapped[int]
    # What the share says, after the figure: "report more effective meetings".
    label_nb: Mapped[str] = mapped_column(String(NAME_LENGTH))
    label_nn: Mapped[str] = mapped_column(String(NAME_LENGTH))
    label_en: Mapped[str] = mapped_column(String(NAME_LENGTH))

    programme: Mapped[Programme] = relationship()
