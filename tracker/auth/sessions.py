"""Sign-in sessions: one record in the database per sign-in, which the session cookie points at.

The cookie (Flask's signed session) carries only a random secret, as Flask-Login's user id
(`User.get_id`); the database keeps its hash, who it signs in, when it began and was last seen,
and the browser and address it came from. Every instance of the app reads the same records, so
ending one (sign-out, the account page, a password change, deactivation) ends it everywhere at
once: a copied cookie is worth nothing afterwards. A record also lapses after
`SESSION_IDLE_MINUTES` without a request and `SESSION_MAX_HOURS` in all (ASVS 4.0 3.3.2).
"""
import hashlib
import secrets
from datetime import datetime, timedelta

from flask import abort, current_app, flash, g, has_request_context, request, session
from flask_babel import gettext as _
from flask_login import login_user
from sqlalchemy import Select, delete, event, inspect, select, update
from sqlalchemy.orm import Session as DatabaseSession
from sqlalchemy.orm import contains_eager

from tracker import clock, security_log
from tracker.auth.models import ApiToken, SignInSession
from tracker.extensions import db, login_manager
from tracker.transaction import bookkeeping, has_pending_changes
from tracker.users.models import User

# Noting "last seen" on every request would make every page view a write.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)
SECRET_BYTES = 32
# Sign-ins over (all are after SESSION_MAX_HOURS) are kept this long, then deleted when their
# user next signs in: long enough to look back at, not a record of every address for ever.
KEEP_PAST_SIGN_INS = timedelta(days=30)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# Browser and system names, the first that matches wins (Edge and Opera also say "Chrome",
# Chrome also says "Safari", Android also says "Linux").
_BROWSERS = [("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
             ("Safari/", "Safari")]
_SYSTEMS = [("iPhone", "iOS"), ("iPad", "iPadOS"), ("Android", "Android"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux")]


def device_summary(user_agent: str | None) -> str:
    """"Firefox · Windows", from a browser's User-Agent; empty when neither is recognised."""
    user_agent = user_agent or ""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), None)
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), None)
    return " · ".join(part for part in (browser, system) if part)


def open_session(user: User, *, device: str = "", address: str = "",
                 method: str = "password") -> tuple[SignInSession, str]:
    """A new sign-in session for `user`, flushed, with its secret (for the cookie, never stored).
    `method` says how the user proved who they are. The user's sign-ins older than
    `KEEP_PAST_SIGN_INS` are deleted."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    now = clock.now()
    db.session.execute(
        delete(SignInSession).where(SignInSession.user_id == user.id,
                                    SignInSession.created_at < now - KEEP_PAST_SIGN_INS)
    )
    record = SignInSession(user=user, secret_hash=hash_secret(secret), created_at=now,
                           last_seen_at=now, checked_at=now, method=method[:60],
                           device=device[:60], address=address[:45])
    user.last_sign_in_at = now
    db.session.add(record)
    db.session.flush()
    return record, secret


def sign_in(user: User, method: str = "password") -> SignInSession:
    """Begin a sign-in session for `user` in this browser and sign them in with it.

    The caller has cleared the Flask session first, so nothing planted before sign-in survives.
    """
    record, secret = open_session(user, device=device_summary(request.user_agent.string),
                                  address=request.remote_addr or "", method=method)
    user.sign_in_secret = secret
    g.sign_in_session = record
    login_user(user)
    return record


def current_sign_in() -> SignInSession | None:
    """The sign-in session this request came with, once the user is loaded."""
    return g.get("sign_in_session") if has_request_context() else None


def lapsed(record: SignInSession, now: datetime) -> str | None:
    """Why this session is over by time ("idle" or "expired"), or None while it lasts."""
    config = current_app.config
    if now - record.created_at >= timedelta(hours=config["SESSION_MAX_HOURS"]):
        return "expired"
    if now - record.last_seen_at >= timedelta(minutes=config["SESSION_IDLE_MINUTES"]):
        return "idle"
    return None


def end(record: SignInSession, reason: str, now: datetime | None = None) -> bool:
    """End one sign-in session; False when it had ended already."""
    if record.ended_at is not None:
        return False
    record.ended_at = now or clock.now()
    security_log.record("session_ended", user_id=record.user_id, session_id=record.id,
                        reason=reason)
    return True


def end_at_once(record: SignInSession, reason: str) -> None:
    """End one sign-in session in a transaction of its own, so it stays ended whatever the
    request answers (a refusal, 4xx, rolls the request's own work back).

    :raise RuntimeError: when the request has changes of its own pending.
    """
    with bookkeeping():
        end(record, reason)
        db.session.flush()


def end_all(user: User, reason: str) -> int:
    """End every sign-in session of `user` (this one too); how many were still going."""
    now = clock.now()
    with db.session.no_autoflush:
        records = db.session.scalars(
            select(SignInSession).where(SignInSession.user_id == user.id,
                                        SignInSession.ended_at.is_(None))
        ).all()
    return sum(end(record, reason, now) for record in records)


def active_sessions(user: User, now: datetime | None = None) -> Select[tuple[SignInSession]]:
    """The user's sign-in sessions that still sign in, the most recently seen first."""
    now = now or clock.now()
    config = current_app.config
    return (
        select(SignInSession)
        .where(
            SignInSession.user_id == user.id,
            SignInSession.ended_at.is_(None),
            SignInSession.created_at > now - timedelta(hours=config["SESSION_MAX_HOURS"]),
            SignInSession.last_seen_at > now - timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
        )
        .order_by(SignInSession.last_seen_at.desc(), SignInSession.id.desc())
    )


def get_session_or_404(session_id: int, for_user: User) -> SignInSession:
    """The user's own sign-in session with this id.

    :raise 404: when there is none, or it is someone else's.
    """
    record = db.session.get(SignInSession, session_id)
    if record is None or record.user_id != for_user.id:
        abort(404)
    return record


def _note(change) -> None:
    """Write a note about the sign-in itself (last seen, lapsed) in its own transaction, so a
    GET stays a read of the programme's data; skipped if the request already has changes."""
    if has_pending_changes(db.session()):
        return
    with bookkeeping():
        change()
        db.session.flush()


def _why_signed_out(reason: str) -> str:
    """What the next page tells a reader whose sign-in ended by `reason` without them."""
    config = current_app.config
    if reason == "idle":
        return _("You were signed out after %(minutes)s minutes without activity. Sign in again.",
                 minutes=config["SESSION_IDLE_MINUTES"])
    if reason == "expired":
        return _("You were signed out: a sign-in lasts at most %(hours)s hours. Sign in again.",
                 hours=config["SESSION_MAX_HOURS"])
    return _("Your sign-in has ended. Sign in again.")


def _signed_out(reason: str) -> None:
    """This browser's sign-in is over though it did not sign out: say why on the next page (the
    sign-in page the reader is sent to, or the one they asked for if anyone may see it), once.
    A flash, not a query parameter, so the sign-in page shows nothing a link could plant; the
    message is one of a fixed few, chosen here. The session forgets the dead secret, so the
    next request does not tell it again."""
    session.pop("_user_id", None)
    session.pop("_fresh", None)
    flash(_why_signed_out(reason), "info")


@login_manager.user_loader
def load_user(secret: str) -> User | None:
    """The user whose sign-in session this cookie's secret opens, or None when there is no such
    session, it has ended or lapsed, or its user is deactivated (and then the reader is told
    why, once). Notes it as seen now, at most once a minute."""
    if not isinstance(secret, str) or not 20 <= len(secret) <= 100:
        return None  # a cookie from before sign-in sessions ("id:version"), or junk
    # The user's programme limit comes in the same statement: every scoped query of a
    # coordinator asks it (User.programme_ids), and a second statement on every request would
    # be paid by every page.
    record = db.session.scalars(
        select(SignInSession)
        .join(SignInSession.user)
        .outerjoin(User.programme_limits)
        .where(SignInSession.secret_hash == hash_secret(secret), SignInSession.ended_at.is_(None))
        .options(contains_eager(SignInSession.user).contains_eager(User.programme_limits))
    ).unique().first()
    if record is None:
        # Ended elsewhere: from another browser, by a password change or by an administrator.
        _signed_out("ended")
        return None
    now = clock.now()
    reason = lapsed(record, now)
    if reason is not None:
        _note(lambda: end(record, reason, now))
        _signed_out(reason)
        return None
    if not record.user.active:
        _signed_out("ended")
        return None
    if now - record.last_seen_at >= LAST_SEEN_RESOLUTION:
        _note(lambda: db.session.execute(
            update(SignInSession).where(SignInSession.id == record.id).values(last_seen_at=now)
        ))
    g.sign_in_session = record
    record.user.sign_in_secret = secret
    return record.user


def revoke_tokens(user: User, reason: str) -> int:
    """Revoke every token of `user` that still works; how many. Written to the change log."""
    now = clock.now()
    with db.session.no_autoflush:
        tokens = db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        ).all()
    for token in tokens:
        token.revoked_at = now
        security_log.record("api_token_revoked", user_id=user.id, token_id=token.id,
                            reason=reason)
    return len(tokens)


def _changed(user: User, key: str) -> bool:
    return inspect(user).attrs[key].history.has_changes()


@event.listens_for(DatabaseSession, "before_flush")
def _account_changes_end_sign_ins(session: DatabaseSession, flush_context, instances) -> None:
    """A changed password or a deactivation ends every sign-in session of the account and
    revokes its API tokens; a changed role or scope ends its sessions, so the narrower role
    meets the user at their next sign-in. In the same flush, so it is all or nothing.

    Reactivating an account revives neither: the user signs in again and makes new tokens.
    """
    for user in [record for record in session.dirty if isinstance(record, User)]:
        # users.services moves the version on for exactly these changes; a password merely
        # re-hashed at sign-in (stronger hashing parameters) changes the hash but not it.
        if not _changed(user, "session_version"):
            continue
        if _changed(user, "active") and not user.active:
            reason = "deactivated"
        elif _changed(user, "password_hash"):
            reason = "password_changed"
        elif _changed(user, "totp_secret") and user.totp_secret is None:
            # Two-factor removed (an administrator's reset): sign-ins made with it end; the
            # user's API tokens, made behind it, stay.
            end_all(user, "two_factor_removed")
            continue
        else:
            end_all(user, "role_changed")
            continue
        end_all(user, reason)
        revoke_tokens(user, reason)
