from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from tracker import security_log
from tracker.auth import factors, throttle
from tracker.auth.throttle import throttled, wait_words
from tracker.auth.recent import ConfirmThrottled, confirm_identity, note_checked, recent_check_required
from tracker.auth.signin import fresh_browser_session, sign_in_and_redirect
from tracker.auth.forms import ChangePasswordForm, LoginForm, SignOutForm, TokenForm
from tracker.auth.sessions import (
    active_sessions,
    current_sign_in,
    end,
    end_all,
    end_at_once,
    get_session_or_404,
    sign_in,
)
from tracker.auth.two_factor.forms import ActionForm, ConfirmForm
from tracker.auth.tokens import get_token_or_404, new_token, revoke, tokens_of
from tracker.extensions import db
from tracker.forms import form_status, save
from tracker.urls import safe_next
from tracker.domain import DomainError
from tracker.i18n import when
from tracker.users.links import send_password_reset
from tracker.users.services import account_id, authenticate, change_password

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        email = form.email.data
        wait = throttle.take_attempt(email)
        if wait is not None:
            security_log.record("sign_in_throttled", user_id=account_id(email), wait_seconds=wait)
            # Not an error in the form (there is nothing to correct): an alert of its own.
            message = _("Too many attempts to sign in. Wait %(wait)s and try again.",
                        wait=wait_words(wait))
            return throttled(render_template("auth/login.html", form=form, throttled=message), wait)
        user = authenticate(email, form.password.data)
        if user is None:
            throttle.note_failure(email, attempt_taken=True)
            security_log.record("sign_in_failed", user_id=account_id(email))
            # The same words whether the email exists or not.
            form.form_errors.append(_("Wrong email or password."))
        else:
            throttle.note_success(email)
            response = sign_in_and_redirect(user, method="password", next_url=form.next.data)
            throttle.remember_device(response, throttle.account_key(email))
            return response
    return render_template("auth/login.html", form=form), form_status(form)


@bp.post("/logout")
def logout():
    """Sign out: of this browser; of every browser (`everywhere`); or end one other sign-in
    session of one's own (`sign_in`, from the account page)."""
    form = SignOutForm()
    if not form.validate():
        return redirect(url_for("auth.account"))
    current = current_sign_in()
    if form.everywhere.data:
        end_all(current_user, "signed_out_everywhere")
        message = _("You are signed out everywhere.")
    elif form.sign_in.data and (other := get_session_or_404(form.sign_in.data, current_user)) != current:
        end(other, "ended_from_account")
        flash(_("That sign-in is ended: the browser is signed out."), "success")
        return redirect(url_for("auth.account"))
    else:
        if current is not None:
            end(current, "signed_out")
        message = _("You are signed out.")
    logout_user()
    fresh_browser_session()
    flash(message, "success")  # after the session is emptied, or it would go with it
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"], endpoint="change_password")
def change_password_page():
    user = current_user._get_current_object()
    form = ChangePasswordForm(user=user)
    # A wrong current password counts as a failed sign-in (tracker.auth.throttle, the same
    # counts), so whoever holds a signed-in browser guesses no faster than at the sign-in page.
    # While the limit holds, the password is not even checked.
    if form.is_submitted() and (wait := throttle.seconds_to_wait(user.email)) is not None:
        return password_change_throttled(form, user, wait)
    if save(form, lambda: change_password(user, form.current_password.data, form.new_password.data)):
        throttle.note_success(user.email)
        # Every sign-in session ended with the old password, this one too; this browser goes
        # on in a new one, so only the others are signed out.
        fresh_browser_session()
        session.permanent = True
        sign_in(user)
        flash(
            _("Your password is changed. Other places you were signed in are signed out, "
              "and your API tokens are revoked."),
            "success",
        )
        return redirect(url_for("programmes.home"))
    if form.wrong_current_password:
        throttle.note_failure(user.email)
        security_log.record("password_change_failed", user_id=user.id)
        if (wait := throttle.seconds_to_wait(user.email)) is not None:
            # This browser's own guesses reached the limit: end its sign-in too. Someone who
            # guesses the password of the account they are signed in to is most likely not its
            # owner (a borrowed or stolen browser); ending the session takes the rest of the
            # account out of their hands as well. The owner, who knows the password, signs in
            # again after the wait. Only here, after a checked (CSRF-protected) guess, so no
            # other site can sign anyone out by posting to this page. At once: the 429 rolls
            # the request back.
            if (record := current_sign_in()) is not None:
                end_at_once(record, "password_guessing")
            logout_user()
            fresh_browser_session()
            return password_change_throttled(form, user, wait, signed_out=True)
    return render_template("auth/change_password.html", form=form), form_status(form)


def password_change_throttled(form: ChangePasswordForm, user, wait: int, *, signed_out=False):
    """The refusal while changing the password is throttled: 429, with how long to wait."""
    security_log.record("password_change_throttled", user_id=user.id, wait_seconds=wait,
                        signed_out=signed_out)
    if signed_out:
        message = _("Too many wrong passwords. For safety you are signed out of this browser. "
                    "Wait %(wait)s and sign in again.", wait=wait_words(wait))
    else:
        message = _("Too many wrong passwords. Wait %(wait)s and try again.",
                    wait=wait_words(wait))
    return throttled(render_template("auth/change_password.html", form=form, throttled=message,
                                     signed_out=signed_out), wait)


@bp.route("/account/confirm", methods=["GET", "POST"])
def confirm():
    """Confirm it is you: the password or a code from the authenticator (or, for a user with
    neither, their identity provider), then back to `next`.

    Wrong passwords and codes count in the sign-in throttle, as on the password page: whoever
    holds a signed-in browser guesses no faster here than at the sign-in page; at the limit
    this browser's sign-in ends too.
    """
    user = current_user._get_current_object()
    form = ConfirmForm(next=request.args.get("next", ""))
    record = current_sign_in()
    if form.validate_on_submit():
        try:
            way = confirm_identity(user, code=form.code.data, password=form.password.data)
        except ConfirmThrottled as refusal:
            if refusal.signed_out:
                # Guessing the password or code of the account one is signed in to: most likely
                # not its owner, so this browser's sign-in ends (as on the password page).
                if record is not None:
                    end_at_once(record, "confirm_guessing")
                logout_user()
                fresh_browser_session()
            return confirm_throttled(form, user, refusal.wait, signed_out=refusal.signed_out)
        except DomainError as error:
            (getattr(form, error.field).errors if error.field else form.form_errors).append(
                str(error))
        else:
            if record is not None:
                note_checked(record)
            security_log.record("identity_confirmed", user_id=user.id, way=way)
            return redirect(safe_next(form.next.data))
    return confirm_page(form, user), form_status(form)


def confirm_page(form: ConfirmForm, user, **values):
    providers = sorted({identity.provider for identity in user.identities})
    return render_template("auth/confirm.html", form=form, providers=providers, **values)


def confirm_throttled(form: ConfirmForm, user, wait: int, *, signed_out=False):
    security_log.record("confirm_throttled", user_id=user.id, wait_seconds=wait,
                        signed_out=signed_out)
    if signed_out:
        message = _("Too many wrong attempts. For safety you are signed out of this browser. "
                    "Wait %(wait)s and sign in again.", wait=wait_words(wait))
    else:
        message = _("Too many wrong attempts. Wait %(wait)s and try again.",
                    wait=wait_words(wait))
    return throttled(confirm_page(form, user, throttled=message, signed_out=signed_out), wait)


# The account page: where you are signed in, and personal access tokens for the JSON API


def account_page(form: TokenForm, *, new_secret: str | None = None):
    return render_template(
        "auth/account.html",
        form=form,
        tokens=db.session.scalars(tokens_of(current_user)).all(),
        sign_ins=db.session.scalars(active_sessions(current_user)).all(),
        current_sign_in=current_sign_in(),
        new_secret=new_secret,
        recovery_codes_left=(factors.recovery_codes_left(current_user)
                             if current_user.has_two_factor else 0),
        two_factor_required=factors.requires_two_factor(current_user),
    )


@bp.get("/account")
def account():
    return account_page(TokenForm())


@bp.post("/account/password-link")
def send_password_link():
    """A user who signs in only through an identity provider may want a password too: the
    same link a forgotten password gets, to their own address, so choosing one proves they
    read that mail as well."""
    form = ActionForm()
    if current_user.has_password:
        return redirect(url_for("auth.account"))
    if saved := save(form, lambda: send_password_reset(current_user._get_current_object())):
        link, _secret = saved.result
        flash(_("A link to choose a password is sent to %(email)s. It works until %(when)s.",
                email=current_user.email, when=when(link.expires_at)), "success")
    else:
        for message in form.form_errors or [_("The form has expired. Try again.")]:
            flash(message, "error")
    return redirect(url_for("auth.account"))


@bp.post("/account/tokens")
@recent_check_required
def create_token():
    form = TokenForm()
    if saved := save(form, lambda: new_token(current_user, form.name.data, form.lifetime_days())):
        _token, secret = saved.result
        # Shown on this answer only: a flash message would keep the token in the session cookie.
        return account_page(TokenForm(formdata=None), new_secret=secret)
    return account_page(form), form_status(form)


@bp.post("/account/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    token = get_token_or_404(token_id, current_user)
    revoke(token)
    flash(_("The token “%(name)s” is revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for("auth.account"))
