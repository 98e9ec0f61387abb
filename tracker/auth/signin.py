"""The last step of every way in (password, identity provider, invitation): one place that
starts a sign-in session and sends the reader on, so each way gets the same fresh session,
security-log line and checks.

A user with two-factor who has proved only the first (a password) is not signed in yet: the
browser holds a short-lived note of the first factor (`pending_first_factor`) and is sent for
the code; `complete_second_factor` then signs them in.
"""
import secrets
from datetime import timedelta

from flask import redirect, session, url_for
from werkzeug.wrappers import Response

from tracker import clock, security_log
from tracker.auth.factors import requires_two_factor
from tracker.auth.sessions import sign_in
from tracker.extensions import db
from tracker.urls import safe_next
from tracker.users.models import User

# Between the password and the code: long enough to find the phone, short enough that a
# browser left at the code page is soon worth nothing.
PENDING_MINUTES = 5
PENDING_KEY = "first_factor"


def fresh_browser_session() -> None:
    """Empty the Flask session but for the chosen language: nothing from before a sign-in (a
    planted value, say) or after a sign-out survives."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def sign_in_and_redirect(user: User, *, method: str, next_url: str | None,
                         second_factor_done: bool = False) -> Response:
    """Sign `user` in to this browser, who has proved who they are by `method` ("password",
    "oidc:idporten", …), and send them to `next_url` if it is one of ours.

    `second_factor_done` says the proof already had two factors (an identity provider that
    asserted them, or a password and a code). Without it, a user who has an authenticator is
    sent for its code first (and is not signed in until it comes); a staff member who must use
    two-factor and has none yet is signed in, and sent to set it up before anything else
    (tracker.auth.two_factor).
    """
    fresh_browser_session()
    if not second_factor_done and user.has_two_factor:
        session[PENDING_KEY] = {
            "user": user.id, "method": method,
            "next": next_url if isinstance(next_url, str) else "",
            "until": (clock.now() + timedelta(minutes=PENDING_MINUTES)).timestamp(),
            "nonce": secrets.token_urlsafe(16),
        }
        security_log.record("first_factor_passed", user_id=user.id, method=method)
        return redirect(url_for("two_factor.code"))
    session.permanent = True
    record = sign_in(user, method)
    security_log.record("signed_in", user_id=user.id, session_id=record.id, method=method,
                        must_enrol=requires_two_factor(user) and not user.has_two_factor
                        and not second_factor_done)
    return redirect(safe_next(next_url))


def pending_first_factor() -> tuple[User, dict] | None:
    """The user who proved the first factor in this browser, and the note of it, while the
    note lasts (`PENDING_MINUTES`); None otherwise (and an expired note is forgotten)."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    until, user_id = pending.get("until"), pending.get("user")
    if not isinstance(until, (int, float)) or not isinstance(user_id, int) \
            or clock.now().timestamp() >= until:
        session.pop(PENDING_KEY, None)
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or not user.has_two_factor:
        session.pop(PENDING_KEY, None)
        return None
    return user, pending


def complete_second_factor(user: User, pending: dict, method: str) -> Response:
    """The code (or a recovery code) is right: sign in, as the first factor's note says."""
    next_url = pending.get("next")
    return sign_in_and_redirect(user, method=method, next_url=next_url, second_factor_done=True)
