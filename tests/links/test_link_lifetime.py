"""A link ends when what it was for is over, whoever made the change: deactivation ends every
live link, any new password ends every live link (an earlier reset link would undo it), and
the first sign-in or a password ends the invitation. Every password change is mailed."""
import pytest

from tests.conftest import PASSWORD, csrf_token, login_as
from tests.links.conftest import NEW_PASSWORD, body, choose_password, link_in
from tracker.domain import DomainError
from tracker.users.links import link_url, send_invitation, send_password_reset
from tracker.users.models import LinkPurpose
from tracker.users.services import deactivate, set_password


def path_of(purpose, token):
    return link_url(purpose, token).split("tracker.example.org", 1)[1]


def works(app, path) -> bool:
    return app.test_client().get(path).status_code == 200


def test_deactivation_ends_every_live_link(app, db, make_user):
    invited = make_user("coordinator", password=None)
    invitation = path_of(LinkPurpose.INVITATION, send_invitation(invited)[1])
    reset = path_of(LinkPurpose.PASSWORD_RESET, send_password_reset(invited)[1])
    db.session.commit()
    assert works(app, invitation) and works(app, reset)
    deactivate(invited)
    db.session.commit()
    invited.active = True  # reactivation revives no link
    db.session.commit()
    assert not works(app, invitation) and not works(app, reset)


def test_changing_the_password_on_the_account_page_ends_a_reset_link_and_mails_a_notice(
        app, db, make_user, inbox):
    user = make_user("coordinator", email="kari@example.org")
    reset = path_of(LinkPurpose.PASSWORD_RESET, send_password_reset(user)[1])
    db.session.commit()
    browser = app.test_client()
    login_as(browser, user)
    response = browser.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD, "csrf_token": csrf_token(browser)})
    assert response.status_code == 302
    assert not works(app, reset)
    assert "was just changed" in body(inbox.last(user.email))


def test_the_first_sign_in_ends_the_invitation(app, db, make_user):
    user = make_user("coordinator", password=None)
    invitation = path_of(LinkPurpose.INVITATION, send_invitation(user)[1])
    db.session.commit()
    assert works(app, invitation)
    login_as(app.test_client(), user)  # (single sign-on, a reset link...: any way in)
    assert not works(app, invitation)


def test_a_password_ends_the_invitation_and_every_password_change_is_mailed(
        app, admin, db, make_user, inbox):
    """An old invitation must not set a new password for someone who has one (and sign their
    other sessions out, unnoticed)."""
    user = make_user("coordinator", email="ola@example.org", password=None)
    invitation = path_of(LinkPurpose.INVITATION, send_invitation(user)[1])
    reset = link_in(inbox.last(user.email), "invitation")
    assert reset == invitation
    db.session.commit()
    set_password(user, NEW_PASSWORD, event="password_set_by_operator")
    db.session.commit()
    assert not works(app, invitation)
    assert choose_password(app.test_client(), invitation, "et helt annet langt passord"
                           ).status_code == 404
    assert "was just changed" in body(inbox.last(user.email))


def test_taking_up_an_invitation_sends_no_change_notice(app, db, make_user, inbox):
    user = make_user("coordinator", email="ny@example.org", password=None)
    invitation = path_of(LinkPurpose.INVITATION, send_invitation(user)[1])
    db.session.commit()
    assert choose_password(app.test_client(), invitation).status_code == 302
    assert all("was just changed" not in body(m) for m in inbox.to(user.email))


def test_a_deactivated_account_gets_no_new_password(app, db, make_user):
    user = make_user("coordinator")
    deactivate(user)
    db.session.commit()
    with app.test_request_context(headers={"Accept-Language": "nb"}):
        with pytest.raises(DomainError) as refused:
            set_password(user, NEW_PASSWORD)
    assert refused.value.field == "password"
