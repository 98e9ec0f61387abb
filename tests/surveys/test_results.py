"""The survey's results: the numbers, and the rules that decide whether any are shown."""
import copy
from datetime import timedelta
from decimal import Decimal

import pytest

from tests.surveys.conftest import SMALL_INSTRUMENT
from tracker import clock
from tracker.surveys import results
from tracker.surveys.models import RoundKind


def close(round_):
    round_.closed_at = clock.now()


def answer_all(put_answers, round_, answers, open_texts=None):
    for respondent, values in zip(round_.respondents, answers):
        put_answers(respondent, values, open_texts)


# One respondent's full answers: PRE1 (PRE1a, reversed PRE1b), PRO1 (a, b), PRO2 (a).
def full(pre1a, pre1b, pro1a, pro1b, pro2a):
    return {"PRE1a": pre1a, "PRE1b": pre1b, "PRO1a": pro1a, "PRO1b": pro1b, "PRO2a": pro2a}


@pytest.fixture
def closed_baseline(make_round, put_answers):
    def make(answers, group=None, version=None, minimum=3, **kwargs):
        round_ = make_round(group, members=len(answers) if group is None else 0, minimum=minimum,
                            version=version, **kwargs)
        answer_all(put_answers, round_, answers)
        close(round_)
        return round_
    return make


def test_factor_mean_and_spread_with_reverse_scoring(make_round, put_answers, make_user):
    round_ = make_round(members=3)
    # PRE1b is reversed on 1–5: 2 counts as 4, 5 as 1.
    answer_all(put_answers, round_, [full(4, 2, 3, 5, 1), full(5, 5, 4, 4, 2), full(3, 1, 5, 5, 3)])
    close(round_)
    found = results.group_results(round_.enrolment, make_user("coordinator"), clock.today())
    baseline = found.baseline
    assert baseline.shown and baseline.answered == 3
    pre1 = baseline.factors["PRE1"]
    # Factor scores: (4+4)/2=4, (5+1)/2=3, (3+5)/2=4 -> mean 3.67 (no spread with three)
    assert pre1.mean == Decimal("3.67")
    assert pre1.respondents == 3
    assert baseline.factors["PRO1"].mean == Decimal("4.33")  # 4, 4, 5
    assert baseline.factors["PRO2"].mean == Decimal("2.00")
    assert [row.factor.code for row in found.rows] == ["PRE1", "PRO1", "PRO2"]
    assert [part.code for part, _rows in found.parts] == ["PRE", "PRO"]


def test_the_spread_shows_only_from_five_respondents(make_round, put_answers, make_user):
    """With the mean and spread of three scores, one respondent solves the other two; with four,
    two respondents together do. From five the spread is shown."""
    coordinator = make_user("coordinator")
    answers = [full(4, 2, 3, 5, 1), full(5, 5, 4, 4, 2), full(3, 1, 5, 5, 3),
               full(2, 4, 3, 3, 3), full(5, 1, 3, 3, 3)]
    for n in (3, 4):
        round_ = make_round(members=n)
        answer_all(put_answers, round_, answers[:n])
        close(round_)
        found = results.group_results(round_.enrolment, coordinator, clock.today())
        assert all(score.spread is None for score in found.baseline.factors.values()), n
        assert found.spread_left_out
    round_ = make_round(members=5)
    answer_all(put_answers, round_, answers)
    close(round_)
    found = results.group_results(round_.enrolment, coordinator, clock.today())
    pre1 = found.baseline.factors["PRE1"]
    # Factor scores 4, 3, 4, 2, 5 -> mean 3.60, population SD 1.02
    assert (pre1.respondents, pre1.mean, pre1.spread) == (5, Decimal("3.60"), Decimal("1.02"))
    assert not found.spread_left_out


def test_one_groups_results_are_for_staff_and_its_own_leaders_only(
        make_round, put_answers, make_user):
    round_ = make_round(members=3)
    answer_all(put_answers, round_, [full(4, 2, 3, 5, 1)] * 3, {"O1": "svar"})
    close(round_)
    enrolment = round_.enrolment
    for reader in (make_user("coordinator"), make_user("agency", organisation=enrolment.organisation)):
        assert enrolment.shows_survey_results_to(reader)
        found = results.group_results(enrolment, reader, clock.today())
        assert found.baseline.factors["PRE1"].mean == Decimal("4.00") and not found.withheld
    ministry = make_user("ministry")
    enrolment.organisation.owning_ministry_id = ministry.organisation_id
    assert enrolment.can_view(ministry)  # the ministry above the group sees the group itself
    for reader in (ministry, make_user("agency")):
        assert not enrolment.shows_survey_results_to(reader)
        found = results.group_results(enrolment, reader, clock.today())
        assert found.withheld and found.rows == [] and found.open_answers is None
        assert found.baseline is None and found.final is None and not found.shown


def test_change_from_baseline_to_final(make_round, put_answers, make_user):
    baseline = make_round(members=3)
    answer_all(put_answers, baseline, [full(2, 4, 2, 2, 2)] * 3)
    close(baseline)
    final = make_round(baseline.enrolment, kind=RoundKind.FINAL, members=0)
    answer_all(put_answers, final, [full(4, 2, 3, 3, 2)] * 3)
    close(final)
    found = results.group_results(baseline.enrolment, make_user("coordinator"), clock.today())
    changes = {row.factor.code: row.change for row in found.rows}
    assert changes == {"PRE1": Decimal("2.00"), "PRO1": Decimal("1.00"), "PRO2": Decimal("0.00")}
    assert found.compared


def test_an_open_round_shows_nothing_but_its_count(make_round, put_answers, make_user):
    round_ = make_round(members=4)
    answer_all(put_answers, round_, [full(3, 3, 3, 3, 3)] * 4)
    found = results.group_results(round_.enrolment, make_user("coordinator"), clock.today())
    assert not found.baseline.shown and found.baseline.why_not == "open"
    assert found.baseline.answered == 4
    assert found.baseline.factors == {}
    assert found.open_answers == {}


def test_a_round_past_its_closing_day_is_closed(make_round, put_answers, frozen_clock):
    round_ = make_round(members=3, closes_in_days=2)
    answer_all(put_answers, round_, [full(3, 3, 3, 3, 3)] * 3)
    assert not results.round_results([round_], clock.today())[round_.id].shown
    later = clock.today() + timedelta(days=3)
    assert results.round_results([round_], later)[round_.id].shown


def test_below_the_minimum_shows_nothing(make_round, put_answers, make_user):
    round_ = make_round(members=5, minimum=4)
    answer_all(put_answers, round_, [full(3, 3, 3, 3, 3)] * 3,
               {"O1": "Noe å si"})
    close(round_)
    found = results.group_results(round_.enrolment, make_user("coordinator"), clock.today())
    assert found.baseline.why_not == "too_few" and found.baseline.answered == 3
    assert found.baseline.factors == {} and found.rows[0].baseline is None
    assert found.open_answers == {}


def test_a_factor_fewer_answered_than_the_minimum_is_left_out(make_round, put_answers):
    round_ = make_round(members=3)
    put_answers(round_.respondents[0], full(3, 3, 3, 3, 3))
    put_answers(round_.respondents[1], full(3, 3, 3, 3, 3))
    put_answers(round_.respondents[2], {"PRE1a": 4, "PRE1b": 2})
    close(round_)
    found = results.round_results([round_], clock.today())[round_.id]
    assert set(found.factors) == {"PRE1"}


def test_open_answers_for_staff_and_own_leaders_only_in_random_order(
        make_round, put_answers, make_user, monkeypatch):
    round_ = make_round(members=3)
    for n, respondent in enumerate(round_.respondents):
        put_answers(respondent, full(3, 3, 3, 3, 3), {"O1": f"svar {n}"})
    close(round_)
    enrolment = round_.enrolment
    orders = []
    monkeypatch.setattr(results, "_shuffle", lambda texts: (texts.reverse(), orders.append(1)))
    coordinator = make_user("coordinator")
    found = results.group_results(enrolment, coordinator, clock.today())
    first = found.open_answers["baseline"][0]
    assert first.question.code == "O1"
    assert sorted(first.texts) == ["svar 0", "svar 1", "svar 2"]
    assert orders, "the answers go through the shuffle every time"
    assert found.open_answers["baseline"][1].texts == []
    own = make_user("agency", organisation=enrolment.organisation)
    assert results.group_results(enrolment, own, clock.today()).open_answers
    other = make_user("agency")
    assert results.group_results(enrolment, other, clock.today()).open_answers is None
    ministry = make_user("ministry")
    assert results.group_results(enrolment, ministry, clock.today()).open_answers is None


def test_the_shuffle_really_varies_the_order(make_round, put_answers):
    round_ = make_round(members=6)
    for n, respondent in enumerate(round_.respondents):
        put_answers(respondent, full(3, 3, 3, 3, 3), {"O1": f"svar {n}"})
    close(round_)
    result = results.round_results([round_], clock.today())[round_.id]
    seen = {tuple(results.open_answers(result)[0].texts) for _ in range(30)}
    assert len(seen) > 1


def test_versions_are_compared_by_factor_code(make_round, put_answers, make_instrument, make_user):
    from tracker.surveys.instruments import add_version

    baseline = make_round(members=3)
    answer_all(put_answers, baseline, [full(2, 4, 2, 2, 2)] * 3)
    close(baseline)
    document = copy.deepcopy(SMALL_INSTRUMENT)
    # Version 2 drops PRO2 and adds PRO3.
    document["parts"][1]["factors"][1] = {"code": "PRO3", "name": {"nb": "Ny", "nn": "Ny", "en": "New"},
                                          "items": [{"code": "PRO3a", "scale": "agree5", "statement": {
                                              "nb": "Ny", "nn": "Ny", "en": "New"}}]}
    version = add_version(baseline.instrument_version.instrument, document)
    final = make_round(baseline.enrolment, kind=RoundKind.FINAL, members=0, version=version)
    for respondent in final.respondents:
        put_answers(respondent, {"PRE1a": 4, "PRE1b": 2, "PRO1a": 3, "PRO1b": 3, "PRO3a": 5})
    close(final)
    found = results.group_results(baseline.enrolment, make_user("coordinator"), clock.today())
    rows = {row.factor.code: row for row in found.rows}
    assert rows["PRE1"].change == Decimal("2.00")
    assert rows["PRO3"].baseline is None and rows["PRO3"].change is None
    assert rows["PRO2"].final is None and rows["PRO2"].baseline.mean == Decimal("2.00")
    comparison = results.compare([baseline.enrolment_id], clock.today())
    assert [f.code for f in comparison.factors] == ["PRE1", "PRO1"]


@pytest.fixture
def compared_group(make_round, make_group, put_answers):
    """compared_group(cohort, before, after): a group with closed rounds where every respondent
    answers `before`, then `after`, on every item (PRE1b reversed back so the factor is flat)."""
    def make(cohort, before, after, answered=3, version=None):
        group = make_group(cohort=cohort)
        baseline = make_round(group, members=3, version=version)
        for respondent in baseline.respondents[:answered]:
            put_answers(respondent, full(before, 6 - before, before, before, before))
        close(baseline)
        final = make_round(group, kind=RoundKind.FINAL, members=0,
                           version=baseline.instrument_version)
        for respondent in final.respondents[:answered]:
            put_answers(respondent, full(after, 6 - after, after, after, after))
        close(final)
        return group
    return make


def test_share_improved_and_averages_over_groups(make_cohort, compared_group, make_instrument):
    cohort = make_cohort()
    version = make_instrument(cohort.programme).latest
    groups = [compared_group(cohort, 2, 4, version=version), compared_group(cohort, 3, 3, version=version),
              compared_group(cohort, 4, 5, version=version),
              compared_group(cohort, 1, 5, answered=2, version=version)]  # below the minimum
    comparison = results.compare([g.id for g in groups], clock.today())
    assert comparison.with_rounds == 4 and comparison.counted == 3
    pre1 = comparison.factors[0]
    assert pre1.code == "PRE1" and pre1.groups == 3 and pre1.improved == 2
    assert pre1.share_improved == Decimal("0.67")
    assert pre1.baseline == Decimal("3.00") and pre1.final == Decimal("4.00")
    assert pre1.change == Decimal("1.00")
    cohort_wide = results.compare(results.cohort_enrolment_ids(cohort.id), clock.today())
    assert cohort_wide.counted == 3
    programme = results.programme_comparison(cohort.programme, clock.today())
    assert programme.total.counted == 3 and programme.per_cohort[0][0] == cohort


def test_a_sector_needs_three_groups(make_cohort, compared_group, make_instrument):
    cohort = make_cohort()
    version = make_instrument(cohort.programme).latest
    groups = [compared_group(cohort, 2, 4, version=version), compared_group(cohort, 3, 3, version=version)]
    two = results.compare([g.id for g in groups], clock.today(), least_groups=results.LEAST_GROUPS)
    assert two.counted == 2 and not two.shown and two.factors == []
    groups.append(compared_group(cohort, 4, 5, version=version))
    three = results.compare([g.id for g in groups], clock.today(), least_groups=results.LEAST_GROUPS)
    assert three.shown and three.factors[0].groups == 3


def test_a_factor_fewer_groups_have_than_the_least_is_left_out(
        make_cohort, compared_group, make_instrument):
    """Two groups' rounds have PRO2, the third group's version has PRO3 instead: across the
    three, PRO2 rests on two groups and PRO3 on one, below the sector's three."""
    from tracker.surveys.instruments import add_version

    cohort = make_cohort()
    version = make_instrument(cohort.programme).latest
    document = copy.deepcopy(SMALL_INSTRUMENT)
    document["parts"][1]["factors"][1] = {"code": "PRO3", "name": {"nb": "Ny", "nn": "Ny", "en": "New"},
                                          "items": [{"code": "PRO2a", "scale": "agree5", "statement": {
                                              "nb": "Ny", "nn": "Ny", "en": "New"}}]}
    other = add_version(version.instrument, document)
    groups = [compared_group(cohort, 2, 4, version=version), compared_group(cohort, 3, 4, version=version),
              compared_group(cohort, 3, 5, version=other)]
    sector = results.compare([g.id for g in groups], clock.today(), least_groups=results.LEAST_GROUPS)
    assert sector.counted == 3 and sector.shown
    assert [(f.code, f.groups) for f in sector.factors] == [("PRE1", 3), ("PRO1", 3)]
    # A cohort's comparison (least one group) keeps them all.
    cohort_wide = results.compare([g.id for g in groups], clock.today())
    assert {f.code: f.groups for f in cohort_wide.factors} == {"PRE1": 3, "PRO1": 3, "PRO2": 2,
                                                               "PRO3": 1}


def test_results_take_a_fixed_number_of_queries(make_cohort, compared_group, make_instrument,
                                                count_queries):
    cohort = make_cohort()
    version = make_instrument(cohort.programme).latest
    few = [compared_group(cohort, 2, 4, version=version).id for _ in range(2)]
    with count_queries() as counted:
        results.compare(few, clock.today())
    more = few + [compared_group(cohort, 3, 4, version=version).id for _ in range(2)]
    with count_queries() as counted_more:
        results.compare(more, clock.today())
    assert counted_more["n"] == counted["n"] <= 12


def test_a_programme_reads_its_rounds_once_whatever_its_cohorts(
        make_cohort, make_programme, compared_group, make_instrument, count_queries):
    programme = make_programme()
    version = make_instrument(programme).latest
    first = make_cohort(programme=programme)
    compared_group(first, 2, 4, version=version)
    with count_queries() as counted:
        one = results.programme_comparison(programme, clock.today())
    from datetime import date
    second = make_cohort(programme=programme, start_date=date(2017, 1, 9))
    compared_group(second, 3, 4, version=version)
    with count_queries() as counted_more:
        two = results.programme_comparison(programme, clock.today())
    assert counted_more["n"] == counted["n"]
    assert one.total.counted == 1 and two.total.counted == 2 and len(two.per_cohort) == 2


def test_a_group_page_takes_a_fixed_number_of_queries(make_round, put_answers, make_user,
                                                      count_queries):
    baseline = make_round(members=3)
    answer_all(put_answers, baseline, [full(2, 4, 2, 2, 2)] * 3, {"O1": "svar"})
    close(baseline)
    coordinator = make_user("coordinator")
    with count_queries() as one_round:
        results.group_results(baseline.enrolment, coordinator, clock.today())
    final = make_round(baseline.enrolment, kind=RoundKind.FINAL, members=3)
    answer_all(put_answers, final, [full(4, 2, 3, 3, 2)] * 6, {"O1": "svar"})
    close(final)
    with count_queries() as two_rounds:
        results.group_results(baseline.enrolment, coordinator, clock.today())
    # One more query for the second round's open answers; none per respondent.
    assert two_rounds["n"] <= one_round["n"] + 1 <= 16
