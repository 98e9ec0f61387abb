"""Invitations and password reset: the pages a one-time link opens, and "Forgot password?".

The rules (what a link is, when it works, what taking it up does) are tracker.users.links; these
views only ask and answer. A link that does not work gets one page, the same for every reason,
naming no account. A reader who is signed in is not signed out by opening a link (another
person's link opened in a shared browser must not end the owner's session, nor may a link sign
the owner in as someone else): they are asked to sign out first, and the link stays unused.
"""
from collections.abc import Callable

from flask import Blueprint, current_app, flash, make_response, render_template
from flask_babel import gettext as _
from flask_login import current_user
from limits import parse
from limits.strategies import MovingWindowRateLimiter

from tracker import security_log
from tracker.auth import oidc
from tracker.auth.forms import ForgotPasswordForm, NewPasswordForm
from tracker.auth.signin import sign_in_and_redirect
from tracker.auth.throttle import account_key
from tracker.domain import DomainError
from tracker.extensions import db, limiter
from tracker.forms import form_status
from tracker.users.links import (
    LinkNotWorking,
    accept_invitation,
    find_link,
    mail_reset_link_after_answer,
    reset_password,
    welcome_message,
)
from tracker.users.models import LinkPurpose, User

bp = Blueprint("links", __name__)

# How often one browser address may ask for reset links (a 429 past it), and how many mails one
# e-mail address gets (past it, the same answer and no mail): nobody can fill another person's
# inbox with reset mails, nor learn from the answer that an address has an account.
FORGOT_LIMIT_PER_ADDRESS = "10 per 15 minutes"
FORGOT_LIMIT_PER_EMAIL = "3 per hour"


def _forgot_limit_per_address() -> str:
    return current_app.config.get("FORGOT_PASSWORD_LIMIT_PER_ADDRESS", FORGOT_LIMIT_PER_ADDRESS)


def may_mail(email: str) -> bool:
    """Count one reset mail to `email` (by a hash of it); False past the limit. When the
    limiter's storage is unreachable, the mail goes: a reset must not depend on Redis."""
    item = parse(current_app.config.get("FORGOT_PASSWORD_LIMIT_PER_EMAIL", FORGOT_LIMIT_PER_EMAIL))
    try:
        return MovingWindowRateLimiter(limiter.storage).hit(item, "forgot-password",
                                                             account_key(email))
    except Exception:  # noqa: BLE001  (whatever the storage's failure, the reader is answered)
        return True


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_forgot_limit_per_address, methods=["POST"])
def forgot():
    """Ask for a reset link. The answer is the same page, whether the address has an account,
    has none, or is deactivated, so the page tells nobody which addresses have accounts."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        email = form.email.data
        response = make_response(render_template("links/forgot_sent.html", email=email))
        if may_mail(email):
            # Everything else (the lookup, the link, the mail) happens after the answer has
            # gone, for every address alike: the time to answer tells nothing.
            app = current_app._get_current_object()
            address = security_log.address_tag()
            response.call_on_close(lambda: mail_reset_link_after_answer(app, email, address))
        else:
            security_log.record("password_reset_throttled", user_id=None)
        return response
    return render_template("links/forgot.html", form=form), form_status(form)


def not_working_page():
    """The one answer to a link that does not work (for any reason), naming no account; single
    sign-on answers an invitation that does not work with it too."""
    return render_template("links/not_working.html"), 404


def link_page(token: str, purpose: LinkPurpose, take_up: Callable[[str, str], User],
              done: Callable[[], str], template: str, **context):
    """The page a one-time link of `purpose` opens, and its form: choosing a password with it.

    `take_up(token, password)` is the service that uses the link; on success the reader is
    signed in (staff who must use an authenticator are asked for it there) and told `done()`.
    A refused password stays on the form and leaves the link working; a link that does not
    work, or stopped working between the page and the form (another tab), gets the one page
    that says so.
    """
    if current_user.is_authenticated:
        return render_template("links/signed_in.html")
    try:
        link = find_link(token, purpose)
    except LinkNotWorking:
        return not_working_page()
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = take_up(token, form.password.data)
        except LinkNotWorking:
            db.session.rollback()
            return not_working_page()
        except DomainError as error:
            db.session.rollback()
            form.add_domain_error(error)
        else:
            db.session.flush()
            response = sign_in_and_redirect(user, method="password", next_url=None)
            flash(done(), "success")  # after the sign-in renewed the session, or it would go
            return response
    # A context value that is a function is asked about the link's user (who may see what).
    context = {key: value(link.user) if callable(value) else value
               for key, value in context.items()}
    return (render_template(template, form=form, user=link.user, expires_at=link.expires_at,
                            **context), form_status(form))


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    return link_page(token, LinkPurpose.PASSWORD_RESET, reset_password,
                     lambda: _("Your password is changed. Every other place you were signed in "
                               "is signed out, and your API tokens are revoked."),
                     "links/reset.html")


def sso_choices(user: User) -> list[oidc.Provider]:
    """The identity providers `user` may take up their invitation with. A provider that finds
    its users by e-mail is for staff (README: Entra ID for Difi's own people), so it is offered
    only on a staff account's invitation."""
    return [provider for provider in oidc.providers()
            if user.is_staff or not provider.match_email]


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def invitation(token: str):
    return link_page(token, LinkPurpose.INVITATION, accept_invitation,
                     welcome_message, "links/invitation.html",
                     invitation_token=token, sso=sso_choices)
