"""Downloads: the sector overview, a cohort's attendance and the participation history, as CSV
and as Excel workbooks, each holding only what the user may see."""
import csv
import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from tests.conftest import login_as
from tests.html import read
from tests.reports.conftest import TODAY

EN = {"Accept-Language": "en"}


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline=""), delimiter=";"))


def workbook_sheet(response):
    return load_workbook(io.BytesIO(response.data)).active


@pytest.fixture
def on_today(frozen_clock):
    frozen_clock(TODAY)


@pytest.fixture
def as_role(client, make_user, world):
    def sign_in(role, organisation=None):
        login_as(client, make_user(role, organisation=world[organisation] if organisation else None))
        return client
    return sign_in


# The file formats


def test_csv_is_utf8_with_a_bom_semicolons_crlf_and_iso_dates(as_role, on_today):
    response = as_role("ministry", "kd").get("/reports/sector.csv", headers=EN)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    text = response.data.decode("utf-8-sig")
    assert text.split("\r\n")[0] == ("Organisation;Organisation number;Kind;Owning ministry;State;Programme;"
                                     "Cohort;Course month;Course length (months);Has completed;Completed on;"
                                     "Enrolments")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    rows = {row[0]: row for row in csv_rows(response)[1:]}
    assert rows["Utdanningsdirektoratet"][4:] == ["Completed", "Programme for top-management groups", "Pilot", "", "",
                                                  "Yes", "2016-06-20", "1"]
    assert rows["Kunnskapsdepartementet"][4:9] == ["Taking part", "Programme for top-management groups", "Kull 1", "7", "10"]
    assert rows["Kunnskapsdepartementet"][1] == "872417842"  # a number kept as written


def test_norwegian_letters_survive_a_round_trip(as_role, on_today):
    response = as_role("ministry", "kd").get("/reports/sector.csv")
    names = [row[0] for row in csv_rows(response)[1:]]
    assert "Lånekassen" in names and "Direktoratet for økonomisk tilsyn" in names
    assert len(names) == 7 and "Skattedirektoratet" not in names


def test_the_workbook_has_typed_cells_a_bold_header_and_frozen_panes(as_role, on_today):
    response = as_role("ministry", "kd").get("/reports/sector.xlsx", headers=EN)
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = workbook_sheet(response)
    assert sheet.title == "Sector overview"
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    assert [cell.value for cell in sheet[1]][:2] == ["Organisation", "Organisation number"]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    completed = rows["Utdanningsdirektoratet"][10]
    assert completed.is_date and completed.value == datetime(2016, 6, 20)
    assert "yy" in completed.number_format
    month = rows["Kunnskapsdepartementet"][7]
    assert month.value == 7 and month.data_type == "n"
    assert rows["Lånekassen"][11].value == 2
    assert sheet.column_dimensions["A"].width >= len("Direktoratet for økonomisk tilsyn")


def test_downloads_are_attachments_named_after_what_they_hold(as_role, world, attendance_world):
    client = as_role("coordinator")
    response = client.get(f"/reports/cohorts/{world['kull1'].id}/attendance.csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="kull-1-oppmote.csv"'
    response = client.get(f"/reports/sector.xlsx?ministry={world['kd'].id}")
    assert response.headers["Content-Disposition"] == 'attachment; filename="sektor-kd.xlsx"'
    assert client.get("/reports/sector.csv").headers["Content-Disposition"].endswith('"sektor-hele-staten.csv"')
    response = client.get(f"/reports/participation.csv?organisation={world['lanekassen'].id}")
    assert response.headers["Content-Disposition"].endswith('"deltakelse-lanekassen.csv"')


@pytest.mark.parametrize("path", ["/reports/sector.pdf", "/reports/sector.CSV", "/reports/participation.json",
                                  "/reports/cohorts/{cohort}/attendance.txt"])
def test_any_other_format_is_not_found(as_role, world, path):
    client = as_role("coordinator")
    assert client.get(path.format(cohort=world["kull1"].id)).status_code == 404


# A cohort's attendance


def test_coordinators_get_every_group_with_notes(as_role, attendance_world):
    response = as_role("coordinator").get(f"/reports/cohorts/{attendance_world['kull1'].id}/attendance.csv", headers=EN)
    rows = csv_rows(response)
    assert rows[0] == ["Cohort", "Organisation", "Person", "Role", "Session date", "Module", "Status", "Note"]
    body = rows[1:]
    # The joint gathering for all four people, and each group's own session for its two; the
    # planned gathering is not held, so not in the file.
    assert len(body) == 4 + 2 + 2
    assert {row[4] for row in body} == {"2016-10-04", "2016-11-08", "2016-11-09"}
    assert ["Kull 1", "Kunnskapsdepartementet", "Bjørn Bæverfjord", "Member", "2016-10-04",
            "Joint gathering 1", "Excused", "'=Syk på reise"] in body  # a formula stays text
    assert ["Kull 1", "Skattedirektoratet", "Øyvind Ås", "Member", "2016-10-04", "Joint gathering 1",
            "Not recorded", ""] in body
    assert body[0][2] == "Åse Ødegård"  # by session, then organisation, top leader first


def test_an_agency_leader_gets_only_their_own_groups_rows_with_their_notes(as_role, attendance_world):
    response = as_role("agency", "skd").get(f"/reports/cohorts/{attendance_world['kull1'].id}/attendance.csv", headers=EN)
    assert response.status_code == 200
    rows = csv_rows(response)
    assert rows[0][-1] == "Note"  # their own group's notes, as on their group page
    assert {row[1] for row in rows[1:]} == {"Skattedirektoratet"}
    assert len(rows[1:]) == 4  # two people at the joint gathering and at their own session
    text = response.data.decode("utf-8-sig")
    assert "Kolliderte med budsjettmøte" in text
    assert "Syk på reise" not in text  # another group's note


def test_a_ministry_viewer_gets_only_their_sectors_groups(as_role, attendance_world):
    response = as_role("ministry", "kd").get(f"/reports/cohorts/{attendance_world['kull1'].id}/attendance.xlsx", headers=EN)
    sheet = workbook_sheet(response)
    assert sheet.title == "Attendance" and sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]][-1] == "Status"  # no notes
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert {row[1] for row in rows} == {"Kunnskapsdepartementet"} and len(rows) == 4
    assert all(isinstance(row[4], datetime) for row in rows)
    assert sheet.cell(row=2, column=5).number_format == "yyyy-mm-dd"


def test_a_cohort_outside_the_users_scope_is_not_found(as_role, attendance_world):
    client = as_role("agency", "udir")
    assert client.get(f"/reports/cohorts/{attendance_world['kull1'].id}/attendance.csv").status_code == 404
    assert client.get("/reports/cohorts/999999/attendance.csv").status_code == 404


def test_a_formula_in_a_workbook_stays_text(as_role, attendance_world):
    response = as_role("coordinator").get(f"/reports/cohorts/{attendance_world['kull1'].id}/attendance.xlsx")
    sheet = workbook_sheet(response)
    notes = [row[7] for row in sheet.iter_rows(min_row=2)]
    formula = [cell for cell in notes if cell.value and str(cell.value).startswith("=")]
    assert len(formula) == 1 and formula[0].data_type == "s"


def test_the_cohort_page_links_its_attendance_downloads(as_role, attendance_world):
    cohort_id = attendance_world["kull1"].id
    for role, organisation in (("coordinator", None), ("agency", "skd"), ("ministry", "kd")):
        page = read(as_role(role, organisation).get(f"/cohorts/{cohort_id}").data)
        for fmt in ("csv", "xlsx"):
            assert page.all("a", href=f"/reports/cohorts/{cohort_id}/attendance.{fmt}"), (role, fmt)


# The participation history


def test_a_ministry_viewer_gets_only_their_sectors_participation(as_role, world, on_today):
    response = as_role("ministry", "fin").get("/reports/participation.csv", headers=EN)
    rows = csv_rows(response)
    assert rows[0] == ["Organisation", "Organisation number", "Owning ministry", "Programme", "Cohort",
                       "Term", "Start", "Planned end", "Status", "Status since", "State in the sector"]
    # Confirmed for a cohort that has started: taking part.
    assert rows[1:] == [["Skattedirektoratet", "", "Finansdepartementet", "Programme for top-management groups", "Kull 1", "Autumn 2016",
                         "2016-09-01", "2017-07-01", "Confirmed", "2016-06-01", "Taking part"]]


def test_staff_get_every_enrolment(as_role, world):
    rows = csv_rows(as_role("admin").get("/reports/participation.csv", headers=EN))[1:]
    assert len(rows) == 8
    lanekassen = [row for row in rows if row[0] == "Lånekassen"]
    assert [(row[4], row[8]) for row in lanekassen] == [("Pilot", "Withdrawn"), ("Kull 5", "Invited")]


def test_an_agency_leader_gets_only_their_own_organisation(as_role, world):
    client = as_role("agency", "udir")
    rows = csv_rows(client.get("/reports/participation.csv"))[1:]
    assert {row[0] for row in rows} == {"Utdanningsdirektoratet"}
    assert client.get(f"/reports/participation.csv?organisation={world['skd'].id}").status_code == 404
    assert client.get(f"/reports/participation.csv?ministry={world['kd'].id}").status_code == 404


def test_the_participation_workbook_has_real_dates(as_role, world):
    sheet = workbook_sheet(as_role("coordinator").get(
        f"/reports/participation.xlsx?organisation={world['udir'].id}", headers=EN))
    assert sheet.title == "Participation history"
    (row,) = sheet.iter_rows(min_row=2)
    assert row[6].is_date and row[6].value.date() == date(2015, 9, 1)
    assert row[9].value.date() == date(2016, 6, 20)


@pytest.mark.parametrize("query", ["organisation=abc", "organisation=999999", "ministry=999999", "ministry=x"])
def test_participation_filters_that_point_nowhere_are_not_found(as_role, world, query):
    assert as_role("coordinator").get(f"/reports/participation.csv?{query}").status_code == 404


def test_a_ministry_viewer_can_filter_to_an_organisation_in_their_sector_only(as_role, world):
    client = as_role("ministry", "kd")
    rows = csv_rows(client.get(f"/reports/participation.csv?organisation={world['udir'].id}"))[1:]
    assert [row[0] for row in rows] == ["Utdanningsdirektoratet"]
    assert client.get(f"/reports/participation.csv?organisation={world['skd'].id}").status_code == 404
    assert client.get(f"/reports/participation.csv?ministry={world['fin'].id}").status_code == 404


def test_the_organisation_page_links_its_participation_downloads(as_role, world):
    page = read(as_role("agency", "udir").get(f"/organisations/{world['udir'].id}").data)
    for fmt in ("csv", "xlsx"):
        assert page.all("a", href=f"/reports/participation.{fmt}?organisation={world['udir'].id}")


def test_the_exports_take_a_fixed_number_of_queries(as_role, db, world, attendance_world, make_organisation, count_queries):
    from tracker.groups.services import enrol

    client = as_role("coordinator")
    urls = ["/reports/participation.csv", "/reports/sector.xlsx",
            f"/reports/cohorts/{world['kull1'].id}/attendance.csv"]
    before = []
    for url in urls:
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        before.append(counter["n"])
    for n in range(3):
        enrol(world["kull1"], make_organisation(name_nb=f"Ekstra {n}", owning_ministry=world["kd"]))
    db.session.commit()
    after = []
    for url in urls:
        with count_queries() as counter:
            client.get(url)
        after.append(counter["n"])
    assert after == before
