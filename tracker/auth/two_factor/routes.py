import secrets

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, logout_user

from tracker import security_log
from tracker.auth import factors, throttle
from tracker.auth.recent import note_checked, recent_check_required
from tracker.auth.sessions import current_sign_in, end_at_once
from tracker.auth.signin import (
    PENDING_KEY,
    complete_second_factor,
    fresh_browser_session,
    pending_first_factor,
)
from tracker.auth.two_factor import bp
from tracker.auth.two_factor.forms import ActionForm, CodeForm, EnrolForm, RecoveryCodeForm
from tracker.forms import form_status

# Where a staff member who must set up two-factor may still go before they have.
OPEN_WHILE_ENROLLING = {"two_factor.setup", "two_factor.code", "auth.confirm", "auth.logout",
                        "auth.login", "language.choose", "static", "health.healthz"}
ENROLLING_KEY = "enrolling_nonce"
NONCE_LENGTH = 32  # secrets.token_urlsafe(24)


@bp.before_app_request
def two_factor_first():
    """A browser signed in without a second factor by a user who must have one goes to set it
    up, whatever page it asks for (but signing out, the language and the like).

    If the user has an authenticator by now (set up in another browser), this browser's
    sign-in, made with the password alone, is ended: they sign in again, with the code.

    API tokens are left alone: a token is made on the account page, behind this check and a
    fresh confirmation, so a token exists only where two factors were shown (or were not
    required when it was made; an administrator who switches the requirement on revokes
    those if they wish).
    """
    if request.endpoint is None or request.endpoint in OPEN_WHILE_ENROLLING:
        return None
    if not current_user.is_authenticated:
        return None
    record = current_sign_in()
    if record is None or factors.proved_two_factors(record.method):
        return None
    if not factors.requires_two_factor(current_user):
        return None
    if current_user.has_two_factor:
        end_at_once(record, "second_factor_missing")
        logout_user()
        fresh_browser_session()
        flash(_("Sign in again, with the code from your authenticator app."), "info")
        return redirect(url_for("auth.login"))
    return redirect(url_for("two_factor.setup"))


def pending_secret() -> str:
    """The secret being set up in this browser: the same on every visit until it is proved, so
    a reload does not change the QR code under the reader's phone. The browser keeps only a
    nonce (tracker.auth.factors.enrolling_secret says why)."""
    nonce = session.get(ENROLLING_KEY)
    if not isinstance(nonce, str) or len(nonce) != NONCE_LENGTH:
        nonce = secrets.token_urlsafe(24)
        session[ENROLLING_KEY] = nonce
    return factors.enrolling_secret(current_sign_in().id, nonce)


@bp.route("/setup", methods=["GET", "POST"])
@recent_check_required
def setup():
    """Adding an authenticator; only soon after the password was shown, so whoever finds a
    browser left signed in cannot tie the account to their own phone."""
    user = current_user._get_current_object()
    # A new phone: the same steps replace the authenticator (and its recovery codes), while
    # the old one keeps working until the new one's first code is right.
    replacing = user.has_two_factor and request.values.get("replace") == "1"
    if user.has_two_factor and not replacing:
        return render_template("two_factor/setup.html", enrolled=True, form=None)
    secret = pending_secret()
    form = EnrolForm()
    if form.validate_on_submit():
        codes = factors.enrol(user, secret, form.code.data)
        if codes is not None:
            session.pop(ENROLLING_KEY, None)
            if (record := current_sign_in()) is not None:
                # The code was just shown: this sign-in now has both factors.
                if not factors.proved_two_factors(record.method):
                    record.method = f"{record.method}+totp"[:60]
                note_checked(record)
            return render_template("two_factor/recovery_codes_new.html", codes=codes,
                                   first_time=not replacing, replaced=replacing)
        form.code.errors.append(_("That code is not right. Check that the app shows the "
                                  "account you just added, and type the code it shows now."))
    uri = factors.provisioning_uri(user, secret)
    return render_template(
        "two_factor/setup.html", form=form, enrolled=False, qr=factors.qr_svg(uri),
        secret=factors.secret_in_groups(secret),
        required=factors.requires_two_factor(user), replacing=replacing,
    ), form_status(form)


def code_throttled(form, pending_user, wait: int, template_values: dict):
    security_log.record("two_factor_throttled", user_id=pending_user.id, wait_seconds=wait)
    message = _("Too many wrong codes. Wait %(wait)s and try again.",
                wait=throttle.wait_words(wait))
    return throttle.throttled(render_template("two_factor/code.html", form=form,
                                              throttled=message, **template_values), wait)


@bp.route("/code", methods=["GET", "POST"])
def code():
    """The second step of signing in, after the password: the code, or a recovery code."""
    if current_user.is_authenticated:
        # Signed in already (in another tab, say): there is no second step to take.
        return redirect(url_for("programmes.home"))
    found = pending_first_factor()
    if found is None:
        flash(_("Your sign-in took too long or has not begun. Sign in again."), "info")
        return redirect(url_for("auth.login"))
    user, pending = found
    with_recovery = request.values.get("with") == "recovery" or "recovery_code" in request.form
    form = (RecoveryCodeForm if with_recovery else CodeForm)(nonce=pending["nonce"])
    values = {"with_recovery": with_recovery}
    if form.validate_on_submit():
        if form.nonce.data != pending["nonce"]:
            session.pop(PENDING_KEY, None)
            flash(_("Your sign-in took too long or has not begun. Sign in again."), "info")
            return redirect(url_for("auth.login"))
        key = factors.throttle_key(user)
        if (wait := throttle.take_attempt(key)) is not None:
            return code_throttled(form, user, wait, values)
        if with_recovery:
            right = factors.use_recovery_code(user, form.recovery_code.data)
            method = factors.RECOVERY_METHOD
        else:
            right = factors.accept_code(user, form.code.data)
            method = f"{pending.get('method') or 'password'}+totp"
        if right:
            throttle.note_success(key)
            response = complete_second_factor(user, pending, method)
            if with_recovery:
                # After the sign-in, which empties the browser's session (and its messages).
                left = factors.recovery_codes_left(user)
                flash(ngettext("You signed in with a recovery code; it cannot be used again. "
                               "You have %(num)s left. If your phone is lost, move two-factor "
                               "sign-in to a new one from your account page.",
                               "You signed in with a recovery code; it cannot be used again. "
                               "You have %(num)s left. If your phone is lost, move two-factor "
                               "sign-in to a new one from your account page.", left), "info")
            return response
        throttle.note_failure(key, attempt_taken=True)
        if with_recovery:
            form.recovery_code.errors.append(_("That recovery code is not right, or it has been "
                                               "used already."))
        else:
            form.code.errors.append(_("That code is not right, or it has been used already. "
                                      "Wait for the next code and try again."))
        if (wait := throttle.seconds_to_wait(key)) is not None:
            return code_throttled(form, user, wait, values)
    return render_template("two_factor/code.html", form=form, **values), form_status(form)


@bp.route("/recovery-codes", methods=["GET", "POST"])
@recent_check_required
def recovery_codes():
    user = current_user._get_current_object()
    form = ActionForm()
    if user.has_two_factor and form.validate_on_submit():
        codes = factors.new_recovery_codes(user)
        return render_template("two_factor/recovery_codes_new.html", codes=codes,
                               first_time=False)
    return render_template("two_factor/recovery_codes.html", form=form,
                           left=factors.recovery_codes_left(user) if user.has_two_factor else 0)


@bp.route("/disable", methods=["GET", "POST"])
@recent_check_required
def disable():
    user = current_user._get_current_object()
    form = ActionForm()
    required = factors.requires_two_factor(user)
    if user.has_two_factor and not required and form.validate_on_submit():
        factors.disable(user)
        flash(_("Two-factor sign-in is off. You sign in with your password alone."), "success")
        return redirect(url_for("auth.account"))
    return render_template("two_factor/disable.html", form=form, required=required)
