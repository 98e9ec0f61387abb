"""The account page's linked identities: linking one while signed in, unlinking one while
another way in remains, and confirming it is you by signing in at the provider again."""
from datetime import timedelta

from sqlalchemy import select, update

from tests.conftest import csrf_token, login_as
from tests.sso.conftest import sign_in_at_provider, start
from tracker import clock
from tracker.auth.models import ExternalIdentity, SignInSession
from tracker.extensions import db


def linked_to(user) -> list[str]:
    db.session.expire_all()
    return [i.provider for i in db.session.scalars(
        select(ExternalIdentity).where(ExternalIdentity.user_id == user.id))]


def test_the_account_page_lists_identities_and_offers_the_others(client, providers, person,
                                                                 make_user):
    user = make_user("coordinator", email="lise@dfo.no")
    login_as(client, user)
    html = client.get("/account").get_data(as_text=True)
    assert "No identity is linked to your account." in html
    assert "Link ID-porten" in html and "Link Entra ID" in html

    person.will_sign_in("lise", pid="12127000000", name="Lise Linked")
    answer = sign_in_at_provider(client, "idporten", link="1")
    assert answer.status_code == 302 and answer.headers["Location"] == "/account"
    html = client.get("/account").get_data(as_text=True)
    assert "Your ID-porten identity is linked" in html
    assert "Lise Linked" in html and "Link ID-porten" not in html and "Link Entra ID" in html
    assert linked_to(user) == ["idporten"]


def test_an_identity_linked_to_someone_else_is_not_linked_again(client, providers, person,
                                                                invite, make_user):
    owner = make_user("agency", email="owner@example.org")
    person.will_sign_in("shared", pid="13137000000")
    assert sign_in_at_provider(client, "idporten", invitation=invite(owner)).status_code == 302
    other = make_user("coordinator", email="other@dfo.no")
    login_as(client, other)
    answer = sign_in_at_provider(client, "idporten", link="1")
    text = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "linked to another account" in text and "owner@example.org" not in text
    assert linked_to(other) == [] and linked_to(owner) == ["idporten"]


def test_linking_needs_a_signed_in_user(client, providers):
    answer = start(client, "idporten", link="1")
    assert answer.status_code == 302 and "/login?next=" in answer.headers["Location"]


def sso_only_user(make_user, client, person, invite, providers):
    """An agency user with no password who signs in with ID-porten."""
    user = make_user("agency")
    user.password_hash = None
    db.session.commit()
    person.will_sign_in("only", pid="14147000000", name="Only SSO")
    assert sign_in_at_provider(client, "idporten", invitation=invite(user)).status_code == 302
    return user


def unlink(client, identity_id):
    return client.post("/sso/identities/unlink",
                       data={"csrf_token": csrf_token(client), "identity": identity_id})


def test_the_last_way_in_cannot_be_unlinked(client, providers, person, invite, make_user,
                                            security_events):
    user = sso_only_user(make_user, client, person, invite, providers)
    identity_id = db.session.scalar(select(ExternalIdentity.id))
    answer = unlink(client, identity_id)
    assert answer.status_code == 400
    assert "This is your last way to sign in" in answer.get_data(as_text=True)
    assert linked_to(user) == ["idporten"]
    assert any(e["event"] == "sso_unlink_refused" for e in security_events())


def test_an_identity_is_unlinked_while_another_way_in_remains(client, providers, person,
                                                             invite, make_user):
    user = sso_only_user(make_user, client, person, invite, providers)
    person.will_sign_in("only-entra", oid="oid-only", tid="tenant-b")
    assert sign_in_at_provider(client, "entra", link="1").status_code == 302
    assert sorted(linked_to(user)) == ["entra", "idporten"]
    first = db.session.scalar(select(ExternalIdentity.id).where(ExternalIdentity.provider == "idporten"))
    answer = unlink(client, first)
    assert answer.status_code == 302
    assert "ID-porten is no longer linked" in client.get("/account").get_data(as_text=True)
    assert linked_to(user) == ["entra"]
    # The last one stays.
    last = db.session.scalar(select(ExternalIdentity.id))
    assert unlink(client, last).status_code == 400


def test_a_user_with_a_password_may_unlink_their_only_identity(client, providers, person,
                                                               make_user):
    user = make_user("coordinator")
    login_as(client, user)
    person.will_sign_in("pw", oid="oid-pw", tid="tenant-b")
    assert sign_in_at_provider(client, "entra", link="1").status_code == 302
    assert unlink(client, db.session.scalar(select(ExternalIdentity.id))).status_code == 302
    assert linked_to(user) == []


def test_another_users_identity_or_a_hostile_id_is_not_found(client, providers, person, invite,
                                                             make_user):
    sso_only_user(make_user, client, person, invite, providers)
    theirs = db.session.scalar(select(ExternalIdentity.id))
    login_as(client, make_user("coordinator"))
    assert unlink(client, theirs).status_code == 404
    for hostile in ("", "0", "-1", str(2**63), "x", "\x00"):
        assert unlink(client, hostile).status_code in (302, 400), hostile
    assert db.session.scalar(select(ExternalIdentity.id)) == theirs


def test_confirming_it_is_you_signs_in_again_at_the_provider(client, providers, person, invite,
                                                            make_user):
    user = sso_only_user(make_user, client, person, invite, providers)
    record = db.session.scalar(select(SignInSession).where(SignInSession.user_id == user.id))
    record.checked_at = clock.now() - timedelta(hours=1)
    db.session.commit()
    answer = sign_in_at_provider(client, "idporten", reauth="1", next="/account")
    assert answer.status_code == 302 and answer.headers["Location"] == "/account"
    db.session.expire_all()
    assert clock.now() - record.checked_at < timedelta(minutes=1)
    # Still the same sign-in, not a new one.
    sign_ins = select(SignInSession.id).where(SignInSession.user_id == user.id)
    assert db.session.scalars(sign_ins).all() == [record.id]


def test_the_request_to_confirm_asks_the_provider_to_sign_in_again(client, providers, person,
                                                                  invite, make_user):
    from urllib.parse import parse_qs, urlsplit

    sso_only_user(make_user, client, person, invite, providers)
    location = start(client, "idporten", reauth="1").headers["Location"]
    query = parse_qs(urlsplit(location).query)
    assert query["prompt"] == ["login"] and query["max_age"] == ["0"]


def test_confirming_with_another_persons_identity_is_refused(client, providers, person, invite,
                                                            make_user):
    user = sso_only_user(make_user, client, person, invite, providers)
    record = db.session.scalar(select(SignInSession).where(SignInSession.user_id == user.id))
    record.checked_at = checked = clock.now() - timedelta(hours=1)
    db.session.commit()
    person.will_sign_in("stranger", pid="15157000000")
    answer = sign_in_at_provider(client, "idporten", reauth="1")
    assert answer.status_code == 400
    assert "not the one linked to the account you are signed in with" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert record.checked_at == checked


def test_confirming_with_an_old_sign_in_at_the_provider_is_refused(client, providers, person,
                                                                  invite, make_user):
    """The provider must have asked the person again, now: an ID token whose auth_time is an
    hour old confirms nothing."""
    user = sso_only_user(make_user, client, person, invite, providers)
    record = db.session.scalar(select(SignInSession).where(SignInSession.user_id == user.id))
    record.checked_at = checked = clock.now() - timedelta(hours=1)
    db.session.commit()
    person.spoil_next_token("old_auth_time")
    answer = sign_in_at_provider(client, "idporten", reauth="1")
    assert answer.status_code == 400
    assert "did not ask you to sign in again" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert record.checked_at == checked


def test_what_a_provider_calls_a_person_is_shown_as_text(client, providers, person, make_user):
    login_as(client, make_user("coordinator"))
    person.will_sign_in("markup", oid="oid-markup", tid="tenant-b",
                        name='<img src=x onerror="alert(1)">Kari')
    assert sign_in_at_provider(client, "entra", link="1").status_code == 302
    html = client.get("/account").get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img src=x" in html


# Linking adds a way in that skips the password and the code: it asks for a recent check, from
# a form (review of issue 10, finding 1).


def age_the_check(user, hours=3):
    db.session.execute(update(SignInSession).where(SignInSession.user_id == user.id)
                       .values(checked_at=clock.now() - timedelta(hours=hours)))
    db.session.commit()


def no_flow(client) -> bool:
    with client.session_transaction() as session:
        return "sso_flow" not in session


def test_a_browser_left_signed_in_cannot_link_a_strangers_identity(app, client, providers, person,
                                                                  make_user, security_events):
    victim = make_user("coordinator", email="victim@dfo.no")
    login_as(client, victim)
    age_the_check(victim)
    answer = start(client, "idporten", link="1")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/account/confirm?next=/account")
    assert no_flow(client)
    # Nor by finishing a flow started elsewhere: the callback finds no flow of this browser's.
    person.will_sign_in("stranger", pid="01010100000", acr="idporten-loa-substantial")
    assert linked_to(victim) == []
    stranger = app.test_client()
    person.will_sign_in("stranger", pid="01010100000", acr="idporten-loa-substantial")
    assert sign_in_at_provider(stranger, "idporten").status_code == 403


def test_the_callback_asks_for_the_check_again(client, providers, person, make_user,
                                                security_events):
    """The check was recent at the start, and went stale while the browser was at the
    provider: nothing is linked, and the reader is sent to confirm."""
    from tests.sso.conftest import through_provider

    user = make_user("coordinator")
    login_as(client, user)
    started = start(client, "idporten", link="1")
    assert started.status_code == 302 and "127.0.0.1" in started.headers["Location"]
    age_the_check(user)
    person.will_sign_in("late", pid="02020200000")
    answer = client.get(through_provider(started.headers["Location"]))
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/account/confirm")
    assert linked_to(user) == []
    assert any(e["event"] == "sso_refused" and e["reason"] == "link_not_checked_recently"
               for e in security_events())


def test_linking_starts_only_from_the_account_pages_form(client, providers, make_user):
    user = make_user("coordinator")
    login_as(client, user)
    # Another site's link or image: sent to the account page, nothing started.
    answer = client.get("/sso/idporten/start?link=1")
    assert answer.status_code == 302 and answer.headers["Location"] == "/account"
    assert no_flow(client)
    # The form without its CSRF token.
    assert client.post("/sso/idporten/start?link=1").status_code == 400
    assert no_flow(client)
    html = client.get("/account").get_data(as_text=True)
    assert 'action="/sso/idporten/start?link=1"' in html and 'method="post"' in html
    assert 'href="/sso/idporten/start?link=1"' not in html


def test_confirming_with_the_provider_is_a_form_naming_it_as_configured(client, providers,
                                                                       person, invite, make_user):
    """The confirm page calls the provider by its display name (finding 13), and POSTs."""
    user = sso_only_user(make_user, client, person, invite, providers)
    age_the_check(user)
    html = client.get("/account/confirm?next=/account").get_data(as_text=True)
    assert "Confirm with ID-porten" in html and "Confirm with idporten" not in html
    assert 'action="/sso/idporten/start?reauth=1"' in html
    # By GET, confirming starts nothing: back to the confirm page.
    answer = client.get("/sso/idporten/start?reauth=1&next=/account")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/account/confirm")
    assert no_flow(client)
