"""Who must set up two-factor, and where they may go before they have."""
from datetime import timedelta

import pytest
from flask import session
from sqlalchemy import select

from tests.conftest import PASSWORD, csrf_token, login_as
from tests.two_factor.conftest import START, enrol, sign_in
from tracker.auth.models import SignInSession
from tracker.extensions import db

SETUP = "/account/two-factor/setup"


@pytest.mark.parametrize("path", ["/", "/organisations/", "/people/", "/account",
                                  "/account/password",
                                  "/account/two-factor/recovery-codes", "/admin/users/"])
def test_staff_without_two_factor_are_sent_to_set_it_up(client, make_user, required, path):
    user = make_user("admin")
    answer = sign_in(client, user.email)
    assert answer.status_code == 302  # signed in, with the password
    answer = client.get(path)
    assert answer.status_code == 302 and answer.headers["Location"] == SETUP


def test_what_staff_without_two_factor_may_still_reach(client, make_user, required):
    user = make_user("coordinator")
    sign_in(client, user.email)
    assert client.get(SETUP).status_code == 200
    assert client.get("/healthz").status_code in (200, 503)
    assert client.get("/static/css/tracker.css").status_code == 200
    answer = client.post("/language", data={"lang": "en", "next": "/",
                                            "csrf_token": csrf_token(client)})
    assert answer.status_code == 302
    answer = client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert answer.headers["Location"] == "/login"
    assert client.get("/").headers["Location"].startswith("/login")


def test_after_enrolling_the_staff_member_goes_on(client, make_user, at, required):
    user = make_user("coordinator")
    sign_in(client, user.email)
    enrol(client)
    assert client.get("/organisations/").status_code == 200
    record = db.session.scalars(select(SignInSession).where(SignInSession.user_id == user.id)).one()
    assert record.method == "password+totp"


@pytest.mark.parametrize("role", ["agency", "ministry"])
def test_agency_and_ministry_users_are_never_asked(client, make_user, required, role):
    user = make_user(role)
    answer = sign_in(client, user.email)
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    assert client.get("/").status_code in (200, 302)
    assert client.get("/").headers.get("Location") != SETUP


def test_with_the_requirement_off_staff_are_not_asked(client, make_user, app):
    assert app.config["REQUIRE_STAFF_2FA"] is False  # the tests' configuration, as development
    user = make_user("admin")
    sign_in(client, user.email)
    assert client.get("/organisations/").status_code == 200


def test_a_provider_that_asserted_two_factors_is_not_asked_again(app, make_user, required):
    """The single sign-on helper ends with sign_in_and_redirect(..., second_factor_done=True)."""
    from tracker.auth.signin import sign_in_and_redirect

    user = make_user("coordinator")
    with app.test_request_context("/sso/entra/callback"):
        answer = sign_in_and_redirect(user, method="oidc:entra+mfa", next_url="/organisations/",
                                      second_factor_done=True)
        assert answer.headers["Location"] == "/organisations/"
        assert "first_factor" not in session
    db.session.commit()
    record = db.session.scalars(select(SignInSession).where(SignInSession.user_id == user.id)).one()
    assert record.method == "oidc:entra+mfa"


def test_a_provider_that_did_not_assert_two_factors_is_followed_by_the_code(
        app, client, make_user, at, required):
    from tracker.auth.signin import sign_in_and_redirect

    user = make_user("coordinator")
    login_as(client, user)
    enrol(client)
    db.session.expire_all()
    with app.test_request_context("/sso/entra/callback"):
        answer = sign_in_and_redirect(user, method="oidc:entra", next_url="/")
        assert answer.headers["Location"] == "/account/two-factor/code"
        assert session["first_factor"]["method"] == "oidc:entra"


def test_the_code_step_keeps_the_remembered_device(client, make_user, at, required):
    """The password was right: the browser is remembered for the password throttle, as before."""
    user = make_user("coordinator")
    login_as(client, user)
    enrol(client)
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    at(START + timedelta(minutes=1))
    answer = sign_in(client, user.email, PASSWORD)
    assert "device=" in answer.headers.get("Set-Cookie", "")


def test_setting_up_long_after_the_password_asks_for_it_again(client, make_user, at, required):
    user = make_user("coordinator")
    sign_in(client, user.email)
    at(START + timedelta(minutes=16))
    answer = client.get(SETUP)
    assert answer.headers["Location"] == f"/account/confirm?next={SETUP}"
    assert client.get(answer.headers["Location"]).status_code == 200
    answer = client.post("/account/confirm", data={"password": PASSWORD, "next": SETUP,
                                                   "csrf_token": csrf_token(client)})
    assert answer.headers["Location"] == SETUP
    assert client.get(SETUP).status_code == 200
