"""Sign-in throttling that slows a guesser and cannot be used to lock out the real user.

Only failed sign-ins count; a success never does, and clears its own browser's count. Three
limits, following OWASP's Authentication and Credential Stuffing cheat sheets (and its "device
cookies" answer to lockout attacks):

- per account *and* address (`LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS`, 5 per 15 minutes): one
  guesser at one address gets a handful of tries on one account, and a stranger who knows the
  account locks out only themselves;
- per account from anywhere (`LOGIN_LIMIT_PER_ACCOUNT`, 50 an hour): many addresses guessing one
  account (a botnet) are slowed too;
- per address over every account (`LOGIN_LIMIT_PER_ADDRESS`, 30 per 15 minutes): one address
  trying many accounts (credential stuffing, password spraying) is slowed.

A browser where the account signed in before carries a signed device cookie for it. For that
account such a browser is held only to a limit of its own (the first one, keyed on the cookie),
not to the account's or the address's: a stranger who exhausts those, from anywhere, still
cannot keep the real user out of the browser they use. A stolen device cookie is worth five
guesses per 15 minutes, like one address.

A wrong current password on the change-password page counts here as a failed sign-in of its
account, in the same counts (tracker.auth.routes): holding a signed-in browser gives no faster
way to guess the password than the sign-in page.

Counts live in the rate limiter's storage (Redis in production, shared by every instance). When
Redis is down, sign-in goes on and counts in this instance's memory until it is back: a limit
per instance for a while is better than no sign-in at all, and far better than a 500.
"""
import hashlib
import logging
import math
import secrets
from datetime import timedelta

from flask import Response, current_app, request
from flask_babel import format_timedelta
from itsdangerous import BadSignature, URLSafeSerializer
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from tracker import clock
from tracker.extensions import limiter

logger = logging.getLogger(__name__)

DEVICE_COOKIE_DAYS = 180
# After the shared storage fails, how long to count in memory before trying it again, so a
# Redis that hangs does not make every sign-in wait for its timeout.
RETRY_SHARED_AFTER_SECONDS = 30

_memory = MovingWindowRateLimiter(MemoryStorage())
_shared_down_until = 0.0


def _run(action):
    """Run `action(strategy)` on the shared storage, or in memory when it is unreachable."""
    global _shared_down_until
    if clock.monotonic() >= _shared_down_until:
        try:
            return action(MovingWindowRateLimiter(limiter.storage))
        except Exception:  # noqa: BLE001  (whatever the storage's failure, sign-in goes on)
            logger.warning("Rate limit storage unreachable; counting failed sign-ins in memory")
            _shared_down_until = clock.monotonic() + RETRY_SHARED_AFTER_SECONDS
    return action(_memory)


def forget_memory() -> None:
    """Empty the in-memory counts and try the shared storage again at once (for tests)."""
    global _shared_down_until
    _memory.storage.reset()
    _shared_down_until = 0.0


def account_key(email: str) -> str:
    """The account as the limits know it: a hash of the address as typed, normalised, so the
    limiter's storage holds no e-mail address."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def _device_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="sign-in-device")


def device_cookie_name() -> str:
    # __Host-: sent only to this host, over HTTPS (production marks its cookies Secure).
    return "__Host-device" if current_app.config.get("SESSION_COOKIE_SECURE") else "device"


def trusted_device(account: str) -> str | None:
    """This browser's device id, when it holds a device cookie for `account`."""
    raw = request.cookies.get(device_cookie_name())
    if not raw:
        return None
    try:
        value = _device_serializer().loads(raw)
    except BadSignature:
        return None
    if not isinstance(value, dict) or value.get("account") != account:
        return None
    device = value.get("device")
    return device if isinstance(device, str) else None


def remember_device(response: Response, account: str) -> None:
    """After a successful sign-in: mark this browser as one the account signs in from."""
    value = _device_serializer().dumps({"account": account, "device": secrets.token_urlsafe(16)})
    response.set_cookie(
        device_cookie_name(), value, max_age=DEVICE_COOKIE_DAYS * 24 * 3600, path="/",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")), httponly=True,
        samesite="Lax",
    )


def _limits(email: str) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
    """The limits this attempt counts against, each with its key."""
    config = current_app.config
    account = account_key(email)
    device = trusted_device(account)
    per_pair = parse(config["LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"])
    if device is not None:
        return [(per_pair, ("sign-in-device", device))]
    address = request.remote_addr or "unknown"
    return [
        (per_pair, ("sign-in-pair", account, address)),
        (parse(config["LOGIN_LIMIT_PER_ACCOUNT"]), ("sign-in-account", account)),
        (parse(config["LOGIN_LIMIT_PER_ADDRESS"]), ("sign-in-address", address)),
    ]


def seconds_to_wait(email: str) -> int | None:
    """How long this browser must wait before it may try `email` again; None: it may now."""
    waits = []
    for item, keys in _limits(email):
        if not _run(lambda strategy, item=item, keys=keys: strategy.test(item, *keys)):
            reset_at = _run(lambda strategy, item=item, keys=keys:
                            strategy.get_window_stats(item, *keys).reset_time)
            # The limiter stamps its windows in real time, whatever a test pins the clock to.
            waits.append(max(1, math.ceil(reset_at - clock.system_seconds())))
    return max(waits) if waits else None


def take_attempt(email: str) -> int | None:
    """Before a sign-in's password is checked: None when it may go on, else how long to wait.

    The attempt is counted against this browser's own limit (the first) at once, in one atomic
    step, so attempts sent at the same moment cannot all pass a test made before any of them is
    counted; a success then clears that count (`note_success`), so it never counts. The wider
    limits (the account's, the address's) are tested now and counted on failure only: they must
    never count a success, and a burst can pass them by at most the number of requests the
    server runs at once, far less than their size.
    """
    if (wait := seconds_to_wait(email)) is not None:
        return wait
    item, keys = _limits(email)[0]
    if not _run(lambda strategy: strategy.hit(item, *keys)):
        return seconds_to_wait(email) or 1
    return None


def note_failure(email: str, *, attempt_taken: bool = False) -> None:
    """Count a failed password check; with `attempt_taken`, this browser's own count was taken
    already (`take_attempt`)."""
    limits = _limits(email)
    for item, keys in limits[1:] if attempt_taken else limits:
        _run(lambda strategy, item=item, keys=keys: strategy.hit(item, *keys))


def note_success(email: str) -> None:
    """Clear this browser's own count for the account (not the account's or the address's)."""
    item, keys = _limits(email)[0]
    _run(lambda strategy: strategy.clear(item, *keys))


def wait_words(seconds: int) -> str:
    """"15 minutes", in the reader's language, rounded up to the minute."""
    minutes = timedelta(minutes=max(1, math.ceil(seconds / 60)))
    # Up to two hours in minutes: "90 minutes" says more than "2 hours".
    return format_timedelta(minutes, threshold=2)


def throttled(page: str, wait: int):
    """The answer while a limit holds: `page` (already rendered, with the message that says
    how long to wait), 429, and Retry-After."""
    return page, 429, {"Retry-After": str(wait)}
