"""`flask --app tracker users …`: invitations, reset links and chosen passwords for operators."""
from sqlalchemy import select

from tests.outbox import queued
from tracker.outbox.models import MailKind

from tests.conftest import PASSWORD, csrf_token, login_as
from tests.links.conftest import NEW_PASSWORD, link_in
from tracker.auth.tokens import new_token
from tracker.users.models import AccountLink, LinkPurpose, User
from tracker.users.services import password_matches


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=["users", *args], input=input)


def test_create_sends_an_invitation_and_prints_the_link_when_mail_goes_to_the_folder(app, db, inbox):
    result = run(app, "create", "--email", "Ny@Example.org", "--role", "coordinator")
    assert result.exit_code == 0, result.output
    path = link_in(inbox.last("ny@example.org"), "invitation")
    assert path in result.output and str(inbox.folder) in result.output
    user = db.session.scalar(select(User).where(User.email == "ny@example.org"))
    assert not user.has_password


def test_with_a_mail_server_the_link_is_not_printed(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_URL", "smtp://127.0.0.1:2525")
    result = run(app, "create", "--email", "ny@example.org", "--role", "coordinator")
    assert result.exit_code == 0, result.output
    assert len(queued(MailKind.ACCOUNT_INVITATION, to="ny@example.org")) == 1
    assert "/invitation/" not in result.output and "mail send" in result.output


def test_create_with_a_password_from_stdin_sends_no_invitation(app, client, db, inbox):
    result = run(app, "create", "--email", "robot@example.org", "--role", "coordinator",
                 "--password-stdin", input=NEW_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert inbox.all() == []
    assert client.post("/login", data={"email": "robot@example.org", "password": NEW_PASSWORD,
                                       "csrf_token": csrf_token(client)}).status_code == 302


def test_invite_sends_a_new_invitation_and_the_old_one_stops_working(app, client, db, inbox):
    run(app, "create", "--email", "ny@example.org", "--role", "coordinator")
    first = link_in(inbox.last("ny@example.org"), "invitation")
    result = run(app, "invite", "NY@example.org")
    assert result.exit_code == 0, result.output
    second = link_in(inbox.last("ny@example.org"), "invitation")
    assert client.get(first).status_code == 404 and client.get(second).status_code == 200


def test_invite_refuses_a_user_who_has_signed_in_and_an_unknown_address(app, make_user, client):
    user = make_user("coordinator")
    login_as(client, user)  # signs in: the account is active, no longer invited
    result = run(app, "invite", user.email)
    assert result.exit_code != 0 and "password reset link" in result.output
    result = run(app, "invite", "nobody@example.org")
    assert result.exit_code != 0 and "nobody@example.org" in result.output


def test_reset_password_mails_a_link(app, db, make_user, inbox):
    user = make_user("coordinator")
    result = run(app, "reset-password", user.email)
    assert result.exit_code == 0, result.output
    link_in(inbox.last(user.email), "password/reset")
    link = db.session.scalar(select(AccountLink).where(AccountLink.user_id == user.id))
    assert link.purpose is LinkPurpose.PASSWORD_RESET


def test_reset_password_from_stdin_ends_sessions_and_tokens(app, db, make_user, inbox):
    user = make_user("coordinator")
    browser = app.test_client()
    login_as(browser, user)
    _token, secret = new_token(user, "script")
    db.session.commit()
    result = run(app, "reset-password", user.email, "--password-stdin", input=NEW_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert password_matches(user, NEW_PASSWORD) and not password_matches(user, PASSWORD)
    assert "/login" in browser.get("/").headers["Location"]
    assert app.test_client().get("/api/v1/cohorts", headers={
        "Authorization": f"Bearer {secret}"}).status_code == 401
    assert "was just changed" in inbox.last(user.email).get_body(("plain",)).get_content()


def test_reset_password_from_stdin_holds_the_policy(app, db, make_user):
    user = make_user("coordinator")
    result = run(app, "reset-password", user.email, "--password-stdin", input="kort\n")
    assert result.exit_code != 0 and "at least 12 characters" in result.output
    db.session.expire_all()
    assert password_matches(user, PASSWORD)
