"""Personal access tokens for the JSON API: made on the account page or the command line,
shown once, stored as a hash, revoked by their owner, by a password change or by deactivation
(tracker.auth.sessions), and refused after the expiry chosen when they were made."""
import hashlib
import secrets
from datetime import datetime, timedelta

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm.attributes import set_committed_value

from tracker import clock, security_log
from tracker.auth.models import ApiToken
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.users.models import User

TOKEN_NAME_MAX = 100
# How much of a token is kept in clear, so its owner can tell their tokens apart.
TOKEN_PREFIX_LENGTH = 8
# The lifetimes offered when a token is made, in days; None: until revoked.
TOKEN_LIFETIMES_DAYS = (30, 90, 365, None)


def hash_token(secret: str) -> str:
    """What is stored of a token: its SHA-256, in hex. The token itself is never stored."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_token(user: User, name: str, lifetime_days: int | None = None) -> tuple[ApiToken, str]:
    """Make a personal access token for `user`, working for `lifetime_days` (None: until
    revoked); return it with its secret, to show once.

    :raise DomainError: when the name is empty or longer than 100 characters (field `name`),
        the lifetime is not one offered (field `lifetime`), or the user is deactivated (field
        `user`).
    """
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Give the token a name."), field="name")
    if len(name) > TOKEN_NAME_MAX:
        raise DomainError(_l("The name can be at most %(n)s characters.", n=TOKEN_NAME_MAX),
                          field="name")
    if lifetime_days not in TOKEN_LIFETIMES_DAYS:
        raise DomainError(_l("Choose how long the token works."), field="lifetime")
    if not user.active:
        raise DomainError(_l("A deactivated user cannot have new tokens."), field="user")
    secret = secrets.token_urlsafe(32)
    now = clock.now()
    token = ApiToken(user=user, name=name, token_hash=hash_token(secret),
                     prefix=secret[:TOKEN_PREFIX_LENGTH], created_at=now,
                     expires_at=now + timedelta(days=lifetime_days) if lifetime_days else None)
    db.session.add(token)
    db.session.flush()
    security_log.record("api_token_created", user_id=user.id, token_id=token.id,
                        expires=token.expires_at)
    return token, secret


def revoke(token: ApiToken, now: datetime | None = None) -> bool:
    """Stop a token working from now on; False when it was revoked already."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = now or clock.now()
    db.session.flush()
    security_log.record("api_token_revoked", user_id=token.user_id, token_id=token.id,
                        reason="revoked")
    return True


def token_for(secret: str, now: datetime | None = None) -> ApiToken | None:
    """The token with this secret, with its user, if it is not revoked nor expired and its user
    is active."""
    now = now or clock.now()
    return db.session.scalar(
        select(ApiToken)
        .join(ApiToken.user)
        .where(
            ApiToken.token_hash == hash_token(secret),
            ApiToken.revoked_at.is_(None),
            or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now),
            User.active.is_(True),
        )
        .options(contains_eager(ApiToken.user))
    )


def note_use(token: ApiToken, *, resolution: timedelta, now: datetime | None = None) -> bool:
    """Note that the token was used now, unless that was noted less than `resolution` ago;
    True when it changed.

    An UPDATE statement, not a change to the record: a use is no change of anyone's data, so
    it stays out of the change log."""
    now = now or clock.now()
    if token.last_used_at is not None and now - token.last_used_at < resolution:
        return False
    db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    set_committed_value(token, "last_used_at", now)
    return True


def tokens_of(user: User) -> Select[tuple[ApiToken]]:
    """The user's tokens, newest first, revoked ones included."""
    return (
        select(ApiToken)
        .where(ApiToken.user_id == user.id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )


def get_token_or_404(token_id: int, for_user: User) -> ApiToken:
    """The user's own token with this id.

    :raise 404: when there is none, or it is someone else's (even an admin's own page shows
        only their own tokens).
    """
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != for_user.id:
        abort(404)
    return token
