"""The pages a respondent's personal link opens, as a respondent sees them: signed out, in
bokmål, nynorsk and English, on a wide screen and a 390 px phone. Each passes axe (WCAG 2.1 AA)
and the other checks of the walk in test_accessibility.py; a whole answer, from a half-filled
submission to the thank-you page, works with JavaScript off."""
from datetime import timedelta

import pytest

from tests.browser.test_accessibility import check_page, new_context, switch_language
from tests.surveys.conftest import make_instrument, make_round, put_answers  # noqa: F401

# The live server answers from another thread, so what the test makes must be committed.
pytestmark = [pytest.mark.browser, pytest.mark.committed]

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 900}
PAGE_WIDTH = "() => document.documentElement.scrollWidth"
ANSWERS = {"PRE1a": 4, "PRE1b": 2, "PRO1a": 5, "PRO1b": 3, "PRO2a": 1}


@pytest.fixture
def links(db, make_round, put_answers):
    """Links of each kind: to answer, already answered, to a closed round, and one to answer
    from start to end with JavaScript off."""
    from tracker import clock
    from tracker.surveys.rounds import link_token

    survey_round = make_round(members=4)
    fresh, answered, whole = survey_round.respondents[:3]
    put_answers(answered, ANSWERS)
    closed = make_round()
    closed.closed_at = clock.now() - timedelta(hours=1)
    made = {
        "answer": link_token(fresh),
        "answered": link_token(answered),
        "closed": link_token(closed.respondents[0]),
        "whole": link_token(whole),
    }
    db.session.commit()
    return made


def paths(tokens: dict) -> list[tuple[str, int]]:
    return [
        (f"/answer/{tokens['answer']}", 200),
        (f"/answer/{tokens['answered']}", 200),  # the thank-you page
        (f"/answer/{tokens['closed']}", 410),
        ("/answer/" + "x" * 43, 404),  # a link that does not work
    ]


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_answer_pages_are_accessible_and_fit_a_phone(browser, live_server, axe_path, links,
                                                         language):
    storage_state = switch_language(browser, live_server, language) if language != "nb" else None
    problems = []
    for viewport in (WIDE, PHONE):
        context = new_context(browser, storage_state=storage_state, viewport=viewport)
        context.add_init_script(path=str(axe_path))
        try:
            page = context.new_page()
            page.set_default_timeout(15_000)
            for path, status in paths(links):
                response = page.goto(live_server + path)
                assert response.status == status, (path, response.status)
                width = page.evaluate(PAGE_WIDTH)
                assert width <= viewport["width"], f"{path} is {width} px wide at {viewport}"
                problems += check_page(page, f"{path} at {viewport['width']} px", language,
                                       axe_path)
            # The answer page as a submission with nothing answered leaves it: every item
            # marked, the error summary above.
            page.goto(live_server + paths(links)[0][0])
            with page.expect_navigation():
                page.locator("button[value=submit]").click()
            assert page.locator(".ds-error-summary a").count() == 5
            width = page.evaluate(PAGE_WIDTH)
            assert width <= viewport["width"], f"the refused answer is {width} px wide"
            problems += check_page(page, f"/answer/<token>, refused, at {viewport['width']} px",
                                   language, axe_path)
        finally:
            context.close()
    assert not problems, "\n".join(f"  - {problem}" for problem in problems)


def test_a_whole_answer_works_without_javascript(browser, live_server, links, db):
    """Save part, submit half (refused, marked, kept), finish and submit: thanked, and the
    link opens nothing more. (Axe needs JavaScript: the refused page is checked with it in the
    test above.)"""
    from sqlalchemy import func, select

    from tracker.surveys.models import Response

    context = new_context(browser, viewport=PHONE, java_script_enabled=False)
    url = f"{live_server}/answer/{links['whole']}"
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(url)
        assert "0 av 5" in page.inner_text("main")
        page.get_by_role("group", name="1. Vi vet hvorfor vi finnes.").get_by_label("Enig", exact=True).check()
        page.get_by_label("Hva fungerer best?").fill("Tillit\nog åpenhet")
        with page.expect_navigation():
            page.get_by_role("button", name="Lagre og fortsett senere").click()
        main = page.inner_text("main")
        assert "Svarene dine er tatt vare på" in main and "1 av 5" in main
        assert page.get_by_label("Hva fungerer best?").input_value() == "Tillit\nog åpenhet"

        page.get_by_role("group", name="3. Møtene våre er effektive.").get_by_label(
            "Helt enig").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Send svarene").click()
        main = page.inner_text("main")
        assert "ikke sendt inn" in main and "2 av 5" in main
        assert page.locator(".ds-error-summary a").count() == 3
        # The summary is the first thing in <main>, above the intro.
        assert page.locator("main .stack > *").first.get_attribute("id") == "error-summary"

        # Switching the language mid-answer keeps what was answered.
        page.locator("fieldset").nth(1).get_by_label("Både og").check()
        with page.expect_navigation():
            page.get_by_role("button", name="English").click()
        main = page.inner_text("main")
        assert "3 of 5" in main and "Save and continue later" in main
        with page.expect_navigation():
            page.get_by_role("button", name="Norsk (bokmål)").click()

        for number in (4, 5):
            page.locator("fieldset").nth(number - 1).get_by_label("Både og").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Send svarene").click()
        assert page.locator("h1").inner_text() == "Takk for at du svarte"
        assert page.locator("input[type=radio]").count() == 0
        page.goto(url)
        assert page.locator("h1").inner_text() == "Takk for at du svarte"
    finally:
        context.close()
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Response)) == 2  # and put_answers'
