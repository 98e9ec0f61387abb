"""Signing in with a password and a code from the authenticator, and what is refused."""
from datetime import timedelta

import pyotp
from sqlalchemy import select

from tests.auth.conftest import logged
from tests.conftest import PASSWORD, csrf_token, login_as
from tests.two_factor.conftest import START, code_now, enrol, send_code, sign_in
from tracker.auth.models import RecoveryCode, SignInSession
from tracker.extensions import db


def signed_in(client) -> bool:
    return client.get("/").status_code == 200


def test_enrolment_shows_a_qr_code_the_key_and_ten_recovery_codes(client, make_user, at, required):
    user = make_user("coordinator")
    login_as(client, user)
    page = client.get("/account/two-factor/setup").get_data(as_text=True)
    assert "<svg" in page and 'role="img"' in page
    secret, codes = enrol(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(len(code) == 12 and code.count("-") == 2 for code in codes)
    db.session.expire_all()
    assert user.totp_secret == secret
    stored = db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)
    # The account page says it is on, with the codes left.
    account = client.get("/account").get_data(as_text=True)
    assert 'href="/account/two-factor/recovery-codes"' in account and "10" in account


def test_the_secret_is_not_saved_until_a_code_proves_it(client, make_user, at, required):
    user = make_user("coordinator")
    login_as(client, user)
    client.get("/account/two-factor/setup")
    answer = client.post("/account/two-factor/setup",
                         data={"code": "000000", "csrf_token": csrf_token(client)})
    assert answer.status_code == 400
    db.session.expire_all()
    assert user.totp_secret is None


def test_sign_in_asks_for_the_code_and_then_signs_in(client, enrolled, at):
    user, secret, _codes = enrolled
    at(START + timedelta(minutes=1))
    answer = sign_in(client, user.email, next_url="/organisations/")
    assert answer.status_code == 302 and answer.headers["Location"] == "/account/two-factor/code"
    assert not signed_in(client)  # not yet
    answer = send_code(client, code_now(secret))
    assert answer.status_code == 302 and answer.headers["Location"] == "/organisations/"
    assert signed_in(client)
    record = db.session.scalars(select(SignInSession).where(SignInSession.user_id == user.id)
                                .order_by(SignInSession.id.desc())).first()
    assert record.method == "password+totp"


def test_a_wrong_code_is_refused(client, enrolled, at, caplog):
    user, secret, _codes = enrolled
    at(START + timedelta(minutes=1))
    sign_in(client, user.email)
    right = code_now(secret)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    assert send_code(client, wrong).status_code == 400
    assert not signed_in(client)
    assert logged(caplog, event="two_factor_code_wrong", user_id=user.id)


def test_a_code_from_another_users_authenticator_is_refused(client, enrolled, make_user, at):
    user, _secret, _codes = enrolled
    other_secret = pyotp.random_base32()
    at(START + timedelta(minutes=1))
    sign_in(client, user.email)
    assert send_code(client, code_now(other_secret)).status_code == 400
    assert not signed_in(client)


def test_a_code_works_once_even_inside_its_window(client, enrolled, at, caplog):
    user, secret, _codes = enrolled
    at(START + timedelta(minutes=1))
    sign_in(client, user.email)
    code = code_now(secret)
    assert send_code(client, code).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    at(START + timedelta(minutes=1, seconds=20))  # the same 30-second step
    sign_in(client, user.email)
    assert send_code(client, code).status_code == 400
    assert not signed_in(client)
    assert logged(caplog, event="two_factor_code_replayed", user_id=user.id)
    # Nor is the code of the step before, still inside the window, worth anything now.
    at(START + timedelta(minutes=1, seconds=35))
    assert send_code(client, pyotp.TOTP(secret).at(START + timedelta(minutes=1))).status_code == 400
    # The next step's code works.
    assert send_code(client, code_now(secret)).status_code == 302


def test_the_enrolment_code_does_not_sign_in(client, enrolled, at):
    user, secret, _codes = enrolled  # enrolled at START, with the code of START's step
    sign_in(client, user.email)
    assert send_code(client, code_now(secret)).status_code == 400


def test_five_wrong_codes_are_throttled(client, enrolled, at, caplog):
    user, secret, _codes = enrolled
    at(START + timedelta(minutes=1))
    sign_in(client, user.email)
    for _ in range(5):
        assert send_code(client, "000000").status_code in (400, 429)
    answer = send_code(client, code_now(secret))
    assert answer.status_code == 429 and int(answer.headers["Retry-After"]) > 0
    assert not signed_in(client)
    assert logged(caplog, event="two_factor_throttled", user_id=user.id)


def test_a_recovery_code_works_once(client, enrolled, at, caplog):
    user, _secret, codes = enrolled
    at(START + timedelta(minutes=1))
    sign_in(client, user.email)
    assert "recovery_code" in client.get("/account/two-factor/code?with=recovery").get_data(as_text=True)
    answer = send_code(client, None, recovery_code=codes[0].upper(), query={"with": "recovery"})
    assert answer.status_code == 302 and signed_in(client)
    assert logged(caplog, event="recovery_code_used", user_id=user.id, codes_left=9)
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    sign_in(client, user.email)
    answer = send_code(client, None, recovery_code=codes[0], query={"with": "recovery"})
    assert answer.status_code == 400 and not signed_in(client)
    assert send_code(client, None, recovery_code=codes[1], query={"with": "recovery"}).status_code == 302


def test_new_recovery_codes_replace_the_old(client, enrolled, at):
    import re

    user, secret, codes = enrolled
    at(START + timedelta(minutes=1))
    sign_in(client, user.email)
    send_code(client, code_now(secret))
    answer = client.post("/account/two-factor/recovery-codes", data={"csrf_token": csrf_token(client)})
    assert answer.status_code == 200
    new = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", answer.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(codes)
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    sign_in(client, user.email)
    assert send_code(client, None, recovery_code=codes[2], query={"with": "recovery"}).status_code == 400
    assert send_code(client, None, recovery_code=new[0], query={"with": "recovery"}).status_code == 302


def test_the_first_step_expires(client, enrolled, at):
    user, secret, _codes = enrolled
    at(START + timedelta(minutes=1))
    sign_in(client, user.email)
    at(START + timedelta(minutes=6, seconds=5))
    answer = send_code(client, code_now(secret))
    assert answer.status_code == 302 and answer.headers["Location"] == "/login"
    assert not signed_in(client)


def test_the_code_page_without_a_first_step_sends_to_sign_in(client):
    answer = client.get("/account/two-factor/code")
    assert answer.status_code == 302 and answer.headers["Location"] == "/login"
    answer = client.post("/account/two-factor/code", data={"code": "123456",
                                                           "csrf_token": csrf_token(client)})
    assert answer.status_code == 302 and answer.headers["Location"] == "/login"


def test_a_wrong_password_never_reaches_the_code(client, enrolled, at):
    user, _secret, _codes = enrolled
    assert sign_in(client, user.email, "not the password at all").status_code == 400
    assert client.get("/account/two-factor/code").headers["Location"] == "/login"


def test_a_password_only_sign_in_of_an_enrolled_staff_member_is_ended(client, enrolled, at):
    user, _secret, _codes = enrolled
    login_as(client, user)  # a sign-in from before they set it up, say
    answer = client.get("/organisations/")
    assert answer.status_code == 302 and answer.headers["Location"] == "/login"
    assert not signed_in(client)


def test_unused_two_factor_of_a_user_who_need_not_is_still_asked(client, make_user, at):
    """Someone who chose to set it up is asked for it, whether or not it is required."""
    user = make_user("agency")
    login_as(client, user)
    secret, _codes = enrol(client)
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    at(START + timedelta(minutes=1))
    assert sign_in(client, user.email).headers["Location"] == "/account/two-factor/code"
    assert send_code(client, code_now(secret)).status_code == 302


def test_password_still_counts_in_the_throttle_with_two_factor(client, enrolled, at):
    user, _secret, _codes = enrolled
    for _ in range(5):
        sign_in(client, user.email, "not the password at all")
    assert sign_in(client, user.email, PASSWORD).status_code == 429
