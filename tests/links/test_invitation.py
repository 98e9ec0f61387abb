"""An administrator invites; the invited person chooses a password through the mailed link and
is signed in. The link works once, until it expires or is revoked, and says nothing about
whose it was when it does not work."""
from datetime import datetime, timedelta, timezone

import re

import pytest
from sqlalchemy import select, update


from tests.conftest import csrf_token, login_as
from tests.html import read
from tests.links.conftest import NEW_PASSWORD, body, choose_password, link_in
from tests.outbox import queued
from tracker import clock
from tracker.outbox.models import MailKind, OutboxMessage
from tracker.users.models import AccountLink, AccountStatus, User


def invite(admin, email="ny.leder@example.org", role="COORDINATOR", organisation=""):
    return admin.post("/admin/users/new", data={"email": email, "role": role,
                                                 "organisation": organisation,
                                                 "csrf_token": csrf_token(admin)})


def new_user(db, email="ny.leder@example.org") -> User:
    return db.session.scalar(select(User).where(User.email == email))


def test_an_invitation_is_mailed_and_the_link_sets_a_password_and_signs_in(app, admin, db, inbox):
    response = invite(admin)
    assert response.status_code == 302
    flashed = read(admin.get(response.headers["Location"]).data).text
    assert "invitasjon er sendt til ny.leder@example.org" in flashed
    user = new_user(db)
    assert user.status is AccountStatus.INVITED and not user.has_password

    message = inbox.last("ny.leder@example.org")
    text = body(message)
    # Who invited, what the tool is, the link, until when, and single sign-on: in bokmål, then English.
    assert admin.user.email in text
    assert "Program for toppledergrupper" in text and "Programme for top-management groups" in text
    assert "engangslenke" not in text  # (the words are the catalogue's, not made up here)
    assert "norsk tid" in text and "Norwegian time" in text
    assert "ID-porten" in text
    assert text.index("Hei") < text.index("Hello")
    path = link_in(message, "invitation")

    visitor = app.test_client()
    page = visitor.get(path)
    assert page.status_code == 200
    text = read(page.data).text
    assert "ny.leder@example.org" in text and "Koordinator" in text
    response = choose_password(visitor, path)
    assert response.status_code == 302
    assert visitor.get("/").status_code == 200  # signed in
    db.session.expire_all()
    user = new_user(db)
    assert user.has_password and user.status is AccountStatus.ACTIVE
    # The new password signs in on its own.
    other = app.test_client()
    assert other.post("/login", data={"email": user.email, "password": NEW_PASSWORD,
                                      "csrf_token": csrf_token(other)}).status_code == 302


def test_the_link_works_once(app, admin, inbox):
    invite(admin)
    path = link_in(inbox.last("ny.leder@example.org"), "invitation")
    assert choose_password(app.test_client(), path).status_code == 302
    second = app.test_client()
    for response in (second.get(path), choose_password(second, path, "en helt annen frase her")):
        assert response.status_code == 404
        text = read(response.data).text
        assert "Lenken virker ikke" in text and "ny.leder" not in text
        assert 'href="/password/forgot"' in response.get_data(as_text=True)


def test_an_expired_invitation_is_refused(app, admin, inbox, frozen_clock):
    start = datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc)
    frozen_clock(start)
    invite(admin)
    path = link_in(inbox.last("ny.leder@example.org"), "invitation")
    visitor = app.test_client()
    frozen_clock(start + timedelta(hours=71, minutes=59))
    assert visitor.get(path).status_code == 200
    frozen_clock(start + timedelta(hours=72))
    assert visitor.get(path).status_code == 404
    assert choose_password(visitor, path).status_code == 404


def test_an_altered_or_made_up_link_is_refused_the_same_way(app, admin, inbox):
    invite(admin)
    path = link_in(inbox.last("ny.leder@example.org"), "invitation")
    visitor = app.test_client()
    used_up = visitor.get("/invitation/" + "A" * 43)
    for altered in (path[:-1] + ("A" if path[-1] != "A" else "B"), path + "x", "/invitation/x",
                    "/invitation/" + "%00" * 30, "/invitation/" + "a" * 500):
        response = visitor.get(altered)
        assert response.status_code == 404
        assert read(response.data).text == read(used_up.data).text
    assert visitor.get(path).status_code == 200  # the real one still works


def test_a_reset_link_does_not_open_the_invitation_page_or_the_other_way(app, admin, db, inbox, make_user):
    invite(admin)
    path = link_in(inbox.last("ny.leder@example.org"), "invitation")
    token = path.rsplit("/", 1)[1]
    assert app.test_client().get(f"/password/reset/{token}").status_code == 404


def test_revoking_and_re_sending_invitations(app, admin, db, inbox):
    invite(admin)
    user = new_user(db)
    first = link_in(inbox.last(user.email), "invitation")
    # Sending again: the first link stops working, the new one works.
    admin.post(f"/admin/users/{user.id}/invitation", data={"csrf_token": csrf_token(admin)})
    second = link_in(inbox.last(user.email), "invitation")
    visitor = app.test_client()
    assert first != second
    assert visitor.get(first).status_code == 404
    assert visitor.get(second).status_code == 200
    page = read(admin.get(f"/admin/users/{user.id}").data).text
    assert "Invitasjon, sendt" in page and "Send invitasjonen på nytt" in page
    response = admin.post(f"/admin/users/{user.id}/invitation/revoke",
                          data={"csrf_token": csrf_token(admin)})
    assert response.status_code == 302
    assert visitor.get(second).status_code == 404
    live = db.session.scalars(select(AccountLink).where(AccountLink.user_id == user.id,
                                                        AccountLink.revoked_at.is_(None))).all()
    assert live == []


def test_a_refused_password_leaves_the_invitation_working(app, admin, inbox, db):
    invite(admin)
    path = link_in(inbox.last("ny.leder@example.org"), "invitation")
    visitor = app.test_client()
    response = choose_password(visitor, path, "ny.leder sitt passord")
    assert response.status_code == 400
    assert "e-postadresse" in read(response.data).text
    response = choose_password(visitor, path, NEW_PASSWORD, "noe annet helt")
    assert response.status_code == 400
    assert choose_password(visitor, path).status_code == 302


def test_a_signed_in_reader_is_asked_to_sign_out_and_the_link_stays_unused(app, admin, inbox, db, make_user):
    invite(admin)
    path = link_in(inbox.last("ny.leder@example.org"), "invitation")
    someone = app.test_client()
    login_as(someone, make_user("coordinator"))
    response = someone.get(path)
    assert response.status_code == 200
    assert "Logg ut" in read(response.data).text
    assert choose_password(someone, path).status_code == 200
    assert not new_user(db).has_password
    assert choose_password(app.test_client(), path).status_code == 302


def test_a_deactivated_users_invitation_no_longer_works(app, admin, inbox, db):
    invite(admin)
    user = new_user(db)
    path = link_in(inbox.last(user.email), "invitation")
    admin.post(f"/admin/users/{user.id}", data={"role": "COORDINATOR", "organisation": "",
                                                 "csrf_token": csrf_token(admin)})
    assert app.test_client().get(path).status_code == 404


def test_an_email_that_has_an_account_is_refused_with_a_field_message(admin, db, make_user, inbox):
    existing = make_user("coordinator")
    response = invite(admin, email=existing.email.upper())
    assert response.status_code == 400
    page = read(response.data)
    assert page.all("input", id="email")[0].get("aria-invalid") == "true"
    assert "finnes allerede" in page.text
    assert inbox.all() == []


def test_use_invitation_is_the_one_way_to_take_up_an_invitation(app, admin, inbox, db):
    """What single sign-on calls: the link is used up and its user returned."""
    from tracker.users.links import LinkNotWorking, use_invitation

    invite(admin)
    token = link_in(inbox.last("ny.leder@example.org"), "invitation").rsplit("/", 1)[1]
    assert use_invitation(token).email == "ny.leder@example.org"
    try:
        use_invitation(token)
    except LinkNotWorking:
        pass
    else:
        raise AssertionError("an invitation was taken up twice")


def test_an_invitation_made_while_the_mail_server_is_down_waits_in_the_outbox(app, admin, db, inbox,
                                                                          monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_URL", "smtp://127.0.0.1:1")  # nothing listens there
    response = invite(admin)
    assert response.status_code == 302
    assert new_user(db) is not None
    assert app.test_cli_runner().invoke(args=["mail", "send"]).exit_code == 1
    [waiting] = queued(MailKind.ACCOUNT_INVITATION)
    monkeypatch.setitem(app.config, "MAIL_URL", None)
    db.session.execute(update(OutboxMessage).values(next_attempt_at=clock.now()))
    db.session.commit()
    [sent] = inbox.all()
    assert sent["Message-ID"] == waiting["Message-ID"]


PROVIDERS = {
    "idporten": {"name": "ID-porten", "issuer": "https://idporten.example", "client_id": "x"},
    "entra": {"name": "Entra ID", "issuer": "https://login.example/tenant/v2.0",
              "client_id": "y", "match_email": True},
}


def sso_forms(html: str):
    """(form's attributes, its inputs, its button's attributes, its button's text) of each form
    that starts single sign-on."""
    forms = []
    for block in re.findall(r'<form[^>]*action="/sso/.*?</form>', html, re.S):
        page = read(block)
        forms.append((page.all("form")[0], page.all("input"), page.all("button")[0],
                      read(re.search(r"<button.*?</button>", block, re.S).group(0)).text))
    return forms


@pytest.mark.parametrize("role, offered", [
    ("coordinator", ["idporten", "entra"]),  # staff: Entra ID (found by e-mail) too
    ("agency", ["idporten"]),
])
def test_the_invitation_offers_single_sign_on_as_buttons_that_post_the_invitation(
        app, db, make_user, monkeypatch, role, offered):
    from tracker.users.links import send_invitation

    monkeypatch.setitem(app.config, "OIDC_PROVIDERS", PROVIDERS)
    user = make_user(role, password=None)
    _link, token = send_invitation(user)
    db.session.commit()
    visitor = app.test_client()
    html = visitor.get(f"/invitation/{token}").get_data(as_text=True)
    forms = sso_forms(html)
    assert [form["action"] for form, *_ in forms] == [f"/sso/{name}/start" for name in offered]
    for form, inputs, button, _text in forms:
        assert form["method"] == "post"
        fields = {i["name"]: i.get("value") for i in inputs}
        assert fields.keys() == {"csrf_token", "invitation"} and fields["invitation"] == token
        assert "ds-button" in button["class"] and button["data-variant"] == "secondary"
    assert forms[0][3] == "Logg inn med ID-porten"
    assert token not in " ".join(a.get("href", "") for a in read(html).all("a"))


def test_a_signed_in_reader_is_not_told_the_link_still_works(app, db, make_user):
    from tracker.users.links import send_invitation

    user = make_user("coordinator", password=None)
    _link, token = send_invitation(user)
    db.session.commit()
    reader = app.test_client()
    login_as(reader, make_user("coordinator"))
    for path in (f"/invitation/{token}", "/invitation/" + "x" * 43):
        text = read(reader.get(path).data).text
        assert "logger du først ut" in text and "virker fortsatt" not in text
