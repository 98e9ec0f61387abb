"""Calendar details: a gathering of several days is one event a day, downloads are named for
what they hold in the reader's language, every event links back to its page, and ending a
shared address asks first and says who must subscribe again."""

from urllib.parse import unquote

import pytest

from tests.calendar.test_calendar_feeds import (  # noqa: F401
    at,
    fetch,
    parse,
    shared,
    token_for,
    world,
)
from tests.conftest import csrf_token, login_as
from tests.html import read
from tracker.calendar.ics import session_days, session_filename
from tracker.calendar.models import FeedKind
from tracker.schedule.models import Session, SessionStatus

EN = {"Accept-Language": "en"}
NB = {"Accept-Language": "nb"}
NN = {"Accept-Language": "nn"}


def events(calendar, session: Session) -> list:
    """The session's events, by start."""
    prefix = f"session-{session.id}"
    found = [e for e in calendar.walk("VEVENT") if str(e["UID"]).split("@")[0].split("-day-")[0] == prefix]
    return sorted(found, key=lambda e: e["DTSTART"].dt)


@pytest.fixture
def two_days(db, world):  # noqa: F811
    """The winter gathering made two days long: 1 February 09:00 to 2 February 15:00."""
    session = world["sessions"]["winter"]
    session.ends_at = at(2017, 2, 2, 15)
    db.session.commit()
    return session


# One event a day


def test_a_gathering_of_two_days_is_two_events_each_with_that_days_times(client, db, world, two_days):  # noqa: F811
    calendar = parse(fetch(client, token_for(db, world, FeedKind.ENROLMENT, world["udir"].id), ))

    day1, day2 = events(calendar, two_days)
    assert (day1["DTSTART"].dt, day1["DTEND"].dt) == (at(2017, 2, 1, 9), at(2017, 2, 1, 15))
    assert (day2["DTSTART"].dt, day2["DTEND"].dt) == (at(2017, 2, 2, 9), at(2017, 2, 2, 15))
    assert str(day1["UID"]) == f"session-{two_days.id}@tracker.toppledergrupper"  # the first day keeps it
    assert str(day2["UID"]) == f"session-{two_days.id}-day-2@tracker.toppledergrupper"
    assert "dag 1 av 2" in str(day1["SUMMARY"]) and "dag 2 av 2" in str(day2["SUMMARY"])
    # A one-day session is one event, its name as it was.
    (one,) = events(calendar, world["sessions"]["udir_own"])
    assert str(one["SUMMARY"]) == "Veiledning (Kull 3, Utdanningsdirektoratet)"


def test_each_day_of_a_cancelled_gathering_is_cancelled(client, db, world):  # noqa: F811
    session = world["sessions"]["cancelled"]
    session.ends_at = at(2017, 4, 7, 15)
    db.session.commit()
    calendar = parse(fetch(client, token_for(db, world, FeedKind.COHORT, world["cohort"].id)))
    days = events(calendar, session)
    assert len(days) == 3 and {str(e["STATUS"]) for e in days} == {"CANCELLED"}


@pytest.mark.parametrize("start, end, expected", [
    # Over summer time's start (26 March 2017): each day at its wall-clock times.
    (at(2017, 3, 25, 9), at(2017, 3, 27, 16), [(at(2017, 3, 25, 9), at(2017, 3, 25, 16)),
                                               (at(2017, 3, 26, 9), at(2017, 3, 26, 16)),
                                               (at(2017, 3, 27, 9), at(2017, 3, 27, 16))]),
    # Ends at midnight: one day.
    (at(2017, 2, 1, 18), at(2017, 2, 2, 0), [(at(2017, 2, 1, 18), at(2017, 2, 2, 0))]),
    # Through the night (ends earlier in the day than it starts): one event, as it is.
    (at(2017, 2, 1, 18), at(2017, 2, 2, 12), [(at(2017, 2, 1, 18), at(2017, 2, 2, 12))]),
])
def test_the_days_of_a_session(start, end, expected):
    session = Session(starts_at=start, ends_at=end, status=SessionStatus.PLANNED)
    assert [(d.starts_at, d.ends_at) for d in session_days(session)] == expected


# Links back


def test_every_event_links_back_to_its_session_on_the_cohort_page(app, client, db, world, two_days):  # noqa: F811
    base = app.config["BASE_URL"].rstrip("/")
    calendar = parse(fetch(client, token_for(db, world, FeedKind.ENROLMENT, world["udir"].id)))
    for session in (two_days, world["sessions"]["udir_own"]):
        link = f"{base}/cohorts/{world['cohort'].id}#session-{session.id}"
        for event in events(calendar, session):
            assert str(event["URL"]) == link
            assert link in str(event["DESCRIPTION"])


# File names


@pytest.mark.parametrize("kind, subject, headers, name", [
    (FeedKind.ENROLMENT, "udir", NB, "kull-3-udir-samlinger.ics"),
    (FeedKind.ENROLMENT, "udir", NN, "kull-3-udir-samlingar.ics"),
    (FeedKind.ENROLMENT, "udir", EN, "cohort-3-udir-sessions.ics"),
    (FeedKind.COHORT, "cohort", NB, "kull-3-fellessamlinger.ics"),
    (FeedKind.COHORT, "cohort", EN, "cohort-3-joint-sessions.ics"),
    (FeedKind.PERSON, "kari", NB, "samlinger-kari-nordmann.ics"),
    (FeedKind.PERSON, "kari", EN, "sessions-kari-nordmann.ics"),
])
def test_a_downloaded_feed_is_named_for_what_it_holds_in_the_readers_language(
        client, db, world, kind, subject, headers, name):  # noqa: F811
    response = client.get(f"/calendar/{token_for(db, world, kind, world[subject].id)}.ics",
                          query_string={"download": 1}, headers=headers)
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="{name}"' in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == name


def test_letters_beyond_ascii_are_kept_with_a_plain_fallback(client, db, world):  # noqa: F811
    world["kari"].name = "Kåre Ørnulf Ås"
    db.session.commit()
    response = fetch(client, token_for(db, world, FeedKind.PERSON, world["kari"].id), download=1)
    disposition = response.headers["Content-Disposition"]
    assert 'filename="samlinger-kare-ornulf-as.ics"' in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "samlinger-kåre-ørnulf-ås.ics"


def test_a_single_session_file_says_what_it_is(app, db, world):  # noqa: F811
    with app.test_request_context():
        assert session_filename(world["sessions"]["winter"], "nb") == "fellessamling-kull-3-2017-02-01.ics"
        assert session_filename(world["sessions"]["winter"], "en") == "joint-gathering-kull-3-2017-02-01.ics"


# Ending a shared address asks first


def test_ending_a_shared_group_address_asks_first_and_says_who_must_subscribe_again(client, db, world):  # noqa: F811
    token = shared(db, FeedKind.ENROLMENT, world["udir"].id)
    token_for(db, world, FeedKind.ENROLMENT, world["udir"].id, user="kari")  # Kari has her own
    login_as(client, world["users"]["udir"])
    group_page = f"/groups/{world['udir'].id}"
    page = read(client.get(group_page, headers=EN).data)
    link = next(a["href"] for a in page.all("a") if "/end-shared" in a.get("href", ""))

    response = client.get(link, headers=EN)

    assert response.status_code == 200
    page = read(response.data)
    assert "End the shared calendar address of Utdanningsdirektoratet (Udir), Kull 3?" in page.text
    assert "Who must subscribe again" in page.text
    listed = page.text.split("Tell them before you end it:")[1].split("Anyone else")[0]
    assert world["users"]["udir"].email in listed
    assert world["users"]["kari"].email not in listed  # she has her own address
    assert world["users"]["skd"].email not in page.text  # another group's leader
    assert "1 reader has an address of their own; it keeps working." in page.text
    assert fetch(client, token).status_code == 200  # asking ends nothing

    form = next(f for f in page.all("form") if "/end-shared" in f.get("action", ""))
    next_page = page.all("input", name="next")[-1]["value"]
    assert next_page == group_page
    response = client.post(form["action"], data={"csrf_token": csrf_token(client), "next": next_page})
    assert response.status_code == 302 and response.headers["Location"] == group_page
    assert fetch(client, token).status_code == 404


def test_asking_to_end_an_address_already_ended_says_so(client, db, world):  # noqa: F811
    login_as(client, world["users"]["coordinator"])
    response = client.get(f"/calendar/cohort/{world['cohort'].id}/end-shared", headers=EN)
    assert response.status_code == 200
    page = read(response.data)
    assert "no shared address any more" in page.text
    assert not [f for f in page.all("form") if "/end-shared" in f.get("action", "")]


@pytest.mark.parametrize("next_page", ["https://evil.example/", "//evil.example", "javascript:alert(1)"])
def test_the_question_links_back_only_to_our_own_pages(client, db, world, next_page):  # noqa: F811
    shared(db, FeedKind.ENROLMENT, world["udir"].id)
    login_as(client, world["users"]["udir"])
    page = read(client.get(f"/calendar/enrolment/{world['udir'].id}/end-shared",
                           query_string={"next": next_page}).data)
    assert {a["href"] for a in page.all("a") if a.get("href", "").startswith(("http", "//", "javascript"))} == set()
    assert page.all("input", name="next")[-1]["value"] == f"/groups/{world['udir'].id}"


def test_others_cannot_open_the_question(client, db, world):  # noqa: F811
    shared(db, FeedKind.ENROLMENT, world["udir"].id)
    login_as(client, world["users"]["skd"])
    assert client.get(f"/calendar/enrolment/{world['udir'].id}/end-shared").status_code == 404


