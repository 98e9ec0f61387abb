"""The sector overview and its downloads stay bounded as organisations and cohorts add up
(issue 14): counted by the database, one page of organisations at a time, downloads streamed
from one statement read in batches."""
import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from tests.conftest import login_as
from tests.html import read
from tests.reports.conftest import TODAY
from tests.reports.reference_overview import sector_overview
from tracker.extensions import db as _db
from tracker.groups.models import EnrolmentStatus
from tracker.groups.services import enrol, record_status
from tracker.reports import exports
from tracker.reports.services import (
    ORGANISATIONS_PER_PAGE,
    SectorState,
    participation,
    participation_enrolments,
    sector_summary,
)

EN = {"Accept-Language": "en"}
PROGRAMME = "Programme for top-management groups"  # the factory's, in English


@pytest.fixture
def on_today(frozen_clock):
    frozen_clock(TODAY)


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def crowd(make_organisation, owner, count, prefix="Etat"):
    """`count` agencies of `owner` that have never taken part, named so they sort in order."""
    return [make_organisation(name_nb=f"{prefix} {n:03d}", owning_ministry=owner) for n in range(count)]


# The summary


def test_the_summary_counts_each_state_as_the_full_overview_does(world):
    for ministry in (None, world["kd"], world["fin"]):
        summary = sector_summary(ministry, TODAY)
        overview = sector_overview(ministry, TODAY)
        assert summary.counts == overview.counts
        assert (summary.total, summary.completed) == (overview.total, overview.completed)
    kd = sector_summary(world["kd"], TODAY)
    assert kd.counts == {SectorState.NOT_STARTED: 1, SectorState.INVITED: 2, SectorState.CONFIRMED: 0,
                         SectorState.ACTIVE: 2, SectorState.COMPLETED: 1, SectorState.WITHDRAWN: 1}
    assert (kd.total, kd.completed, kd.completed_share) == (7, 1, 14)


def test_the_whole_state_is_summed_up_per_ministry(world, make_organisation):
    loose = make_organisation(name_nb="Frittstående tilsyn")  # owned by no ministry
    enrol(world["kull1"], loose, status=EnrolmentStatus.CONFIRMED)
    summary = sector_summary(None, TODAY)
    rows = {row.ministry_id: row for row in summary.ministries}
    assert [row.ministry_id for row in summary.ministries] == [world["fin"].id, world["kd"].id, None]
    kd, fin, none = rows[world["kd"].id], rows[world["fin"].id], rows[None]
    assert (kd.name_nb, kd.total, kd.completed, kd.taking_part, kd.not_started) == (
        "Kunnskapsdepartementet", 7, 1, 2, 1)
    assert kd.name("en") == "Ministry of Education and Research"
    assert (fin.total, fin.completed, fin.taking_part, fin.not_started) == (2, 0, 1, 1)
    # Under no ministry: the loose agency, and whatever else the tests' database holds, as the
    # full overview finds them.
    unowned = [row for row in sector_overview(None, TODAY).organisations
               if row.organisation.owning_ministry_id is None
               and row.organisation.kind.name != "MINISTRY"]
    assert loose.id in {row.organisation.id for row in unowned}
    assert none.total == len(unowned)
    assert none.taking_part == sum(row.state is SectorState.ACTIVE for row in unowned) >= 1
    assert none.not_started == sum(row.state is SectorState.NOT_STARTED for row in unowned)
    assert summary.total == sum(row.total for row in summary.ministries)


def test_an_organisation_that_completed_then_enrolled_again_counts_its_latest_and_has_completed(world):
    again = enrol(world["kull5"], world["udir"], status=EnrolmentStatus.CONFIRMED)
    record_status(again, EnrolmentStatus.WITHDRAWN, reason="Ny leder")
    summary = sector_summary(world["kd"], TODAY)
    assert summary.counts[SectorState.WITHDRAWN] == 2 and summary.counts[SectorState.COMPLETED] == 0
    assert summary.completed == 1  # Udir, from its pilot
    assert summary.counts == sector_overview(world["kd"], TODAY).counts


def test_the_page_shows_the_summary_per_ministry_linking_each_sector(client, world, make_user, on_today):
    login_as(client, make_user("coordinator"))
    page = read(client.get("/reports/sector", headers=EN).data)
    assert "Each ministry's sector" in page.text
    assert page.all("a", href=f"/reports/sector?ministry={world['kd'].id}")
    assert page.all("a", href=f"/reports/sector?ministry={world['fin'].id}")
    assert "Ministry of Education and Research 7 1 2 1" in page.text
    # A ministry's own sector has no table of ministries.
    page = read(client.get(f"/reports/sector?ministry={world['kd'].id}", headers=EN).data)
    assert "Each ministry's sector" not in page.text


# One page of organisations at a time


def test_page_two_shows_the_next_organisations(client, world, make_user, make_organisation, on_today):
    crowd(make_organisation, world["fin"], 60)
    _db.session.commit()
    login_as(client, make_user("coordinator"))
    expected = [row.organisation.id for row in sector_overview(None, TODAY).organisations]
    total = len(expected)
    assert 69 <= total < 2 * ORGANISATIONS_PER_PAGE

    def shown(response):
        page = read(response.data)
        return [int(match[1]) for a in page.all("a")
                if (match := re.fullmatch(r"/organisations/(\d+)", a.get("href", "")))], page

    first, page = shown(client.get("/reports/sector", headers=EN))
    assert first == expected[:ORGANISATIONS_PER_PAGE]
    assert f"Organisations 1 to 50 of {total}" in page.text and "Page 1 of 2" in page.text
    assert page.all("a", href="/reports/sector?page=2#organisations", rel="next")
    second, page = shown(client.get("/reports/sector?page=2", headers=EN))
    assert second == expected[ORGANISATIONS_PER_PAGE:]
    assert f"Organisations 51 to {total} of {total}" in page.text
    assert page.all("a", href="/reports/sector?page=1#organisations", rel="prev")
    assert "(page 2)" in page.title
    # The summary is the whole sector's on every page.
    assert f"1 of {total} organisations" in page.text


def test_a_ministrys_pages_keep_the_ministry(client, world, make_user, make_organisation, on_today):
    crowd(make_organisation, world["kd"], 50)
    _db.session.commit()
    login_as(client, make_user("coordinator"))
    kd = world["kd"].id
    page = read(client.get(f"/reports/sector?ministry={kd}", headers=EN).data)
    assert page.all("a", href=f"/reports/sector?page=2&ministry={kd}#organisations")
    page = read(client.get(f"/reports/sector?ministry={kd}&page=2", headers=EN).data)
    assert "Organisations 51 to 57 of 57" in page.text
    assert "Skattedirektoratet" not in page.text


@pytest.mark.parametrize("number", ["2", "3", "99999"])
def test_a_page_past_the_end_is_not_found_and_says_how_many_there_are(client, world, make_user, number):
    login_as(client, make_user("coordinator"))
    response = client.get(f"/reports/sector?page={number}", headers=EN)
    assert response.status_code == 404
    assert (f"There is no page {number} of this sector's organisations: it has 1."
            in read(response.data).text)


def test_the_message_is_in_the_users_language(client, world, make_user):
    login_as(client, make_user("coordinator"))
    response = client.get("/reports/sector?page=5", headers={"Accept-Language": "nb"})
    assert response.status_code == 404
    assert "Det finnes ingen side 5" in read(response.data).text


@pytest.mark.parametrize("number", ["-1", "0", "abc", "1.5", str(2**31)])
def test_a_page_that_cannot_exist_is_not_found(client, world, make_user, number):
    login_as(client, make_user("coordinator"))
    assert client.get(f"/reports/sector?page={number}").status_code == 404


def test_an_empty_sector_has_one_empty_page(client, db, make_organisation, make_user, on_today):
    login_as(client, make_user("coordinator"))
    response = client.get("/reports/sector", headers=EN)
    assert response.status_code == 200
    assert "No organisations in this sector." in read(response.data).text
    assert client.get("/reports/sector?page=2").status_code == 404


def test_the_page_takes_the_same_few_statements_for_five_or_fifty_more_groups(
        client, db, world, make_user, make_organisation, make_cohort, count_queries, on_today):
    login_as(client, make_user("coordinator"))

    def grow(count, label, ordinal):
        cohort = make_cohort(label=label, ordinal=ordinal, start_date=date(2016 + ordinal // 10, 9, 1),
                             capacity=50)
        for organisation in crowd(make_organisation, world["fin"], count, prefix=label):
            enrol(cohort, organisation, status=EnrolmentStatus.CONFIRMED)
        db.session.commit()

    grow(5, "Kull 6", 6)
    with count_queries() as few:
        assert client.get("/reports/sector").status_code == 200
    grow(45, "Kull 7", 7)
    with count_queries() as many:
        assert client.get("/reports/sector").status_code == 200
        assert client.get("/reports/sector?page=2").status_code == 200
    assert many["n"] == 2 * few["n"]
    assert few["n"] <= 15


# The downloads


def old_sector_rows(ministry):
    """The sector download's rows as they were made before streaming: from every organisation's
    full history, loaded record by record (`sector_overview`)."""
    yes, no = "Yes", "No"
    return [[
        row.organisation.name_nb, row.organisation.org_number or "", str(row.organisation.kind.label),
        row.organisation.owning_ministry.name_nb if row.organisation.owning_ministry else "",
        str(row.state.label), row.cohort.programme.name("en") if row.cohort else "",
        row.cohort.label if row.cohort else "",
        "" if row.month is None else str(row.month),
        "" if row.course_length is None else str(row.course_length),
        yes if row.has_completed else no,
        row.completed_on.isoformat() if row.completed_on else "", str(len(row.history)),
    ] for row in sector_overview(ministry, TODAY).organisations]


def old_participation_rows(user):
    return [[
        p.enrolment.organisation.name_nb, p.enrolment.organisation.org_number or "",
        p.enrolment.organisation.owning_ministry.name_nb if p.enrolment.organisation.owning_ministry else "",
        p.cohort.programme.name("en"), p.cohort.label, str(p.cohort.term), p.cohort.start_date.isoformat(), p.cohort.planned_end.isoformat(),
        str(p.status.label), p.status_since.isoformat() if p.status_since else "", str(p.state.label),
    ] for p in (participation(e, TODAY) for e in _db.session.scalars(participation_enrolments(user)))]


def more_history(world, make_organisation, make_cohort):
    """A completed group without a recorded change, a second completion and a later withdrawal."""
    kull0 = make_cohort(label="Kull 0", ordinal=2, start_date=date(2014, 9, 1), capacity=10)
    old = enrol(kull0, world["nokut"], status=EnrolmentStatus.CONFIRMED)
    record_status(old, EnrolmentStatus.COMPLETED)
    old.status_history.clear()  # a group from before the status history: its cohort's end counts
    agency = make_organisation(name_nb="Æ-etaten", owning_ministry=world["fin"], org_number="974760673")
    record_status(enrol(kull0, agency, status=EnrolmentStatus.CONFIRMED), EnrolmentStatus.ACTIVE)
    _db.session.commit()


def test_the_streamed_sector_download_has_the_same_rows_as_before(
        client, world, make_user, make_organisation, make_cohort, on_today):
    more_history(world, make_organisation, make_cohort)
    login_as(client, make_user("coordinator"))
    with client.application.test_request_context(headers=EN):
        for ministry in (None, world["kd"], world["fin"]):
            expected = old_sector_rows(ministry)
            query = f"?ministry={ministry.id}" if ministry else ""
            got = csv_rows(client.get(f"/reports/sector.csv{query}", headers=EN).data)[1:]
            assert sorted(got) == sorted(expected) and len(got) == len(expected)


def test_a_completion_without_a_recorded_change_has_its_cohorts_end(
        client, world, make_user, make_organisation, make_cohort, on_today):
    more_history(world, make_organisation, make_cohort)
    login_as(client, make_user("coordinator"))
    rows = {row[0]: row for row in csv_rows(client.get("/reports/sector.csv", headers=EN).data)[1:]}
    # NOKUT completed Kull 0 (no change recorded), then withdrew from Kull 1: the newer counts.
    assert rows["NOKUT"][4:] == ["Withdrawn", PROGRAMME, "Kull 1", "", "", "Yes", "2015-07-01", "2"]
    assert rows["Æ-etaten"][4:9] == ["Taking part", PROGRAMME, "Kull 0", "10", "10"]


def test_the_streamed_participation_download_has_the_same_rows_as_before(
        client, world, make_user, make_organisation, make_cohort, on_today):
    more_history(world, make_organisation, make_cohort)
    user = make_user("coordinator")
    login_as(client, user)
    with client.application.test_request_context(headers=EN):
        expected = old_participation_rows(user)
    got = csv_rows(client.get("/reports/participation.csv", headers=EN).data)[1:]
    assert got == expected and len(got) == 10


def test_the_streamed_workbooks_hold_the_same_rows(client, world, make_user, on_today):
    login_as(client, make_user("coordinator"))
    for name in ("sector", "participation"):
        rows = csv_rows(client.get(f"/reports/{name}.csv").data)
        sheet = load_workbook(io.BytesIO(client.get(f"/reports/{name}.xlsx").data)).active
        assert sheet.max_row == len(rows)
        assert [cell.value for cell in sheet[1]] == rows[0]
        assert sorted(str(row[0].value) for row in sheet.iter_rows(min_row=2)) == sorted(
            row[0] for row in rows[1:])


def test_the_downloads_take_the_same_statements_for_five_or_fifty_groups(
        client, db, world, make_user, make_organisation, make_cohort, count_queries, on_today):
    login_as(client, make_user("coordinator"))
    urls = ["/reports/sector.csv", "/reports/sector.xlsx", "/reports/participation.csv",
            "/reports/participation.xlsx", f"/reports/sector.csv?ministry={world['fin'].id}"]

    def grow(count, label, ordinal):
        cohort = make_cohort(label=label, ordinal=ordinal, start_date=date(2016, 9, ordinal), capacity=50)
        for organisation in crowd(make_organisation, world["fin"], count, prefix=label):
            enrolment = enrol(cohort, organisation, status=EnrolmentStatus.CONFIRMED)
            record_status(enrolment, EnrolmentStatus.ACTIVE)
        db.session.commit()

    def counted():
        numbers, sizes = [], []
        for url in urls:
            with count_queries() as counter:
                response = client.get(url)
                assert response.status_code == 200
                sizes.append(len(response.data))
            numbers.append(counter["n"])
        return numbers, sizes

    grow(5, "Kull 6", 6)
    few, small = counted()
    grow(45, "Kull 7", 7)
    many, large = counted()
    assert many == few
    assert all(b > a for a, b in zip(small, large))  # the files did grow


def test_a_download_is_streamed_and_starts_before_its_rows_are_read(app, world, make_user, on_today):
    read_so_far = []

    def rows():
        for n in range(3 * exports.CSV_ROWS_PER_CHUNK):
            read_so_far.append(n)
            yield (f"Rad {n}", n, date(2017, 1, 1))

    for fmt in ("csv", "xlsx"):
        read_so_far.clear()
        table = exports.Table("Prøve", "prove", ["Navn", "Tall", "Dag"], rows())
        with app.test_request_context(f"/x.{fmt}"):
            response = exports.download(table, fmt)
            assert response.is_streamed
            assert read_so_far == []  # nothing read when the answer leaves the view
            chunks = iter(response.response)
            first = next(chunks)
            if fmt == "csv":
                assert first.startswith(b"\xef\xbb\xbf") and first.count(b"\r\n") == 1
                assert read_so_far == []  # the header went out before any row was read
                second = next(chunks)
                assert second.count(b"\r\n") == exports.CSV_ROWS_PER_CHUNK
                assert len(read_so_far) == exports.CSV_ROWS_PER_CHUNK  # not all of them
            body = first + b"".join(chunks)
            response.close()
        assert len(read_so_far) == 3 * exports.CSV_ROWS_PER_CHUNK
        if fmt == "xlsx":
            sheet = load_workbook(io.BytesIO(body)).active
            assert sheet.max_row == 1 + 3 * exports.CSV_ROWS_PER_CHUNK
            assert sheet["C2"].is_date and sheet.freeze_panes == "A2"


def test_the_real_sector_download_is_streamed(app, world, make_user, on_today):
    from tracker.auth.sessions import sign_in
    from tracker.reports.routes import participation_export, sector_export

    user = make_user("coordinator")
    _db.session.commit()
    for view in (sector_export, participation_export):
        with app.test_request_context("/reports/x.csv", headers=EN):
            sign_in(user)
            response = view(fmt="csv")
            assert response.is_streamed
            body = b"".join(response.response)
            response.close()
        assert len(csv_rows(body)) > 5



def test_the_downloads_name_each_cohorts_programme(
        client, world, make_user, make_programme, make_cohort, on_today):
    """Two programmes may each have a "Kull 1": the downloads say whose, in the reader's language."""
    middle = make_programme(name_nb="Program for mellomledere", name_en="Programme for middle managers",
                            responsible_organisation=world["kull1"].programme.responsible_organisation)
    other = make_cohort(programme=middle, label="Kull 1", ordinal=1, start_date=date(2016, 10, 1),
                        capacity=10)
    enrol(other, world["fin"], status=EnrolmentStatus.CONFIRMED)
    _db.session.commit()
    login_as(client, make_user("coordinator"))
    sector = csv_rows(client.get(f"/reports/sector.csv?ministry={world['fin'].id}", headers=EN).data)
    assert sector[0][5:7] == ["Programme", "Cohort"]
    assert {row[0]: row[5:7] for row in sector[1:]}["Finansdepartementet"] == [
        "Programme for middle managers", "Kull 1"]
    participation = csv_rows(client.get(f"/reports/participation.csv?organisation={world['fin'].id}").data)
    assert participation[0][3:5] == ["Program", "Kull"]
    assert [row[3:5] for row in participation[1:]] == [["Program for mellomledere", "Kull 1"]]
