import pytest

from config import DevelopmentConfig, ProductionConfig, normalise_database_url
from tracker import create_app


def test_production_refuses_to_start_without_a_real_secret_key(monkeypatch):
    for key in (None, "", "dev-only-not-secret", "short"):
        if key is None:
            monkeypatch.delenv("SECRET_KEY", raising=False)
        else:
            monkeypatch.setenv("SECRET_KEY", key)
        with pytest.raises(RuntimeError, match="SECRET_KEY"):
            create_app(ProductionConfig)


def test_production_starts_with_a_real_secret_key(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 64)

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

