"""The last step of every way in (password, identity provider, invitation): one place that
starts a sign-in session and sends the reader on, so each way gets the same fresh session,
security-log line and checks."""
from flask import redirect, session
from werkzeug.wrappers import Response

from tracker import security_log
from tracker.auth.sessions import sign_in
from tracker.urls import safe_next
from tracker.users.models import User


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
    asserted them, or a password and a code).
    """
    fresh_browser_session()
    session.permanent = True
    record = sign_in(user, method)
    security_log.record("signed_in", user_id=user.id, session_id=record.id, method=method)
    return redirect(safe_next(next_url))
