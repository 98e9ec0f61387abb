"""Fixtures for tests that drive a real browser: a live server and headless Chromium.

The browser is Debian's Chromium at /usr/bin/chromium, driven by Playwright (no browser download),
and axe-core comes from node_modules. Without either the browser tests are skipped with a reason,
unless REQUIRE_BROWSER is set (as in CI), where a missing browser is a failure.
"""
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _missing(reason: str) -> None:
    """Skip the browser tests, or fail them when REQUIRE_BROWSER says they must run."""
    if os.environ.get("REQUIRE_BROWSER", "") not in ("", "0"):
        pytest.fail(f"{reason}, and REQUIRE_BROWSER is set", pytrace=False)
    pytest.skip(f"{reason} (set REQUIRE_BROWSER=1 to make this a failure)")


# A desktop and a phone: the widths the pages made for a test of their own are checked at.
WIDTHS = [{"width": 1280, "height": 900}, {"width": 390, "height": 844}]
PAGE_WIDTH = "() => document.documentElement.scrollWidth"


@pytest.fixture(scope="session")
def axe_path() -> Path:
    if not AXE.is_file():
        _missing(f"axe-core is not installed at {AXE}; run `npm ci` (or `make test`)")
    return AXE


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium for the whole run."""
    if not CHROMIUM.exists():
        _missing(f"no browser at {CHROMIUM}; install Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def live_server(app):
    """The test app served over HTTP on a free port; yields its base URL.

    In-memory SQLite shares one connection across threads (Flask-SQLAlchemy uses a StaticPool),
    so the server sees what a test committed; on PostgreSQL it is this run's own database.
    """
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def demo(db, demo_apps):
    """The demo programme as loaded today, committed so the live server sees it (the `db` fixture
    empties it): a copy of the one `demo_apps` loaded for the run, which is the same rows."""
    from tests.conftest import copy_all_rows
    from tracker import clock
    from tracker.extensions import db as _db

    with demo_apps(clock.today()).app_context():
        loaded = _db.engine
    copy_all_rows(loaded, db.engine)
    yield
    db.session.rollback()


def signed_in_at_each_width(browser, live_server, axe_path, language: str, email: str) -> Iterator:
    """(page, viewport) for each of WIDTHS: a tab of its own in `language` (switched with the
    language button), signed in as `email`, with axe in every page it opens; closed after."""
    from tests.browser.test_accessibility import new_context, switch_language
    from tests.browser.test_two_factor_pages import sign_in

    storage_state = switch_language(browser, live_server, language) if language != "nb" else None
    for viewport in WIDTHS:
        context = new_context(browser, storage_state=storage_state, viewport=viewport)
        context.add_init_script(path=str(axe_path))
        try:
            page = context.new_page()
            sign_in(page, live_server, email)
            yield page, viewport
        finally:
            context.close()


def accessible_and_fits(page, path: str, language: str, axe_path, viewport) -> list:
    """The axe walk's checks of the page open in `page` (tests/browser/test_accessibility.py),
    and whether it scrolls sideways in `viewport`."""
    from tests.browser.test_accessibility import check_page

    problems = check_page(page, path, language, axe_path)
    if page.evaluate(PAGE_WIDTH) > viewport["width"]:
        problems.append(f"{path}: wider than {viewport['width']} px")
    return problems
