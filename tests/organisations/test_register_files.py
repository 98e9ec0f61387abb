"""Enhetsregisteret's own files, uploaded as they are: the bulk download as CSV (UTF-8 and
Excel's Windows-1252) and XLSX, and the open API's JSON; row-by-row choice in the preview."""
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.html import read
from tests.organisations.test_register_import import (
    EN,
    confirm,
    confirm_fields,
    counts,
    kept_files,  # noqa: F401 (an autouse fixture: previews go to the test's own folder)
    table_rows,
)
from tracker.audit.models import AuditEntry
from tracker.organisations.models import Organisation, OrganisationKind

FILES = Path(__file__).parent / "files"
NB = {"Accept-Language": "nb"}


def upload(client, name: str | bytes, headers=EN, filename: str | None = None):
    content = (FILES / name).read_bytes() if isinstance(name, str) else name
    return client.post("/organisations/import", data={
        "file": (io.BytesIO(content), filename or (name if isinstance(name, str) else "fil.csv")),
        "csrf_token": csrf_token(client),
    }, content_type="multipart/form-data", headers=headers)


def saved(db) -> dict[str, Organisation]:
    db.session.expire_all()
    return {o.name_nb: o for o in db.session.scalars(select(Organisation))}


def audits(db) -> int:
    return db.session.scalar(select(func.count(AuditEntry.id)))


@pytest.fixture
def finance(db, make_organisation):
    """What the tracker holds before the import: Finansdepartementet without a number, with
    Direktoratet for økonomistyring under it, spelt as people write them."""
    fin = make_organisation(name_nb="Finansdepartementet", short_name="FIN", kind=OrganisationKind.MINISTRY)
    dfo = make_organisation(name_nb="Direktoratet for økonomistyring", short_name="DFØ",
                            org_number="986252932", owning_ministry=fin)
    db.session.commit()
    return fin, dfo


EXPECTED_BAD = {
    9: "Organisation form ENK – Enkeltpersonforetak is not a body of the state",
    10: "The parent 921234562 is neither in the file nor among the saved organisations",
    11: "Organisation number 970018132 is not nine digits with a valid check digit",
}


@pytest.mark.parametrize("name, source", [
    ("enheter_utf8.csv", "CSV, UTF-8 (BOM)"),
    ("enheter_windows1252.csv", "CSV, Windows-1252"),
    ("enheter.xlsx", "Excel"),
    ("enheter_api.json", "JSON"),
])
def test_the_registers_own_files_import_as_they_are(staff, db, finance, name, source):
    # A JSON unit's line is its place in the list; a sheet's line counts the header too.
    first = 1 if name.endswith(".json") else 2
    line = {n: n - 2 + first for n in range(2, 12)}
    preview = upload(staff, name)
    assert preview.status_code == 200, read(preview.data).text[:500]
    page = read(preview.data)
    assert f"The file was read as {source}." in page.text
    # Finansdepartementet is matched by its name in capitals and gets the register's number;
    # DFØ is matched by number and is unchanged although the register spells it in capitals.
    assert counts(preview) == {"new": 5, "changed": 1, "unchanged": 1, "bad": 3}
    changed = table_rows(preview, "changed-rows")
    assert list(changed) == [line[6]]
    assert "Organisation number: set to 972417890" in changed[line[6]]
    assert "Name" not in changed[line[6]]
    new = table_rows(preview, "new-rows")
    assert "Miljødirektoratet" in new[line[4]], "Norwegian letters survive the encoding"
    assert "Klima- og miljødepartementet" in new[line[4]] and "Directorate or agency" in new[line[4]]
    assert "Statnett SF" in new[line[8]] and "Directorate or agency" in new[line[8]]
    bad = table_rows(preview, "bad-rows")
    for number, reason in EXPECTED_BAD.items():
        assert reason in bad[line[number]], bad
    assert saved(db).keys() == {"Finansdepartementet", "Direktoratet for økonomistyring"}

    assert confirm(staff, preview).status_code == 302
    after = saved(db)
    assert len(after) == 7
    assert "FINANSDEPARTEMENTET" not in after, "no duplicate ministry"
    assert not [n for n in after if n == n.upper()], "new organisations get readable names"
    assert after["Finansdepartementet"].org_number == "972417890"
    assert after["Direktoratet for økonomistyring"].owning_ministry is after["Finansdepartementet"]
    assert after["Miljødirektoratet"].owning_ministry is after["Klima- og miljødepartementet"]
    assert after["Klima- og miljødepartementet"].kind is OrganisationKind.MINISTRY
    assert after["Statnett SF"].owning_ministry is None

    # The same file again changes nothing.
    again = upload(staff, name)
    assert counts(again) == {"new": 0, "changed": 0, "unchanged": 7, "bad": 3}


def test_the_preview_is_in_the_users_language(staff, db, finance):
    page = read(upload(staff, "enheter_windows1252.csv", headers=NB).data)
    assert "Filen ble lest som CSV, Windows-1252." in page.text
    assert "er ikke en virksomhet i staten" in page.text


def test_only_ticked_rows_are_imported(staff, db, finance):
    preview = upload(staff, "enheter_utf8.csv")
    fields = confirm_fields(preview)
    assert sorted(fields["rows"]) == ["2", "3", "4", "5", "6", "8"], "new and changed rows are ticked"
    response = staff.post("/organisations/import/confirm",
                          data={**fields, "rows": ["2", "5", "6"]}, headers=EN)
    assert response.status_code == 302
    after = saved(db)
    assert set(after) == {"Finansdepartementet", "Direktoratet for økonomistyring",
                          "Nærings- og fiskeridepartementet", "Konkurransetilsynet"}
    assert after["Finansdepartementet"].org_number == "972417890"


def test_an_agency_ticked_without_its_new_ministry_is_refused_and_nothing_written(staff, db, finance):
    preview = upload(staff, "enheter_utf8.csv")
    fields = confirm_fields(preview)
    before = audits(db)
    response = staff.post("/organisations/import/confirm",
                          data={**fields, "rows": ["2", "4"]}, headers=EN)
    assert response.status_code == 400
    page = read(response.data)
    assert ("Line 4 has its owning ministry on line 3, which is not ticked: tick both or neither."
            in page.text)
    ticked = [t["value"] for t in page.all("input", name="rows") if "checked" in t]
    assert ticked == ["2", "4"], "the page keeps the user's choice"
    assert audits(db) == before and len(saved(db)) == 2
    # Nothing ticked is refused too.
    response = staff.post("/organisations/import/confirm", data={**fields, "rows": []}, headers=EN)
    assert response.status_code == 400
    assert "Tick at least one row to import." in read(response.data).text


def test_names_are_matched_regardless_of_case_and_spacing_and_the_local_spelling_kept(staff, db, finance):
    text = ("organisasjonsnummer;navn;organisasjonsform;overordnetEnhet\n"
            ";  finansdepartementet ;STAT;\n"
            "986252932;DIREKTORATET  FOR ØKONOMISTYRING;ORGL;FINANSDEPARTEMENTET\n")
    preview = upload(staff, text.encode())
    assert counts(preview) == {"new": 0, "changed": 0, "unchanged": 2, "bad": 0}
    assert "Nothing to import" in read(preview.data).text


def test_the_issues_four_column_file_with_descriptions_imports(staff, db, finance):
    """`organisasjonsnummer;navn;organisasjonsform;overordnetEnhet`, with the form written out."""
    text = ("organisasjonsnummer;navn;organisasjonsform;overordnetEnhet\n"
            "970018131;Utdanningsdirektoratet;Organisasjonsledd;Finansdepartementet\n"
            "974761076;Skattedirektoratet;ORGL;972417890\n"
            "974761077;Fylkesmannen;FYLK;\n")
    preview = upload(staff, text.encode("cp1252"))
    assert preview.status_code == 200
    assert counts(preview)["new"] == 1 and counts(preview)["bad"] == 2
    bad = table_rows(preview, "bad-rows")
    assert "The parent 972417890 is neither in the file" in bad[3]
    assert "974761077 is not nine digits" in bad[4]


def test_a_form_that_maps_to_no_kind_is_named_on_its_row(staff, db):
    text = "navn;organisasjonsform.kode\nEtat;XYZ\nFirma;NUF\n"
    bad = table_rows(upload(staff, text.encode()), "bad-rows")
    assert "Unknown kind “XYZ”" in bad[2]
    assert "Organisation form NUF is not a body of the state" in bad[3]


def test_a_file_without_parent_column_leaves_owners_alone(staff, db, finance):
    text = "organisasjonsnummer;navn;organisasjonsform.kode\n986252932;DIREKTORATET FOR ØKONOMISTYRING;ORGL\n"
    assert counts(upload(staff, text.encode())) == {"new": 0, "changed": 0, "unchanged": 1, "bad": 0}


@pytest.mark.parametrize("content, message", [
    (b"navn;organisasjonsform\n\x81\x8d\x8f\x90\x9d;STAT\n", "an encoding the import does not know"),
    (json.dumps({"enheter": "nei"}).encode(), "not the register's list of units"),
    (b"{ not json", "cannot be read as JSON"),
    (b"PK\x03\x04" + b"\x00" * 40, "not an Excel workbook"),
])
def test_a_file_of_unknown_encoding_or_layout_is_refused_and_nothing_kept(staff, db, kept_files,  # noqa: F811
                                                                          content, message):
    response = upload(staff, content)
    assert response.status_code == 400
    page = read(response.data)
    assert message in page.text
    assert page.all("input", id="file")[0].get("aria-invalid") == "true"
    assert not kept_files.exists() or not list(kept_files.iterdir())


def test_a_refusal_is_in_norwegian_for_a_norwegian_reader(staff, db):
    response = upload(staff, b"navn;organisasjonsform\n\x81\x8d\x8f\x90\x9d;STAT\n", headers=NB)
    assert response.status_code == 400
    assert "tegnkoding" in read(response.data).text


def test_a_bulk_file_larger_than_the_apps_upload_limit_is_taken_by_the_import(app, staff, db):
    """The app refuses other uploads over MAX_CONTENT_LENGTH; the import takes the bulk
    download's size (REGISTER_IMPORT_MAX_BYTES)."""
    address = "Postboks 8000 Dep, Akersgata 59, 0030 Oslo, Norge; " * 3
    filler = "".join(f"9{n:08d};Etat {n};ENK;;{address}84.110\n" for n in range(30_000))
    content = ("organisasjonsnummer;navn;organisasjonsform.kode;overordnetEnhet;"
               "forretningsadresse.adresse;naeringskode1.kode\n" + filler).encode()
    assert len(content) > app.config["MAX_CONTENT_LENGTH"]
    response = upload(staff, content)
    assert response.status_code == 200
    assert counts(response)["bad"] == 30_000
    page = read(response.data)
    assert "29500 more rows like these are not listed" in page.text
