"""A staff member who must use two-factor sign-in and has not set it up gets no use of the API
with a token (review of issue 10, finding 2): a token made with the password alone must not be
a way around the code the pages ask for."""
import json
import logging

import pyotp
import pytest

from tracker.auth.tokens import new_token

EN = {"Accept-Language": "en"}


@pytest.fixture
def required(app):
    saved = app.config["REQUIRE_STAFF_2FA"]
    app.config["REQUIRE_STAFF_2FA"] = True
    yield
    app.config["REQUIRE_STAFF_2FA"] = saved


def bearer(db, user) -> dict:
    _token, secret = new_token(user, "script")
    db.session.commit()
    return {"Authorization": f"Bearer {secret}", **EN}


def test_staff_without_two_factor_are_refused_with_a_clear_problem(client, db, make_user,
                                                                   required, caplog):
    coordinator = make_user("coordinator")
    headers = bearer(db, coordinator)
    with caplog.at_level(logging.INFO, logger="tracker.security"):
        response = client.get("/api/v1/cohorts", headers=headers)
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 403
    assert body["detail"] == "Set up two-factor sign-in in the pages before you use the API."
    events = [json.loads(r.message) for r in caplog.records if r.name == "tracker.security"]
    assert any(e["event"] == "api_token_refused" and e["user_id"] == coordinator.id
               and e["reason"] == "two_factor_not_set_up" for e in events)
    # A write is refused the same way, and changes nothing.
    response = client.post("/api/v1/cohorts", json={}, headers=headers)
    assert response.status_code == 403


def test_the_refusal_is_in_the_readers_language(client, db, make_user, required):
    headers = {**bearer(db, make_user("admin")), "Accept-Language": "nn"}
    response = client.get("/api/v1/cohorts", headers=headers)
    assert response.status_code == 403
    assert response.get_json()["detail"] == ("Set opp innlogging med to faktorar på sidene før du "
                                             "brukar API-et.")


def test_staff_with_two_factor_and_others_keep_their_tokens(client, db, make_user, required):
    coordinator = make_user("coordinator")
    coordinator.totp_secret = pyotp.random_base32()
    db.session.commit()
    assert client.get("/api/v1/cohorts", headers=bearer(db, coordinator)).status_code == 200
    # Leaders are not required to use two-factor.
    assert client.get("/api/v1/cohorts", headers=bearer(db, make_user("agency"))).status_code == 200


def test_without_the_requirement_staff_tokens_work(client, db, make_user):
    headers = bearer(db, make_user("coordinator"))
    assert client.get("/api/v1/cohorts", headers=headers).status_code == 200
