"""Configuration from the environment.

`DATABASE_URL` and `SECRET_KEY` are read here; everything else has a safe default.
"""
import os
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


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", _DEV_SECRET)
    # None means "a SQLite file in the instance folder"; create_app fills it in.
    SQLALCHEMY_DATABASE_URI = normalise_database_url(os.environ.get("DATABASE_URL"))
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    BABEL_DEFAULT_LOCALE = "nb"
    BABEL_DEFAULT_TIMEZONE = "Europe/Oslo"
    LANGUAGES = ("nb", "nn", "en")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # A sign-in lasts a working day; after that the session cookie is no longer accepted.
    PERMANENT_SESSION_LIFETIME = timedelta(hours=int(os.environ.get("SESSION_HOURS", "10")))
    WTF_CSRF_TIME_LIMIT = None
    # The JSON API at /api/v1 and its OpenAPI document; no Swagger UI, which would load from a CDN.
    API_TITLE = "Programme tracker API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    REDIS_URL = os.environ.get("REDIS_URL")
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_LIMIT_PER_ACCOUNT = "5 per 15 minutes"
    LOGIN_LIMIT_PER_ADDRESS = "30 per 15 minutes"
    # How many proxies in front of the app set X-Forwarded-For (0: none, trust nothing).
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
    MAX_CONTENT_LENGTH = 5 * 1024 * 1024
    # Reminders and attendance alerts by email (`flask reminders send`). Without MAIL_URL
    # (smtp://user:password@host:587 or smtps://host:465) mail is written as .eml files
    # into MAIL_FOLDER, by default instance/mail.
    MAIL_URL = os.environ.get("MAIL_URL")
    MAIL_FROM = os.environ.get("MAIL_FROM", "Program for toppledergrupper <noreply@example.org>")
    MAIL_FOLDER = os.environ.get("MAIL_FOLDER")
    # Days before a session that its reminders go out, comma-separated.
    REMINDER_DAYS = os.environ.get("REMINDER_DAYS", "7,1")
    # Coordinators hear about anyone whose share of sessions attended falls below this.
    ATTENDANCE_ALERT_THRESHOLD = float(os.environ.get("ATTENDANCE_ALERT_THRESHOLD", "0.75"))
    # Where the app is reached from outside, for links in mail sent from the command line.
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")


class DevelopmentConfig(Config):
    pass


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("TEST_DATABASE_URL")
    ) or "sqlite://"
    RATELIMIT_STORAGE_URI = "memory://"
    # Cheap hashing keeps the suite fast; production uses the library's recommended cost.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True

    @classmethod
    def check(cls) -> None:
        """Refuse to start with the development key or none at all."""
        key = os.environ.get("SECRET_KEY", "")
        if not key or key == _DEV_SECRET or len(key) < 32:
            raise RuntimeError(
                "SECRET_KEY must be set to a random value of at least 32 characters "
                "in production (python -c 'import secrets; print(secrets.token_hex(32))')."
            )


def config_from_environment() -> type[Config]:
    return {
        "production": ProductionConfig,
        "development": DevelopmentConfig,
    }.get(os.environ.get("TRACKER_ENV", "development"), DevelopmentConfig)
