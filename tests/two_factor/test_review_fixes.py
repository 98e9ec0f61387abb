"""What a review of two-factor found: the key being set up kept out of the cookie, recovery
codes hashed with the app's key, moving to a new phone, the pages a phone and a reader need."""
from datetime import timedelta

from flask.sessions import SecureCookieSessionInterface

from tests.auth.conftest import logged
from tests.conftest import csrf_token, login_as
from tests.html import read
from tests.two_factor.conftest import START, code_now, enrol, secret_on_page, send_code, sign_in
from tracker.extensions import db


def cookie_session(app, client) -> dict:
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    return SecureCookieSessionInterface().get_signing_serializer(app).loads(cookie.value)


def test_the_key_being_set_up_is_not_in_the_browsers_cookie(app, client, make_user, at):
    login_as(client, make_user("coordinator"))
    secret = secret_on_page(client.get("/account/two-factor/setup").get_data(as_text=True))
    stored = repr(cookie_session(app, client))
    assert secret not in stored and secret.lower() not in stored
    # The same key on the next visit, and it works.
    again = secret_on_page(client.get("/account/two-factor/setup").get_data(as_text=True))
    assert again == secret


def test_another_sign_in_with_the_same_cookie_nonce_gets_another_key(app, client, make_user, at):
    """The key is drawn from the sign-in as well: the nonce alone, carried to another
    sign-in, does not give the same key."""
    from tracker.auth import factors

    with app.test_request_context():
        assert factors.enrolling_secret(1, "n" * 32) != factors.enrolling_secret(2, "n" * 32)


def test_recovery_codes_are_kept_as_keyed_hashes(app, client, make_user, at):
    import hashlib

    from tracker.auth.models import RecoveryCode

    user = make_user("coordinator")
    login_as(client, user)
    _secret, codes = enrol(client)
    plain = hashlib.sha256(f"{user.id}:{codes[0].replace('-', '')}".encode()).hexdigest()
    stored = set(db.session.scalars(db.select(RecoveryCode.code_hash)))
    assert len(stored) == 10 and plain not in stored


def test_moving_to_a_new_phone_keeps_the_old_one_until_the_new_one_works(client, make_user, at):
    user = make_user("coordinator")
    login_as(client, user)
    old_secret, old_codes = enrol(client)
    page = client.get("/account/two-factor/setup?replace=1").get_data(as_text=True)
    new_secret = secret_on_page(page)
    assert new_secret != old_secret
    at(START + timedelta(seconds=60))
    wrong = client.post("/account/two-factor/setup?replace=1",
                        data={"code": code_now(old_secret), "csrf_token": csrf_token(client)})
    assert wrong.status_code == 400
    db.session.refresh(user)
    assert user.totp_secret == old_secret
    right = client.post("/account/two-factor/setup?replace=1",
                        data={"code": code_now(new_secret), "csrf_token": csrf_token(client)},
                        headers={"Accept-Language": "en"})
    assert right.status_code == 200
    assert "new phone" in right.get_data(as_text=True)
    db.session.refresh(user)
    assert user.totp_secret == new_secret


def test_staff_who_must_use_it_are_not_offered_to_turn_it_off(client, make_user, at, required):
    login_as(client, make_user("coordinator"))
    enrol(client)
    page = read(client.get("/account", headers={"Accept-Language": "en"}).data)
    assert not page.all("a", href="/account/two-factor/disable")
    assert page.all("a", href="/account/two-factor/setup?replace=1")


def test_code_fields_bring_up_the_number_pad(client, make_user, at):
    login_as(client, make_user("coordinator"))
    page = read(client.get("/account/two-factor/setup").data)
    (code,) = page.all("input", name="code")
    assert code["inputmode"] == "numeric" and code["autocomplete"] == "one-time-code"


def test_signing_in_with_a_recovery_code_says_how_many_are_left(client, enrolled):
    user, _secret, codes = enrolled
    sign_in(client, user.email)
    answer = send_code(client, None, recovery_code=codes[0])
    assert answer.status_code == 302
    home = client.get(answer.headers["Location"], follow_redirects=True)
    # In the language of the request that signed in (bokmål here).
    assert "Du har 9 igjen" in home.get_data(as_text=True)


def test_a_change_sent_after_the_check_lapsed_says_nothing_was_changed(client, make_user, at):
    login_as(client, make_user("admin"))
    other = make_user("coordinator")
    at(START + timedelta(minutes=16))
    answer = client.post(f"/admin/users/{other.id}",
                         data={"role": "ADMIN", "active": "y", "csrf_token": csrf_token(client)},
                         headers={"Accept-Language": "en"})
    assert answer.headers["Location"].startswith("/account/confirm")
    page = client.get(answer.headers["Location"], headers={"Accept-Language": "en"})
    assert "Nothing is changed yet" in page.get_data(as_text=True)


def test_an_administrators_reset_ends_sign_ins_with_its_own_reason(client, make_user, at, caplog):
    from tracker.users.services import reset_two_factor

    admin = make_user("admin")
    user = make_user("coordinator")
    login_as(client, user)
    enrol(client)
    db.session.refresh(user)
    assert user.has_two_factor
    reset_two_factor(user, admin)
    db.session.commit()
    assert logged(caplog, event="session_ended", user_id=user.id, reason="two_factor_removed")


def test_a_user_without_a_password_can_ask_for_a_link_to_choose_one(client, make_user, at):
    from tracker.users.models import AccountLink, LinkPurpose

    user = make_user("agency", password=None)
    login_as(client, user)
    page = read(client.get("/account", headers={"Accept-Language": "en"}).data)
    assert not page.all("a", href="/account/password")
    answer = client.post("/account/password-link", data={"csrf_token": csrf_token(client)})
    assert answer.status_code == 302
    links = db.session.scalars(db.select(AccountLink).where(AccountLink.user_id == user.id)).all()
    assert [link.purpose for link in links] == [LinkPurpose.PASSWORD_RESET]
    # One with a password has the password page instead, and gets no link from here.
    other = make_user("agency")
    login_as(client, other)
    client.post("/account/password-link", data={"csrf_token": csrf_token(client)})
    assert not db.session.scalars(
        db.select(AccountLink).where(AccountLink.user_id == other.id)).all()
