

def test_the_furthest_dates_the_api_takes_break_no_page(api, world, client, db):
    """A planned end at the window's edge, through the API, and then every staff page that
    reads cohorts' dates: the home page, the sector overview, the cohort's own page."""
    from tests.conftest import login_as

    response = api("coordinator").post("/api/v1/cohorts", json=new_cohort(
        world, start_date="2101-12-31", year=2100, planned_end="2200-12-31"))
    assert response.status_code == 201, response.get_json()
    cohort_id = response.get_json()["id"]
    assert api("coordinator").get("/api/v1/sector-overview").status_code == 200
    assert api("coordinator").get(f"/api/v1/cohorts/{cohort_id}").status_code == 200
    login_as(client, world["users"]["coordinator"])
    for path in ("/", "/reports/sector", f"/cohorts/{cohort_id}"):
        assert client.get(path).status_code == 200, path
