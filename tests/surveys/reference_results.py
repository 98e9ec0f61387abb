"""The survey's figures as tracker/surveys/results.py made them before issue 14: every answer
read into Python and averaged there; and a comparison across groups as it was made before its
rounds were read as plain rows. Kept only as the references the SQL sums and the comparison
are checked against (tests/surveys/test_results_in_sql.py); nothing in the app uses them."""
from collections import defaultdict
from datetime import date
from decimal import Decimal
from statistics import fmean, pstdev

from sqlalchemy import select

from tracker.extensions import db
from tracker.surveys.models import ItemAnswer, Response, RoundKind, SurveyRound
from tracker.surveys.results import (
    LEAST_FOR_SPREAD,
    FactorScore,
    _versions,
    round_results,
    two_decimals,
)


def factor_scores(rounds: list[SurveyRound], minimum: dict[int, int]) -> dict[int, dict[str, FactorScore]]:
    """Per round id, per factor code: the figures, from every answer (rounds given are shown)."""
    versions = _versions({r.version_id for r in rounds})
    items = {item.id: item for v in versions.values() for item in v.items}
    scores: dict[int, dict[str, dict[int, list[int]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list)))
    for round_id, response_id, item_id, value in db.session.execute(
        select(Response.round_id, ItemAnswer.response_id, ItemAnswer.item_id, ItemAnswer.value)
        .join(Response, Response.id == ItemAnswer.response_id)
        .where(Response.round_id.in_([r.id for r in rounds]))
    ):
        item = items.get(item_id)
        if item is None:
            continue
        scores[round_id][response_id][item.factor_id].append(item.score(value))
    found: dict[int, dict[str, FactorScore]] = {}
    for round_ in rounds:
        found[round_.id] = {}
        for factor in versions[round_.version_id].factors:
            factor_scores = [fmean(by_factor[factor.id])
                             for by_factor in scores[round_.id].values()
                             if by_factor.get(factor.id)]
            if len(factor_scores) < minimum[round_.id]:
                continue
            found[round_.id][factor.code] = FactorScore(
                factor=factor,
                respondents=len(factor_scores),
                mean=two_decimals(fmean(factor_scores)),
                spread=(two_decimals(pstdev(factor_scores))
                        if len(factor_scores) >= LEAST_FOR_SPREAD else None),
            )
    return found


def comparison(enrolment_ids: list[int], today: date, least_groups: int = 1) -> dict:
    """A comparison as `results.compare` made it before its rounds were read as plain rows: each
    group's rounds loaded as records, their results made (`round_results`), each group's change
    kept and the figures averaged in Python. What it shows, in plain values: groups with rounds,
    groups counted, whether it is shown, and per factor code (the factors shown, in order) its
    groups, improved, share improved, average baseline, final and change."""
    rounds: dict[int, dict[RoundKind, SurveyRound]] = defaultdict(dict)
    for round_ in db.session.scalars(select(SurveyRound).where(
            SurveyRound.enrolment_id.in_(enrolment_ids)).order_by(SurveyRound.id)):
        rounds[round_.enrolment_id][round_.kind] = round_
    found = round_results([r for by_kind in rounds.values() for r in by_kind.values()], today)
    changes: dict[str, list[tuple[Decimal, Decimal]]] = defaultdict(list)
    order: dict[str, tuple] = {}
    counted = 0
    for by_kind in rounds.values():
        if RoundKind.BASELINE not in by_kind or RoundKind.FINAL not in by_kind:
            continue
        baseline, final = found[by_kind[RoundKind.BASELINE].id], found[by_kind[RoundKind.FINAL].id]
        if not (baseline.shown and final.shown):
            continue
        counted += 1
        for code, after in final.factors.items():
            before = baseline.factors.get(code)
            if before is None:
                continue
            changes[code].append((before.mean, after.mean))
            order.setdefault(code, (after.factor.part.position, after.factor.position, code))
    shown = counted >= least_groups and counted > 0
    factors = {}
    for code in sorted(changes, key=order.get):
        pairs = changes[code]
        if len(pairs) < least_groups or not shown:
            continue
        improved = sum(1 for before, after in pairs if after > before)
        factors[code] = (
            len(pairs), improved, two_decimals(improved / len(pairs)),
            two_decimals(fmean([float(before) for before, _after in pairs])),
            two_decimals(fmean([float(after) for _before, after in pairs])),
            two_decimals(fmean([float(after - before) for before, after in pairs])))
    return {"with_rounds": len(rounds), "counted": counted, "shown": shown, "factors": factors}
