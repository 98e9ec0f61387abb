"""Signing in to the API: a personal access token in `Authorization: Bearer …`, never a cookie."""
from datetime import timedelta

from flask import Flask, Request, abort, current_app, g
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _

from tracker import security_log
from tracker.api import PREFIX, is_api_request
from tracker.auth.factors import requires_two_factor
from tracker.problems import bearer_token, problem
from tracker.auth.tokens import note_use, token_for
from tracker.transaction import bookkeeping
from tracker.users.models import User

# Writing the time of last use on every request would make every read a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiSessionInterface(SecureCookieSessionInterface):
    """The session cookie, except under /api/: there every request starts with an empty
    session and none is saved, so Flask-Login finds no one signed in by cookie and asks the
    request loader (the Bearer token) instead. A cross-site request carries the cookie but
    not the token, so it cannot act as the user."""

    def open_session(self, app: Flask, incoming: Request):
        if incoming.path.startswith(PREFIX):
            return self.session_class()
        return super().open_session(app, incoming)

    def save_session(self, app: Flask, session, response) -> None:
        if is_api_request():
            return None
        return super().save_session(app, session, response)


def load_user_from_token(incoming: Request) -> User | None:
    """Flask-Login's request loader: the user of a valid token, for /api/ requests only.

    A revoked token, an unknown one, or one whose user is deactivated signs no one in. The
    token's last use is noted at most once a minute.

    A staff member who must use two-factor sign-in (`requires_two_factor`) and has not set it
    up is refused with a 403 problem saying so: a token made with the password alone (before
    two-factor was required, or in the step before the code) must not be a way around it.
    """
    if not incoming.path.startswith(PREFIX):
        return None
    secret = bearer_token(incoming)
    if secret is None:
        return None
    token = token_for(secret)
    if token is None:
        return None
    # A fact about the request, not the programme's data: kept whatever the request's outcome
    # (a refused or failed call is a use too), so in its own transaction before the work begins.
    with bookkeeping():
        note_use(token, resolution=LAST_USED_RESOLUTION)
    user = token.user
    if requires_two_factor(user) and not user.has_two_factor:
        security_log.record("api_token_refused", user_id=user.id, token_id=token.id,
                            reason="two_factor_not_set_up")
        # Nobody is signed in for the rest of this request: what reads current_user after this
        # (the refusal's log line) must not ask this loader again.
        g._login_user = current_app.login_manager.anonymous_user()
        abort(problem(403, _("Set up two-factor sign-in in the pages before you use the API.")))
    return user
