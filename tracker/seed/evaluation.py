"""The demo's example evaluation form for the joint gatherings (tracker/surveys/evaluations.py):
four statements on the agreement scale, each its own factor so the results show each statement's
mean, and one open question. Written for the demo, marked as an example; a programme loads its
own form through the instrument pages and chooses it on the evaluations page.

Evaluations are sent when a gathering ends (the daily mail run), so the demo has the form and no
rounds: the first gathering to end after loading is evaluated like a real one.
"""
import copy
from collections import Counter

from sqlalchemy import select

from tracker.extensions import db
from tracker.programmes.models import Programme
from tracker.seed.instrument_data import AGREEMENT_SCALE, SCALE
from tracker.surveys.instruments import create_instrument
from tracker.surveys.models import Instrument


def _texts(nb: str, nn: str, en: str) -> dict[str, str]:
    return {"nb": nb, "nn": nn, "en": en}


def _statement(code: str, name: tuple[str, str, str], statement: tuple[str, str, str]) -> dict:
    """A factor of one item: the results page names the statement by the factor's short name."""
    return {"code": code, "name": _texts(*name), "items": [
        {"code": f"{code}-a", "statement": _texts(*statement), "scale": SCALE, "reverse": False}]}


NAME = _texts("Eksempel: Evaluering av samlingen", "Døme: Evaluering av samlinga",
              "Example: Evaluation of the gathering")

EVALUATION: dict = {
    "format": "tracker-instrument/1",
    "name": NAME,
    "example": True,
    "note": ("Eksempeltekster skrevet for demonstrasjonsdataene. "
             "(Example texts written for the demo.)"),
    "scales": [AGREEMENT_SCALE],
    "parts": [{
        "code": "SAMLING",
        "name": _texts("Samlingen", "Samlinga", "The gathering"),
        "factors": [
            _statement("EVAL-NYTTE", ("Nyttig for gruppen", "Nyttig for gruppa",
                                      "Useful for our group"),
                       ("Samlingen var nyttig for arbeidet i ledergruppen vår.",
                        "Samlinga var nyttig for arbeidet i leiargruppa vår.",
                        "The gathering was useful for our group's work.")),
            _statement("EVAL-INNHOLD", ("Relevant innhold", "Relevant innhald",
                                        "Relevant content"),
                       ("Innholdet var relevant for utfordringene vi står i.",
                        "Innhaldet var relevant for utfordringane vi står i.",
                        "The content was relevant to the challenges we face.")),
            _statement("EVAL-ANDRE", ("Lærte av de andre", "Lærte av dei andre",
                                      "Learnt from the others"),
                       ("Vi lærte noe av de andre ledergruppene.",
                        "Vi lærte noko av dei andre leiargruppene.",
                        "We learnt something from the other leadership groups.")),
            _statement("EVAL-ORGANISERT", ("Godt organisert", "Godt organisert",
                                           "Well organised"),
                       ("Samlingen var godt organisert.",
                        "Samlinga var godt organisert.",
                        "The gathering was well organised.")),
        ],
    }],
    "open_questions": [
        {"code": "EVAL-OPEN", "text": _texts(
            "Hva bør vi gjøre annerledes på neste samling?",
            "Kva bør vi gjere annleis på neste samling?",
            "What should we do differently at the next gathering?")},
    ],
}


def load_evaluation_form(programme: Programme, added: Counter[str]) -> Instrument:
    """The programme's example evaluation form, made once (found again by its name), and chosen
    as the programme's evaluation form unless another one is."""
    instrument = db.session.scalar(
        select(Instrument).where(Instrument.programme_id == programme.id,
                                 Instrument.name_nb == NAME["nb"]).order_by(Instrument.id))
    if instrument is None:
        instrument = create_instrument(programme, copy.deepcopy(EVALUATION))
        added["evaluation forms"] += 1
    chosen = db.session.scalar(select(Instrument.id).where(
        Instrument.programme_id == programme.id, Instrument.is_evaluation.is_(True)))
    if chosen is None:
        instrument.is_evaluation = True
    db.session.flush()
    return instrument
