"""Who is expected at a session, and recording who came, all in one form."""
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token, login_as
from tests.html import read
from tracker.groups.models import EnrolmentStatus
from tracker.people.models import MemberRole, Membership, Person
from tracker.groups.services import enrol, record_status
from tracker.programmes.models import CourseModule, ModuleKind
from tracker.schedule.models import Attendance, AttendanceStatus, Session, SessionStatus
from tracker.schedule.attendance import expected_people

OSLO = ZoneInfo("Europe/Oslo")
EN = {"Accept-Language": "en"}


def at(year, month, day, hour=9) -> datetime:
    return datetime(year, month, day, hour, tzinfo=OSLO)


@pytest.fixture
def world(db, make_cohort, make_organisation):
    """Kull 1 with two groups (Udir and Bufdir) of a top leader, a member and a contact each,
    a member who left Udir early and one who joined late, and a withdrawn third group."""
    cohort = make_cohort(label="Kull 1", start_date=date(2016, 8, 29))
    gathering = CourseModule(programme=cohort.programme, position=1, name_nb="Fellessamling 1",
                             name_en="Joint gathering 1", kind=ModuleKind.JOINT_GATHERING,
                             is_joint=True, offset_weeks=8, duration_days=2)
    coaching = CourseModule(programme=cohort.programme, position=2, name_nb="Veiledning",
                            name_en="Coaching", kind=ModuleKind.GROUP_WORK, is_joint=False,
                            offset_weeks=13, duration_days=1, hours_per_day=3)
    db.session.add_all([gathering, coaching])
    people = {}

    def group(name, short):
        enrolment = enrol(cohort, make_organisation(name_nb=name, short_name=short),
                          status=EnrolmentStatus.CONFIRMED)
        for role in MemberRole:
            add_member(enrolment, f"{short} {role.value}", role)
        return enrolment

    def add_member(enrolment, key, role, joined=date(2016, 8, 29), left=None):
        person = Person(name=key.title(), email=f"{key.replace(' ', '.').lower()}@example.org")
        enrolment.memberships.append(Membership(person=person, role=role, joined_on=joined, left_on=left))
        people[key] = person

    udir, bufdir = group("Utdanningsdirektoratet", "Udir"), group("Bufdir", "Bufdir")
    add_member(udir, "Udir gone", MemberRole.MEMBER, left=date(2016, 10, 1))
    add_member(udir, "Udir late", MemberRole.MEMBER, joined=date(2016, 11, 1))
    withdrawn = group("Lånekassen", "LK")
    record_status(withdrawn, EnrolmentStatus.WITHDRAWN)
    joint = Session(cohort=cohort, module=gathering, starts_at=at(2016, 10, 24), ends_at=at(2016, 10, 25, 15),
                    location="Difi", status=SessionStatus.PLANNED)
    udir_coaching = Session(cohort=cohort, module=coaching, enrolment=udir, starts_at=at(2016, 11, 28),
                            ends_at=at(2016, 11, 28, 12), location="Hos Udir", status=SessionStatus.PLANNED)
    db.session.add_all([joint, udir_coaching])
    db.session.commit()
    return {"cohort": cohort, "udir": udir, "bufdir": bufdir, "withdrawn": withdrawn, "joint": joint,
            "udir_coaching": udir_coaching, **people}


@pytest.fixture
def coordinator(client, make_user):
    login_as(client, make_user("coordinator"))
    return client


def names(people) -> set[str]:
    return {p.name for p in people}


# Who is expected


def test_a_joint_session_expects_the_top_leaders_and_members_of_groups_still_in(db, world):
    assert names(expected_people(world["joint"])) == {
        "Udir Top_Leader", "Udir Member", "Bufdir Top_Leader", "Bufdir Member"}


def test_a_group_session_expects_that_groups_leaders_and_members_on_its_day(db, world):
    assert names(expected_people(world["udir_coaching"])) == {"Udir Top_Leader", "Udir Member", "Udir Late"}


def test_the_seed_and_the_form_share_the_rule(db, world):
    memberships = db.session.scalars(select(Membership)).all()
    for session in (world["joint"], world["udir_coaching"]):
        given = expected_people(session, memberships)
        assert given == expected_people(session)
        assert given == sorted(given, key=lambda p: (p.email or "", p.id))  # the seed's fixed order


# The form


def form_data(client, session, **marks):
    """The attendance form as a browser would send it: what is checked and typed, then `marks`."""
    page = read(client.get(f"/schedule/sessions/{session.id}/attendance").data)
    data = {"csrf_token": csrf_token(client), "version": page.all("input", name="version")[0]["value"]}
    for radio in page.all("input", type="radio"):
        if "checked" in radio:
            data[radio["name"]] = radio["value"]
    for box in page.all("input", type="text"):
        data[box["name"]] = box.get("value", "")
    data.update(marks)
    return data


def recorded(db, session) -> dict[str, tuple[AttendanceStatus, str]]:
    db.session.expire_all()
    return {a.person.name: (a.status, a.note)
            for a in db.session.scalars(select(Attendance).where(Attendance.session_id == session.id))}


def pid(world, key) -> int:
    return world[key].id


def test_the_roster_has_a_row_and_three_named_choices_per_person_expected(coordinator, db, world):
    response = coordinator.get(f"/schedule/sessions/{world['joint'].id}/attendance", headers=EN)

    assert response.status_code == 200
    page = read(response.data)
    assert len(page.all("th", scope="row")) == 4
    assert page.count("h1") == 1
    radios = page.all("input", type="radio")
    assert len(radios) == 4 * 3
    assert {r["value"] for r in radios} == {"PRESENT", "ABSENT", "EXCUSED"}
    # Each radio is named by its column and its row.
    headers = {th.get("id") for th in page.all("th")}
    assert all(set(r["aria-labelledby"].split()) <= headers for r in radios)
    assert not [r for r in radios if str(pid(world, "Udir contact")) in r["name"]]  # contacts are not expected
    assert "Udir Contact" not in page.text and "Lk Member" not in page.text


def test_saving_records_everyone_at_once_and_marks_a_started_session_held(coordinator, db, world):
    session = world["joint"]
    response = coordinator.post(f"/schedule/sessions/{session.id}/attendance", data=form_data(
        coordinator, session, **{
            f"status_{pid(world, 'Udir top_leader')}": "PRESENT",
            f"status_{pid(world, 'Udir member')}": "EXCUSED",
            f"note_{pid(world, 'Udir member')}": "Sykemeldt",
            f"status_{pid(world, 'Bufdir top_leader')}": "ABSENT",
        }))

    assert response.status_code == 302
    assert recorded(db, session) == {
        "Udir Top_Leader": (AttendanceStatus.PRESENT, ""),
        "Udir Member": (AttendanceStatus.EXCUSED, "Sykemeldt"),
        "Bufdir Top_Leader": (AttendanceStatus.ABSENT, ""),
    }
    assert session.status is SessionStatus.HELD and session.version == 2


def test_saving_again_changes_what_was_recorded(coordinator, db, world):
    session = world["udir_coaching"]
    coordinator.post(f"/schedule/sessions/{session.id}/attendance", data=form_data(
        coordinator, session, **{f"status_{pid(world, 'Udir late')}": "ABSENT"}))

    page = read(coordinator.get(f"/schedule/sessions/{session.id}/attendance").data)
    checked = [r for r in page.all("input", type="radio") if "checked" in r]
    assert [(r["name"], r["value"]) for r in checked] == [(f"status_{pid(world, 'Udir late')}", "ABSENT")]

    coordinator.post(f"/schedule/sessions/{session.id}/attendance", data=form_data(
        coordinator, session, **{f"status_{pid(world, 'Udir late')}": "EXCUSED",
                                 f"note_{pid(world, 'Udir late')}": "Meldte forfall"}))
    assert recorded(db, session) == {"Udir Late": (AttendanceStatus.EXCUSED, "Meldte forfall")}


def test_a_session_that_has_not_started_stays_planned(coordinator, db, world):
    session = world["joint"]
    session.starts_at = datetime.now(OSLO) + timedelta(days=3)
    session.ends_at = session.starts_at + timedelta(hours=6)
    db.session.commit()

    coordinator.post(f"/schedule/sessions/{session.id}/attendance", data=form_data(
        coordinator, session, **{f"status_{pid(world, 'Udir member')}": "EXCUSED"}))

    db.session.expire_all()
    assert session.status is SessionStatus.PLANNED
    assert recorded(db, session) == {"Udir Member": (AttendanceStatus.EXCUSED, "")}


@pytest.mark.parametrize("key", ["Udir contact", "LK member", "Udir gone", "Bufdir member"])
def test_someone_not_expected_in_the_post_saves_nothing(coordinator, db, world, key):
    # Bufdir's member is expected at the joint session, not at Udir's own coaching.
    session = world["udir_coaching"]
    data = form_data(coordinator, session, **{
        f"status_{pid(world, 'Udir member')}": "PRESENT", f"status_{pid(world, key)}": "PRESENT"})

    response = coordinator.post(f"/schedule/sessions/{session.id}/attendance", data=data, headers=EN)

    assert response.status_code == 400
    assert "not expected at this session" in read(response.data).text
    assert recorded(db, session) == {}
    assert session.status is SessionStatus.PLANNED and session.version == 1


@pytest.mark.parametrize("marks, field", [
    ({"status_{member}": "LATE"}, "status_{member}"),
    ({"status_{member}": "PRESENT", "note_{member}": "x" * 501}, "note_{member}"),
    ({"note_{member}": "Kom for sent"}, "note_{member}"),  # a note needs a status
])
def test_bad_marks_are_refused_with_the_field_marked_and_what_was_typed_kept(coordinator, db, world, marks, field):
    session = world["udir_coaching"]
    member = pid(world, "Udir member")
    marks = {k.format(member=member): v for k, v in marks.items()}
    field = field.format(member=member)
    data = form_data(coordinator, session, **{f"status_{pid(world, 'Udir late')}": "PRESENT", **marks})

    response = coordinator.post(f"/schedule/sessions/{session.id}/attendance", data=data)

    assert response.status_code == 400
    page = read(response.data)
    assert any(tag.get("aria-invalid") == "true" for tag in page.all("input", name=field))
    assert page.all("div", **{"class": "ds-error-summary"})
    if field.startswith("note_"):
        assert page.all("input", name=field)[0]["value"] == marks[field]
    late = page.all("input", name=f"status_{pid(world, 'Udir late')}", value="PRESENT")[0]
    assert "checked" in late  # what was chosen is kept
    assert recorded(db, session) == {}


def test_two_coordinators_saving_at_once_cannot_overwrite_each_other(app, coordinator, db, world, make_user):
    session = world["joint"]
    other = app.test_client()
    login_as(other, make_user("coordinator"))
    mine = form_data(coordinator, session, **{f"status_{pid(world, 'Udir member')}": "PRESENT"})
    theirs = form_data(other, session, **{f"status_{pid(world, 'Udir member')}": "ABSENT",
                                          f"note_{pid(world, 'Udir member')}": "Borte"})

    assert coordinator.post(f"/schedule/sessions/{session.id}/attendance", data=mine).status_code == 302
    response = other.post(f"/schedule/sessions/{session.id}/attendance", data=theirs, headers=EN)

    assert response.status_code == 409
    page = read(response.data)
    assert "Saved by someone else" in page.text and "Present" in page.text
    assert page.all("input", name=f"note_{pid(world, 'Udir member')}")[0]["value"] == "Borte"
    assert recorded(db, session) == {"Udir Member": (AttendanceStatus.PRESENT, "")}


def test_the_register_loads_in_the_same_number_of_queries_for_more_people(coordinator, db, world, count_queries):
    url = f"/schedule/sessions/{world['joint'].id}/attendance"
    coordinator.get(url)
    with count_queries() as few:
        coordinator.get(url)
    for n in range(5):
        world["bufdir"].memberships.append(Membership(
            person=Person(name=f"Ekstra {n}", email=f"ekstra{n}@example.org"), role=MemberRole.MEMBER,
            joined_on=date(2016, 8, 29)))
    db.session.commit()
    with count_queries() as more:
        page = read(coordinator.get(url).data)
    assert len(page.all("th", scope="row")) == 4 + 5
    assert more["n"] == few["n"]


@pytest.mark.parametrize("role", ["agency", "ministry"])
def test_only_staff_record_attendance(client, db, world, make_user, role):
    login_as(client, make_user(role, organisation=world["udir"].organisation if role == "agency" else None))
    assert client.get(f"/schedule/sessions/{world['joint'].id}/attendance").status_code == 403


def test_the_group_page_links_staff_to_each_sessions_attendance_form(client, db, world, make_user):
    url = f"/groups/{world['udir'].id}"
    login_as(client, make_user("coordinator"))
    links = {a.get("href") for a in read(client.get(url).data).all("a")}
    assert {f"/schedule/sessions/{world['joint'].id}/attendance",
            f"/schedule/sessions/{world['udir_coaching'].id}/attendance"} <= links

    login_as(client, make_user("agency", organisation=world["udir"].organisation))
    assert "/schedule/" not in client.get(url).get_data(as_text=True)


def test_the_seed_still_records_everyone_expected(demo_database):
    db = demo_database(date(2017, 3, 1))  # the demo as loaded then, once per run
    held = db.session.scalars(select(Session).where(Session.status == SessionStatus.HELD)).all()
    assert held
    for session in held[:10]:
        assert {a.person for a in session.attendances} == set(expected_people(session))
    assert db.session.scalar(select(func.count(Attendance.id))) > 0


def test_the_group_pages_attendance_grid_has_a_column_for_those_expected_not_the_contact(
        coordinator, db, world):
    """The contact person is never expected at a session: a column of theirs on the group's
    attendance grid would be "not recorded" all the way down."""
    html = coordinator.get(f"/groups/{world['udir'].id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    grid = html[html.index('id="attendance-caption"'):]
    grid = grid[:grid.index("</thead>")]
    columns = re.findall(r'<th scope="col">([^<]+)</th>', grid)
    assert columns[0] == "Session"
    assert sorted(columns[1:]) == ["Udir Gone", "Udir Late", "Udir Member", "Udir Top_Leader"]
    assert "Udir Contact" in html  # still on the member list
