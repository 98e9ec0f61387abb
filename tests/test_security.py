"""The security baseline: headers, cookies, error pages without internals."""
import pytest

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


def test_production_marks_the_session_cookie_secure(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s" * 64)

    class Production(ProductionConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite://"

    assert create_app(Production).config["SESSION_COOKIE_SECURE"] is True


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
