"""Importing the organisation register from CSV: preview first, then all of it or nothing."""
import io
import os
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from tests.conftest import csrf_token, login_as
from tests.html import read
from tracker.audit.models import AuditAction, AuditEntry
from tracker.organisations.models import Organisation, OrganisationKind
from tracker.organisations.register_import import (
    apply_import,
    parse_register_csv,
    plan_import,
)

EN = {"Accept-Language": "en"}
SAMPLE = Path(__file__).parents[2] / "tracker" / "organisations" / "sample" / "organisations.csv"
HEADER = "organisasjonsnummer;navn;engelsk_navn;kortnavn;type;overordnet_enhet"


def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


def organisations(db) -> dict[str, Organisation]:
    db.session.expire_all()
    return {o.name_nb: o for o in db.session.scalars(select(Organisation))}


def audit_count(db) -> int:
    return db.session.scalar(select(func.count(AuditEntry.id)))


def org_count(db) -> int:
    return db.session.scalar(select(func.count(Organisation.id)))


@pytest.fixture(autouse=True)
def kept_files(app, tmp_path):
    """Previewed files go to a folder of this test's own."""
    folder = tmp_path / "register-imports"
    app.config["REGISTER_IMPORT_FOLDER"] = str(folder)
    yield folder
    app.config.pop("REGISTER_IMPORT_FOLDER")


def upload(client, content: bytes | str, filename="organisasjoner.csv"):
    if isinstance(content, str):
        content = content.encode("utf-8")
    return client.post("/organisations/import", data={
        "file": (io.BytesIO(content), filename), "csrf_token": csrf_token(client),
    }, content_type="multipart/form-data", headers=EN)


def confirm_fields(response) -> dict[str, object]:
    """What a browser posts from the preview: the hidden fields and the ticked rows."""
    page = read(response.data)
    fields: dict[str, object] = {tag["name"]: tag.get("value", "") for tag in page.all("input")
                                 if tag.get("name") in ("csrf_token", "token", "digest")}
    fields["rows"] = [tag["value"] for tag in page.all("input", name="rows")
                      if "checked" in tag]
    return fields


def confirm(client, preview):
    fields = confirm_fields(preview)
    assert "token" in fields, "the preview offers to import"
    return client.post("/organisations/import/confirm", data=fields, headers=EN)


def counts(response) -> dict[str, int]:
    html = response.get_data(as_text=True)
    page = read(html)
    result = {}
    for key in ("new", "changed", "unchanged", "bad"):
        start = html.index(f'id="count-{key}">') + len(f'id="count-{key}">')
        result[key] = int(html[start:html.index("<", start)])
    assert page.count("h1") == 1
    return result


def table_rows(response, table_id: str) -> dict[int, str]:
    """The rows of one table of the preview: each row's line number, with its text."""
    html = response.get_data(as_text=True)
    if f'id="{table_id}"' not in html:
        return {}
    table = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    rows = {}
    for chunk in table.split('<tr data-line="')[1:]:
        line = int(chunk[:chunk.index('"')])
        rows[line] = read(chunk.split(">", 1)[1]).text
    return rows


# The sample file and the happy path


def test_the_sample_imports_into_an_empty_database(staff, db, kept_files):
    preview = upload(staff, sample_text())
    assert preview.status_code == 200
    assert counts(preview) == {"new": 24, "changed": 0, "unchanged": 0, "bad": 0}
    assert org_count(db) == 0, "a preview writes nothing"
    assert len(list(kept_files.iterdir())) == 1

    response = confirm(staff, preview)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/organisations/")
    saved = organisations(db)
    assert len(saved) == 24
    ministries = {n for n, o in saved.items() if o.kind is OrganisationKind.MINISTRY}
    assert len(ministries) == 11
    owner = {n: o.owning_ministry.short_name for n, o in saved.items() if o.owning_ministry}
    assert owner == {
        "Helsedirektoratet": "HOD", "Norges vassdrags- og energidirektorat": "OED",
        "Utdanningsdirektoratet": "KD", "Barne-, ungdoms- og familiedirektoratet": "BLD",
        "Mattilsynet": "LMD", "Direktoratet for økonomistyring": "FIN", "Konkurransetilsynet": "NFD",
        "Miljødirektoratet": "KLD", "Skattedirektoratet": "FIN", "Arbeids- og velferdsdirektoratet": "ASD",
        "Lånekassen": "KD", "Tolldirektoratet": "FIN", "Direktoratet for forvaltning og IKT": "KMD",
    }
    assert saved["Finansdepartementet"].org_number is None  # blank stays blank
    assert saved["Tolldirektoratet"].org_number is None
    assert saved["Mattilsynet"].short_name is None
    assert saved["Lånekassen"].name_en == "Norwegian State Educational Loan Fund"
    assert saved["Utdanningsdirektoratet"].org_number == "970018131"
    creations = db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.table_name == "organisation"))
    assert creations == 24
    assert list(kept_files.iterdir()) == [], "the kept file is removed once imported"


def test_re_importing_the_same_file_changes_nothing(staff, db):
    confirm(staff, upload(staff, sample_text()))
    saved_before = {n: o.version for n, o in organisations(db).items()}
    audits = audit_count(db)
    preview = upload(staff, sample_text())
    assert counts(preview) == {"new": 0, "changed": 0, "unchanged": 24, "bad": 0}
    page = read(preview.data)
    assert "Nothing to import" in page.text
    assert not page.all("input", name="token"), "nothing to confirm"
    assert audit_count(db) == audits
    assert {n: o.version for n, o in organisations(db).items()} == saved_before


def test_a_comma_separated_file_with_english_headers_works(staff, db):
    text = (
        "org_number,name,name_en,short_name,kind,parent_org_number\n"
        '872417842,Kunnskapsdepartementet,Ministry of Education and Research,KD,ministry,\n'
        '970018131,Utdanningsdirektoratet,"Norwegian Directorate for Education, and Training",Udir,'
        "directorate,872 417 842\n"
    )
    preview = upload(staff, text)
    assert counts(preview) == {"new": 2, "changed": 0, "unchanged": 0, "bad": 0}
    assert confirm(staff, preview).status_code == 302
    saved = organisations(db)
    assert saved["Utdanningsdirektoratet"].name_en == "Norwegian Directorate for Education, and Training"
    assert saved["Utdanningsdirektoratet"].owning_ministry.name_nb == "Kunnskapsdepartementet"


def test_semicolons_with_a_byte_order_mark_as_norwegian_excel_saves_work(staff, db):
    content = "\ufeff".encode("utf-8") + sample_text().replace("\n", "\r\n").encode("utf-8")
    preview = upload(staff, content)
    assert preview.status_code == 200
    assert counts(preview)["new"] == 24
    assert confirm(staff, preview).status_code == 302
    assert org_count(db) == 24


def test_register_column_names_and_kinds_are_understood():
    parsed = parse_register_csv(
        "Organisasjonsnummer;Navn;Engelsk navn;Kortnavn;Organisasjonsform;overordnetEnhet;Forretningsadresse\n"
        "972417882;Klima- og miljødepartementet;;KLD;STAT;;Oslo\n"
        "999601391;Miljødirektoratet;;;ORGL;972417882;Trondheim\n"
    )
    assert parsed.error is None
    assert [(r.line, r.kind, r.parent) for r in parsed.rows] == [(2, "STAT", ""), (3, "ORGL", "972417882")]


def test_agencies_may_come_before_their_new_ministry_in_the_file(db):
    parsed = parse_register_csv(
        f"{HEADER}\n"
        "999601391;Miljødirektoratet;;Mdir;etat;972417882\n"
        "972417882;Klima- og miljødepartementet;;KLD;ministry;\n"
    )
    plan = plan_import(parsed)
    assert [r.action for r in plan.rows] == ["new", "new"]
    apply_import(plan)
    db.session.commit()
    saved = organisations(db)
    assert saved["Miljødirektoratet"].owning_ministry is saved["Klima- og miljødepartementet"]


def test_a_parent_already_saved_is_found_by_number_name_or_short_name(db, make_organisation):
    fin = make_organisation(name_nb="Finansdepartementet", short_name="FIN", kind=OrganisationKind.MINISTRY)
    kd = make_organisation(name_nb="Kunnskapsdepartementet", short_name="KD", kind=OrganisationKind.MINISTRY,
                           org_number="872417842")
    db.session.commit()
    plan = plan_import(parse_register_csv(
        f"{HEADER}\n"
        ";Tolldirektoratet;;;direktorat;Finansdepartementet\n"
        "974761076;Skattedirektoratet;;SKD;direktorat;fin\n"
        "960885406;Lånekassen;;;direktorat;872417842\n"
    ))
    assert [r.parent for r in plan.rows] == [("db", fin.id), ("db", fin.id), ("db", kd.id)]
    assert plan.bad == []


# Changes


def test_a_changed_name_shows_old_and_new_and_is_applied(staff, db):
    confirm(staff, upload(staff, sample_text()))
    text = sample_text().replace(";Direktoratet for økonomistyring;", ";Direktoratet for forvaltning og økonomistyring;")
    text = text.replace("Norwegian Government Agency for Financial Management", "Norwegian Agency for Public and Financial Management")
    preview = upload(staff, text)
    assert counts(preview) == {"new": 0, "changed": 1, "unchanged": 23, "bad": 0}
    page = read(preview.data)
    html = preview.get_data(as_text=True)
    assert '<tr data-line="18">' in html
    assert ("Name (Norwegian): Direktoratet for økonomistyring → "
            "Direktoratet for forvaltning og økonomistyring") in page.text
    assert "Norwegian Government Agency for Financial Management → Norwegian Agency" in page.text
    assert 'aria-label="changes to"' in html, "a screen reader hears the arrow as words"
    audits = audit_count(db)

    assert confirm(staff, preview).status_code == 302
    dfo = db.session.scalar(select(Organisation).where(Organisation.org_number == "986252932"))
    assert dfo.name_nb == "Direktoratet for forvaltning og økonomistyring"
    assert dfo.name_en == "Norwegian Agency for Public and Financial Management"
    assert dfo.owning_ministry.short_name == "FIN" and dfo.version == 2
    assert audit_count(db) == audits + 1


def test_matching_by_name_fills_in_a_missing_number_and_keeps_what_the_file_leaves_blank(db, make_organisation):
    kmd = make_organisation(name_nb="Kommunal- og moderniseringsdepartementet", short_name="KMD",
                            kind=OrganisationKind.MINISTRY, org_number="972417858")
    difi = make_organisation(name_nb="Direktoratet for forvaltning og IKT", short_name="Difi",
                             name_en="Agency for Public Management and eGovernment", owning_ministry=kmd)
    db.session.commit()
    plan = plan_import(parse_register_csv(
        f"{HEADER}\n922222223;Direktoratet for forvaltning og IKT;;;direktorat;972417858\n"))
    [row] = plan.changed
    assert [(c.field, c.old, c.new) for c in row.changes] == [("org_number", None, "922222223")]
    apply_import(plan)
    db.session.commit()
    assert (difi.org_number, difi.short_name, difi.name_en) == (
        "922222223", "Difi", "Agency for Public Management and eGovernment")


def test_moving_an_agency_to_a_ministry_new_in_the_same_file(db, make_organisation):
    kmd = make_organisation(name_nb="Kommunal- og moderniseringsdepartementet", kind=OrganisationKind.MINISTRY,
                            org_number="972417858")
    difi = make_organisation(name_nb="Direktoratet for forvaltning og IKT", owning_ministry=kmd)
    db.session.commit()
    plan = plan_import(parse_register_csv(
        f"{HEADER}\n"
        ";Direktoratet for forvaltning og IKT;;;direktorat;Digitaliseringsdepartementet\n"
        ";Digitaliseringsdepartementet;;;departement;\n"))
    assert [r.action for r in plan.rows] == ["changed", "new"]
    apply_import(plan)
    db.session.commit()
    assert difi.owning_ministry.name_nb == "Digitaliseringsdepartementet"
    updates = db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.record_id == difi.id, AuditEntry.action == AuditAction.UPDATE))
    assert updates == 1


# Bad rows


BAD_FILE = "\n".join([
    HEADER,                                                                    # 1
    "872417842;Kunnskapsdepartementet;;KD;departement;",                       # 2 fine
    "970018132;Utdanningsdirektoratet;;Udir;direktorat;872417842",             # 3 check digit
    "960885406;;;;direktorat;872417842",                                       # 4 missing name
    "974761076;Skattedirektoratet;;SKD;fylke;",                                # 5 unknown kind
    "985399077;Mattilsynet;;;direktorat;972417874",                            # 6 parent nowhere
    "889640782;Arbeids- og velferdsdirektoratet;;NAV;direktorat;Lånekassen",   # 7 parent saved, not a ministry
    "972417882;Klima- og miljødepartementet;;KLD;departement;872417842",       # 8 ministry with parent
    "",                                                                        # 9 empty line
    "872417842;Kunnskapsdepartementet 2;;;departement;",                       # 10 duplicate number
    "922222223;Helsedirektoratet;;;direktorat;",                               # 11 name taken
    ";Ny etat;;;direktorat;889640782",                                         # 12 parent in file, not a ministry
    ";Kunnskapsdepartementet;;;departement;",                                  # 13 duplicate name
]) + "\n"


@pytest.fixture
def saved_for_bad_file(db, make_organisation):
    make_organisation(name_nb="Lånekassen", org_number="960885406")
    make_organisation(name_nb="Helsedirektoratet", org_number="983544622")
    db.session.commit()


@pytest.mark.parametrize("line, reason", [
    (3, "970018132 is not nine digits with a valid check digit"),
    (4, "The name is missing"),
    (5, "Unknown kind “fylke”"),
    (6, "The parent 972417874 is neither in the file nor among the saved organisations"),
    (7, "The parent Lånekassen is not a ministry"),
    (8, "A ministry has no parent organisation"),
    (10, "Organisation number 872417842 is also on line 2"),
    (11, "Another organisation (number 983544622) already has the name Helsedirektoratet"),
    (12, "The parent 889640782 is not a ministry"),
    (13, "The name Kunnskapsdepartementet is also on line 2"),
])
def test_each_bad_row_is_shown_with_its_line_and_reason(staff, db, saved_for_bad_file, line, reason):
    preview = upload(staff, BAD_FILE)
    assert preview.status_code == 200
    rows = table_rows(preview, "bad-rows")
    assert reason in rows[line], rows
    assert 2 not in rows and 9 not in rows


def test_a_name_another_numbered_organisation_has_is_refused(db, make_organisation):
    make_organisation(name_nb="Helsedirektoratet", org_number="983544622")
    make_organisation(name_nb="Mattilsynet", org_number="985399077")
    db.session.commit()
    plan = plan_import(parse_register_csv(f"{HEADER}\n985399077;Helsedirektoratet;;;direktorat;\n"))
    [row] = plan.bad
    with force_locale("en"):
        assert "Another organisation already has the name Helsedirektoratet" in str(row.reasons[0])


def test_a_ministry_that_would_still_own_agencies_cannot_change_kind(db, make_organisation):
    kd = make_organisation(name_nb="Kunnskapsdepartementet", kind=OrganisationKind.MINISTRY, org_number="872417842")
    make_organisation(name_nb="Utdanningsdirektoratet", owning_ministry=kd, org_number="970018131")
    db.session.commit()
    plan = plan_import(parse_register_csv(f"{HEADER}\n872417842;Kunnskapsdepartementet;;;direktorat;\n"))
    [row] = plan.bad
    with force_locale("en"):
        assert "owns Utdanningsdirektoratet" in str(row.reasons[0])
    # Moving the agency away in the same file makes it possible.
    plan = plan_import(parse_register_csv(
        f"{HEADER}\n872417842;Kunnskapsdepartementet;;;direktorat;\n"
        ";Finansdepartementet;;;departement;\n970018131;Utdanningsdirektoratet;;;direktorat;Finansdepartementet\n"))
    assert plan.bad == []


def test_a_bad_row_cannot_be_ticked_nor_imported_by_posting_its_line(staff, db, saved_for_bad_file):
    text = f"{HEADER}\n872417842;Kunnskapsdepartementet;;KD;departement;\n970018132;Utdanningsdirektoratet;;;direktorat;872417842\n"
    preview = upload(staff, text)
    assert counts(preview) == {"new": 1, "changed": 0, "unchanged": 0, "bad": 1}
    page = read(preview.data)
    assert [tag["value"] for tag in page.all("input", name="rows")] == ["2"], "only the good row has a box"
    before, audits = org_count(db), audit_count(db)

    fields = confirm_fields(preview)
    response = staff.post("/organisations/import/confirm", data={**fields, "rows": ["2", "3"]}, headers=EN)
    assert response.status_code == 400
    assert "Line 3 cannot be imported" in read(response.data).text
    assert (org_count(db), audit_count(db)) == (before, audits)
    # The good row alone imports.
    assert confirm(staff, preview).status_code == 302
    assert org_count(db) == before + 1


def test_apply_refuses_a_bad_row(db):
    from tracker.domain import DomainError

    plan = plan_import(parse_register_csv(f"{HEADER}\n872417842;Kunnskapsdepartementet;;;departement;\n;;;;;x\n"))
    with pytest.raises(DomainError) as refusal:
        apply_import(plan, [2, 3])
    with force_locale("en"):
        assert "Line 3 cannot be imported" in str(refusal.value)
    assert org_count(db) == 0


# Confirming what was previewed, and only that


def test_a_confirm_after_the_database_changed_is_refused(staff, db):
    confirm(staff, upload(staff, sample_text()))
    preview = upload(staff, sample_text().replace("Lånekassen;Norwegian", "Statens lånekasse for utdanning;Norwegian"))
    assert counts(preview)["changed"] == 1
    # Someone renames the organisation between the preview and the confirm.
    lanekassen = organisations(db)["Lånekassen"]
    lanekassen.name_nb = "Statens lånekasse"
    db.session.commit()
    audits = audit_count(db)

    response = confirm(staff, preview)
    assert response.status_code == 409
    page = read(response.data)
    assert "changed after your preview" in page.text
    assert "Statens lånekasse →" in page.text  # the new preview shows the saved value now
    assert organisations(db).keys() >= {"Statens lånekasse"}
    assert audit_count(db) == audits
    # Confirming what is shown now works.
    assert confirm(staff, response).status_code == 302
    assert "Statens lånekasse for utdanning" in organisations(db)


def test_a_confirm_needs_this_sessions_preview(app, staff, db, make_user, kept_files):
    preview = upload(staff, sample_text())
    fields = confirm_fields(preview)
    # Another user's session does not know the token.
    other = app.test_client()
    login_as(other, make_user("admin"))
    response = other.post("/organisations/import/confirm",
                          data={**fields, "csrf_token": csrf_token(other)}, headers=EN)
    assert response.status_code == 302 and response.headers["Location"].endswith("/organisations/import")
    # A made-up or tampered token is refused; a path is never followed.
    for token in ("../../etc/passwd", "x" * 43, ""):
        response = staff.post("/organisations/import/confirm", data={**fields, "token": token})
        assert response.status_code == 302
    tampered = staff.post("/organisations/import/confirm", data={**fields, "digest": "0" * 64})
    assert tampered.status_code == 409
    assert org_count(db) == 0
    # Confirming twice imports once.
    assert confirm(staff, upload(staff, sample_text())).status_code == 302
    assert org_count(db) == 24
    assert staff.post("/organisations/import/confirm", data=fields).status_code == 302
    assert org_count(db) == 24


def test_a_new_preview_replaces_the_kept_file(staff, kept_files):
    upload(staff, sample_text())
    upload(staff, sample_text())
    assert len(list(kept_files.iterdir())) == 1


# The whole file refused


@pytest.mark.parametrize("content, message", [
    (b"", "The file is empty"),
    (b"\n\n  \n", "The file is empty"),
    (HEADER.encode() + b"\n", "header but no organisations"),
    (HEADER.encode() + b"\n;;;;;\n", "header but no organisations"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10", "an encoding the import does not know"),
    (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "not an Excel workbook"),
    (b"organisasjonsnummer;navn;engelsk_navn;kortnavn;overordnetEnhet\n872417842;KD;;;\n",
     "lacks the column(s) kind"),
    (b"Dette er bare tekst\nog mer tekst\n", "lacks the column(s) name, kind"),
    (b"navn;name;engelsk_navn;kortnavn;type;overordnet_enhet;orgnr\nA;B;;;departement;;\n",
     "Two columns of the file mean the name"),
])
def test_a_file_that_cannot_be_read_is_refused_on_the_form(staff, db, kept_files, content, message):
    audits = audit_count(db)
    response = upload(staff, content)
    assert response.status_code == 400
    page = read(response.data)
    assert page.all("input", id="file")[0].get("aria-invalid") == "true"
    assert message in page.text
    assert org_count(db) == 0 and audit_count(db) == audits
    assert not kept_files.exists() or not list(kept_files.iterdir())


def test_no_file_chosen_is_refused(staff):
    response = staff.post("/organisations/import", data={"csrf_token": csrf_token(staff)}, headers=EN)
    assert response.status_code == 400
    assert "Choose a file" in read(response.data).text


def test_the_upload_page_explains_the_file(staff):
    response = staff.get("/organisations/import", headers=EN)
    assert response.status_code == 200
    page = read(response.data)
    assert page.all("form", enctype="multipart/form-data")
    assert page.all("label", **{"for": "file"}) and page.all("div", id="file-description")


@pytest.mark.parametrize("role", ["agency", "ministry"])
def test_only_staff_may_import(client, db, make_user, role):
    login_as(client, make_user(role))
    assert client.get("/organisations/import").status_code == 403
    assert upload(client, sample_text()).status_code == 403
    assert client.post("/organisations/import/confirm", data={"csrf_token": csrf_token(client)}).status_code == 403


def test_planning_takes_a_fixed_number_of_queries(db, count_queries):
    small = parse_register_csv("\n".join(sample_text().splitlines()[:6]) + "\n")
    with count_queries() as few:
        plan_import(small)
    apply_import(plan_import(parse_register_csv(sample_text())))
    db.session.commit()
    with count_queries() as many:
        plan_import(parse_register_csv(sample_text()))
    assert many["n"] == few["n"] <= 2


def test_the_kept_file_is_private(staff, kept_files):
    upload(staff, sample_text())
    [kept] = list(kept_files.iterdir())
    assert os.stat(kept).st_mode & 0o077 == 0


@pytest.mark.parametrize("cell", ["Etat\x1bnavn", "Etat\x0bnavn", "\"Etat\nnavn\"", "Etat\x85navn"])
def test_a_control_character_deep_in_the_file_makes_its_row_bad(staff, db, cell):
    # Far past the first few kilobytes, where a binary file shows itself.
    filler = "".join(f";Etat {n};;;direktorat;\n" for n in range(400))
    text = f"{HEADER}\n{filler};{cell};;;direktorat;\n"
    assert len(text) > 8000
    preview = upload(staff, text)
    assert preview.status_code == 200
    rows = table_rows(preview, "bad-rows")
    assert list(rows) == [402]
    assert "The name holds a line break or a control character." in rows[402]
    assert b'name="digest"' not in preview.data or "cannot be imported" in read(preview.data).text
    assert org_count(db) == 0


# Readable names, entries and wording (review of issue 11, item 9)


@pytest.mark.parametrize("written, created", [
    ("SKATTEETATEN", "Skatteetaten"),
    ("STATENS VEGVESEN", "Statens vegvesen"),
    ("NAV KONTROLL", "NAV kontroll"),
    ("DIREKTORATET FOR FORVALTNING OG ØKONOMISTYRING (DFØ)", "Direktoratet for forvaltning og økonomistyring (DFØ)"),
    ("ARBEIDS- OG VELFERDSDIREKTORATET", "Arbeids- og velferdsdirektoratet"),
    ("NAV-KONTOR", "NAV-kontor"),
    ("STATISTISK SENTRALBYRÅ", "Statistisk sentralbyrå"),
    ("Statens vegvesen", "Statens vegvesen"),
    ("Norsk institutt for bioøkonomi", "Norsk institutt for bioøkonomi"),
])
def test_a_new_organisation_in_capitals_gets_a_readable_name(staff, db, written, created):
    preview = upload(staff, f"{HEADER}\n974760673;{written};;;ORGL;\n")
    assert table_rows(preview, "new-rows")[2].split("974760673")[0].strip().endswith(created), \
        "the preview shows the name it will create"
    assert confirm(staff, preview).status_code == 302
    assert list(organisations(db)) == [created]


def test_a_short_name_in_capitals_stays_in_capitals(db):
    plan = plan_import(parse_register_csv(f"{HEADER}\n;STATENS INNKREVINGSSENTRAL;;SI;ORGL;\n"))
    assert plan.new[0].name_nb == "Statens innkrevingssentral"
    plan = plan_import(parse_register_csv(f"{HEADER}\n;KLAGENEMNDA FOR BISTAND KNB;;KNB;ORGL;\n"))
    assert plan.new[0].name_nb == "Klagenemnda for bistand KNB"


def test_a_saved_organisation_keeps_its_spelling_and_a_new_number_reads_as_set(staff, db, make_organisation):
    make_organisation(name_nb="Skatteetaten", kind=OrganisationKind.DIRECTORATE)
    db.session.commit()
    preview = upload(staff, f"{HEADER}\n974761076;SKATTEETATEN;;;ORGL;\n")
    text = read(preview.data).text
    assert "Organisation number: set to 974761076" in text
    assert "from" not in table_rows(preview, "changed-rows")[2]
    nb = staff.post("/organisations/import", data={
        "file": (io.BytesIO(f"{HEADER}\n974761076;SKATTEETATEN;;;ORGL;\n".encode()), "x.csv"),
        "csrf_token": csrf_token(staff)}, content_type="multipart/form-data",
        headers={"Accept-Language": "nb"})
    nb_text = read(nb.data).text
    assert "Organisasjonsnummer: settes til 974761076" in nb_text
    assert "fra –" not in nb_text and "Fila" not in nb_text


def test_json_units_are_entries_not_lines(staff, db):
    content = ('{"_embedded": {"enheter": [{"organisasjonsnummer": "974760673", '
               '"navn": "SKATTEETATEN", "organisasjonsform": {"kode": "ORGL"}}]}}')
    preview = upload(staff, content, filename="enheter.json")
    html = preview.get_data(as_text=True)
    assert '<th scope="col">Entry</th>' in html and "Import entry 1" in html
    assert '<th scope="col">Line</th>' not in html
    csv_preview = upload(staff, f"{HEADER}\n974760673;SKATTEETATEN;;;ORGL;\n")
    assert '<th scope="col">Line</th>' in csv_preview.get_data(as_text=True)


def test_bokmal_says_filen_throughout():
    text = (Path(__file__).parents[2] / "tracker/translations/nb/LC_MESSAGES/messages.po").read_text()
    msgstrs = [line for line in text.splitlines() if not line.startswith(("msgid", "#"))]
    assert not [line for line in msgstrs if " fila" in line or "Fila " in line or '"fila' in line]


def test_a_json_files_messages_name_entries(staff, db):
    unit = '{"organisasjonsnummer": "974760673", "navn": "SKATTEETATEN", "organisasjonsform": {"kode": "ORGL"}}'
    preview = upload(staff, f'[{unit}, {unit}]', filename="enheter.json")
    bad = table_rows(preview, "bad-rows")
    assert "Organisation number 974760673 is also in entry 1." in bad[2]
    assert "line" not in bad[2]
    fields = confirm_fields(preview)
    refused = staff.post("/organisations/import/confirm", data={**fields, "rows": ["2"]}, headers=EN)
    assert "Entry 2 cannot be imported" in read(refused.data).text
    nb = staff.post("/organisations/import", data={
        "file": (io.BytesIO(f"[{unit}, {unit}]".encode()), "enheter.json"),
        "csrf_token": csrf_token(staff)}, content_type="multipart/form-data",
        headers={"Accept-Language": "nb"})
    assert "Organisasjonsnummeret 974760673 står også i oppføring 1." in read(nb.data).text


def workbook_bytes(rows: list[list[object]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Enheter")
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_workbook_is_read_with_numbers_as_text_and_gaps_as_blanks(app):
    from tracker.organisations.register_import import Deadline, read_upload

    data = workbook_bytes([
        [None], ["organisasjonsnummer", "navn", "kortnavn", "organisasjonsform.kode"],
        [974760673, "SKATTEETATEN", None, "ORGL"], [None, None, None, None],
        [972417807.0, "Finansdepartementet", "FIN", "STAT"]])
    parsed = read_upload(data, Deadline(60))
    assert parsed.source == "Excel" and parsed.error is None
    assert [(r.line, r.org_number, r.name_nb, r.short_name, r.kind) for r in parsed.rows] == [
        (3, "974760673", "SKATTEETATEN", "", "ORGL"), (5, "972417807", "Finansdepartementet", "FIN", "STAT")]


def test_the_deadline_is_checked_while_a_workbook_is_read(app, monkeypatch):
    from tracker import clock
    from tracker.domain import DomainError
    from tracker.organisations.register_import import Deadline, read_upload

    data = workbook_bytes([["navn", "type"]] + [[f"Virksomhet {n}", "ORGL"] for n in range(5001)])
    ticks = iter(range(0, 10_000, 10))  # ten seconds pass at each look at the clock
    monkeypatch.setattr(clock, "monotonic", lambda: next(ticks))
    deadline = Deadline(5)
    with pytest.raises(DomainError, match="tar for lang tid"):  # the default language, bokmål
        read_upload(data, deadline)
