"""The survey's rounds pages in the walks every page takes (see tests/walks.py)."""
import copy
from datetime import timedelta

from sqlalchemy import select

from tests.surveys.conftest import SMALL_INSTRUMENT

# URL argument -> (world key inside the agency's and ministry's scope, key outside), for
# tests/test_access.py; staff see both.
ACCESS_ARGUMENTS: dict[str, tuple[str, str]] = {"round_id": ("survey_round_in", "survey_round_out")}
# Endpoints whose <token> is a live link of their own: world["<endpoint>_token"].
TOKEN_PAGES: set[str] = set()
# URL argument -> world key, for tests/test_fuzz_forms.py.
FUZZ_ARGUMENTS: dict[str, str] = {"round_id": "survey_round"}
# Endpoints whose forms tests/test_fuzz_forms.py fuzzes.
FUZZED: set[str] = {
    "survey_rounds.open_for_group", "survey_rounds.open_for_cohort",
    "survey_rounds.add_respondent", "survey_rounds.remove_respondent",
    "survey_rounds.renew_link", "survey_rounds.change_closing_day",
    "survey_rounds.change_minimum", "survey_rounds.close", "survey_rounds.remind",
}
# Endpoint -> why its form is not fuzzed (tried elsewhere: say where).
NOT_FUZZED: dict[str, str] = {
    "survey_rounds.reopen": "its form is drawn only for a closed round: hostile values are tried "
                            "in tests/surveys/test_round_pages.py::test_reopening_refuses_hostile_days",
}
# Forms of a versioned record, read again after each save.
REFILLED: set[str] = set()
# Forms filled in by someone not signed in.
ANONYMOUS_FORMS: set[str] = set()
# Endpoint -> (the page its form is drawn on, {argument: world key}), or None.
DRAWN_ON: dict[str, tuple[str, dict[str, str]] | None] = {
    endpoint: ("survey_rounds.detail", {"round_id": "survey_round"}) for endpoint in (
        "survey_rounds.add_respondent", "survey_rounds.remove_respondent",
        "survey_rounds.renew_link", "survey_rounds.change_closing_day",
        "survey_rounds.change_minimum", "survey_rounds.close", "survey_rounds.remind",
    )
}
# For tests/browser/test_accessibility.py: endpoints that answer files or JSON, and pages
# walked with axe in a test of their own.
NOT_PAGES: set[str] = set()
WALKED_ELSEWHERE: set[str] = set()


def _round(enrolment, people, kind_name="FINAL"):
    """A round made directly (the walks' groups have fewer members than a real round asks):
    the final survey, so another part's baseline rounds in the same world do not collide."""
    from tracker import clock
    from tracker.extensions import db
    from tracker.surveys.instruments import create_instrument
    from tracker.surveys.models import Instrument, Respondent, RoundKind, SurveyRound
    from tracker.surveys.rounds import renew_link

    programme = enrolment.cohort.programme
    instrument = db.session.scalar(select(Instrument).where(Instrument.programme_id == programme.id)
                                   .order_by(Instrument.id).limit(1))
    if instrument is None or not instrument.latest or not instrument.latest.items:
        instrument = create_instrument(programme, copy.deepcopy(SMALL_INSTRUMENT))
    survey_round = SurveyRound(enrolment=enrolment, kind=RoundKind[kind_name],
                               instrument_version=instrument.latest,
                               closes_on=clock.today() + timedelta(days=14))
    db.session.add(survey_round)
    for person in people:
        survey_round.respondents.append(Respondent(person=person))
    db.session.flush()
    for respondent in survey_round.respondents:
        renew_link(respondent)
    db.session.flush()
    return survey_round


def access_world(world: dict) -> dict:
    """Records for the access walk, made in its world (committed by the caller)."""
    return {"survey_round_in": _round(world["enrolment_in"], [world["person_in"]]),
            "survey_round_out": _round(world["enrolment_out"], [world["person_out"]])}


def fuzz_world(world: dict) -> dict:
    """Records for the form fuzzer, made in its world (committed by the caller): a round asking
    the group's top leader, invited and not answered (so "Remind" is drawn), and a member not
    asked yet, so the form to add one is drawn."""
    from datetime import date

    from tracker import clock

    from tracker.people.models import MemberRole, Membership, Person

    not_asked = Person(name="Ola Nordmann", email="ola@example.org")
    world["enrolment"].memberships.append(
        Membership(person=not_asked, role=MemberRole.MEMBER, joined_on=date(2016, 9, 1)))
    survey_round = _round(world["enrolment"], [world["person"]])
    for respondent in survey_round.respondents:
        respondent.invited_at = clock.now()
    return {"survey_round": survey_round}


def example_ids(db) -> dict[str, list]:
    """URL argument -> values from the demo data, for the axe walk. The demo's rounds come
    from the seed (issue 12's demo part)."""
    from tracker.surveys.models import SurveyRound

    return {"round_id": db.session.scalars(select(SurveyRound.id).order_by(SurveyRound.id)
                                           .limit(1)).all()}
