"""Headline figures: the share of final-round respondents who answered an item at or above a
point, shown on the programme page only when at least three groups' rounds count."""
import pytest
from sqlalchemy import select

from tests.conftest import csrf_token
from tracker import clock
from tracker.domain import DomainError
from tracker.surveys import results
from tracker.surveys.models import HeadlineFigure, RoundKind


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
    assert (headline.meeting, headline.respondents, headline.groups) == (6, 9, 3)
    assert str(headline.share) == "0.67"


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
    second = results.add_headline(programme, **figure_values(at_least=5))
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


def test_the_partial_shows_groups_and_respondents(app, finals, make_user):
    from flask import render_template

    from tests.conftest import act_as

    programme = finals([[4, 5, 2], [3, 3, 4], [5, 5, 5]])
    results.add_headline(programme, **figure_values())
    viewer = make_user("agency")
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        act_as(viewer)
        body = render_template("surveys/results/_headlines.html", programme=programme)
    assert "67%" in body and "report effective meetings" in body
    assert "3 groups" in body and "9 respondents" in body
