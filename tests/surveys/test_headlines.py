"""Headline figures: the share of final-round respondents who answered an item at or above a
point, shown on the programme page only when at least three groups' rounds count, counted by
whole cohorts (every final round of the cohort closed, at least three groups counting)."""
import pytest
from sqlalchemy import select

from tests.conftest import csrf_token
from tracker import clock
from tracker.domain import DomainError
from tracker.surveys import results
from tracker.surveys.models import HeadlineFigure, RoundKind, SurveyRound


@pytest.fixture
def finals(db, make_round, make_group, make_cohort, make_instrument, put_answers):
    """finals(values per group, closed=True): a cohort whose groups' final rounds were answered
    PRO1a with the given values (one respondent each); returns the programme."""
    def make(per_group, closed=True, minimum=3):
        cohort = make_cohort()
        version = make_instrument(cohort.programme).latest
        for values in per_group:
            round_ = make_round(make_group(cohort=cohort), kind=RoundKind.FINAL,
                                members=max(len(values), minimum), minimum=minimum,
                                version=version)
            for respondent, value in zip(round_.respondents, values):
                put_answers(respondent, {"PRO1a": value, "PRO2a": 3})
            if closed:
                round_.closed_at = clock.now()
        db.session.commit()
        return cohort.programme
    return make


def figure_values(**changes):
    return {"item_code": "PRO1a", "at_least": 4, "label_nb": "rapporterer effektive møter",
            "label_nn": "rapporterer effektive møte", "label_en": "report effective meetings",
            **changes}


def test_the_share_counts_answers_at_or_above_the_threshold(finals):
    programme = finals([[4, 5, 2], [3, 3, 4], [5, 5, 5]])
    results.add_headline(programme, **figure_values())
    [headline] = results.headline_figures(programme, clock.today())
    assert (headline.meeting, headline.respondents, headline.groups, headline.cohorts) == (6, 9, 3, 1)
    assert str(headline.share) == "0.67"


def final_rounds(db, programme):
    from tracker.cohorts.models import Cohort
    from tracker.groups.models import Enrolment

    return db.session.scalars(
        select(SurveyRound).join(SurveyRound.enrolment).join(Enrolment.cohort)
        .where(Cohort.programme_id == programme.id).order_by(SurveyRound.id)).all()


def test_a_cohort_counts_only_when_all_its_final_rounds_are_closed(finals, db):
    """Rounds closing one by one would let the change between two days give one group's
    answers: the figure waits for the cohort's last final round."""
    programme = finals([[4, 5, 2], [3, 3, 4], [5, 5, 5], [1, 1, 1]], closed=False)
    results.add_headline(programme, **figure_values())
    rounds = final_rounds(db, programme)
    for round_ in rounds[:3]:
        round_.closed_at = clock.now()
    db.session.flush()
    assert results.headline_figures(programme, clock.today()) == []
    rounds[3].closed_at = clock.now()
    db.session.flush()
    [headline] = results.headline_figures(programme, clock.today())
    assert (headline.groups, headline.cohorts, headline.meeting, headline.respondents) == (4, 1, 6, 12)


def test_a_cohort_with_fewer_than_three_groups_counting_is_left_out(finals, db):
    """A second cohort of two groups would move the figure by those two groups' answers alone."""
    programme = finals([[4, 5, 2], [3, 3, 4], [5, 5, 5]])
    results.add_headline(programme, **figure_values())
    [before] = results.headline_figures(programme, clock.today())
    assert finals([[1, 1, 1], [1, 1, 1]]) == programme  # the same programme, a second cohort
    [after] = results.headline_figures(programme, clock.today())
    assert (after.groups, after.cohorts, after.share) == (before.groups, 1, before.share)
    finals([[1, 1, 1], [1, 1, 1], [5, 5, 5]])
    [three] = results.headline_figures(programme, clock.today())
    assert (three.groups, three.cohorts, three.respondents) == (6, 2, 18)


def test_one_figure_per_item(finals, db):
    programme = finals([[4]])
    first = results.add_headline(programme, **figure_values())
    with pytest.raises(DomainError) as refused:
        results.add_headline(programme, **figure_values(at_least=5))
    assert refused.value.field == "item_code"
    other = results.add_headline(programme, **figure_values(item_code="PRO2a"))
    with pytest.raises(DomainError) as refused:
        results.update_headline(other, version=other.version, **figure_values())
    assert refused.value.field == "item_code"
    results.update_headline(first, version=first.version, **figure_values(at_least=5))
    assert [f.item_code for f in results.headlines_of(programme)] == ["PRO1a", "PRO2a"]


def test_the_table_refuses_a_second_figure_for_an_item(finals, db):
    from sqlalchemy.exc import IntegrityError

    programme = finals([[4]])
    results.add_headline(programme, **figure_values())
    db.session.add(HeadlineFigure(programme_id=programme.id, position=9, **figure_values(at_least=5)))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_nothing_with_fewer_than_three_groups(finals):
    programme = finals([[4, 5, 2], [3, 3, 4]])
    results.add_headline(programme, **figure_values())
    assert results.headline_figures(programme, clock.today()) == []


def test_open_rounds_and_rounds_below_their_minimum_do_not_count(finals):
    assert results.headline_figures(finals([[4, 4, 4]] * 3, closed=False), clock.today()) == []
    programme = finals([[4, 4, 4]] * 3, minimum=4)
    results.add_headline(programme, **figure_values())
    assert results.headline_figures(programme, clock.today()) == []


@pytest.mark.parametrize("changes, field", [
    ({"item_code": "NOPE"}, "item_code"),
    ({"item_code": ""}, "item_code"),
    ({"at_least": 6}, "at_least"),
    ({"at_least": 0}, "at_least"),
    ({"label_nn": "  "}, "label_nn"),
    ({"label_en": ""}, "label_en"),
])
def test_bad_input_is_refused_naming_the_field(finals, changes, field, db):
    programme = finals([[4]])
    with pytest.raises(DomainError) as refused:
        results.add_headline(programme, **figure_values(**changes))
    assert refused.value.field == field
    assert db.session.scalars(select(HeadlineFigure)).all() == []


def test_move_and_remove(finals, db):
    programme = finals([[4]])
    first = results.add_headline(programme, **figure_values())
    second = results.add_headline(programme, **figure_values(item_code="PRO2a"))
    results.move_headline(second, "up")
    assert results.headlines_of(programme) == [second, first]
    results.move_headline(second, "up")  # at the top: nothing
    assert results.headlines_of(programme) == [second, first]
    results.remove_headline(second)
    assert results.headlines_of(programme) == [first]


def test_the_staff_page_adds_edits_and_refuses(staff, finals, db):
    programme = finals([[4, 5, 2], [3, 3, 4], [5, 5, 5]])
    url = f"/programmes/{programme.id}/headlines"
    page = staff.get(url).get_data(as_text=True)
    assert "PRO1a" in page and "Møtene våre er effektive." in page
    token = csrf_token(staff)
    bad = staff.post(url, data={**figure_values(at_least="9"), "csrf_token": token})
    assert bad.status_code == 400 and 'id="at_least-error"' in bad.get_data(as_text=True)
    assert db.session.scalars(select(HeadlineFigure)).all() == []
    unknown = staff.post(url, data={**figure_values(item_code="X1"), "csrf_token": token})
    assert unknown.status_code == 400 and 'id="item_code-error"' in unknown.get_data(as_text=True)
    added = staff.post(url, data={**figure_values(), "csrf_token": token})
    assert added.status_code == 302
    figure = db.session.scalars(select(HeadlineFigure)).one()
    edit = f"{url}/{figure.id}/edit"
    assert staff.get(edit).status_code == 200
    saved = staff.post(edit, data={**figure_values(at_least="5"), "version": figure.version,
                                   "csrf_token": token})
    assert saved.status_code == 302
    db.session.refresh(figure)
    assert figure.at_least == 5
    programme_page = staff.get(f"/programmes/{programme.id}").get_data(as_text=True)
    if "headlines" in programme_page:  # the instruments' helper includes the partial
        assert "rapporterer effektive møter" in programme_page
    removed = staff.post(f"{url}/{figure.id}/remove", data={"csrf_token": token})
    assert removed.status_code == 302
    assert db.session.scalars(select(HeadlineFigure)).all() == []


def test_the_partial_shows_the_share_groups_and_cohorts_but_no_respondents(app, finals, make_user):
    from flask import render_template

    from tests.conftest import act_as

    programme = finals([[4, 5, 2], [3, 3, 4], [5, 5, 5]])
    results.add_headline(programme, **figure_values())
    viewer = make_user("agency")
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        act_as(viewer)
        body = render_template("surveys/results/_headlines.html", programme=programme)
    assert "67%" in body and "report effective meetings" in body
    assert "from 3 groups in 1 cohort" in body
    assert "respondent" not in body and "9" not in body


@pytest.mark.parametrize("language, example", [("nb", "«65 % rapporterer mer effektive møter»"),
                                               ("nn", "«65 % rapporterer meir effektive møte»"),
                                               ("en", "\"65 % report more effective meetings\"")])
def test_the_headline_page_s_example_keeps_its_percent_sign(staff, finals, language, example):
    # The example's "%" went through %-formatting with the page's other text: "% r" is a
    # format of its own and came out as "{}".
    import html

    programme = finals([[5, 4, 1]] * 3)
    page = staff.get(f"/programmes/{programme.id}/headlines",
                     headers={"Accept-Language": language}).get_data(as_text=True)
    text = html.unescape(page).replace("\u00a0", " ")
    assert "{}" not in text and example in text


def test_the_form_lists_statements_in_questionnaire_order_and_marks_reversed_ones(
        staff, make_instrument, make_programme, instrument_document, db):
    import re

    # The processes part first: its codes sort after the preconditions', the order must not.
    instrument_document["parts"].reverse()
    programme = make_programme()
    make_instrument(programme, instrument_document)
    db.session.commit()
    page = staff.get(f"/programmes/{programme.id}/headlines").get_data(as_text=True)
    options = re.findall(r'<option value="([A-Z0-9a-z]+)"[^>]*>([^<]*)</option>', page)
    assert [code for code, _text in options] == ["PRO1a", "PRO1b", "PRO2a", "PRE1a", "PRE1b"]
    texts = dict(options)
    assert "formulert motsatt" in texts["PRE1b"] and "formulert motsatt" not in texts["PRE1a"]
