"""Changing one's password: every mistake shown at once, and guesses of the current password
throttled like failed sign-ins."""
import logging

import pytest

from tests.auth.conftest import logged
from tests.auth.test_sign_in import sign_in
from tests.conftest import PASSWORD, csrf_token, login_as
from tests.html import read

WRONG = "not the password at all"
NEW = "et helt nytt og langt passord"


def change(client, current, new=NEW, repeat=None):
    return client.post("/account/password", data={
        "current_password": current, "new_password": new,
        "confirm_password": new if repeat is None else repeat, "csrf_token": csrf_token(client)})


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


@pytest.fixture
def user(make_user):
    return make_user("coordinator")


def test_three_mistakes_are_reported_together(client, user):
    login_as(client, user)
    response = change(client, WRONG, "kort", "noe annet")
    assert response.status_code == 400
    page = read(response.data)
    assert "Det nåværende passordet er feil." in page.text
    assert "minst 12 tegn" in page.text
    assert "De to nye passordene er ikke like." in page.text
    for field in ("current_password", "new_password", "confirm_password"):
        assert page.all("input", id=field)[0].get("aria-invalid") == "true", field


def test_guessing_the_current_password_is_throttled_and_ends_the_session(app, client, user,
                                                                          caplog):
    login_as(client, user)
    copy = app.test_client()  # the same sign-in, as a copied cookie carries it
    copy.set_cookie("session", client.get_cookie("session").value)
    for _ in range(4):
        assert change(client, WRONG).status_code == 400
    with caplog.at_level(logging.INFO, logger="tracker.security"):
        refused = change(client, WRONG)
    assert refused.status_code == 429
    assert 14 * 60 < int(refused.headers["Retry-After"]) <= 15 * 60
    page = read(refused.data)
    assert "Vent 15 minutter og logg inn igjen" in page.text
    assert page.all("div", id="throttled")[0]["data-color"] == "warning"
    assert not page.all("div", id="error-summary")
    assert logged(caplog, event="password_change_throttled", user_id=user.id)
    assert logged(caplog, event="session_ended", reason="password_guessing", user_id=user.id)
    assert not signed_in(client)
    assert not signed_in(copy)  # the sign-in itself is over, not only this cookie
    # The same count as failed sign-ins: this browser may not sign in and guess on either.
    assert sign_in(client, user.email, PASSWORD).status_code == 429


def test_while_throttled_even_the_right_password_is_not_checked(app, client, user, caplog):
    login_as(client, user)
    guesser = app.test_client()  # same address, the account's own sign-in page
    for _ in range(5):
        sign_in(guesser, user.email, WRONG)
    with caplog.at_level(logging.INFO, logger="tracker.security"):
        refused = change(client, PASSWORD)
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers
    page = read(refused.data)
    assert "For mange feil passord. Vent 15 minutter og prøv igjen." in page.text
    assert page.all("div", id="throttled")
    assert logged(caplog, event="password_change_throttled", user_id=user.id)
    assert not logged(caplog, event="password_changed")
    # Not this browser's guesses: its sign-in goes on.
    assert signed_in(client)


def test_a_success_never_counts(client, user):
    login_as(client, user)
    for _ in range(4):
        assert change(client, WRONG).status_code == 400
    assert change(client, PASSWORD).status_code == 302
    for _ in range(4):  # the browser's own count was cleared by the success
        assert change(client, WRONG, "enda et nytt og langt passord").status_code == 400
    assert signed_in(client)


def test_mistakes_other_than_the_current_password_do_not_count(client, user):
    login_as(client, user)
    for _ in range(8):
        assert change(client, PASSWORD, "kort").status_code == 400
    assert signed_in(client)
    assert change(client, PASSWORD).status_code == 302
