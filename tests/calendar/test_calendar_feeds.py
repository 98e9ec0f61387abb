"""Calendar feeds: what each holds, in Oslo time, behind an address that is its own key."""
import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token, login_as
from tests.html import read
from tracker.calendar.ics import build_calendar, event_for
from tracker.calendar.models import FeedKind, FeedToken
from tracker.calendar.services import feed_token
from tracker.groups.models import EnrolmentStatus
from tracker.people.models import MemberRole, Membership, Person
from tracker.groups.services import enrol
from tracker.programmes.models import CourseModule, ModuleKind
from tracker.schedule.models import Session, SessionStatus
from tracker.schedule.sessions import update_session

OSLO = ZoneInfo("Europe/Oslo")
EN = {"Accept-Language": "en"}


def at(year, month, day, hour=9, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=OSLO)


@pytest.fixture
def world(db, make_cohort, make_organisation, make_user):
    """Kull 3 (spring 2017) with Udir and SKD: a winter and a summer joint session, a cancelled
    joint one, one session of each group's own; Kari, a member of Udir's group and of a group
    in an older cohort; and users for Udir, SKD, Kari and a coordinator."""
    cohort = make_cohort(label="Kull 3", start_date=date(2017, 1, 9))
    older = make_cohort(label="Kull 1", start_date=date(2016, 1, 11))
    gathering = CourseModule(programme=cohort.programme, position=1, name_nb="Fellessamling",
                             name_en="Joint gathering", kind=ModuleKind.JOINT_GATHERING,
                             is_joint=True, offset_weeks=8)
    coaching = CourseModule(programme=cohort.programme, position=2, name_nb="Veiledning",
                            name_en="Coaching", kind=ModuleKind.GROUP_WORK, is_joint=False,
                            offset_weeks=13, hours_per_day=3)
    db.session.add_all([gathering, coaching])
    udir_org = make_organisation(name_nb="Utdanningsdirektoratet", short_name="Udir")
    skd_org = make_organisation(name_nb="Skattedirektoratet", short_name="SKD")
    nve_org = make_organisation(name_nb="Norges vassdrags- og energidirektorat", short_name="NVE")
    udir = enrol(cohort, udir_org, status=EnrolmentStatus.CONFIRMED)
    skd = enrol(cohort, skd_org, status=EnrolmentStatus.CONFIRMED)
    nve = enrol(older, nve_org, status=EnrolmentStatus.CONFIRMED)

    def session(cohort, start, module, enrolment=None, status=SessionStatus.PLANNED,
                location="Difi, Grev Wedels plass 9, Oslo", hours=6):
        s = Session(cohort=cohort, enrolment=enrolment, module=module, starts_at=start,
                    ends_at=start + timedelta(hours=hours), location=location, status=status)
        db.session.add(s)
        return s

    sessions = {
        "winter": session(cohort, at(2017, 2, 1), gathering),
        "summer": session(cohort, at(2017, 6, 1), gathering, status=SessionStatus.HELD),
        "cancelled": session(cohort, at(2017, 4, 5), gathering, status=SessionStatus.CANCELLED),
        "udir_own": session(cohort, at(2017, 3, 1), coaching, udir, location="Udir, Schweigaards gate 15",
                            hours=3),
        "skd_own": session(cohort, at(2017, 3, 2), coaching, skd, location="SKD, Fredrik Selmers vei 4",
                           hours=3),
        "older_joint": session(older, at(2016, 3, 1), gathering),
        "nve_own": session(older, at(2016, 4, 6), coaching, nve, hours=3),
    }
    kari = Person(name="Kari Nordmann", email="kari@example.org")
    db.session.add_all([
        Membership(person=kari, enrolment=udir, role=MemberRole.MEMBER, joined_on=date(2017, 1, 1)),
        Membership(person=kari, enrolment=nve, role=MemberRole.TOP_LEADER, joined_on=date(2016, 1, 1)),
    ])
    db.session.commit()
    users = {
        "udir": make_user("agency", organisation=udir_org),
        "skd": make_user("agency", organisation=skd_org),
        "kari": make_user("agency", organisation=udir_org),
        "coordinator": make_user("coordinator"),
    }
    users["kari"].person = kari
    db.session.commit()
    return {"cohort": cohort, "older": older, "udir": udir, "skd": skd, "nve": nve, "kari": kari,
            "sessions": sessions, "users": users}


def token_for(db, kind: FeedKind, subject_id: int) -> str:
    row, _ = feed_token(kind, subject_id)
    db.session.commit()
    return row.token


def fetch(client, token: str, **params):
    return client.get(f"/calendar/{token}.ics", query_string=params)


def parse(response) -> icalendar.Calendar:
    assert response.status_code == 200
    return icalendar.Calendar.from_ical(response.data)


def uids(calendar: icalendar.Calendar) -> set[str]:
    return {str(event["UID"]) for event in calendar.walk("VEVENT")}


def uid(session: Session) -> str:
    return f"session-{session.id}@tracker.toppledergrupper"


def event_of(calendar: icalendar.Calendar, session: Session) -> icalendar.Event:
    return next(e for e in calendar.walk("VEVENT") if str(e["UID"]) == uid(session))


# What a feed holds


def test_a_groups_feed_holds_the_joint_sessions_and_its_own_but_no_other_groups(client, db, world):
    response = fetch(client, token_for(db, FeedKind.ENROLMENT, world["udir"].id))
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "Content-Disposition" not in response.headers
    s = world["sessions"]
    assert uids(parse(response)) == {uid(s["winter"]), uid(s["summer"]), uid(s["cancelled"]),
                                     uid(s["udir_own"])}


def test_the_calendar_says_what_it_is(client, db, world):
    calendar = parse(fetch(client, token_for(db, FeedKind.ENROLMENT, world["udir"].id)))
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert "toppledergrupper" in str(calendar["PRODID"])
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Oslo"
    assert str(calendar["X-WR-CALNAME"]) == "Utdanningsdirektoratet – Kull 3"


def test_a_cohorts_feed_holds_only_its_joint_sessions(client, db, world):
    calendar = parse(fetch(client, token_for(db, FeedKind.COHORT, world["cohort"].id)))
    s = world["sessions"]
    assert uids(calendar) == {uid(s["winter"]), uid(s["summer"]), uid(s["cancelled"])}


def test_a_persons_feed_holds_every_session_they_are_expected_at_in_all_their_groups(client, db, world):
    calendar = parse(fetch(client, token_for(db, FeedKind.PERSON, world["kari"].id)))
    s = world["sessions"]
    assert uids(calendar) == {uid(s[key]) for key in (
        "winter", "summer", "cancelled", "udir_own", "older_joint", "nve_own")}


def test_a_persons_feed_leaves_out_groups_they_only_arrange_things_for_and_sessions_after_they_left(
    client, db, world
):
    membership = db.session.scalar(select(Membership).where(Membership.enrolment_id == world["udir"].id))
    membership.left_on = date(2017, 3, 15)
    contact = Person(name="Per Kontakt", email="per@example.org")
    db.session.add(Membership(person=contact, enrolment=world["skd"], role=MemberRole.CONTACT,
                              joined_on=date(2017, 1, 1)))
    db.session.commit()
    s = world["sessions"]
    kari = parse(fetch(client, token_for(db, FeedKind.PERSON, world["kari"].id)))
    assert uids(kari) == {uid(s[key]) for key in ("winter", "udir_own", "older_joint", "nve_own")}
    assert uids(parse(fetch(client, token_for(db, FeedKind.PERSON, contact.id)))) == set()


def test_sessions_start_at_nine_oslo_time_in_winter_and_in_summer(client, db, world):
    calendar = parse(fetch(client, token_for(db, FeedKind.COHORT, world["cohort"].id)))
    winter = event_of(calendar, world["sessions"]["winter"])
    summer = event_of(calendar, world["sessions"]["summer"])
    for event, offset in ((winter, timedelta(hours=1)), (summer, timedelta(hours=2))):
        assert event["DTSTART"].params["TZID"] == "Europe/Oslo"
        start = event.decoded("DTSTART")
        assert (start.hour, start.minute) == (9, 0)
        assert start.utcoffset() == offset
        assert event.decoded("DTEND") - start == timedelta(hours=6)
    assert winter.decoded("DTSTART").astimezone(timezone.utc).hour == 8
    assert summer.decoded("DTSTART").astimezone(timezone.utc).hour == 7


def test_the_oslo_time_zone_is_described_in_the_calendar(client, db, world):
    calendar = parse(fetch(client, token_for(db, FeedKind.COHORT, world["cohort"].id)))
    zones = calendar.walk("VTIMEZONE")
    assert [str(zone["TZID"]) for zone in zones] == ["Europe/Oslo"]
    offsets = {part["TZOFFSETTO"].td for part in zones[0].walk() if part.name in ("STANDARD", "DAYLIGHT")}
    assert offsets == {timedelta(hours=1), timedelta(hours=2)}


def test_events_carry_place_status_and_description(client, db, world):
    calendar = parse(fetch(client, token_for(db, FeedKind.ENROLMENT, world["udir"].id)))
    s = world["sessions"]
    own = event_of(calendar, s["udir_own"])
    assert str(own["LOCATION"]) == "Udir, Schweigaards gate 15"
    assert "Veiledning" in str(own["SUMMARY"]) and "Utdanningsdirektoratet" in str(own["SUMMARY"])
    assert "Kull 3" in str(own["DESCRIPTION"])
    assert str(own["STATUS"]) == "CONFIRMED"
    assert str(event_of(calendar, s["summer"])["STATUS"]) == "CONFIRMED"
    assert "DTSTAMP" in own


def test_a_cancelled_session_stays_in_the_feed_as_cancelled(client, db, world):
    calendar = parse(fetch(client, token_for(db, FeedKind.ENROLMENT, world["udir"].id)))
    assert str(event_of(calendar, world["sessions"]["cancelled"])["STATUS"]) == "CANCELLED"


def test_a_moved_session_keeps_its_uid_and_gets_a_higher_sequence(client, db, world):
    token = token_for(db, FeedKind.ENROLMENT, world["udir"].id)
    session = world["sessions"]["udir_own"]
    before = event_of(parse(fetch(client, token)), session)
    update_session(session, version=session.version, starts_at=at(2017, 3, 8),
                   ends_at=at(2017, 3, 8, 12), location="Udir, Schweigaards gate 15",
                   status=SessionStatus.PLANNED)
    db.session.commit()
    after = event_of(parse(fetch(client, token)), session)
    assert str(after["UID"]) == str(before["UID"]) == uid(session)
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert after.decoded("DTSTART") == at(2017, 3, 8)


def test_download_asks_the_browser_to_save_a_file(client, db, world):
    response = fetch(client, token_for(db, FeedKind.ENROLMENT, world["udir"].id), download=1)
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and re.search(r'filename="[\w.-]+\.ics"', disposition)


def test_build_calendar_makes_one_event_for_a_single_session(db, world):
    session = world["sessions"]["winter"]
    calendar = icalendar.Calendar.from_ical(build_calendar([session], "Fellessamling"))
    assert uids(calendar) == {uid(session)}
    assert str(event_for(session)["UID"]) == uid(session)


# The address is the key


@pytest.mark.parametrize("token", [
    "x" * 43,  # well formed, unknown
    "short",
    "a" * 42 + "!",
    "../" + "a" * 40,
])
def test_an_unknown_or_malformed_token_is_not_found(client, db, world, token):
    token_for(db, FeedKind.ENROLMENT, world["udir"].id)
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 404
    assert "BEGIN:VCALENDAR" not in response.get_data(as_text=True)


def test_a_feed_whose_group_is_gone_is_not_found(client, db, world):
    token = token_for(db, FeedKind.ENROLMENT, world["skd"].id)
    db.session.delete(world["skd"])
    db.session.commit()
    assert fetch(client, token).status_code == 404


def test_another_persons_token_opens_only_their_own_feed(client, db, world):
    """A token is for its own feed: Kari's does not open anyone else's, nor the reverse."""
    other = Person(name="Ola", email="ola@example.org")
    db.session.add(other)
    db.session.commit()
    kari_token, ola_token = token_for(db, FeedKind.PERSON, world["kari"].id), token_for(db, FeedKind.PERSON, other.id)
    assert kari_token != ola_token
    assert uids(parse(fetch(client, ola_token))) == set()
    assert uids(parse(fetch(client, kari_token)))


def group_page_feed_url(client, enrolment) -> str:
    html = client.get(f"/groups/{enrolment.id}", headers=EN).get_data(as_text=True)
    return re.search(r'href="webcal://localhost(/calendar/[\w-]+\.ics)"', html).group(1)


def test_the_token_is_made_with_its_group_and_pages_only_show_it(app, client, db, world):
    saved = token_for(db, FeedKind.ENROLMENT, world["udir"].id)
    count = db.session.scalar(select(func.count(FeedToken.id)))
    assert count == 3 + 2 + 1  # the groups, the cohorts and Kari, each since it was saved
    login_as(client, world["users"]["udir"])
    url = group_page_feed_url(client, world["udir"])
    assert url == f"/calendar/{saved}.ics"
    assert group_page_feed_url(client, world["udir"]) == url
    assert db.session.scalar(select(func.count(FeedToken.id))) == count
    calendar_app = app.test_client()  # never signed in: the address is the key
    assert calendar_app.get(url).status_code == 200


def test_a_person_feed_is_offered_only_to_that_person(client, db, world):
    login_as(client, world["users"]["udir"])
    assert "/calendar/person/" not in client.get("/groups/mine").get_data(as_text=True)
    login_as(client, world["users"]["kari"])
    html = client.get("/groups/mine").get_data(as_text=True)
    assert f"/calendar/person/{world['kari'].id}/reset" in html
    token = db.session.scalar(select(FeedToken.token).where(FeedToken.kind == FeedKind.PERSON))
    assert f"webcal://localhost/calendar/{token}.ics" in html


def test_resetting_gives_a_new_address_and_the_old_one_stops_working(client, db, world):
    login_as(client, world["users"]["udir"])
    old = group_page_feed_url(client, world["udir"])
    response = client.post(f"/calendar/enrolment/{world['udir'].id}/reset",
                           data={"csrf_token": csrf_token(client), "next": f"/groups/{world['udir'].id}"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/groups/{world['udir'].id}"
    new = group_page_feed_url(client, world["udir"])
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_reset_never_sends_you_away_from_the_app(client, db, world):
    login_as(client, world["users"]["udir"])
    response = client.post(f"/calendar/enrolment/{world['udir'].id}/reset",
                           data={"csrf_token": csrf_token(client), "next": "https://evil.example/"})
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"]


def test_reset_needs_the_form_token(client, db, world):
    login_as(client, world["users"]["udir"])
    old = token_for(db, FeedKind.ENROLMENT, world["udir"].id)
    response = client.post(f"/calendar/enrolment/{world['udir'].id}/reset")
    assert response.status_code == 400
    assert fetch(client, old).status_code == 200


# Who may see and reset which feed


def reset(client, kind: str, subject_id: int):
    return client.post(f"/calendar/{kind}/{subject_id}/reset", data={"csrf_token": csrf_token(client)})


def test_an_agency_leader_cannot_reset_the_cohorts_feed(client, db, world):
    token = token_for(db, FeedKind.COHORT, world["cohort"].id)
    login_as(client, world["users"]["udir"])
    assert reset(client, "cohort", world["cohort"].id).status_code == 404
    assert fetch(client, token).status_code == 200


def test_staff_may_reset_the_cohorts_feed(client, db, world):
    token = token_for(db, FeedKind.COHORT, world["cohort"].id)
    login_as(client, world["users"]["coordinator"])
    response = reset(client, "cohort", world["cohort"].id)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/cohorts/{world['cohort'].id}"
    assert fetch(client, token).status_code == 404


def test_an_agency_leader_cannot_reset_another_groups_feed_or_see_its_page(client, db, world):
    token = token_for(db, FeedKind.ENROLMENT, world["skd"].id)
    login_as(client, world["users"]["udir"])
    assert reset(client, "enrolment", world["skd"].id).status_code == 404
    assert client.get(f"/groups/{world['skd'].id}").status_code == 404
    assert fetch(client, token).status_code == 200


def test_only_the_person_themselves_and_staff_may_reset_a_persons_feed(client, db, world):
    token = token_for(db, FeedKind.PERSON, world["kari"].id)
    login_as(client, world["users"]["udir"])  # same organisation, not Kari
    assert reset(client, "person", world["kari"].id).status_code == 404
    assert fetch(client, token).status_code == 200
    login_as(client, world["users"]["kari"])
    assert reset(client, "person", world["kari"].id).status_code == 302
    assert fetch(client, token).status_code == 404


@pytest.mark.parametrize("url", ["/calendar/group/1/reset", "/calendar/enrolment/999999/reset"])
def test_reset_of_an_unknown_kind_or_subject_is_not_found(client, db, world, url):
    login_as(client, world["users"]["coordinator"])
    assert client.post(url, data={"csrf_token": csrf_token(client)}).status_code == 404


# Where pages show the feeds


def feed_links(html: str) -> list[str]:
    return re.findall(r'href="(webcal://[^"]+|/calendar/[^"]+\?download=1)"', html)


def reset_actions(html: str) -> list[str]:
    return [form["action"] for form in read(html).all("form") if "/reset" in form.get("action", "")]


def test_the_group_page_offers_subscribe_download_and_reset(client, db, world):
    login_as(client, world["users"]["udir"])
    html = client.get(f"/groups/{world['udir'].id}", headers=EN).get_data(as_text=True)
    subscribe, download = feed_links(html)
    assert subscribe.startswith("webcal://localhost/calendar/") and subscribe.endswith(".ics")
    assert download == subscribe.removeprefix("webcal://localhost") + "?download=1"
    assert reset_actions(html) == [f"/calendar/enrolment/{world['udir'].id}/reset"]
    assert "Subscribe" in html and "Download" in html and "Reset the address" in html


def test_the_cohort_page_offers_its_feed_to_the_groups_and_the_reset_to_staff_only(client, db, world):
    login_as(client, world["users"]["udir"])
    html = client.get(f"/cohorts/{world['cohort'].id}", headers=EN).get_data(as_text=True)
    cohort_token = db.session.scalar(select(FeedToken.token).where(
        FeedToken.kind == FeedKind.COHORT, FeedToken.subject_id == world["cohort"].id))
    assert f"webcal://localhost/calendar/{cohort_token}.ics" in html
    assert reset_actions(html) == []
    login_as(client, world["users"]["coordinator"])
    html = client.get(f"/cohorts/{world['cohort'].id}", headers=EN).get_data(as_text=True)
    assert reset_actions(html) == [f"/calendar/cohort/{world['cohort'].id}/reset"]


def test_no_page_an_agency_leader_sees_carries_another_groups_feed(client, db, world):
    skd_token = token_for(db, FeedKind.ENROLMENT, world["skd"].id)
    login_as(client, world["users"]["udir"])
    for url in (f"/cohorts/{world['cohort'].id}", f"/groups/{world['udir'].id}", "/groups/mine"):
        assert skd_token not in client.get(url).get_data(as_text=True)
    assert db.session.scalar(select(func.count(FeedToken.id)).where(
        FeedToken.kind == FeedKind.ENROLMENT)) == 3
