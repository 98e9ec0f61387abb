"""The security baseline: headers, cookies, error pages without internals."""
import secrets

import pytest
from flask import Response

from config import ProductionConfig, TestConfig
from tests.conftest import PASSWORD, csrf_token
from tracker import create_app


@pytest.mark.parametrize("url", ["/login", "/healthz", "/static/css/tracker.css", "/no/such/page"])
def test_every_response_carries_the_security_headers(client, url):
    response = client.get(url)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_are_not_cached(client):
    assert client.get("/login").headers["Cache-Control"] == "no-store"


def test_no_page_has_inline_script_or_style(client, make_user):
    from tests.conftest import login_as

    login_as(client, make_user("admin"))
    for url in ("/", "/organisations/", "/people/", "/audit/", "/admin/users/", "/admin/users/new"):
        html = client.get(url).get_data(as_text=True)
        assert "<script" not in html and "style=" not in html and "<style" not in html, url


def test_session_cookie_is_httponly_and_samesite_lax(client, make_user):
    user = make_user("coordinator")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "csrf_token": csrf_token(client)})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.fixture
def production_app(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))

    class Production(ProductionConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        SECRET_KEY = secrets.token_hex(32)

    return create_app(Production)


def test_production_sends_a_host_only_secure_session_cookie(production_app):
    response = production_app.test_client().get("/login")  # the form's CSRF token is in the session
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    assert "Secure" in cookie and "Path=/;" in cookie + ";" and "Domain" not in cookie
    assert "HttpOnly" in cookie


def test_production_sends_hsts_and_development_does_not(production_app, client):
    hsts = production_app.test_client().get("/login").headers["Strict-Transport-Security"]
    assert hsts.startswith("max-age=31536000") and "includeSubDomains" in hsts
    assert "Strict-Transport-Security" not in client.get("/login").headers


@pytest.mark.parametrize("mimetype", [
    "application/json", "application/problem+json", "text/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/calendar",
    "text/plain",
])
def test_json_and_exports_are_not_cached(app, mimetype):
    from tracker.security import add_security_headers

    with app.test_request_context("/reports/export.csv"):
        response = add_security_headers(Response(b"x", mimetype=mimetype))
    assert response.headers["Cache-Control"] == "no-store"


def test_the_api_and_health_answers_are_not_cached(client):
    assert client.get("/api/v1/openapi.json").headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/cohorts").headers["Cache-Control"] == "no-store"  # a 401 problem


def test_static_files_may_be_cached(client):
    assert "no-store" not in client.get("/static/css/tracker.css").headers.get("Cache-Control", "")


def test_an_unexpected_error_shows_our_page_without_internals(monkeypatch):
    from tracker.access import ACCESS, EVERYONE, Rule
    from tracker.extensions import db

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        PROPAGATE_TEST_ERRORS = False

    app = create_app(Config)
    rolled_back = []

    @app.get("/boom")
    def boom():
        raise RuntimeError("SELECT secret FROM internals")

    monkeypatch.setitem(ACCESS, "boom", Rule(EVERYONE))
    monkeypatch.setattr(db.session, "rollback", lambda: rolled_back.append(True))
    response = app.test_client().get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Noe gikk galt" in html
    assert "SELECT" not in html and "Traceback" not in html and "RuntimeError" not in html
    assert rolled_back
