"""Single sign-on's pages in a real browser, in nb, nn and en: the sign-in page's provider
buttons, the account page's linked identities, and the refusals (a sign-in not started here, a
provider that is down, the last way in kept). axe-core finds no WCAG 2.1 AA violation, and each
fits a 390 px wide phone."""
import socket

import pytest

from tests.browser.test_accessibility import check_page, new_context, switch_language
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.committed]

PHONE = {"width": 390, "height": 844}
PAGE_WIDTH = "() => document.documentElement.scrollWidth"


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def configured(app):
    """Two providers that nobody answers for: drawing the pages asks them nothing, and starting
    a sign-in finds them down."""
    down = f"http://127.0.0.1:{unused_port()}"
    saved = app.config.get("OIDC_PROVIDERS")
    app.config["OIDC_PROVIDERS"] = {
        "idporten": {"issuer": down, "client_id": "c", "name": "ID-porten"},
        "entra": {"issuer": down, "client_id": "c", "name": "Entra ID"},
    }
    app.extensions.pop("oidc_clients", None)
    yield
    app.config["OIDC_PROVIDERS"] = saved
    app.extensions.pop("oidc_clients", None)


@pytest.fixture
def holder(make_user, db):
    """A coordinator with a password and a linked ID-porten identity."""
    from tracker.auth.models import ExternalIdentity

    user = make_user("coordinator")
    db.session.add(ExternalIdentity(user=user, provider="idporten", subject="01017012345",
                                    label="Kari Nordmann med et langt mellomnavn"))
    db.session.commit()
    return user


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_single_sign_on_pages_are_accessible_and_fit_a_phone(
        browser, live_server, axe_path, configured, holder, language):
    storage_state = switch_language(browser, live_server, language) if language != "nb" else None
    context = new_context(browser, storage_state=storage_state, viewport=PHONE)
    context.add_init_script(path=str(axe_path))
    problems = []
    try:
        page = context.new_page()

        def look(path, status, expect):
            response = page.goto(live_server + path)
            assert response.status == status, (path, response.status)
            assert page.locator(expect).count() >= 1, (path, expect)
            assert page.evaluate(PAGE_WIDTH) <= PHONE["width"], path
            problems.extend(check_page(page, path, language, axe_path))

        look("/login?next=/account", 200, "a[href*='/sso/idporten/start']")
        look("/sso/idporten/callback?code=x&state=y", 400, "#sso-refused")
        look("/sso/entra/start", 502, "#sso-refused")

        page.goto(live_server + "/login")
        page.fill("input[name=email]", holder.email)
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.press("input[name=password]", "Enter")
        look("/account", 200, "#identities")
        assert page.locator("form[action*='/sso/entra/start?link=1'][method=post]").count() == 1
        look("/sso/idporten/callback?error=access_denied", 400, "#sso-refused")
    finally:
        context.close()
    assert not problems, "\n".join(str(problem) for problem in problems)


def test_the_last_way_in_is_kept_with_a_clear_page(browser, live_server, axe_path, configured,
                                                   holder, db):
    """Unlinking from the account page with JavaScript off, by a user without a password (signed
    in by a cookie of their own sign-in session, as tests.conftest.login_as does)."""
    holder.password_hash = None
    db.session.commit()
    from tracker.auth.sessions import open_session

    _record, secret = open_session(holder, device="Test browser")
    db.session.commit()
    context = new_context(browser, java_script_enabled=False, viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(live_server + "/login")
        cookie = _session_cookie(live_server, secret)
        context.add_cookies([cookie])
        page.goto(live_server + "/account")
        with page.expect_navigation():
            page.click("#identities button[type=submit]")
        assert page.locator("#unlink-refused").count() == 1
        assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]
    finally:
        context.close()


def _session_cookie(live_server: str, secret: str) -> dict:
    """A session cookie signed by the app, as a browser signed in with `secret` carries."""
    from flask import current_app
    from flask.sessions import SecureCookieSessionInterface

    serializer = SecureCookieSessionInterface().get_signing_serializer(current_app)
    return {"name": current_app.config["SESSION_COOKIE_NAME"],
            "value": serializer.dumps({"_user_id": secret, "_fresh": True}),
            "url": live_server}
