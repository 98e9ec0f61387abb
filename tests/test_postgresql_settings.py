"""What the app asks of a PostgreSQL connection."""
import pytest
from sqlalchemy import text

from tests.conftest import postgres_server_url


@pytest.mark.skipif(postgres_server_url() is None,
                    reason="needs PostgreSQL: set TEST_DATABASE_URL=postgresql://…")
def test_statements_are_not_jit_compiled(db):
    """PostgreSQL's JIT compiles a statement it estimates costly, afresh at every run: seconds
    for the survey's whole-state comparison, each request. The app's connections turn it off."""
    assert db.session.execute(text("SHOW jit")).scalar() == "off"


def test_a_sqlite_connection_is_given_no_postgresql_options(app):
    """The option goes only to PostgreSQL: SQLite's driver would refuse it."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("the PostgreSQL run checks the option itself")
    assert "connect_args" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]
