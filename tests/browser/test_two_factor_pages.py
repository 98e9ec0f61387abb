"""The two-factor pages as a staff member's browser meets them, with two-factor required: set
up, the recovery codes shown once, the code step at the next sign-in, the recovery-code step and
confirming it is you. Each passes the same checks as the axe walk of every page
(tests/browser/test_accessibility.py), in nb, nn and en, and fits a 390 px wide phone."""
from datetime import timedelta

import pyotp
import pytest

from tests.browser.test_accessibility import check_page, new_context, switch_language
from tests.conftest import PASSWORD
from tests.two_factor.conftest import START

# The live server answers from another thread, so what the test makes must be committed.
pytestmark = [pytest.mark.browser, pytest.mark.committed]

PHONE = {"width": 390, "height": 844}
PAGE_WIDTH = "() => document.documentElement.scrollWidth"


@pytest.fixture
def required(app):
    before = app.config["REQUIRE_STAFF_2FA"]
    app.config["REQUIRE_STAFF_2FA"] = True
    yield
    app.config["REQUIRE_STAFF_2FA"] = before


def sign_in(page, live_server, email):
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")


def checked(page, live_server, language, axe_path, path) -> list:
    assert page.url.split("?")[0] == live_server + path, page.url
    problems = check_page(page, path, language, axe_path)
    if page.evaluate(PAGE_WIDTH) > PHONE["width"]:
        problems.append(f"{path}: wider than {PHONE['width']} px")
    return problems


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_two_factor_pages_are_accessible(browser, live_server, axe_path, make_user,
                                             frozen_clock, required, language):
    from tracker import clock

    frozen_clock(START)
    user = make_user("coordinator", email=f"totp-{language}@example.org")
    storage_state = switch_language(browser, live_server, language) if language != "nb" else None
    context = new_context(browser, storage_state=storage_state, viewport=PHONE)
    context.add_init_script(path=str(axe_path))
    problems = []
    try:
        page = context.new_page()
        # Signed in with the password, sent to set it up.
        sign_in(page, live_server, user.email)
        problems += checked(page, live_server, language, axe_path, "/account/two-factor/setup")
        assert page.locator(".qr-code-frame svg").count() == 1
        if "SCREENSHOTS" in __import__("os").environ:
            page.screenshot(path=f"/tmp/totp/setup-{language}.png", full_page=True)
        secret = page.locator("#totp-secret").inner_text().replace(" ", "")
        # A wrong code: the error summary and the field's message.
        page.fill("input[name=code]", "000000")
        with page.expect_navigation():
            page.press("input[name=code]", "Enter")
        problems += checked(page, live_server, language, axe_path, "/account/two-factor/setup")
        page.fill("input[name=code]", pyotp.TOTP(secret).at(clock.now()))
        with page.expect_navigation():
            page.press("input[name=code]", "Enter")
        assert page.locator("#recovery-codes li").count() == 10
        problems += checked(page, live_server, language, axe_path, "/account/two-factor/setup")
        recovery = page.locator("#recovery-codes li").first.inner_text().strip()
        if "SCREENSHOTS" in __import__("os").environ:
            page.screenshot(path=f"/tmp/totp/codes-{language}.png", full_page=True)

        # The next sign-in asks for the code, or a recovery code.
        context.clear_cookies()
        if storage_state:
            context.add_cookies([c for c in storage_state["cookies"]])
        frozen_clock(START + timedelta(minutes=1))
        sign_in(page, live_server, user.email)
        problems += checked(page, live_server, language, axe_path, "/account/two-factor/code")
        page.goto(f"{live_server}/account/two-factor/code?with=recovery")
        problems += checked(page, live_server, language, axe_path, "/account/two-factor/code")
        page.fill("input[name=recovery_code]", recovery)
        with page.expect_navigation():
            page.press("input[name=recovery_code]", "Enter")
        assert page.url == live_server + "/", page.url

        # Twenty minutes on, making a token asks again.
        frozen_clock(START + timedelta(minutes=21))
        page.goto(f"{live_server}/account/confirm?next=/account")
        problems += checked(page, live_server, language, axe_path, "/account/confirm")
        page.fill("input[name=code]", pyotp.TOTP(secret).at(clock.now()))
        with page.expect_navigation():
            page.press("input[name=code]", "Enter")
        assert page.url == live_server + "/account", page.url
        for path in ("/account/two-factor/recovery-codes", "/account/two-factor/disable"):
            page.goto(live_server + path)
            problems += checked(page, live_server, language, axe_path, path)
    finally:
        context.close()
    assert not problems, f"{len(problems)} problem(s) in {language}:\n" + "\n".join(
        f"  - {problem}" for problem in problems)
