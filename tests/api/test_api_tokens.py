"""Personal access tokens: made on the account page or the command line, shown once, stored
as a hash, revoked; and the API's answer to every way of not being signed in."""
import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token, login_as
from tests.html import read
from tracker import clock
from tracker.auth.models import ApiToken
from tracker.auth.tokens import new_token

EN = {"Accept-Language": "en"}


def token_count(db):
    return db.session.scalar(select(func.count(ApiToken.id)))


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}", **EN}


def make_token(db, user, name="script"):
    token, secret = new_token(user, name)
    db.session.commit()
    return token, secret


def assert_unauthorized(response):
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    body = response.get_json()
    assert body["status"] == 401 and body["type"] == "about:blank" and body["title"] and body["detail"]


# The account page


@pytest.fixture
def signed_in(client, make_user, make_organisation):
    user = make_user("agency", organisation=make_organisation(name_nb="Utdanningsdirektoratet"))
    login_as(client, user)
    client.user = user
    return client


def test_the_account_page_shows_who_you_are_and_your_tokens(signed_in, db):
    make_token(db, signed_in.user, name="Rapportskript")
    response = signed_in.get("/account", headers=EN)
    assert response.status_code == 200
    page = read(response.data)
    assert signed_in.user.email in page.text
    assert "Group leader" in page.text and "Utdanningsdirektoratet" in page.text
    assert page.all("a", href="/account/password")
    assert "Rapportskript" in page.text
    assert page.all("form", action="/account/tokens")
    assert page.count("h1") == 1


def test_the_account_page_is_for_signed_in_users(client):
    response = client.get("/account")
    assert response.status_code == 302 and "/login?next=/account" in response.headers["Location"]


def test_a_new_token_is_shown_once_and_only_its_hash_is_kept(signed_in, db):
    response = signed_in.post("/account/tokens", data={"name": "  Rapportskript  ",
                                                       "csrf_token": csrf_token(signed_in)},
                              headers=EN)
    assert response.status_code == 200
    page = read(response.data)
    assert page.all("code", id="new-token"), "the new token is on the answer to the POST"
    html = response.get_data(as_text=True)
    secret = html.split('<code id="new-token">')[1].split("</code>")[0]
    assert len(secret) >= 40
    assert "Copy it now" in page.text

    token = db.session.scalar(select(ApiToken))
    assert token.user_id == signed_in.user.id and token.name == "Rapportskript"
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith(token.prefix) and len(token.prefix) < len(secret)
    assert token.revoked_at is None and token.last_used_at is None
    # Never again: not on the next page, not in a flash message in the session cookie.
    assert secret not in signed_in.get("/account").get_data(as_text=True)
    with signed_in.session_transaction() as session:
        assert secret not in repr(dict(session))
    # And it works.
    assert signed_in.get("/api/v1/organisations", headers=bearer(secret)).status_code == 200


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_token_needs_a_name_of_at_most_100_characters(signed_in, db, name):
    response = signed_in.post("/account/tokens", data={"name": name, "csrf_token": csrf_token(signed_in)})
    assert response.status_code == 400
    page = read(response.data)
    assert page.all("input", id="name")[0].get("aria-invalid") == "true"
    assert page.all("div", **{"class": "ds-error-summary"})
    assert not page.all("code", id="new-token")
    if name.strip():
        assert page.all("input", id="name")[0]["value"] == name  # keeps what was typed
    assert token_count(db) == 0


def test_making_a_token_needs_the_csrf_token(signed_in, db):
    response = signed_in.post("/account/tokens", data={"name": "Rapportskript"})
    assert response.status_code == 400
    assert token_count(db) == 0


def test_revoking_a_token_stops_it_working(signed_in, db):
    token, secret = make_token(db, signed_in.user)
    assert signed_in.get("/api/v1/organisations", headers=bearer(secret)).status_code == 200
    response = signed_in.post(f"/account/tokens/{token.id}/revoke",
                              data={"csrf_token": csrf_token(signed_in)})
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    db.session.refresh(token)
    assert token.revoked_at is not None
    assert_unauthorized(signed_in.get("/api/v1/organisations", headers=bearer(secret)))
    page = read(signed_in.get("/account", headers=EN).data)
    assert "Revoked" in page.text
    assert not page.all("form", action=f"/account/tokens/{token.id}/revoke")


def test_another_users_token_cannot_be_revoked(signed_in, db, make_user):
    other = make_user("coordinator")
    token, _secret = make_token(db, other, name="Koordinatorens skript")
    response = signed_in.post(f"/account/tokens/{token.id}/revoke",
                              data={"csrf_token": csrf_token(signed_in)})
    assert response.status_code == 404
    db.session.refresh(token)
    assert token.revoked_at is None
    assert "Koordinatorens skript" not in read(signed_in.get("/account").data).text
    assert signed_in.post("/account/tokens/999999/revoke",
                          data={"csrf_token": csrf_token(signed_in)}).status_code == 404


def test_revoking_needs_the_csrf_token(signed_in, db):
    token, _secret = make_token(db, signed_in.user)
    assert signed_in.post(f"/account/tokens/{token.id}/revoke").status_code == 400
    db.session.refresh(token)
    assert token.revoked_at is None


# The command line


class TestCommandLine:
    def run(self, app, *args):
        return app.test_cli_runner().invoke(args=["users", "token", *args])

    def test_prints_a_token_that_works(self, app, client, db, make_user):
        user = make_user("coordinator", email="kari@example.org")
        result = self.run(app, "Kari@Example.org", "--name", "Nattlig eksport")
        assert result.exit_code == 0, result.output
        secret = result.output.split("Token: ")[1].strip()
        token = db.session.scalar(select(ApiToken))
        assert token.user_id == user.id and token.name == "Nattlig eksport"
        assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert client.get("/api/v1/cohorts", headers=bearer(secret)).status_code == 200

    def test_the_name_has_a_default(self, app, db, make_user):
        make_user("coordinator", email="kari@example.org")
        assert self.run(app, "kari@example.org").exit_code == 0
        assert db.session.scalar(select(ApiToken.name)) == "Command line"

    def test_an_unknown_user_gets_no_token(self, app, db):
        result = self.run(app, "nobody@example.org")
        assert result.exit_code != 0 and "nobody@example.org" in result.output
        assert token_count(db) == 0

    def test_a_deactivated_user_gets_no_token(self, app, db, make_user):
        from tracker.users.services import deactivate

        user = make_user("coordinator", email="kari@example.org")
        deactivate(user)
        db.session.commit()
        result = self.run(app, "kari@example.org")
        assert result.exit_code != 0 and "deactivated" in result.output
        assert token_count(db) == 0

    def test_a_name_over_100_characters_is_refused(self, app, db, make_user):
        make_user("coordinator", email="kari@example.org")
        result = self.run(app, "kari@example.org", "--name", "x" * 101)
        assert result.exit_code != 0 and "name" in result.output
        assert token_count(db) == 0


# Signing in to the API


def test_no_token_is_a_401_problem(client):
    response = client.get("/api/v1/cohorts", headers=EN)
    assert_unauthorized(response)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="tracker"'


@pytest.mark.parametrize("header", [
    "Bearer not-a-token-we-made",
    "Bearer ",
    "Basic a2FyaTpoZW1tZWxpZw==",
    "bearer",
])
def test_a_wrong_or_malformed_token_is_a_401_problem(client, db, make_user, header):
    make_token(db, make_user("admin"))
    assert_unauthorized(client.get("/api/v1/cohorts", headers={"Authorization": header}))


def test_a_wrong_token_is_called_invalid(client):
    response = client.get("/api/v1/cohorts", headers=bearer("not-a-token-we-made"))
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_the_scheme_is_read_without_regard_to_case(client, db, make_user):
    _token, secret = make_token(db, make_user("admin"))
    assert client.get("/api/v1/cohorts", headers={"Authorization": f"bearer {secret}"}).status_code == 200


def test_a_deactivated_users_token_is_refused(client, db, make_user):
    from tracker.users.services import deactivate

    user = make_user("coordinator")
    _token, secret = make_token(db, user)
    assert client.get("/api/v1/cohorts", headers=bearer(secret)).status_code == 200
    deactivate(user)
    db.session.commit()
    assert_unauthorized(client.get("/api/v1/cohorts", headers=bearer(secret)))


def test_the_session_cookie_never_signs_in_to_the_api(client, db, make_user):
    """So a page on another site cannot make a signed-in browser call the API (no CSRF)."""
    user = make_user("admin")
    login_as(client, user)
    assert client.get("/").status_code == 200  # signed in for the pages
    assert_unauthorized(client.get("/api/v1/cohorts", headers=EN))
    response = client.post("/api/v1/cohorts", json={"label": "Kull 9"}, headers=EN)
    assert_unauthorized(response)


def test_with_a_cookie_and_a_token_the_token_decides(client, db, make_user):
    coordinator, agency = make_user("coordinator"), make_user("agency")
    login_as(client, coordinator)
    _token, secret = make_token(db, agency)
    # The agency leader's token: writing is refused, though the cookie is a coordinator's.
    response = client.post("/api/v1/cohorts", json={}, headers=bearer(secret))
    assert response.status_code == 403
    assert "Set-Cookie" not in response.headers


def test_api_answers_set_no_cookie(client, db, make_user):
    _token, secret = make_token(db, make_user("admin"))
    response = client.get("/api/v1/cohorts", headers=bearer(secret))
    assert response.status_code == 200 and "Set-Cookie" not in response.headers


def test_the_last_use_is_noted_at_most_once_a_minute(client, db, make_user):
    token, secret = make_token(db, make_user("admin"))
    before = clock.now()
    client.get("/api/v1/cohorts", headers=bearer(secret))
    db.session.refresh(token)
    first = token.last_used_at
    assert first is not None and first >= before - timedelta(seconds=1)

    client.get("/api/v1/cohorts", headers=bearer(secret))
    db.session.refresh(token)
    assert token.last_used_at == first  # within the minute: not written again

    token.last_used_at = first - timedelta(minutes=2)
    db.session.commit()
    client.get("/api/v1/cohorts", headers=bearer(secret))
    db.session.refresh(token)
    assert token.last_used_at > first - timedelta(minutes=2)
