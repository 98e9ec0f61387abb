"""Confirming it is you: the acts that do most harm in the wrong hands (erasing a person,
changing a user's role, making an API token) ask for the password or code again when the
sign-in session's last check (`SignInSession.checked_at`) is older than `REAUTH_MINUTES`."""
from datetime import timedelta
from functools import partial, wraps

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _

from tracker import clock, security_log
from tracker.auth import factors, throttle
from tracker.auth.models import SignInSession
from tracker.auth.sessions import current_sign_in
from tracker.domain import DomainError
from tracker.users.models import User
from tracker.users.services import password_matches


def checked_recently(record: SignInSession | None = None) -> bool:
    """Has the reader of this request proved who they are within `REAUTH_MINUTES`?"""
    record = record or current_sign_in()
    if record is None:
        return False
    limit = timedelta(minutes=current_app.config["REAUTH_MINUTES"])
    return clock.now() - record.checked_at < limit


class ConfirmThrottled(Exception):
    """Too many wrong answers: wait `wait` seconds; `signed_out` when this answer reached the
    limit, so the browser's sign-in should end."""

    def __init__(self, wait: int, *, signed_out: bool):
        super().__init__(wait)
        self.wait, self.signed_out = wait, signed_out


def confirm_identity(user: User, *, code: str | None, password: str | None) -> str:
    """Check that the reader is `user`: by the authenticator's code when they have one and gave
    it, else by the password. Which way it was ("code" or "password").

    Each answer takes its place in the sign-in throttle before it is checked (the code's own
    count, or the account's, as at the sign-in page), so answers sent at once cannot pass the
    limit together.

    :raise DomainError: a wrong or missing answer, naming its field.
    :raise ConfirmThrottled: while the limit holds, or when this answer reached it.
    """
    use_code = bool(code) and user.has_two_factor
    if not use_code and not (password and user.has_password):
        raise DomainError(
            _("Enter the code from your authenticator app or your password.")
            if user.has_two_factor and user.has_password else
            _("Enter the code from your authenticator app.") if user.has_two_factor else
            _("Enter your password."))
    key = factors.throttle_key(user) if use_code else user.email
    if (wait := throttle.take_attempt(key)) is not None:
        raise ConfirmThrottled(wait, signed_out=False)
    if factors.accept_code(user, code) if use_code else password_matches(user, password):
        throttle.note_success(key)
        return "code" if use_code else "password"
    throttle.note_failure(key, attempt_taken=True)
    way = "code" if use_code else "password"
    security_log.record("confirm_failed", user_id=user.id, way=way)
    if (wait := throttle.seconds_to_wait(key)) is not None:
        raise ConfirmThrottled(wait, signed_out=True)
    if use_code:
        raise DomainError(_("That code is not right, or it has been used already. Wait for the "
                            "next code and try again."), field="code")
    raise DomainError(_("The password is wrong."), field="password")


def note_checked(record: SignInSession) -> None:
    """The reader just proved it again (password, code or identity provider)."""
    record.checked_at = clock.now()


def recent_check_required(view=None, *, back_to=None):
    """Send a reader whose last check is too old to confirm it is them, then back to the page.

    A POST is not replayed after the check: it comes back to the page (a GET) to be done again,
    so nothing is done on the strength of an old sign-in. For an address that takes no GET (a
    button's), `back_to(**view_arguments)` names the page to come back to.
    """
    if view is None:
        return partial(recent_check_required, back_to=back_to)

    @wraps(view)
    def checked_view(*args, **kwargs):
        if not checked_recently():
            if request.method == "GET":
                flash(_("Confirm that it is you before you go on."), "info")
            else:
                flash(_("Confirm that it is you first. Nothing is changed yet: when you have "
                        "confirmed, do it again."), "info")
            page = back_to(**kwargs) if back_to else request.path
            return redirect(url_for("auth.confirm", next=page))
        return view(*args, **kwargs)

    return checked_view
