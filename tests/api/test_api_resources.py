"""The API's resources: what each role reads, what coordinators write, and how it says no."""
import json
from datetime import date, datetime

import pytest
from openapi_spec_validator import validate
from sqlalchemy import func, select

from tests.conftest import oslo
from tracker.cohorts.models import Cohort
from tracker.groups.models import Enrolment
from tracker.groups.services import enrol
from tracker.people.models import Person
from tracker.programmes.models import CourseModule
from tracker.schedule.models import Attendance, AttendanceStatus, Session, SessionStatus

PROBLEM = "application/problem+json"


def ids(response) -> set[int]:
    assert response.status_code == 200, response.get_json()
    return {item["id"] for item in response.get_json()}


def assert_problem(response, status: int, *fields: str) -> dict:
    assert response.status_code == status, response.get_json()
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["type"] == "about:blank" and body["status"] == status and body["title"] and body["detail"]
    for field in fields:
        assert field in body["errors"], body
    return body


def count(db, model) -> int:
    return db.session.scalar(select(func.count(model.id)))


# Reading, role by role


SCOPE = {
    # role: (organisations, cohorts, enrolments, sessions), by world key
    "admin": ({"kd", "bld", "fin", "udir", "bufdir", "skd"}, {"kull1", "kull3"},
              {"udir_group", "bufdir_group", "skd_group"},
              {"joint_in", "udir_session", "bufdir_session", "joint_out", "skd_session"}),
    "coordinator": ({"kd", "bld", "fin", "udir", "bufdir", "skd"}, {"kull1", "kull3"},
                    {"udir_group", "bufdir_group", "skd_group"},
                    {"joint_in", "udir_session", "bufdir_session", "joint_out", "skd_session"}),
    "agency": ({"udir"}, {"kull1"}, {"udir_group"}, {"joint_in", "udir_session"}),
    "ministry": ({"kd", "udir"}, {"kull1"}, {"udir_group"}, {"joint_in", "udir_session"}),
}
PROGRAMME_OWNER = "Direktoratet for forvaltning og IKT"  # the make_programme fixture's


@pytest.mark.parametrize("role", SCOPE)
def test_each_role_lists_only_what_is_in_its_scope(api, world, db, role):
    organisations, cohorts, enrolments, sessions = SCOPE[role]
    as_role = api(role)

    def want(keys):
        return {world[key].id for key in keys}

    listed_organisations = ids(as_role.get("/api/v1/organisations?page_size=100"))
    if role in ("admin", "coordinator"):  # the programme's owner is an organisation too
        listed_organisations -= {world["kull1"].programme.responsible_organisation_id}
    assert listed_organisations == want(organisations)
    assert ids(as_role.get("/api/v1/cohorts")) == want(cohorts)
    assert ids(as_role.get("/api/v1/enrolments")) == want(enrolments)
    assert ids(as_role.get("/api/v1/sessions")) == want(sessions)
    kull1 = world["kull1"].id
    assert ids(as_role.get(f"/api/v1/enrolments?cohort={kull1}")) == want(enrolments - {"skd_group"})
    assert ids(as_role.get(f"/api/v1/sessions?cohort={kull1}")) == want(sessions - {"joint_out", "skd_session"})


OUT_OF_SCOPE = {
    # role: paths (by world key) that answer 404 for it
    "agency": [("cohorts", "kull3"), ("organisations", "skd"), ("organisations", "kd"),
               ("organisations", "bufdir"), ("enrolments", "bufdir_group"), ("enrolments", "skd_group"),
               ("sessions", "bufdir_session"), ("sessions", "joint_out"), ("sessions", "skd_session")],
    "ministry": [("cohorts", "kull3"), ("organisations", "skd"), ("organisations", "fin"),
                 ("organisations", "bufdir"), ("enrolments", "bufdir_group"), ("enrolments", "skd_group"),
                 ("sessions", "bufdir_session"), ("sessions", "joint_out"), ("sessions", "skd_session")],
}


@pytest.mark.parametrize("role", OUT_OF_SCOPE)
def test_records_outside_the_scope_answer_404_as_if_they_did_not_exist(api, world, role):
    as_role = api(role)
    for resource, key in OUT_OF_SCOPE[role]:
        assert_problem(as_role.get(f"/api/v1/{resource}/{world[key].id}"), 404)
        if resource == "sessions":
            assert_problem(as_role.get(f"/api/v1/sessions/{world[key].id}/attendance"), 404)
    for resource in ("enrolments", "sessions"):
        assert_problem(as_role.get(f"/api/v1/{resource}?cohort={world['kull3'].id}"), 404)
    for resource in ("cohorts", "organisations", "enrolments", "sessions"):
        assert_problem(as_role.get(f"/api/v1/{resource}/999999"), 404)


@pytest.mark.parametrize("role", ["agency", "ministry", "coordinator"])
def test_records_in_scope_are_there_with_their_facts(api, world, role):
    as_role = api(role)
    cohort = as_role.get(f"/api/v1/cohorts/{world['kull1'].id}").get_json()
    assert cohort["label"] == "Kull 1" and cohort["season"] == "autumn"
    assert cohort["start_date"] == "2016-09-01" and cohort["status"] == "completed"
    assert cohort["version"] == world["kull1"].version
    organisation = as_role.get(f"/api/v1/organisations/{world['udir'].id}").get_json()
    assert organisation["short_name"] == "Udir" and organisation["kind"] == "directorate"
    assert organisation["owning_ministry"] == world["kd"].id
    enrolment = as_role.get(f"/api/v1/enrolments/{world['udir_group'].id}").get_json()
    assert enrolment["cohort"] == world["kull1"].id and enrolment["organisation"] == world["udir"].id
    assert enrolment["status"] == "invited"
    session = as_role.get(f"/api/v1/sessions/{world['joint_in'].id}").get_json()
    assert session["joint"] is True and session["enrolment"] is None
    assert session["module"]["name_en"] == "Joint gathering 1"
    # Instants in UTC with their offset: 09:00 in Oslo on 3 October 2016 (summer time) is 07:00.
    assert session["starts_at"] == "2016-10-03T07:00:00+00:00"
    assert datetime.fromisoformat(session["ends_at"]) == oslo(2016, 10, 3, 15)


def test_enrolment_notes_are_for_staff_only(api, world, db):
    world["udir_group"].notes = "Ny direktør fra januar"
    db.session.commit()
    path = f"/api/v1/enrolments/{world['udir_group'].id}"
    assert api("coordinator").get(path).get_json()["notes"] == "Ny direktør fra januar"
    for role in ("agency", "ministry"):
        assert api(role).get(path).get_json()["notes"] is None


def test_attendance_shows_the_groups_in_scope_and_notes_only_to_who_may_see_them(api, world, db):
    session = world["joint_in"]
    db.session.add_all([
        Attendance(person=world["udir_person"], session=session, status=AttendanceStatus.EXCUSED,
                   note="Sykemeldt denne uken"),
        Attendance(person=world["bufdir_person"], session=session, status=AttendanceStatus.PRESENT),
    ])
    db.session.commit()
    path = f"/api/v1/sessions/{session.id}/attendance"

    def lines(role):
        body = api(role).get(path).get_json()
        assert body["session"] == session.id and body["version"] == session.version
        return {line["person"]: line for line in body["attendance"]}

    udir, bufdir = world["udir_person"].id, world["bufdir_person"].id
    staff = lines("coordinator")
    assert set(staff) == {udir, bufdir}
    assert staff[udir]["status"] == "excused" and staff[udir]["note"] == "Sykemeldt denne uken"
    assert staff[bufdir]["status"] == "present" and staff[bufdir]["organisation"] == world["bufdir"].id
    agency = lines("agency")
    assert set(agency) == {udir}  # not Bufdir's people
    assert agency[udir]["note"] == "Sykemeldt denne uken"  # their own group's
    ministry = lines("ministry")
    assert set(ministry) == {udir}
    assert ministry[udir]["status"] == "excused" and ministry[udir]["note"] is None


def test_lists_load_in_a_fixed_number_of_queries(api, world, db, count_queries, make_cohort):
    as_coordinator = api("coordinator")
    as_coordinator.get("/api/v1/sessions")  # the token's last use is noted once; not counted
    with count_queries() as few:
        assert as_coordinator.get("/api/v1/sessions").status_code == 200
    for n in range(4):
        cohort = make_cohort(label=f"Ekstra {n}", start_date=date(2019, 1, 7 + n))
        db.session.add(Session(cohort=cohort, module=db.session.get(CourseModule, world["joint_in"].module_id),
                               starts_at=oslo(2019, 2, 4 + n), ends_at=oslo(2019, 2, 4 + n, 15),
                               status=SessionStatus.PLANNED))
    db.session.commit()
    with count_queries() as many:
        assert len(as_coordinator.get("/api/v1/sessions").get_json()) == 9
    assert many["n"] == few["n"]


# Pagination


def test_lists_come_in_pages_with_the_counts_in_a_header(api, world, make_cohort, db):
    for n in range(3):
        make_cohort(label=f"Ekstra {n}", start_date=date(2019 + n, 1, 7))
    db.session.commit()
    as_coordinator = api("coordinator")
    first = as_coordinator.get("/api/v1/cohorts?page_size=2")
    assert [c["label"] for c in first.get_json()] == ["Kull 1", "Kull 3"]
    import json

    meta = json.loads(first.headers["X-Pagination"])
    assert meta == {"total": 5, "total_pages": 3, "first_page": 1, "last_page": 3, "page": 1, "next_page": 2}
    last = as_coordinator.get("/api/v1/cohorts?page_size=2&page=3")
    assert [c["label"] for c in last.get_json()] == ["Ekstra 2"]


def test_a_page_past_the_last_is_a_404_problem_and_an_empty_list_is_page_one(api, world, make_cohort, db):
    as_coordinator = api("coordinator")
    body = assert_problem(as_coordinator.get("/api/v1/cohorts?page_size=2&page=3"), 404)
    assert "page 3" in body["detail"]
    empty = make_cohort(label="Tomt kull", start_date=date(2020, 1, 6))
    db.session.commit()
    response = as_coordinator.get(f"/api/v1/sessions?cohort={empty.id}")
    assert response.status_code == 200 and response.get_json() == []
    assert_problem(as_coordinator.get(f"/api/v1/sessions?cohort={empty.id}&page=2"), 404)


@pytest.mark.parametrize("query, field", [
    ("page_size=101", "page_size"),
    ("page_size=0", "page_size"),
    ("page=0", "page"),
    ("page=first", "page"),
    ("cohort=kull1", "cohort"),
])
def test_bad_query_parameters_are_a_422_naming_them(api, world, query, field):
    path = "/api/v1/enrolments" if field == "cohort" else "/api/v1/cohorts"
    assert_problem(api("coordinator").get(f"{path}?{query}"), 422, field)


# Writing: cohorts


def new_cohort(world, **changes):
    body = {"programme": world["kull1"].programme_id, "label": "Kull 5", "ordinal": 5, "season": "autumn",
            "year": 2017, "start_date": "2017-09-04"}
    body.update(changes)
    return {key: value for key, value in body.items() if value is not ...}


def test_a_coordinator_adds_a_cohort(api, world, db):
    response = api("coordinator").post("/api/v1/cohorts", json=new_cohort(world, notes=" Høstkull "))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/cohorts/{body['id']}"
    cohort = db.session.get(Cohort, body["id"])
    assert cohort.label == "Kull 5" and cohort.notes == "Høstkull"
    # The programme's course length and groups per cohort fill what was left out.
    assert cohort.planned_end == date(2018, 7, 4) and cohort.capacity == 4
    assert body["planned_end"] == "2018-07-04" and body["version"] == 1


@pytest.mark.parametrize("role", ["agency", "ministry"])
def test_only_coordinators_write(api, world, db, role):
    cohorts, enrolments = count(db, Cohort), count(db, Enrolment)
    assert_problem(api(role).post("/api/v1/cohorts", json=new_cohort(world)), 403)
    patch = api(role).patch(f"/api/v1/cohorts/{world['kull1'].id}", json={"version": 1, "label": "Nytt"})
    assert_problem(patch, 403)
    enrolment = {"cohort": world["kull3"].id, "organisation": world["udir"].id}
    assert_problem(api(role).post("/api/v1/enrolments", json=enrolment), 403)
    marks = {"version": world["joint_in"].version,
             "attendance": [{"person": world["udir_person"].id, "status": "present"}]}
    assert_problem(api(role).put(f"/api/v1/sessions/{world['joint_in'].id}/attendance", json=marks), 403)
    assert (count(db, Cohort), count(db, Enrolment), count(db, Attendance)) == (cohorts, enrolments, 0)
    db.session.refresh(world["kull1"])
    assert world["kull1"].label == "Kull 1"


@pytest.mark.parametrize("changes, field", [
    ({"label": ...}, "label"),  # missing
    ({"label": ""}, "label"),  # empty
    ({"label": "   "}, "label"),  # empty once trimmed
    ({"label": "K" * 61}, "label"),  # too long
    ({"notes": "x" * 2001}, "notes"),
    ({"ordinal": "fem"}, "ordinal"),  # wrong type
    ({"ordinal": "5"}, "ordinal"),  # a number in a string is not a number
    ({"capacity": 2.5}, "capacity"),
    ({"season": "winter"}, "season"),
    ({"start_date": "4. september 2017"}, "start_date"),
    ({"start_date": "2017-02-30"}, "start_date"),
    ({"programme": 999999}, "programme"),  # no such programme
    ({"colour": "blue"}, "colour"),  # unknown field
    ({"id": 77}, "id"),  # not something a client sets
    ({"planned_end": "2017-09-01"}, "planned_end"),  # before the start
    ({"capacity": 51}, "capacity"),
    ({"label": "Kull 1"}, "label"),  # another cohort's
    ({"ordinal": 1}, "ordinal"),  # another cohort's
    ({"year": 2019}, "year"),  # too far from the start date's
])
def test_bad_cohorts_are_a_422_naming_the_field_and_nothing_is_saved(api, world, db, changes, field):
    before = count(db, Cohort)
    response = api("coordinator").post("/api/v1/cohorts", json=new_cohort(world, **changes))
    body = assert_problem(response, 422, field)
    assert all(isinstance(message, str) for message in body["errors"][field])
    assert count(db, Cohort) == before


def test_an_unknown_field_is_named_in_english(api, world):
    body = api("coordinator").post("/api/v1/cohorts", json=new_cohort(world, colour="blue")).get_json()
    assert body["errors"] == {"colour": ["Unknown field."]}


def test_a_body_that_is_not_json_is_a_400_problem(api, world, db):
    response = api("coordinator").post("/api/v1/cohorts", data="{label: Kull 5", content_type="application/json")
    assert_problem(response, 400)
    response = api("coordinator").post("/api/v1/cohorts", json=["Kull 5"])
    assert_problem(response, 422)


def test_a_coordinator_changes_only_the_facts_sent(api, world, db):
    cohort = world["kull1"]
    response = api("coordinator").patch(f"/api/v1/cohorts/{cohort.id}",
                                        json={"version": cohort.version, "label": "Kull 1 (2016)", "capacity": 5})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["label"] == "Kull 1 (2016)" and body["capacity"] == 5 and body["version"] == 2
    db.session.refresh(cohort)
    assert (cohort.label, cohort.capacity, cohort.start_date, cohort.ordinal) == ("Kull 1 (2016)", 5, date(2016, 9, 1), 1)


@pytest.mark.parametrize("body, field", [
    ({"label": "Nytt"}, "version"),  # no version
    ({"version": "one", "label": "Nytt"}, "version"),
    ({"version": 1, "planned_end": "2016-08-01"}, "planned_end"),  # before the start
    ({"version": 1, "capacity": 1}, "capacity"),  # two groups are enrolled
    ({"version": 1, "programme": 1}, "programme"),  # a cohort keeps its programme
    ({"version": 1, "label": None}, "label"),
])
def test_bad_changes_are_a_422_naming_the_field_and_nothing_changes(api, world, db, body, field):
    cohort = world["kull1"]
    assert_problem(api("coordinator").patch(f"/api/v1/cohorts/{cohort.id}", json=body), 422, field)
    db.session.refresh(cohort)
    assert (cohort.label, cohort.version, cohort.capacity) == ("Kull 1", 1, 4)


def test_a_change_from_a_stale_version_is_a_409_and_the_first_save_stays(api, world, db):
    cohort = world["kull1"]
    path = f"/api/v1/cohorts/{cohort.id}"
    first, second = api("coordinator"), api("admin")
    read_at = first.get(path).get_json()["version"]
    assert second.get(path).get_json()["version"] == read_at
    assert first.patch(path, json={"version": read_at, "label": "Kull 1 (først)"}).status_code == 200
    body = assert_problem(second.patch(path, json={"version": read_at, "label": "Kull 1 (sist)"}), 409)
    assert body["current_version"] == read_at + 1
    db.session.refresh(cohort)
    assert cohort.label == "Kull 1 (først)" and cohort.version == read_at + 1
    # With the version it was told, the second save goes through, on purpose.
    assert second.patch(path, json={"version": body["current_version"], "label": "Kull 1 (sist)"}).status_code == 200


def test_a_missing_cohort_cannot_be_changed(api, world):
    assert_problem(api("coordinator").patch("/api/v1/cohorts/999999", json={"version": 1}), 404)


# Writing: enrolments


def test_a_coordinator_enrols_a_group(api, world, db, make_organisation):
    nve = make_organisation(name_nb="Norges vassdrags- og energidirektorat", short_name="NVE")
    db.session.commit()
    response = api("coordinator").post("/api/v1/enrolments", json={
        "cohort": world["kull1"].id, "organisation": nve.id, "status": "confirmed", "notes": "Bekreftet på telefon"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/enrolments/{body['id']}"
    enrolment = db.session.get(Enrolment, body["id"])
    assert (enrolment.cohort_id, enrolment.organisation_id) == (world["kull1"].id, nve.id)
    assert enrolment.status.value == "confirmed" and enrolment.notes == "Bekreftet på telefon"
    assert [change.status.value for change in enrolment.status_history] == ["confirmed"]


@pytest.mark.parametrize("body, field", [
    ({"organisation": "udir"}, "organisation"),  # already in Kull 1
    ({"organisation": "skd"}, "organisation"),  # in Kull 3, whose course overlaps
    ({"cohort": 999999}, "cohort"),
    ({"organisation": 999999}, "organisation"),
    ({"cohort": None}, "cohort"),
    ({"cohort": "Kull 1"}, "cohort"),
    ({"status": "active"}, "status"),  # a group enters invited or confirmed
    ({"status": "maybe"}, "status"),
    ({"notes": "x" * 2001}, "notes"),
    ({"leader": "Kari"}, "leader"),
])
def test_bad_enrolments_are_a_422_naming_the_field_and_nothing_is_saved(api, world, db, make_organisation,
                                                                        body, field):
    nve = make_organisation(name_nb="Norges vassdrags- og energidirektorat", short_name="NVE")
    db.session.commit()
    request = {"cohort": world["kull1"].id, "organisation": nve.id}
    request.update({key: world[value].id if value in ("udir", "skd") else value for key, value in body.items()})
    before = count(db, Enrolment)
    assert_problem(api("coordinator").post("/api/v1/enrolments", json=request), 422, field)
    assert count(db, Enrolment) == before


# Writing: attendance


def attendance_body(world, *marks, version=None):
    return {"version": world["joint_in"].version if version is None else version,
            "attendance": [dict(mark) for mark in marks]}


def test_a_coordinator_records_attendance(api, world, db):
    session = world["joint_in"]
    udir, bufdir = world["udir_person"].id, world["bufdir_person"].id
    response = api("coordinator").put(f"/api/v1/sessions/{session.id}/attendance", json=attendance_body(
        world, {"person": udir, "status": "absent", "note": " Syk "}, {"person": bufdir, "status": "present"}))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["version"] == session.version + 1
    recorded = {a.person_id: (a.status.value, a.note) for a in db.session.scalars(select(Attendance))}
    assert recorded == {udir: ("absent", "Syk"), bufdir: ("present", "")}
    assert {line["person"]: line["status"] for line in body["attendance"]} == {udir: "absent", bufdir: "present"}


@pytest.mark.parametrize("mark, field", [
    ({"person": "stranger", "status": "present"}, "attendance.0.person"),  # not expected
    ({"person": 999999, "status": "present"}, "attendance.0.person"),
    ({"person": "udir_person", "status": "late"}, "attendance.0.status"),
    ({"person": "udir_person"}, "attendance.0.status"),
    ({"person": "udir_person", "status": "absent", "note": "x" * 501}, "attendance.0.note"),
    ({"person": "udir_person", "status": "present", "seat": 4}, "attendance.0.seat"),
])
def test_bad_attendance_is_a_422_naming_the_entry_and_nothing_is_saved(api, world, db, mark, field):
    stranger = Person(name="Ola Utenfor", email="ola@example.org")
    db.session.add(stranger)
    db.session.commit()
    people = {"stranger": stranger.id, "udir_person": world["udir_person"].id}
    mark = {key: people.get(value, value) if key == "person" else value for key, value in mark.items()}
    session = world["joint_in"]
    response = api("coordinator").put(f"/api/v1/sessions/{session.id}/attendance", json=attendance_body(world, mark))
    assert_problem(response, 422, field)
    assert count(db, Attendance) == 0
    db.session.refresh(session)
    assert session.version == 1


def test_a_second_mark_for_the_same_person_is_refused(api, world, db):
    udir = world["udir_person"].id
    response = api("coordinator").put(f"/api/v1/sessions/{world['joint_in'].id}/attendance", json=attendance_body(
        world, {"person": udir, "status": "present"}, {"person": udir, "status": "absent"}))
    assert_problem(response, 422, "attendance.1.person")
    assert count(db, Attendance) == 0


def test_someone_in_another_group_is_not_expected_at_a_group_session(api, world, db):
    session = world["udir_session"]
    response = api("coordinator").put(f"/api/v1/sessions/{session.id}/attendance", json={
        "version": session.version, "attendance": [{"person": world["bufdir_person"].id, "status": "present"}]})
    assert_problem(response, 422, "attendance.0.person")
    assert count(db, Attendance) == 0


def test_attendance_from_a_stale_version_is_a_409_and_the_first_save_stays(api, world, db):
    session = world["joint_in"]
    path = f"/api/v1/sessions/{session.id}/attendance"
    udir = world["udir_person"].id
    read_at = api("coordinator").get(path).get_json()["version"]
    first = api("coordinator").put(path, json=attendance_body(world, {"person": udir, "status": "present"},
                                                              version=read_at))
    assert first.status_code == 200
    second = api("admin").put(path, json=attendance_body(world, {"person": udir, "status": "absent"},
                                                         version=read_at))
    body = assert_problem(second, 409)
    assert body["current_version"] == read_at + 1
    assert [a.status.value for a in db.session.scalars(select(Attendance))] == ["present"]


# The sector overview


def test_a_coordinator_sees_any_sector_or_the_whole_state(api, world):
    as_coordinator = api("coordinator")
    kd = as_coordinator.get(f"/api/v1/sector-overview?ministry={world['kd'].id}")
    assert kd.status_code == 200, kd.get_json()
    body = kd.get_json()
    assert body["ministry"] == world["kd"].id and body["total"] == 2
    rows = {row["organisation"]: row for row in body["organisations"]}
    assert [row["organisation"] for row in body["organisations"]] == [world["kd"].id, world["udir"].id]
    assert rows[world["kd"].id]["state"] == "not_started" and rows[world["kd"].id]["history"] == []
    udir = rows[world["udir"].id]
    # Kull 1 ended in 2017, but the group never answered its invitation: it has not completed.
    assert udir["state"] == "invited" and udir["cohort"] == world["kull1"].id
    assert udir["has_completed"] is False and udir["completed_on"] is None
    assert udir["history"][0]["enrolment"] == world["udir_group"].id
    assert udir["history"][0]["state"] == "invited"
    assert body["counts"]["invited"] == 1 and body["counts"]["not_started"] == 1
    assert body["counts"]["confirmed"] == body["counts"]["completed"] == 0
    assert body["completed"] == 0 and body["completed_share"] == 0
    whole = as_coordinator.get("/api/v1/sector-overview").get_json()
    assert whole["ministry"] is None and whole["total"] == 7  # with Difi, the programme's owner


def test_the_sector_overview_pages_its_organisations_and_counts_them_all(api, world):
    as_coordinator = api("coordinator")
    whole = as_coordinator.get("/api/v1/sector-overview").get_json()
    order = [row["organisation"] for row in whole["organisations"]]
    assert len(order) == whole["total"] == 7
    pages = []
    for number in (1, 2, 3, 4):
        response = as_coordinator.get(f"/api/v1/sector-overview?page_size=2&page={number}")
        assert response.status_code == 200
        meta = json.loads(response.headers["X-Pagination"])
        assert meta["total"] == 7 and meta["total_pages"] == 4 and meta["page"] == number
        body = response.get_json()
        # The figures are the whole sector's on every page.
        assert (body["total"], body["counts"], body["completed"]) == (
            whole["total"], whole["counts"], whole["completed"])
        pages.append([row["organisation"] for row in body["organisations"]])
    assert pages == [order[0:2], order[2:4], order[4:6], order[6:7]]
    body = assert_problem(as_coordinator.get("/api/v1/sector-overview?page_size=2&page=5"), 404)
    assert "the last page is 4" in body["detail"]


def test_the_sector_overview_asks_as_many_statements_for_a_bigger_state(
        api, db, world, make_organisation, make_cohort, count_queries):
    as_coordinator = api("coordinator")

    def statements(url: str = "/api/v1/sector-overview") -> int:
        as_coordinator.get(url)  # the token's last use is written once
        with count_queries() as counter:
            assert as_coordinator.get(url).status_code == 200
        return counter["n"]

    few = statements()
    for n in range(60):
        agency = make_organisation(name_nb=f"Etat {n:02}", owning_ministry=world["kd"])
        if n % 3 == 0:
            enrol(make_cohort(label=f"Kull for etat {n}"), agency)
    db.session.commit()
    assert statements() == few
    # A page of the API that straddles two of the report's pages (of 50) reads both.
    order = [row["organisation"] for row in as_coordinator.get(
        "/api/v1/sector-overview?page_size=100").get_json()["organisations"]]
    assert len(order) == 67
    straddling = as_coordinator.get("/api/v1/sector-overview?page_size=20&page=3").get_json()
    assert [row["organisation"] for row in straddling["organisations"]] == order[40:60]
    assert statements("/api/v1/sector-overview?page_size=20&page=3") == few + 1


def test_a_ministry_viewer_sees_their_own_sector_only(api, world):
    as_ministry = api("ministry")
    own = as_ministry.get("/api/v1/sector-overview").get_json()
    assert own["ministry"] == world["kd"].id and own["total"] == 2
    assert as_ministry.get(f"/api/v1/sector-overview?ministry={world['kd'].id}").status_code == 200
    assert_problem(as_ministry.get(f"/api/v1/sector-overview?ministry={world['fin'].id}"), 404)


def test_an_agency_leader_gets_no_sector_overview(api, world):
    assert_problem(api("agency").get("/api/v1/sector-overview"), 403)


@pytest.mark.parametrize("ministry, status", [("udir", 404), (999999, 404), ("KD", 422)])
def test_the_sector_must_be_a_ministrys(api, world, ministry, status):
    value = world[ministry].id if ministry == "udir" else ministry
    body = assert_problem(api("coordinator").get(f"/api/v1/sector-overview?ministry={value}"), status)
    if status == 422:
        assert "ministry" in body["errors"]


# Errors and the OpenAPI document


def test_errors_under_api_are_problem_documents(api, world, client):
    as_coordinator = api("coordinator")
    assert_problem(as_coordinator.get("/api/v1/no-such-thing"), 404)
    assert_problem(as_coordinator.delete(f"/api/v1/cohorts/{world['kull1'].id}"), 405)
    assert_problem(client.get("/api/v1/cohorts"), 401)
    assert_problem(api("agency").post("/api/v1/cohorts", json={}), 403)
    assert_problem(as_coordinator.post("/api/v1/cohorts", json={}), 422, "label", "programme", "start_date")


def test_the_openapi_document_is_public_valid_and_describes_the_bearer_tokens(client, app):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    validate(spec)
    assert spec["openapi"] == "3.0.3"
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        **spec["components"]["securitySchemes"]["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert spec["security"] == [{"bearerAuth": []}]
    paths = spec["paths"]
    for path, methods in {
        "/api/v1/cohorts": {"get", "post"},
        "/api/v1/cohorts/{cohort_id}": {"get", "patch"},
        "/api/v1/organisations": {"get"},
        "/api/v1/organisations/{organisation_id}": {"get"},
        "/api/v1/enrolments": {"get", "post"},
        "/api/v1/enrolments/{enrolment_id}": {"get"},
        "/api/v1/sessions": {"get"},
        "/api/v1/sessions/{session_id}": {"get"},
        "/api/v1/sessions/{session_id}/attendance": {"get", "put"},
        "/api/v1/sector-overview": {"get"},
    }.items():
        assert methods <= set(paths[path]), path
    assert "UTC" in spec["components"]["schemas"]["Session"]["properties"]["starts_at"]["description"]
    assert "past the last" in spec["info"]["description"]
    problem = spec["components"]["responses"]["NOT_FOUND"]["content"]
    assert list(problem) == ["application/problem+json"]


def test_an_unknown_api_address_answers_the_same_problem_as_an_unknown_record(api):
    unknown_address = assert_problem(api("coordinator").get("/api/v1/no-such-resource"), 404)
    unknown_record = assert_problem(api("coordinator").get("/api/v1/cohorts/999999"), 404)
    assert (unknown_address["title"], unknown_address["detail"]) == (unknown_record["title"], unknown_record["detail"])


def test_cohort_notes_are_for_staff_only(api, world, db):
    world["kull1"].notes = "Vurder å flytte samling 3"
    db.session.commit()
    path = f"/api/v1/cohorts/{world['kull1'].id}"
    for role in ("coordinator", "admin"):
        assert api(role).get(path).get_json()["notes"] == "Vurder å flytte samling 3"
        assert {c["notes"] for c in api(role).get("/api/v1/cohorts").get_json()} >= {"Vurder å flytte samling 3"}
    for role in ("agency", "ministry"):
        assert api(role).get(path).get_json()["notes"] is None
        assert [c["notes"] for c in api(role).get("/api/v1/cohorts").get_json()] == [None]


def test_a_method_the_address_does_not_take_is_a_405_problem_saying_which_it_takes(api, world):
    response = api("coordinator").delete("/api/v1/cohorts")
    assert_problem(response, 405)
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}
    assert response.headers.getlist("Content-Type") == [PROBLEM]


def test_the_information_for_participants_is_written_by_staff_and_read_by_everyone_who_sees_it(
        api, world, db):
    cohort = world["kull1"]
    cohort.notes = "Budsjettet er stramt"
    db.session.commit()
    response = api("coordinator").patch(f"/api/v1/cohorts/{cohort.id}", json={
        "version": cohort.version, "participant_information": "Ta med PC\ntil første samling"})
    assert response.status_code == 200, response.get_json()
    for role in ("agency", "ministry"):
        read = api(role).get(f"/api/v1/cohorts/{cohort.id}").get_json()
        assert (read["participant_information"], read["notes"]) == (
            "Ta med PC\ntil første samling", None)
    # Changing another fact keeps it, as a form that does not show it would.
    version = api("coordinator").get(f"/api/v1/cohorts/{cohort.id}").get_json()["version"]
    api("coordinator").patch(f"/api/v1/cohorts/{cohort.id}", json={"version": version, "label": "Kull 1b"})
    assert api("agency").get(f"/api/v1/cohorts/{cohort.id}").get_json()[
        "participant_information"] == "Ta med PC\ntil første samling"
