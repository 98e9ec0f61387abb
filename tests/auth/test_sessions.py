"""Sign-in sessions: a record in the database per sign-in, which a copied cookie cannot outlive."""
import logging
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tests.auth.conftest import logged
from tests.auth.test_sign_in import sign_in, sign_in_session_of
from tests.conftest import PASSWORD, csrf_token
from tests.html import read
from tracker.auth.models import SignInSession

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
START = datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc)


def copy_of(app, client):
    """A second browser holding a copy of `client`'s session cookie, as a thief would."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def signed_in(client) -> bool:
    response = client.get("/account")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def post(client, url, **data):
    return client.post(url, data={**data, "csrf_token": csrf_token(client)})


@pytest.fixture
def user(make_user):
    return make_user("coordinator")


@pytest.fixture
def browser(client, user):
    assert sign_in(client, user.email, PASSWORD).status_code == 302
    return client


def test_signing_out_kills_a_copied_cookie(app, browser):
    thief = copy_of(app, browser)
    assert signed_in(thief)
    assert post(browser, "/logout").status_code == 302
    assert "Du er logget ut." in read(browser.get("/login").data).text
    assert not signed_in(thief)
    assert not signed_in(browser)


def test_a_password_change_kills_copied_cookies_but_keeps_this_browser(app, browser, user):
    thief = copy_of(app, browser)
    elsewhere = app.test_client()
    sign_in(elsewhere, user.email, PASSWORD)
    response = post(browser, "/account/password", current_password=PASSWORD,
                    new_password="et helt nytt og langt passord",
                    confirm_password="et helt nytt og langt passord")
    assert response.status_code == 302
    assert signed_in(browser)
    assert not signed_in(thief) and not signed_in(elsewhere)


def test_deactivation_kills_every_session_and_reactivation_revives_none(app, browser, user, db):
    from tracker.users.services import deactivate

    thief = copy_of(app, browser)
    deactivate(user)
    db.session.commit()
    assert not signed_in(browser) and not signed_in(thief)
    assert db.session.scalars(select(SignInSession).where(SignInSession.ended_at.is_(None))).all() == []
    user.active = True
    db.session.commit()
    assert not signed_in(browser) and not signed_in(thief)


def test_signing_out_everywhere_ends_every_session_of_the_user_only(app, browser, user, make_user):
    elsewhere = app.test_client()
    sign_in(elsewhere, user.email, PASSWORD)
    other_user = app.test_client()
    sign_in(other_user, make_user("coordinator").email, PASSWORD)
    response = post(browser, "/logout", everywhere="y")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "Du er logget ut overalt." in read(browser.get("/login").data).text
    assert not signed_in(browser) and not signed_in(elsewhere)
    assert signed_in(other_user)


def test_the_account_page_lists_the_sessions_and_ends_another(app, client, user, db):
    phone = app.test_client()
    client.environ_base.update(HTTP_USER_AGENT=FIREFOX, REMOTE_ADDR="192.0.2.7")
    phone.environ_base.update(HTTP_USER_AGENT=IPHONE, REMOTE_ADDR="198.51.100.9")
    sign_in(phone, user.email, PASSWORD)
    sign_in(client, user.email, PASSWORD)
    page = read(client.get("/account").data)
    # The table follows its heading (and its caption, for screen readers, says it again).
    rows = page.text.split("Hvor du er logget inn")[2]
    assert "Firefox · Windows" in rows and "192.0.2.7" in rows
    assert "Safari · iOS" in rows and "198.51.100.9" in rows
    assert rows.count("Denne nettleseren") == 1
    phone_session = db.session.scalar(
        select(SignInSession).where(SignInSession.device == "Safari · iOS",
                                    SignInSession.ended_at.is_(None)))
    response = post(client, "/logout", sign_in=str(phone_session.id))
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert signed_in(client)
    assert not signed_in(phone)
    assert "Safari · iOS" not in read(client.get("/account").data).text


def test_no_one_ends_another_users_session(app, browser, make_user, db):
    other = app.test_client()
    sign_in(other, make_user("coordinator").email, PASSWORD)
    with other.session_transaction() as session:
        theirs = sign_in_session_of(session["_user_id"])
    assert post(browser, "/logout", sign_in=str(theirs.id)).status_code == 404
    assert post(browser, "/logout", sign_in=str(2**31)).status_code in (302, 400)
    assert signed_in(other) and signed_in(browser)


def test_an_idle_session_ends_after_30_minutes(app, client, user, frozen_clock, db, caplog):
    frozen_clock(START)
    sign_in(client, user.email, PASSWORD)
    for minutes in (29, 58, 87):  # each request within 30 minutes of the one before
        frozen_clock(START + timedelta(minutes=minutes))
        assert signed_in(client), minutes
    with client.session_transaction() as session:
        record = sign_in_session_of(session["_user_id"])
    frozen_clock(START + timedelta(minutes=87 + 30))
    with caplog.at_level(logging.INFO, logger="tracker.security"):
        assert not signed_in(client)
    db.session.refresh(record)
    assert record.ended_at == START + timedelta(minutes=117)
    assert logged(caplog, event="session_ended", reason="idle", user_id=user.id,
                  session_id=record.id)




def test_any_session_ends_after_12_hours_however_busy(client, user, frozen_clock):
    frozen_clock(START)
    sign_in(client, user.email, PASSWORD)
    for minutes in range(20, 12 * 60, 20):
        frozen_clock(START + timedelta(minutes=minutes))
        assert signed_in(client), minutes
    frozen_clock(START + timedelta(hours=12))
    assert not signed_in(client)


def test_the_lifetimes_are_configurable(app, client, user, frozen_clock, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 5)
    frozen_clock(START)
    sign_in(client, user.email, PASSWORD)
    frozen_clock(START + timedelta(minutes=4))
    assert signed_in(client)
    frozen_clock(START + timedelta(minutes=9, seconds=30))
    assert not signed_in(client)


def test_last_seen_is_noted_at_most_once_a_minute(client, user, frozen_clock, db):
    frozen_clock(START)
    sign_in(client, user.email, PASSWORD)
    with client.session_transaction() as session:
        secret = session["_user_id"]
    frozen_clock(START + timedelta(seconds=30))
    assert signed_in(client)  # a GET: a write here would fail the test (WriteOnSafeRequest)
    assert sign_in_session_of(secret).last_seen_at == START
    frozen_clock(START + timedelta(minutes=2))
    assert signed_in(client)
    db.session.expire_all()
    assert sign_in_session_of(secret).last_seen_at == START + timedelta(minutes=2)


def test_a_cookie_from_before_sign_in_sessions_signs_no_one_in(client, user):
    with client.session_transaction() as session:
        session["_user_id"] = f"{user.id}:1"
    assert not signed_in(client)


def test_the_database_keeps_only_a_hash_of_the_secret(browser, db):
    with browser.session_transaction() as session:
        secret = session["_user_id"]
    stored = db.session.scalars(select(SignInSession.secret_hash)).all()
    assert secret not in stored and len(stored) == 1 and len(stored[0]) == 64


@pytest.mark.parametrize("agent, summary", [
    (FIREFOX, "Firefox · Windows"),
    (IPHONE, "Safari · iOS"),
    (("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0"), "Edge · macOS"),
    ("curl/8.5.0", ""),
    ("", ""),
])
def test_the_device_is_summed_up_from_the_user_agent(agent, summary):
    from tracker.auth.sessions import device_summary

    assert device_summary(agent) == summary


def test_the_security_log_hears_each_ending_by_user_id_only(app, browser, user, db, caplog):
    from tracker.users.services import change_password, deactivate

    token = None
    with caplog.at_level(logging.INFO, logger="tracker.security"):
        from tracker.auth.tokens import new_token

        token, _secret = new_token(user, "script")
        db.session.commit()
        post(browser, "/logout")
        sign_in(browser, user.email, PASSWORD)
        change_password(user, PASSWORD, "et helt nytt og langt passord")
        db.session.commit()
        deactivate(user)
        db.session.commit()
    assert logged(caplog, event="session_ended", reason="signed_out", user_id=user.id)
    assert logged(caplog, event="password_changed", user_id=user.id)
    assert logged(caplog, event="session_ended", reason="password_changed", user_id=user.id)
    assert logged(caplog, event="api_token_revoked", reason="password_changed", token_id=token.id)
    assert logged(caplog, event="user_deactivated", user_id=user.id)
    assert user.email not in caplog.text


def test_past_sign_ins_are_deleted_after_30_days(app, user, db, frozen_clock):
    frozen_clock(START)
    first = app.test_client()
    sign_in(first, user.email, PASSWORD)
    post(first, "/logout")
    frozen_clock(START + timedelta(days=29))
    sign_in(app.test_client(), user.email, PASSWORD)
    assert len(db.session.scalars(select(SignInSession)).all()) == 2
    frozen_clock(START + timedelta(days=31))
    sign_in(app.test_client(), user.email, PASSWORD)
    assert [r.created_at for r in db.session.scalars(select(SignInSession).order_by(SignInSession.id))] == [
        START + timedelta(days=29), START + timedelta(days=31)]


def sign_in_page_after(client, path="/account"):
    """The sign-in page a browser is sent to when it asks for `path`."""
    response = client.get(path)
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]
    return read(client.get(response.headers["Location"]).data)


def in_language(client, lang):
    with client.session_transaction() as session:
        session["lang"] = lang


@pytest.mark.parametrize("lang, message", [
    ("nb", "Du ble logget ut etter 30 minutter uten aktivitet. Logg inn igjen."),
    ("nn", "Du blei logga ut etter 30 minutt utan aktivitet. Logg inn igjen."),
    ("en", "You were signed out after 30 minutes without activity. Sign in again."),
])
def test_the_sign_in_page_says_an_idle_sign_in_ended(client, user, frozen_clock, lang, message):
    frozen_clock(START)
    sign_in(client, user.email, PASSWORD)
    in_language(client, lang)
    frozen_clock(START + timedelta(minutes=31))
    page = sign_in_page_after(client)
    assert message in page.text
    # Told once: the next page does not repeat it.
    assert message not in read(client.get("/login").data).text


@pytest.mark.parametrize("lang, message", [
    ("nb", "Du ble logget ut: en innlogging varer i høyst 12 timer. Logg inn igjen."),
    ("nn", "Du blei logga ut: ei innlogging varer i høgst 12 timar. Logg inn igjen."),
    ("en", "You were signed out: a sign-in lasts at most 12 hours. Sign in again."),
])
def test_the_sign_in_page_says_a_sign_in_reached_its_limit(client, user, frozen_clock, lang,
                                                             message):
    frozen_clock(START)
    sign_in(client, user.email, PASSWORD)
    in_language(client, lang)
    for minutes in range(20, 12 * 60, 20):
        frozen_clock(START + timedelta(minutes=minutes))
        assert signed_in(client)
    frozen_clock(START + timedelta(hours=12))
    assert message in sign_in_page_after(client).text


@pytest.mark.parametrize("lang, message", [
    ("nb", "Innloggingen din er avsluttet. Logg inn igjen."),
    ("nn", "Innlogginga di er avslutta. Logg inn igjen."),
    ("en", "Your sign-in has ended. Sign in again."),
])
def test_the_sign_in_page_says_a_sign_in_was_ended_elsewhere(browser, db, lang, message):
    in_language(browser, lang)
    with browser.session_transaction() as session:
        record = sign_in_session_of(session["_user_id"])
    from tracker.auth.sessions import end

    end(record, "ended_from_account")  # as from the account page in another browser
    db.session.commit()
    assert message in sign_in_page_after(browser).text


def test_signing_out_says_nothing_about_an_ended_sign_in(browser):
    assert post(browser, "/logout").status_code == 302
    text = read(browser.get("/login").data).text
    assert "Du er logget ut." in text
    assert "Innloggingen din er avsluttet" not in text

