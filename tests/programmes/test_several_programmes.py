"""Issue 14, item 1: several programmes. A coordinator limited to some programmes sees and
changes only their cohorts and what stands on them; the admin sets and clears the limit; a
programme is added from its own page; the home page shows each programme's current and
upcoming cohorts, in a statement count that does not grow with the finished ones."""
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token, login_as
from tests.html import read
from tracker.audit.models import AuditEntry
from tracker.auth.tokens import new_token
from tracker.cohorts.models import Cohort, Season
from tracker.programmes.models import Programme
from tracker.users.models import CoordinatorProgramme
from tracker.users.services import limit_to_programmes

EN = {"Accept-Language": "en"}


@pytest.fixture
def two(db, make_programme, make_cohort, make_group, make_session, frozen_clock):
    """Two programmes, each with a running cohort, a group and a joint session."""
    frozen_clock(date(2016, 11, 15))
    first = make_programme()
    second = make_programme(name_nb="Program for mellomledere", name_en="Middle managers",
                            responsible_organisation=first.responsible_organisation)
    world = {"first": first, "second": second}
    for key, programme in (("first", first), ("second", second)):
        cohort = make_cohort(programme=programme, label=f"Kull {key}", start_date=date(2016, 9, 1))
        world[f"{key}_cohort"] = cohort
        world[f"{key}_group"] = make_group(cohort)
        world[f"{key}_session"] = make_session(cohort)
    db.session.commit()
    return world


@pytest.fixture
def limited(app, client, db, make_user, two):
    """A client signed in as a coordinator limited to the first programme."""
    user = make_user("coordinator")
    limit_to_programmes(user, [two["first"]])
    db.session.commit()
    client = app.test_client()
    login_as(client, user)
    client.user = user
    return client


def test_a_limited_coordinator_opens_only_their_programme_s_records(limited, two):
    for key, status in (("first", 200), ("second", 404)):
        cohort, group, session = two[f"{key}_cohort"], two[f"{key}_group"], two[f"{key}_session"]
        assert limited.get(f"/cohorts/{cohort.id}").status_code == status
        assert limited.get(f"/cohorts/{cohort.id}/edit").status_code == status
        assert limited.get(f"/groups/{group.id}").status_code == status
        assert limited.get(f"/schedule/sessions/{session.id}/attendance").status_code == status
        assert limited.get(f"/reports/cohorts/{cohort.id}/attendance.csv").status_code == status
        assert limited.get(f"/programmes/{two[key].id}").status_code == status
        assert limited.get(f"/programmes/{two[key].id}/edit").status_code == status


def test_a_limited_coordinator_cannot_change_another_programme_s_cohort(limited, db, two):
    cohort = two["second_cohort"]
    response = limited.post(f"/cohorts/{cohort.id}/edit", data={
        "label": "Endret", "ordinal": "1", "season": "AUTUMN", "year": "2016",
        "start_date": "2016-09-01", "csrf_token": csrf_token(limited)})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Cohort, cohort.id).label == "Kull second"


def test_the_cohort_form_offers_only_the_user_s_programmes(limited, db, two):
    page = read(limited.get("/cohorts/new").data)
    offered = {o.get("value") for o in page.all("option") if o.get("value")}
    assert str(two["first"].id) in offered and str(two["second"].id) not in offered
    before = db.session.scalar(select(func.count(Cohort.id)))
    response = limited.post("/cohorts/new", data={
        "programme": str(two["second"].id), "label": "Kull X", "ordinal": "9", "season": "AUTUMN",
        "year": "2017", "start_date": "2017-09-01", "csrf_token": csrf_token(limited)})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Cohort.id))) == before


def test_the_api_lists_and_opens_only_the_user_s_programme(limited, db, two):
    _token, secret = new_token(limited.user, "script")
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}", **EN}
    labels = {c["label"] for c in limited.get("/api/v1/cohorts", headers=headers).json}
    assert "Kull first" in labels and "Kull second" not in labels
    for key, status in (("first", 200), ("second", 404)):
        assert limited.get(f"/api/v1/cohorts/{two[f'{key}_cohort'].id}", headers=headers).status_code == status
        assert limited.get(f"/api/v1/enrolments/{two[f'{key}_group'].id}", headers=headers).status_code == status
        assert limited.get(f"/api/v1/sessions/{two[f'{key}_session'].id}", headers=headers).status_code == status
    groups = limited.get("/api/v1/enrolments", headers=headers).json
    assert {g["id"] for g in groups} == {two["first_group"].id}
    # Adding a cohort to another programme is refused as if it did not exist.
    response = limited.post("/api/v1/cohorts", headers=headers, json={
        "programme": two["second"].id, "label": "Kull Y", "ordinal": 7, "season": "autumn",
        "year": 2018, "start_date": "2018-09-03"})
    assert response.status_code == 422 and "programme" in response.get_data(as_text=True)


def test_the_home_page_and_programme_list_show_only_the_user_s_programmes(limited, two):
    home = read(limited.get("/").data).text
    assert "Kull first" in home and "Kull second" not in home
    listing = read(limited.get("/programmes/").data).text
    assert "Program for toppledergrupper" in listing and "Program for mellomledere" not in listing


def test_an_unlimited_coordinator_and_an_admin_see_every_programme(app, client, make_user, two):
    for role in ("coordinator", "admin"):
        client = app.test_client()
        login_as(client, make_user(role))
        home = read(client.get("/").data).text
        assert "Kull first" in home and "Kull second" in home
        assert client.get(f"/groups/{two['second_group'].id}").status_code == 200


def test_a_limited_coordinator_still_sees_every_organisation(limited, two):
    # Organisations and people are shared across programmes.
    organisation = two["second_group"].organisation
    assert limited.get(f"/organisations/{organisation.id}").status_code == 200


# The admin sets and clears the limit


@pytest.fixture
def admin_client(app, client, make_user):
    client = app.test_client()
    client.admin = make_user("admin")
    login_as(client, client.admin)
    return client


def test_the_admin_sets_and_clears_a_coordinator_s_programmes(admin_client, db, make_user, two):
    target = make_user("coordinator")
    page = read(admin_client.get(f"/admin/users/{target.id}").data)
    boxes = [i for i in page.all("input") if i.get("name") == "programmes"]
    assert {b["value"] for b in boxes} == {str(two["first"].id), str(two["second"].id)}
    assert not any(b.get("checked") is not None for b in boxes)

    response = admin_client.post(f"/admin/users/{target.id}", data={
        "role": "COORDINATOR", "organisation": "", "active": "y",
        "programmes": [str(two["second"].id)], "csrf_token": csrf_token(admin_client)})
    assert response.status_code == 302
    db.session.expire_all()
    assert target.programme_ids == frozenset({two["second"].id})
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.table_name == "coordinator_programme")) == 1
    theirs = admin_client.application.test_client()
    login_as(theirs, target)
    assert theirs.get(f"/cohorts/{two['first_cohort'].id}").status_code == 404
    assert theirs.get(f"/cohorts/{two['second_cohort'].id}").status_code == 200

    admin_client.post(f"/admin/users/{target.id}", data={
        "role": "COORDINATOR", "organisation": "", "active": "y",
        "csrf_token": csrf_token(admin_client)})
    db.session.expire_all()
    assert target.programme_ids is None
    assert theirs.get(f"/cohorts/{two['first_cohort'].id}").status_code == 200


def test_an_unknown_programme_is_refused_and_nothing_changes(admin_client, db, make_user, two):
    target = make_user("coordinator")
    response = admin_client.post(f"/admin/users/{target.id}", data={
        "role": "COORDINATOR", "organisation": "", "active": "y",
        "programmes": ["999999"], "csrf_token": csrf_token(admin_client)}, headers=EN)
    assert response.status_code == 400
    assert "Choose among the programmes shown." in read(response.data).text
    assert db.session.scalar(select(func.count(CoordinatorProgramme.id))) == 0


def test_only_a_coordinator_keeps_a_limit(admin_client, db, make_user, two):
    target = make_user("coordinator")
    limit_to_programmes(target, [two["first"]])
    db.session.commit()
    admin_client.post(f"/admin/users/{target.id}", data={
        "role": "ADMIN", "organisation": "", "active": "y",
        "programmes": [str(two["first"].id)], "csrf_token": csrf_token(admin_client)})
    db.session.expire_all()
    assert target.programme_limits == [] and target.programme_ids is None


# Adding a programme


def test_a_new_programme_is_added(admin_client, db, two):
    organisation = two["first"].responsible_organisation
    response = admin_client.post("/programmes/new", data={
        "name_nb": "Program for nye ledere", "name_en": "New leaders",
        "responsible_organisation": str(organisation.id), "course_length_months": "8",
        "groups_per_cohort": "6", "csrf_token": csrf_token(admin_client)})
    assert response.status_code == 302
    programme = db.session.scalar(select(Programme).where(Programme.name_nb == "Program for nye ledere"))
    assert programme.course_length_months == 8 and programme.groups_per_cohort == 6
    assert response.headers["Location"].endswith(f"/programmes/{programme.id}")


@pytest.mark.parametrize("change, field, message", [
    ({"name_nb": ""}, "name_nb", "Enter the name in Norwegian."),
    ({"name_nb": "Program for toppledergrupper"}, "name_nb", "Another programme has this name."),
    ({"course_length_months": "40"}, "course_length_months", "Enter a whole number from 1 to 36."),
    ({"groups_per_cohort": ""}, "groups_per_cohort", "Enter a number."),
    ({"responsible_organisation": ""}, "responsible_organisation",
     "Choose the organisation responsible for the programme."),
])
def test_bad_input_for_a_new_programme_is_named_and_nothing_added(admin_client, db, two, change,
                                                                   field, message):
    data = {"name_nb": "Program for nye ledere", "name_en": "New leaders",
            "responsible_organisation": str(two["first"].responsible_organisation_id),
            "course_length_months": "8", "groups_per_cohort": "6",
            "csrf_token": csrf_token(admin_client), **change}
    before = db.session.scalar(select(func.count(Programme.id)))
    response = admin_client.post("/programmes/new", data=data, headers=EN)
    assert response.status_code == 400
    page = read(response.data)
    assert message in page.text
    marked = [e for tag in ("input", "select") for e in page.all(tag, id=field)]
    assert marked and marked[0].get("aria-invalid") == "true"
    assert db.session.scalar(select(func.count(Programme.id))) == before


def test_a_limited_coordinator_s_new_programme_is_among_theirs(limited, db, two):
    response = limited.post("/programmes/new", data={
        "name_nb": "Program for nye ledere", "name_en": "New leaders",
        "responsible_organisation": str(two["first"].responsible_organisation_id),
        "course_length_months": "8", "groups_per_cohort": "6", "csrf_token": csrf_token(limited)})
    assert response.status_code == 302
    assert limited.get(response.headers["Location"]).status_code == 200
    db.session.expire_all()
    assert len(limited.user.programme_ids) == 2


# The home page


def _history(make_cohort, programme, finished: int, first_ordinal: int):
    """`finished` cohorts of the programme that ended before 2016, one a term back from 2015."""
    for n in range(finished):
        year = 2015 - n // 2
        make_cohort(programme=programme, label=f"Gammelt kull {programme.id}-{n}",
                    ordinal=first_ordinal + n, start_date=date(year, 1 if n % 2 else 2, 5),
                    planned_end=date(year, 10 if n % 2 else 11, 5),
                    season=Season.SPRING)


def test_the_home_page_shows_each_programme_s_current_and_upcoming_cohorts(app, client, db, make_user,
                                                                           make_cohort, two):
    upcoming = make_cohort(programme=two["second"], label="Kull kommende", ordinal=50,
                           start_date=date(2017, 9, 4))
    _history(make_cohort, two["second"], 3, 100)
    db.session.commit()
    client = app.test_client()
    login_as(client, make_user("coordinator"))
    html = client.get("/", headers=EN).get_data(as_text=True)
    # The timeline (tracker/reports/timeline.py) has its own window; the programmes' tables
    # come before it.
    text = read(html.rsplit("</section>", 1)[0]).text
    assert "Programme for top-management groups" in text and "Middle managers" in text
    assert "Kull first" in text and "Kull second" in text and upcoming.label in text
    assert "Gammelt kull" not in text
    assert "3 finished cohorts" in text
    finished = client.get(f"/programmes/{two['second'].id}/finished", headers=EN)
    assert finished.status_code == 200
    assert read(finished.data).text.count("Gammelt kull") == 3


def test_the_finished_list_refuses_a_page_past_the_end(staff, two):
    # The house answer for a page that cannot be (bounds.page_of): 404, saying why.
    response = staff.get(f"/programmes/{two['first'].id}/finished?page=2", headers=EN)
    assert response.status_code == 404
    assert "This list has 1 page, so there is no page 2." in read(response.data).text
    for page in ("0", "-1", "x"):
        response = staff.get(f"/programmes/{two['first'].id}/finished?page={page}", headers=EN)
        assert response.status_code == 404
        assert "is not a page number" in read(response.data).text


def test_the_home_page_statement_count_does_not_grow_with_finished_cohorts(
        app, client, db, make_user, make_cohort, make_group, make_session, count_queries, two):
    client = app.test_client()
    login_as(client, make_user("coordinator"))

    def statements() -> int:
        client.get("/")  # warm: the sign-in session's first use
        with count_queries() as counter:
            assert client.get("/").status_code == 200
        return counter["n"]

    # Each finished cohort has a group and a session of its own, so the attention list has
    # something of them at both sizes: only their number differs.
    _history(make_cohort, two["second"], 3, 100)
    _with_groups_and_sessions(db, make_group, make_session)
    few = statements()
    _history(make_cohort, two["first"], 27, 200)
    _with_groups_and_sessions(db, make_group, make_session)
    many = statements()
    assert few == many


def test_the_home_page_takes_at_most_15_statements(app, client, make_user, count_queries, two):
    client = app.test_client()
    login_as(client, make_user("coordinator"))
    client.get("/")
    with count_queries() as counter:
        client.get("/")
    assert counter["n"] <= 15


def _with_groups_and_sessions(db, make_group, make_session):
    for cohort in db.session.scalars(select(Cohort).where(Cohort.label.like("Gammelt kull%"))).all():
        if not cohort.enrolments:
            make_session(cohort, group=make_group(cohort))
    db.session.commit()


def test_a_limited_coordinator_reads_the_sector_and_its_downloads_through_their_programmes(
        limited, two):
    """The participation and sector downloads, the sector page and the API's sector overview
    count only the limited coordinator's programmes' groups (the reviewer found them whole)."""
    first_org, second_org = two["first_group"].organisation, two["second_group"].organisation
    participation = limited.get("/reports/participation.csv").get_data(as_text=True)
    assert "Kull first" in participation and "Kull second" not in participation
    sector = limited.get("/reports/sector.csv").get_data(as_text=True)
    assert "Kull first" in sector and "Kull second" not in sector
    page = limited.get("/reports/sector", headers=EN).get_data(as_text=True)
    assert "Kull second" not in page
    # Each group's organisation is in the list; only the first counts as taking part.
    assert first_org.name_nb in page and second_org.name_nb in page


def test_a_limited_coordinator_s_change_log_leaves_out_other_programmes(limited, db, two):
    from tracker.audit.models import AuditEntry

    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.cohort_id == two["second_cohort"].id)).all()
    assert entries, "the second programme's cohort was written to the log"
    page = limited.get("/audit/", headers=EN).get_data(as_text=True)
    assert "Kull second" not in page
    assert "Kull first" in page
    offered = {o.get("value") for o in read(page).all("option")}
    assert str(two["second_cohort"].id) not in offered
    assert limited.get(f"/audit/?cohort={two['second_cohort'].id}", headers=EN).status_code == 400
