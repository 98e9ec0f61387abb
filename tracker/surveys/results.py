"""What the survey's answers add up to, and when they may be shown at all.

The rule, in this one place: a round's results exist only when the round is **closed** (a
coordinator closed it, or its closing day is past) **and** at least `minimum_respondents`
responses exist. While answers still come in, results that changed with each answer would let
anyone subtract one answer from the next; below the minimum, each answer is too easy to tell
apart. Otherwise a round says only that it is still open or has too few answers, with the
number of answers (coordinators already see who answered).

Nothing is shown that could single out one answer: no answer distributions per item, no
minimum or maximum, nothing per respondent. What is shown per factor:

- a respondent's **factor score**: the mean of their item scores for the factor, reverse-scored
  items turned with `Item.score`;
- the group's **mean**: the mean of its respondents' factor scores;
- the group's **spread**: the *population* standard deviation of those factor scores (the
  respondents are the whole group asked, not a sample of it), shown with five or more
  (`LEAST_FOR_SPREAD`).

A factor fewer respondents answered than the round's minimum is left out like a round below it.
Rounds sent with different versions of an instrument are compared factor by factor through the
factor's **code** (a code present in both).

A group's results (its means, spreads and open answers) are read only by staff and the group's
own leaders, never the ministry above them (`Enrolment.shows_survey_results_to`); open answers
only where the round's results may be shown, and in a new random order each time, so the order
never tells who wrote first.

Across groups (a cohort, a programme, a sector), a group counts when both its rounds may be
shown; a factor's share of groups improved is those whose final mean is above their baseline
mean. A sector's figures are shown only when at least `LEAST_GROUPS` groups count, and each
factor only when at least that many groups have it (versions can differ in their factors), so
no one group can be read off them.
"""
import copy
import random
import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from math import lcm
from statistics import fmean
from typing import NamedTuple

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import joinedload, selectinload

from tracker.cohorts.models import Cohort
from tracker.concurrency import check_version
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.fragments import kept_generation
from tracker.groups.models import Enrolment
from tracker.programmes.models import Programme
from tracker.programmes.services import require_text
from tracker.roles import Reader
from tracker.surveys.models import (
    NAME_LENGTH,
    Factor,
    HeadlineFigure,
    Instrument,
    InstrumentVersion,
    Item,
    ItemAnswer,
    OpenAnswer,
    OpenQuestion,
    Part,
    Response,
    RoundKind,
    Scale,
    ScalePoint,
    SurveyRound,
)

# A spread needs at least five scores. With the mean and the standard deviation of n scores,
# one respondent knows the sum and the sum of squares of the n-1 scores they did not give: at
# three that fixes the other two (two equations, two unknowns), and at four two respondents
# together do the same to the other two.
LEAST_FOR_SPREAD = 5
# Figures over groups (a sector, a headline) need this many groups, so no one group shows.
LEAST_GROUPS = 3
CENT = Decimal("0.01")
_shuffle = random.SystemRandom().shuffle


def two_decimals(value: float) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def is_closed(round_: SurveyRound, today: date) -> bool:
    """Closed by a coordinator, or past its closing day: no more answers can change it."""
    return not round_.is_open(today)


def may_show(closed: bool, answered: int, minimum: int) -> bool:
    """A round's results may be shown: closed, and with at least its minimum of answers."""
    return closed and answered >= minimum


def shows_open_answers_to(enrolment: Enrolment, user: Reader) -> bool:
    """Open answers are part of the group's results, with the same readers:
    `Enrolment.shows_survey_results_to` (`Readers.STAFF_AND_OWN_GROUP` in tracker/access.py)."""
    return enrolment.shows_survey_results_to(user)


@dataclass(frozen=True)
class FactorScore:
    """A factor's figures in one round: respondents counted, their mean and its spread."""

    factor: Factor
    respondents: int
    mean: Decimal
    spread: Decimal | None


@dataclass
class RoundResult:
    """One round: how many answered, and its factors when the rule lets them be shown."""

    round: SurveyRound
    answered: int
    closed: bool
    factors: dict[str, FactorScore] = field(default_factory=dict)  # by factor code
    version: InstrumentVersion | None = None  # with its parts, factors and items loaded

    @property
    def minimum(self) -> int:
        return self.round.minimum_respondents

    @property
    def shown(self) -> bool:
        return may_show(self.closed, self.answered, self.minimum)

    @property
    def why_not(self) -> str | None:
        """"open" while answers come in, "too_few" below the minimum, None when shown."""
        if not self.closed:
            return "open"
        if self.answered < self.minimum:
            return "too_few"
        return None


@dataclass(frozen=True)
class FactorRow:
    """A factor as the group page shows it: baseline beside final, and the change."""

    part: Part
    factor: Factor
    baseline: FactorScore | None
    final: FactorScore | None

    @property
    def change(self) -> Decimal | None:
        if self.baseline is None or self.final is None:
            return None
        return self.final.mean - self.baseline.mean


@dataclass(frozen=True)
class OpenAnswers:
    question: OpenQuestion
    texts: list[str]


@dataclass
class GroupResults:
    enrolment: Enrolment
    baseline: RoundResult | None
    final: RoundResult | None
    rows: list[FactorRow]
    # None: the reader may not see them; otherwise per question of the rounds shown.
    open_answers: dict[str, list[OpenAnswers]] | None = None
    # True when the group has rounds but their results are not this reader's to see
    # (Enrolment.shows_survey_results_to): then nothing else is filled in.
    withheld: bool = False

    @property
    def has_rounds(self) -> bool:
        return self.baseline is not None or self.final is not None

    @property
    def shown(self) -> bool:
        return any(r is not None and r.shown for r in (self.baseline, self.final))

    @property
    def parts(self) -> list[tuple[Part, list[FactorRow]]]:
        grouped: dict[int, tuple[Part, list[FactorRow]]] = {}
        for row in self.rows:
            grouped.setdefault(row.part.id, (row.part, []))[1].append(row)
        return list(grouped.values())

    @property
    def spread_left_out(self) -> bool:
        """Some factor shown with its mean but not its spread (fewer than `LEAST_FOR_SPREAD`)."""
        return any(score is not None and score.spread is None
                   for row in self.rows for score in (row.baseline, row.final))

    @property
    def compared(self) -> bool:
        return bool(self.baseline and self.baseline.shown and self.final and self.final.shown)


# Loading: a fixed number of queries for any number of rounds.


def _versions(version_ids: set[int], *, whole: bool = True) -> dict[int, InstrumentVersion]:
    """The versions by id, with their parts and factors; `whole` also their items with their
    scales and the open questions (a group's page draws on them; a comparison names factors
    only)."""
    if not version_ids:
        return {}
    if not whole:
        # Parts and factors joined: one statement of some dozen rows per version.
        return {v.id: v for v in db.session.scalars(
            select(InstrumentVersion).where(InstrumentVersion.id.in_(version_ids)).options(
                joinedload(InstrumentVersion.parts).joinedload(Part.factors))).unique()}
    # The tree parts > factors > items > scale > points joined in one statement (a version has
    # some dozens of items, each scale a handful of points), the open questions in a second.
    versions = db.session.scalars(
        select(InstrumentVersion).where(InstrumentVersion.id.in_(version_ids)).options(
            joinedload(InstrumentVersion.parts).joinedload(Part.factors)
            .joinedload(Factor.items).joinedload(Item.scale).joinedload(Scale.points),
            selectinload(InstrumentVersion.open_questions),
        )
    ).unique().all()
    return {v.id: v for v in versions}


def _answer_counts(round_ids: list[int]) -> dict[int, int]:
    if not round_ids:
        return {}
    return dict(db.session.execute(
        select(Response.round_id, func.count(Response.id))
        .where(Response.round_id.in_(round_ids)).group_by(Response.round_id)
    ).all())


def _exact_two_decimals(numerator: int, denominator: int) -> Decimal:
    """`two_decimals` of an exact fraction: a mean exactly halfway (3.125) rounds up, as on
    paper, whichever side of it a float's nearest binary value would fall."""
    with localcontext() as exact:
        exact.prec = 40
        return (Decimal(numerator) / Decimal(denominator)).quantize(CENT, rounding=ROUND_HALF_UP)


def _exact_spread(numerator: int, denominator: int) -> Decimal:
    """√(numerator) / denominator to two decimals: the population standard deviation."""
    with localcontext() as exact:
        exact.prec = 40
        return (Decimal(numerator).sqrt() / Decimal(denominator)).quantize(
            CENT, rounding=ROUND_HALF_UP)


def _factor_sums(round_ids: list[int]) -> dict[tuple[int, int], list[tuple[int, int, int, int]]]:
    """Per (round, factor): rows of (items answered k, respondents with k, Σ sums, Σ sums²),
    a respondent's sum being their item scores' total for the factor (reverse-scored items
    turned on their scale as `Item.score` does).

    Summed in the database in one statement, so what comes back grows with rounds and factors,
    never with answers: a respondent's factor score is sum/k, and with the respondents grouped
    by k the mean and the spread follow exactly (Σ sum/k and Σ sum²/k² over the groups of k).
    """
    if not round_ids:
        return {}
    # Each scale's lowest + highest point: a reverse-scored answer v counts as that minus v.
    # Asked of the item's scale beside each answer, not joined as a table of scales: joined, it
    # led SQLite's planner to start from the scales and read every answer ever given (2.5 s at
    # the bench's scale 10 for any ten rounds); this way it starts from the rounds' responses.
    turn = (select(func.min(ScalePoint.value) + func.max(ScalePoint.value))
            .where(ScalePoint.scale_id == Item.scale_id).correlate(Item).scalar_subquery())
    score = case((Item.reverse, turn - ItemAnswer.value), else_=ItemAnswer.value)
    per_respondent = (
        select(Response.round_id.label("round_id"), Item.factor_id.label("factor_id"),
               func.sum(score).label("total"), func.count().label("answered"))
        .select_from(Response)
        .join(ItemAnswer, ItemAnswer.response_id == Response.id)
        .join(Item, Item.id == ItemAnswer.item_id)
        .where(Response.round_id.in_(round_ids))
        .group_by(Response.round_id, Item.factor_id, ItemAnswer.response_id)
        .subquery())
    found: dict[tuple[int, int], list[tuple[int, int, int, int]]] = defaultdict(list)
    for round_id, factor_id, answered, respondents, total, squares in db.session.execute(
        select(per_respondent.c.round_id, per_respondent.c.factor_id, per_respondent.c.answered,
               func.count(), func.sum(per_respondent.c.total),
               func.sum(per_respondent.c.total * per_respondent.c.total))
        .group_by(per_respondent.c.round_id, per_respondent.c.factor_id,
                  per_respondent.c.answered)
    ):
        found[(round_id, factor_id)].append((answered, respondents, total, squares))
    return found


# Respondents, mean, spread (None below five), and the mean in hundredths (a whole number:
# a sector's thousands of means are compared and averaged as these, `FactorSummary`).
Figures = tuple[int, Decimal, Decimal | None, int]


def _figures(sums: list[tuple[int, int, int, int]]) -> Figures:
    """A factor's respondents, mean and spread from its rows of `_factor_sums`.

    In whole numbers, so nothing is lost to floats: with L the least common multiple of the
    numbers of items answered (k), the respondents' factor scores sum to A / L and their
    squares to B / L², so the mean is A / (nL) and the spread √(nB − A²) / (nL)."""
    respondents = sum(row[1] for row in sums)
    common = lcm(*(k for k, _n, _t, _q in sums))
    total = sum(int(t) * (common // k) for k, _n, t, _q in sums)
    squares = sum(int(q) * (common // k) ** 2 for k, _n, _t, q in sums)
    spread = None
    if respondents >= LEAST_FOR_SPREAD:
        spread = _exact_spread(max(respondents * squares - total * total, 0), respondents * common)
    mean = _exact_two_decimals(total, respondents * common)
    return respondents, mean, spread, int(mean * 100)


# A shown round's factor sums, kept by the process once read: a round may be shown only once
# closed, takes no answer while closed, and cannot be reopened once shown
# (tracker/surveys/round_services.py `reopen_round`), and a submitted response never changes, so
# its sums never change either. The key holds what would differ if they did: the round's
# version, its number of responses, and its first and last response ids (random, 128 bits), so
# another database's round of the same id (a test's, a restored backup's) never matches.
# At most `_KEPT_ROUNDS` rounds (the least recently read go first): some MB at the most.
_KEPT_ROUNDS = 20_000
_kept: "OrderedDict[tuple, dict[int, Figures]]" = OrderedDict()
_kept_lock = threading.Lock()


def _fingerprints(round_ids: list[int]) -> dict[int, tuple[int, str, str]]:
    """Per round: its number of responses, and its smallest and largest response id."""
    if not round_ids:
        return {}
    return {round_id: (count, first, last) for round_id, count, first, last in db.session.execute(
        select(Response.round_id, func.count(Response.id), func.min(Response.id),
               func.max(Response.id))
        .where(Response.round_id.in_(round_ids)).group_by(Response.round_id))}


def _figures_by_round(round_ids: list[int]) -> dict[int, dict[int, Figures]]:
    """Per round, per factor id: its `_figures`, from one statement."""
    found: dict[int, dict[int, Figures]] = {round_id: {} for round_id in round_ids}
    for (round_id, factor_id), sums in _factor_sums(round_ids).items():
        found[round_id][factor_id] = _figures(sums)
    return found


def _shown_figures(shown: dict[int, int], fingerprints: dict[int, tuple[int, str, str]] | None
                   ) -> dict[int, dict[int, Figures]]:
    """`_figures_by_round` of the shown rounds (each id with its version's): from what the
    process kept where it may, the rest read in one statement (and kept, when the rounds'
    fingerprints are known)."""
    if fingerprints is None:
        return _figures_by_round(list(shown))
    keys = {round_id: (round_id, version_id, *fingerprints.get(round_id, (0, "", "")))
            for round_id, version_id in shown.items()}
    found: dict[int, dict[int, Figures]] = {}
    missing = []
    with _kept_lock:
        for round_id, key in keys.items():
            by_factor = _kept.get(key)
            if by_factor is None:
                missing.append(round_id)
                continue
            _kept.move_to_end(key)
            found[round_id] = by_factor
    if missing:
        read = _figures_by_round(missing)
        found.update(read)
        with _kept_lock:
            for round_id, by_factor in read.items():
                _kept[keys[round_id]] = by_factor
            while len(_kept) > _KEPT_ROUNDS:
                _kept.popitem(last=False)
    return found


def round_results(rounds: list[SurveyRound], today: date,
                  counts: dict[int, int] | None = None, *,
                  whole_versions: bool = True) -> dict[int, RoundResult]:
    """Each round's result by round id, its factors filled in where the rule allows.

    A fixed number of queries whatever the number of rounds: the counts, the versions with
    their items, and the factor sums of the rounds that may be shown (`_factor_sums`: the
    answers are added up in the database, never read one by one; kept once read when the
    counts are read here, see `_kept`).
    """
    fingerprints = None
    if counts is None:
        fingerprints = _fingerprints([r.id for r in rounds])
        counts = {round_id: found[0] for round_id, found in fingerprints.items()}
    versions = _versions({r.version_id for r in rounds}, whole=whole_versions)
    results = {r.id: RoundResult(r, counts.get(r.id, 0), is_closed(r, today),
                                 version=versions.get(r.version_id)) for r in rounds}
    shown = [r for r in results.values() if r.shown]
    if not shown:
        return results
    figures = _shown_figures({r.round.id: r.round.version_id for r in shown}, fingerprints)
    factors_of = {version_id: [(factor.id, factor.code, factor) for factor in version.factors]
                  for version_id, version in versions.items()}
    for result in shown:
        of_round = figures.get(result.round.id, {})
        minimum, into = result.minimum, result.factors
        for factor_id, code, factor in factors_of[result.round.version_id]:
            found = of_round.get(factor_id)
            # A factor fewer answered than the round's minimum is left out like the round.
            if found is not None and found[0] >= minimum:
                into[code] = FactorScore(factor, *found[:3])
    return results


def _rows(baseline: RoundResult | None, final: RoundResult | None) -> list[FactorRow]:
    """Factors in the final round's order (the baseline's when there is no final), then any
    factor only the other version has; baseline and final matched by factor code."""
    order = [r.version for r in (final, baseline) if r is not None]
    rows, seen = [], set()
    for version in order:
        for factor in version.factors:
            if factor.code in seen:
                continue
            seen.add(factor.code)
            rows.append(FactorRow(
                part=factor.part, factor=factor,
                baseline=baseline.factors.get(factor.code) if baseline else None,
                final=final.factors.get(factor.code) if final else None,
            ))
    return rows


def open_answers(result: RoundResult) -> list[OpenAnswers]:
    """A shown round's open answers per question, each list in a new random order."""
    return open_answers_of([result]).get(result.round.id, [])


def open_answers_of(found: list[RoundResult]) -> dict[int, list[OpenAnswers]]:
    """`open_answers` of each shown round among these, by round id, in one query."""
    shown = [result for result in found if result.shown]
    if not shown:
        return {}
    # By round and question: two rounds of one version share their questions.
    texts: dict[tuple[int, int], list[str]] = defaultdict(list)
    for round_id, question_id, text in db.session.execute(
        select(Response.round_id, OpenAnswer.question_id, OpenAnswer.text)
        .join(Response, Response.id == OpenAnswer.response_id)
        .where(Response.round_id.in_([result.round.id for result in shown]), OpenAnswer.text != "")
    ):
        texts[(round_id, question_id)].append(text)
    by_round = {}
    for result in shown:
        answers = []
        for question in result.version.open_questions:
            texts_of_question = texts.get((result.round.id, question.id), [])
            _shuffle(texts_of_question)
            answers.append(OpenAnswers(question, texts_of_question))
        by_round[result.round.id] = answers
    return by_round


def group_results(enrolment: Enrolment, for_user: Reader, today: date, *,
                  summary: bool = False) -> GroupResults:
    """The group's baseline and final rounds, factor by factor, and the open answers when
    the reader may see them (not in a `summary`: factors only, its versions' items unread). A reader the group's results are not for
    (`Enrolment.shows_survey_results_to`) gets none of it: only whether rounds exist."""
    # The group's rounds with how many answered each, in one statement.
    answered = (select(func.count(Response.id)).where(Response.round_id == SurveyRound.id)
                .correlate(SurveyRound).scalar_subquery())
    rounds, counts = {}, {}
    for round_, count in db.session.execute(
            select(SurveyRound, answered).where(SurveyRound.enrolment_id == enrolment.id)):
        rounds[round_.kind], counts[round_.id] = round_, count
    if not enrolment.shows_survey_results_to(for_user):
        return GroupResults(enrolment, None, None, [], withheld=bool(rounds))
    results = round_results(list(rounds.values()), today, counts, whole_versions=not summary)
    baseline = results.get(rounds[RoundKind.BASELINE].id) if RoundKind.BASELINE in rounds else None
    final = results.get(rounds[RoundKind.FINAL].id) if RoundKind.FINAL in rounds else None
    group = GroupResults(enrolment, baseline, final, _rows(baseline, final))
    if not summary and shows_open_answers_to(enrolment, for_user):  # the same readers today; asked as its own
        by_round = open_answers_of([result for result in (baseline, final) if result is not None])
        group.open_answers = {
            kind: by_round[result.round.id] for kind, result in (("baseline", baseline), ("final", final))
            if result is not None and result.shown
        }
    return group


# Across groups: a cohort, a programme, a sector.


@dataclass
class FactorSummary:
    """A factor over the groups compared. Its figures are worked out once, when first asked
    for, after `_summarise` has added every group's means (a sector has thousands): each
    group's baseline mean and final mean at the same place in `baselines` and `finals`, never
    shown on their own outside the group."""

    code: str
    factor: Factor  # names from the newest version seen
    # In hundredths (`Figures`): n / 100 is the float nearest the mean, as float(Decimal) is.
    baselines: list[int] = field(default_factory=list)
    finals: list[int] = field(default_factory=list)

    @cached_property
    def groups(self) -> int:
        return len(self.finals)

    @cached_property
    def improved(self) -> int:
        return sum(1 for before, after in zip(self.baselines, self.finals) if after > before)

    @property
    def share_improved(self) -> Decimal | None:
        return two_decimals(self.improved / self.groups) if self.groups else None

    @cached_property
    def baseline(self) -> Decimal | None:
        return two_decimals(fmean([mean / 100 for mean in self.baselines])) if self.finals else None

    @cached_property
    def final(self) -> Decimal | None:
        return two_decimals(fmean([mean / 100 for mean in self.finals])) if self.finals else None

    @cached_property
    def change(self) -> Decimal | None:
        if not self.finals:
            return None
        return two_decimals(fmean([(after - before) / 100
                                   for before, after in zip(self.baselines, self.finals)]))

    def settled(self) -> "FactorSummary":
        """A copy with its figures worked out and without the groups' means or the factor
        (a record of one session): what `_kept_comparisons` holds."""
        for figure in ("groups", "improved", "baseline", "final", "change"):
            getattr(self, figure)
        kept = copy.copy(self)
        kept.factor, kept.baselines, kept.finals = None, [], []
        return kept


@dataclass
class Comparison:
    """Groups compared baseline to final: how many have rounds, how many count, per factor."""

    with_rounds: int
    counted: int
    factors: list[FactorSummary]
    least_groups: int = 1

    @property
    def shown(self) -> bool:
        return self.counted >= self.least_groups and self.counted > 0


class _GroupRound(NamedTuple):
    """A group's round as a comparison reads it: the columns it needs, and how many answered."""

    id: int
    enrolment_id: int
    kind: RoundKind
    version_id: int
    minimum: int
    open: bool  # as the database gives it (0 or 1 on SQLite)
    answered: int
    first: str | None  # its smallest and largest response id: what `_kept` keys its sums by
    last: str | None

    @property
    def shown(self) -> bool:
        return may_show(not self.open, self.answered, self.minimum)


def _group_rounds(enrolment_ids: list[int] | Select, today: date
                  ) -> dict[int, dict[RoundKind, _GroupRound]]:
    """Each group's rounds by kind, with their responses' count and fingerprint (`_fingerprints`),
    in one statement of plain columns (none for no ids): a sector's thousands of rounds are
    rows, not records, and each round's responses are found by the index on their round, one
    round at a time (a join grouped by round sorts them all). Groups in the order of their
    first round."""
    found: dict[int, dict[RoundKind, _GroupRound]] = defaultdict(dict)
    if not isinstance(enrolment_ids, Select) and not enrolment_ids:
        return found

    def of_responses(aggregate):
        return (select(aggregate).where(Response.round_id == SurveyRound.id)
                .correlate(SurveyRound).scalar_subquery())

    for row in db.session.execute(
        select(SurveyRound.id, SurveyRound.enrolment_id, SurveyRound.kind, SurveyRound.version_id,
               SurveyRound.minimum_respondents, SurveyRound.is_open(today),
               of_responses(func.count()), of_responses(func.min(Response.id)),
               of_responses(func.max(Response.id)))
        .where(SurveyRound.enrolment_id.in_(enrolment_ids))
        .order_by(SurveyRound.id)
    ):
        round_ = _GroupRound._make(row)
        found[round_.enrolment_id][round_.kind] = round_
    return found


def _compared_pairs(groups: list[dict[RoundKind, _GroupRound]]
                    ) -> list[tuple[_GroupRound, _GroupRound]]:
    """The groups that count: a baseline and a final, both shown."""
    pairs = []
    for by_kind in groups:
        baseline, final = by_kind.get(RoundKind.BASELINE), by_kind.get(RoundKind.FINAL)
        if baseline is not None and final is not None and baseline.shown and final.shown:
            pairs.append((baseline, final))
    return pairs


def _summarise(comparisons: list[tuple[int, list[tuple[_GroupRound, _GroupRound]]]],
               least_groups: int) -> list[Comparison]:
    """Each comparison (its number of groups with rounds, and its pairs from `_compared_pairs`),
    the rounds' figures read once for all of them: from what the process keeps of a shown
    round's sums (`_shown_figures`), the rest summed in the database.

    Per factor code a final round shows (a factor fewer answered than its round's minimum is
    left out like the round), with the baseline's factor of that code: the two means."""
    rounds = {round_.id: round_ for _n, pairs in comparisons for pair in pairs for round_ in pair}
    shown = {round_id: round_.version_id for round_id, round_ in rounds.items()}
    figures = _shown_figures(shown, {round_id: (round_.answered, round_.first, round_.last)
                                     for round_id, round_ in rounds.items()})
    versions = _versions(set(shown.values()), whole=False)
    factor_of = {factor.id: factor for version in versions.values() for factor in version.factors}
    codes_of = {version_id: [(factor.id, factor.code) for factor in version.factors]
                for version_id, version in versions.items()}
    ids_of = {version_id: {code: factor_id for factor_id, code in codes}
              for version_id, codes in codes_of.items()}
    # Each pair of versions' factors matched by code once: (final's factor, baseline's or
    # None), in the final version's order. A sector's thousands of groups share a few pairs.
    matched: dict[tuple[int, int], list[tuple[int, int | None]]] = {}
    found = []
    for with_rounds, pairs in comparisons:
        # The groups' means by the final version's factor: plain lists in the loop over a
        # sector's thousands of groups, gathered by code after it.
        means: dict[int, tuple[list[int], list[int]]] = {}
        for baseline, final in pairs:
            versions_key = (baseline.version_id, final.version_id)
            factor_pairs = matched.get(versions_key)
            if factor_pairs is None:
                before_ids = ids_of[baseline.version_id]
                factor_pairs = matched[versions_key] = [
                    (factor_id, before_ids.get(code)) for factor_id, code in codes_of[final.version_id]]
            before_of, after_of = figures.get(baseline.id, {}), figures.get(final.id, {})
            least_before, least_after = baseline.minimum, final.minimum
            for factor_id, before_id in factor_pairs:
                after = after_of.get(factor_id)
                if after is None or after[0] < least_after:
                    continue
                before = before_of.get(before_id)
                if before is None or before[0] < least_before:
                    continue
                lists = means.get(factor_id)
                if lists is None:
                    means[factor_id] = ([before[3]], [after[3]])
                else:
                    lists[0].append(before[3])
                    lists[1].append(after[3])
        summaries: dict[str, FactorSummary] = {}
        for factor_id, (befores, afters) in means.items():
            factor = factor_of[factor_id]
            summary = summaries.get(factor.code)
            if summary is None:
                summaries[factor.code] = FactorSummary(factor.code, factor, befores, afters)
                continue
            summary.baselines += befores
            summary.finals += afters
            if factor.version_id > summary.factor.version_id:
                summary.factor = factor  # names from the newest version seen
        comparison = Comparison(with_rounds, len(pairs), [], least_groups)
        if comparison.shown:
            # A factor only some versions have rests on fewer groups than the comparison
            # counts: below its least number of groups it is left out like the whole
            # comparison would be.
            comparison.factors = sorted(
                (s for s in summaries.values() if s.groups >= least_groups),
                key=lambda s: (s.factor.part.position, s.factor.position, s.code))
        found.append(comparison)
    return found


def compare(enrolment_ids: list[int] | Select, today: date, *, least_groups: int = 1) -> Comparison:
    """Per factor code, over the groups whose baseline and final may both be shown: the share
    that improved and the average baseline, final and change. The groups are their ids, or a
    statement of them (a sector's thousands: no list of them is sent back to the database).
    Kept by the process once worked out, while the data's generation stays the same
    (`_kept_comparisons`).

    `least_groups`: below this many counted groups the comparison says only how many counted.
    """
    # The generation is read before anything the comparison follows from (kept_generation).
    generation = kept_generation()
    key = None
    if generation is not None:
        key = (generation, today, least_groups, _groups_key(enrolment_ids))
        with _kept_lock:
            kept = _kept_comparisons.get(key)
            if kept is not None:
                _kept_comparisons.move_to_end(key)
        if kept is not None:
            return kept.comparison()
    groups = list(_group_rounds(enrolment_ids, today).values())
    [comparison] = _summarise([(len(groups), _compared_pairs(groups))], least_groups)
    if key is not None:
        with _kept_lock:
            _kept_comparisons[key] = _KeptComparison.of(comparison)
            while len(_kept_comparisons) > _KEPT_COMPARISONS:
                _kept_comparisons.popitem(last=False)
    return comparison


def _groups_key(enrolment_ids: list[int] | Select) -> tuple:
    """Which groups a comparison is over, as a key: their ids, or the statement of them as the
    database is sent it (its text and its values: a reader's scope is among them)."""
    if not isinstance(enrolment_ids, Select):
        return tuple(enrolment_ids)
    compiled = enrolment_ids.compile(dialect=db.session.get_bind().dialect)
    return (str(compiled), repr(sorted(compiled.params.items())))


# A comparison, kept by the process once worked out (issue 14): a sector's groups number in the
# thousands, and reading their rounds and adding up their changes on each request cost the
# sector overview most of its time. Kept as the page's pieces are (tracker/fragments.py): under
# the data's generation, which every committed change to shown data replaces, so a kept
# comparison is never read after a change, and only while the fragment cache is on; with the
# day (a round closes by the calendar as well), the least number of groups and which groups.
# At most `_KEPT_COMPARISONS` (the least recently read go first), each some kB: the figures per
# factor, not the groups' changes behind them.
_KEPT_COMPARISONS = 512


@dataclass(frozen=True)
class _KeptComparison:
    with_rounds: int
    counted: int
    least_groups: int
    factors: tuple[tuple[int, FactorSummary], ...]  # each factor's id and its settled figures

    @classmethod
    def of(cls, comparison: "Comparison") -> "_KeptComparison":
        return cls(comparison.with_rounds, comparison.counted, comparison.least_groups,
                   tuple((s.factor.id, s.settled()) for s in comparison.factors))

    def comparison(self) -> "Comparison":
        """The comparison again, its factors (with their parts) read in this session."""
        factors = {}
        if self.factors:
            factors = {f.id: f for f in db.session.scalars(
                select(Factor).where(Factor.id.in_([id_ for id_, _s in self.factors]))
                .options(joinedload(Factor.part)))}
        summaries = []
        for factor_id, settled in self.factors:
            summary = copy.copy(settled)
            summary.factor = factors[factor_id]
            summaries.append(summary)
        return Comparison(self.with_rounds, self.counted, summaries, self.least_groups)


_kept_comparisons: "OrderedDict[tuple, _KeptComparison]" = OrderedDict()


def cohort_enrolment_ids(cohort_id: int) -> list[int]:
    return list(db.session.scalars(select(Enrolment.id).where(Enrolment.cohort_id == cohort_id)))


@dataclass
class ProgrammeComparison:
    per_cohort: list[tuple[object, Comparison]]
    total: Comparison


def programme_comparison(programme: Programme, today: date) -> ProgrammeComparison:
    """Per cohort of the programme (by start) and over all its groups together; the rounds
    and answers read once for all cohorts."""
    cohorts = db.session.scalars(
        select(Cohort).where(Cohort.programme_id == programme.id).order_by(Cohort.start_date)
    ).all()
    by_cohort: dict[int, list[int]] = defaultdict(list)
    for enrolment_id, cohort_id in db.session.execute(
        select(Enrolment.id, Enrolment.cohort_id).where(
            Enrolment.cohort_id.in_([c.id for c in cohorts]))
    ):
        by_cohort[cohort_id].append(enrolment_id)
    rounds = _group_rounds([e for ids in by_cohort.values() for e in ids], today)
    with_rounds = []
    for cohort in cohorts:
        theirs = [rounds[e] for e in by_cohort[cohort.id] if e in rounds]
        if theirs:
            with_rounds.append((cohort, (len(theirs), _compared_pairs(theirs))))
    everyone = list(rounds.values())
    *per_cohort, total = _summarise(
        [found for _cohort, found in with_rounds] + [(len(everyone), _compared_pairs(everyone))], 1)
    return ProgrammeComparison([(cohort, comparison) for (cohort, _f), comparison
                                in zip(with_rounds, per_cohort)], total)


# Headline figures: "65 % report more effective meetings" on the programme page.


def headline_items(programme: Programme) -> dict[str, Item]:
    """The items a headline may be about: each item code of the programme's instruments' final
    rounds' versions (and their latest versions, before any final round is sent), with the item
    of the newest version that has it, for its statement and scale."""
    versions = db.session.scalars(
        select(InstrumentVersion).join(InstrumentVersion.instrument)
        .where(Instrument.programme_id == programme.id)
        .order_by(InstrumentVersion.id)
        .options(selectinload(InstrumentVersion.parts).selectinload(Part.factors)
                 .selectinload(Factor.items).selectinload(Item.scale).selectinload(Scale.points))
    ).all()
    found: dict[str, Item] = {}
    for version in versions:
        for item in version.items:
            # Reached while the versions are held, so from the identity map without a query:
            # afterwards the item keeps its factor and part, which callers order by.
            item.factor.part  # noqa: B018
            found[item.code] = item  # the newest version's wins
    return found


def _headline_values(programme: Programme, *, item_code, at_least, label_nb, label_nn,
                     label_en) -> dict:
    items = headline_items(programme)
    item = items.get((item_code or "").strip())
    if item is None:
        raise DomainError(_l("Choose an item of the programme's survey."), field="item_code")
    if not isinstance(at_least, int) or not item.scale.lowest <= at_least <= item.scale.highest:
        raise DomainError(_l("Choose a point on the item's scale, from %(low)s to %(high)s.",
                             low=item.scale.lowest, high=item.scale.highest), field="at_least")
    return {
        "item_code": item.code,
        "at_least": at_least,
        "label_nb": require_text(label_nb, "label_nb", length=NAME_LENGTH),
        "label_nn": require_text(label_nn, "label_nn", length=NAME_LENGTH),
        "label_en": require_text(label_en, "label_en", length=NAME_LENGTH),
    }


def headlines_of(programme: Programme) -> list[HeadlineFigure]:
    return list(db.session.scalars(
        select(HeadlineFigure).where(HeadlineFigure.programme_id == programme.id)
        .order_by(HeadlineFigure.position)))


def get_headline_or_404(programme: Programme, headline_id: int) -> HeadlineFigure:
    """The programme's headline figure with this id.

    :raise 404: when there is none, or it is another programme's.
    """
    figure = db.session.get(HeadlineFigure, headline_id)
    if figure is None or figure.programme_id != programme.id:
        abort(404)
    return figure


def _refuse_second_figure(programme: Programme, item_code: str,
                          but: HeadlineFigure | None = None) -> None:
    """One figure per item (unique in the table too): two thresholds on one item would give
    the share of answers between them, and the page would say the same thing twice."""
    taken = db.session.scalar(select(HeadlineFigure.id).where(
        HeadlineFigure.programme_id == programme.id, HeadlineFigure.item_code == item_code,
        HeadlineFigure.id != (but.id if but is not None else -1)))
    if taken is not None:
        raise DomainError(_l("The programme already has a headline figure for this item: edit "
                             "that one instead."), field="item_code")


def add_headline(programme: Programme, **values) -> HeadlineFigure:
    """A headline figure after the programme's others.

    :raise DomainError: naming the field at fault (an unknown item, a threshold off the item's
        scale, a missing label).
    """
    checked = _headline_values(programme, **values)
    _refuse_second_figure(programme, checked["item_code"])
    last = db.session.scalar(select(func.max(HeadlineFigure.position))
                             .where(HeadlineFigure.programme_id == programme.id))
    figure = HeadlineFigure(programme_id=programme.id, position=(last or 0) + 1, **checked)
    db.session.add(figure)
    db.session.flush()
    return figure


def update_headline(figure: HeadlineFigure, *, version: object, **values) -> None:
    """:raise ConflictError: when saved since `version`. :raise DomainError: as `add_headline`."""
    check_version(figure, version)
    checked = _headline_values(figure.programme, **values)
    _refuse_second_figure(figure.programme, checked["item_code"], but=figure)
    for key, value in checked.items():
        setattr(figure, key, value)
    db.session.flush()


def remove_headline(figure: HeadlineFigure) -> None:
    db.session.delete(figure)
    db.session.flush()


def move_headline(figure: HeadlineFigure, direction: str) -> None:
    """Swap the figure with its neighbour above ("up") or below ("down"); at an end, nothing."""
    figures = headlines_of(figure.programme)
    at = figures.index(figure)
    other = at - 1 if direction == "up" else at + 1
    if not 0 <= other < len(figures):
        return
    neighbour = figures[other]
    # Positions are unique: park one outside the range while they swap.
    first, second = figure.position, neighbour.position
    figure.position = -1
    db.session.flush()
    neighbour.position = first
    db.session.flush()
    figure.position = second
    db.session.flush()


@dataclass(frozen=True)
class Headline:
    figure: HeadlineFigure
    share: Decimal  # 0–1, two decimals
    groups: int
    cohorts: int
    respondents: int  # for the coordinators' preview only; the programme page shows no counts
    meeting: int  # respondents who answered at least the threshold


def headline_figures(programme: Programme, today: date) -> list[Headline]:
    """Each headline figure of the programme that rests on at least `LEAST_GROUPS` groups:
    the share of final-round respondents whose raw answer on the item with its code, in any
    version that has the code, is at least its threshold. Three queries whatever the number of
    figures or rounds.

    A cohort's final rounds count only once every one of them is closed, and then only its
    rounds that may be shown (`RoundResult.shown`), and only when at least `LEAST_GROUPS` of its
    groups answered the item: so the figure moves by whole cohorts of at least three groups,
    never by one group's round closing, and the difference between two days never gives one
    group's answers."""
    figures = headlines_of(programme)
    if not figures:
        return []
    rounds = db.session.scalars(
        select(SurveyRound).join(SurveyRound.enrolment).join(Enrolment.cohort)
        .where(Cohort.programme_id == programme.id, SurveyRound.kind == RoundKind.FINAL)
        .options(selectinload(SurveyRound.enrolment))
    ).all()
    counts = _answer_counts([r.id for r in rounds])
    by_cohort: dict[int, list[RoundResult]] = defaultdict(list)
    for round_ in rounds:
        by_cohort[round_.enrolment.cohort_id].append(
            RoundResult(round_, counts.get(round_.id, 0), is_closed(round_, today)))
    # The rounds that count, each with its cohort: those shown, of cohorts all closed.
    cohort_of = {result.round.id: cohort_id for cohort_id, theirs in by_cohort.items()
                 if all(result.closed for result in theirs)
                 for result in theirs if result.shown}
    codes = {f.item_code for f in figures}
    # code -> cohort -> round -> values
    answers: dict[str, dict[int, dict[int, list[int]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list)))
    if cohort_of:
        for round_id, code, value in db.session.execute(
            select(Response.round_id, Item.code, ItemAnswer.value)
            .join(ItemAnswer, ItemAnswer.response_id == Response.id)
            .join(Item, Item.id == ItemAnswer.item_id)
            .where(Response.round_id.in_(cohort_of), Item.code.in_(codes))
        ):
            answers[code][cohort_of[round_id]][round_id].append(value)
    found = []
    for figure in figures:
        counted = [by_round for by_round in answers.get(figure.item_code, {}).values()
                   if len(by_round) >= LEAST_GROUPS]
        values = [v for by_round in counted for values in by_round.values() for v in values]
        groups = sum(len(by_round) for by_round in counted)
        if groups < LEAST_GROUPS or not values:
            continue
        meeting = sum(1 for value in values if value >= figure.at_least)
        found.append(Headline(figure, two_decimals(meeting / len(values)), groups, len(counted),
                              len(values), meeting))
    return found


# A joint gathering's evaluation (tracker/surveys/evaluations.py): the same rule as a group's
# round, read by staff only (the access table), side by side across gatherings and cohorts.


@dataclass(frozen=True)
class EvaluationRow:
    """One factor of the evaluation form (usually one statement), with its figures in each
    column (a gathering, or a cohort); None where that round shows nothing."""

    factor: Factor
    cells: list[FactorScore | None]


@dataclass
class EvaluationTable:
    """Evaluations side by side: `columns` are the rounds' results (None: no evaluation), and
    the rows their factors, matched by code across versions."""

    columns: list[RoundResult | None]
    rows: list[EvaluationRow]

    @property
    def shown(self) -> bool:
        return any(c is not None and c.shown for c in self.columns)


def evaluation_table(rounds: list[SurveyRound | None], today: date) -> EvaluationTable:
    """The rounds' results side by side, in the order given (None for a gathering without an
    evaluation): each factor shown only where its round's results may be (`round_results`).
    A fixed number of queries whatever the number of rounds."""
    results = round_results([r for r in rounds if r is not None], today)
    columns = [results[r.id] if r is not None else None for r in rounds]
    factors: dict[str, Factor] = {}
    for column in columns:
        if column is not None and column.shown:
            for factor in column.version.factors:
                factors.setdefault(factor.code, factor)
    rows = [EvaluationRow(factor, [c.factors.get(code) if c is not None else None
                                   for c in columns])
            for code, factor in factors.items()]
    return EvaluationTable(columns, rows)


@dataclass
class GatheringEvaluation:
    """One gathering's evaluation: its result, and its open answers when it may be shown."""

    result: RoundResult
    table: EvaluationTable
    open_answers: list[OpenAnswers]


def gathering_evaluation(survey_round: SurveyRound, today: date) -> GatheringEvaluation:
    table = evaluation_table([survey_round], today)
    result = table.columns[0]
    return GatheringEvaluation(result, table, open_answers(result))
