"""Every form field is held to the input limits of its kind, once, in the shared form layer:
no control characters in text (a note keeps its line breaks), numbers that fit an integer
column, dates from 1900 to 2200. A refusal is a 400 naming the field; nothing is written."""
from html import unescape

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.html import read
from tracker.cohorts.models import Cohort
from tracker.organisations.models import Organisation

EN = {"Accept-Language": "en"}
NB = {"Accept-Language": "nb"}


@pytest.fixture
def programme(db, make_programme):
    programme = make_programme()
    db.session.commit()
    return programme


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def organisation_data(client, **changes):
    data = {"name_nb": "Lånekassen", "name_en": "", "short_name": "", "org_number": "",
            "kind": "DIRECTORATE", "owning_ministry": "", "active_from": "", "active_to": "",
            "csrf_token": csrf_token(client)}
    return {**data, **changes}


def cohort_data(client, programme, **changes):
    data = {"programme": str(programme.id), "label": "Kull 5", "ordinal": "5", "season": "AUTUMN",
            "year": "2017", "start_date": "2017-09-04", "planned_end": "", "capacity": "",
            "notes": "", "csrf_token": csrf_token(client)}
    return {**data, **changes}


def error_of(response, field):
    page = read(response.data)
    assert page.all("input", id=field, **{"aria-invalid": "true"}) or page.all(
        "textarea", id=field, **{"aria-invalid": "true"}), field
    html = response.get_data(as_text=True)
    start = html.index(f'id="{field}-error">') + len(f'id="{field}-error">')
    return unescape(html[start:html.index("</p>", start)])


@pytest.mark.parametrize("name", ["Låne\x00kassen", "Låne\nkassen", "Låne\x1bkassen", "Låne\u2028kassen",
                                  "Låne\x85kassen", "Låne\tkassen",
                                  # Invisible, these reverse the text around the name on every page.
                                  "\u202eLånekassen", "Låne\u2066kassen\u2069"])
def test_a_control_character_in_a_name_is_refused_naming_the_field(staff, db, name):
    before = count(db, Organisation)
    response = staff.post("/organisations/new", data=organisation_data(staff, name_nb=name), headers=EN)
    assert response.status_code == 400
    assert error_of(response, "name_nb") == "Name (Norwegian): remove the line breaks and control characters."
    assert count(db, Organisation) == before


def test_the_refusal_is_in_the_readers_language(staff, db):
    response = staff.post("/organisations/new", data=organisation_data(staff, name_nb="A\x00B"), headers=NB)
    assert response.status_code == 400
    assert error_of(response, "name_nb") == "Navn (norsk): fjern linjeskift og kontrolltegn."


def test_a_note_keeps_its_line_breaks_and_tabs_but_not_other_controls(staff, db, programme):
    response = staff.post("/cohorts/new", data=cohort_data(staff, programme, notes="Første linje\r\n\tandre"))
    assert response.status_code == 302
    assert db.session.scalar(select(Cohort.notes).where(Cohort.label == "Kull 5")) == "Første linje\r\n\tandre"

    before = count(db, Cohort)
    response = staff.post("/cohorts/new", headers=EN,
                          data=cohort_data(staff, programme, label="Kull 6", ordinal="6", notes="bell\x07"))
    assert response.status_code == 400
    assert error_of(response, "notes") == ("Coordinators' notes: remove the control characters; only tabs and line "
                                           "breaks are allowed.")
    assert count(db, Cohort) == before


@pytest.mark.parametrize("field, value", [("ordinal", str(2**31)), ("ordinal", str(-(2**63))),
                                          ("year", str(2**63)), ("capacity", "9" * 40)])
def test_a_number_past_an_integer_column_is_refused_naming_the_field(staff, db, programme, field, value):
    before = count(db, Cohort)
    response = staff.post("/cohorts/new", data=cohort_data(staff, programme, **{field: value}), headers=EN)
    assert response.status_code == 400
    # No range past the column's: the field's own rule is the one to read (capacity 1 to 50).
    assert error_of(response, field) == {"ordinal": "Number", "year": "Year", "capacity": "Capacity"}[field] + (
        ": the number is too small." if value.startswith("-") else ": the number is too large.")
    assert count(db, Cohort) == before


@pytest.mark.parametrize("field, value, refusal", [
    ("start_date", "20166-01-01", "Start date: enter a date from 1 January 1900 to 31 December 2200."),
    ("start_date", "01.01.2016", "Start date: enter a date from 1 January 1900 to 31 December 2200."),
    ("capacity", "fire", "Capacity: enter a whole number."),
])
def test_a_value_the_field_cannot_read_is_refused_naming_the_field(staff, db, programme, field, value,
                                                                   refusal):
    before = count(db, Cohort)
    response = staff.post("/cohorts/new", data=cohort_data(staff, programme, **{field: value}), headers=EN)
    assert response.status_code == 400
    assert error_of(response, field) == refusal
    assert count(db, Cohort) == before


def test_the_date_window_is_written_as_the_reader_writes_dates(staff, db, programme):
    response = staff.post("/cohorts/new", data=cohort_data(staff, programme, start_date="9999-12-31"),
                          headers=NB)
    assert error_of(response, "start_date") == "Oppstartsdato: skriv inn en dato fra 1. januar 1900 til 31. desember 2200."


@pytest.mark.parametrize("field, value", [("start_date", "9999-12-31"), ("planned_end", "9999-12-31"),
                                          ("start_date", "0001-01-01"), ("planned_end", "1899-12-31"),
                                          ("planned_end", "2201-01-01")])
def test_a_date_outside_1900_to_2200_is_refused_naming_the_field(staff, db, programme, field, value):
    before = count(db, Cohort)
    response = staff.post("/cohorts/new", data=cohort_data(staff, programme, **{field: value}), headers=EN)
    assert response.status_code == 400
    label = {"start_date": "Start date", "planned_end": "Planned end"}[field]
    assert error_of(response, field) == f"{label}: enter a date from 1 January 1900 to 31 December 2200."
    assert count(db, Cohort) == before


def test_the_window_edges_are_dates_like_any_other(staff, db, programme):
    response = staff.post("/organisations/new", data=organisation_data(
        staff, active_from="1900-01-01", active_to="2200-12-31"))
    assert response.status_code == 302


def test_a_huge_text_is_refused(staff, db):
    response = staff.post("/organisations/new", headers=EN,
                          data=organisation_data(staff, name_en="x" * 20_000))
    assert response.status_code == 400
    assert "Name (English)" in error_of(response, "name_en")


@pytest.mark.parametrize("page", [str(2**63), str(2**31), "0", "-1", "junk", "1e3", "²"])
@pytest.mark.parametrize("path, argument", [("/audit/", "before"), ("/people/", "page")])
def test_a_page_number_that_cannot_exist_is_a_404(staff, db, path, argument, page):
    assert staff.get(path, query_string={argument: page}).status_code == 404


def test_a_control_character_in_the_people_search_is_a_400_naming_the_search(staff, db, make_person):
    make_person(name="Kari Nordmann")
    db.session.commit()
    response = staff.get("/people/", query_string={"q": "Kari\x00"}, headers=EN)
    assert response.status_code == 400
    assert "Search by name, email or organisation: remove the line breaks" in response.get_data(as_text=True)
    assert "Kari Nordmann" not in response.get_data(as_text=True)
    assert staff.get("/people/", query_string={"q": "Kari"}).status_code == 200


def test_a_bad_email_and_a_choice_not_offered_name_their_fields_in_the_readers_language(app):
    """The form library's bare "Enter a valid email address." and "Not a valid choice" reach
    the error summary, away from their fields: each names its field first."""
    from flask_babel import force_locale
    from werkzeug.datastructures import MultiDict
    from wtforms import EmailField, SelectField
    from wtforms.validators import Email

    from tracker.forms import Form

    class Sample(Form):
        class Meta:
            csrf = False

        email = EmailField("E-post", validators=[Email("Skriv inn en gyldig e-postadresse.")])
        kind = SelectField("Type", choices=[("a", "A")])

    with app.test_request_context(), force_locale("nb"):
        form = Sample(formdata=MultiDict({"email": "<b>", "kind": "EMPEROR"}))
        assert not form.validate()
        assert form.email.errors == ["E-post: skriv inn en gyldig e-postadresse."]
        assert form.kind.errors == ["Type: velg en fra listen."]
