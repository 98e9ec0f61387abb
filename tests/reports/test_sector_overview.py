"""The ministry's overview: where each organisation of its sector stands in the programme."""
from datetime import date

import pytest

from tests.conftest import login_as
from tests.html import read
from tests.reports.conftest import TODAY
from tracker.groups.services import enrol
from tests.reports.reference_overview import sector_overview
from tracker.reports.services import SectorState

EN = {"Accept-Language": "en"}


def states_by_name(overview):
    return {row.organisation.name_nb: row for row in overview.organisations}


def test_each_organisation_of_the_sector_has_its_state(world):
    overview = sector_overview(world["kd"], TODAY)
    rows = states_by_name(overview)
    assert {name: row.state for name, row in rows.items()} == {
        "Kunnskapsdepartementet": SectorState.ACTIVE,
        "Utdanningsdirektoratet": SectorState.COMPLETED,
        "Diku": SectorState.ACTIVE,  # its cohort is over, but it was never marked completed
        "Hkdir": SectorState.INVITED,
        "NOKUT": SectorState.WITHDRAWN,
        "Lånekassen": SectorState.INVITED,
        "Direktoratet for økonomisk tilsyn": SectorState.NOT_STARTED,
    }
    # The ministry first, then its agencies by name.
    assert overview.organisations[0].organisation == world["kd"]
    assert [r.organisation.name_nb for r in overview.organisations[1:]] == sorted(
        r.organisation.name_nb for r in overview.organisations[1:])


def test_in_progress_says_which_cohort_and_month(world):
    kd = states_by_name(sector_overview(world["kd"], TODAY))["Kunnskapsdepartementet"]
    assert kd.cohort == world["kull1"] and kd.enrolment == world["kd_kull1"]
    assert (kd.month, kd.course_length) == (7, 10)
    assert kd.completed_on is None


def test_completed_has_the_day_it_was_marked(world):
    rows = states_by_name(sector_overview(world["kd"], TODAY))
    assert rows["Utdanningsdirektoratet"].completed_on == date(2016, 6, 20)
    assert rows["Utdanningsdirektoratet"].month is None


def test_a_group_still_active_after_its_cohort_ended_has_not_completed(world):
    """Completion is the group's status, never the cohort's end date alone: Diku is still
    active in the pilot, over since July 2016, its final results not recorded."""
    diku = states_by_name(sector_overview(world["kd"], TODAY))["Diku"]
    assert world["pilot"].planned_end < TODAY
    assert diku.state is SectorState.ACTIVE
    assert not diku.has_completed and diku.completed_on is None
    assert (diku.month, diku.course_length) == (10, 10)  # the whole course, not more


def test_a_withdrawal_followed_by_a_newer_enrolment_counts_the_newer(world):
    lanekassen = states_by_name(sector_overview(world["kd"], TODAY))["Lånekassen"]
    assert lanekassen.state is SectorState.INVITED and lanekassen.cohort == world["kull5"]
    assert [p.cohort.label for p in lanekassen.history] == ["Pilot", "Kull 5"]
    assert lanekassen.history[0].status.name == "WITHDRAWN"
    assert lanekassen.history[0].status_since == date(2015, 8, 1)


def test_a_group_confirmed_for_a_cohort_that_has_started_is_taking_part(world):
    skd = states_by_name(sector_overview(world["fin"], TODAY))["Skattedirektoratet"]
    assert skd.enrolment.status.name == "CONFIRMED" and skd.state is SectorState.ACTIVE


def test_counts_and_the_share_completed(world):
    overview = sector_overview(world["kd"], TODAY)
    assert overview.total == 7
    assert overview.counts == {
        SectorState.NOT_STARTED: 1, SectorState.INVITED: 2, SectorState.CONFIRMED: 0,
        SectorState.ACTIVE: 2, SectorState.COMPLETED: 1, SectorState.WITHDRAWN: 1,
    }
    assert sum(overview.counts.values()) == overview.total
    assert overview.completed == 1 and overview.completed_share == 14  # 1 of 7: 14.29 %


def test_the_whole_state_is_every_organisation(world):
    overview = sector_overview(None, TODAY)
    names = {row.organisation.name_nb for row in overview.organisations}
    assert {"Finansdepartementet", "Skattedirektoratet", "Kunnskapsdepartementet"} <= names
    assert overview.total == 10  # 7 in KD's sector, FIN, SKD and Difi, who runs the programme
    assert overview.completed_share == 10  # Udir alone
    fin_sector = sector_overview(world["fin"], TODAY)
    assert {row.organisation.name_nb for row in fin_sector.organisations} == {
        "Finansdepartementet", "Skattedirektoratet"}


def test_an_empty_sector_has_no_share(db, make_organisation):
    from tracker.organisations.models import OrganisationKind

    overview = sector_overview(make_organisation(kind=OrganisationKind.MINISTRY), TODAY)
    assert overview.total == 1 and overview.completed_share == 0
    assert overview.counts[SectorState.NOT_STARTED] == 1


def test_the_overview_takes_a_fixed_number_of_queries(db, world, make_organisation, make_cohort, count_queries):
    db.session.expire_all()
    with count_queries() as few:
        sector_overview(None, TODAY)
    more = make_cohort(label="Kull 9", ordinal=9, start_date=date(2018, 9, 3), capacity=20)
    for n in range(6):
        enrol(more, make_organisation(name_nb=f"Ekstra {n}", owning_ministry=world["kd"]))
    db.session.commit()
    db.session.expire_all()
    with count_queries() as many:
        overview = sector_overview(None, TODAY)
    assert overview.total == 16
    assert many["n"] == few["n"] <= 6


# The page


@pytest.fixture
def on_today(frozen_clock):
    frozen_clock(TODAY)


def test_a_ministry_viewer_sees_their_own_sector(client, world, make_user, on_today):
    login_as(client, make_user("ministry", organisation=world["kd"]))
    response = client.get("/reports/sector", headers=EN)
    assert response.status_code == 200
    page = read(response.data)
    assert "Sector overview: Ministry of Education and Research" in page.title
    assert page.count("h1") == 1
    assert "Skattedirektoratet" not in page.text and "Lånekassen" in page.text
    assert "14% of the sector" in page.text and "1 of 7 organisations" in page.text
    assert "Month 7 of ~10" in page.text
    assert not page.all("select", id="ministry")  # no choice: it is their sector
    assert client.get(f"/reports/sector?ministry={world['kd'].id}").status_code == 200


@pytest.mark.parametrize("ministry", ["fin", "udir", "missing", "text"])
def test_a_ministry_viewer_cannot_see_another_sector(client, world, make_user, ministry):
    login_as(client, make_user("ministry", organisation=world["kd"]))
    value = {"missing": "999999", "text": "KD"}.get(ministry) or world[ministry].id
    assert client.get(f"/reports/sector?ministry={value}").status_code == 404
    assert client.get(f"/reports/sector.csv?ministry={value}").status_code == 404


def test_agency_leaders_have_no_sector_page(client, world, make_user):
    login_as(client, make_user("agency", organisation=world["udir"]))
    assert client.get("/reports/sector").status_code == 403
    assert client.get("/reports/sector.xlsx").status_code == 403


def test_a_coordinator_sees_the_whole_state_and_can_pick_a_ministry(client, world, make_user, on_today):
    login_as(client, make_user("coordinator"))
    page = read(client.get("/reports/sector", headers=EN).data)
    assert "the whole state" in page.title
    assert "Skattedirektoratet" in page.text and "Lånekassen" in page.text
    select = page.all("select", id="ministry")
    assert select and page.all("form", method="get")
    options = [a.get("value") for a in page.all("option")]
    assert options == ["", str(world["fin"].id), str(world["kd"].id)]
    assert "selected" in page.all("option", value="")[0]

    response = client.get(f"/reports/sector?ministry={world['fin'].id}", headers=EN)
    page = read(response.data)
    assert response.status_code == 200 and "Finansdepartementet" in page.title
    assert "Skattedirektoratet" in page.text and "Lånekassen" not in page.text
    assert "selected" in page.all("option", value=str(world["fin"].id))[0]
    # Its downloads are of the same sector.
    assert page.all("a", href=f"/reports/sector.csv?ministry={world['fin'].id}")
    assert page.all("a", href=f"/reports/participation.xlsx?ministry={world['fin'].id}")


@pytest.mark.parametrize("value", ["999999", "abc", "-1", "udir"])
def test_a_coordinator_asking_for_no_ministry_gets_404(client, world, make_user, value):
    login_as(client, make_user("coordinator"))
    value = str(world["udir"].id) if value == "udir" else value
    assert client.get(f"/reports/sector?ministry={value}").status_code == 404


def test_the_page_shows_each_organisations_history_and_links_its_downloads(client, world, make_user, on_today):
    login_as(client, make_user("ministry", organisation=world["kd"]))
    page = read(client.get("/reports/sector", headers=EN).data)
    assert "Pilot (Autumn 2015): Withdrawn, since 1 August 2015" in page.text
    assert "Completed 20 June 2016" in page.text
    assert "Never enrolled" in page.text
    tags = [a for a in page.all("span") if a.get("class") == "ds-tag"]
    assert len(tags) >= 7
    for href in ("/reports/sector.csv", "/reports/sector.xlsx",
                 "/reports/participation.csv", "/reports/participation.xlsx"):
        assert page.all("a", href=href), href
    assert all(th.get("scope") for th in page.all("th"))


def test_the_page_loads_in_a_fixed_number_of_queries(client, db, world, make_user, make_organisation, count_queries, on_today):
    login_as(client, make_user("coordinator"))
    with count_queries() as few:
        assert client.get("/reports/sector").status_code == 200
    for n in range(5):
        enrol(world["kull5"], make_organisation(name_nb=f"Ekstra {n}", owning_ministry=world["fin"]))
    db.session.commit()
    with count_queries() as many:
        assert client.get("/reports/sector").status_code == 200
    assert many["n"] == few["n"]
