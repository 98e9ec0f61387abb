"""With the database unreachable, every page is the app's own 503 page (in the layout, with the
security headers), every API call a 503 problem, and /healthz a 503; nothing is a 500.

The app here points at a PostgreSQL address where nothing listens, so these run on any test
database; tests/test_faults_recovery.py takes a real PostgreSQL away and brings it back.
"""
import re

import pytest

from config import TestConfig
from tests.reminders.conftest import free_port
from tracker import access, create_app


@pytest.fixture(scope="module")
def down_app():
    class DatabaseDown(TestConfig):
        SQLALCHEMY_DATABASE_URI = (
            f"postgresql+psycopg://tracker@127.0.0.1:{free_port()}/tracker?connect_timeout=2")

    return create_app(DatabaseDown)


def signed_in(app):
    client = app.test_client()
    with client.session_transaction() as session:
        # A sign-in session's secret: looking it up is the first thing that needs the database.
        session["_user_id"] = "s" * 43
        session["_fresh"] = True
    return client


def example_path(rule) -> str:
    """The rule's address with 1 for every number and a word for every other part."""
    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>",
                  lambda m: "1" if m.group(1) == "int" else "x", rule.rule)


def page_rules(app):
    return [rule for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and rule.endpoint != "static"]


def assert_unavailable_page(response, path):
    assert response.status_code == 503, path
    html = response.get_data(as_text=True)
    assert "<main" in html and "Service unavailable" in html, path
    assert response.headers["Content-Security-Policy"], path
    assert response.headers["X-Frame-Options"] == "DENY", path
    assert response.headers["Cache-Control"] == "no-store", path
    assert response.headers["Retry-After"], path
    # Drawn for no one: no signed-in menu, which would have needed the database.
    assert "Sign out" not in html, path


def test_every_page_signed_in_is_the_apps_own_503_page(down_app):
    client = signed_in(down_app)
    checked = 0
    for rule in page_rules(down_app):
        if rule.rule.startswith("/api/") or rule.endpoint == "health.healthz":
            continue
        path = example_path(rule)
        assert_unavailable_page(client.get(path, headers={"Accept-Language": "en"}), path)
        checked += 1
    assert checked > 40


def test_every_api_call_is_a_503_problem(down_app):
    client = down_app.test_client()
    checked = 0
    for rule in page_rules(down_app):
        if not rule.rule.startswith("/api/") or access.ACCESS[rule.endpoint].roles is access.EVERYONE:
            continue
        path = example_path(rule)
        response = client.get(path, headers={"Authorization": "Bearer some-token"})
        assert response.status_code == 503, path
        assert response.mimetype == "application/problem+json", path
        assert response.get_json()["status"] == 503, path
        assert response.headers["Retry-After"], path
        checked += 1
    assert checked >= 10


def test_a_form_sent_while_the_database_is_down_is_a_503(down_app):
    client = signed_in(down_app)
    response = client.post("/cohorts/1/edit", data={"label": "Kull 9"},
                           headers={"Accept-Language": "en"})
    # CSRF is checked first; either way nothing is a 500, and a valid token meets the 503.
    assert response.status_code in (400, 503)
    down_app.config["WTF_CSRF_ENABLED"] = False
    try:
        assert_unavailable_page(client.post("/cohorts/1/edit", data={"label": "Kull 9"},
                                            headers={"Accept-Language": "en"}), "/cohorts/1/edit")
    finally:
        down_app.config["WTF_CSRF_ENABLED"] = True


def test_pages_that_need_no_database_still_answer_while_it_is_down(down_app):
    client = down_app.test_client()  # not signed in: nobody to load
    assert client.get("/login").status_code == 200
    assert client.get("/organisations/").status_code == 302  # to the sign-in page


def test_a_missing_page_signed_in_is_the_503_page_not_a_crash(down_app):
    client = signed_in(down_app)
    assert_unavailable_page(client.get("/no-such-page", headers={"Accept-Language": "en"}),
                            "/no-such-page")


def test_healthz_is_503_while_the_database_is_down(down_app):
    response = down_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable"}


def test_a_refused_write_is_logged_by_constraint_without_the_values(app, monkeypatch):
    """PostgreSQL quotes the row's key in its message (an email address); the log names the
    constraint instead."""
    from sqlalchemy.exc import IntegrityError

    from tracker.errors import refusal_without_values

    class Diagnosis:
        constraint_name = "uq_user_account_email"

    class UniqueViolation(Exception):
        sqlstate = "23505"
        diag = Diagnosis()

    orig = UniqueViolation('duplicate key value violates unique constraint "uq_user_account_email"\n'
                           "DETAIL:  Key (email)=(kari@example.org) already exists.")
    logged = refusal_without_values(IntegrityError("INSERT …", {"email": "kari@example.org"}, orig))
    assert logged == "UniqueViolation on uq_user_account_email"
    assert "kari" not in logged


class DriverError(Exception):
    def __init__(self, sqlstate):
        super().__init__("driver message")
        self.sqlstate = sqlstate


@pytest.mark.parametrize("error, unavailable", [
    ("connection refused", True),
    ("admin shutdown", True),
    ("serialization failure", False),
    ("deadlock", False),
    ("pool exhausted", True),
    ("closed connection", True),
    ("bad value", False),
])
def test_what_counts_as_the_database_being_unavailable(error, unavailable):
    from sqlalchemy.exc import DataError, InterfaceError, OperationalError, TimeoutError

    from tracker.errors import database_unavailable

    errors = {
        "connection refused": OperationalError("SELECT 1", {}, DriverError(None)),
        "admin shutdown": OperationalError("SELECT 1", {}, DriverError("57P01")),
        "serialization failure": OperationalError("UPDATE …", {}, DriverError("40001")),
        "deadlock": OperationalError("UPDATE …", {}, DriverError("40P01")),
        "pool exhausted": TimeoutError("QueuePool limit reached"),
        "closed connection": InterfaceError("SELECT 1", {}, DriverError(None)),
        "bad value": DataError("INSERT …", {}, DriverError("22001")),
    }
    assert database_unavailable(errors[error]) is unavailable


def test_a_lost_serialization_race_is_a_409_not_an_outage(down_app):
    """A deadlock or serialization failure is answered like any lost race: a conflict."""
    from sqlalchemy.exc import OperationalError

    from tracker import errors

    with down_app.test_request_context("/cohorts/1/edit", method="POST",
                                       headers={"Accept": "application/json"}):
        handler = down_app.error_handler_spec[None][None][OperationalError]
        response = handler(OperationalError("UPDATE …", {}, DriverError("40001")))
        assert response.status_code == 409
        assert errors.is_lost_race(OperationalError("UPDATE …", {}, DriverError("40P01")))
