"""Calendar feeds: what each holds, in Oslo time, behind an address that is its own key."""
import hashlib
import json
import logging
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token, login_as
from tests.html import read
from tracker.audit.models import AuditAction, AuditEntry
from tracker.calendar.ics import build_calendar, event_for
from tracker.calendar.models import FeedKind, FeedToken
from tracker.calendar.services import load_subject, make_address
from tracker.groups.models import EnrolmentStatus
from tracker.groups.services import enrol
from tracker.organisations.models import OrganisationKind
from tracker.people.models import MemberRole, Membership, Person
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


def token_for(db, world, kind: FeedKind, subject_id: int, user: str = "coordinator") -> str:
    """A new address of `user`'s own for the feed, as the page that makes it would show it."""
    secret = make_address(world["users"][user], kind, load_subject(kind, subject_id))
    db.session.commit()
    return secret


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
    response = fetch(client, token_for(db, world, FeedKind.ENROLMENT, world["udir"].id))
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "Content-Disposition" not in response.headers
    s = world["sessions"]
    assert uids(parse(response)) == {uid(s["winter"]), uid(s["summer"]), uid(s["cancelled"]),
                                     uid(s["udir_own"])}


def test_the_calendar_says_what_it_is(client, db, world):
    calendar = parse(fetch(client, token_for(db, world, FeedKind.ENROLMENT, world["udir"].id)))
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert "toppledergrupper" in str(calendar["PRODID"])
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Oslo"
    assert str(calendar["X-WR-CALNAME"]) == "Utdanningsdirektoratet – Kull 3"


def test_a_cohorts_feed_holds_only_its_joint_sessions(client, db, world):
    calendar = parse(fetch(client, token_for(db, world, FeedKind.COHORT, world["cohort"].id)))
    s = world["sessions"]
    assert uids(calendar) == {uid(s["winter"]), uid(s["summer"]), uid(s["cancelled"])}


def test_a_persons_feed_holds_every_session_they_are_expected_at_in_all_their_groups(client, db, world):
    calendar = parse(fetch(client, token_for(db, world, FeedKind.PERSON, world["kari"].id)))
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
    kari = parse(fetch(client, token_for(db, world, FeedKind.PERSON, world["kari"].id)))
    assert uids(kari) == {uid(s[key]) for key in ("winter", "udir_own", "older_joint", "nve_own")}
    assert uids(parse(fetch(client, token_for(db, world, FeedKind.PERSON, contact.id)))) == set()


def test_sessions_start_at_nine_oslo_time_in_winter_and_in_summer(client, db, world):
    calendar = parse(fetch(client, token_for(db, world, FeedKind.COHORT, world["cohort"].id)))
    winter = event_of(calendar, world["sessions"]["winter"])
    summer = event_of(calendar, world["sessions"]["summer"])
    for event, offset in ((winter, timedelta(hours=1)), (summer, timedelta(hours=2))):
        assert event["DTSTART"].params["TZID"] == "Europe/Oslo"
        start = event.decoded("DTSTART")
        assert (start.hour, start.minute) == (9, 0)
        assert start.utcoffset() == offset
        assert event.decoded("DTEND") - start == timedelta(hours=6)
    assert winter.decoded("DTSTART").astimezone(UTC).hour == 8
    assert summer.decoded("DTSTART").astimezone(UTC).hour == 7


def test_the_oslo_time_zone_is_described_in_the_calendar(client, db, world):
    calendar = parse(fetch(client, token_for(db, world, FeedKind.COHORT, world["cohort"].id)))
    zones = calendar.walk("VTIMEZONE")
    assert [str(zone["TZID"]) for zone in zones] == ["Europe/Oslo"]
    offsets = {part["TZOFFSETTO"].td for part in zones[0].walk() if part.name in ("STANDARD", "DAYLIGHT")}
    assert offsets == {timedelta(hours=1), timedelta(hours=2)}


def test_events_carry_place_status_and_description(client, db, world):
    calendar = parse(fetch(client, token_for(db, world, FeedKind.ENROLMENT, world["udir"].id)))
    s = world["sessions"]
    own = event_of(calendar, s["udir_own"])
    assert str(own["LOCATION"]) == "Udir, Schweigaards gate 15"
    assert "Veiledning" in str(own["SUMMARY"]) and "Utdanningsdirektoratet" in str(own["SUMMARY"])
    assert "Kull 3" in str(own["DESCRIPTION"])
    assert str(own["STATUS"]) == "CONFIRMED"
    assert str(event_of(calendar, s["summer"])["STATUS"]) == "CONFIRMED"
    assert "DTSTAMP" in own


def test_a_cancelled_session_stays_in_the_feed_as_cancelled(client, db, world):
    calendar = parse(fetch(client, token_for(db, world, FeedKind.ENROLMENT, world["udir"].id)))
    assert str(event_of(calendar, world["sessions"]["cancelled"])["STATUS"]) == "CANCELLED"


def test_a_withdrawn_groups_feed_shows_what_comes_after_its_withdrawal_as_cancelled(client, db, world):
    """The review's case: after a group withdraws, its feed shows the joint sessions after the
    withdrawal as cancelled (they go on for the other groups), and its own still planned; what
    came before stays as it was."""
    from tracker.groups.services import record_status

    s = world["sessions"]
    later = Session(cohort=world["cohort"], module=s["winter"].module, starts_at=at(2017, 5, 3),
                    ends_at=at(2017, 5, 3, 15), status=SessionStatus.PLANNED)
    db.session.add(later)
    db.session.commit()
    udir_token = token_for(db, world, FeedKind.ENROLMENT, world["udir"].id)
    skd_token = token_for(db, world, FeedKind.ENROLMENT, world["skd"].id)
    before = event_of(parse(fetch(client, udir_token)), later)
    record_status(world["udir"], EnrolmentStatus.WITHDRAWN, reason="Ny direktør", at=at(2017, 2, 15))
    db.session.commit()

    calendar = parse(fetch(client, udir_token))
    status = {name: str(event_of(calendar, s[name])["STATUS"])
              for name in ("winter", "summer", "cancelled", "udir_own")}
    assert status == {"winter": "CONFIRMED", "summer": "CONFIRMED", "cancelled": "CANCELLED",
                      "udir_own": "CANCELLED"}
    after = event_of(calendar, later)
    assert str(after["STATUS"]) == "CANCELLED" and after["SEQUENCE"] > before["SEQUENCE"]
    # The other groups and the cohort still meet.
    assert str(event_of(parse(fetch(client, skd_token)), later)["STATUS"]) == "CONFIRMED"
    cohort_token = token_for(db, world, FeedKind.COHORT, world["cohort"].id)
    assert str(event_of(parse(fetch(client, cohort_token)), later)["STATUS"]) == "CONFIRMED"


def test_a_moved_session_keeps_its_uid_and_gets_a_higher_sequence(client, db, world):
    token = token_for(db, world, FeedKind.ENROLMENT, world["udir"].id)
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
    response = fetch(client, token_for(db, world, FeedKind.ENROLMENT, world["udir"].id), download=1)
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
    token_for(db, world, FeedKind.ENROLMENT, world["udir"].id)
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 404
    assert "BEGIN:VCALENDAR" not in response.get_data(as_text=True)


def test_a_feed_whose_group_is_gone_is_not_found(client, db, world):
    token = token_for(db, world, FeedKind.ENROLMENT, world["skd"].id)
    db.session.delete(world["skd"])
    db.session.commit()
    assert fetch(client, token).status_code == 404


def test_another_persons_token_opens_only_their_own_feed(client, db, world):
    """A token is for its own feed: Kari's does not open anyone else's, nor the reverse."""
    other = Person(name="Ola", email="ola@example.org")
    db.session.add(other)
    db.session.commit()
    kari_token, ola_token = token_for(db, world, FeedKind.PERSON, world["kari"].id), token_for(db, world, FeedKind.PERSON, other.id)
    assert kari_token != ola_token
    assert uids(parse(fetch(client, ola_token))) == set()
    assert uids(parse(fetch(client, kari_token)))


def get_address(client, kind: str, subject_id: int, next_page: str | None = None, headers=None):
    """Press "Get the calendar's address" (or "Make a new address"): the answer shows it once."""
    data = {"csrf_token": csrf_token(client)}
    if next_page is not None:
        data["next"] = next_page
    return client.post(f"/calendar/{kind}/{subject_id}/reset", data=data, headers=headers or EN)


def shown_token(response) -> str:
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    field = read(html).all("input", id="feed-address")[0]
    return re.fullmatch(r"http://127\.0\.0\.1:5000/calendar/([\w-]{43})\.ics", field["value"]).group(1)


def test_the_address_is_stored_only_as_its_hash(client, db, world):
    token = token_for(db, world, FeedKind.ENROLMENT, world["udir"].id, user="udir")
    stored = db.session.execute(select(FeedToken.__table__)).all()
    assert all(token not in str(tuple(row)) for row in stored)
    assert hashlib.sha256(token.encode()).hexdigest() in {row.token_hash for row in stored}


def test_the_address_is_shown_once_on_the_answer_that_makes_it(app, client, db, world):
    login_as(client, world["users"]["udir"])
    response = get_address(client, "enrolment", world["udir"].id, f"/groups/{world['udir'].id}")
    assert response.headers["Cache-Control"] == "no-store"
    token = shown_token(response)
    html = response.get_data(as_text=True)
    assert f'href="webcal://127.0.0.1:5000/calendar/{token}.ics"' in html
    assert f'href="/groups/{world["udir"].id}"' in html  # back where the reader came from
    page = client.get(f"/groups/{world['udir'].id}", headers=EN).get_data(as_text=True)
    assert token not in page and "You made your address on" in page
    assert app.test_client().get(f"/calendar/{token}.ics").status_code == 200  # the address is the key


def test_addresses_come_from_base_url_never_the_host_header(client, db, world):
    evil = "http://evil.example"
    login_as(client, world["users"]["udir"], base_url=evil)
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get(evil + "/no-such-page").get_data(as_text=True)).group(1)
    response = client.post(f"{evil}/calendar/enrolment/{world['udir'].id}/reset",
                           data={"csrf_token": token},
                           headers={**EN, "X-Forwarded-Host": "evil.example"})
    html = response.get_data(as_text=True)
    assert shown_token(response)
    assert "evil.example" not in html


def test_a_new_address_ends_only_the_readers_own(client, db, world):
    """Two leaders of the same group each have their own address: resetting mine leaves a
    colleague's working. This is how a second member gets the group's calendar."""
    colleague = token_for(db, world, FeedKind.ENROLMENT, world["udir"].id, user="kari")
    login_as(client, world["users"]["udir"])
    first = shown_token(get_address(client, "enrolment", world["udir"].id))
    second = shown_token(get_address(client, "enrolment", world["udir"].id))
    assert first != second
    assert fetch(client, first).status_code == 404
    assert fetch(client, second).status_code == 200
    assert fetch(client, colleague).status_code == 200


@pytest.fixture
def security_log(caplog):
    """The security log's lines."""
    with caplog.at_level(logging.INFO, logger="tracker.security"):
        yield caplog


def test_making_and_resetting_an_address_is_in_the_security_log_and_the_change_log(
        client, db, world, security_log):
    caplog = security_log
    login_as(client, world["users"]["udir"])
    get_address(client, "enrolment", world["udir"].id)
    token = shown_token(get_address(client, "enrolment", world["udir"].id))
    events = [json.loads(r.getMessage()) for r in caplog.records if r.name == "tracker.security"]
    assert [(e["event"], e["user_id"], e["subject_id"]) for e in events] == [
        ("feed_created", world["users"]["udir"].id, world["udir"].id),
        ("feed_reset", world["users"]["udir"].id, world["udir"].id),
    ]
    # Which address it was is said apart from where the request came from (a keyed hash).
    assert [e["which"] for e in events[1:]] == ["own"]
    assert all(len(e["address"]) == 16 for e in events)
    assert token not in caplog.text
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.table_name == "feed_token")
                                 .order_by(AuditEntry.id)).all()
    assert [(e.action, e.enrolment_id, e.actor) for e in entries] == [
        (AuditAction.CREATE, world["udir"].id, world["users"]["udir"].email),
        (AuditAction.UPDATE, world["udir"].id, world["users"]["udir"].email),
    ]
    assert all(e.changes["token_hash"][-1] == "[hidden]" for e in entries)


def test_making_an_address_needs_the_form_token(client, db, world):
    login_as(client, world["users"]["udir"])
    assert client.post(f"/calendar/enrolment/{world['udir'].id}/reset").status_code == 400
    assert db.session.scalar(select(func.count(FeedToken.id)).where(FeedToken.user_id.is_not(None))) == 0


def test_an_address_stops_working_when_its_owner_loses_the_group(client, db, world, make_organisation):
    token = token_for(db, world, FeedKind.ENROLMENT, world["udir"].id, user="udir")
    world["users"]["udir"].organisation = make_organisation(name_nb="Et annet direktorat")
    db.session.commit()
    assert fetch(client, token).status_code == 404


def test_an_address_stops_working_when_its_owner_is_deactivated(client, db, world):
    token = token_for(db, world, FeedKind.COHORT, world["cohort"].id, user="udir")
    world["users"]["udir"].active = False
    db.session.commit()
    assert fetch(client, token).status_code == 404


# Who may get an address, and who may end a shared one


def shared(db, kind: FeedKind, subject_id: int) -> str:
    """A shared address from before each reader had their own, as the migration left it."""
    token = "s" * 22 + str(subject_id).rjust(21, "0")
    db.session.add(FeedToken(kind=kind, subject_id=subject_id, user_id=None,
                             token_hash=hashlib.sha256(token.encode()).hexdigest()))
    db.session.commit()
    return token


def end_shared(client, kind: str, subject_id: int, **data):
    return client.post(f"/calendar/{kind}/{subject_id}/end-shared",
                       data={"csrf_token": csrf_token(client), **data})


def test_a_shared_address_from_before_keeps_working(client, db, world):
    token = shared(db, FeedKind.ENROLMENT, world["udir"].id)
    s = world["sessions"]
    assert uids(parse(fetch(client, token))) == {uid(s["winter"]), uid(s["summer"]), uid(s["cancelled"]),
                                                 uid(s["udir_own"])}
    token_for(db, world, FeedKind.ENROLMENT, world["udir"].id, user="udir")
    assert fetch(client, token).status_code == 200  # a reader's own address ends only theirs


def test_the_groups_own_leader_may_end_its_shared_address(client, db, world, security_log):
    caplog = security_log
    token = shared(db, FeedKind.ENROLMENT, world["udir"].id)
    login_as(client, world["users"]["udir"])
    page = client.get(f"/groups/{world['udir'].id}", headers=EN).get_data(as_text=True)
    assert "End the shared address" in page
    response = end_shared(client, "enrolment", world["udir"].id, next=f"/groups/{world['udir'].id}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/groups/{world['udir'].id}"
    assert fetch(client, token).status_code == 404
    assert '"event": "feed_reset"' in caplog.text and '"which": "shared"' in caplog.text
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.table_name == "feed_token")) \
        is AuditAction.DELETE


def test_a_ministry_viewer_can_neither_end_a_groups_shared_address_nor_reset_anyones(
        client, db, world, make_user, make_organisation):
    kd = make_organisation(name_nb="Kunnskapsdepartementet", kind=OrganisationKind.MINISTRY)
    world["udir"].organisation.owning_ministry = kd
    db.session.commit()
    ministry = make_user("ministry", organisation=kd)
    token = shared(db, FeedKind.ENROLMENT, world["udir"].id)
    leader = token_for(db, world, FeedKind.ENROLMENT, world["udir"].id, user="udir")
    login_as(client, ministry)
    page = client.get(f"/groups/{world['udir'].id}", headers=EN).get_data(as_text=True)
    assert "End the shared address" not in page and "/end-shared" not in page
    assert end_shared(client, "enrolment", world["udir"].id).status_code == 403
    # They may have an address of their own for a group they see: it ends nobody else's.
    assert shown_token(get_address(client, "enrolment", world["udir"].id))
    assert fetch(client, token).status_code == 200
    assert fetch(client, leader).status_code == 200


def test_an_agency_leader_cannot_end_the_cohorts_shared_address(client, db, world):
    token = shared(db, FeedKind.COHORT, world["cohort"].id)
    login_as(client, world["users"]["udir"])
    assert end_shared(client, "cohort", world["cohort"].id).status_code == 404
    assert fetch(client, token).status_code == 200
    login_as(client, world["users"]["coordinator"])
    response = end_shared(client, "cohort", world["cohort"].id)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/cohorts/{world['cohort'].id}"
    assert fetch(client, token).status_code == 404


def test_an_agency_leader_gets_no_address_for_another_group(client, db, world):
    token = shared(db, FeedKind.ENROLMENT, world["skd"].id)
    login_as(client, world["users"]["udir"])
    assert get_address(client, "enrolment", world["skd"].id).status_code == 404
    assert end_shared(client, "enrolment", world["skd"].id).status_code == 404
    assert client.get(f"/groups/{world['skd'].id}").status_code == 404
    assert fetch(client, token).status_code == 200


def test_only_the_person_themselves_and_staff_may_have_or_end_a_persons_feed(client, db, world):
    token = shared(db, FeedKind.PERSON, world["kari"].id)
    login_as(client, world["users"]["udir"])  # same organisation, not Kari
    assert get_address(client, "person", world["kari"].id).status_code == 404
    assert end_shared(client, "person", world["kari"].id).status_code == 404
    assert fetch(client, token).status_code == 200
    login_as(client, world["users"]["kari"])
    assert shown_token(get_address(client, "person", world["kari"].id))
    assert end_shared(client, "person", world["kari"].id).status_code == 302
    assert fetch(client, token).status_code == 404


@pytest.mark.parametrize("url", ["/calendar/group/1/reset", "/calendar/enrolment/999999/reset",
                                 "/calendar/group/1/end-shared", "/calendar/enrolment/999999/end-shared"])
def test_an_unknown_kind_or_subject_is_not_found(client, db, world, url):
    login_as(client, world["users"]["coordinator"])
    assert client.post(url, data={"csrf_token": csrf_token(client)}).status_code == 404


def test_ending_a_shared_address_never_sends_you_away_from_the_app(client, db, world):
    shared(db, FeedKind.ENROLMENT, world["udir"].id)
    login_as(client, world["users"]["udir"])
    response = end_shared(client, "enrolment", world["udir"].id, next="https://evil.example/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


# Where pages show the feeds


def address_actions(html: str) -> list[str]:
    return [form["action"] for form in read(html).all("form")
            if form.get("action", "").startswith("/calendar/")]


def test_the_group_page_offers_the_reader_an_address_of_their_own(client, db, world):
    login_as(client, world["users"]["udir"])
    html = client.get(f"/groups/{world['udir'].id}", headers=EN).get_data(as_text=True)
    assert address_actions(html) == [f"/calendar/enrolment/{world['udir'].id}/reset"]
    assert "Get the calendar's address" in html and "webcal://" not in html
    token_for(db, world, FeedKind.ENROLMENT, world["udir"].id, user="udir")
    html = client.get(f"/groups/{world['udir'].id}", headers=EN).get_data(as_text=True)
    assert "Make a new address" in html


def test_the_cohort_page_offers_its_feed_and_ending_its_shared_address_to_staff_only(client, db, world):
    shared(db, FeedKind.COHORT, world["cohort"].id)
    login_as(client, world["users"]["udir"])
    html = client.get(f"/cohorts/{world['cohort'].id}", headers=EN).get_data(as_text=True)
    assert address_actions(html) == [f"/calendar/cohort/{world['cohort'].id}/reset"]
    login_as(client, world["users"]["coordinator"])
    html = client.get(f"/cohorts/{world['cohort'].id}", headers=EN).get_data(as_text=True)
    assert address_actions(html) == [f"/calendar/cohort/{world['cohort'].id}/reset"]
    # Ending it is a page of its own that asks first (tests/calendar/test_calendar_details.py).
    assert any(a.get("href", "").startswith(f"/calendar/cohort/{world['cohort'].id}/end-shared?next=")
               for a in read(html).all("a"))


def test_a_person_feed_is_offered_only_to_that_person(client, db, world):
    login_as(client, world["users"]["udir"])
    assert "/calendar/person/" not in client.get("/groups/mine").get_data(as_text=True)
    login_as(client, world["users"]["kari"])
    assert f"/calendar/person/{world['kari'].id}/reset" in client.get("/groups/mine").get_data(as_text=True)


def test_a_page_view_writes_no_address(client, db, world):
    login_as(client, world["users"]["udir"])
    for url in (f"/cohorts/{world['cohort'].id}", f"/groups/{world['udir'].id}", "/groups/mine"):
        assert client.get(url).status_code == 200
    assert db.session.scalar(select(func.count(FeedToken.id))) == 0


# The page that shows a new address, on a phone and when reloaded


def test_the_new_address_is_in_a_labelled_read_only_field_that_fits_a_phone(client, db, world):
    """One long unbreakable line of code made the page wider than a phone; a field of the
    page's width holds it, to select and copy, and the Subscribe link beside it needs none."""
    login_as(client, world["users"]["udir"])
    response = get_address(client, "enrolment", world["udir"].id)
    token = shown_token(response)
    html = response.get_data(as_text=True)
    page = read(html)
    field = page.all("input", id="feed-address")[0]
    assert "readonly" in field and field["type"] == "text"
    assert "feed-address__input" in field["class"].split()
    assert [label for label in page.all("label") if label.get("for") == "feed-address"]
    assert "The calendar's address, for apps that ask for one" in page.text
    assert "<code" not in html
    assert f'href="webcal://127.0.0.1:5000/calendar/{token}.ics"' in html
    css = client.get("/static/css/tracker.css").get_data(as_text=True)
    assert re.search(r"\.feed-address__input\s*\{[^}]*\bwidth:\s*100%", css)


def test_the_copy_button_waits_for_its_script_and_the_script_is_our_own(client, db, world):
    """Without scripts the page works as it is: the copy button stays hidden until
    static/copy.js (same origin, as the CSP allows) shows it."""
    login_as(client, world["users"]["udir"])
    html = get_address(client, "enrolment", world["udir"].id).get_data(as_text=True)
    page = read(html)
    sources = [s["src"] for s in page.all("script")]
    assert len(sources) == 1 and re.fullmatch(r"/static/copy\.[0-9a-f]{12}\.js", sources[0])
    button = page.all("button", type="button")[0]
    assert button["data-copy"] == "feed-address"
    assert re.search(r'<p class="feed-address__copy" hidden>\s*<button', html)
    script = client.get(sources[0])
    assert script.status_code == 200 and b"navigator.clipboard" in script.data


def test_the_new_address_page_says_it_is_shown_once_and_what_ends_it(client, db, world):
    login_as(client, world["users"]["udir"])
    text = read(get_address(client, "enrolment", world["udir"].id).get_data(as_text=True)).text
    assert "This address is shown only now." in text
    assert "Making a new address ends this one, and so does reloading this page and sending the form again." in text
    nb = read(get_address(client, "enrolment", world["udir"].id, headers={"Accept-Language": "nb"})
              .get_data(as_text=True)).text
    assert "Denne adressen vises bare nå." in nb


def test_the_button_for_a_new_address_says_it_ends_the_current_one(client, db, world):
    login_as(client, world["users"]["udir"])
    group_page = f"/groups/{world['udir'].id}"
    html = client.get(group_page, headers=EN).get_data(as_text=True)
    assert "Get the calendar's address" in html and "ends your current one" not in html
    token_for(db, world, FeedKind.ENROLMENT, world["udir"].id, user="udir")
    page = read(client.get(group_page, headers=EN).get_data(as_text=True))
    assert "Making a new address ends your current one: calendars subscribed with it stop updating." in page.text
    assert "Make a new address and end the current one" in page.text
