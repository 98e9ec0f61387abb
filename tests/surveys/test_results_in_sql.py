"""The figures summed in the database (issue 14) are the figures the answers read one by one
gave (tests/surveys/reference_results.py), under the same rules, and those a process keeps
for a shown round are the ones a fresh read gives."""
import copy
import random
from decimal import Decimal

import pytest

from tests.surveys import reference_results
from tests.surveys.conftest import SMALL_INSTRUMENT
from tests.surveys.test_results import close, full
from tracker import clock
from tracker.fragments import EXTENSION, FragmentCache, kept_generation
from tracker.surveys import results
from tracker.surveys.models import RoundKind

CODES = ["PRE1a", "PRE1b", "PRO1a", "PRO1b", "PRO2a"]


def _as_tuples(by_code):
    return {code: (s.factor.id, s.respondents, s.mean, s.spread) for code, s in by_code.items()}


def test_sql_figures_match_the_answers_read_one_by_one(make_round, put_answers, make_group):
    chance = random.Random(14)
    rounds = []
    for members in (3, 4, 5, 6, 7, 9, 11):
        round_ = make_round(members=members, minimum=3)
        for respondent in round_.respondents:
            # Some respondents leave items out (the factories allow it; a real submit does
            # not), so factors are answered by different numbers of items and respondents.
            values = {code: chance.randint(1, 5) for code in CODES if chance.random() > 0.15}
            put_answers(respondent, values)
        close(round_)
        rounds.append(round_)
    expected = reference_results.factor_scores(rounds, {r.id: r.minimum_respondents for r in rounds})
    first = results.round_results(rounds, clock.today())
    again = results.round_results(rounds, clock.today())  # kept by the process this time
    assert any(r.factors for r in first.values())
    assert any(s.spread is not None for r in first.values() for s in r.factors.values())
    for round_ in rounds:
        assert _as_tuples(first[round_.id].factors) == _as_tuples(expected[round_.id])
        assert _as_tuples(again[round_.id].factors) == _as_tuples(expected[round_.id])


def test_a_mean_exactly_halfway_rounds_up(make_round, put_answers):
    # PRO2 scores 3, 3, 3, 4 ... over eight: 3.125 -> 3.13 (and the spread from eight).
    round_ = make_round(members=8, minimum=3)
    for respondent, value in zip(round_.respondents, [3, 3, 3, 3, 3, 3, 4, 3]):
        put_answers(respondent, full(3, 3, 3, 3, value))
    close(round_)
    score = results.round_results([round_], clock.today())[round_.id].factors["PRO2"]
    assert score.mean == Decimal("3.13")
    # Population SD of seven 3s and one 4: √(7/64) = 0.3307…
    assert score.spread == Decimal("0.33")


def test_a_shown_round_read_again_after_an_answer_is_added_is_read_afresh(
        make_round, put_answers):
    """Nothing adds an answer to a closed round, but were one added (here by the factory), the
    kept figures would not be used: the number of responses is part of what they are kept by."""
    round_ = make_round(members=4, minimum=3)
    for respondent in round_.respondents[:3]:
        put_answers(respondent, full(2, 4, 2, 2, 2))
    close(round_)
    before = results.round_results([round_], clock.today())[round_.id].factors["PRO2"]
    put_answers(round_.respondents[3], full(2, 4, 2, 2, 5))
    after = results.round_results([round_], clock.today())[round_.id].factors["PRO2"]
    assert (before.respondents, before.mean) == (3, Decimal("2.00"))
    assert (after.respondents, after.mean) == (4, Decimal("2.75"))


def test_kept_figures_spare_the_sums_statement(make_round, put_answers, count_queries):
    round_ = make_round(members=3, minimum=3)
    for respondent in round_.respondents:
        put_answers(respondent, full(4, 2, 4, 4, 4))
    close(round_)
    final = make_round(round_.enrolment, kind=RoundKind.FINAL, members=0,
                       version=round_.instrument_version)
    for respondent in final.respondents:
        put_answers(respondent, full(5, 1, 5, 5, 5))
    close(final)
    ids = [round_.enrolment_id]
    with count_queries() as first:
        one = results.compare(ids, clock.today())
    with count_queries() as second:
        two = results.compare(ids, clock.today())
    assert second["n"] < first["n"]
    assert [(f.code, f.baseline, f.final) for f in one.factors] == \
        [(f.code, f.baseline, f.final) for f in two.factors]
    assert one.factors[0].baseline == Decimal("4.00") and one.factors[0].final == Decimal("5.00")


def test_the_sums_start_from_the_rounds_responses_not_every_answer(make_round, put_answers, db):
    """The plan reads the asked rounds' responses by their index, and their answers by
    response: never every answer through the items (what SQLite chose when the scales were a
    joined table: seconds at ten years of several programmes, for any one round)."""
    from sqlalchemy import event

    engine = db.session.get_bind()
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's plan: PostgreSQL plans from the statistics its autovacuum keeps")
    round_ = make_round(members=3, minimum=3)
    for respondent in round_.respondents:
        put_answers(respondent, full(4, 2, 4, 4, 4))
    statements = []

    def seen(_conn, _cursor, statement, parameters, _context, _many):
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        # Ten rounds, as a sector asks of many: one id alone is planned as an equality.
        results._factor_sums([round_.id, *range(10**6, 10**6 + 9)])
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    statement, parameters = statements[-1]
    plan = " / ".join(row[-1] for row in db.session.connection().exec_driver_sql(
        "EXPLAIN QUERY PLAN " + statement, parameters))
    assert "ix_survey_response_round_id" in plan, plan
    assert "ix_survey_item_answer_item_id" not in plan and "SCAN survey_item_answer" not in plan, plan


@pytest.fixture
def kept(app):
    """The fragment cache on, as served (the suite's is off): comparisons are kept with it."""
    saved = app.extensions[EXTENSION]
    app.extensions[EXTENSION] = FragmentCache(100_000)
    yield
    app.extensions[EXTENSION] = saved


@pytest.fixture
def compared_once(make_round, put_answers, db):
    """A group whose baseline (three answers of four) and final are closed and committed."""
    baseline = make_round(members=4, minimum=3)
    for respondent in baseline.respondents[:3]:
        put_answers(respondent, full(2, 4, 2, 2, 2))
    close(baseline)
    final = make_round(baseline.enrolment, kind=RoundKind.FINAL, members=0,
                       version=baseline.instrument_version)
    for respondent in final.respondents[:3]:
        put_answers(respondent, full(3, 3, 3, 3, 3))
    close(final)
    db.session.commit()
    return final


def _figures_of(comparison):
    return [(f.code, f.groups, f.improved, f.share_improved, f.baseline, f.final, f.change)
            for f in comparison.factors]


def test_a_kept_comparison_is_worked_out_again_after_a_committed_change(
        kept, compared_once, put_answers, db, count_queries):
    """The comparison a process keeps (issue 14) is kept under the data's generation
    (tracker/fragments.py): read again, it costs no statement of its rounds; after any
    committed change it is worked out afresh."""
    ids = [compared_once.enrolment_id]
    with count_queries() as first:
        before = results.compare(ids, clock.today())
    with count_queries() as second:
        again = results.compare(ids, clock.today())
    assert _figures_of(again) == _figures_of(before) and _figures_of(again)[0][3] == Decimal("1.00")
    assert second["n"] < first["n"]
    assert again.factors[0].factor.name("nb")  # the factor read in this session, not the kept one's
    put_answers(compared_once.respondents[3], full(5, 1, 5, 5, 5))
    db.session.commit()
    after = results.compare(ids, clock.today())
    assert (before.factors[0].code, before.factors[0].final) == ("PRE1", Decimal("3.00"))
    assert (after.factors[0].code, after.factors[0].final) == ("PRE1", Decimal("3.50"))


def test_nothing_is_kept_while_the_session_holds_a_change_it_has_not_committed(
        kept, compared_once, put_answers):
    """Uncommitted, the change is under the old generation: what is read then is kept under none."""
    ids = [compared_once.enrolment_id]
    results.compare(ids, clock.today())
    put_answers(compared_once.respondents[3], full(5, 1, 5, 5, 5))
    assert results.compare(ids, clock.today()).factors[0].final == Decimal("3.50")
    compared_once.enrolment.notes = "Endret"  # pending, not flushed: not kept either
    assert kept_generation() is None


def test_with_the_fragment_cache_off_nothing_is_kept(compared_once, count_queries):
    """Worked out again each time: only the shown rounds' sums, which never change, are spared."""
    ids = [compared_once.enrolment_id]
    with count_queries() as first:
        results.compare(ids, clock.today())
    with count_queries() as second:
        results.compare(ids, clock.today())
    assert second["n"] == first["n"] - 1


def test_a_comparison_is_kept_per_statement_of_groups(kept, compared_once, make_user,
                                                      make_programme, db):
    """A sector's groups are a statement with the reader's scope in it: two readers' statements
    are two keys (a coordinator limited to another programme sees none of the groups)."""
    from tracker.reports.services import sector_survey
    from tracker.users.services import limit_to_programmes

    everyone = make_user("coordinator")
    limited = make_user("coordinator")
    programme = compared_once.enrolment.cohort.programme
    limit_to_programmes(limited, [make_programme(
        name_nb="Et annet program", name_en="Another programme",
        responsible_organisation=programme.responsible_organisation)])
    db.session.commit()
    assert sector_survey(None, clock.today(), everyone).with_rounds == 1
    assert sector_survey(None, clock.today(), limited).with_rounds == 0
    assert sector_survey(None, clock.today(), everyone).with_rounds == 1


def _comparison_figures(comparison):
    return {"with_rounds": comparison.with_rounds, "counted": comparison.counted,
            "shown": comparison.shown,
            "factors": {f.code: (f.groups, f.improved, f.share_improved, f.baseline, f.final,
                                 f.change) for f in comparison.factors}}


@pytest.mark.parametrize("seed", [14, 15, 16])
def test_a_comparison_matches_the_groups_compared_one_by_one(seed, make_cohort, make_instrument,
                                                             make_group, make_round, put_answers):
    """Groups with and without rounds, rounds open, below their minimum or of another version
    (a factor only some versions have), respondents leaving items out: the comparison over
    them is the one the old record-by-record comparison gave (tests/surveys/reference_results.py),
    at the least of one group and of a sector's three, figure for figure and in the same order."""
    from tracker.surveys.instruments import add_version

    chance = random.Random(seed)
    cohort = make_cohort()
    first = make_instrument(cohort.programme).latest
    document = copy.deepcopy(SMALL_INSTRUMENT)
    document["parts"][1]["factors"][1] = {
        "code": "PRO3", "name": {"nb": "Ny", "nn": "Ny", "en": "New"},
        "items": [{"code": "PRO3a", "scale": "agree5",
                   "statement": {"nb": "Ny", "nn": "Ny", "en": "New"}}]}
    second = add_version(first.instrument, document)
    groups = []
    for n in range(14):
        if n and n % 4 == 0:  # four places a cohort
            cohort = make_cohort(programme=cohort.programme)
        group = make_group(cohort=cohort)
        groups.append(group)
        members = chance.randint(4, 7)
        for kind in (RoundKind.BASELINE, RoundKind.FINAL):
            if chance.random() < 0.1:
                continue
            version = chance.choice([first, first, second])
            round_ = make_round(group, kind=kind, members=members,
                                minimum=chance.choice([3, 3, 4]), version=version)
            members = 0  # the group's members are asked again
            codes = [item.code for item in version.items]
            for respondent in round_.respondents:
                if chance.random() < 0.2:
                    continue
                put_answers(respondent, {code: chance.randint(1, 5) for code in codes
                                         if chance.random() > 0.1})
            if chance.random() < 0.9:
                close(round_)
    ids = [g.id for g in groups]
    for least in (1, results.LEAST_GROUPS):
        expected = reference_results.comparison(ids, clock.today(), least)
        assert expected["counted"] >= 3
        found = _comparison_figures(results.compare(ids, clock.today(), least_groups=least))
        assert found == expected
        assert list(found["factors"]) == list(expected["factors"])
