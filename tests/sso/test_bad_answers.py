"""Every way an answer from the provider can be wrong, each refused with its own clear message
and nothing signed in: a provider that says no, a mismatched or missing state, a replayed code,
a token signed with another key, for another client, expired, for another sign-in or from
another issuer; and a provider that is down or answers garbage (502, never 500)."""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token
from tests.sso.conftest import free_port, sign_in_at_provider, start, through_provider
from tracker.auth.models import ExternalIdentity, SignInSession
from tracker.extensions import db
from tracker.users.models import AccountLink


@pytest.fixture
def linked(client, providers, person, invite, make_user):
    """An agency user whose ID-porten identity is linked, signed out again."""
    user = make_user("agency")
    person.will_sign_in("linked", pid="10107000000", name="Linked Leader")
    assert sign_in_at_provider(client, "idporten", invitation=invite(user)).status_code == 302
    client.get("/")  # the session cookie now holds a sign-in; drop it
    client.delete_cookie("session")
    assert client.get("/account").status_code == 302
    return user


def sign_ins() -> int:
    db.session.expire_all()
    return len(db.session.scalars(select(SignInSession.id)).all())


def assert_refused(client, answer, message: str, status: int = 400):
    text = answer.get_data(as_text=True)
    assert answer.status_code == status, text[:2000]
    assert message in text
    assert client.get("/account").status_code == 302


@pytest.mark.parametrize("mode, message", [
    ("signature", "was not signed with its key"),
    ("audience", "was meant for another service"),
    ("expired", "has expired"),
    ("nonce", "belongs to another sign-in"),
    ("issuer", "came from someone other than ID-porten"),
    ("no_id_token", "ID-porten did not say who you are"),
])
def test_a_spoilt_id_token_is_refused(client, linked, person, mode, message, security_events):
    before = sign_ins()
    person.spoil_next_token(mode)
    assert_refused(client, sign_in_at_provider(client, "idporten"), message)
    assert sign_ins() == before
    assert any(e["event"] == "sso_refused" for e in security_events())


def test_the_same_token_unspoilt_signs_in(client, linked, person):
    """The spoilt cases are refused for what was spoilt, not for something else."""
    assert sign_in_at_provider(client, "idporten").status_code == 302
    assert client.get("/account").status_code == 200


def test_a_token_answer_that_is_not_json_is_a_clear_502(client, linked, person):
    person.spoil_next_token("garbage")
    assert_refused(client, sign_in_at_provider(client, "idporten"),
                   "ID-porten is not answering as it should", 502)


def test_a_mismatched_state_is_refused(client, linked):
    callback = through_provider(start(client, "idporten").headers["Location"])
    parts = urlsplit(callback)
    query = parse_qs(parts.query)
    query["state"] = ["tampered" + query["state"][0]]
    answer = client.get(f"{parts.path}?{urlencode(query, doseq=True)}")
    assert_refused(client, answer, "This sign-in was not started here")


def test_a_callback_without_a_started_sign_in_is_refused(client, linked, security_events):
    answer = client.get("/sso/idporten/callback?code=abc&state=def")
    assert_refused(client, answer, "This sign-in was not started here")
    assert any(e.get("reason") == "state" for e in security_events())


def test_a_callback_for_another_provider_is_refused(client, linked):
    callback = through_provider(start(client, "idporten").headers["Location"])
    answer = client.get(callback.replace("/sso/idporten/", "/sso/entra/"))
    assert_refused(client, answer, "This sign-in was not started here")


def test_a_replayed_code_is_refused_by_the_provider(client, linked):
    """The browser's cookie and the callback address both kept and sent again: the state
    matches, and the provider itself refuses the used code."""
    callback = through_provider(start(client, "idporten").headers["Location"])
    with client.session_transaction() as kept:
        flow = dict(kept["sso_flow"])
    assert client.get(callback).status_code == 302
    client.delete_cookie("session")
    with client.session_transaction() as session:
        session["sso_flow"] = flow
    assert_refused(client, client.get(callback), "did not accept this sign-in")


def test_a_callback_used_twice_finds_no_sign_in_the_second_time(client, linked):
    callback = through_provider(start(client, "idporten").headers["Location"])
    assert client.get(callback).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert_refused(client, client.get(callback), "This sign-in was not started here")


@pytest.mark.parametrize("error, message", [
    ("access_denied", "You did not finish signing in at ID-porten"),
    ("server_error", "ID-porten could not sign you in"),
])
def test_an_error_from_the_provider_is_refused(client, linked, error, message):
    start(client, "idporten")
    assert_refused(client, client.get(f"/sso/idporten/callback?error={error}&state=x"), message)


def test_a_provider_that_is_down_is_a_clear_502(client, providers, security_events):
    providers["other"] = {"issuer": f"http://127.0.0.1:{free_port()}", "client_id": "tracker",
                          "name": "Other"}
    answer = start(client, "other")
    assert answer.status_code == 502
    assert "Other is not answering as it should" in answer.get_data(as_text=True)
    assert any(e["event"] == "sso_provider_unavailable" for e in security_events())


def test_a_provider_that_answers_garbage_is_a_clear_502(client, providers, oidc_issuer):
    providers["other"] = {"issuer": f"{oidc_issuer}/garbage", "client_id": "tracker",
                          "name": "Other"}
    answer = start(client, "other")
    assert answer.status_code == 502
    assert "Other is not answering as it should" in answer.get_data(as_text=True)


def test_a_discovery_document_for_another_issuer_is_a_clear_502(client, providers, oidc_issuer):
    # The loopback provider's document, asked for under another name.
    providers["other"] = {"issuer": oidc_issuer.replace("127.0.0.1", "localhost"),
                          "client_id": "tracker", "name": "Other"}
    assert start(client, "other").status_code == 502


class Silent(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        threading.Event().wait(3)

    def log_message(self, *args):
        pass


def test_a_provider_that_does_not_answer_in_time_is_a_clear_502(app, client, providers):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Silent)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    timeout = app.config["OIDC_TIMEOUT_SECONDS"]
    app.config["OIDC_TIMEOUT_SECONDS"] = 0.5
    try:
        providers["other"] = {"issuer": f"http://127.0.0.1:{server.server_address[1]}",
                              "client_id": "tracker", "name": "Other"}
        answer = start(client, "other")
        assert answer.status_code == 502
    finally:
        app.config["OIDC_TIMEOUT_SECONDS"] = timeout
        server.shutdown()


def test_no_identity_is_linked_by_a_refused_answer(client, providers, person, invite, make_user):
    user = make_user("agency")
    person.will_sign_in("spoilt", pid="11117000000")
    person.spoil_next_token("signature")
    assert sign_in_at_provider(client, "idporten", invitation=invite(user)).status_code == 400
    assert db.session.scalar(select(ExternalIdentity.id)) is None
    db.session.expire_all()
    assert db.session.scalar(select(AccountLink.used_at)) is None


@pytest.mark.parametrize("lang, words", [
    ("nb", "Svaret fra ID-porten var ment for en annen tjeneste"),
    ("nn", "Svaret frå ID-porten var meint for ei anna teneste"),
])
def test_the_refusal_is_in_the_readers_language(client, linked, person, lang, words):
    with client.session_transaction() as session:
        session["lang"] = lang
    person.spoil_next_token("audience")
    assert_refused(client, sign_in_at_provider(client, "idporten"), words)


@pytest.mark.parametrize("query", [
    "next=//evil.example&invitation=%00", "invitation=" + "x" * 5000, "next=%0d%0aSet-Cookie:x",
    "reauth=1&link=1", "reauth=%00",
])
def test_hostile_start_addresses_answer_without_a_server_error(client, providers, query):
    answer = client.get(f"/sso/idporten/start?{query}")
    # 404: an invitation that is no token of ours gets the page saying the link does not work.
    assert answer.status_code in (302, 400, 404)
    if answer.status_code == 302 and "127.0.0.1" in answer.headers["Location"]:
        with client.session_transaction() as session:
            flow = session["sso_flow"]
        assert flow["next"] == "" and flow["invitation"] == ""


@pytest.mark.parametrize("query", [
    "code=" + "x" * 5000 + "&state=y", "state=%00&code=%00", "state=%C3%A6&code=%FF",
    "error=" + "x" * 3000, "code=a&code=b&state=s",
])
def test_hostile_callback_addresses_answer_without_a_server_error(client, linked, query):
    start(client, "idporten")
    answer = client.get(f"/sso/idporten/callback?{query}")
    assert answer.status_code == 400
    assert client.get("/account").status_code == 302


def test_an_answer_naming_another_issuer_is_refused(client, linked):
    """RFC 9207: the provider names itself in its answer; another name is a mix-up."""
    callback = through_provider(start(client, "idporten").headers["Location"])
    assert "iss=" in callback
    parts = urlsplit(callback)
    query = parse_qs(parts.query)
    query["iss"] = ["https://evil.example"]
    answer = client.get(f"{parts.path}?{urlencode(query, doseq=True)}")
    assert_refused(client, answer, "came from someone other than ID-porten")


@pytest.mark.parametrize("fields", [
    {"invitation": "\x00"}, {"invitation": "x" * 5000}, {"invitation": "../../etc"},
    {"invitation": "", "next": "//evil.example"}, {"next": "\r\nSet-Cookie:x"},
    {"invitation": ["a", "b"]},
])
def test_hostile_start_forms_answer_without_a_server_error(client, providers, fields):
    from tests.conftest import csrf_token

    answer = client.post("/sso/idporten/start", data={"csrf_token": csrf_token(client), **fields})
    assert answer.status_code in (302, 400, 404)
    with client.session_transaction() as session:
        flow = session.get("sso_flow")
    assert flow is None or (flow["next"] == "" and flow["invitation"] == "")
