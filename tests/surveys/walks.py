"""What the survey's pages add to the walks every page takes: the access walk
(tests/test_access.py), the form fuzzer (tests/test_fuzz_forms.py) and the axe walk
(tests/browser/test_accessibility.py). Each part of the survey keeps its entries in a module of
its own (walk_instruments, walk_rounds, walk_respond, walk_results)."""
from tests.surveys import walk_instruments, walk_respond, walk_results, walk_rounds

PARTS = (walk_instruments, walk_rounds, walk_respond, walk_results)


def _merged(name: str):
    first = getattr(PARTS[0], name)
    merged = type(first)()
    for part in PARTS:
        value = getattr(part, name)
        merged.update(value)
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
        extras.update(getattr(part, maker)({**world, **extras}))
    return extras


def access_world(world: dict) -> dict:
    return _extended(world, "access_world")


def fuzz_world(world: dict) -> dict:
    return _extended(world, "fuzz_world")


def example_ids(db) -> dict[str, list]:
    ids = {}
    for part in PARTS:
        ids.update(part.example_ids(db))
    return ids
