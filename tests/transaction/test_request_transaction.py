"""One transaction per request: it commits at the edge when the answer is a success, and
otherwise saves nothing; a GET never writes; a refusal is a 4xx wherever it is raised."""
import pytest

from tracker.transaction import WriteOnSafeRequest


@pytest.mark.parametrize("status", [200, 302])
def test_a_successful_request_commits_its_work_at_the_edge(edge, status):
    client, saved_names = edge
    assert client.post(f"/edge/flush-then-{status}?name=Mattilsynet").status_code == status
    assert saved_names() == {"Mattilsynet"}


@pytest.mark.parametrize("status", [400, 404, 409])
def test_a_request_answered_with_an_error_saves_nothing(edge, status):
    client, saved_names = edge
    assert client.post(f"/edge/flush-then-{status}?name=Mattilsynet").status_code == status
    assert saved_names() == set()


def test_a_rule_refusing_outside_a_form_is_a_400_page_in_the_layout(edge):
    client, saved_names = edge
    response = client.post("/edge/refuse?name=Mattilsynet", headers={"Accept-Language": "en"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Four groups at most." in html
    assert "<main" in html  # the layout, not a bare message
    assert saved_names() == set()


def test_a_rule_refusing_under_the_api_is_a_problem_document(edge):
    client, saved_names = edge
    response = client.post("/api/edge/refuse?name=Mattilsynet")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail"] == "Four groups at most."
    assert saved_names() == set()


def test_a_conflict_outside_a_form_is_a_409(edge):
    client, saved_names = edge
    assert client.post("/edge/conflict?name=Mattilsynet").status_code == 409
    assert saved_names() == set()


def test_a_commit_the_database_refuses_is_a_409_and_never_a_success(edge):
    client, saved_names = edge
    response = client.post("/edge/commit-refused")
    assert response.status_code == 409
    assert "looks saved" not in response.get_data(as_text=True)
    assert saved_names() == set()


def test_a_get_that_writes_fails_loudly_in_tests(edge):
    client, saved_names = edge
    with pytest.raises(WriteOnSafeRequest):
        client.get("/edge/write-on-get?name=Mattilsynet")
    assert saved_names() == set()


def test_a_get_that_writes_is_logged_and_rolled_back_in_production(edge, edge_app, monkeypatch):
    client, saved_names = edge
    edge_app.config["TESTING"] = False
    logged = []
    # Straight from the app's logger: other tests configure logging in ways caplog can miss.
    monkeypatch.setattr(edge_app.logger, "error", lambda message, *args: logged.append(message % args))
    response = client.get("/edge/write-on-get?name=Mattilsynet")
    assert response.status_code == 200
    assert saved_names() == set()
    assert logged == ["GET /edge/write-on-get wrote to the database; it must not."]


def test_the_same_write_over_post_is_saved(edge):
    client, saved_names = edge
    assert client.post("/edge/write-on-get?name=Mattilsynet").status_code == 200
    assert saved_names() == {"Mattilsynet"}
