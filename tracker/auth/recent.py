"""Confirming it is you: the acts that do most harm in the wrong hands (erasing a person,
changing a user's role, making an API token) ask for the password or code again when the
sign-in session's last check (`SignInSession.checked_at`) is older than `REAUTH_MINUTES`."""
from datetime import timedelta
from functools import wraps

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _

from tracker import clock
from tracker.auth.models import SignInSession
from tracker.auth.sessions import current_sign_in


def checked_recently(record: SignInSession | None = None) -> bool:
    """Has the reader of this request proved who they are within `REAUTH_MINUTES`?"""
    record = record or current_sign_in()
    if record is None:
        return False
    limit = timedelta(minutes=current_app.config["REAUTH_MINUTES"])
    return clock.now() - record.checked_at < limit


def note_checked(record: SignInSession) -> None:
    """The reader just proved it again (password, code or identity provider)."""
    record.checked_at = clock.now()


def recent_check_required(view):
    """Send a reader whose last check is too old to confirm it is them, then back to the page.

    A POST is not replayed after the check: it comes back to the page (a GET) to be done again,
    so nothing is done on the strength of an old sign-in.
    """
    @wraps(view)
    def checked_view(*args, **kwargs):
        if not checked_recently():
            flash(_("Confirm that it is you before you go on."), "info")
            return redirect(url_for("auth.confirm", next=request.path))
        return view(*args, **kwargs)

    return checked_view
