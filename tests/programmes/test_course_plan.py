"""The programme page, its course plan and assessment dimensions, and the forms that change them."""
import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token, login_as
from tests.html import read
from tracker.assessments.models import AssessmentDimension
from tracker.domain import DomainError
from tracker.programmes.models import CourseModule, ModuleKind
from tracker.programmes.services import add_module, move_module, update_programme

EN = {"Accept-Language": "en"}


def module(programme, position, name, *, kind=ModuleKind.JOINT_GATHERING, joint=True, offset=0, **kwargs):
    return CourseModule(programme=programme, position=position, name_nb=name, name_en=f"{name} (en)",
                        kind=kind, is_joint=joint, offset_weeks=offset, **kwargs)


@pytest.fixture
def programme(db, make_programme):
    programme = make_programme(description_nb="Strategisk ledelse.", description_en="Strategic leadership.")
    db.session.add_all([
        module(programme, 1, "Oppstart", kind=ModuleKind.ASSESSMENT, joint=False, offset=0),
        module(programme, 2, "Fellessamling 1", offset=8, duration_days=2, hours_per_day=7),
        module(programme, 3, "Gruppearbeid", kind=ModuleKind.GROUP_WORK, joint=False, offset=12),
    ])
    db.session.add(AssessmentDimension(programme=programme, position=1, name_nb="Felles mål",
                                       name_en="Shared goals", description_en="Do we agree on where we go?"))
    db.session.commit()
    return programme


def positions(db, programme):
    db.session.expire_all()
    return [(m.position, m.name_nb) for m in db.session.scalars(
        select(CourseModule).where(CourseModule.programme_id == programme.id).order_by(CourseModule.position))]


def fresh(db, record):
    db.session.expire_all()
    return db.session.get(type(record), record.id)


def post(client, url, data):
    return client.post(url, data={**data, "csrf_token": csrf_token(client)}, headers=EN)


def marked(page, tag, field_id) -> bool:
    found = page.all(tag, id=field_id)
    return bool(found) and found[0].get("aria-invalid") == "true"


# The programme page


def test_the_programme_page_shows_facts_course_plan_and_dimensions(staff, programme):
    response = staff.get(f"/programmes/{programme.id}", headers=EN)
    assert response.status_code == 200
    page = read(response.data)
    assert page.count("h1") == 1 and "Programme for top-management groups" in page.text
    assert "Strategic leadership." in page.text and "10 months" in page.text and "Difi" in page.text
    text = page.text
    assert text.index("Oppstart (en)") < text.index("Fellessamling 1 (en)") < text.index("Gruppearbeid (en)")
    assert "Joint gathering" in text and "Per group" in text and "Group work and coaching" in text
    assert "Shared goals" in text and "Do we agree on where we go?" in text
    assert all(th.get("scope") in ("col", "row") for th in page.all("th"))
    assert page.all("a", href=f"/programmes/{programme.id}/edit")
    assert page.all("a", href=f"/programmes/{programme.id}/modules/new")
    assert page.all("a", href=f"/programmes/{programme.id}/dimensions/new")


@pytest.mark.parametrize("role", ["agency", "ministry"])
def test_every_signed_in_user_sees_the_course_plan_but_no_edit_links(client, make_user, programme, role):
    login_as(client, make_user(role))
    response = client.get(f"/programmes/{programme.id}", headers=EN)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Fellessamling 1 (en)" in html
    assert "/edit" not in html and "/move" not in html and "/new" not in html
    assert client.get(f"/programmes/{programme.id}/edit").status_code == 403


def test_an_unknown_programme_is_not_found(staff):
    assert staff.get("/programmes/999999").status_code == 404
    assert staff.get("/programmes/999999/edit").status_code == 404


def test_the_programme_page_loads_in_a_fixed_number_of_queries(staff, db, programme, count_queries):
    url = f"/programmes/{programme.id}"
    staff.get(url)
    with count_queries() as few:
        staff.get(url)
    db.session.add_all([module(programme, n, f"Modul {n}", offset=n) for n in range(4, 16)])
    db.session.add_all([AssessmentDimension(programme=programme, position=n, name_nb=f"D{n}", name_en=f"D{n}")
                        for n in range(2, 10)])
    db.session.commit()
    with count_queries() as many:
        staff.get(url)
    assert many["n"] == few["n"]


# Editing the programme


def programme_data(programme, **changes):
    data = {"name_nb": programme.name_nb, "name_en": programme.name_en,
            "responsible_organisation": str(programme.responsible_organisation_id),
            "course_length_months": "10", "groups_per_cohort": "4",
            "description_nb": "Ny beskrivelse.", "description_en": "New description.", "version": "1"}
    return {**data, **changes}


def test_a_coordinator_edits_the_programme(staff, db, programme, make_organisation):
    dfo = make_organisation(name_nb="Direktoratet for økonomistyring", short_name="DFØ")
    db.session.commit()
    form = read(staff.get(f"/programmes/{programme.id}/edit").data)
    assert form.all("input", id="version")[0]["value"] == "1"
    assert form.all("input", id="name_nb")[0]["value"] == "Program for toppledergrupper"
    response = post(staff, f"/programmes/{programme.id}/edit", programme_data(
        programme, name_en="  Top-management groups  ", responsible_organisation=str(dfo.id),
        course_length_months="11", groups_per_cohort="5"))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/programmes/{programme.id}"
    saved = fresh(db, programme)
    assert (saved.name_en, saved.responsible_organisation_id, saved.course_length_months, saved.groups_per_cohort,
            saved.description_en) == ("Top-management groups", dfo.id, 11, 5, "New description.")
    assert saved.version == 2


@pytest.mark.parametrize("changes, tag, field", [
    ({"name_nb": "  "}, "input", "name_nb"),
    ({"name_en": "x" * 201}, "input", "name_en"),
    ({"course_length_months": "ti"}, "input", "course_length_months"),
    ({"course_length_months": "0"}, "input", "course_length_months"),
    ({"course_length_months": "37"}, "input", "course_length_months"),
    ({"groups_per_cohort": "51"}, "input", "groups_per_cohort"),
    ({"groups_per_cohort": ""}, "input", "groups_per_cohort"),
    ({"responsible_organisation": "999999"}, "select", "responsible_organisation"),
    ({"responsible_organisation": ""}, "select", "responsible_organisation"),
    ({"description_en": "x" * 5001}, "textarea", "description_en"),
    # Module 3 starts 12 weeks in: a course of two months (at most 62 days) ends before it.
    ({"course_length_months": "2"}, "input", "course_length_months"),
])
def test_bad_programme_input_is_refused_with_the_field_marked(staff, db, programme, changes, tag, field):
    response = post(staff, f"/programmes/{programme.id}/edit", programme_data(programme, **changes))
    assert response.status_code == 400
    page = read(response.data)
    assert marked(page, tag, field)
    assert page.all("div", **{"class": "ds-error-summary"})
    if tag == "input" and changes[field].strip():
        assert page.all("input", id=field)[0]["value"] == changes[field]  # keeps what was typed
    saved = fresh(db, programme)
    assert (saved.version, saved.course_length_months, saved.description_nb) == (1, 10, "Strategisk ledelse.")


def test_a_second_programme_cannot_take_the_first_ones_name(staff, db, programme, make_programme):
    other = make_programme(name_nb="Program for mellomledere", name_en="Middle managers",
                           responsible_organisation=programme.responsible_organisation)
    db.session.commit()
    response = post(staff, f"/programmes/{other.id}/edit", programme_data(other, name_nb=programme.name_nb))
    assert response.status_code == 400
    page = read(response.data)
    assert marked(page, "input", "name_nb") and "Another programme has this name." in page.text
    assert fresh(db, other).name_nb == "Program for mellomledere"


def test_a_stale_programme_form_is_a_conflict_that_keeps_the_first_save(app, staff, db, programme, make_user):
    other = app.test_client()
    login_as(other, make_user("admin"))
    url = f"/programmes/{programme.id}/edit"
    assert staff.get(url).status_code == other.get(url).status_code == 200  # both open version 1
    assert post(staff, url, programme_data(programme, course_length_months="12")).status_code == 302
    response = post(other, url, programme_data(programme, course_length_months="9", description_en="Mine"))
    assert response.status_code == 409
    page = read(response.data)
    assert "Someone else changed this" in page.text and "Saved by someone else" in page.text
    assert "Course length (months) 12" in page.text  # the saved value is shown
    assert page.all("input", id="course_length_months")[0]["value"] == "9"  # what they typed is kept
    assert page.all("input", id="version")[0]["value"] == "2"  # saving again replaces on purpose
    saved = fresh(db, programme)
    assert (saved.course_length_months, saved.description_en, saved.version) == (12, "New description.", 2)
    again = post(other, url, programme_data(programme, course_length_months="9", version="2"))
    assert again.status_code == 302 and fresh(db, programme).course_length_months == 9


def test_the_service_refuses_numbers_out_of_range(db, programme):
    for field, value in (("course_length_months", 40), ("groups_per_cohort", 0)):
        values = {"name_nb": programme.name_nb, "name_en": programme.name_en,
                  "responsible_organisation": programme.responsible_organisation,
                  "course_length_months": 10, "groups_per_cohort": 4, field: value}
        with pytest.raises(DomainError) as error:
            update_programme(programme, version=programme.version, **values)
        assert error.value.field == field


# The course plan


def module_data(**changes):
    data = {"name_nb": "Fellessamling 2", "name_en": "Joint gathering 2", "kind": "JOINT_GATHERING",
            "is_joint": "y", "offset_weeks": "16", "duration_days": "2", "hours_per_day": "6"}
    return {**data, **changes}


def test_a_new_module_goes_last_in_the_plan(staff, db, programme):
    form = read(staff.get(f"/programmes/{programme.id}/modules/new").data)
    assert form.all("input", id="duration_days")[0]["value"] == "1"
    response = post(staff, f"/programmes/{programme.id}/modules/new", module_data())
    assert response.status_code == 302
    assert positions(db, programme)[-1] == (4, "Fellessamling 2")
    added = db.session.scalar(select(CourseModule).where(CourseModule.position == 4))
    assert (added.kind, added.is_joint, added.offset_weeks, added.duration_days) == (
        ModuleKind.JOINT_GATHERING, True, 16, 2)


@pytest.mark.parametrize("changes, tag, field", [
    ({"name_nb": ""}, "input", "name_nb"),
    ({"name_en": "x" * 201}, "input", "name_en"),
    ({"kind": "PARTY"}, "select", "kind"),
    ({"kind": ""}, "select", "kind"),
    ({"offset_weeks": "seksten"}, "input", "offset_weeks"),
    ({"offset_weeks": "-1"}, "input", "offset_weeks"),
    ({"offset_weeks": ""}, "input", "offset_weeks"),
    # Ten months are at most 310 days; week 45 starts on day 315.
    ({"offset_weeks": "45"}, "input", "offset_weeks"),
    ({"offset_weeks": "99999999999"}, "input", "offset_weeks"),
    ({"duration_days": "15"}, "input", "duration_days"),
    ({"duration_days": "0"}, "input", "duration_days"),
    ({"hours_per_day": "13"}, "input", "hours_per_day"),
    ({"hours_per_day": "1.5"}, "input", "hours_per_day"),
])
def test_bad_module_input_is_refused_with_the_field_marked(staff, db, programme, changes, tag, field):
    for url in (f"/programmes/{programme.id}/modules/new",
                f"/programmes/{programme.id}/modules/{programme.modules[1].id}/edit"):
        response = post(staff, url, {**module_data(**changes), "version": "1"})
        assert response.status_code == 400, url
        page = read(response.data)
        assert marked(page, tag, field), url
        assert page.all("input", id="name_nb")[0]["value"] == changes.get("name_nb", "Fellessamling 2")
        if tag == "input" and changes[field]:
            assert page.all("input", id=field)[0]["value"] == changes[field]
    assert positions(db, programme) == [(1, "Oppstart"), (2, "Fellessamling 1"), (3, "Gruppearbeid")]
    assert fresh(db, programme.modules[1]).version == 1


def test_an_offset_at_the_end_of_the_course_is_accepted(db, programme):
    # 44 weeks are 308 days, within ten months of at most 31 days.
    added = add_module(programme, name_nb="Avslutning", name_en="Closing", kind=ModuleKind.EVALUATION,
                       is_joint=True, offset_weeks=44, duration_days=1, hours_per_day=4)
    assert added.position == 4


def test_a_coordinator_edits_a_module_and_it_keeps_its_place(staff, db, programme):
    target = programme.modules[1]
    form = read(staff.get(f"/programmes/{programme.id}/modules/{target.id}/edit").data)
    assert form.all("input", id="name_nb")[0]["value"] == "Fellessamling 1"
    assert "checked" in form.all("input", id="is_joint")[0]
    response = post(staff, f"/programmes/{programme.id}/modules/{target.id}/edit",
                     module_data(name_nb="Første fellessamling", is_joint="", offset_weeks="9", version="1"))
    assert response.status_code == 302
    saved = fresh(db, target)
    assert (saved.position, saved.name_nb, saved.is_joint, saved.offset_weeks) == (2, "Første fellessamling", False, 9)


def test_a_stale_module_form_is_a_conflict(app, staff, db, programme, make_user):
    other = app.test_client()
    login_as(other, make_user("coordinator"))
    target = programme.modules[1]
    url = f"/programmes/{programme.id}/modules/{target.id}/edit"
    assert post(staff, url, module_data(duration_days="1", version="1")).status_code == 302
    response = post(other, url, module_data(duration_days="3", version="1"))
    assert response.status_code == 409
    page = read(response.data)
    assert "Saved by someone else" in page.text and "Joint gathering 2" in page.text
    assert page.all("input", id="duration_days")[0]["value"] == "3"
    assert fresh(db, target).duration_days == 1


def test_a_module_of_another_programme_is_not_found(staff, db, programme, make_programme):
    other = make_programme(name_nb="Program for mellomledere", name_en="Middle managers",
                           responsible_organisation=programme.responsible_organisation)
    foreign = module(other, 1, "Fremmed")
    db.session.add(foreign)
    db.session.commit()
    base = f"/programmes/{programme.id}/modules/{foreign.id}"
    assert staff.get(f"{base}/edit").status_code == 404
    assert post(staff, f"{base}/edit", module_data(version="1")).status_code == 404
    assert post(staff, f"{base}/move", {"direction": "up"}).status_code == 404
    assert staff.get(f"/programmes/{programme.id}/modules/999999/edit").status_code == 404
    assert fresh(db, foreign).name_nb == "Fremmed"


def test_modules_move_up_and_down(staff, db, programme):
    first, second, third = programme.modules
    response = post(staff, f"/programmes/{programme.id}/modules/{third.id}/move", {"direction": "up"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#course-plan")
    assert positions(db, programme) == [(1, "Oppstart"), (2, "Gruppearbeid"), (3, "Fellessamling 1")]
    post(staff, f"/programmes/{programme.id}/modules/{first.id}/move", {"direction": "down"})
    assert positions(db, programme) == [(1, "Gruppearbeid"), (2, "Oppstart"), (3, "Fellessamling 1")]


def test_moves_past_either_end_are_refused_and_change_nothing(staff, db, programme):
    first, _, third = programme.modules
    response = post(staff, f"/programmes/{programme.id}/modules/{first.id}/move", {"direction": "up"})
    assert response.status_code == 302
    assert "already the first" in read(staff.get(response.headers["Location"], headers=EN).data).text
    post(staff, f"/programmes/{programme.id}/modules/{third.id}/move", {"direction": "down"})
    assert post(staff, f"/programmes/{programme.id}/modules/{first.id}/move", {"direction": "sideways"}).status_code == 400
    assert positions(db, programme) == [(1, "Oppstart"), (2, "Fellessamling 1"), (3, "Gruppearbeid")]


def test_moving_skips_gaps_in_the_positions(db, programme):
    last = module(programme, 7, "Avslutning", offset=40)
    db.session.add(last)
    db.session.flush()
    move_module(last, "up")
    assert positions(db, programme)[-2:] == [(3, "Avslutning"), (7, "Gruppearbeid")]
    with pytest.raises(DomainError) as error:
        move_module(programme.modules[0], "up")
    assert error.value.field == "direction"


def test_the_move_buttons_are_a_form_on_the_programme_page(staff, programme):
    page = read(staff.get(f"/programmes/{programme.id}").data)
    forms = page.all("form", action=f"/programmes/{programme.id}/modules/{programme.modules[1].id}/move")
    assert forms and forms[0]["method"] == "post"
    assert len(page.all("button", name="direction", value="up")) == 2  # not on the first
    assert len(page.all("button", name="direction", value="down")) == 2  # not on the last


# Assessment dimensions


def dimension_data(**changes):
    data = {"name_nb": "Effektive møter", "name_en": "Effective meetings", "description_nb": "",
            "description_en": "How the group meets."}
    return {**data, **changes}


def dimension_count(db):
    return db.session.scalar(select(func.count(AssessmentDimension.id)))


def test_a_new_dimension_goes_last(staff, db, programme):
    response = post(staff, f"/programmes/{programme.id}/dimensions/new", dimension_data())
    assert response.status_code == 302
    added = db.session.scalar(select(AssessmentDimension).where(AssessmentDimension.name_nb == "Effektive møter"))
    assert (added.position, added.programme_id, added.description_en) == (2, programme.id, "How the group meets.")


@pytest.mark.parametrize("changes, tag, field", [
    ({"name_nb": ""}, "input", "name_nb"),
    ({"name_en": " "}, "input", "name_en"),
    ({"name_en": "x" * 201}, "input", "name_en"),
    ({"description_nb": "x" * 5001}, "textarea", "description_nb"),
    ({"name_nb": "felles mål"}, "input", "name_nb"),  # the first dimension's name, in other case
])
def test_bad_dimension_input_is_refused(staff, db, programme, changes, tag, field):
    response = post(staff, f"/programmes/{programme.id}/dimensions/new", dimension_data(**changes))
    assert response.status_code == 400
    assert marked(read(response.data), tag, field)
    assert dimension_count(db) == 1


def test_a_coordinator_edits_a_dimension_and_a_stale_form_conflicts(app, staff, db, programme, make_user):
    dimension = db.session.scalar(select(AssessmentDimension))
    url = f"/programmes/{programme.id}/dimensions/{dimension.id}/edit"
    assert read(staff.get(url).data).all("input", id="name_en")[0]["value"] == "Shared goals"
    other = app.test_client()
    login_as(other, make_user("coordinator"))
    assert post(staff, url, dimension_data(name_nb="Felles mål", name_en="Common goals", version="1")).status_code == 302
    response = post(other, url, dimension_data(name_nb="Felles mål", name_en="Our goals", version="1"))
    assert response.status_code == 409
    page = read(response.data)
    assert "Common goals" in page.text and page.all("input", id="name_en")[0]["value"] == "Our goals"
    saved = fresh(db, dimension)
    assert (saved.name_en, saved.position, saved.version) == ("Common goals", 1, 2)


def test_a_dimension_of_another_programme_is_not_found(staff, db, programme, make_programme):
    other = make_programme(name_nb="Program for mellomledere", name_en="Middle managers",
                           responsible_organisation=programme.responsible_organisation)
    foreign = AssessmentDimension(programme=other, position=1, name_nb="Tillit", name_en="Trust")
    db.session.add(foreign)
    db.session.commit()
    url = f"/programmes/{programme.id}/dimensions/{foreign.id}/edit"
    assert staff.get(url).status_code == 404
    assert post(staff, url, dimension_data(version="1")).status_code == 404
    assert fresh(db, foreign).name_nb == "Tillit"


@pytest.mark.parametrize("path", ["/edit", "/modules/new", "/dimensions/new"])
def test_the_forms_are_for_staff_only(client, make_user, programme, path):
    login_as(client, make_user("agency"))
    assert client.get(f"/programmes/{programme.id}{path}").status_code == 403


def test_the_programme_forms_render_with_labels_and_help(staff, programme):
    for path in ("/edit", "/modules/new", f"/modules/{programme.modules[0].id}/edit", "/dimensions/new"):
        response = staff.get(f"/programmes/{programme.id}{path}", headers=EN)
        assert response.status_code == 200, path
        page = read(response.data)
        assert page.count("h1") == 1
        for control in page.all("input") + page.all("select") + page.all("textarea"):
            if control.get("type") == "hidden":
                continue
            assert page.all("label", **{"for": control["id"]}), (path, control["id"])
            assert f"{control['id']}-description" in control.get("aria-describedby", ""), (path, control["id"])
