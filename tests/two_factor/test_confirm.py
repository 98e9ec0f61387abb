"""Confirming it is you before erasing a person, changing a user's role or making a token."""
from datetime import timedelta

import pytest

from tests.auth.conftest import logged
from tests.conftest import PASSWORD, csrf_token, login_as
from tests.html import read
from tests.two_factor.conftest import START, code_now, enrol
from tracker.extensions import db


@pytest.fixture
def admin(client, make_user, at):
    """A signed-in administrator, who signed in at START."""
    user = make_user("admin")
    login_as(client, user)
    return user


@pytest.fixture
def pages(make_person, make_user):
    """The three acts that ask again, as GET addresses of their pages (the token is a POST)."""
    person = make_person()
    other = make_user("coordinator")
    db.session.commit()
    return {"people.erase": f"/people/{person.id}/erase", "users.edit": f"/admin/users/{other.id}"}


def open_act(client, endpoint, path):
    """The act's page: erasing is asked again from its page on; a user's page shows to anyone
    with the right, and only the change (a POST) is asked again."""
    if endpoint == "users.edit":
        return client.post(path, data={"role": "COORDINATOR", "organisation": "", "active": "y",
                                       "csrf_token": csrf_token(client)})
    return client.get(path)


def make_token(client):
    return client.post("/account/tokens", data={"name": "Rapport", "lifetime": "90",
                                                "csrf_token": csrf_token(client)})


def confirm(client, **data):
    return client.post("/account/confirm", data={"csrf_token": csrf_token(client), **data})


def test_after_fourteen_minutes_nothing_is_asked(client, admin, pages, at):
    at(START + timedelta(minutes=14))
    for path in pages.values():
        assert client.get(path).status_code == 200
    assert make_token(client).status_code == 200


def test_after_sixteen_minutes_the_password_is_asked_again(client, admin, pages, at, caplog):
    at(START + timedelta(minutes=16))
    for endpoint, path in pages.items():
        answer = open_act(client, endpoint, path)
        assert answer.status_code == 302
        assert answer.headers["Location"] == f"/account/confirm?next={path}"
    answer = make_token(client)
    assert answer.headers["Location"] == "/account/confirm?next=/account/tokens"
    page = read(client.get("/account/confirm?next=/people/").data)
    assert page.all("input", name="password") and not page.all("input", name="code")
    assert confirm(client, password="not the password", next="/x").status_code == 400
    assert client.get(pages["people.erase"]).status_code == 302
    answer = confirm(client, password=PASSWORD, next=pages["people.erase"])
    assert answer.status_code == 302 and answer.headers["Location"] == pages["people.erase"]
    assert logged(caplog, event="identity_confirmed", user_id=admin.id, way="password")
    for path in pages.values():
        assert client.get(path).status_code == 200
    assert make_token(client).status_code == 200
    # Fifteen minutes on from the check, it is asked again.
    at(START + timedelta(minutes=32))
    assert open_act(client, "users.edit", pages["users.edit"]).headers["Location"].startswith(
        "/account/confirm")


def test_with_two_factor_the_code_is_asked_and_the_password_offered(client, admin, pages, at):
    secret, _codes = enrol(client)
    at(START + timedelta(minutes=16))
    page = read(client.get("/account/confirm?next=/").data)
    assert page.all("input", name="code") and page.all("input", name="password")
    answer = confirm(client, code=code_now(secret), next=pages["users.edit"])
    assert answer.status_code == 302 and answer.headers["Location"] == pages["users.edit"]
    assert client.get(pages["users.edit"]).status_code == 200
    # The same code, again: refused (used), though still in its window.
    at(START + timedelta(minutes=32))
    answer = confirm(client, code=code_now(secret), next="/")
    assert answer.status_code == 302
    assert confirm(client, code=code_now(secret), next="/").status_code == 400


def test_an_empty_confirmation_says_what_to_enter(client, admin, at):
    at(START + timedelta(minutes=16))
    answer = confirm(client, next="/")
    assert answer.status_code == 400 and "error-summary" in answer.get_data(as_text=True)


def test_the_next_address_must_be_our_own(client, admin, at):
    at(START + timedelta(minutes=16))
    answer = confirm(client, password=PASSWORD, next="https://evil.example/")
    assert answer.headers["Location"] == "/"


def test_wrong_passwords_are_throttled_and_end_the_sign_in(client, admin, at, caplog):
    at(START + timedelta(minutes=16))
    answers = [confirm(client, password=f"wrong {n}", next="/") for n in range(5)]
    assert [a.status_code for a in answers[:4]] == [400] * 4
    assert answers[4].status_code == 429 and int(answers[4].headers["Retry-After"]) > 0
    assert logged(caplog, event="confirm_throttled", user_id=admin.id, signed_out=True)
    assert client.get("/").headers["Location"].startswith("/login")


def test_wrong_codes_are_throttled(client, admin, at):
    secret, _codes = enrol(client)
    at(START + timedelta(minutes=16))
    answers = [confirm(client, code="000000", next="/") for _ in range(5)]
    assert answers[-1].status_code == 429


def test_a_user_with_only_single_sign_on_is_offered_the_provider(app, client, make_user, at):
    from tracker.auth.models import ExternalIdentity

    user = make_user("coordinator")
    user.password_hash = None
    db.session.add(ExternalIdentity(user=user, provider="entra", subject="abc"))
    db.session.commit()
    login_as(client, user)
    page = client.get("/account/confirm?next=/people/").get_data(as_text=True)
    assert 'name="password"' not in page and 'name="code"' not in page
    if "sso.start" in app.view_functions:  # the single sign-on part, once merged
        assert "reauth=1" in page


def test_after_sixteen_minutes_making_a_user_and_inviting_ask_again(client, admin, make_user, at):
    """A stale administrator's browser makes no new account (a new administrator, say) and
    sends no invitation without the password first."""
    invited = make_user("coordinator", password=None)
    at(START + timedelta(minutes=16))
    answer = client.get("/admin/users/new")
    assert answer.headers["Location"] == "/account/confirm?next=/admin/users/new"
    answer = client.post("/admin/users/new", data={"email": "ny@example.org", "role": "ADMIN",
                                                   "csrf_token": csrf_token(client)})
    assert answer.headers["Location"] == "/account/confirm?next=/admin/users/new"
    answer = client.post(f"/admin/users/{invited.id}/invitation",
                         data={"csrf_token": csrf_token(client)})
    # Back to the user's page after confirming: the button's own address takes no GET.
    assert answer.headers["Location"] == f"/account/confirm?next=/admin/users/{invited.id}"
    from tracker.users.models import User
    assert db.session.query(User).filter_by(email="ny@example.org").count() == 0


def test_answers_sent_at_once_take_their_places_before_any_is_checked(client, admin, at,
                                                                      monkeypatch):
    """Each answer counts before it is checked, so a burst cannot pass the limit together."""
    from tracker.auth import recent

    at(START + timedelta(minutes=16))
    taken = []
    monkeypatch.setattr(recent.throttle, "take_attempt", lambda key: taken.append(key))
    assert confirm(client, password="not the password", next="/").status_code == 400
    assert taken == [admin.email]
