"""The attendance roster: one row per person expected, grouped by group at a joint gathering,
"everyone present", a sign-in sheet, only a notice of absence before a session starts, who
is expected at a kick-off before the cohort's start, and a person added to one session."""
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token, login_as
from tests.html import read
from tracker.groups.models import EnrolmentStatus
from tracker.groups.services import enrol
from tracker.people.models import MemberRole, Membership, Person
from tracker.programmes.models import CourseModule, ModuleKind
from tracker.schedule.attendance import expected_people
from tracker.schedule.models import (
    Attendance,
    AttendanceStatus,
    Session,
    SessionGuest,
    SessionStatus,
)

OSLO = ZoneInfo("Europe/Oslo")
EN = {"Accept-Language": "en"}
START = date(2027, 3, 8)  # the cohort's start, a Monday


def at(day: date, hour=9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=OSLO)


@pytest.fixture
def world(db, make_cohort, make_organisation):
    """Kull 9 starting 8 March 2027, a kick-off the week before, two groups whose top leader
    and member joined on the start date (and a contact), a member who joins in May, Udir's own
    coaching in May, and Sara, who is in no group."""
    cohort = make_cohort(label="Kull 9", start_date=START)
    gathering = CourseModule(programme=cohort.programme, position=1, name_nb="Oppstart",
                             name_en="Kick-off", kind=ModuleKind.JOINT_GATHERING,
                             is_joint=True, offset_weeks=0, duration_days=1)
    coaching = CourseModule(programme=cohort.programme, position=2, name_nb="Veiledning",
                            name_en="Coaching", kind=ModuleKind.GROUP_WORK, is_joint=False,
                            offset_weeks=10, duration_days=1, hours_per_day=3)
    db.session.add_all([gathering, coaching])
    people = {}

    def add(enrolment, name, role, joined=START):
        person = Person(name=name, email=f"{name.replace(' ', '.').lower()}@example.org")
        enrolment.memberships.append(Membership(person=person, role=role, joined_on=joined))
        people[name] = person

    udir = enrol(cohort, make_organisation(name_nb="Utdanningsdirektoratet", short_name="Udir"),
                 status=EnrolmentStatus.CONFIRMED)
    bufdir = enrol(cohort, make_organisation(name_nb="Bufdir", short_name="Bufdir"),
                   status=EnrolmentStatus.CONFIRMED)
    add(udir, "Ada Udir", MemberRole.TOP_LEADER)
    add(udir, "Ulf Udir", MemberRole.MEMBER)
    add(udir, "Cora Udir", MemberRole.CONTACT)
    add(udir, "Lene Late", MemberRole.MEMBER, joined=date(2027, 5, 1))
    add(bufdir, "Bodil Bufdir", MemberRole.TOP_LEADER)
    add(bufdir, "Bjørn Bufdir", MemberRole.MEMBER)
    sara = Person(name="Sara Stedfortreder", email="sara@example.org")
    db.session.add(sara)
    kickoff = Session(cohort=cohort, module=gathering, starts_at=at(date(2027, 3, 1)),
                      ends_at=at(date(2027, 3, 1), 16), location="Oslo", status=SessionStatus.PLANNED)
    udir_coaching = Session(cohort=cohort, module=coaching, enrolment=udir,
                            starts_at=at(date(2027, 5, 18)), ends_at=at(date(2027, 5, 18), 12),
                            status=SessionStatus.PLANNED)
    db.session.add_all([kickoff, udir_coaching])
    db.session.commit()
    return {"cohort": cohort, "udir": udir, "bufdir": bufdir, "kickoff": kickoff,
            "udir_coaching": udir_coaching, "Sara": sara, **people}


@pytest.fixture
def coordinator(client, make_user):
    login_as(client, make_user("coordinator"))
    return client


@pytest.fixture
def coordinator_at(client, make_user, frozen_clock):
    """coordinator_at(moment): the clock pinned at `moment`, and a coordinator signed in then
    (a sign-in from the real today would have expired by a pinned date next year)."""
    def sign_in(moment):
        frozen_clock(moment)
        login_as(client, make_user("coordinator"))
        return client
    return sign_in


class _Texts(HTMLParser):
    """The text inside each `tag` with `attrs` (nested tags' text included)."""

    def __init__(self, tag, attrs):
        super().__init__()
        self.tag, self.attrs, self.found, self.depth = tag, attrs, [], 0

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.depth += tag == self.tag
        elif tag == self.tag and all(dict(attrs).get(k) == v for k, v in self.attrs.items()):
            self.depth = 1
            self.found.append("")

    def handle_endtag(self, tag):
        if self.depth and tag == self.tag:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.found[-1] += data


def read_page(data: bytes):
    """tests.html's page, which can also give the text of the tags it matches (`texts`)."""
    page = read(data)

    def texts(tag, **attrs):
        parser = _Texts(tag, attrs)
        parser.feed(data.decode())
        return [" ".join(text.split()) for text in parser.found]

    page.texts = texts
    return page


def url(session) -> str:
    return f"/schedule/sessions/{session.id}/attendance"


def form_data(client, session, **marks):
    """The roster as a browser sends it: what is checked and typed, then `marks`."""
    page = read_page(client.get(url(session)).data)
    data = {"csrf_token": csrf_token(client), "version": page.all("input", name="version")[0]["value"]}
    for radio in page.all("input", type="radio"):
        if "checked" in radio and "disabled" not in radio:
            data[radio["name"]] = radio["value"]
    for box in page.all("input", type="text"):
        if box["name"].startswith("note_"):
            data[box["name"]] = box.get("value", "")
    data.update(marks)
    return data


def recorded(db, session) -> dict[str, tuple[AttendanceStatus, str]]:
    db.session.expire_all()
    return {a.person.name: (a.status, a.note)
            for a in db.session.scalars(select(Attendance).where(Attendance.session_id == session.id))}


def row_names(page) -> list[str]:
    return [" ".join(th_text.split()[:2]) for th_text in page.texts("th", scope="row")]


# Who is expected


def test_members_who_join_on_the_start_date_are_expected_at_the_kickoff_the_week_before(db, world):
    assert {p.name for p in expected_people(world["kickoff"])} == {
        "Ada Udir", "Ulf Udir", "Bodil Bufdir", "Bjørn Bufdir"}


def test_a_member_who_joins_later_is_expected_from_the_day_they_join(db, world):
    # Lene joins on 1 May: not at the kick-off, but at Udir's coaching on 18 May.
    assert "Lene Late" not in {p.name for p in expected_people(world["kickoff"])}
    assert {p.name for p in expected_people(world["udir_coaching"])} == {"Ada Udir", "Ulf Udir", "Lene Late"}


# The roster


def test_the_roster_has_one_row_per_person_expected_grouped_by_group(db, world, coordinator_at):
    coordinator = coordinator_at(at(date(2027, 3, 1), 12))
    response = coordinator.get(url(world["kickoff"]), headers=EN)

    assert response.status_code == 200
    page = read_page(response.data)
    groups = page.texts("th", scope="rowgroup")
    assert [" ".join(g.split()) for g in groups] == ["Bufdir (Bufdir)", "Utdanningsdirektoratet (Udir)"]
    assert page.count("tbody") == 2
    assert row_names(page) == ["Bodil Bufdir", "Bjørn Bufdir", "Ada Udir", "Ulf Udir"]
    # The three marks are columns with headers; each radio is named by its column and row.
    assert [" ".join(t.split()) for t in page.texts("th", scope="col")] == [
        "Name", "Present", "Excused", "Absent", "Note"]
    ids = {th.get("id") for th in page.all("th")}
    radios = page.all("input", type="radio")
    assert len(radios) == 4 * 3 and all(set(r["aria-labelledby"].split()) <= ids for r in radios)
    # One help text for the whole roster, not one per person.
    assert page.text.count("Leave it empty if you do not know yet") == 1
    # The table scrolls in its own region on a phone.
    assert 'class="table-scroll"' in response.get_data(as_text=True)
    assert page.all("a", href=f"/schedule/sessions/{world['kickoff'].id}/sign-in-sheet")


def test_a_groups_own_session_has_no_group_headings(db, world, coordinator_at):
    coordinator = coordinator_at(at(date(2027, 5, 18), 12))
    page = read_page(coordinator.get(url(world["udir_coaching"]), headers=EN).data)
    assert page.texts("th", scope="rowgroup") == []
    assert row_names(page) == ["Ada Udir", "Lene Late", "Ulf Udir"]


def test_everyone_present_marks_those_left_unmarked_and_keeps_the_rest(db, world, coordinator_at):
    coordinator = coordinator_at(at(date(2027, 3, 1), 12))
    session = world["kickoff"]
    data = form_data(coordinator, session, **{
        f"status_{world['Ulf Udir'].id}": "EXCUSED", f"note_{world['Ulf Udir'].id}": "Syk",
        "everyone_present": "1"})

    response = coordinator.post(url(session), data=data, headers=EN)

    assert response.status_code == 302
    assert recorded(db, session) == {
        "Ada Udir": (AttendanceStatus.PRESENT, ""), "Ulf Udir": (AttendanceStatus.EXCUSED, "Syk"),
        "Bodil Bufdir": (AttendanceStatus.PRESENT, ""), "Bjørn Bufdir": (AttendanceStatus.PRESENT, "")}
    assert session.status is SessionStatus.HELD


def test_everyone_present_keeps_what_was_recorded_before(db, world, coordinator_at):
    coordinator = coordinator_at(at(date(2027, 3, 1), 12))
    session = world["kickoff"]
    coordinator.post(url(session), data=form_data(coordinator, session, **{
        f"status_{world['Bodil Bufdir'].id}": "ABSENT"}))
    data = form_data(coordinator, session, everyone_present="1")
    del data[f"status_{world['Bodil Bufdir'].id}"]  # as if the row were left alone

    assert coordinator.post(url(session), data=data).status_code == 302
    assert recorded(db, session)["Bodil Bufdir"] == (AttendanceStatus.ABSENT, "")
    assert recorded(db, session)["Ada Udir"] == (AttendanceStatus.PRESENT, "")


# Before the session starts


def test_before_the_session_only_a_notice_of_absence_can_be_recorded(db, world, coordinator_at):
    coordinator = coordinator_at(at(date(2027, 2, 20), 12))
    session = world["kickoff"]
    page = read_page(coordinator.get(url(session), headers=EN).data)
    assert "only a notice of absence" in page.text
    assert not page.texts("button", name="everyone_present") and "Mark everyone else" not in page.text
    disabled = [r["value"] for r in page.all("input", type="radio") if "disabled" in r]
    assert set(disabled) == {"PRESENT", "ABSENT"} and len(disabled) == 4 * 2

    response = coordinator.post(url(session), headers=EN, data=form_data(coordinator, session, **{
        f"status_{world['Ada Udir'].id}": "PRESENT", f"status_{world['Ulf Udir'].id}": "EXCUSED"}))

    assert response.status_code == 400
    page = read_page(response.data)
    assert "Ada Udir: the session has not started" in page.text
    assert page.all("a", href=f"#status_{world['Ada Udir'].id}")  # the summary leads to the row
    assert recorded(db, session) == {}

    response = coordinator.post(url(session), data=form_data(coordinator, session, **{
        f"status_{world['Ulf Udir'].id}": "EXCUSED", f"note_{world['Ulf Udir'].id}": "Ferie"}))
    assert response.status_code == 302
    assert recorded(db, session) == {"Ulf Udir": (AttendanceStatus.EXCUSED, "Ferie")}
    db.session.refresh(session)
    assert session.status is SessionStatus.PLANNED


@pytest.mark.parametrize("status", ["ABSENT", "PRESENT"])
def test_before_the_session_present_or_absent_is_refused_naming_the_row(db, world, coordinator_at, status):
    coordinator = coordinator_at(at(date(2027, 2, 20), 12))
    session = world["kickoff"]
    response = coordinator.post(url(session), headers=EN, data=form_data(coordinator, session, **{
        f"status_{world['Bjørn Bufdir'].id}": status}))
    assert response.status_code == 400
    assert "Bjørn Bufdir: the session has not started" in read_page(response.data).text
    assert recorded(db, session) == {}


def test_before_the_session_everyone_present_is_refused(db, world, coordinator_at):
    coordinator = coordinator_at(at(date(2027, 2, 20), 12))
    session = world["kickoff"]
    response = coordinator.post(url(session), headers=EN,
                                data=form_data(coordinator, session, everyone_present="1"))
    assert response.status_code == 400
    assert "No one can be marked present before the session starts" in read_page(response.data).text
    assert recorded(db, session) == {}


# A person added to one session


def test_a_coordinator_finds_and_adds_a_person_to_one_session(db, world, coordinator_at):
    coordinator = coordinator_at(at(date(2027, 3, 1), 12))
    session = world["kickoff"]
    page = read_page(coordinator.get(url(session) + "?q=stedfort", headers=EN).data)
    adds = [f for f in page.all("input", type="hidden", name="person")]
    assert [a["value"] for a in adds] == [str(world["Sara"].id)]
    # Someone on the roster already is not offered.
    page = read_page(coordinator.get(url(session) + "?q=ada", headers=EN).data)
    assert "No one found who is not on the roster already" in page.text
    # The group's contact is not expected, so may be added.
    page = read_page(coordinator.get(url(session) + "?q=cora", headers=EN).data)
    assert [a["value"] for a in page.all("input", type="hidden", name="person")] == [str(world["Cora Udir"].id)]

    response = coordinator.post(url(session) + "/guests", headers=EN,
                                data={"csrf_token": csrf_token(coordinator), "person": world["Sara"].id})

    assert response.status_code == 302
    page = read_page(coordinator.get(url(session), headers=EN).data)
    assert [" ".join(g.split()) for g in page.texts("th", scope="rowgroup")][-1] == "Added to this session only"
    assert row_names(page)[-1] == "Sara Stedfortreder"
    # Her attendance is recorded like the members'.
    coordinator.post(url(session), data=form_data(coordinator, session, **{
        f"status_{world['Sara'].id}": "PRESENT"}))
    assert recorded(db, session) == {"Sara Stedfortreder": (AttendanceStatus.PRESENT, "")}
    # One session only: she is on no other roster, and in no group.
    assert "Sara" not in read_page(coordinator.get(url(world["udir_coaching"])).data).text
    sheet = read_page(coordinator.get(f"/schedule/sessions/{session.id}/sign-in-sheet", headers=EN).data)
    assert "Sara Stedfortreder" in sheet.text


def test_a_guest_can_be_taken_off_again_with_what_was_recorded(db, world, coordinator_at):
    coordinator = coordinator_at(at(date(2027, 3, 1), 12))
    session = world["kickoff"]
    token = csrf_token(coordinator)
    coordinator.post(url(session) + "/guests", data={"csrf_token": token, "person": world["Sara"].id})
    coordinator.post(url(session), data=form_data(coordinator, session, **{
        f"status_{world['Sara'].id}": "PRESENT"}))

    response = coordinator.post(url(session) + "/guests/remove",
                                data={"csrf_token": token, "person": world["Sara"].id})

    assert response.status_code == 302
    assert recorded(db, session) == {}
    assert db.session.scalars(select(SessionGuest)).all() == []


# Bad input


@pytest.mark.parametrize("person", ["999999", "abc", "", "-1", "2147483648"])
def test_adding_an_unknown_person_is_refused_naming_the_field(coordinator, db, world, person):
    response = coordinator.post(url(world["kickoff"]) + "/guests", headers=EN,
                                data={"csrf_token": csrf_token(coordinator), "person": person})
    assert response.status_code == 400
    assert "Person:" in read_page(response.data).text
    assert db.session.scalars(select(SessionGuest)).all() == []


def test_adding_a_member_already_expected_is_refused(coordinator, db, world):
    response = coordinator.post(url(world["kickoff"]) + "/guests", headers=EN,
                                data={"csrf_token": csrf_token(coordinator), "person": world["Ada Udir"].id})
    assert response.status_code == 400
    assert "Ada Udir is on this session's roster already" in read_page(response.data).text


def test_removing_someone_who_is_not_a_guest_is_refused(coordinator, db, world):
    response = coordinator.post(url(world["kickoff"]) + "/guests/remove", headers=EN,
                                data={"csrf_token": csrf_token(coordinator), "person": world["Ada Udir"].id})
    assert response.status_code == 400
    assert db.session.scalar(select(Membership).where(Membership.person_id == world["Ada Udir"].id))


@pytest.mark.parametrize("marks, field, words", [
    ({"status_{ada}": "LATE"}, "status_{ada}", "Ada Udir: choose present, excused or absent"),
    ({"status_{ada}": "PRESENT", "note_{ada}": "kom\x1b[31m sent"}, "note_{ada}",
     "Note for Ada Udir: remove the line breaks and control characters"),
    ({"status_{ada}": "PRESENT", "note_{ada}": "x" * 501}, "note_{ada}", "Note for Ada Udir: at most 500"),
])
def test_bad_marks_are_refused_naming_the_person(db, world, coordinator_at, marks, field, words):
    coordinator = coordinator_at(at(date(2027, 3, 1), 12))
    session = world["kickoff"]
    ada = world["Ada Udir"].id
    marks = {k.format(ada=ada): v for k, v in marks.items()}
    field = field.format(ada=ada)

    response = coordinator.post(url(session), headers=EN, data=form_data(coordinator, session, **marks))

    assert response.status_code == 400
    page = read_page(response.data)
    assert words in page.text
    assert any(tag.get("aria-invalid") == "true" for tag in page.all("input", name=field))
    assert recorded(db, session) == {}


# The sign-in sheet


def test_the_sign_in_sheet_lists_everyone_expected_with_a_signature_column(coordinator, db, world):
    response = coordinator.get(f"/schedule/sessions/{world['kickoff'].id}/sign-in-sheet", headers=EN)

    assert response.status_code == 200
    page = read_page(response.data)
    assert [" ".join(t.split()) for t in page.texts("th", scope="col")] == ["Name", "Organisation", "Signature"]
    assert [" ".join(t.split()) for t in page.texts("th", scope="row")] == [
        "Bodil Bufdir", "Bjørn Bufdir", "Ada Udir", "Ulf Udir"]
    assert "Cora Udir" not in page.text  # contacts sign nothing
    assert not page.all("input", type="radio") and not page.all("input", type="text")  # paper only
    print_css = (Path(__file__).parents[2] / "static/css/print.css").read_text()
    assert "size: A4" in print_css and ".sign-in-sheet" in print_css


@pytest.mark.parametrize("role", ["agency", "ministry"])
def test_only_staff_see_the_sign_in_sheet_and_add_guests(client, db, world, make_user, role):
    login_as(client, make_user(role, organisation=world["udir"].organisation if role == "agency" else None))
    session = world["kickoff"]
    assert client.get(f"/schedule/sessions/{session.id}/sign-in-sheet").status_code == 403
    response = client.post(url(session) + "/guests", data={"csrf_token": csrf_token(client),
                                                          "person": world["Sara"].id})
    assert response.status_code == 403


# Review of issue 11, item 12: a sheet per day, the action's wording, the phone's cue


def test_a_gathering_of_two_days_has_a_signature_column_per_day(coordinator, db, world):
    session = world["kickoff"]
    session.starts_at, session.ends_at = at(date(2027, 3, 1)), at(date(2027, 3, 2), 15)
    db.session.commit()
    url_ = f"/schedule/sessions/{session.id}/sign-in-sheet"
    page = read_page(coordinator.get(url_, headers={"Accept-Language": "nb"}).data)
    assert [" ".join(t.split()) for t in page.texts("th", scope="col")] == [
        "Navn", "Virksomhet", "Dag 1 (man. 1. mars)", "Dag 2 (tir. 2. mars)"]
    assert all(th["colspan"] == "4" for th in page.all("th", scope="rowgroup"))
    assert len(page.all("td", **{"class": "sign-in-sheet__signature"})) == 4 * 2
    english = read_page(coordinator.get(url_, headers=EN).data)
    assert "Day 2 (Tue 2 Mar)" in [" ".join(t.split()) for t in english.texts("th", scope="col")]


def test_a_session_ending_at_midnight_is_one_day(coordinator, db, world):
    session = world["kickoff"]
    session.starts_at, session.ends_at = at(date(2027, 3, 1), 18), at(date(2027, 3, 2), 0)
    db.session.commit()
    page = read_page(coordinator.get(f"/schedule/sessions/{session.id}/sign-in-sheet", headers=EN).data)
    assert [" ".join(t.split()) for t in page.texts("th", scope="col")] == ["Name", "Organisation", "Signature"]


def test_the_everyone_button_is_an_action_and_the_roster_says_it_scrolls(db, world, coordinator_at):
    coordinator = coordinator_at(at(date(2027, 3, 1), 12))
    html = coordinator.get(url(world["kickoff"]), headers={"Accept-Language": "nb"}).get_data(as_text=True)
    assert "Merk alle andre som til stede</button>" in html
    caption = html.split('<caption id="roster-caption">', 1)[1].split("</caption>", 1)[0]
    assert 'class="roster__swipe"' in caption and "Sveip sidelengs for flere kolonner" in caption
    css = (Path(__file__).parents[2] / "static/css/tracker.css").read_text()
    assert ".roster__swipe { display: none;" in css
    assert "@media (max-width: 40rem) { .roster__swipe { display: block; } }" in css
