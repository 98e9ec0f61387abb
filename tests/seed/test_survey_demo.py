"""The demo's survey: an example instrument written for the demo (5 preconditions, 12 processes,
7 results, three open questions, every text in bokmål, nynorsk and English), the programme's
headline figures, and the example cohorts' rounds with answers that say nobody's name; the
programme's own cohorts keep the assessments their coordinators typed in.

The demo is read as loaded on TODAY (once per run, `demo_database`), with the clock frozen there.
"""
from datetime import date, timedelta
from statistics import mean

import pytest
from sqlalchemy import func, inspect, select

from tracker.cohorts.models import Cohort, CohortStatus
from tracker.groups.models import Enrolment
from tracker.people.models import Person
from tracker.seed import instrument_data
from tracker.seed.demo import load_demo
from tracker.surveys.instruments import check_document, version_document
from tracker.surveys.models import (
    LANGUAGES,
    HeadlineFigure,
    Instrument,
    Item,
    ItemAnswer,
    OpenAnswer,
    Respondent,
    Response,
    RoundKind,
    SurveyRound,
)

# A Friday in late November, as in tests/seed/test_seed_examples.py.
TODAY = date(2026, 11, 27)
SURVEY_TABLES = ("survey_instrument", "survey_instrument_version", "survey_scale",
                 "survey_scale_point", "survey_part", "survey_factor", "survey_item",
                 "survey_open_question", "survey_round", "survey_respondent", "survey_draft",
                 "survey_response", "survey_item_answer", "survey_open_answer", "survey_headline")


@pytest.fixture
def demo(demo_database, frozen_clock):
    frozen_clock(TODAY)
    return demo_database(TODAY)


@pytest.fixture
def examples(demo):
    """The example cohorts by what they show: running, starting (planned), just finished."""
    cohorts = demo.session.scalars(select(Cohort).where(Cohort.label.like("Eksempel:%"))).all()
    return {cohort.status(TODAY): cohort for cohort in cohorts}


@pytest.fixture
def instrument(demo):
    # The group survey; the demo's evaluation form for the gatherings is another instrument.
    (instrument,) = demo.session.scalars(
        select(Instrument).where(Instrument.is_evaluation.is_(False))).all()
    return instrument


def rounds_of(db, cohort) -> dict[tuple[str, RoundKind], SurveyRound]:
    """The cohort's rounds by (organisation, kind)."""
    rounds = db.session.scalars(
        select(SurveyRound).join(SurveyRound.enrolment).where(Enrolment.cohort_id == cohort.id)
    ).all()
    return {(r.enrolment.organisation.name_nb, r.kind): r for r in rounds}


def responses_of(db, survey_round) -> list[Response]:
    return db.session.scalars(select(Response).where(Response.round_id == survey_round.id)).all()


def answered(survey_round) -> int:
    return sum(r.has_answered for r in survey_round.respondents)


def all_texts(version) -> list[tuple[str, object, str]]:
    """(where, record, stem) of every text in the version."""
    version_texts = [("name", version.instrument, "name")]
    version_texts += [(f"scale point {p.value}", p, "label")
                      for scale in version.scales for p in scale.points]
    version_texts += [(part.code, part, "name") for part in version.parts]
    version_texts += [(factor.code, factor, "name") for factor in version.factors]
    version_texts += [(item.code, item, "statement") for item in version.items]
    version_texts += [(q.code, q, "text") for q in version.open_questions]
    return version_texts


# The example instrument


def test_the_example_instrument_has_the_programmes_shape(instrument):
    version = instrument.latest

    assert instrument.is_example
    assert instrument.name("nb") == "Eksempel: Gruppeeffektivitet"
    assert [part.code for part in version.parts] == ["FOR", "PRO", "RES"]
    assert [len(part.factors) for part in version.parts] == [5, 12, 7]
    assert all(len(factor.items) == 2 for factor in version.factors)
    assert len(version.items) == 48
    assert 3 <= sum(item.reverse for item in version.items) <= 10
    assert len(version.open_questions) == 3
    (scale,) = version.scales
    assert [p.value for p in scale.points] == [1, 2, 3, 4, 5]
    assert scale.points[3].label_nb == "Enig" and scale.points[3].label_nn == "Samd"
    # The note says the texts are the demo's own.
    assert "Eksempeltekster" in version.note and "Example texts" in version.note


def test_every_text_is_in_three_languages_and_the_nynorsk_is_nynorsk(instrument):
    texts = all_texts(instrument.latest)

    for where, record, stem in texts:
        for language in LANGUAGES:
            assert getattr(record, f"{stem}_{language}").strip(), (where, language)
        assert getattr(record, f"{stem}_en") != getattr(record, f"{stem}_nb"), where
    statements = [record for _, record, stem in texts if stem == "statement"]
    # Not bokmål with another label: nearly every statement reads differently in nynorsk.
    assert sum(item.statement_nn != item.statement_nb for item in statements) >= 44
    nynorsk = " ".join(item.statement_nn for item in statements).split()
    assert {"kva", "ikkje", "leiargruppa", "verksemda", "eg"} <= {w.lower() for w in nynorsk}
    assert not {"hva", "ikke", "ledergruppen", "virksomheten", "jeg"} & {
        w.lower().strip(".,") for w in nynorsk}


def test_the_result_part_has_the_headline_items(instrument):
    statements = {item.code: item.statement("nb") for item in instrument.latest.items}

    assert statements["RES-MOTER-a"] == "Møtene våre er blitt mer effektive det siste året."
    assert "endret måten vi arbeider på" in statements["RES-ARBEIDSFORM-a"]
    assert "mer strategisk" in statements["RES-STRATEGISK-a"]


def test_the_demos_document_is_a_whole_instrument_and_comes_back_the_same(instrument):
    assert check_document(instrument_data.INSTRUMENT) == version_document(instrument.latest)


def test_the_programme_has_three_headline_figures_from_the_result_part(demo, instrument):
    figures = demo.session.scalars(select(HeadlineFigure).order_by(HeadlineFigure.position)).all()
    codes = {item.code for item in instrument.latest.items}

    assert [f.position for f in figures] == [1, 2, 3]
    assert [f.item_code for f in figures] == ["RES-MOTER-a", "RES-ARBEIDSFORM-a",
                                               "RES-STRATEGISK-a"]
    assert all(f.item_code in codes and f.at_least == 4 for f in figures)
    assert all(f.programme_id == instrument.programme_id for f in figures)
    assert (figures[0].label_nb, figures[0].label_nn, figures[0].label_en) == (
        "rapporterer mer effektive møter", "rapporterer meir effektive møte",
        "report more effective meetings")
    assert all(f.label_nn and f.label_en for f in figures)


# The rounds


def test_only_the_running_and_finished_examples_have_rounds(demo, examples):
    rounds = demo.session.scalars(select(SurveyRound)).all()

    assert {r.enrolment.cohort_id for r in rounds} == {
        examples[CohortStatus.RUNNING].id, examples[CohortStatus.COMPLETED].id}
    # Pilot–Kull 4 keep what their coordinators typed in: no rounds.
    assert all(r.enrolment.cohort.label.startswith("Eksempel:") for r in rounds)


def test_the_running_example_has_its_baselines_one_still_open_one_with_too_few_answers(
        demo, examples):
    rounds = rounds_of(demo, examples[CohortStatus.RUNNING])

    assert set(rounds) == {(name, RoundKind.BASELINE) for name in (
        "Utdanningsdirektoratet", "Finansdepartementet", "Statistisk sentralbyrå",
        "Landbruksdirektoratet")}
    late = rounds[("Statistisk sentralbyrå", RoundKind.BASELINE)]
    assert [r for r in rounds.values() if r.is_open(TODAY)] == [late]
    assert late.closes_on == TODAY + timedelta(days=7)
    assert (len(late.respondents), answered(late), len(responses_of(demo, late))) == (6, 3, 3)
    # Reminders are due: the three who have not answered have had none.
    assert all(r.invited_at and r.reminded_at is None for r in late.respondents)
    few = rounds[("Landbruksdirektoratet", RoundKind.BASELINE)]
    assert (len(few.respondents), answered(few), len(responses_of(demo, few))) == (5, 2, 2)
    assert answered(few) < few.minimum_respondents
    for name in ("Utdanningsdirektoratet", "Finansdepartementet"):
        survey_round = rounds[(name, RoundKind.BASELINE)]
        assert survey_round.closes_on < TODAY and survey_round.closed_at is None
        assert answered(survey_round) >= survey_round.minimum_respondents


def test_the_finished_example_has_closed_baselines_and_finals(demo, examples):
    finished = examples[CohortStatus.COMPLETED]
    rounds = rounds_of(demo, finished)

    assert set(rounds) == {(e.organisation.name_nb, kind) for e in finished.enrolments
                           for kind in (RoundKind.BASELINE, RoundKind.FINAL)}
    for (name, kind), survey_round in rounds.items():
        assert not survey_round.is_open(TODAY)
        assert 5 <= len(survey_round.respondents) <= 8
        assert survey_round.minimum_respondents <= answered(survey_round) == len(
            responses_of(demo, survey_round)), (name, kind)
    for name in {name for name, _ in rounds}:
        baseline, final = rounds[(name, RoundKind.BASELINE)], rounds[(name, RoundKind.FINAL)]
        assert baseline.closes_on < final.opened_at.date() <= final.closes_on < TODAY
        assert baseline.version_id == final.version_id


def test_every_round_asks_the_groups_leader_and_members_with_personal_links(demo):
    for survey_round in demo.session.scalars(select(SurveyRound)):
        members = {m.person for m in survey_round.enrolment.memberships
                   if m.role.name in ("TOP_LEADER", "MEMBER")}
        assert {r.person for r in survey_round.respondents} == members
        assert all(r.token_hash and r.invited_at for r in survey_round.respondents)
        assert survey_round.opened_at.date() <= survey_round.closes_on


def test_every_response_answers_every_item_on_its_scale(demo, instrument):
    items = {item.id: item for item in instrument.latest.items}

    for response in demo.session.scalars(select(Response)):
        assert {a.item_id for a in response.item_answers} == set(items)
        assert all(1 <= a.value <= 5 for a in response.item_answers)


def test_most_factors_improve_in_the_finished_example(demo, examples, instrument):
    rounds = rounds_of(demo, examples[CohortStatus.COMPLETED])
    items = {item.id: item for item in instrument.latest.items}

    def factor_means(survey_round) -> dict[str, float]:
        scores: dict[str, list[int]] = {}
        for response in responses_of(demo, survey_round):
            for a in response.item_answers:
                item = items[a.item_id]
                scores.setdefault(item.factor.code, []).append(item.score(a.value))
        return {code: mean(values) for code, values in scores.items()}

    improved = total = 0
    for name in {name for name, _ in rounds}:
        before = factor_means(rounds[(name, RoundKind.BASELINE)])
        after = factor_means(rounds[(name, RoundKind.FINAL)])
        improved += sum(after[code] > before[code] for code in before)
        total += len(before)
    assert total == 4 * 24
    assert improved >= 0.65 * total


def test_the_headline_items_land_near_what_the_programme_reported(demo):
    """About two in three final respondents agree with each headline item (65–73 % reported);
    drawn answers, so only near."""
    for code in ("RES-MOTER-a", "RES-ARBEIDSFORM-a", "RES-STRATEGISK-a"):
        values = demo.session.scalars(
            select(ItemAnswer.value).join(Item, Item.id == ItemAnswer.item_id)
            .join(Response, Response.id == ItemAnswer.response_id)
            .join(SurveyRound, SurveyRound.id == Response.round_id)
            .where(Item.code == code, SurveyRound.kind == RoundKind.FINAL)).all()
        assert len(values) >= 15
        assert 0.5 <= sum(v >= 4 for v in values) / len(values) <= 0.9, code


def test_open_answers_are_varied_norwegian_and_name_nobody(demo):
    texts = demo.session.scalars(select(OpenAnswer.text)).all()
    names = {part for name in demo.session.scalars(
        select(Person.name).join(Respondent, Respondent.person_id == Person.id))
        for part in name.split()}

    assert len(texts) >= 40
    assert len(set(texts)) >= 25
    assert all(0 < len(text) <= 120 for text in texts)
    assert not any(word.strip(".,") in names for text in texts for word in text.split())
    assert any("møte" in text.lower() for text in texts)


# Nothing that says whose


@pytest.mark.parametrize("table, allowed", [
    ("survey_response", {"id", "round_id"}),
    ("survey_item_answer", {"response_id", "item_id", "value"}),
    ("survey_open_answer", {"response_id", "question_id", "text"}),
])
def test_no_answer_row_points_at_a_respondent_or_a_person(demo, table, allowed):
    columns = inspect(demo.session.connection()).get_columns(table)
    keys = inspect(demo.session.connection()).get_foreign_keys(table)

    assert {c["name"] for c in columns} == allowed
    assert {k["referred_table"] for k in keys} <= {
        "survey_round", "survey_response", "survey_item", "survey_open_question"}


# Loading again


def survey_counts(db) -> dict[str, int]:
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables if table.name in SURVEY_TABLES}


def test_loading_again_adds_no_instrument_figures_rounds_or_answers(demo):
    first = survey_counts(demo)
    said = []

    load_demo(echo=said.append, today=TODAY)
    load_demo(today=TODAY + timedelta(days=30))

    assert survey_counts(demo) == first
    # The group survey and the gatherings' evaluation form (tracker/seed/evaluation.py).
    assert first["survey_instrument"] == 2 and first["survey_headline"] == 3
    assert first["survey_round"] == 12 and first["survey_response"] > 40
    assert said[0] == "Nothing new: the demo data was already loaded."


def test_the_first_load_says_what_it_added(app, db, frozen_clock):
    frozen_clock(TODAY)
    said = []

    load_demo(echo=said.append, today=TODAY)

    assert "  survey instruments: 1" in said
    assert "  headline figures: 3" in said
    assert "  survey rounds: 12" in said
    assert any(line.startswith("  survey responses: ") for line in said)


def test_before_the_examples_there_is_the_instrument_but_no_round(demo_database):
    db = demo_database(date(2017, 3, 1))

    assert db.session.scalar(select(func.count(Instrument.id))
                             .where(Instrument.is_evaluation.is_(False))) == 1
    assert db.session.scalar(select(func.count(HeadlineFigure.id))) == 3
    assert db.session.scalar(select(func.count(SurveyRound.id))) == 0
