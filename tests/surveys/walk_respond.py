"""The survey's respond pages in the walks every page takes (see tests/surveys/walks.py)."""

# URL argument -> (world key inside the agency's and ministry's scope, key outside), for
# tests/test_access.py; staff see both.
ACCESS_ARGUMENTS: dict[str, tuple[str, str]] = {}
# Endpoints whose <token> is a live link of their own: world["<endpoint>_token"].
TOKEN_PAGES: set[str] = set()
# URL argument -> world key, for tests/test_fuzz_forms.py.
FUZZ_ARGUMENTS: dict[str, str] = {}
# Endpoints whose forms tests/test_fuzz_forms.py fuzzes.
FUZZED: set[str] = set()
# Endpoint -> why its form is not fuzzed (tried elsewhere: say where).
NOT_FUZZED: dict[str, str] = {}
# Forms of a versioned record, read again after each save.
REFILLED: set[str] = set()
# Forms filled in by someone not signed in.
ANONYMOUS_FORMS: set[str] = set()
# Endpoint -> (the page its form is drawn on, {argument: world key}), or None.
DRAWN_ON: dict[str, tuple[str, dict[str, str]] | None] = {}
# For tests/browser/test_accessibility.py: endpoints that answer files or JSON, and pages
# walked with axe in a test of their own.
NOT_PAGES: set[str] = set()
WALKED_ELSEWHERE: set[str] = set()


def access_world(world: dict) -> dict:
    """Records for the access walk, made in its world (committed by the caller)."""
    return {}


def fuzz_world(world: dict) -> dict:
    """Records for the form fuzzer, made in its world (committed by the caller)."""
    return {}


def example_ids(db) -> dict[str, list]:
    """URL argument -> values from the demo data, for the axe walk."""
    return {}
