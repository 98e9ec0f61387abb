"""Two-factor sign-in: the rules for TOTP authenticators and recovery codes.

A secret is made at enrolment and kept out of the database until the user proves their
authenticator holds it with a first code (`enrol`). A code is good for its 30-second time step
and one step either side (clocks drift), and for one use: the last step accepted is kept
(`User.totp_last_step`) and moved on in one conditional UPDATE, so a code seen over a shoulder,
or sent twice at once, opens nothing the second time. Ten recovery codes stand in for a lost
authenticator, each once; only their hashes are kept.

Wrong codes count in the sign-in throttle (tracker.auth.throttle) under a key of the account's
own, so a guesser gets the five tries per 15 minutes a password guesser gets.
"""
import base64
import hashlib
import hmac
import secrets
from io import BytesIO

import pyotp
import segno
from flask import current_app
from markupsafe import Markup
from sqlalchemy import delete, event, func, inspect, or_, select, update
from sqlalchemy.orm import Session as DatabaseSession

from tracker import clock, security_log
from tracker.auth.models import RecoveryCode
from tracker.extensions import db
from tracker.users.models import User

ISSUER = "Program for toppledergrupper"
RECOVERY_CODES = 10
# No 0/o, 1/l/i: a code read off paper is typed right. 31 signs, 10 of them: about 50 bits.
RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
RECOVERY_GROUPS = (4, 4, 2)
# How a sign-in session's `method` says both factors were proved: a first factor and a code
# ("password+totp"), a recovery code, or a provider that asserted two ("oidc:entra+mfa").
TWO_FACTOR_SUFFIXES = ("+totp", "+mfa")
RECOVERY_METHOD = "recovery_code"


def requires_two_factor(user: User) -> bool:
    """Must this user sign in with a second factor? Staff, while `REQUIRE_STAFF_2FA` is on."""
    return bool(user.is_staff and current_app.config["REQUIRE_STAFF_2FA"])


def proved_two_factors(method: str | None) -> bool:
    """Did a sign-in made by `method` prove two factors (a code, or a provider that said so)?"""
    return isinstance(method, str) and (method == RECOVERY_METHOD
                                        or method.endswith(TWO_FACTOR_SUFFIXES))


def throttle_key(user: User) -> str:
    """The account's codes as the sign-in throttle counts them (hashed there like an e-mail)."""
    return f"two-factor:{user.id}"


# Enrolment


def enrolling_secret(sign_in_id: int, nonce: str) -> str:
    """The authenticator secret being set up in one sign-in session (160 bits, base32),
    drawn from the app's key, the sign-in and a random `nonce` the browser keeps until the
    first code proves it. The browser's cookie then holds only the nonce, which is worth
    nothing without the app's key and that sign-in: a copy of the cookie does not hold the
    secret that ends up on the account, and setting it up writes nothing until it is proved."""
    key = hashlib.sha256(b"enrolling-secret:" + current_app.secret_key.encode()).digest()
    digest = hmac.new(key, f"{sign_in_id}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:20]).decode()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> Markup:
    """The `otpauth://` address as an inline SVG QR code, drawn here: no image from elsewhere,
    no script."""
    out = BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, border=4, xmldecl=False,
                                    svgns=True, title=None, svgclass="qr-code", lineclass=None,
                                    omitsize=False)
    return Markup(out.getvalue().decode())


def secret_in_groups(secret: str) -> str:
    """"ABCD EFGH …": the secret as a person types it."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _clean_code(code: object) -> str | None:
    """Six digits, as typed with or without spaces; None for anything else."""
    if not isinstance(code, str):
        return None
    code = "".join(code.split())
    return code if len(code) == 6 and code.isascii() and code.isdigit() else None


def matching_step(secret: str, code: object) -> int | None:
    """The time step (now, or one either side) whose code `code` is; None when it is none."""
    code = _clean_code(code)
    if code is None:
        return None
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(clock.now())
    for step in (now_step - 1, now_step, now_step + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def enrol(user: User, secret: str, code: object) -> list[str] | None:
    """Turn two-factor on for `user` with the pending `secret` once `code` proves their
    authenticator holds it; the ten new recovery codes, to show once. None when the code is
    wrong (nothing changes)."""
    step = matching_step(secret, code)
    if step is None:
        security_log.record("two_factor_enrol_failed", user_id=user.id)
        return None
    replacing = user.totp_secret is not None
    user.totp_secret = secret
    # The code just typed opens nothing more.
    user.totp_last_step = step
    codes = new_recovery_codes(user)
    security_log.record("two_factor_replaced" if replacing else "two_factor_enrolled",
                        user_id=user.id)
    return codes


def disable(user: User, reason: str = "by_user") -> None:
    """Turn two-factor off for `user`: the secret and the recovery codes are gone."""
    user.totp_secret = None
    security_log.record("two_factor_disabled", user_id=user.id, reason=reason)


@event.listens_for(DatabaseSession, "before_flush")
def _removed_two_factor_takes_its_recovery_codes(session: DatabaseSession, flush_context,
                                                 instances) -> None:
    """Whoever removes a user's authenticator (`disable` here, an administrator's reset in
    tracker.users, which may not know this feature's tables) removes its recovery codes and
    its last step too, in the same flush: a new authenticator starts clean."""
    for user in [record for record in session.dirty if isinstance(record, User)]:
        if user.totp_secret is None and inspect(user).attrs.totp_secret.history.has_changes():
            user.totp_last_step = None
            with session.no_autoflush:
                session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


# Codes from the authenticator


def accept_code(user: User, code: object) -> bool:
    """Is `code` a good code from `user`'s authenticator, never accepted before? Accepting it
    uses it (and every code of an earlier step): in one conditional UPDATE, so two requests
    with the same code cannot both pass."""
    if not user.totp_secret:
        return False
    step = matching_step(user.totp_secret, code)
    if step is None:
        security_log.record("two_factor_code_wrong", user_id=user.id)
        return False
    result = db.session.execute(
        update(User)
        .where(User.id == user.id,
               or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        security_log.record("two_factor_code_replayed", user_id=user.id)
        return False
    # What the database now holds, without marking the user changed (the UPDATE did it).
    db.session.expire(user, ["totp_last_step"])
    return True


# Recovery codes


def _hash_recovery_code(user_id: int, code: str) -> str:
    """A keyed hash (HMAC with a key drawn from SECRET_KEY): a recovery code has about 50 bits,
    few enough that a plain hash read from a copy of the database could be searched through;
    without the app's key it cannot. (A new SECRET_KEY makes the codes stop working: the
    users then make new ones, or an administrator removes their two-factor.)"""
    key = hashlib.sha256(b"recovery-codes:" + current_app.secret_key.encode()).digest()
    return hmac.new(key, f"{user_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _normalise_recovery_code(code: object) -> str | None:
    if not isinstance(code, str):
        return None
    code = "".join(code.split()).replace("-", "").lower()
    if len(code) != sum(RECOVERY_GROUPS) or any(c not in RECOVERY_ALPHABET for c in code):
        return None
    return code


def _recovery_code() -> str:
    groups, signs = [], [secrets.choice(RECOVERY_ALPHABET) for _ in range(sum(RECOVERY_GROUPS))]
    for size in RECOVERY_GROUPS:
        groups.append("".join(signs[:size]))
        signs = signs[size:]
    return "-".join(groups)


def new_recovery_codes(user: User) -> list[str]:
    """Ten new recovery codes for `user`, replacing any they had; shown once, kept as hashes."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
    now = clock.now()
    for code in codes:
        code_hash = _hash_recovery_code(user.id, _normalise_recovery_code(code))
        db.session.add(RecoveryCode(user_id=user.id, created_at=now, code_hash=code_hash))
    db.session.flush()
    security_log.record("recovery_codes_made", user_id=user.id)
    return codes


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        select(func.count()).select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ) or 0


def use_recovery_code(user: User, code: object) -> bool:
    """Is `code` one of `user`'s unused recovery codes? Using it marks it used, in one
    conditional UPDATE, so it works once even when sent twice at once."""
    code = _normalise_recovery_code(code)
    if code is None or not user.totp_secret:
        security_log.record("recovery_code_wrong", user_id=user.id)
        return False
    result = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id,
               RecoveryCode.code_hash == _hash_recovery_code(user.id, code),
               RecoveryCode.used_at.is_(None))
        .values(used_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        security_log.record("recovery_code_wrong", user_id=user.id)
        return False
    security_log.record("recovery_code_used", user_id=user.id,
                        codes_left=recovery_codes_left(user))
    return True
