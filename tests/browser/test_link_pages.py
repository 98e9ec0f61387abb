"""The pages a one-time link opens, as the person who got the mail sees them: signed out, with
a real link, in bokmål, nynorsk and English. Each passes axe (WCAG 2.1 AA) and the other checks
of the walk in test_accessibility.py, and fits a 390 px wide phone; choosing a password there
signs the reader in."""
import pytest

from tests.browser.test_accessibility import check_page, new_context, switch_language

# The live server answers from another thread, so what the test makes must be committed.
pytestmark = [pytest.mark.browser, pytest.mark.committed]

PHONE = {"width": 390, "height": 844}
PAGE_WIDTH = "() => document.documentElement.scrollWidth"


@pytest.fixture
def links(db, make_user, make_organisation, app, tmp_path, monkeypatch):
    """A live invitation and a live reset link, for two accounts (with long addresses, which
    must wrap on a phone), per language."""
    from tracker.users.links import issue_link
    from tracker.users.models import LinkPurpose

    monkeypatch.setitem(app.config, "MAIL_FOLDER", str(tmp_path / "mail"))
    made = {}
    for language in ("nb", "nn", "en"):
        invited = make_user("agency", email=f"nyinvitert.virksomhetsleder.{language}@utdanningsdirektoratet.example.org")
        resetting = make_user("coordinator", email=f"glemsk.{language}@example.org")
        made[language] = {
            "invitation": issue_link(invited, LinkPurpose.INVITATION)[1],
            "reset": issue_link(resetting, LinkPurpose.PASSWORD_RESET)[1],
        }
    db.session.commit()
    return made


def paths(tokens: dict) -> list[tuple[str, int]]:
    return [
        (f"/invitation/{tokens['invitation']}", 200),
        (f"/password/reset/{tokens['reset']}", 200),
        ("/invitation/" + "x" * 43, 404),  # the page of a link that does not work
        ("/password/forgot", 200),
    ]


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_link_pages_are_accessible_and_fit_a_phone(browser, live_server, axe_path, links, language):
    storage_state = switch_language(browser, live_server, language) if language != "nb" else None
    problems = []
    for viewport in (None, PHONE):
        context = new_context(browser, storage_state=storage_state,
                              **({"viewport": viewport} if viewport else {}))
        context.add_init_script(path=str(axe_path))
        try:
            page = context.new_page()
            for path, status in paths(links[language]):
                response = page.goto(live_server + path)
                assert response.status == status, (path, response.status)
                if viewport:
                    width = page.evaluate(PAGE_WIDTH)
                    assert width <= PHONE["width"], f"{path} is {width} px wide on a phone"
                else:
                    problems += check_page(page, path, language, axe_path)
        finally:
            context.close()
    assert not problems, "\n".join(f"  - {problem}" for problem in problems)


def test_choosing_a_password_through_the_invitation_signs_in(browser, live_server, links):
    context = new_context(browser, viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/invitation/{links['nb']['invitation']}")
        page.fill("input[name=password]", "blåbær fjellrev sykkelsete")
        page.fill("input[name=confirm_password]", "blåbær fjellrev sykkelsete")
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        assert "/login" not in page.url and "/invitation/" not in page.url  # signed in, at home
        assert "Velkommen" in page.inner_text("main")
    finally:
        context.close()


def test_the_admins_user_pages_fit_a_phone(browser, live_server, links, make_user, db):
    """The user list with its search and the user's page with its buttons and link list."""
    from sqlalchemy import select

    from tests.conftest import PASSWORD
    from tracker.users.models import User

    admin = make_user("admin")
    invited = db.session.scalar(select(User).where(User.email.like("nyinvitert%nb@%")))
    context = new_context(browser, viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/login")
        page.fill("input[name=email]", admin.email)
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.press("input[name=password]", "Enter")
        for path in ("/admin/users/?q=example", f"/admin/users/{invited.id}", "/admin/users/new"):
            assert page.goto(live_server + path).status == 200
            width = page.evaluate(PAGE_WIDTH)
            assert width <= PHONE["width"], f"{path} is {width} px wide on a phone"
    finally:
        context.close()
