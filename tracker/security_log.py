"""The security log: one structured line per event that matters to whoever guards the app.

Sign-ins and their failures, lockouts, refusals of access, sessions ended, feed addresses reset,
API tokens created and revoked. Each line is JSON on the `tracker.security` logger and names the
user by id only: no e-mail, no name, no note. The client's address is kept as a keyed hash, so
one source can be followed across events without the log holding the address itself.
"""
import hashlib
import hmac
import json
import logging

from flask import Flask, current_app, has_request_context, request

from tracker import clock

logger = logging.getLogger("tracker.security")
# Every event is written, whatever the root logger's level: it reaches the app's log handler.
logger.setLevel(logging.INFO)


def address_tag() -> str | None:
    """A short keyed hash of the client's address (after the trusted proxies), or None."""
    if not has_request_context() or not request.remote_addr:
        return None
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, request.remote_addr.encode(), hashlib.sha256).hexdigest()[:16]


# URL parts that are secrets: a one-time link's or a calendar feed's token opens something on
# its own, and a log is read by more people (and kept longer) than the links live.
SECRET_ARGUMENTS = ("token",)


def logged_path() -> str:
    """The request's path with every secret part replaced by its name, e.g.
    /password/reset/<token>: the log says where, never what opens it."""
    path = request.path
    for name in SECRET_ARGUMENTS:
        value = (request.view_args or {}).get(name)
        if isinstance(value, str) and value:
            path = path.replace(value, f"<{name}>")
    return path


def record(event: str, *, user_id: int | None = None, **details: object) -> None:
    """Write one event. `details` must hold no personal data: ids, counts, endpoint names."""
    entry: dict[str, object] = {"at": clock.now().isoformat(), "event": event}
    if user_id is not None:
        entry["user_id"] = user_id
    if has_request_context():
        entry["address"] = address_tag()
        entry["path"] = logged_path()
    # The fixed keys win: a detail never hides who or where.
    entry = {**details, **entry}
    logger.info(json.dumps(entry, default=str, ensure_ascii=False))


def register(app: Flask) -> None:
    """Make sure the lines are written somewhere. Unless logging is configured (a test's
    capture, a server's logging setup), Flask gives the app's logger, `tracker`, a handler to the
    server's error stream the first time it is asked for; this logger is its child, so ask now
    rather than at the first error."""
    app.logger  # noqa: B018  (the property creates the logger and its handler)
