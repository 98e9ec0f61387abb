"""The survey's figures as tracker/surveys/results.py made them before issue 14: every answer
read into Python and averaged there. Kept only as the reference the SQL sums are checked
against (tests/surveys/test_results_in_sql.py); nothing in the app uses it."""
from collections import defaultdict
from statistics import fmean, pstdev

from sqlalchemy import select

from tracker.extensions import db
from tracker.surveys.models import ItemAnswer, Response, SurveyRound
from tracker.surveys.results import (
    LEAST_FOR_SPREAD,
    FactorScore,
    _versions,
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
