"""The survey rounds' pages (opening a round for a group and for a cohort, a round's page with
someone who answered, and a refusal), as a coordinator's browser shows them: each passes the
checks of the axe walk (tests/browser/test_accessibility.py) in nb, nn and en, and no page
scrolls sideways at 390 or 1280 px. The axe walk takes the round page from the demo's rounds
too (tests/surveys/walk_rounds.py)."""
import copy
from datetime import timedelta

import pytest

from tests.browser.test_accessibility import check_page, new_context, switch_language
from tests.browser.test_roster_pages import DESKTOP, PAGE_WIDTH, PHONE, sign_in
from tests.surveys.conftest import SMALL_INSTRUMENT

# The live server answers from another thread, so what the test makes must be committed.
pytestmark = [pytest.mark.browser, pytest.mark.committed]


@pytest.fixture
def round_world(db, make_cohort, make_organisation, make_user):
    from tracker import clock
    from tracker.groups.models import EnrolmentStatus
    from tracker.groups.services import enrol
    from tracker.people.models import MemberRole, Membership, Person
    from tracker.surveys.instruments import create_instrument
    from tracker.surveys.models import RoundKind
    from tracker.surveys.rounds import members_on, open_round

    today = clock.today()
    cohort = make_cohort(label="Kull 9", start_date=today - timedelta(days=30))
    groups = []
    for name, short in (("Direktoratet for forvaltning og økonomistyring", "DFØ"),
                        ("Norges vassdrags- og energidirektorat", "NVE")):
        enrolment = enrol(cohort, make_organisation(name_nb=name, short_name=short),
                          status=EnrolmentStatus.CONFIRMED)
        for n in range(5):
            enrolment.memberships.append(Membership(
                person=Person(name=f"Kristoffer Langnavn-Etternavnsen {short} {n}",
                              email=f"{short.lower()}{n}@example.org"),
                role=MemberRole.TOP_LEADER if n == 0 else MemberRole.MEMBER,
                joined_on=cohort.start_date))
        groups.append(enrolment)
    version = create_instrument(cohort.programme, copy.deepcopy(SMALL_INSTRUMENT)).latest
    db.session.flush()
    survey_round = open_round(groups[0], RoundKind.BASELINE, version,
                              closes_on=today + timedelta(days=14), minimum_respondents=3,
                              people=members_on(groups[0], today)[:4], opened_by=None, today=today)
    survey_round.respondents[0].has_answered = True
    survey_round.respondents[1].invited_at = clock.now()
    # A final closed early with too few answers: its page offers to open it again.
    closed = open_round(groups[0], RoundKind.FINAL, version, closes_on=today + timedelta(days=14),
                        minimum_respondents=3, people=members_on(groups[0], today)[:4],
                        opened_by=None, today=today)
    closed.closed_at = clock.now()
    db.session.commit()
    coordinator = make_user("coordinator", email="round-coordinator@example.org")
    return {"round": survey_round, "closed": closed, "group": groups[0], "cohort": cohort,
            "coordinator": coordinator}


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_round_pages_are_accessible_and_fit(browser, live_server, axe_path, round_world,
                                               language):
    survey_round, group, cohort = round_world["round"], round_world["group"], round_world["cohort"]
    round_page = f"/surveys/rounds/{survey_round.id}"
    pages = [round_page, f"/surveys/rounds/{round_world['closed'].id}",
             f"/surveys/groups/{group.id}/rounds/new",
             f"/surveys/cohorts/{cohort.id}/rounds/new", f"/groups/{group.id}",
             f"/cohorts/{cohort.id}"]
    storage_state = switch_language(browser, live_server, language) if language != "nb" else None
    problems = []
    for viewport in (PHONE, DESKTOP):
        context = new_context(browser, storage_state=storage_state, viewport=viewport)
        context.add_init_script(path=str(axe_path))
        try:
            page = context.new_page()
            sign_in(page, live_server, round_world["coordinator"].email)
            for path in pages:
                response = page.goto(live_server + path)
                assert response.status == 200, path
                problems += [str(p) for p in check_page(page, path, language, axe_path)]
                if page.evaluate(PAGE_WIDTH) > viewport["width"]:
                    problems.append(f"{path}: {page.evaluate(PAGE_WIDTH)} px wide")
            # A refusal: a minimum below three.
            page.goto(live_server + round_page)
            page.fill("input[name=minimum_respondents]", "2")
            with page.expect_navigation():
                page.locator("form[action$='/minimum'] button").click()
            assert page.locator(".ds-error-summary").count() == 1
            problems += [str(p) for p in check_page(page, round_page + " (refused)", language,
                                                    axe_path)]
            # A row's "Remove" asks first, on a page of its own.
            page.goto(live_server + round_page)
            with page.expect_navigation():
                page.locator("form[action$='/respondents/remove'] button").first.click()
            assert page.locator("input[name=confirmed]").count() == 1
            problems += [str(p) for p in check_page(page, round_page + " (remove?)", language,
                                                    axe_path)]
        finally:
            context.close()
    assert not problems, "\n".join(problems)
