"""What the two-factor tests share: the requirement switched on, enrolment through the pages,
and codes computed as the user's phone would."""
import re
from datetime import datetime, timezone

import pyotp
import pytest

from tests.conftest import PASSWORD, csrf_token

# 09:00:05 UTC: a few seconds into a 30-second time step, so a test's steps are its own.
START = datetime(2026, 3, 2, 9, 0, 5, tzinfo=timezone.utc)


@pytest.fixture
def required(app):
    """Staff must use two-factor (as in production) for this test."""
    before = app.config["REQUIRE_STAFF_2FA"]
    app.config["REQUIRE_STAFF_2FA"] = True
    yield
    app.config["REQUIRE_STAFF_2FA"] = before


@pytest.fixture
def at(frozen_clock):
    """at(datetime): pin the clock there; at START to begin with."""
    frozen_clock(START)
    return frozen_clock


def code_now(secret: str) -> str:
    from tracker import clock

    return pyotp.TOTP(secret).at(clock.now())


def sign_in(client, email, password=PASSWORD, next_url=""):
    return client.post("/login", data={"email": email, "password": password, "next": next_url,
                                       "csrf_token": csrf_token(client)})


def send_code(client, code, **extra):
    page = client.get("/account/two-factor/code", query_string=extra.pop("query", None))
    nonce = re.search(r'name="nonce" type="hidden" value="([^"]*)"', page.get_data(as_text=True))
    data = {"csrf_token": csrf_token(client), "nonce": nonce.group(1) if nonce else ""}
    if "recovery_code" in extra:
        data["recovery_code"] = extra.pop("recovery_code")
    else:
        data["code"] = code
    return client.post("/account/two-factor/code", data=data)


def secret_on_page(html: str) -> str:
    return re.search(r'id="totp-secret"[^>]*>([A-Z2-7 ]+)<', html).group(1).replace(" ", "")


def enrol(client) -> tuple[str, list[str]]:
    """Set up two-factor through the pages as the signed-in client: the secret read off the
    page and the recovery codes shown."""
    page = client.get("/account/two-factor/setup")
    assert page.status_code == 200
    secret = secret_on_page(page.get_data(as_text=True))
    answer = client.post("/account/two-factor/setup",
                         data={"code": code_now(secret), "csrf_token": csrf_token(client)})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", answer.get_data(as_text=True))
    return secret, codes


@pytest.fixture
def enrolled(client, make_user, at, required):
    """A coordinator enrolled through the pages, then signed out: (user, secret, codes)."""
    from tests.conftest import login_as

    user = make_user("coordinator")
    login_as(client, user)
    secret, codes = enrol(client)
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    return user, secret, codes
