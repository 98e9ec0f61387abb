"""The forms that create and edit a cohort: what they save, what they refuse, and lost updates."""
import re
from datetime import date

import pytest
from flask import url_for
from sqlalchemy import func, select

from tests.conftest import csrf_token, login_as
from tests.html import read, tables_outside_scroll_regions
from tracker.cohorts.models import Cohort, Season
from tracker.cohorts.routes import AFTER_CREATE
from tracker.groups.services import enrol

EN = {"Accept-Language": "en"}


@pytest.fixture
def programme(db, make_programme):
    programme = make_programme()
    db.session.commit()
    return programme


def cohort_count(db):
    return db.session.scalar(select(func.count(Cohort.id)))


def new_cohort_data(client, chosen, **changes):
    data = {"programme": str(chosen.id), "label": "Kull 5", "ordinal": "5", "season": "AUTUMN",
            "year": "2017", "start_date": "2017-09-04", "planned_end": "", "capacity": "", "notes": "",
            "csrf_token": csrf_token(client)}
    return {**data, **changes}


def marked(page, field):
    """The field's control, which must be marked invalid."""
    controls = [a for tag in ("input", "select", "textarea") for a in page.all(tag, id=field)]
    assert len(controls) == 1, field
    return controls[0]


# Creating


def test_the_form_preselects_the_only_programme(staff, programme):
    response = staff.get("/cohorts/new", headers=EN)
    assert response.status_code == 200
    page = read(response.data)
    assert page.count("h1") == 1 and "New cohort" in page.title
    options = page.all("option")
    assert {"value": str(programme.id), "selected": None} in options
    assert not page.all("option", value="")  # nothing to choose between


def test_with_two_programmes_the_coordinator_must_choose(staff, db, programme, make_programme):
    make_programme(name_nb="Program for mellomledere", name_en="Middle managers",
                   responsible_organisation=programme.responsible_organisation)
    db.session.commit()
    page = read(staff.get("/cohorts/new").data)
    assert page.all("option", value="")
    assert not [o for o in page.all("option") if "selected" in o]


def test_a_coordinator_creates_a_cohort_with_the_programmes_defaults(app, staff, db, programme):
    response = staff.post("/cohorts/new", data=new_cohort_data(staff, programme, notes="  Nytt kull  "))
    assert response.status_code == 302
    cohort = db.session.scalar(select(Cohort))
    with app.test_request_context():
        assert response.headers["Location"] == url_for(AFTER_CREATE, cohort_id=cohort.id)
    assert (cohort.label, cohort.ordinal, cohort.season, cohort.year, cohort.start_date,
            cohort.planned_end, cohort.capacity, cohort.notes) == (
        "Kull 5", 5, Season.AUTUMN, 2017, date(2017, 9, 4), date(2018, 7, 4), 4, "Nytt kull")


def test_a_given_end_and_capacity_are_kept(staff, db, programme):
    response = staff.post("/cohorts/new", data=new_cohort_data(
        staff, programme, planned_end="2018-06-15", capacity="6"))
    assert response.status_code == 302
    cohort = db.session.scalar(select(Cohort))
    assert (cohort.planned_end, cohort.capacity) == (date(2018, 6, 15), 6)


@pytest.mark.parametrize("changes, field", [
    ({"label": ""}, "label"),
    ({"label": "   "}, "label"),
    ({"label": "K" * 61}, "label"),
    ({"label": "Kull 1"}, "label"),              # another cohort's
    ({"ordinal": ""}, "ordinal"),
    ({"ordinal": "fem"}, "ordinal"),
    ({"ordinal": "-1"}, "ordinal"),
    ({"ordinal": "1"}, "ordinal"),               # another cohort's
    ({"season": "WINTER"}, "season"),
    ({"year": ""}, "year"),
    ({"year": "2017.5"}, "year"),
    ({"year": "1999"}, "year"),
    ({"year": "2101"}, "year"),
    ({"year": "2019"}, "year"),                  # the start is in 2017
    ({"start_date": ""}, "start_date"),
    ({"start_date": "2017-13-40"}, "start_date"),
    ({"start_date": "4. september"}, "start_date"),
    ({"planned_end": "2017-09-04"}, "planned_end"),  # the start date
    ({"planned_end": "2017-06-01"}, "planned_end"),  # before the start
    ({"planned_end": "snart"}, "planned_end"),
    ({"capacity": "0"}, "capacity"),
    ({"capacity": "51"}, "capacity"),
    ({"capacity": "fire"}, "capacity"),
    ({"notes": "x" * 2001}, "notes"),
    ({"programme": "999999"}, "programme"),      # no such programme
    ({"programme": ""}, "programme"),
])
def test_bad_input_is_refused_with_the_field_marked_and_nothing_created(
    staff, db, programme, make_cohort, changes, field
):
    make_cohort(programme=programme, label="Kull 1", ordinal=1)
    db.session.commit()
    before = cohort_count(db)
    data = new_cohort_data(staff, programme, **changes)
    response = staff.post("/cohorts/new", data=data, headers=EN)
    assert response.status_code == 400
    page = read(response.data)
    assert marked(page, field).get("aria-invalid") == "true"
    assert page.all("div", **{"class": "ds-error-summary"})
    assert page.all("a", href=f"#{field}")  # the summary links to the field
    for name in ("label", "ordinal", "year", "start_date", "capacity"):
        typed = data[name].strip() if name == "label" else data[name]  # labels are trimmed
        assert page.all("input", id=name)[0].get("value", "") == typed, name  # keeps what was typed
    assert cohort_count(db) == before


def test_a_refusal_says_why_in_the_readers_language(staff, db, programme):
    response = staff.post("/cohorts/new", headers=EN,
                          data=new_cohort_data(staff, programme, planned_end="2017-01-01"))
    assert "The planned end must be after the start date." in read(response.data).text


def test_without_the_csrf_token_nothing_is_created(staff, db, programme):
    data = new_cohort_data(staff, programme)
    del data["csrf_token"]
    assert staff.post("/cohorts/new", data=data).status_code == 400
    assert cohort_count(db) == 0


@pytest.mark.parametrize("role", ["agency", "ministry"])
def test_only_staff_create_cohorts(client, db, make_user, programme, role):
    login_as(client, make_user(role))
    assert client.get("/cohorts/new").status_code == 403
    assert client.post("/cohorts/new", data=new_cohort_data(client, programme)).status_code == 403
    assert cohort_count(db) == 0


# Editing


@pytest.fixture
def cohort(db, make_cohort, programme):
    cohort = make_cohort(programme=programme, label="Kull 2", ordinal=2, start_date=date(2016, 9, 1),
                         notes="Fire grupper")
    db.session.commit()
    return cohort


def edit_data(client, cohort, version, **changes):
    data = {"label": cohort.label, "ordinal": str(cohort.ordinal), "season": cohort.season.name,
            "year": str(cohort.year), "start_date": cohort.start_date.isoformat(),
            "planned_end": cohort.planned_end.isoformat(), "capacity": str(cohort.capacity),
            "notes": cohort.notes, "version": str(version), "csrf_token": csrf_token(client)}
    return {**data, **changes}


def opened_version(client, cohort) -> str:
    page = read(client.get(f"/cohorts/{cohort.id}/edit").data)
    return page.all("input", name="version")[0]["value"]


def test_the_edit_form_shows_the_saved_values(staff, cohort):
    response = staff.get(f"/cohorts/{cohort.id}/edit", headers=EN)
    assert response.status_code == 200
    page = read(response.data)
    assert page.all("input", id="label")[0]["value"] == "Kull 2"
    assert page.all("input", id="start_date")[0] == {
        "class": "ds-input", "id": "start_date", "name": "start_date", "type": "date",
        "value": "2016-09-01", "required": None, "aria-describedby": "start_date-description"}
    assert page.all("input", name="version")[0]["value"] == "1"
    assert not page.all("select", id="programme")  # a cohort stays in its programme
    assert "does not move the cohort's sessions" in page.text


def test_a_coordinator_edits_a_cohort(staff, db, cohort):
    version = opened_version(staff, cohort)
    response = staff.post(f"/cohorts/{cohort.id}/edit", data=edit_data(
        staff, cohort, version, label="Kull 2 (høst)", start_date="2016-09-05", planned_end="",
        capacity="5", notes="Flyttet en uke"))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/cohorts/{cohort.id}"
    db.session.expire_all()
    assert (cohort.label, cohort.start_date, cohort.planned_end, cohort.capacity, cohort.notes,
            cohort.version) == ("Kull 2 (høst)", date(2016, 9, 5), date(2017, 7, 5), 5, "Flyttet en uke", 2)


@pytest.mark.parametrize("changes, field", [
    ({"label": ""}, "label"),
    ({"label": "K" * 61}, "label"),
    ({"label": "Kull 1"}, "label"),
    ({"ordinal": "to"}, "ordinal"),
    ({"year": "2018"}, "year"),
    ({"year": "1999"}, "year"),
    ({"start_date": "2016-02-30"}, "start_date"),
    ({"planned_end": "2016-09-01"}, "planned_end"),
    ({"planned_end": "2016-03-01"}, "planned_end"),
    ({"capacity": "1"}, "capacity"),   # two groups are enrolled
    ({"capacity": "x"}, "capacity"),
    ({"season": ""}, "season"),
    ({"notes": "x" * 2001}, "notes"),
    ({"participant_information": "x" * 2001}, "participant_information"),
])
def test_a_bad_edit_is_refused_with_the_field_marked_and_nothing_saved(
    staff, db, cohort, make_cohort, make_organisation, changes, field
):
    make_cohort(programme=cohort.programme, label="Kull 1", ordinal=1)
    enrol(cohort, make_organisation())
    enrol(cohort, make_organisation())
    db.session.commit()
    data = edit_data(staff, cohort, opened_version(staff, cohort), **changes)
    response = staff.post(f"/cohorts/{cohort.id}/edit", data=data)
    assert response.status_code == 400
    page = read(response.data)
    assert marked(page, field).get("aria-invalid") == "true"
    assert page.all("div", **{"class": "ds-error-summary"})
    for name in ("label", "ordinal", "year", "start_date", "planned_end", "capacity"):
        assert page.all("input", id=name)[0].get("value", "") == data[name], name
    db.session.expire_all()
    assert (cohort.label, cohort.year, cohort.planned_end, cohort.capacity, cohort.version) == (
        "Kull 2", 2016, date(2017, 7, 1), 4, 1)


def test_two_coordinators_edit_at_once_and_the_second_gets_a_conflict(app, staff, db, cohort, make_user):
    other = app.test_client()
    login_as(other, make_user("admin"))
    mine, theirs = opened_version(staff, cohort), opened_version(other, cohort)
    first = staff.post(f"/cohorts/{cohort.id}/edit", data=edit_data(staff, cohort, mine, notes="Først lagret"))
    assert first.status_code == 302
    second = other.post(f"/cohorts/{cohort.id}/edit", headers=EN,
                        data=edit_data(other, cohort, theirs, notes="Sist lagret", capacity="6"))
    assert second.status_code == 409
    page = read(second.data)
    assert "Saved by someone else" in page.text and "Først lagret" in page.text  # the saved values
    assert "Sist lagret" in page.text  # what they typed is kept...
    assert page.all("input", id="capacity")[0]["value"] == "6"
    assert page.all("input", name="version")[0]["value"] == "2"  # ...and saving again replaces on purpose
    db.session.expire_all()
    assert (cohort.notes, cohort.capacity, cohort.version) == ("Først lagret", 4, 2)
    again = other.post(f"/cohorts/{cohort.id}/edit", data=edit_data(other, cohort, "2", notes="Sist lagret"))
    assert again.status_code == 302
    db.session.expire_all()
    assert cohort.notes == "Sist lagret"


def test_a_form_without_a_version_is_a_conflict(staff, db, cohort):
    data = edit_data(staff, cohort, "", notes="Uten versjon")
    assert staff.post(f"/cohorts/{cohort.id}/edit", data=data).status_code == 409
    db.session.expire_all()
    assert cohort.notes == "Fire grupper"


def test_an_unknown_cohort_is_not_found(staff, cohort):
    assert staff.get("/cohorts/999999/edit").status_code == 404
    assert staff.post("/cohorts/999999/edit", data=edit_data(staff, cohort, "1")).status_code == 404


def test_staff_find_the_actions_on_the_cohort_page_and_others_do_not(client, db, cohort, make_user,
                                                                     make_organisation):
    enrolment = enrol(cohort, make_organisation())
    db.session.commit()
    login_as(client, make_user("coordinator"))
    page = read(client.get(f"/cohorts/{cohort.id}", headers=EN).data)
    hrefs = {a.get("href") for a in page.all("a")}
    assert {f"/cohorts/{cohort.id}/edit", f"/groups/cohorts/{cohort.id}/new",
            f"/groups/{enrolment.id}/status"} <= hrefs
    login_as(client, make_user("agency", organisation=enrolment.organisation))
    hrefs = {a.get("href") for a in read(client.get(f"/cohorts/{cohort.id}").data).all("a")}
    assert not {f"/cohorts/{cohort.id}/edit", f"/groups/cohorts/{cohort.id}/new",
                f"/groups/{enrolment.id}/status"} & hrefs


# The coordinators' notes and the information for participants


def test_a_coordinator_writes_the_information_for_participants_apart_from_the_notes(staff, db, cohort):
    html = staff.get(f"/cohorts/{cohort.id}/edit", headers=EN).get_data(as_text=True)
    assert "Information for participants" in html and "Coordinators&#39; notes" in html
    assert "Only coordinators and administrators see them." in html
    response = staff.post(f"/cohorts/{cohort.id}/edit", data=edit_data(
        staff, cohort, opened_version(staff, cohort), notes="Budsjettet er stramt",
        participant_information="  Ta med PC til første samling  "))
    assert response.status_code == 302
    db.session.expire_all()
    assert (cohort.notes, cohort.participant_information) == ("Budsjettet er stramt",
                                                               "Ta med PC til første samling")
    page = staff.get(f"/cohorts/{cohort.id}", headers=EN).get_data(as_text=True)
    assert "Information for participants" in page and "Ta med PC til første samling" in page


def test_a_new_cohort_takes_its_information_for_participants(staff, db, programme):
    response = staff.post("/cohorts/new", data=new_cohort_data(
        staff, programme, participant_information="Oppstart på Difi"))
    assert response.status_code == 302
    assert db.session.scalar(select(Cohort.participant_information).where(Cohort.label == "Kull 5")) \
        == "Oppstart på Difi"


def blocks_keeping_lines(html: str) -> list[str]:
    """The text of each block the page draws with its line breaks kept."""
    return [match.group(1) for match in
            re.finditer(r'<p class="[^"]*\bkeeps-lines\b[^"]*">(.*?)</p>', html, re.DOTALL)]


def test_the_cohort_page_keeps_the_line_breaks_of_both_texts(staff, db, cohort):
    cohort.participant_information = "Ta med PC.\nOppmøte 09:00.\n\nLunsj serveres."
    cohort.notes = "Budsjettet er stramt.\nRing Difi."
    db.session.commit()
    html = staff.get(f"/cohorts/{cohort.id}", headers=EN).get_data(as_text=True)
    assert blocks_keeping_lines(html) == ["Ta med PC.\nOppmøte 09:00.\n\nLunsj serveres.",
                                          "Budsjettet er stramt.\nRing Difi."]
    # The page's stylesheet is what keeps them: a browser folds line breaks in text otherwise.
    css = staff.get("/static/css/tracker.css").get_data(as_text=True)
    assert re.search(r"\.keeps-lines\s*\{[^}]*white-space:\s*pre-line", css)


def test_the_cohort_page_says_the_coordinators_notes_are_hidden_from_participants(
        client, db, cohort, make_user, make_organisation):
    enrolment = enrol(cohort, make_organisation())
    cohort.participant_information = "Ta med PC."
    db.session.commit()
    login_as(client, make_user("coordinator"))
    html = client.get(f"/cohorts/{cohort.id}", headers=EN).get_data(as_text=True)
    notes = html[html.index('id="coordinators-notes"'):]
    assert notes.index("Only coordinators and administrators see these.") < notes.index("Fire grupper")
    html = client.get(f"/cohorts/{cohort.id}", headers={"Accept-Language": "nb"}).get_data(as_text=True)
    assert "Bare koordinatorer og administratorer ser disse." in html
    login_as(client, make_user("agency", organisation=enrolment.organisation))
    html = client.get(f"/cohorts/{cohort.id}", headers=EN).get_data(as_text=True)
    assert "Ta med PC." in html
    assert "Fire grupper" not in html and "Only coordinators and administrators" not in html


def test_every_table_on_the_cohort_page_scrolls_in_its_own_region(client, db, cohort, make_user,
                                                                   make_organisation):
    """At 390 px the groups' and sessions' tables made the page 700 to 1,100 px wide."""
    enrolment = enrol(cohort, make_organisation())
    db.session.commit()
    for user in (make_user("coordinator"), make_user("agency", organisation=enrolment.organisation)):
        login_as(client, user)
        tables, outside = tables_outside_scroll_regions(
            client.get(f"/cohorts/{cohort.id}", headers=EN).get_data(as_text=True))
        assert tables >= 1 and outside == 0
    css = client.get("/static/css/tracker.css").get_data(as_text=True)
    assert re.search(r"\.table-scroll\s*\{[^}]*position:\s*relative", css)
