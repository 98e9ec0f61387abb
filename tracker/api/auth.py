"""Signing in to the API: a personal access token in `Authorization: Bearer …`, never a cookie."""
from datetime import timedelta

from flask import Flask, Request, request
from flask.sessions import SecureCookieSessionInterface

from tracker.api import PREFIX, is_api_request, problem
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


def bearer_token(incoming: Request) -> str | None:
    """The token in `Authorization: Bearer <token>`, or None when there is no such header."""
    scheme, _, token = incoming.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


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


def unauthorized():
    """401 for an API request that no valid token signs in, saying how to sign in."""
    response = problem(401)
    if bearer_token(request) is None:
        response.headers["WWW-Authenticate"] = 'Bearer realm="tracker"'
    else:
        response.headers["WWW-Authenticate"] = (
            'Bearer realm="tracker", error="invalid_token", '
            'error_description="The token is unknown, revoked, or its user is deactivated."'
        )
    return response
