"""The survey's respond pages in the walks every page takes (see tests/walks.py)."""
from datetime import date, timedelta

# URL argument -> (world key inside the agency's and ministry's scope, key outside), for
# tests/test_access.py; staff see both.
ACCESS_ARGUMENTS: dict[str, tuple[str, str]] = {}
# Endpoints whose <token> is a live link of their own: world["<endpoint>_token"].
TOKEN_PAGES: set[str] = {"respond.answer"}
# URL argument -> world key, for tests/test_fuzz_forms.py.
FUZZ_ARGUMENTS: dict[str, str] = {}
# Endpoints whose forms tests/test_fuzz_forms.py fuzzes.
FUZZED: set[str] = {"respond.answer"}
# Endpoint -> why its form is not fuzzed (tried elsewhere: say where).
NOT_FUZZED: dict[str, str] = {}
# Forms of a versioned record, read again after each save.
REFILLED: set[str] = set()
# Forms filled in by someone not signed in.
ANONYMOUS_FORMS: set[str] = {"respond.answer"}
# Endpoint -> (the page its form is drawn on, {argument: world key}), or None.
DRAWN_ON: dict[str, tuple[str, dict[str, str]] | None] = {}
# For tests/browser/test_accessibility.py: endpoints that answer files or JSON, and pages
# walked with axe in a test of their own.
NOT_PAGES: set[str] = set()
WALKED_ELSEWHERE: set[str] = {"respond.answer"}  # tests/browser/test_answer_pages.py


def _answer_token(enrolment) -> str:
    """A live personal link to a round of `enrolment`, open for two weeks, asking three
    members of its own (made here, so the walks' other people stay as they are)."""
    import copy

    from tests.surveys.conftest import SMALL_INSTRUMENT
    from tracker import clock
    from tracker.extensions import db
    from tracker.people.models import MemberRole, Membership, Person
    from tracker.surveys.instruments import create_instrument
    from tracker.surveys.models import RoundKind
    from tracker.surveys.rounds import link_token, open_round

    people = []
    for n in range(3):
        person = Person(name=f"Svarer {n}", email=f"svarer{n}.{enrolment.id}@example.org")
        enrolment.memberships.append(Membership(person=person, role=MemberRole.MEMBER,
                                                joined_on=date(2016, 9, 1)))
        people.append(person)
    db.session.add_all(people)
    db.session.flush()
    version = create_instrument(enrolment.cohort.programme, copy.deepcopy(SMALL_INSTRUMENT)).latest
    today = clock.today()
    survey_round = open_round(enrolment, RoundKind.BASELINE, version,
                              closes_on=today + timedelta(days=14), people=people,
                              opened_by=None, today=today)
    return link_token(survey_round.respondents[0])


def access_world(world: dict) -> dict:
    """Records for the access walk, made in its world (committed by the caller)."""
    return {"respond.answer_token": _answer_token(world["enrolment_in"])}


def fuzz_world(world: dict) -> dict:
    """Records for the form fuzzer, made in its world (committed by the caller)."""
    return {"respond.answer_token": _answer_token(world["enrolment"])}


def example_ids(db) -> dict[str, list]:
    """URL argument -> values from the demo data, for the axe walk."""
    return {}
