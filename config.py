"""Configuration from the environment.

`DATABASE_URL` and `SECRET_KEY` are read here; everything else has a safe default. Nothing
falls back silently: an unknown `TRACKER_ENV` or a weak production `SECRET_KEY` stops the app
before it serves a request.
"""
import os
import tempfile
from datetime import timedelta

_DEV_SECRET = "dev-only-not-secret"


def normalise_database_url(url: str | None) -> str | None:
    """Point plain PostgreSQL URLs at psycopg 3, the driver we ship."""
    if not url:
        return None
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


# Single sign-on with OpenID Connect (tracker.auth.oidc; README, "Single sign-on").
# OIDC_PROVIDERS=idporten,entra names the providers; each is set by OIDC_<NAME>_… variables.
# Several words are lists separated by commas or spaces.
def _words(value: str) -> list[str]:
    return [word for word in value.replace(",", " ").split() if word]


def oidc_providers_from_environment(environ=os.environ) -> dict[str, dict]:
    """The providers `OIDC_PROVIDERS` names, each as a dict of its settings.

    :raise RuntimeError: when a named provider lacks its issuer or client id, or its name is not
        a short word of letters and digits (it is part of the callback's address).
    """
    providers: dict[str, dict] = {}
    for name in _words(environ.get("OIDC_PROVIDERS", "").lower()):
        prefix = f"OIDC_{name.upper()}_"

        def setting(key: str, default: str = "") -> str:
            return environ.get(prefix + key, default).strip()

        if not (name.isascii() and name.isalnum() and len(name) <= 20):
            raise RuntimeError(f"OIDC_PROVIDERS: {name!r} is not a name of letters and digits.")
        for required in ("ISSUER", "CLIENT_ID"):
            if not setting(required):
                raise RuntimeError(f"OIDC_PROVIDERS names {name!r}, but {prefix}{required} is not set.")
        providers[name] = {
            "issuer": setting("ISSUER"),
            "client_id": setting("CLIENT_ID"),
            "client_secret": setting("CLIENT_SECRET"),
            "name": setting("NAME", name),
            # The claim that names the person: pid (ID-porten), oid or sub (Entra ID).
            "subject_claim": setting("SUBJECT_CLAIM", "sub"),
            "scopes": setting("SCOPES", "openid"),
            "acr_values": setting("ACR_VALUES"),
            # Match a staff account by a verified e-mail (Entra ID: of this tenant only).
            "match_email": setting("MATCH_EMAIL", "0") not in ("", "0"),
            "tenant": setting("TENANT"),
            # E-mail domains the organisation's directory holds: an address there counts as
            # verified (Entra ID: beside a token saying its domain is verified, xms_edov).
            "email_domains": [domain.lower().lstrip("@")
                              for domain in _words(setting("EMAIL_DOMAINS"))],
            # Which acr or amr values say the person used two factors.
            "two_factor_acr": _words(setting("TWO_FACTOR_ACR")),
            "two_factor_amr": _words(setting("TWO_FACTOR_AMR", "mfa")),
        }
    return providers


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", _DEV_SECRET)
    # None means "a SQLite file in the instance folder"; create_app fills it in.
    SQLALCHEMY_DATABASE_URI = normalise_database_url(os.environ.get("DATABASE_URL"))
    # hide_parameters: no log line or error message carries a statement's values (names, notes).
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}
    BABEL_DEFAULT_LOCALE = "nb"
    BABEL_DEFAULT_TIMEZONE = "Europe/Oslo"
    LANGUAGES = ("nb", "nn", "en")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # A sign-in is a record in the database (tracker.auth.sessions): it ends after this long
    # without a request, and after this long at most, whatever happens (ASVS 4.0 3.3.2, level 2).
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
    SESSION_MAX_HOURS = int(os.environ.get("SESSION_MAX_HOURS", "12"))
    # Pieces of pages kept between requests while the data stays the same (tracker/fragments.py):
    # characters of HTML per worker, 4 million (at most 8 MB; pieces go after a minute); 0 is off.
    FRAGMENT_CACHE_CHARS = int(os.environ.get("FRAGMENT_CACHE_CHARS", "4000000"))
    # The cookie lasts no longer than the longest sign-in it can carry.
    PERMANENT_SESSION_LIFETIME = timedelta(hours=SESSION_MAX_HOURS)
    # HSTS max-age in seconds; 0 sends none (development serves plain HTTP).
    HSTS_SECONDS = 0
    WTF_CSRF_TIME_LIMIT = None
    # The JSON API at /api/v1 and its OpenAPI document; no Swagger UI, which would load from a CDN.
    API_TITLE = "Programme tracker API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    REDIS_URL = os.environ.get("REDIS_URL")
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    # A Redis that is down must not stop sign-in: fail fast, then count in memory (per
    # instance) until it is back (tracker.auth.throttle).
    RATELIMIT_STORAGE_OPTIONS = (
        {"socket_connect_timeout": 0.5, "socket_timeout": 0.5} if REDIS_URL else {}
    )
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_HEADERS_ENABLED = True
    # Failed sign-ins only (a success never counts); see tracker.auth.throttle for why three.
    LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS = "5 per 15 minutes"
    LOGIN_LIMIT_PER_ACCOUNT = "50 per hour"
    LOGIN_LIMIT_PER_ADDRESS = "30 per 15 minutes"
    # How many proxies in front of the app set X-Forwarded-For (0: none, trust nothing).
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
    # Erasing a person, changing a role and making an API token ask for the password or code
    # again when the sign-in was last checked longer ago than this (tracker.auth.recent).
    REAUTH_MINUTES = int(os.environ.get("REAUTH_MINUTES", "15"))
    # Staff who sign in with a password must use an authenticator too (tracker.auth.two_factor).
    # On in production; the development and test settings switch it off so the demo accounts
    # sign in with their printed passwords. REQUIRE_STAFF_2FA=0 switches it off anywhere.
    REQUIRE_STAFF_2FA = os.environ.get("REQUIRE_STAFF_2FA", "1") != "0"
    # How long an invitation link works (tracker.users.links).
    INVITATION_HOURS = int(os.environ.get("INVITATION_HOURS", "72"))
    # How long a password reset link works. Shorter than an invitation: it is asked for by
    # someone who is at their mail now, and a reset link left in a mailbox is a way into an
    # account that already holds data (an invitation opens an empty one).
    PASSWORD_RESET_HOURS = int(os.environ.get("PASSWORD_RESET_HOURS", "2"))
    MAX_CONTENT_LENGTH = 5 * 1024 * 1024
    # Reminders and attendance alerts by email (`flask reminders send`). Without MAIL_URL
    # (smtp://user:password@host:587 or smtps://host:465) mail is written as .eml files
    # into MAIL_FOLDER, by default instance/mail.
    MAIL_URL = os.environ.get("MAIL_URL")
    MAIL_FROM = os.environ.get("MAIL_FROM", "Program for toppledergrupper <noreply@example.org>")
    MAIL_FOLDER = os.environ.get("MAIL_FOLDER")
    # How many times the outbox tries a message before giving it up (the pause doubles from a
    # minute up to six hours: ten tries span about nine hours).
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "10"))
    # Course materials' files (tracker.materials.storage): kept here, outside the web root,
    # under random names; by default instance/materials. The largest file accepted, in bytes
    # (only the upload pages accept a body this large; MAX_CONTENT_LENGTH keeps the others).
    MATERIALS_FOLDER = os.environ.get("MATERIALS_FOLDER")
    MATERIALS_MAX_BYTES = int(os.environ.get("MATERIALS_MAX_BYTES", str(25 * 1024 * 1024)))
    # The address respondents are shown for questions about the survey (a link that does not
    # work, a round closed); unset: the address in MAIL_FROM.
    PROGRAMME_CONTACT_EMAIL = os.environ.get("PROGRAMME_CONTACT_EMAIL")
    # Days before a session that its reminders go out, comma-separated.
    REMINDER_DAYS = os.environ.get("REMINDER_DAYS", "7,1")
    # Days before a survey round's closing day that those who have not answered are reminded.
    SURVEY_REMINDER_DAYS = os.environ.get("SURVEY_REMINDER_DAYS", "3,1")
    # How many days a joint gathering's evaluation takes answers (tracker/surveys/evaluations.py).
    EVALUATION_DAYS = os.environ.get("EVALUATION_DAYS", "7")
    # Coordinators hear about anyone whose share of sessions attended falls below this.
    ATTENDANCE_ALERT_THRESHOLD = float(os.environ.get("ATTENDANCE_ALERT_THRESHOLD", "0.75"))
    # Where the app is reached from outside, for links in mail sent from the command line.
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
    # Single sign-on: the providers (see oidc_providers_from_environment), and how long the app
    # waits for one to answer before telling the reader it is not answering.
    OIDC_PROVIDERS = oidc_providers_from_environment()
    OIDC_TIMEOUT_SECONDS = float(os.environ.get("OIDC_TIMEOUT_SECONDS", "5"))


class DevelopmentConfig(Config):
    REQUIRE_STAFF_2FA = os.environ.get("REQUIRE_STAFF_2FA", "0") != "0"


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("TEST_DATABASE_URL")
    ) or "sqlite://"
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_STORAGE_OPTIONS: dict = {}
    REQUIRE_STAFF_2FA = False
    # Mail a test sends without a folder of its own (a password change's notice) stays out of
    # the developer's instance/mail.
    MAIL_FOLDER = os.path.join(tempfile.gettempdir(), "tracker-test-mail")
    # One folder per test process (a worker of pytest-xdist is one); tests/materials gives each
    # test a folder of its own.
    MATERIALS_FOLDER = os.path.join(tempfile.gettempdir(), f"tracker-test-materials-{os.getpid()}")
    # Cheap hashing keeps the suite fast; production uses the library's recommended cost.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    # Off: tests flush without committing and roll back between tests, which no generation
    # sees; tests/test_fragments.py and the pages' own fragment tests turn it on.
    FRAGMENT_CACHE_CHARS = 0


# A production key must be at least this long, and zxcvbn's guesser must need at least
# 10^20 guesses to find it.
SECRET_KEY_MIN_LENGTH = 32
# Made-up keys score far below (10^15 at most for the ones we tried); random ones of 32 hex
# characters score 10^26 at the lowest in 3,000 tries: the line sits between, with room.
SECRET_KEY_MIN_GUESSES_LOG10 = 20


def secret_key_weakness(key: str) -> str | None:
    """Why `key` is not fit to sign production sessions, or None when it is.

    A key cannot be proven random, but the keys people make up can be recognised. zxcvbn (which
    also checks users' passwords) estimates how many guesses a cracker needs, knowing
    dictionaries, common passwords, keyboard rows, dates, repeats and l33t: `secrets.token_hex(16)`
    needs 10^27 to 10^31, `token_hex(32)` 10^63, while "Summer2026!Summer2026!Winter2026" needs
    10^15 and "qwertyuiopasdfghjklzxcvbnm123456" 10^12, and `"x" * 64` almost none.
    """
    if not key or key == _DEV_SECRET:
        return "it is not set"
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"it is shorter than {SECRET_KEY_MIN_LENGTH} characters"
    from zxcvbn import zxcvbn

    # zxcvbn takes at most 72 characters; a longer key is no weaker than its start.
    if zxcvbn(key[:72])["guesses_log10"] < SECRET_KEY_MIN_GUESSES_LOG10:
        return "it is words, a pattern or a repeat, not random characters"
    return None


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    # The browser sends a __Host- cookie only to this host, over HTTPS, for the whole site, so
    # a neighbouring subdomain cannot plant or overwrite it.
    SESSION_COOKIE_NAME = "__Host-session"
    SESSION_COOKIE_PATH = "/"
    SESSION_COOKIE_DOMAIN = None
    HSTS_SECONDS = 365 * 24 * 3600

    @classmethod
    def check(cls) -> None:
        """Refuse to start with the development key, none at all, or one a person typed."""
        weakness = secret_key_weakness(os.environ.get("SECRET_KEY", ""))
        if weakness:
            raise RuntimeError(
                f"SECRET_KEY is not fit for production: {weakness}. Set it to a random value "
                "(python -c 'import secrets; print(secrets.token_hex(32))')."
            )


ENVIRONMENTS: dict[str, type[Config]] = {
    "production": ProductionConfig,
    "development": DevelopmentConfig,
}


def config_from_environment() -> type[Config]:
    """The configuration `TRACKER_ENV` names (development when unset).

    :raise RuntimeError: when it names none: a misspelt "prodution" must not start a
        development server with the development key.
    """
    name = os.environ.get("TRACKER_ENV", "development").strip()
    if name not in ENVIRONMENTS:
        raise RuntimeError(
            f"TRACKER_ENV={name!r} is not a known environment; use one of "
            f"{', '.join(sorted(ENVIRONMENTS))}."
        )
    return ENVIRONMENTS[name]
