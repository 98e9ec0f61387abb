"""The account page fits a phone: its tables scroll inside the page, the page does not."""
import pytest

from tests.conftest import PASSWORD

# The live server answers from another thread, so what the test makes must be committed.
pytestmark = [pytest.mark.browser, pytest.mark.committed]

PHONE = {"width": 390, "height": 844}
PAGE_WIDTH = "() => document.documentElement.scrollWidth"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture
def account_holder(make_user, db):
    """A user signed in elsewhere too, with tokens: both tables have rows."""
    from tracker.auth.sessions import open_session
    from tracker.auth.tokens import new_token

    user = make_user("coordinator")
    open_session(user, device="Firefox · Windows", address="2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")
    new_token(user, "Nattlig eksport til regnearket for rapportering", 90)
    db.session.commit()
    return user


def test_the_account_page_fits_390_pixels(browser, live_server, account_holder):
    context = browser.new_context(viewport=PHONE, user_agent=FIREFOX)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/login")
        page.fill("input[name=email]", account_holder.email)
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.press("input[name=password]", "Enter")
        page.goto(f"{live_server}/account")
        assert page.locator("#sign-ins tbody tr").count() == 2
        assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]
        # Each table scrolls in a region a keyboard can reach and a screen reader can name.
        for region in page.locator(".table-scroll").all():
            assert region.get_attribute("tabindex") == "0"
            assert region.get_attribute("role") == "region"
            label = page.locator(f"#{region.get_attribute('aria-labelledby')}")
            assert label.count() == 1 and label.inner_text().strip()
        assert page.locator(".table-scroll").count() == 2
        # The answer that shows a new token (a long word without spaces) fits too.
        page.fill("input[name=name]", "Et skript")
        with page.expect_navigation():
            page.click("form[action$='/account/tokens'] button[type=submit]")
        assert page.locator("#new-token").count() == 1
        assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]
    finally:
        context.close()
