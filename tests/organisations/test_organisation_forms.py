"""Staff add and edit organisations through forms; every refusal re-renders with the field marked."""
import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token, login_as
from tests.html import read
from tracker.organisations.models import Organisation, OrganisationKind

EN = {"Accept-Language": "en"}


def count(db):
    return db.session.scalar(select(func.count(Organisation.id)))


@pytest.fixture
def sector(db, make_organisation):
    """Kunnskapsdepartementet with Utdanningsdirektoratet under it, and Finansdepartementet."""
    kd = make_organisation(name_nb="Kunnskapsdepartementet", name_en="Ministry of Education and Research",
                           short_name="KD", kind=OrganisationKind.MINISTRY, org_number="872417842")
    udir = make_organisation(name_nb="Utdanningsdirektoratet", short_name="Udir", owning_ministry=kd,
                             org_number="970018131")
    fin = make_organisation(name_nb="Finansdepartementet", short_name="FIN", kind=OrganisationKind.MINISTRY)
    db.session.commit()
    return {"kd": kd, "udir": udir, "fin": fin}


def form_data(client, **values):
    data = {
        "name_nb": "Lånekassen", "name_en": "Norwegian State Educational Loan Fund",
        "short_name": "", "org_number": "960 885 406", "kind": "DIRECTORATE",
        "owning_ministry": "", "active_from": "", "active_to": "",
        "csrf_token": csrf_token(client),
    }
    data.update(values)
    return data


def snapshot(db, organisation_id):
    db.session.expire_all()
    o = db.session.get(Organisation, organisation_id)
    return (o.name_nb, o.name_en, o.short_name, o.org_number, o.kind, o.owning_ministry_id,
            o.active_from, o.active_to, o.version)


def field_of(page, name):
    found = page.all("input", id=name) or page.all("select", id=name)
    assert found, name
    return found[0]


# Creating


def test_staff_add_an_agency_under_its_ministry(staff, db, sector):
    response = staff.post("/organisations/new", data=form_data(
        staff, owning_ministry=str(sector["kd"].id), active_from="2001-01-01"))
    assert response.status_code == 302
    lanekassen = db.session.scalar(select(Organisation).where(Organisation.name_nb == "Lånekassen"))
    assert response.headers["Location"].endswith(f"/organisations/{lanekassen.id}")
    assert lanekassen.org_number == "960885406"  # spaces as people write them, digits as stored
    assert lanekassen.owning_ministry_id == sector["kd"].id
    assert lanekassen.kind is OrganisationKind.DIRECTORATE
    assert lanekassen.short_name is None and lanekassen.active_from.isoformat() == "2001-01-01"


def test_the_form_renders_every_field_with_a_label_and_help(staff, sector):
    response = staff.get("/organisations/new", headers=EN)
    assert response.status_code == 200
    page = read(response.data)
    for name in ("name_nb", "name_en", "short_name", "org_number", "kind", "owning_ministry",
                 "active_from", "active_to"):
        assert page.all("label", **{"for": name}), name
        assert page.all("div", id=f"{name}-description"), name
    assert field_of(page, "active_from")["type"] == "date"
    ministries = [o["value"] for o in page.all("option")]
    assert str(sector["kd"].id) in ministries and str(sector["udir"].id) not in ministries


@pytest.mark.parametrize("values, field", [
    ({"name_nb": ""}, "name_nb"),
    ({"name_nb": "   "}, "name_nb"),
    ({"name_nb": "x" * 201}, "name_nb"),
    ({"name_en": "x" * 201}, "name_en"),
    ({"short_name": "x" * 31}, "short_name"),
    ({"org_number": "960885407"}, "org_number"),  # wrong check digit
    ({"org_number": "96088540"}, "org_number"),
    ({"org_number": "ni sifre!"}, "org_number"),
    ({"org_number": "970018131"}, "org_number"),  # Utdanningsdirektoratet has it
    ({"name_nb": "Utdanningsdirektoratet"}, "name_nb"),
    ({"kind": "COUNTY"}, "kind"),
    ({"kind": ""}, "kind"),
    ({"active_from": "2016-13-45"}, "active_from"),
    ({"active_from": "i fjor"}, "active_from"),
    ({"active_from": "2017-01-01", "active_to": "2016-12-31"}, "active_to"),
    ({"owning_ministry": "udir"}, "owning_ministry"),  # an agency's id is not a ministry
    ({"owning_ministry": "999999"}, "owning_ministry"),
    ({"owning_ministry": "abc"}, "owning_ministry"),
    ({"kind": "MINISTRY", "owning_ministry": "kd"}, "owning_ministry"),
])
def test_bad_input_is_refused_with_the_field_marked_and_nothing_saved(staff, db, sector, values, field):
    values = {k: str(sector[v].id) if k == "owning_ministry" and v in sector else v for k, v in values.items()}
    before = count(db)
    response = staff.post("/organisations/new", data=form_data(staff, **values), headers=EN)
    assert response.status_code == 400
    page = read(response.data)
    assert field_of(page, field).get("aria-invalid") == "true"
    assert page.all("div", **{"class": "ds-error-summary"})
    assert field_of(page, "name_en")["value"] == values.get("name_en", "Norwegian State Educational Loan Fund")
    assert count(db) == before


def test_a_wrong_check_digit_says_so(staff, sector):
    response = staff.post("/organisations/new", data=form_data(staff, org_number="960 885 407"), headers=EN)
    page = read(response.data)
    assert "valid check digit" in page.text
    assert field_of(page, "org_number")["value"] == "960 885 407"  # kept as typed


def test_without_csrf_token_nothing_is_saved(staff, db, sector):
    data = form_data(staff)
    del data["csrf_token"]
    assert staff.post("/organisations/new", data=data).status_code == 400
    assert count(db) == 3


# Editing


def edit_data(client, organisation, **values):
    page = read(client.get(f"/organisations/{organisation.id}/edit").data)
    data = {tag["name"]: tag.get("value", "") for tag in page.all("input") if tag.get("name")}
    for select_tag in ("kind", "owning_ministry"):
        data[select_tag] = next((o["value"] for o in page.all("option") if "selected" in o
                                 and o["value"] in option_values(page, select_tag)), "")
    data.pop("lang", None)
    data.pop("next", None)
    data.update(values)
    return data


def option_values(page, select_name):
    # The reader flattens options; these are the values each select offers.
    values = {"kind": {"MINISTRY", "DIRECTORATE", "OTHER"}}
    if select_name in values:
        return values[select_name]
    return {o["value"] for o in page.all("option")} - values["kind"]


def test_the_edit_form_opens_with_the_saved_values(staff, sector):
    page = read(staff.get(f"/organisations/{sector['udir'].id}/edit").data)
    assert field_of(page, "name_nb")["value"] == "Utdanningsdirektoratet"
    assert field_of(page, "org_number")["value"] == "970018131"
    assert page.all("input", id="version")[0]["value"] == "1"
    selected = [o["value"] for o in page.all("option") if "selected" in o]
    assert selected == ["DIRECTORATE", str(sector["kd"].id)]
    # A ministry cannot own itself, so its own form does not offer it.
    page = read(staff.get(f"/organisations/{sector['kd'].id}/edit").data)
    assert str(sector["kd"].id) not in [o["value"] for o in page.all("option")]


def test_staff_edit_an_organisation(staff, db, sector):
    udir = sector["udir"]
    response = staff.post(f"/organisations/{udir.id}/edit", data=edit_data(
        staff, udir, name_en="Norwegian Directorate for Education and Training",
        owning_ministry=str(sector["fin"].id), active_to="2030-12-31"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/organisations/{udir.id}")
    name_nb, name_en, short, number, kind, owner, _, active_to, version = snapshot(db, udir.id)
    assert (name_en, owner, active_to.isoformat(), version) == (
        "Norwegian Directorate for Education and Training", sector["fin"].id, "2030-12-31", 2)
    assert (name_nb, short, number, kind) == ("Utdanningsdirektoratet", "Udir", "970018131",
                                              OrganisationKind.DIRECTORATE)


def test_saving_an_unchanged_form_writes_nothing(staff, db, sector):
    udir = sector["udir"]
    response = staff.post(f"/organisations/{udir.id}/edit", data=edit_data(staff, udir))
    assert response.status_code == 302
    assert snapshot(db, udir.id)[-1] == 1


@pytest.mark.parametrize("values, field", [
    ({"name_nb": ""}, "name_nb"),
    ({"name_nb": "x" * 201}, "name_nb"),
    ({"short_name": "x" * 31}, "short_name"),
    ({"name_nb": "Finansdepartementet"}, "name_nb"),
    ({"org_number": "872417842"}, "org_number"),  # Kunnskapsdepartementet's
    ({"org_number": "970018132"}, "org_number"),
    ({"kind": "EMPIRE"}, "kind"),
    ({"active_from": "2020-02-30"}, "active_from"),
    ({"active_from": "2020-01-01", "active_to": "2019-01-01"}, "active_to"),
    ({"owning_ministry": "udir"}, "owning_ministry"),  # itself, and not a ministry
    ({"owning_ministry": "424242"}, "owning_ministry"),
    ({"kind": "MINISTRY"}, "owning_ministry"),  # still under KD
])
def test_bad_edits_are_refused_and_the_saved_record_stays(staff, db, sector, values, field):
    udir = sector["udir"]
    values = {k: str(sector[v].id) if k == "owning_ministry" and v in sector else v for k, v in values.items()}
    before = snapshot(db, udir.id)
    response = staff.post(f"/organisations/{udir.id}/edit", data=edit_data(staff, udir, **values))
    assert response.status_code == 400
    page = read(response.data)
    assert field_of(page, field).get("aria-invalid") == "true"
    if "name_nb" in values:
        assert field_of(page, "name_nb")["value"] == values["name_nb"]
    assert snapshot(db, udir.id) == before


def test_a_ministry_that_owns_agencies_stays_a_ministry(staff, db, sector):
    kd = sector["kd"]
    before = snapshot(db, kd.id)
    response = staff.post(f"/organisations/{kd.id}/edit", data=edit_data(staff, kd, kind="DIRECTORATE"),
                          headers=EN)
    assert response.status_code == 400
    page = read(response.data)
    assert field_of(page, "kind").get("aria-invalid") == "true"
    assert "owns agencies" in page.text
    assert snapshot(db, kd.id) == before
    # A ministry without agencies may become another kind.
    fin = sector["fin"]
    response = staff.post(f"/organisations/{fin.id}/edit", data=edit_data(staff, fin, kind="OTHER"))
    assert response.status_code == 302
    assert snapshot(db, fin.id)[4] is OrganisationKind.OTHER


def test_the_second_of_two_saves_from_the_same_version_is_a_conflict(app, staff, db, sector, make_user):
    udir = sector["udir"]
    other = app.test_client()
    login_as(other, make_user("admin"))
    mine = edit_data(staff, udir, short_name="UDIR")
    theirs = edit_data(other, udir, name_en="Directorate for Education", short_name="Udir-ny")
    assert mine["version"] == theirs["version"] == "1"
    assert other.post(f"/organisations/{udir.id}/edit", data=theirs).status_code == 302

    response = staff.post(f"/organisations/{udir.id}/edit", data=mine, headers=EN)
    assert response.status_code == 409
    page = read(response.data)
    assert "Someone else changed this" in page.text
    assert "Directorate for Education" in page.text and "Udir-ny" in page.text  # their saved values
    assert field_of(page, "short_name")["value"] == "UDIR"  # what I typed is kept
    assert page.all("input", id="version")[0]["value"] == "2"
    saved = snapshot(db, udir.id)
    assert (saved[1], saved[2], saved[-1]) == ("Directorate for Education", "Udir-ny", 2)


def test_a_form_without_its_version_is_a_conflict(staff, db, sector):
    udir = sector["udir"]
    data = edit_data(staff, udir, short_name="UDIR")
    del data["version"]
    assert staff.post(f"/organisations/{udir.id}/edit", data=data).status_code == 409
    assert snapshot(db, udir.id)[2] == "Udir"


def test_an_unknown_organisation_is_not_found(staff, sector):
    assert staff.get("/organisations/999999/edit").status_code == 404
    assert staff.post("/organisations/999999/edit", data={"csrf_token": csrf_token(staff)}).status_code == 404


@pytest.mark.parametrize("role", ["agency", "ministry"])
def test_only_staff_may_change_organisations(client, db, make_user, sector, role):
    user = make_user(role, organisation=sector["udir"] if role == "agency" else sector["kd"])
    login_as(client, user)
    assert client.get(f"/organisations/{sector['udir'].id}/edit").status_code == 403
    assert client.post("/organisations/new", data=form_data(client)).status_code == 403
    assert count(db) == 3
    # And the pages they see offer no way to.
    index = read(client.get("/organisations/").data)
    detail = read(client.get(f"/organisations/{sector['udir'].id}").data)
    links = [a.get("href") for a in index.all("a") + detail.all("a")]
    assert "/organisations/new" not in links and "/organisations/import" not in links
    assert f"/organisations/{sector['udir'].id}/edit" not in links


def test_staff_find_the_forms_from_the_pages(staff, sector):
    index = read(staff.get("/organisations/").data)
    links = [a.get("href") for a in index.all("a")]
    assert "/organisations/new" in links and "/organisations/import" in links
    detail = read(staff.get(f"/organisations/{sector['udir'].id}").data)
    assert f"/organisations/{sector['udir'].id}/edit" in [a.get("href") for a in detail.all("a")]
