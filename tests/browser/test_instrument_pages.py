"""The survey instruments pages as a coordinator's browser shows them, with an instrument of
the test's own (the axe walk's example comes from the demo's example instrument): each passes
the checks of the axe walk (tests/browser/test_accessibility.py) in nb, nn and en, also with a
refused file's problems listed, and no page scrolls sideways at 390 or 1280 px."""
import json

import pytest

from tests.browser.test_accessibility import new_context, switch_language
from tests.browser.test_roster_pages import DESKTOP, PHONE, checked, sign_in
from tests.surveys.conftest import SMALL_INSTRUMENT
# The survey's factories, for a round that has used the instrument (the edit page says so).
from tests.surveys.conftest import make_instrument, make_round  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.committed]


@pytest.fixture
def instrument_world(db, make_round, make_instrument, make_user):
    from tracker.surveys.instruments import add_version, version_document

    survey_round = make_round()
    instrument = survey_round.instrument_version.instrument
    # A second instrument with an older version and a newest one no round has used: its
    # version pages say which is newest and offer to delete, its edit pages draw the forms.
    second = make_instrument(programme=instrument.programme)
    add_version(second, version_document(second.latest))
    db.session.commit()
    coordinator = make_user("coordinator", email="instrument-coordinator@example.org")
    return {"instrument": instrument, "second": second, "coordinator": coordinator}


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_instrument_pages_are_accessible_and_fit(browser, live_server, axe_path,
                                                     instrument_world, language, tmp_path):
    instrument = instrument_world["instrument"]
    programme = f"/programmes/{instrument.programme_id}"
    base = f"{programme}/instruments"
    version = f"{base}/{instrument.id}/versions/1"
    pages = [programme, base, version, f"{version}?language=all", f"{version}/edit",
             f"{base}/new", f"{base}/{instrument.id}/upload"]
    second = f"{base}/{instrument_world['second'].id}/versions"
    pages += [f"{second}/1", f"{second}/2", f"{second}/2/edit", f"{second}/2/edit/parts/1",
              f"{second}/2/edit/parts/2"]
    spoilt = json.loads(json.dumps(SMALL_INSTRUMENT))
    spoilt["parts"][0]["factors"][0]["items"][0]["statement"]["nn"] = ""
    spoilt["parts"][1]["factors"][0]["items"][0]["scale"] = "agree7"
    spoilt_file = tmp_path / "spoilt.json"
    spoilt_file.write_text(json.dumps(spoilt))
    storage_state = switch_language(browser, live_server, language) if language != "nb" else None
    problems = []
    for viewport in (PHONE, DESKTOP):
        context = new_context(browser, storage_state=storage_state, viewport=viewport)
        context.add_init_script(path=str(axe_path))
        try:
            page = context.new_page()
            sign_in(page, live_server, instrument_world["coordinator"].email)
            for path in pages:
                response = page.goto(live_server + path)
                assert response.status == 200, path
                problems += checked(page, path, language, axe_path, viewport["width"])
            page.goto(live_server + f"{base}/new")
            page.set_input_files("input[name=file]", str(spoilt_file))
            with page.expect_navigation():
                page.locator("form[enctype] button[type=submit]").click()
            assert page.locator(".ds-error-summary").count() == 1
            assert "agree7" in page.content()
            problems += checked(page, f"{base}/new (refused)", language, axe_path,
                                viewport["width"])
        finally:
            context.close()
    assert not problems, "\n".join(str(p) for p in problems)
