"""Fixtures for tests that drive a real browser: a live server and headless Chromium.

The browser is Debian's Chromium at /usr/bin/chromium, driven by Playwright (no browser download),
and axe-core comes from node_modules. Without either the browser tests are skipped with a reason,
unless REQUIRE_BROWSER is set (as in CI), where a missing browser is a failure.
"""
import os
import threading
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
