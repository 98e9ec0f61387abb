"""Signing in to the API: a personal access token in `Authorization: Bearer …`, never a cookie."""
from datetime import timedelta

from flask import Flask, Request
from flask.sessions import SecureCookieSessionInterface

from tracker.api import PREFIX, is_api_request
from tracker.problems import bearer_token
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
    return token.user
