"""The security log hears of every refusal of access, by user id and endpoint only."""
import json
import logging

import pytest

from tests.conftest import login_as


@pytest.fixture
def security_events(caplog):
    def events():
        return [json.loads(r.message) for r in caplog.records if r.name == "tracker.security"]

    with caplog.at_level(logging.INFO, logger="tracker.security"):
        yield events


def test_a_page_refused_to_a_role_is_in_the_security_log(client, make_user, security_events):
    viewer = make_user("ministry")
    login_as(client, viewer)
    assert client.get("/audit/").status_code == 403
    refused = [e for e in security_events() if e["event"] == "access_refused"]
    assert refused == [{**refused[0], "user_id": viewer.id, "endpoint": "audit.programme",
                        "method": "GET"}]
    assert viewer.email not in json.dumps(refused)


def test_an_api_call_refused_to_a_role_is_in_the_security_log(client, make_user, security_events):
    from tracker.auth.tokens import new_token

    leader = make_user("agency")
    _token, secret = new_token(leader, "script")
    response = client.post("/api/v1/cohorts", json={},
                           headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 403
    assert [e["user_id"] for e in security_events() if e["event"] == "access_refused"] == [
        leader.id]


def test_a_page_that_is_allowed_logs_no_refusal(client, make_user, security_events):
    login_as(client, make_user("coordinator"))
    assert client.get("/audit/").status_code == 200
    assert not [e for e in security_events() if e["event"] == "access_refused"]




@pytest.mark.parametrize("path, logged", [
    ("/password/reset/{token}", "/password/reset/<token>"),
    ("/invitation/{token}", "/invitation/<token>"),
    ("/calendar/{token}.ics", "/calendar/<token>.ics"),
])
def test_a_secret_in_the_address_never_reaches_the_log(app, security_events, path, logged):
    """A live link's (or feed's) secret in a log line would open it for whoever reads the log."""
    from tracker import security_log

    token = "Ab3_-" * 8 + "xyz"
    with app.test_request_context(path.format(token=token)):
        security_log.record("account_link_used", user_id=1)
    [event] = security_events()
    assert token not in json.dumps(event)
    assert event["path"] == logged
