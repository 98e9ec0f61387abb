import math
from datetime import timedelta

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from tracker import security_log
from tracker.auth import factors, throttle
from tracker.auth.recent import note_checked, recent_check_required
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
from tracker.auth.two_factor.forms import ConfirmForm
from tracker.auth.tokens import get_token_or_404, new_token, revoke, tokens_of
from tracker.extensions import db
from tracker.forms import form_status, save
from tracker.urls import safe_next
from tracker.users.services import account_id, authenticate, change_password, password_matches

bp = Blueprint("auth", __name__)


def wait_words(seconds: int) -> str:
    """"15 minutes", in the reader's language, rounded up to the minute."""
    minutes = timedelta(minutes=max(1, math.ceil(seconds / 60)))
    # Up to two hours in minutes: "90 minutes" says more than "2 hours".
    return format_timedelta(minutes, threshold=2)


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
            throttled = _("Too many attempts to sign in. Wait %(wait)s and try again.",
                          wait=wait_words(wait))
            return (render_template("auth/login.html", form=form, throttled=throttled), 429,
                    {"Retry-After": str(wait)})
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
        throttled = _("Too many wrong passwords. For safety you are signed out of this browser. "
                      "Wait %(wait)s and sign in again.", wait=wait_words(wait))
    else:
        throttled = _("Too many wrong passwords. Wait %(wait)s and try again.",
                      wait=wait_words(wait))
    return (render_template("auth/change_password.html", form=form, throttled=throttled,
                            signed_out=signed_out),
            429, {"Retry-After": str(wait)})


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
        use_code = bool(form.code.data) and user.has_two_factor
        use_password = not use_code and bool(form.password.data) and user.has_password
        key = factors.throttle_key(user) if use_code else user.email
        if not (use_code or use_password):
            form.form_errors.append(
                _("Enter the code from your authenticator app or your password.")
                if user.has_two_factor and user.has_password else
                _("Enter the code from your authenticator app.") if user.has_two_factor else
                _("Enter your password."))
        elif (wait := throttle.seconds_to_wait(key)) is not None:
            return confirm_throttled(form, user, wait)
        elif (factors.accept_code(user, form.code.data) if use_code
              else password_matches(user, form.password.data)):
            throttle.note_success(key)
            if record is not None:
                note_checked(record)
            security_log.record("identity_confirmed", user_id=user.id,
                                way="code" if use_code else "password")
            return redirect(safe_next(form.next.data))
        else:
            throttle.note_failure(key)
            security_log.record("confirm_failed", user_id=user.id,
                                way="code" if use_code else "password")
            if use_code:
                form.code.errors.append(_("That code is not right, or it has been used "
                                          "already. Wait for the next code and try again."))
            else:
                form.password.errors.append(_("The password is wrong."))
            if (wait := throttle.seconds_to_wait(key)) is not None:
                if record is not None:
                    end_at_once(record, "confirm_guessing")
                logout_user()
                fresh_browser_session()
                return confirm_throttled(form, user, wait, signed_out=True)
    return confirm_page(form, user), form_status(form)


def confirm_page(form: ConfirmForm, user, **values):
    providers = []
    if "sso.start" in current_app.view_functions:
        providers = sorted({identity.provider for identity in user.identities})
    return render_template("auth/confirm.html", form=form, providers=providers, **values)


def confirm_throttled(form: ConfirmForm, user, wait: int, *, signed_out=False):
    security_log.record("confirm_throttled", user_id=user.id, wait_seconds=wait,
                        signed_out=signed_out)
    if signed_out:
        throttled = _("Too many wrong attempts. For safety you are signed out of this browser. "
                      "Wait %(wait)s and sign in again.", wait=wait_words(wait))
    else:
        throttled = _("Too many wrong attempts. Wait %(wait)s and try again.",
                      wait=wait_words(wait))
    return (confirm_page(form, user, throttled=throttled, signed_out=signed_out), 429,
            {"Retry-After": str(wait)})


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
    )


@bp.get("/account")
def account():
    return account_page(TokenForm())


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
