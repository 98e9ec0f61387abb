"""What newer pages add to the walks every page takes: the access walk (tests/test_access.py),
the form fuzzer (tests/test_fuzz_forms.py) and the axe walk (tests/browser/test_accessibility.py).

Each part keeps its entries in a module of its own, `tests/<feature>/walk_<part>.py` (e.g.
tests/surveys/walk_rounds.py, which documents every name); every such module is found here, so
a new part joins the walks without editing a shared file. A name a module leaves out is empty.
(`walk_stored.py` modules are the walks with extreme stored values, tests/test_bounds_stored.py.)
"""
import importlib
from pathlib import Path

_TESTS = Path(__file__).resolve().parent
PARTS = tuple(
    importlib.import_module(".".join(path.relative_to(_TESTS.parent).with_suffix("").parts))
    for path in sorted(_TESTS.glob("*/walk_*.py")) if path.name != "walk_stored.py"
)
_EMPTY = {"ACCESS_ARGUMENTS": dict, "TOKEN_PAGES": set, "FUZZ_ARGUMENTS": dict, "FUZZED": set,
          "NOT_FUZZED": dict, "REFILLED": set, "ANONYMOUS_FORMS": set, "DRAWN_ON": dict,
          "NOT_PAGES": set, "WALKED_ELSEWHERE": set}


def _merged(name: str):
    merged = _EMPTY[name]()
    for part in PARTS:
        merged.update(getattr(part, name, _EMPTY[name]()))
    return merged


ACCESS_ARGUMENTS = _merged("ACCESS_ARGUMENTS")
TOKEN_PAGES = _merged("TOKEN_PAGES")
FUZZ_ARGUMENTS = _merged("FUZZ_ARGUMENTS")
FUZZED = _merged("FUZZED")
NOT_FUZZED = _merged("NOT_FUZZED")
REFILLED = _merged("REFILLED")
ANONYMOUS_FORMS = _merged("ANONYMOUS_FORMS")
DRAWN_ON = _merged("DRAWN_ON")
NOT_PAGES = _merged("NOT_PAGES")
WALKED_ELSEWHERE = _merged("WALKED_ELSEWHERE")


def _extended(world: dict, maker: str) -> dict:
    extras = {}
    for part in PARTS:
        if hasattr(part, maker):
            extras.update(getattr(part, maker)({**world, **extras}))
    return extras


def access_world(world: dict) -> dict:
    return _extended(world, "access_world")


def fuzz_world(world: dict) -> dict:
    return _extended(world, "fuzz_world")


def example_ids(db) -> dict[str, list]:
    ids = {}
    for part in PARTS:
        if hasattr(part, "example_ids"):
            ids.update(part.example_ids(db))
    return ids
