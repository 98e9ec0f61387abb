"""Redirects stay on the site: every spelling of another site's address that a browser would
follow off-site, sent as `next` to every endpoint that redirects to one, ends at home instead."""
from urllib.parse import urlsplit

import pytest

from tests.conftest import PASSWORD, csrf_token, login_as
from tracker.urls import is_own_path

# Each is somewhere else to a browser (or to a proxy that decodes percent-escapes first).
HOSTILE = [
    "https://evil.example/",
    "http:evil.example",
    "https:evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    " //evil.example",
    " /cohorts/1",
    "/%2F%2Fevil.example",
    "/%2f/evil.example",
    "%2F%2Fevil.example",
    "/%5Cevil.example",
    "/%09/evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/\x00/evil.example",
    "/\x0b/evil.example",
    "/\u0085/evil.example",
    "evil.example",
    "//[",
    "/" + "a" * 5000,
    "",
]
# Ours: these are followed as they are.
OWN = ["/cohorts/1", "/groups/mine", "/people/?search=Kari%20Nordmann", "/organisations/?page=2"]


def assert_stays_home(response, target):
    assert response.status_code < 500, repr(target)
    if response.status_code in (301, 302, 303, 307, 308):
        location = response.headers["Location"]
        assert location == "/", (target, location)


@pytest.mark.parametrize("target", HOSTILE)
def test_no_hostile_spelling_is_an_address_of_ours(target):
    assert not is_own_path(target)


@pytest.mark.parametrize("target", OWN)
def test_our_own_paths_are(target):
    assert is_own_path(target)


@pytest.fixture
def coordinator(make_user):
    return make_user("coordinator", email="koordinator@example.org")


@pytest.mark.parametrize("target", HOSTILE)
def test_signing_in_never_sends_you_off_site(client, coordinator, target):
    response = client.post("/login", data={"csrf_token": csrf_token(client), "email": coordinator.email,
                                           "password": PASSWORD, "next": target})
    assert_stays_home(response, target)


@pytest.mark.parametrize("target", HOSTILE)
def test_the_sign_in_page_of_someone_signed_in_never_sends_them_off_site(client, coordinator, target):
    login_as(client, coordinator)
    response = client.get("/login", query_string={"next": target})
    assert response.status_code == 302
    assert_stays_home(response, target)


@pytest.mark.parametrize("target", HOSTILE)
def test_the_language_switch_never_sends_you_off_site(client, target):
    response = client.post("/language", data={"csrf_token": csrf_token(client), "lang": "en",
                                              "next": target})
    assert response.status_code == 302
    assert_stays_home(response, target)


@pytest.mark.parametrize("target", OWN)
def test_signing_in_and_the_language_switch_follow_our_own_paths(client, coordinator, target):
    response = client.post("/language", data={"csrf_token": csrf_token(client), "lang": "en",
                                              "next": target})
    assert response.headers["Location"] == target
    response = client.post("/login", data={"csrf_token": csrf_token(client), "email": coordinator.email,
                                           "password": PASSWORD, "next": target})
    assert urlsplit(response.headers["Location"]).path == urlsplit(target).path


@pytest.fixture
def group_and_leader(db, make_group, make_user):
    from tracker.calendar.models import FeedKind, FeedToken

    group = make_group()
    db.session.add(FeedToken(kind=FeedKind.ENROLMENT, subject_id=group.id, token_hash="0" * 64))
    db.session.commit()
    return group, make_user("agency", organisation=group.organisation)


@pytest.mark.parametrize("target", HOSTILE)
def test_ending_a_shared_calendar_address_never_sends_you_off_site(client, group_and_leader, target):
    group, leader = group_and_leader
    login_as(client, leader)
    response = client.post(f"/calendar/enrolment/{group.id}/end-shared",
                           data={"csrf_token": csrf_token(client), "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] in ("/", f"/groups/{group.id}"), target


@pytest.mark.parametrize("target", HOSTILE)
def test_the_new_calendar_address_page_links_back_only_to_our_own_pages(client, group_and_leader, target):
    from tests.html import read

    group, leader = group_and_leader
    login_as(client, leader)
    response = client.post(f"/calendar/enrolment/{group.id}/reset",
                           data={"csrf_token": csrf_token(client), "next": target})
    assert response.status_code == 200
    links = [a["href"] for a in read(response.get_data(as_text=True)).all("a")
             if a.get("href") and not a["href"].startswith(("#", "http://127.0.0.1:5000/", "webcal://127.0.0.1:5000/"))]
    assert all(is_own_path(link) for link in links), links
    assert f"/groups/{group.id}" in links
