"""Every input to the API is bounded where it enters, in the schemas: out-of-range numbers, dates,
control characters, overlong texts and hostile JSON are a 4xx problem naming the field, never a
server error, and nothing is saved."""
import json
import re

import pytest
from sqlalchemy import func, select

from tests.conftest import login_as
from tracker.api.schemas import MAX_DEPTH, MULTILINE_PATTERN, ONE_LINE_PATTERN
from tracker.bounds import has_control_characters
from tracker.cohorts.models import Cohort
from tracker.groups.models import Enrolment

PROBLEM = "application/problem+json"


def assert_problem(response, status: int, field: str) -> dict:
    assert response.status_code == status, response.get_json()
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert field in body["errors"], body
    return body


def cohort_count(db) -> int:
    return db.session.scalar(select(func.count(Cohort.id)))


def new_cohort(world, **changes):
    body = {"programme": world["kull1"].programme_id, "label": "Kull 5", "ordinal": 5,
            "season": "autumn", "year": 2017, "start_date": "2017-09-04"}
    return {**body, **changes}


def test_the_documented_patterns_refuse_exactly_what_the_bounds_refuse():
    # JSON Schema's `$` (ECMA 262) is Python's `\Z`: Python's `$` also matches before a final "\n".
    one_line, multiline = (re.compile(pattern.removesuffix("$") + r"\Z")
                           for pattern in (ONE_LINE_PATTERN, MULTILINE_PATTERN))
    for code in [*range(0, 0x3000), 0xFEFF, 0xFFFD]:
        character = chr(code)
        assert (one_line.match(character) is None) == has_control_characters(character), hex(code)
        assert (multiline.match(character) is None) == has_control_characters(
            character, multiline=True), hex(code)


@pytest.mark.parametrize("value", [2**31, 2**63, 2**80, 10**30])
@pytest.mark.parametrize("resource", ["enrolments", "sessions"])
def test_an_id_past_the_column_in_a_filter_is_a_422_naming_it(api, world, resource, value):
    assert_problem(api("coordinator").get(f"/api/v1/{resource}?cohort={value}"), 422, "cohort")


def test_a_ministry_past_the_column_is_a_422_naming_it(api, world):
    assert_problem(api("coordinator").get(f"/api/v1/sector-overview?ministry={2**63}"), 422,
                   "ministry")


@pytest.mark.parametrize("page", [2**31, 2**63, 10**30])
def test_a_page_past_the_column_is_a_422_naming_it(api, world, page):
    assert_problem(api("coordinator").get(f"/api/v1/cohorts?page={page}"), 422, "page")


def test_a_page_past_the_last_is_a_404(api, world):
    response = api("coordinator").get(f"/api/v1/cohorts?page={2**31 - 1}")
    assert response.status_code == 404 and response.mimetype == PROBLEM


@pytest.mark.parametrize("path", ["cohorts", "organisations", "enrolments", "sessions"])
def test_an_id_past_the_column_in_the_address_is_a_404(api, world, path):
    response = api("coordinator").get(f"/api/v1/{path}/{2**63}")
    assert response.status_code == 404 and response.mimetype == PROBLEM


@pytest.mark.parametrize("field, value", [
    ("programme", 2**31), ("programme", 2**80), ("programme", 0), ("programme", 1e400),
    ("ordinal", 2**31), ("ordinal", -1), ("ordinal", 2**80), ("ordinal", 1e400), ("ordinal", 1.5),
    ("ordinal", "5"), ("year", 2**63), ("year", 1e400), ("capacity", 2**63), ("capacity", 51),
    ("label", 1e400),
])
def test_huge_numbers_are_a_422_naming_the_field(api, world, db, field, value):
    before = cohort_count(db)
    # Python's json writes 1e400 (infinity) as `Infinity`, which Python's parser reads back.
    response = api("coordinator").post("/api/v1/cohorts", data=json.dumps(new_cohort(world, **{field: value})),
                                       content_type="application/json")
    assert_problem(response, 422, field)
    assert cohort_count(db) == before


@pytest.mark.parametrize("number", ["1e400", "-1e400", "1" * 5000, "NaN"])
def test_numbers_written_out_in_the_body_are_refused_too(api, world, db, number):
    body = json.dumps(new_cohort(world, ordinal="ORDINAL")).replace('"ORDINAL"', number)
    response = api("coordinator").post("/api/v1/cohorts", data=body, content_type="application/json")
    assert response.status_code in (400, 422), response.get_json()
    assert set(response.get_json()["errors"]) <= {"ordinal", "json"}


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100, 990, 1_000, 3_000, 10_000, 200_000])
def test_deeply_nested_json_is_a_400_naming_the_body(api, world, db, depth):
    before = cohort_count(db)
    response = api("coordinator").post("/api/v1/cohorts", data="[" * depth + "]" * depth,
                                       content_type="application/json")
    assert_problem(response, 400, "json")
    body = json.dumps(new_cohort(world, notes="NESTED")).replace('"NESTED"', "[" * depth + "]" * depth)
    assert_problem(api("coordinator").post("/api/v1/cohorts", data=body, content_type="application/json"),
                   400, "json")
    assert cohort_count(db) == before


@pytest.mark.parametrize("field, value", [
    ("start_date", "1899-12-31"), ("start_date", "2201-01-01"), ("start_date", "9999-12-31"),
    ("start_date", "0001-01-01"), ("planned_end", "9999-12-31"), ("planned_end", "2201-01-01"),
])
def test_dates_outside_the_window_are_a_422_naming_the_field(api, world, db, field, value):
    before = cohort_count(db)
    assert_problem(api("coordinator").post("/api/v1/cohorts", json=new_cohort(world, **{field: value})),
                   422, field)
    assert cohort_count(db) == before


def test_a_far_future_planned_end_cannot_be_set_by_a_change_either(api, world, db):
    cohort = world["kull1"]
    response = api("coordinator").patch(f"/api/v1/cohorts/{cohort.id}",
                                        json={"version": cohort.version, "planned_end": "9999-12-31"})
    assert_problem(response, 422, "planned_end")
    assert db.session.scalar(select(Cohort.planned_end).where(Cohort.id == cohort.id)).year < 2200


@pytest.mark.parametrize("label", ["Kull\x005", "Kull\n5", "Kull\r5", "Kull\x1b[31m5", "Kull\u20285",
                                   "Kull\x7f5", "Kull 5\n", "\ud800"])
def test_control_characters_and_line_breaks_in_a_label_are_a_422_naming_it(api, world, db, label):
    before = cohort_count(db)
    assert_problem(api("coordinator").post("/api/v1/cohorts", json=new_cohort(world, label=label)),
                   422, "label")
    assert cohort_count(db) == before


def test_a_label_of_only_spaces_is_refused_and_an_overlong_one_too(api, world):
    assert_problem(api("coordinator").post("/api/v1/cohorts", json=new_cohort(world, label="   ")),
                   422, "label")
    assert_problem(api("coordinator").post("/api/v1/cohorts", json=new_cohort(world, label="K" * 61)),
                   422, "label")


def test_notes_keep_their_line_breaks_and_tabs(api, world, db):
    response = api("coordinator").post("/api/v1/cohorts",
                                       json=new_cohort(world, notes="Første linje\r\n\tandre linje"))
    assert response.status_code == 201, response.get_json()
    assert db.session.get(Cohort, response.get_json()["id"]).notes == "Første linje\r\n\tandre linje"


@pytest.mark.parametrize("notes", ["Kull\x005", "\x1b[2J", "a\x0cb", "a\u2029b"])
def test_notes_refuse_the_other_control_characters(api, world, db, make_organisation, notes):
    before = db.session.scalar(select(func.count(Enrolment.id)))
    response = api("coordinator").post("/api/v1/enrolments", json={
        "cohort": world["kull1"].id, "organisation": make_organisation().id, "notes": notes})
    assert_problem(response, 422, "notes")
    assert db.session.scalar(select(func.count(Enrolment.id))) == before
    cohort = world["kull1"]
    response = api("coordinator").patch(f"/api/v1/cohorts/{cohort.id}",
                                        json={"version": cohort.version, "notes": notes})
    assert_problem(response, 422, "notes")


def test_attendance_is_bounded_in_its_entries_ids_and_notes(api, world, db):
    session = world["joint_in"]
    path = f"/api/v1/sessions/{session.id}/attendance"
    person = world["udir_person"].id

    def put(attendance, version=session.version):
        return api("coordinator").put(path, json={"version": version, "attendance": attendance})

    assert_problem(put([{"person": 2**63, "status": "present"}]), 422, "attendance.0.person")
    assert_problem(put([{"person": person, "status": "absent", "note": "syk\x00"}]), 422,
                   "attendance.0.note")
    assert_problem(put([{"person": person, "status": "present"}] * 501), 422, "attendance")
    assert_problem(put([], version=2**80), 422, "version")


def test_the_bounds_are_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    facts = schemas["CohortCreateInput"]["properties"]
    assert facts["label"]["maxLength"] == 60 and facts["label"]["pattern"] == ONE_LINE_PATTERN
    assert facts["notes"]["maxLength"] == 2000 and facts["notes"]["pattern"] == MULTILINE_PATTERN
    assert facts["programme"]["maximum"] == 2**31 - 1 and facts["programme"]["minimum"] == 1
    assert facts["capacity"]["maximum"] == 50
    assert "1900-01-01" in facts["start_date"]["description"]
    assert schemas["AttendanceInput"]["properties"]["attendance"]["maxItems"] == 500
    query = {parameter["name"]: parameter["schema"]
             for parameter in document["paths"]["/api/v1/sessions"]["get"]["parameters"]}
    assert query["page"]["maximum"] == query["cohort"]["maximum"] == 2**31 - 1


def test_the_refusals_are_in_the_callers_language(api, world, client):
    headers = {**api("coordinator").headers, "Accept-Language": "nb"}
    response = client.post("/api/v1/cohorts", json=new_cohort(world, label="Kull\x005"), headers=headers)
    assert response.get_json()["errors"]["label"] == ["Fjern kontrolltegnene og linjeskiftene fra teksten."]


@pytest.mark.parametrize("language, body, field, message", [
    ("nb", {"colour": "blue"}, "colour", "Ukjent felt."),
    ("nn", {"ordinal": "fem"}, "ordinal", "Oppgi eit heiltal."),
    ("nb", {"season": "winter"}, "season", "Oppgi én av: spring, autumn."),
    ("nn", {"start_date": "i fjor"}, "start_date", "Oppgi ein dato som ÅÅÅÅ-MM-DD."),
    ("en", {"label": None}, "label", "This field cannot be null."),
])
def test_the_libraries_refusals_are_in_the_callers_language_too(api, world, client, language, body,
                                                                  field, message):
    headers = {**api("coordinator").headers, "Accept-Language": language}
    response = client.post("/api/v1/cohorts", json=new_cohort(world, **body), headers=headers)
    assert response.get_json()["errors"][field] == [message]


def test_a_query_parameter_refusal_is_in_the_callers_language(api, client, world):
    headers = {**api("coordinator").headers, "Accept-Language": "nb"}
    response = client.get("/api/v1/cohorts?page=0", headers=headers)
    assert response.get_json()["errors"]["page"] == ["Oppgi et heltall på minst 1."]


def test_the_furthest_dates_the_api_takes_break_no_page(api, world, client):
    """A planned end at the window's edge, through the API, and then the pages and answers
    that read every cohort's dates: the home page, the sector overview, the cohort's page."""
    response = api("coordinator").post("/api/v1/cohorts", json=new_cohort(
        world, start_date="2101-12-31", year=2100, planned_end="2200-12-31"))
    assert response.status_code == 201, response.get_json()
    cohort_id = response.get_json()["id"]
    assert api("coordinator").get("/api/v1/sector-overview").status_code == 200
    assert api("coordinator").get(f"/api/v1/cohorts/{cohort_id}").status_code == 200
    login_as(client, world["users"]["coordinator"])
    for path in ("/", "/reports/sector", f"/cohorts/{cohort_id}"):
        assert client.get(path).status_code == 200, path
