import pytest

from tests.conftest import PASSWORD, csrf_token, login_as
from tests.html import read


def sign_in_session_of(secret):
    from sqlalchemy import select

    from tracker.auth.models import SignInSession
    from tracker.auth.sessions import hash_secret
    from tracker.extensions import db

    return db.session.scalar(select(SignInSession).where(SignInSession.secret_hash == hash_secret(secret)))


def sign_in(client, email, password, next_url=""):
    return client.post("/login", data={"email": email, "password": password, "next": next_url,
                                       "csrf_token": csrf_token(client)})


def test_signing_in_with_the_form_goes_where_the_user_was_going(client, make_user):
    user = make_user("coordinator")
    response = client.get("/organisations/")
    assert response.status_code == 302 and "/login?next=/organisations/" in response.headers["Location"]
    response = sign_in(client, user.email, PASSWORD, next_url="/organisations/")
    assert response.status_code == 302 and response.headers["Location"] == "/organisations/"
    assert client.get("/organisations/").status_code == 200


def test_email_is_matched_without_regard_to_case_or_spaces(client, make_user):
    make_user("coordinator", email="kari.nordmann@example.org")
    assert sign_in(client, "  Kari.Nordmann@EXAMPLE.org ", PASSWORD).status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                    "//["])  # not even an address: once a 500 after the commit
def test_next_is_followed_only_within_the_app(client, make_user, target):
    user = make_user("coordinator")
    assert sign_in(client, user.email, PASSWORD, next_url=target).headers["Location"] == "/"


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(client, make_user):
    user = make_user("coordinator")
    wrong_password = sign_in(client, user.email, "not the password at all")
    unknown_email = sign_in(client, "nobody@example.org", "not the password at all")
    assert wrong_password.status_code == unknown_email.status_code == 400
    for response in (wrong_password, unknown_email):
        assert "Feil e-post eller passord." in read(response.data).text
    assert client.get("/").status_code == 302


def test_a_deactivated_user_cannot_sign_in(client, make_user, db):
    from tracker.users.services import deactivate

    user = make_user("coordinator")
    deactivate(user)
    db.session.commit()
    assert sign_in(client, user.email, PASSWORD).status_code == 400


def test_signing_in_starts_a_fresh_session(client, make_user):
    user = make_user("coordinator")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    sign_in(client, user.email, PASSWORD)
    with client.session_transaction() as session:
        assert "planted" not in session
        secret = session["_user_id"]
    # The cookie names a sign-in session of the user by its secret, not the user by their id.
    assert secret != str(user.id) and len(secret) >= 40
    assert sign_in_session_of(secret).user_id == user.id


def test_a_deactivated_user_is_signed_out_at_the_next_request(client, make_user, db):
    from tracker.users.services import deactivate

    user = make_user("coordinator")
    login_as(client, user)
    assert client.get("/").status_code == 200
    deactivate(user)
    db.session.commit()
    assert "/login" in client.get("/").headers["Location"]


def test_signing_out_is_a_post_and_ends_the_session(client, make_user):
    login_as(client, make_user("coordinator"))
    assert client.get("/logout").status_code == 405
    assert client.post("/logout", data={"csrf_token": csrf_token(client)}).status_code == 302
    assert "/login" in client.get("/").headers["Location"]


def test_a_post_without_csrf_token_is_refused_and_changes_nothing(client, make_user):
    login_as(client, make_user("coordinator"))
    response = client.post("/logout")
    assert response.status_code == 400
    assert client.get("/").status_code == 200  # still signed in


def test_a_forged_session_cookie_is_ignored(client, make_user):
    make_user("coordinator")
    client.set_cookie("session", "eyJfdXNlcl9pZCI6IjE6MSJ9.forged.signature")
    assert "/login" in client.get("/").headers["Location"]


def test_too_many_attempts_on_one_account_are_throttled(client, make_user):
    user = make_user("coordinator")
    for _ in range(5):
        assert sign_in(client, user.email, "wrong password again").status_code == 400
    throttled = sign_in(client, user.email, PASSWORD)  # even the right password must wait
    assert throttled.status_code == 429
    assert "For mange forsøk" in read(throttled.data).text
    other = make_user("coordinator")
    assert sign_in(client, other.email, PASSWORD).status_code == 302  # other accounts are not locked


def test_too_many_attempts_from_one_address_are_throttled(app, client, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ADDRESS", "3 per 15 minutes")
    for n in range(3):
        sign_in(client, f"guess{n}@example.org", "wrong password again")
    assert sign_in(client, "guess9@example.org", "wrong password again").status_code == 429


class TestChangePassword:
    def post(self, client, current, new, repeat=None):
        return client.post("/account/password", data={
            "current_password": current, "new_password": new, "confirm_password": repeat or new,
            "csrf_token": csrf_token(client)})

    @pytest.mark.parametrize("new, message", [
        ("kort", "minst 12 tegn"),
        ("password1234", "for vanlig"),
        ("aaaaaaaaaaaaaaaa", "for vanlig"),
    ])
    def test_weak_passwords_are_refused_next_to_the_field(self, client, make_user, new, message):
        login_as(client, make_user("coordinator"))
        response = self.post(client, PASSWORD, new)
        assert response.status_code == 400
        page = read(response.data)
        assert message in page.text
        assert page.all("input", id="new_password")[0].get("aria-invalid") == "true"

    def test_the_current_password_must_be_right(self, client, make_user, db):
        user = make_user("coordinator")
        login_as(client, user)
        assert self.post(client, "gjetting som er feil", "et helt nytt og langt passord").status_code == 400
        assert sign_in(client.application.test_client(), user.email, PASSWORD).status_code == 302

    def test_repeats_must_match(self, client, make_user):
        login_as(client, make_user("coordinator"))
        assert self.post(client, PASSWORD, "et helt nytt og langt passord", "noe annet helt").status_code == 400

    def test_a_new_password_signs_out_every_other_session(self, app, client, make_user):
        user = make_user("coordinator")
        elsewhere = app.test_client()
        sign_in(elsewhere, user.email, PASSWORD)
        sign_in(client, user.email, PASSWORD)
        assert self.post(client, PASSWORD, "et helt nytt og langt passord").status_code == 302
        assert client.get("/").status_code == 200
        assert "/login" in elsewhere.get("/").headers["Location"]
        fresh = app.test_client()
        assert sign_in(fresh, user.email, PASSWORD).status_code == 400
        assert sign_in(fresh, user.email, "et helt nytt og langt passord").status_code == 302


def test_an_expired_session_is_refused(app, client, make_user, monkeypatch):
    import time

    user = make_user("coordinator")
    sign_in(client, user.email, PASSWORD)
    assert client.get("/").status_code == 200
    monkeypatch.setattr(time, "time", lambda real=time.time: real() + app.permanent_session_lifetime.total_seconds() + 60)
    assert "/login" in client.get("/").headers["Location"]
