"""True sector figures: the whole lifecycle (invited, confirmed, taking part, completed,
withdrawn) in the overview, its counts, its downloads and the API; "has completed" from the
whole history, whatever came later; percentages rounded half up."""
import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from tests.conftest import login_as, oslo
from tests.html import read
from tracker.auth.tokens import new_token
from tracker.groups.models import EnrolmentStatus
from tracker.groups.services import enrol, record_status
from tracker.organisations.models import OrganisationKind
from tests.reports.reference_overview import sector_overview
from tracker.reports.services import SectorState

TODAY = date(2017, 3, 15)
EN = {"Accept-Language": "en"}


@pytest.fixture
def sector(db, make_organisation, make_cohort):
    """On TODAY, the Ministry of Culture's (KUD's) sector, every agency of which has completed:

    - Arkivverket completed Kull 1 (marked on 20 June 2016) and is invited to Kull 5;
    - Språkrådet completed Kull 1 and is confirmed for Kull 5, which starts in September;
    - Medietilsynet completed Kull 1 and withdrew from Kull 5;
    - KUD itself is confirmed for Kull 5 and never took part before.
    """
    kud = make_organisation(name_nb="Kulturdepartementet", short_name="KUD",
                            name_en="Ministry of Culture", kind=OrganisationKind.MINISTRY)
    agencies = {
        key: make_organisation(name_nb=name, owning_ministry=kud)
        for key, name in (("arkivverket", "Arkivverket"), ("spraakraadet", "Språkrådet"),
                          ("medietilsynet", "Medietilsynet"))
    }
    kull1 = make_cohort(label="Kull 1", ordinal=1, start_date=date(2015, 9, 1), capacity=10)
    kull5 = make_cohort(label="Kull 5", ordinal=5, start_date=date(2017, 9, 1), capacity=10)
    for organisation in agencies.values():
        group = enrol(kull1, organisation, status=EnrolmentStatus.CONFIRMED, at=oslo(2015, 6, 1))
        record_status(group, EnrolmentStatus.ACTIVE, at=oslo(2015, 9, 1))
        record_status(group, EnrolmentStatus.COMPLETED, at=oslo(2016, 6, 20))
    enrol(kull5, agencies["arkivverket"], at=oslo(2017, 3, 1))
    enrol(kull5, agencies["spraakraadet"], status=EnrolmentStatus.CONFIRMED, at=oslo(2017, 3, 1))
    gone = enrol(kull5, agencies["medietilsynet"], at=oslo(2017, 2, 1))
    record_status(gone, EnrolmentStatus.WITHDRAWN, reason="Ny direktør", at=oslo(2017, 3, 1))
    enrol(kull5, kud, status=EnrolmentStatus.CONFIRMED, at=oslo(2017, 3, 2))
    db.session.commit()
    return {"kud": kud, **agencies, "kull1": kull1, "kull5": kull5}


def enrol_as(cohort, organisation, status):
    """A group of the organisation in the cohort that has come to `status` the usual way."""
    steps = {
        EnrolmentStatus.INVITED: [EnrolmentStatus.INVITED],
        EnrolmentStatus.CONFIRMED: [EnrolmentStatus.CONFIRMED],
        EnrolmentStatus.WITHDRAWN: [EnrolmentStatus.INVITED, EnrolmentStatus.WITHDRAWN],
        EnrolmentStatus.ACTIVE: [EnrolmentStatus.CONFIRMED, EnrolmentStatus.ACTIVE],
        EnrolmentStatus.COMPLETED: [EnrolmentStatus.CONFIRMED, EnrolmentStatus.ACTIVE,
                                    EnrolmentStatus.COMPLETED],
    }[status]
    group = enrol(cohort, organisation, status=steps[0])
    for step in steps[1:]:
        record_status(group, step)
    return group


def rows_by_name(overview):
    return {row.organisation.name_nb: row for row in overview.organisations}


def test_completed_once_counts_as_completed_whatever_came_later(sector):
    overview = sector_overview(sector["kud"], TODAY)
    rows = rows_by_name(overview)

    arkivverket = rows["Arkivverket"]
    assert arkivverket.state is SectorState.INVITED and arkivverket.cohort == sector["kull5"]
    assert arkivverket.has_completed and arkivverket.completed_on == date(2016, 6, 20)
    assert rows["Språkrådet"].state is SectorState.CONFIRMED and rows["Språkrådet"].has_completed
    assert rows["Medietilsynet"].state is SectorState.WITHDRAWN and rows["Medietilsynet"].has_completed
    kud = rows["Kulturdepartementet"]
    assert kud.state is SectorState.CONFIRMED and not kud.has_completed and kud.completed_on is None

    assert overview.counts == {
        SectorState.NOT_STARTED: 0, SectorState.INVITED: 1, SectorState.CONFIRMED: 2,
        SectorState.ACTIVE: 0, SectorState.COMPLETED: 0, SectorState.WITHDRAWN: 1,
    }
    # Three of four: 75 %, where counting only the latest enrolment said none.
    assert overview.completed == 3 and overview.completed_share == 75


def test_every_agency_completed_is_one_hundred_per_cent(sector, make_organisation):
    """The issue's case: two of three agencies enrolled again showed 66.7 %, where 100 % is true."""
    ministry = make_organisation(name_nb="Tomt departement", kind=OrganisationKind.MINISTRY)
    for key in ("arkivverket", "spraakraadet", "medietilsynet"):
        sector[key].owning_ministry = ministry
    overview = sector_overview(ministry, TODAY)
    assert (overview.completed, overview.total) == (3, 4)
    enrol_as(sector["kull1"], ministry, EnrolmentStatus.COMPLETED)
    overview = sector_overview(ministry, TODAY)
    assert overview.completed == overview.total == 4 and overview.completed_share == 100


@pytest.mark.parametrize("status, cohort_start, expected", [
    (EnrolmentStatus.INVITED, date(2017, 9, 1), SectorState.INVITED),
    (EnrolmentStatus.CONFIRMED, date(2017, 9, 1), SectorState.CONFIRMED),
    (EnrolmentStatus.CONFIRMED, date(2017, 1, 9), SectorState.ACTIVE),  # running: taking part
    (EnrolmentStatus.ACTIVE, date(2017, 1, 9), SectorState.ACTIVE),
    (EnrolmentStatus.INVITED, date(2017, 1, 9), SectorState.INVITED),  # never said yes
    # Its course is over, but only the group's status says it completed.
    (EnrolmentStatus.ACTIVE, date(2015, 9, 1), SectorState.ACTIVE),
    (EnrolmentStatus.CONFIRMED, date(2015, 9, 1), SectorState.ACTIVE),
    (EnrolmentStatus.COMPLETED, date(2015, 9, 1), SectorState.COMPLETED),
    (EnrolmentStatus.INVITED, date(2015, 9, 1), SectorState.INVITED),  # never took part
    (EnrolmentStatus.WITHDRAWN, date(2017, 1, 9), SectorState.WITHDRAWN),
])
def test_each_step_of_the_lifecycle(db, make_organisation, make_cohort, status, cohort_start, expected):
    ministry = make_organisation(name_nb="Departementet", kind=OrganisationKind.MINISTRY)
    cohort = make_cohort(start_date=cohort_start, capacity=10)
    enrol_as(cohort, ministry, status)
    (row,) = sector_overview(ministry, TODAY).organisations
    assert row.state is expected
    assert row.has_completed is (expected is SectorState.COMPLETED)


@pytest.mark.parametrize("completed, total, share", [(2, 3, 67), (1, 3, 33), (1, 8, 13), (2, 7, 29), (0, 5, 0)])
def test_the_share_is_rounded_half_up_on_the_exact_fraction(db, make_organisation, make_cohort, completed, total, share):
    ministry = make_organisation(name_nb="Departementet", kind=OrganisationKind.MINISTRY)
    past = make_cohort(start_date=date(2015, 9, 1), capacity=10)
    for n in range(total - 1):
        agency = make_organisation(name_nb=f"Etat {n}", owning_ministry=ministry)
        if n < completed:
            enrol_as(past, agency, EnrolmentStatus.COMPLETED)
    overview = sector_overview(ministry, TODAY)
    assert (overview.completed, overview.total, overview.completed_share) == (completed, total, share)


# The page


@pytest.fixture
def ministry_client(client, make_user, sector, frozen_clock):
    frozen_clock(TODAY)
    login_as(client, make_user("ministry", organisation=sector["kud"]))
    return client


def test_the_page_shows_the_whole_lifecycle_and_completion_from_history(ministry_client):
    html = ministry_client.get("/reports/sector", headers=EN).data.decode()
    page = read(html)

    assert "75% of the sector has completed the programme: 3 of 4 organisations" in page.text
    # Every state in the counts, in the lifecycle's order, adding up to the total.
    assert ("Not started 0 Invited 1 Confirmed 2 Taking part 0 Completed 0 Withdrawn 1 Total 4"
            in page.text)
    # Confirmed is shown as confirmed, not as invited.
    assert html.count('class="ds-tag" data-color="info">Confirmed<') == 2
    assert html.count('class="ds-tag" data-color="info">Invited<') == 1
    # The agency invited again still shows when it completed.
    assert "Completed 20 June 2016" in page.text


def test_the_norwegian_page_rounds_and_writes_the_share_its_own_way(ministry_client):
    html = ministry_client.get("/reports/sector", headers={"Accept-Language": "nb"}).data.decode()
    assert "75\u00a0% av sektoren" in html  # a space that does not break before the sign


# The downloads


def csv_rows(response):
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_the_sector_download_has_the_state_and_whether_completed(ministry_client):
    rows = csv_rows(ministry_client.get("/reports/sector.csv", headers=EN))
    header = rows[0]
    assert header == ["Organisation", "Organisation number", "Kind", "Owning ministry", "State", "Programme",
                      "Cohort", "Course month", "Course length (months)", "Has completed", "Completed on",
                      "Enrolments"]
    by_name = {row[0]: dict(zip(header, row)) for row in rows[1:]}
    assert {name: (row["State"], row["Has completed"]) for name, row in by_name.items()} == {
        "Kulturdepartementet": ("Confirmed", "No"),
        "Arkivverket": ("Invited", "Yes"),
        "Medietilsynet": ("Withdrawn", "Yes"),
        "Språkrådet": ("Confirmed", "Yes"),
    }
    assert by_name["Arkivverket"]["Completed on"] == "2016-06-20"
    assert by_name["Arkivverket"]["Cohort"] == "Kull 5" and by_name["Arkivverket"]["Enrolments"] == "2"


def test_the_workbook_has_the_same_columns(ministry_client):
    sheet = load_workbook(io.BytesIO(ministry_client.get("/reports/sector.xlsx", headers=EN).data)).active
    header = [cell.value for cell in sheet[1]]
    assert header[4] == "State" and header[9:11] == ["Has completed", "Completed on"]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["Arkivverket"][4] == "Invited" and rows["Arkivverket"][9] == "Yes"
    assert rows["Arkivverket"][10].date() == date(2016, 6, 20)


def test_the_participation_download_gives_each_enrolments_state(ministry_client):
    rows = csv_rows(ministry_client.get("/reports/participation.csv", headers=EN))
    assert rows[0][-3:] == ["Status", "Status since", "State in the sector"]
    arkivverket = [(row[4], row[8], row[10]) for row in rows[1:] if row[0] == "Arkivverket"]
    assert arkivverket == [("Kull 1", "Completed", "Completed"), ("Kull 5", "Invited", "Invited")]


# The API


def test_the_api_serves_the_same_figures(client, db, make_user, sector, frozen_clock):
    frozen_clock(TODAY)
    _token, secret = new_token(make_user("coordinator"), "lifecycle test")
    db.session.commit()
    response = client.get(f"/api/v1/sector-overview?ministry={sector['kud'].id}",
                          headers={"Authorization": f"Bearer {secret}", **EN})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["counts"] == {"not_started": 0, "invited": 1, "confirmed": 2, "active": 0,
                              "completed": 0, "withdrawn": 1}
    assert (body["completed"], body["total"], body["completed_share"]) == (3, 4, 75)
    rows = {row["name_nb"]: row for row in body["organisations"]}
    arkivverket = rows["Arkivverket"]
    assert (arkivverket["state"], arkivverket["has_completed"], arkivverket["completed_on"]) == (
        "invited", True, "2016-06-20")
    assert [p["state"] for p in arkivverket["history"]] == ["completed", "invited"]
    assert rows["Kulturdepartementet"]["has_completed"] is False


def test_a_group_still_active_after_its_cohort_ended_is_taking_part_everywhere(
        client, db, make_user, make_organisation, sector, frozen_clock):
    """The review's case: a group still active in a cohort past its planned end, its final
    results not recorded, has not completed, on the page, in both downloads and in the API;
    once its status says completed, it has, on the day it was marked."""
    frozen_clock(TODAY)
    kartverket = make_organisation(name_nb="Kartverket", owning_ministry=sector["kud"])
    group = enrol(sector["kull1"], kartverket, status=EnrolmentStatus.CONFIRMED, at=oslo(2015, 6, 1))
    record_status(group, EnrolmentStatus.ACTIVE, at=oslo(2015, 9, 1))
    _token, secret = new_token(make_user("coordinator"), "still active")
    db.session.commit()
    assert sector["kull1"].planned_end < TODAY
    login_as(client, make_user("ministry", organisation=sector["kud"]))

    page = read(client.get("/reports/sector", headers=EN).data.decode())
    assert "60% of the sector has completed the programme: 3 of 5 organisations" in page.text
    assert "Taking part 1 Completed 0" in page.text
    by_name = {row[0]: row for row in csv_rows(client.get("/reports/sector.csv", headers=EN))}
    assert by_name["Kartverket"][4] == "Taking part" and by_name["Kartverket"][9:11] == ["No", ""]
    sheet = load_workbook(io.BytesIO(client.get("/reports/sector.xlsx", headers=EN).data)).active
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["Kartverket"][4] == "Taking part" and rows["Kartverket"][9] == "No"
    participation = [row for row in csv_rows(client.get("/reports/participation.csv", headers=EN))
                     if row[0] == "Kartverket"]
    assert [(row[8], row[10]) for row in participation] == [("Active", "Taking part")]
    body = client.get(f"/api/v1/sector-overview?ministry={sector['kud'].id}",
                      headers={"Authorization": f"Bearer {secret}", **EN}).get_json()
    api_row = next(row for row in body["organisations"] if row["name_nb"] == "Kartverket")
    assert (api_row["state"], api_row["has_completed"], api_row["completed_on"]) == ("active", False, None)
    assert (body["completed"], body["total"]) == (3, 5)

    record_status(group, EnrolmentStatus.COMPLETED, at=oslo(2017, 3, 10))
    db.session.commit()
    by_name = {row[0]: row for row in csv_rows(client.get("/reports/sector.csv", headers=EN))}
    assert by_name["Kartverket"][4] == "Completed" and by_name["Kartverket"][9:11] == ["Yes", "2017-03-10"]
