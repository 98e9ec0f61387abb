import secrets

import pytest

from config import (
    DevelopmentConfig,
    ProductionConfig,
    normalise_database_url,
    secret_key_weakness,
)
from tracker import create_app


@pytest.mark.parametrize("key", [
    None, "", "dev-only-not-secret", "short",
    "x" * 64,                                     # long, and nothing in it
    "ab" * 40,                                    # a repeat
    "Summer2026!Summer2026!Winter2026",           # words, a year and a repeat
    "qwertyuiopasdfghjklzxcvbnm123456",           # the keyboard's rows
    "password" + "1234567890" * 3,                # a common password and a sequence
])
def test_production_refuses_to_start_without_a_random_secret_key(monkeypatch, key):
    if key is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


# Made afresh in the test (not in its parameters, which every test worker must collect alike).
@pytest.mark.parametrize("make_key", [
    lambda: secrets.token_hex(32), lambda: secrets.token_hex(16), lambda: secrets.token_urlsafe(32),
], ids=["token_hex(32)", "token_hex(16)", "token_urlsafe(32)"])
def test_keys_made_by_the_secrets_module_are_accepted(make_key):
    # Many of each, since a random key now and then looks a little like a pattern.
    assert [key for key in (make_key() for _ in range(200)) if secret_key_weakness(key)] == []


@pytest.mark.parametrize("name", ["prodution", "Production", "test", "staging"])
def test_an_unknown_environment_refuses_to_start(monkeypatch, name):
    monkeypatch.setenv("TRACKER_ENV", name)
    with pytest.raises(RuntimeError, match="TRACKER_ENV"):
        create_app()


def test_without_an_environment_the_app_is_for_development(monkeypatch):
    from config import config_from_environment

    monkeypatch.delenv("TRACKER_ENV", raising=False)
    assert config_from_environment() is DevelopmentConfig
    monkeypatch.setenv("TRACKER_ENV", "production")
    assert config_from_environment() is ProductionConfig


def test_production_starts_with_a_real_secret_key(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))

    class Production(ProductionConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite://"

    app = create_app(Production)
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_default_database_is_a_sqlite_file_in_the_instance_folder():
    class Default(DevelopmentConfig):
        SQLALCHEMY_DATABASE_URI = None

    app = create_app(Default)
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("/instance/tracker.sqlite")


@pytest.mark.parametrize(
    "given, expected",
    [("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
     ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
     ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
     ("sqlite:////tmp/x.sqlite", "sqlite:////tmp/x.sqlite"),
     ("", None)],
)
def test_database_url_is_pointed_at_psycopg(given, expected):
    assert normalise_database_url(given) == expected

