"""A request never commits and then answers an error, and never answers success for work the
database did not keep: a commit that fails is rolled back and answered with an error; a hook
that fails after the commit is logged, and the answer still says the work was saved."""
import pytest


def test_a_commit_that_loses_the_database_is_a_503_page_and_saves_nothing(edge):
    client, saved_names = edge
    response = client.post("/edge/commit-unreachable?name=Mattilsynet",
                           headers={"Accept-Language": "en"})
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "looks saved" not in html
    assert "Service unavailable" in html and "<main" in html
    assert response.headers["Content-Security-Policy"]
    assert response.headers["Retry-After"]
    assert saved_names() == set()


def test_a_commit_that_loses_the_database_under_the_api_is_a_503_problem(edge):
    client, saved_names = edge
    response = client.post("/api/edge/commit-unreachable?name=Mattilsynet")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 503
    assert saved_names() == set()


@pytest.mark.parametrize("status", [200, 302])
def test_a_hook_failing_after_the_commit_cannot_turn_saved_work_into_a_500(
        edge, edge_app, monkeypatch, status):
    client, saved_names = edge
    logged = []
    monkeypatch.setattr(edge_app.logger, "exception",
                        lambda message, *args: logged.append(message % args))
    response = client.post(f"/edge/hook-fails-{status}?name=Mattilsynet")
    assert response.status_code == status
    assert saved_names() == {"Mattilsynet"}
    # The other hooks still ran: the security headers are there.
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Content-Security-Policy"]
    assert len(logged) == 1 and "after the commit" in logged[0]


def test_a_hook_failing_before_anything_was_committed_is_still_an_error(edge, edge_app):
    client, saved_names = edge
    # A refused request commits nothing: a broken hook is a plain server error (raised in tests).
    with pytest.raises(RuntimeError, match="after-request hook broke"):
        client.post("/edge/hook-fails-400?name=Mattilsynet")
    assert saved_names() == set()


def test_an_unexpected_database_error_is_logged_without_its_parameters(edge, edge_app, monkeypatch):
    client, _saved_names = edge
    logged = []
    monkeypatch.setitem(edge_app.config, "PROPAGATE_TEST_ERRORS", False)
    monkeypatch.setattr(edge_app.logger, "error", lambda message, *args: logged.append(message % args))
    monkeypatch.setattr(edge_app.logger, "exception", lambda message, *args: logged.append(message % args))
    response = client.post("/edge/bad-statement?name=Kari%20Nordmann")
    assert response.status_code == 500
    assert len(logged) == 1 and "Unhandled database error" in logged[0]
    assert "Kari" not in logged[0] and "Nordmann" not in logged[0]
