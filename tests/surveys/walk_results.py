"""The survey's results pages in the walks every page takes (see tests/walks.py)."""

# URL argument -> (world key inside the agency's and ministry's scope, key outside), for
# tests/test_access.py; staff see both.
ACCESS_ARGUMENTS: dict[str, tuple[str, str]] = {
    # A programme's headline figure: not scoped (staff only), the same inside and out.
    "headline_id": ("headline", "headline"),
}
# Endpoints whose <token> is a live link of their own: world["<endpoint>_token"].
TOKEN_PAGES: set[str] = set()
# URL argument -> world key, for tests/test_fuzz_forms.py.
FUZZ_ARGUMENTS: dict[str, str] = {"headline_id": "headline"}
# Endpoints whose forms tests/test_fuzz_forms.py fuzzes.
FUZZED: set[str] = {"survey_results.headline_list", "survey_results.headline_edit",
                     "survey_results.headline_move"}
# Endpoint -> why its form is not fuzzed (tried elsewhere: say where).
NOT_FUZZED: dict[str, str] = {
    "survey_results.headline_remove": "a button with no field but the CSRF token, beside each "
                                      "figure: tests/surveys/test_headlines.py removes one",
}
# Forms of a versioned record, read again after each save.
REFILLED: set[str] = {"survey_results.headline_edit"}
# Forms filled in by someone not signed in.
ANONYMOUS_FORMS: set[str] = set()
# Endpoint -> (the page its form is drawn on, {argument: world key}), or None.
DRAWN_ON: dict[str, tuple[str, dict[str, str]] | None] = {
    # The move buttons are beside each figure on the list (the world has two, so "headline"
    # has one).
    "survey_results.headline_move": ("survey_results.headline_list", {"programme_id": "programme"}),
}
# For tests/browser/test_accessibility.py: endpoints that answer files or JSON, and pages
# walked with axe in a test of their own.
NOT_PAGES: set[str] = {
    "survey_results.group_export",
    "survey_results.cohort_export",
    "survey_results.programme_export",
    "survey_results.sector_export",
}
WALKED_ELSEWHERE: set[str] = set()


def _headlines(programme, with_instrument: bool) -> dict:
    import copy

    from tests.surveys.conftest import SMALL_INSTRUMENT
    from tracker.extensions import db
    from tracker.surveys.instruments import create_instrument
    from tracker.surveys.models import HeadlineFigure

    if with_instrument:
        create_instrument(programme, copy.deepcopy(SMALL_INSTRUMENT))
    figures = [HeadlineFigure(programme_id=programme.id, position=n, item_code=code, at_least=4,
                              label_nb=f"rapporterer {code}", label_nn=f"rapporterer {code}",
                              label_en=f"report {code}")
               for n, code in ((1, "PRO1a"), (2, "PRO2a"))]
    db.session.add_all(figures)
    db.session.flush()
    return {"headline": figures[0]}


def access_world(world: dict) -> dict:
    """Records for the access walk, made in its world (committed by the caller)."""
    return _headlines(world["programme"], with_instrument=False)


def fuzz_world(world: dict) -> dict:
    """Records for the form fuzzer, made in its world (committed by the caller): an instrument
    for the item choices, and two figures so the first has a move button."""
    return _headlines(world["programme"], with_instrument=True)


def example_ids(db) -> dict[str, list]:
    """URL argument -> values from the demo data, for the axe walk.

    The demo has no headline figure of its own: one is made here, for the first programme, on
    the first item of the demo's first instrument (the seed helper's demo rounds and their
    instrument; without them, on a code of the test instrument)."""
    from sqlalchemy import select

    from tracker.programmes.models import Programme
    from tracker.surveys.models import HeadlineFigure, Instrument, InstrumentVersion, Item

    figure = db.session.scalar(select(HeadlineFigure).order_by(HeadlineFigure.id).limit(1))
    if figure is None:
        programme_id = db.session.scalar(select(Programme.id).order_by(Programme.id).limit(1))
        code = db.session.scalar(
            select(Item.code).join(InstrumentVersion, Item.version_id == InstrumentVersion.id)
            .join(Instrument).where(Instrument.programme_id == programme_id)
            .order_by(Item.id).limit(1)) or "PRO1a"
        figure = HeadlineFigure(programme_id=programme_id, position=1, item_code=code,
                                at_least=4, label_nb="rapporterer mer effektive møter",
                                label_nn="rapporterer meir effektive møte",
                                label_en="report more effective meetings")
        db.session.add(figure)
        db.session.commit()
    return {"headline_id": [figure.id]}
