"""The migration chain builds the schema the models describe, on SQLite and on PostgreSQL."""
import os

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from config import TestConfig, normalise_database_url
from tests.conftest import temporary_postgres_database
from tracker import create_app
from tracker.extensions import db


def databases(tmp_path):
    yield "sqlite", f"sqlite:///{tmp_path}/migrations.sqlite"
    server = normalise_database_url(os.environ.get("TEST_DATABASE_URL"))
    if server and server.startswith("postgresql"):
        with temporary_postgres_database(server) as url:
            yield "postgresql", url


def differences(url: str) -> list:
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        assert set(db.metadata.tables) <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        db.engine.dispose()
    return diff


def test_empty_database_upgrades_to_the_models_schema(tmp_path):
    checked = []
    for name, url in databases(tmp_path):
        assert differences(url) == [], f"models and migrations differ on {name}"
        checked.append(name)
    assert "sqlite" in checked
    if os.environ.get("TEST_DATABASE_URL"):
        assert "postgresql" in checked
