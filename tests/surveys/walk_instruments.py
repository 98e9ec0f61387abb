"""The survey's instruments pages in the walks every page takes (see tests/walks.py)."""
import copy
from types import SimpleNamespace

VERSION_ARGUMENTS = {"programme_id": "programme", "instrument_id": "instrument",
                     "number": "instrument_version_number"}

# URL argument -> (world key inside the agency's and ministry's scope, key outside), for
# tests/test_access.py; staff see both. An instrument belongs to the programme, which everyone
# in scope shares: the same record inside and out. A version's number is no record: the world
# holds it as an object whose `.id` is the number, as the walks read every argument.
ACCESS_ARGUMENTS: dict[str, tuple[str, str]] = {
    "instrument_id": ("instrument", "instrument"),
    "number": ("instrument_version_number", "instrument_version_number"),
    "part": ("instrument_part", "instrument_part"),
}
# Endpoints whose <token> is a live link of their own: world["<endpoint>_token"].
TOKEN_PAGES: set[str] = set()
# URL argument -> world key, for tests/test_fuzz_forms.py.
FUZZ_ARGUMENTS: dict[str, str] = {"instrument_id": "instrument",
                                  "number": "instrument_version_number",
                                  "part": "instrument_part"}
# Endpoints whose forms tests/test_fuzz_forms.py fuzzes.
FUZZED: set[str] = {"instruments.new", "instruments.copy", "instruments.upload",
                     "instruments.edit", "instruments.add", "instruments.move",
                     "instruments.edit_part"}
# Endpoint -> why its form is not fuzzed (tried elsewhere: say where).
NOT_FUZZED: dict[str, str] = {
    "instruments.delete": "deleting deletes the fuzzed version: tried in tests/surveys/"
                          "test_instrument_pages.py (test_an_unused_version_is_deleted_after_"
                          "the_box_is_ticked, test_the_only_version_is_not_deleted)",
    "instruments.start": "drawn only for a used version, which the fuzzed one is not (its only "
                         "fields are the CSRF token and the record version): tried in tests/"
                         "surveys/test_instrument_pages.py (test_editing_a_used_version_copies_"
                         "it_once_and_the_round_keeps_its_own, test_an_older_version_is_read_"
                         "only_and_names_the_newest)",
}
# Forms of a versioned record, read again after each save.
REFILLED: set[str] = {"instruments.edit", "instruments.add", "instruments.move",
                      "instruments.edit_part"}
# Forms filled in by someone not signed in.
ANONYMOUS_FORMS: set[str] = set()
# Endpoint -> (the page its form is drawn on, {argument: world key}), or None.
DRAWN_ON: dict[str, tuple[str, dict[str, str]] | None] = {
    "instruments.copy": ("instruments.new", {"programme_id": "programme"}),
    "instruments.add": ("instruments.edit", VERSION_ARGUMENTS),
    "instruments.move": ("instruments.edit", VERSION_ARGUMENTS),
    "instruments.start": ("instruments.version", VERSION_ARGUMENTS),
    "instruments.delete": ("instruments.version", VERSION_ARGUMENTS),
}
# For tests/browser/test_accessibility.py: endpoints that answer files or JSON, and pages
# walked with axe in a test of their own.
NOT_PAGES: set[str] = {"instruments.export_json", "instruments.export_xlsx"}
WALKED_ELSEWHERE: set[str] = set()


def _instrument(world: dict) -> dict:
    from tests.surveys.conftest import SMALL_INSTRUMENT
    from tracker.surveys.instruments import create_instrument

    instrument = create_instrument(world["programme"], copy.deepcopy(SMALL_INSTRUMENT))
    return {"instrument": instrument,
            "instrument_version_number": SimpleNamespace(id=instrument.latest.number),
            "instrument_part": SimpleNamespace(id=1)}


def access_world(world: dict) -> dict:
    """Records for the access walk, made in its world (committed by the caller)."""
    return _instrument(world)


def fuzz_world(world: dict) -> dict:
    """Records for the form fuzzer, made in its world (committed by the caller). The other
    parts' rounds are sent with the programme's first instrument: the one fuzzed here is a
    second one, so its newest version stays unused and its edit pages draw their forms."""
    _instrument(world)
    return _instrument(world)


def example_ids(db) -> dict[str, list]:
    """URL argument -> values from the demo data, for the axe walk: the demo's example
    instrument (the seed makes it) and its first version."""
    from sqlalchemy import select

    from tracker.surveys.models import InstrumentVersion

    # The first instrument's newest version: the one its edit pages are for.
    first = db.session.scalar(select(InstrumentVersion).order_by(
        InstrumentVersion.instrument_id, InstrumentVersion.number.desc()).limit(1))
    return {"instrument_id": [first.instrument_id if first else None],
            "number": [first.number if first else None], "part": [1]}
