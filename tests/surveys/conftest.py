"""Factories for the survey's tests: a small instrument, a round with its people, and answers
put in as a submitted response would leave them."""
import copy
from datetime import timedelta

import pytest

from tracker import clock


def texts(nb: str) -> dict[str, str]:
    return {"nb": nb, "nn": f"{nb} (nn)", "en": f"{nb} (en)"}


AGREE5 = {
    "code": "agree5",
    "points": [{"value": v, "label": texts(word)} for v, word in enumerate(
        ["Helt uenig", "Uenig", "Både og", "Enig", "Helt enig"], start=1)],
}

# Two parts, three factors, five items (one reverse-scored), two open questions.
SMALL_INSTRUMENT = {
    "format": "tracker-instrument/1",
    "name": texts("Testundersøkelse"),
    "example": True,
    "scales": [AGREE5],
    "parts": [
        {"code": "PRE", "name": texts("Forutsetninger"), "factors": [
            {"code": "PRE1", "name": texts("Formål"), "items": [
                {"code": "PRE1a", "statement": texts("Vi vet hvorfor vi finnes."), "scale": "agree5"},
                {"code": "PRE1b", "statement": texts("Vi er usikre på formålet."), "scale": "agree5",
                 "reverse": True},
            ]},
        ]},
        {"code": "PRO", "name": texts("Prosesser"), "factors": [
            {"code": "PRO1", "name": texts("Møter"), "items": [
                {"code": "PRO1a", "statement": texts("Møtene våre er effektive."), "scale": "agree5"},
                {"code": "PRO1b", "statement": texts("Møtene ender i beslutninger."),
                 "scale": "agree5"},
            ]},
            {"code": "PRO2", "name": texts("Tillit"), "items": [
                {"code": "PRO2a", "statement": texts("Vi sier hva vi mener."), "scale": "agree5"},
            ]},
        ]},
    ],
    "open_questions": [
        {"code": "O1", "text": texts("Hva fungerer best?")},
        {"code": "O2", "text": texts("Hva bør endres?")},
    ],
}


@pytest.fixture
def instrument_document():
    """A fresh copy of the small instrument's document, free to spoil."""
    return copy.deepcopy(SMALL_INSTRUMENT)


@pytest.fixture
def make_instrument(db, make_programme):
    """make_instrument(programme=None, document=None): an instrument with its first version,
    through `tracker.surveys.instruments.create_instrument`."""
    from tracker.surveys.instruments import create_instrument

    def make(programme=None, document=None):
        return create_instrument(programme or make_programme(),
                                 copy.deepcopy(document or SMALL_INSTRUMENT))

    return make


@pytest.fixture
def make_round(db, make_group, make_member, make_instrument):
    """make_round(group=None, kind=BASELINE, members=3, minimum=3, closes_in_days=14,
    version=None): a group (new unless given) with `members` new members, and its round
    asking them, through `tracker.surveys.rounds.open_round`. The round's respondents are
    `.respondents`, in the order of their names."""
    from tracker.surveys.models import RoundKind
    from tracker.surveys.rounds import members_on, open_round

    def make(group=None, *, kind=RoundKind.BASELINE, members=3, minimum=3, closes_in_days=14,
             version=None):
        group = group or make_group()
        for _ in range(members):
            make_member(group)
        if version is None:
            version = make_instrument(group.cohort.programme).latest
        today = clock.today()
        return open_round(group, kind, version, closes_on=today + timedelta(days=closes_in_days),
                          minimum_respondents=minimum,
                          people=members_on(group, max(today, group.cohort.start_date)),
                          opened_by=None, today=today)

    return make


@pytest.fixture
def put_answers(db):
    """put_answers(respondent, {item code: value}, {question code: text}=None): the answers
    stored as a submitted response leaves them (a response with no link to the respondent),
    and the respondent marked as having answered. For tests of what is shown from answers; the
    answer pages' own submit is tested on its own."""
    from tracker.extensions import db as _db
    from tracker.surveys.models import ItemAnswer, OpenAnswer, Response

    def put(respondent, values: dict[str, int], open_texts: dict[str, str] | None = None):
        version = respondent.round.instrument_version
        items = {item.code: item for item in version.items}
        questions = {q.code: q for q in version.open_questions}
        response = Response(round_id=respondent.round_id)
        response.item_answers = [ItemAnswer(item_id=items[code].id, value=value)
                                 for code, value in values.items()]
        response.open_answers = [OpenAnswer(question_id=questions[code].id, text=text)
                                 for code, text in (open_texts or {}).items()]
        _db.session.add(response)
        respondent.has_answered = True
        _db.session.flush()
        return response

    return put
