"""The register import and the merge page as a coordinator uses them in a browser: the upload
page, the preview of Enhetsregisteret's bulk file with a checkbox per row, and an organisation's
"Merge or delete" page; each passes axe (WCAG 2.1 AA) and the walk's other checks in bokmål,
nynorsk and English, and fits a 390 px wide phone. Unticking a row without JavaScript leaves it
out of the import."""
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.browser.test_accessibility import check_page, new_context, switch_language
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.committed]

PHONE = {"width": 390, "height": 844}
PAGE_WIDTH = "() => document.documentElement.scrollWidth"
BULK = Path(__file__).parents[1] / "organisations" / "files" / "enheter_utf8.csv"


@pytest.fixture
def coordinator(db, make_user, make_organisation, app, tmp_path, monkeypatch):
    from tracker.organisations.models import OrganisationKind

    monkeypatch.setitem(app.config, "REGISTER_IMPORT_FOLDER", str(tmp_path / "register-imports"))
    fin = make_organisation(name_nb="Finansdepartementet", kind=OrganisationKind.MINISTRY)
    make_organisation(name_nb="FINANSDEPARTEMENTET 2", kind=OrganisationKind.MINISTRY)
    user = make_user("coordinator", email="register.koordinator@example.org")
    db.session.commit()
    return user, fin


def sign_in(page, live_server, email) -> None:
    page.goto(live_server + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")


def preview(page, live_server) -> None:
    page.goto(live_server + "/organisations/import")
    page.set_input_files("input[type=file]", str(BULK))
    with page.expect_navigation():
        page.locator("form[enctype] button[type=submit]").click()


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_import_and_merge_pages_are_accessible_and_fit_a_phone(
        browser, live_server, axe_path, coordinator, language):
    user, fin = coordinator
    storage_state = switch_language(browser, live_server, language) if language != "nb" else None
    problems = []
    for viewport in (None, PHONE):
        context = new_context(browser, storage_state=storage_state,
                              **({"viewport": viewport} if viewport else {}))
        context.add_init_script(path=str(axe_path))
        try:
            page = context.new_page()
            sign_in(page, live_server, user.email)
            for name, open_page in (
                ("upload", lambda: page.goto(live_server + "/organisations/import")),
                ("preview", lambda: preview(page, live_server)),
                ("merge", lambda: page.goto(live_server + f"/organisations/{fin.id}/merge")),
            ):
                open_page()
                assert page.locator("h1").count() == 1, name
                if viewport:
                    width = page.evaluate(PAGE_WIDTH)
                    assert width <= PHONE["width"], f"the {name} page is {width} px wide on a phone"
                else:
                    problems += check_page(page, name, language, axe_path)
        finally:
            context.close()
    assert not problems, "\n".join(f"  - {problem}" for problem in problems)


def test_an_unticked_row_is_left_out_without_javascript(browser, live_server, coordinator, db):
    from tracker.organisations.models import Organisation

    user, _ = coordinator
    context = new_context(browser, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, live_server, user.email)
        preview(page, live_server)
        page.uncheck("#row-8")  # Statnett SF
        with page.expect_navigation():
            page.locator("#import-form button[type=submit]").click()
        assert page.url.endswith("/organisations/")
    finally:
        context.close()
    db.session.expire_all()
    names = set(db.session.scalars(select(Organisation.name_nb)))
    assert "Miljødirektoratet" in names and "Statnett SF" not in names  # readable names
    assert "FINANSDEPARTEMENTET" not in names, "matched to Finansdepartementet, not added"
