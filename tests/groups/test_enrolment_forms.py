"""The forms that enrol a group, move it along its statuses and keep notes about it."""
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token, login_as
from tests.html import read
from tracker.groups.models import Enrolment, EnrolmentStatus, EnrolmentStatusChange
from tracker.groups.services import enrol, record_status
from tracker.organisations.models import OrganisationKind

EN = {"Accept-Language": "en"}
S = EnrolmentStatus


@pytest.fixture
def world(db, make_cohort, make_organisation):
    """Kull 1 (autumn 2016) with one group; organisations free to enrol; Kull 2 overlapping Kull 1."""
    kd = make_organisation(name_nb="Kunnskapsdepartementet", short_name="KD", kind=OrganisationKind.MINISTRY)
    udir = make_organisation(name_nb="Utdanningsdirektoratet", short_name="Udir", owning_ministry=kd)
    mattilsynet = make_organisation(name_nb="Mattilsynet")
    other = make_organisation(name_nb="Statens pensjonskasse AS", kind=OrganisationKind.OTHER)
    cohort = make_cohort(label="Kull 1", start_date=date(2016, 9, 1))
    overlapping = make_cohort(label="Kull 2", start_date=date(2016, 10, 3))
    enrolment = enrol(cohort, udir)
    db.session.commit()
    return {"kd": kd, "udir": udir, "mattilsynet": mattilsynet, "other": other, "cohort": cohort,
            "overlapping": overlapping, "enrolment": enrolment}


def counts(db):
    return (db.session.scalar(select(func.count(Enrolment.id))),
            db.session.scalar(select(func.count(EnrolmentStatusChange.id))))


def marked(page, field):
    if field == "organisation":  # a picker of checkboxes, each marked
        boxes = page.all("input", type="checkbox", name=field)
        assert boxes, field
        return boxes[0]
    controls = [a for tag in ("input", "select", "textarea") for a in page.all(tag, id=field)]
    assert len(controls) == 1, field
    return controls[0]


def textarea_text(html: bytes, field: str) -> str:
    text = html.decode()
    start = text.index(">", text.index(f'<textarea aria-describedby="{field}-description')) + 1
    return text[start:text.index("</textarea>", start)].strip()


# Enrolling


def enrol_data(client, chosen, **changes):
    data = {"organisation": str(chosen.id), "status": "INVITED", "notes": "",
            "csrf_token": csrf_token(client)}
    return {**data, **changes}


def test_the_form_offers_ministries_and_agencies_grouped(staff, world):
    response = staff.get(f"/groups/cohorts/{world['cohort'].id}/new", headers=EN)
    assert response.status_code == 200
    page = read(response.data)
    offered = {o["value"] for o in page.all("input", type="checkbox", name="organisation")}
    assert {str(world["kd"].id), str(world["mattilsynet"].id)} <= offered
    assert str(world["other"].id) not in offered
    assert str(world["udir"].id) not in offered  # already in the cohort
    assert "1 of 4 places are taken" in page.text


def test_a_coordinator_enrols_a_group(staff, db, world):
    cohort = world["cohort"]
    response = staff.post(f"/groups/cohorts/{cohort.id}/new", data=enrol_data(
        staff, world["mattilsynet"], status="CONFIRMED", notes=" Kontakt: direktørens stab "))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/cohorts/{cohort.id}"
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.organisation_id == world["mattilsynet"].id))
    assert (enrolment.cohort_id, enrolment.status, enrolment.notes) == (
        cohort.id, S.CONFIRMED, "Kontakt: direktørens stab")
    assert [c.status for c in enrolment.status_history] == [S.CONFIRMED]


@pytest.mark.parametrize("organisation, changes, field", [
    (None, {"organisation": ""}, "organisation"),
    (None, {"organisation": "mattilsynet"}, "organisation"),
    (None, {"organisation": "999999"}, "organisation"),             # no such organisation
    ("other", {}, "organisation"),                                  # not a ministry or agency
    ("udir", {}, "organisation"),                                   # already in this cohort
    ("mattilsynet", {"status": "ACTIVE"}, "status"),                # enters invited or confirmed
    ("mattilsynet", {"status": ""}, "status"),
    ("mattilsynet", {"notes": "x" * 2001}, "notes"),
])
def test_bad_input_is_refused_with_the_field_marked_and_nothing_enrolled(
    staff, db, world, organisation, changes, field
):
    before = counts(db)
    data = enrol_data(staff, world[organisation or "mattilsynet"], **changes)
    response = staff.post(f"/groups/cohorts/{world['cohort'].id}/new", data=data, headers=EN)
    assert response.status_code == 400
    page = read(response.data)
    assert marked(page, field).get("aria-invalid") == "true"
    assert page.all("div", **{"class": "ds-error-summary"})
    if field == "notes":
        assert textarea_text(response.data, "notes") == data["notes"]  # keeps what was typed
    if page.all("input", type="checkbox", value=data["organisation"]):  # an organisation the form offers stays chosen
        assert "checked" in page.all("input", type="checkbox", value=data["organisation"])[0]
    assert counts(db) == before


def test_an_organisation_in_an_overlapping_cohort_is_refused_naming_it(staff, db, world):
    before = counts(db)
    response = staff.post(f"/groups/cohorts/{world['overlapping'].id}/new", headers=EN,
                          data=enrol_data(staff, world["udir"], notes="Ønsker høstkullet"))
    assert response.status_code == 400
    page = read(response.data)
    assert marked(page, "organisation").get("aria-invalid") == "true"
    assert "already takes part in Kull 1" in page.text
    assert "checked" in page.all("input", type="checkbox", value=str(world["udir"].id))[0]  # keeps the choice
    assert textarea_text(response.data, "notes") == "Ønsker høstkullet"
    assert counts(db) == before


def test_a_full_cohort_takes_no_more_groups_until_one_withdraws(staff, db, world, make_organisation):
    cohort = world["cohort"]
    for _ in range(3):
        enrol(cohort, make_organisation())
    db.session.commit()
    before = counts(db)
    response = staff.post(f"/groups/cohorts/{cohort.id}/new", headers=EN,
                          data=enrol_data(staff, world["mattilsynet"]))
    assert response.status_code == 400
    assert "Kull 1 is full: all 4 places are taken." in read(response.data).text
    assert counts(db) == before
    record_status(world["enrolment"], S.WITHDRAWN, reason="Ny direktør")
    db.session.commit()
    response = staff.post(f"/groups/cohorts/{cohort.id}/new", data=enrol_data(staff, world["mattilsynet"]))
    assert response.status_code == 302


def test_enrolling_in_an_unknown_cohort_is_not_found(staff, db, world):
    before = counts(db)
    assert staff.get("/groups/cohorts/999999/new").status_code == 404
    assert staff.post("/groups/cohorts/999999/new", data=enrol_data(staff, world["mattilsynet"])).status_code == 404
    assert counts(db) == before


# Changing status


def status_form(client, enrolment):
    page = read(client.get(f"/groups/{enrolment.id}/status").data)
    return page, page.all("input", name="version")[0]["value"]


@pytest.mark.parametrize("current, offered", [
    (S.INVITED, ["CONFIRMED", "WITHDRAWN"]),
    (S.CONFIRMED, ["ACTIVE", "WITHDRAWN"]),
    (S.ACTIVE, ["COMPLETED", "WITHDRAWN"]),
])
def test_the_form_offers_only_the_allowed_next_statuses(staff, db, world, current, offered):
    enrolment = world["enrolment"]
    if current is not S.INVITED:
        record_status(enrolment, current)
        db.session.commit()
    page, _ = status_form(staff, enrolment)
    assert [o["value"] for o in page.all("option") if o["value"]] == offered


@pytest.mark.parametrize("final", [S.COMPLETED, S.WITHDRAWN])
def test_a_final_status_offers_no_form(staff, db, world, final):
    enrolment = world["enrolment"]
    record_status(enrolment, final, reason="Slutt")
    db.session.commit()
    response = staff.get(f"/groups/{enrolment.id}/status", headers=EN)
    assert response.status_code == 200
    page = read(response.data)
    assert not page.all("select") and "cannot change any more" in page.text
    response = staff.post(f"/groups/{enrolment.id}/status", data={
        "status": "ACTIVE", "reason": "", "version": str(enrolment.version), "csrf_token": csrf_token(staff)})
    assert response.status_code == 400
    db.session.expire_all()
    assert enrolment.status is final


def test_a_coordinator_confirms_a_group(staff, db, world):
    enrolment = world["enrolment"]
    _, version = status_form(staff, enrolment)
    response = staff.post(f"/groups/{enrolment.id}/status", data={
        "status": "CONFIRMED", "reason": "Svar fra direktøren", "version": version,
        "csrf_token": csrf_token(staff)})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/groups/{enrolment.id}"
    db.session.expire_all()
    assert enrolment.status is S.CONFIRMED
    assert [(c.status, c.reason) for c in enrolment.status_history] == [
        (S.INVITED, ""), (S.CONFIRMED, "Svar fra direktøren")]


def test_a_withdrawal_with_its_reason_is_kept_in_the_history(staff, db, world):
    enrolment = world["enrolment"]
    _, version = status_form(staff, enrolment)
    response = staff.post(f"/groups/{enrolment.id}/status", data={
        "status": "WITHDRAWN", "reason": "Omorganisering", "version": version, "csrf_token": csrf_token(staff)})
    assert response.status_code == 302
    page = read(staff.get(f"/groups/{enrolment.id}", headers=EN).data)
    assert "Omorganisering" in page.text


@pytest.mark.parametrize("changes, field", [
    ({"status": "WITHDRAWN", "reason": ""}, "reason"),          # a withdrawal needs a reason
    ({"status": "WITHDRAWN", "reason": "   "}, "reason"),
    ({"status": "COMPLETED"}, "status"),                        # not allowed from invited
    ({"status": "INVITED"}, "status"),
    ({"status": "PAUSED"}, "status"),                           # no such status
    ({"status": ""}, "status"),
    ({"status": "CONFIRMED", "reason": "x" * 501}, "reason"),
])
def test_a_bad_status_change_is_refused_with_the_field_marked_and_nothing_saved(
    staff, db, world, changes, field
):
    enrolment = world["enrolment"]
    before = counts(db)
    _, version = status_form(staff, enrolment)
    data = {"reason": "", "version": version, "csrf_token": csrf_token(staff), **changes}
    response = staff.post(f"/groups/{enrolment.id}/status", data=data, headers=EN)
    assert response.status_code == 400
    page = read(response.data)
    assert marked(page, field).get("aria-invalid") == "true"
    assert page.all("div", **{"class": "ds-error-summary"})
    assert textarea_text(response.data, "reason") == data["reason"].strip()
    db.session.expire_all()
    assert enrolment.status is S.INVITED and counts(db) == before


def test_a_refused_step_is_explained(staff, db, world):
    enrolment = world["enrolment"]
    _, version = status_form(staff, enrolment)
    response = staff.post(f"/groups/{enrolment.id}/status", headers=EN, data={
        "status": "WITHDRAWN", "reason": "", "version": version, "csrf_token": csrf_token(staff)})
    assert "Give the reason the group withdraws." in read(response.data).text
    response = staff.post(f"/groups/{enrolment.id}/status", headers=EN, data={
        "status": "COMPLETED", "reason": "", "version": version, "csrf_token": csrf_token(staff)})
    assert "A group cannot go from Invited to Completed." in read(response.data).text


def test_two_coordinators_change_the_status_at_once_and_the_second_gets_a_conflict(
    app, staff, db, world, make_user
):
    enrolment = world["enrolment"]
    other = app.test_client()
    login_as(other, make_user("admin"))
    (_, mine), (_, theirs) = status_form(staff, enrolment), status_form(other, enrolment)
    first = staff.post(f"/groups/{enrolment.id}/status", data={
        "status": "CONFIRMED", "reason": "Ja takk", "version": mine, "csrf_token": csrf_token(staff)})
    assert first.status_code == 302
    second = other.post(f"/groups/{enrolment.id}/status", headers=EN, data={
        "status": "WITHDRAWN", "reason": "Nei takk", "version": theirs, "csrf_token": csrf_token(other)})
    assert second.status_code == 409
    page = read(second.data)
    assert "Saved by someone else" in page.text and "Ja takk" in page.text and "Confirmed" in page.text
    assert textarea_text(second.data, "reason") == "Nei takk"
    assert [o["value"] for o in page.all("option") if o["value"]] == ["ACTIVE", "WITHDRAWN"]
    db.session.expire_all()
    assert enrolment.status is S.CONFIRMED
    assert [c.reason for c in enrolment.status_history] == ["", "Ja takk"]


def test_an_unknown_group_is_not_found(staff, world):
    for path in ("/groups/999999/status", "/groups/999999/edit"):
        assert staff.get(path).status_code == 404
        assert staff.post(path, data={"status": "CONFIRMED", "notes": "x", "version": "1",
                                      "csrf_token": csrf_token(staff)}).status_code == 404


# Notes


def test_a_coordinator_edits_the_notes(staff, db, world):
    enrolment = world["enrolment"]
    response = staff.get(f"/groups/{enrolment.id}/edit")
    version = read(response.data).all("input", name="version")[0]["value"]
    response = staff.post(f"/groups/{enrolment.id}/edit", data={
        "notes": "Møter helst på fredager", "version": version, "csrf_token": csrf_token(staff)})
    assert response.status_code == 302
    db.session.expire_all()
    assert enrolment.notes == "Møter helst på fredager"
    assert "Møter helst på fredager" in read(staff.get(f"/groups/{enrolment.id}").data).text


def test_notes_that_are_too_long_are_refused_and_kept_in_the_form(staff, db, world):
    enrolment = world["enrolment"]
    response = staff.post(f"/groups/{enrolment.id}/edit", data={
        "notes": "x" * 2001, "version": str(enrolment.version), "csrf_token": csrf_token(staff)})
    assert response.status_code == 400
    assert marked(read(response.data), "notes").get("aria-invalid") == "true"
    assert textarea_text(response.data, "notes") == "x" * 2001
    db.session.expire_all()
    assert enrolment.notes == "" and enrolment.version == 1


def test_two_coordinators_edit_the_notes_at_once_and_the_second_gets_a_conflict(app, staff, db, world, make_user):
    enrolment = world["enrolment"]
    other = app.test_client()
    login_as(other, make_user("admin"))
    url = f"/groups/{enrolment.id}/edit"
    mine = read(staff.get(url).data).all("input", name="version")[0]["value"]
    theirs = read(other.get(url).data).all("input", name="version")[0]["value"]
    assert staff.post(url, data={"notes": "Først", "version": mine, "csrf_token": csrf_token(staff)}).status_code == 302
    second = other.post(url, headers=EN, data={"notes": "Sist", "version": theirs, "csrf_token": csrf_token(other)})
    assert second.status_code == 409
    page = read(second.data)
    assert "Saved by someone else" in page.text and "Først" in page.text
    assert textarea_text(second.data, "notes") == "Sist"
    db.session.expire_all()
    assert enrolment.notes == "Først"


def test_staff_find_the_actions_on_the_group_page_and_others_do_not(client, db, world, make_user):
    enrolment = world["enrolment"]
    enrolment.notes = "Intern merknad"
    db.session.commit()
    login_as(client, make_user("coordinator"))
    page = read(client.get(f"/groups/{enrolment.id}").data)
    hrefs = {a.get("href") for a in page.all("a")}
    assert {f"/groups/{enrolment.id}/status", f"/groups/{enrolment.id}/edit"} <= hrefs
    assert "Intern merknad" in page.text
    login_as(client, make_user("agency", organisation=world["udir"]))
    page = read(client.get(f"/groups/{enrolment.id}").data)
    assert not {f"/groups/{enrolment.id}/status", f"/groups/{enrolment.id}/edit"} & {a.get("href") for a in page.all("a")}
    assert "Intern merknad" not in page.text
    for path in (f"/groups/{enrolment.id}/status", f"/groups/{enrolment.id}/edit",
                 f"/groups/cohorts/{world['cohort'].id}/new"):
        assert client.get(path).status_code == 403
