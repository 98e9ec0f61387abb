"""Sign-in throttling: failures only, per account and address, and no lockout of the owner."""
import logging
import socket

from tests.auth.conftest import logged
from tests.auth.test_sign_in import sign_in
from tests.conftest import PASSWORD, csrf_token
from tests.html import read

WRONG = "not the password at all"


def browser_at(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def sign_out(client):
    client.post("/logout", data={"csrf_token": csrf_token(client)})


def test_successful_sign_ins_never_count(app, client, make_user):
    user = make_user("coordinator")
    for _ in range(8):  # more than the five failures allowed
        assert sign_in(client, user.email, PASSWORD).status_code == 302
        sign_out(client)


def test_a_success_clears_the_browsers_own_failures(client, make_user):
    user = make_user("coordinator")
    for _ in range(4):
        assert sign_in(client, user.email, WRONG).status_code == 400
    assert sign_in(client, user.email, PASSWORD).status_code == 302
    sign_out(client)
    for _ in range(4):
        assert sign_in(client, user.email, WRONG).status_code == 400


def test_the_refusal_says_how_long_to_wait_in_the_users_language(app, make_user, caplog):
    user = make_user("coordinator")
    guesser = browser_at(app, "203.0.113.5")
    for _ in range(5):
        sign_in(guesser, user.email, WRONG)
    with caplog.at_level(logging.INFO, logger="tracker.security"):
        refused = sign_in(guesser, user.email, PASSWORD)
    assert refused.status_code == 429
    assert 14 * 60 < int(refused.headers["Retry-After"]) <= 15 * 60
    page = read(refused.data)
    assert "Vent 15 minutter og prøv igjen" in page.text
    # An alert of its own, not an error summary asking to correct what is not wrong.
    assert page.all("div", id="throttled")[0]["data-color"] == "warning"
    assert not page.all("div", id="error-summary")
    assert "Rett opp" not in page.text
    guesser.post("/language", data={"lang": "en", "csrf_token": csrf_token(guesser)})
    with guesser.session_transaction() as session:
        session["lang"] = "en"
    assert "Wait 15 minutes and try again" in read(sign_in(guesser, user.email, PASSWORD).data).text
    assert logged(caplog, event="sign_in_throttled", user_id=user.id)
    assert user.email not in caplog.text


def test_a_stranger_cannot_lock_out_the_owner(app, make_user):
    user = make_user("coordinator")
    stranger = browser_at(app, "203.0.113.5")
    for _ in range(5):
        assert sign_in(stranger, user.email, WRONG).status_code == 400
    assert sign_in(stranger, user.email, PASSWORD).status_code == 429
    owner = browser_at(app, "198.51.100.20")
    assert sign_in(owner, user.email, PASSWORD).status_code == 302


def test_many_addresses_guessing_one_account_do_not_lock_out_the_owners_browser(app, make_user,
                                                                                monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "6 per hour")
    user = make_user("coordinator")
    owner = browser_at(app, "198.51.100.20")
    assert sign_in(owner, user.email, PASSWORD).status_code == 302  # this browser is known now
    sign_out(owner)
    for n in range(3):  # a botnet: two guesses from each of three addresses
        bot = browser_at(app, f"203.0.113.{n + 1}")
        for _ in range(2):
            assert sign_in(bot, user.email, WRONG).status_code == 400
    # The account is now slowed for every browser it has not signed in from …
    assert sign_in(browser_at(app, "192.0.2.99"), user.email, PASSWORD).status_code == 429
    # … but not for the owner's, even from an address the guessers used.
    owner.environ_base["REMOTE_ADDR"] = "203.0.113.1"
    assert sign_in(owner, user.email, PASSWORD).status_code == 302


def test_a_known_browser_is_still_limited_on_its_own(app, make_user):
    user = make_user("coordinator")
    owner = browser_at(app, "198.51.100.20")
    sign_in(owner, user.email, PASSWORD)
    sign_out(owner)
    for _ in range(5):
        assert sign_in(owner, user.email, WRONG).status_code == 400
    assert sign_in(owner, user.email, PASSWORD).status_code == 429


def test_a_forged_device_cookie_is_ignored(app, make_user):
    user = make_user("coordinator")
    stranger = browser_at(app, "203.0.113.5")
    stranger.set_cookie("device", "eyJhY2NvdW50IjoieCJ9.forged")
    for _ in range(5):
        sign_in(stranger, user.email, WRONG)
    assert sign_in(stranger, user.email, PASSWORD).status_code == 429


def test_failures_are_logged_by_user_id_without_the_email(client, make_user, caplog):
    user = make_user("coordinator")
    with caplog.at_level(logging.INFO, logger="tracker.security"):
        sign_in(client, user.email, WRONG)
        sign_in(client, "nobody@example.org", WRONG)
        sign_in(client, user.email, PASSWORD)
    assert logged(caplog, event="sign_in_failed", user_id=user.id)
    assert logged(caplog, event="sign_in_failed")  # an unknown address: no user id
    assert logged(caplog, event="signed_in", user_id=user.id)
    assert "example.org" not in caplog.text


def closed_port() -> int:
    """A port on this machine where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_with_redis_down_sign_in_still_works_and_still_throttles(monkeypatch, tmp_path):
    from flask_migrate import upgrade

    from config import TestConfig
    from tests.conftest import IsolatedClient
    from tracker import create_app
    from tracker.auth import throttle
    from tracker.extensions import db, limiter
    from tracker.roles import Role
    from tracker.users.services import create_user

    # The limiter is one object for every app in this process: put back the suite's storage.
    for name in ("_storage", "_limiter", "_storage_options"):
        monkeypatch.setattr(limiter, name, getattr(limiter, name))
    monkeypatch.setattr(limiter, "_storage_options", {})
    throttle.forget_memory()

    class RedisDown(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path}/redis-down.sqlite"
        RATELIMIT_STORAGE_URI = f"redis://127.0.0.1:{closed_port()}/0"
        RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
        PROPAGATE_EXCEPTIONS = True  # a 500 would show as the error itself

    app = create_app(RedisDown)
    app.test_client_class = IsolatedClient
    try:
        with app.app_context():
            upgrade()
            create_user("kari@example.org", Role.COORDINATOR, password=PASSWORD)
            db.session.commit()
            db.session.remove()
        client = app.test_client()
        for _ in range(5):
            assert sign_in(client, "kari@example.org", WRONG).status_code == 400
        assert sign_in(client, "kari@example.org", PASSWORD).status_code == 429
        assert throttle._shared_down_until > 0  # it did try Redis, and counted in memory
        owner = browser_at(app, "198.51.100.20")
        assert sign_in(owner, "kari@example.org", PASSWORD).status_code == 302
        assert owner.get("/account").status_code == 200
    finally:
        throttle.forget_memory()
        with app.app_context():
            db.engine.dispose()


def test_attempts_at_the_same_moment_are_counted_before_any_password_is_checked(app, make_user):
    """Ten sign-ins sent at once all reach the limit's check before any has failed: each takes
    its place in the count first, so only the five allowed go on to a password check."""
    from tracker.auth import throttle

    user = make_user("coordinator")
    with app.test_request_context("/login", method="POST", environ_base={"REMOTE_ADDR": "192.0.2.9"}):
        taken = [throttle.take_attempt(user.email) for _ in range(10)]
    assert taken[:5] == [None] * 5
    assert all(isinstance(wait, int) and wait > 0 for wait in taken[5:])


def test_the_wait_is_real_time_whatever_day_the_clock_is_pinned_to(app, make_user, frozen_clock):
    """The limiter stamps its windows in real time: a test (or the demo seed) that pins the
    programme's clock to 2016 still gets a wait of minutes, not of years."""
    from datetime import date

    user = make_user("coordinator")
    frozen_clock(date(2016, 9, 1))
    guesser = browser_at(app, "203.0.113.77")
    for _ in range(5):
        sign_in(guesser, user.email, WRONG)
    refused = sign_in(guesser, user.email, PASSWORD)
    assert refused.status_code == 429
    assert 14 * 60 < int(refused.headers["Retry-After"]) <= 15 * 60
