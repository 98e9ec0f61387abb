"""Forgot password? and an administrator's reset link: the answer never says whether an address
has an account, a reset ends every sign-in and API token of the user, and they hear of it."""
import re

from sqlalchemy import select

from tests.conftest import PASSWORD, csrf_token, login_as
from tests.html import read
from tests.links.conftest import NEW_PASSWORD, ask_for_reset, body, choose_password, link_in
from tracker.auth.models import ApiToken
from tracker.auth.tokens import new_token
from tracker.users.models import AccountLink, LinkPurpose


def ask(client, email: str):
    return ask_for_reset(client, email)


def without_csrf(html: str) -> str:
    return re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "", html)


def api_works(client, secret: str) -> bool:
    return client.get("/api/v1/cohorts", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_the_sign_in_page_links_to_forgot_password(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/password/forgot"' in page and "Glemt passord?" in page


def test_the_answer_is_the_same_for_every_address_and_only_an_active_account_gets_mail(
        app, client, db, make_user, inbox):
    active = make_user("coordinator", email="aktiv@example.org")
    gone = make_user("coordinator", email="borte@example.org")
    gone.active = False
    db.session.commit()
    answers = {}
    for email in ("aktiv@example.org", "ukjent@example.org", "borte@example.org"):
        response = ask(app.test_client(), email)
        page = without_csrf(response.get_data(as_text=True)).replace(email, "EMAIL")
        answers[email] = (response.status_code, page)
    assert len(set(answers.values())) == 1
    assert answers["aktiv@example.org"][0] == 200
    assert [m["To"].addresses[0].addr_spec for m in inbox.all()] == [active.email]
    assert "Sjekk e-posten din" in answers["aktiv@example.org"][1]


def test_a_reset_link_sets_a_password_ends_every_session_and_token_and_mails_a_notice(
        app, client, db, make_user, inbox):
    user = make_user("coordinator", email="kari@example.org")
    elsewhere = app.test_client()
    login_as(elsewhere, user)
    _token, secret = new_token(user, "script")
    db.session.commit()
    assert elsewhere.get("/").status_code == 200 and api_works(client, secret)

    ask(client, user.email)
    message = inbox.last(user.email)
    text = body(message)
    assert "ignore this mail" in text and "se bort fra denne e-posten" in text
    path = link_in(message, "password/reset")
    assert "kari@example.org" in read(client.get(path).data).text
    response = choose_password(client, path)
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this browser is signed in with the new password

    assert "/login" in elsewhere.get("/").headers["Location"]
    assert not api_works(app.test_client(), secret)
    assert db.session.scalar(select(ApiToken.revoked_at).where(ApiToken.user_id == user.id))
    notice = inbox.last(user.email)
    assert notice is not message
    assert "was just changed" in body(notice) and "/password/forgot" in body(notice)
    # The old password no longer opens the account; the new one does.
    other = app.test_client()
    assert other.post("/login", data={"email": user.email, "password": PASSWORD,
                                      "csrf_token": csrf_token(other)}).status_code == 400
    assert other.post("/login", data={"email": user.email, "password": NEW_PASSWORD,
                                      "csrf_token": csrf_token(other)}).status_code == 302
    # And the link is used up.
    assert app.test_client().get(path).status_code == 404


def test_a_newer_reset_link_replaces_the_older(app, client, make_user, inbox):
    user = make_user("coordinator")
    ask(client, user.email)
    first = link_in(inbox.last(user.email), "password/reset")
    ask(client, user.email)
    second = link_in(inbox.last(user.email), "password/reset")
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_the_token_decides_whose_password_is_set(app, db, make_user, inbox):
    """There is no way to name the account on the page: another user's link sets only that
    user's password, and an invented one none."""
    kari = make_user("coordinator", email="kari@example.org")
    ola = make_user("coordinator", email="ola@example.org")
    ask(app.test_client(), ola.email)
    olas = link_in(inbox.last(ola.email), "password/reset")
    visitor = app.test_client()
    response = visitor.post(olas, data={"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD,
                                        "email": kari.email, "user_id": str(kari.id),
                                        "csrf_token": csrf_token(visitor)})
    assert response.status_code == 302
    db.session.expire_all()
    from tracker.users.services import password_matches
    assert password_matches(ola, NEW_PASSWORD) and password_matches(kari, PASSWORD)


def test_an_expired_reset_link_is_refused(app, client, make_user, inbox, frozen_clock):
    from datetime import datetime, timedelta, timezone

    start = datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc)
    frozen_clock(start)
    user = make_user("coordinator")
    ask(client, user.email)
    path = link_in(inbox.last(user.email), "password/reset")
    frozen_clock(start + timedelta(hours=1, minutes=59))
    assert client.get(path).status_code == 200
    frozen_clock(start + timedelta(hours=2))
    response = choose_password(client, path)
    assert response.status_code == 404
    assert "Be om en ny lenke" in read(response.data).text


def test_one_address_gets_at_most_three_mails_an_hour_and_the_answer_does_not_change(
        app, client, make_user, inbox):
    user = make_user("coordinator")
    answers = {ask(app.test_client(), user.email).status_code for _ in range(5)}
    assert answers == {200}
    assert len(inbox.to(user.email)) == 3


def test_the_mail_goes_after_the_answer(app, make_user, inbox):
    """So an address with an account is answered as fast as one without: the mail server's
    time is not in the answer."""
    user = make_user("coordinator")
    client = app.test_client()
    # Not buffered: the suite's client reads a body whole by default, which would close the
    # answer, and run what follows it, before the test could look.
    response = client.post("/password/forgot", data={"email": user.email, "csrf_token": csrf_token(client)},
                           buffered=False)
    assert response.status_code == 200 and inbox.all() == []
    response.close()
    link_in(inbox.last(user.email), "password/reset")


def test_a_mail_server_that_is_down_changes_nothing_in_the_answer(app, make_user, inbox, monkeypatch):
    user = make_user("coordinator")
    monkeypatch.setitem(app.config, "MAIL_URL", "smtp://127.0.0.1:1")  # nothing listens there
    answers = set()
    for email in (user.email, "ukjent@example.org"):
        response = ask(app.test_client(), email)
        answers.add((response.status_code, without_csrf(response.get_data(as_text=True)).replace(email, "E")))
    assert len(answers) == 1


def test_one_browser_address_is_slowed_after_ten_requests(app, client, inbox):
    for n in range(10):
        assert ask(client, f"person{n}@example.org").status_code == 200
    assert ask(client, "person99@example.org").status_code == 429


def test_an_admin_sends_a_reset_link_from_the_users_page(admin, db, make_user, inbox):
    user = make_user("agency")
    response = admin.post(f"/admin/users/{user.id}/password-reset",
                          data={"csrf_token": csrf_token(admin)})
    assert response.status_code == 302
    assert "er sendt til" in read(admin.get(response.headers["Location"]).data).text
    link_in(inbox.last(user.email), "password/reset")
    link = db.session.scalar(select(AccountLink).where(AccountLink.user_id == user.id))
    assert link.purpose is LinkPurpose.PASSWORD_RESET and link.created_by_id == admin.user.id
    page = read(admin.get(f"/admin/users/{user.id}").data).text
    assert "Nytt passord, sendt" in page and admin.user.email in page


def test_the_link_is_stored_only_as_a_hash(client, db, make_user, inbox):
    user = make_user("coordinator")
    ask(client, user.email)
    token = link_in(inbox.last(user.email), "password/reset").rsplit("/", 1)[1]
    link = db.session.scalar(select(AccountLink).where(AccountLink.user_id == user.id))
    assert token not in link.token_hash and len(link.token_hash) == 64


def test_two_tabs_cannot_both_use_a_link(app, db, make_user, inbox):
    """Both found the link live; the conditional update lets only the first use it."""
    from tracker.users.links import LinkNotWorking, find_link, use_link

    user = make_user("coordinator")
    ask(app.test_client(), user.email)
    token = link_in(inbox.last(user.email), "password/reset").rsplit("/", 1)[1]
    first, second = find_link(token, LinkPurpose.PASSWORD_RESET), find_link(token, LinkPurpose.PASSWORD_RESET)
    use_link(first)
    try:
        use_link(second)
    except LinkNotWorking:
        pass
    else:
        raise AssertionError("a link was used twice")


def test_forgot_password_does_its_work_only_after_answering(app, db, make_user, inbox):
    """Looking the address up, making the link and composing the mail take time only a real
    account needs; done before the answer, that time would tell which addresses have accounts.
    So the answer comes first, for every address alike, and the rest follows."""
    user = make_user("coordinator", email="kari@example.org")
    client = app.test_client()
    response = client.post("/password/forgot", data={"email": user.email,
                                                     "csrf_token": csrf_token(client)},
                           buffered=False)  # as above: the answer stays open until closed
    assert response.status_code == 200
    links = select(AccountLink).where(AccountLink.user_id == user.id)
    assert db.session.scalars(links).all() == [] and inbox.all() == []
    response.close()  # the answer has gone
    assert [link.purpose for link in db.session.scalars(links)] == [LinkPurpose.PASSWORD_RESET]
    link_in(inbox.last(user.email), "password/reset")


def test_after_an_invitation_is_revoked_forgot_password_sends_nothing(
        app, admin, db, make_user, inbox):
    """Revoking an invitation locks the account until a new one: "Forgot password?" answers
    as for any address but mails no link, and the administrator is told so."""
    from tracker.users.links import send_invitation

    user = make_user("coordinator", email="ny@example.org", password=None)
    send_invitation(user)
    db.session.commit()
    response = admin.post(f"/admin/users/{user.id}/invitation/revoke",
                          data={"csrf_token": csrf_token(admin)})
    told = read(admin.get(response.headers["Location"]).data).text
    assert "Glemt passord?" in told and "ny invitasjon" in told
    again = read(admin.get(f"/admin/users/{user.id}").data).text
    assert "Invitasjonen er trukket tilbake" in again
    before = len(inbox.all())
    response = ask(app.test_client(), user.email)
    assert response.status_code == 200 and "Sjekk e-posten din" in response.get_data(as_text=True)
    assert len(inbox.all()) == before
    # A new invitation opens the way again.
    send_invitation(user)
    db.session.commit()
    ask(app.test_client(), user.email)
    link_in(inbox.last(user.email), "password/reset")
