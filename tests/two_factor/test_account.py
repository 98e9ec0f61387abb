"""Two-factor on the account page: what it says, new recovery codes, turning it off."""
from datetime import timedelta

from tests.auth.conftest import logged
from tests.conftest import csrf_token, login_as
from tests.html import read
from tests.two_factor.conftest import START, enrol, secret_on_page
from tracker.extensions import db


def test_the_account_page_says_whether_two_factor_is_on(client, make_user, at):
    user = make_user("coordinator")
    login_as(client, user)
    page = read(client.get("/account").data)
    assert page.all("a", href="/account/two-factor/setup")
    enrol(client)
    page = read(client.get("/account").data)
    assert not page.all("a", href="/account/two-factor/setup")
    assert page.all("a", href="/account/two-factor/recovery-codes")
    assert page.all("a", href="/account/two-factor/disable")


def test_the_setup_page_keeps_its_key_until_it_is_proved(client, make_user, at):
    login_as(client, make_user("coordinator"))
    first = secret_on_page(client.get("/account/two-factor/setup").get_data(as_text=True))
    again = secret_on_page(client.get("/account/two-factor/setup").get_data(as_text=True))
    assert first == again and len(first) == 32


def test_new_recovery_codes_need_a_recent_check(client, make_user, at):
    login_as(client, make_user("coordinator"))
    enrol(client)
    at(START + timedelta(minutes=16))
    answer = client.post("/account/two-factor/recovery-codes", data={"csrf_token": csrf_token(client)})
    assert answer.headers["Location"].startswith("/account/confirm")


def test_a_staff_member_who_must_use_it_cannot_turn_it_off(client, make_user, at, required):
    user = make_user("coordinator")
    login_as(client, user)
    enrol(client)
    page = read(client.get("/account/two-factor/disable").data)
    assert not page.all("form", action="/account/two-factor/disable")
    client.post("/account/two-factor/disable", data={"csrf_token": csrf_token(client)})
    db.session.expire_all()
    assert user.has_two_factor


def test_someone_who_need_not_use_it_can_turn_it_off(client, make_user, at, caplog):
    user = make_user("agency")
    login_as(client, user)
    enrol(client)
    assert read(client.get("/account/two-factor/disable").data).all(
        "form", action="/account/two-factor/disable")
    answer = client.post("/account/two-factor/disable", data={"csrf_token": csrf_token(client)})
    assert answer.status_code == 302 and answer.headers["Location"] == "/account"
    db.session.expire_all()
    assert not user.has_two_factor and user.totp_last_step is None
    assert logged(caplog, event="two_factor_disabled", user_id=user.id)


def test_turning_it_off_needs_a_recent_check(client, make_user, at):
    user = make_user("agency")
    login_as(client, user)
    enrol(client)
    at(START + timedelta(minutes=16))
    answer = client.post("/account/two-factor/disable", data={"csrf_token": csrf_token(client)})
    assert answer.headers["Location"].startswith("/account/confirm")
    db.session.expire_all()
    assert user.has_two_factor


def test_the_secret_stays_out_of_the_change_log(client, make_user, at):
    from sqlalchemy import select

    from tracker.audit.models import AuditEntry

    user = make_user("coordinator")
    login_as(client, user)
    secret, _codes = enrol(client)
    entries = db.session.scalars(select(AuditEntry)).all()
    assert all(secret not in repr(vars(entry)) for entry in entries)


def test_removing_the_secret_anywhere_removes_the_recovery_codes(client, make_user, at):
    """As an administrator's reset in tracker.users does, without knowing the codes' table."""
    from tracker.auth.factors import recovery_codes_left

    user = make_user("coordinator")
    login_as(client, user)
    enrol(client)
    db.session.expire_all()
    assert recovery_codes_left(user) == 10 and user.totp_last_step is not None
    user.totp_secret = None
    db.session.commit()
    db.session.expire_all()
    assert recovery_codes_left(user) == 0 and user.totp_last_step is None
