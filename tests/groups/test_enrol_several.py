"""Enrolling several organisations at once from a picker that shows each one's history."""
import threading
import time
from datetime import date

import pytest
from sqlalchemy import create_engine, func, select, text

from tests.conftest import csrf_token, login_as, postgres_server_url
from tests.html import read
from tracker.groups.models import Enrolment, EnrolmentStatus
from tracker.groups.services import enrol, record_status
from tracker.organisations.models import OrganisationKind

EN = {"Accept-Language": "en"}
S = EnrolmentStatus


@pytest.fixture
def world(db, make_cohort, make_organisation):
    """Kull 5 (autumn 2019, four places) with Udir in it; Mattilsynet completed Kull 1 and
    withdrew from Kull 3; NAV never took part; Skatteetaten withdrew from Kull 5 itself."""
    kd = make_organisation(name_nb="Kunnskapsdepartementet", short_name="KD", kind=OrganisationKind.MINISTRY)
    lmd = make_organisation(name_nb="Landbruks- og matdepartementet", short_name="LMD",
                            kind=OrganisationKind.MINISTRY)
    udir = make_organisation(name_nb="Utdanningsdirektoratet", short_name="Udir", owning_ministry=kd)
    mattilsynet = make_organisation(name_nb="Mattilsynet", owning_ministry=lmd)
    nav = make_organisation(name_nb="Arbeids- og velferdsetaten", short_name="NAV")
    skatt = make_organisation(name_nb="Skatteetaten")
    kull1 = make_cohort(label="Kull 1", start_date=date(2016, 9, 1))
    kull3 = make_cohort(label="Kull 3", start_date=date(2018, 1, 8))
    cohort = make_cohort(label="Kull 5", start_date=date(2019, 9, 2))
    record_status(enrol(kull1, mattilsynet, status=S.CONFIRMED), S.ACTIVE)
    record_status(mattilsynet_group := db.session.scalar(select(Enrolment).where(
        Enrolment.organisation_id == mattilsynet.id)), S.COMPLETED)
    record_status(enrol(kull3, mattilsynet), S.WITHDRAWN, reason="Omorganisering")
    enrol(cohort, udir)
    record_status(enrol(cohort, skatt), S.WITHDRAWN, reason="Ny direktør")
    db.session.commit()
    assert mattilsynet_group.status is S.COMPLETED
    return {"kd": kd, "lmd": lmd, "udir": udir, "mattilsynet": mattilsynet, "nav": nav, "skatt": skatt,
            "cohort": cohort, "kull1": kull1}


def url(world):
    return f"/groups/cohorts/{world['cohort'].id}/new"


def offered(page) -> list[str]:
    return [box["value"] for box in page.all("input", type="checkbox", name="organisation")]


def enrolled(db, cohort) -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(select(Enrolment.organisation_id).where(Enrolment.cohort_id == cohort.id)))


def post(client, world, *organisations, **changes):
    data = {"organisation": [str(o.id) for o in organisations], "status": "INVITED", "notes": "",
            "csrf_token": csrf_token(client), **changes}
    return client.post(url(world), data=data, headers=EN)


def test_the_picker_shows_history_and_hides_those_in_the_cohort(staff, world):
    response = staff.get(url(world), headers=EN)
    assert response.status_code == 200
    page = read(response.data)
    ids = {k: str(world[k].id) for k in ("kd", "lmd", "udir", "mattilsynet", "nav", "skatt")}
    # Not Udir, in the cohort; not Skatteetaten, which withdrew from it.
    assert set(offered(page)) & set(ids.values()) == {ids["kd"], ids["lmd"], ids["mattilsynet"], ids["nav"]}
    assert "Kull 1 (2016): Completed; Kull 3 (2018): Withdrawn" in page.text
    assert "LMD · Kull 1" in page.text  # its sector
    assert "Has not taken part before." in page.text
    assert "1 of 4 places are taken" in page.text and "3 places are free: tick at most 3 organisations." in page.text


def test_the_picker_filters_by_name_and_sector(staff, world):
    page = read(staff.get(url(world) + "?q=MATTIL", headers=EN).data)
    assert offered(page) == [str(world["mattilsynet"].id)]
    page = read(staff.get(url(world) + "?q=nav", headers=EN).data)  # a short name
    assert offered(page) == [str(world["nav"].id)]
    page = read(staff.get(url(world) + f"?ministry={world['lmd'].id}", headers=EN).data)
    assert offered(page) == [str(world["lmd"].id), str(world["mattilsynet"].id)]
    page = read(staff.get(url(world) + f"?ministry={world['kd'].id}", headers=EN).data)
    assert offered(page) == [str(world["kd"].id)]  # Udir is in the cohort already
    page = read(staff.get(url(world) + "?q=zzz", headers=EN).data)
    assert offered(page) == [] and "No organisation that is not in the cohort matches the filter." in page.text


@pytest.mark.parametrize("query", ["q=a%00b", "q=" + "x" * 201])
def test_a_bad_filter_is_refused_and_lists_everyone(staff, world, query):
    response = staff.get(url(world) + "?" + query, headers=EN)
    assert response.status_code == 400
    page = read(response.data)
    assert page.all("input", id="q")[0].get("aria-invalid") == "true"
    assert {str(world[k].id) for k in ("kd", "lmd", "mattilsynet", "nav")} <= set(offered(page))


def test_several_organisations_are_enrolled_at_once(staff, db, world):
    response = post(staff, world, world["mattilsynet"], world["nav"], status="CONFIRMED", notes="Høstkullet")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/cohorts/{world['cohort'].id}"
    assert enrolled(db, world["cohort"]) == {world[k].id for k in ("udir", "skatt", "mattilsynet", "nav")}
    groups = db.session.scalars(select(Enrolment).where(Enrolment.cohort_id == world["cohort"].id,
                                                        Enrolment.status == S.CONFIRMED)).all()
    assert {(g.notes, len(g.status_history)) for g in groups} == {("Høstkullet", 1)}
    shown = staff.get(f"/cohorts/{world['cohort'].id}", headers=EN).get_data(as_text=True)
    assert "are enrolled in Kull 5." in shown


def test_choosing_more_than_the_free_places_is_refused_and_nothing_enrolled(staff, db, world):
    before = enrolled(db, world["cohort"])
    response = post(staff, world, world["kd"], world["lmd"], world["mattilsynet"], world["nav"])
    assert response.status_code == 400
    page = read(response.data)
    assert page.all("div", **{"class": "ds-error-summary"})
    assert "You chose 4 organisations, but Kull 5 has 3 free places left. Choose at most 3." in page.text
    assert sorted(box["value"] for box in page.all("input", type="checkbox") if "checked" in box) == sorted(
        str(world[k].id) for k in ("kd", "lmd", "mattilsynet", "nav"))  # the ticks are kept
    assert enrolled(db, world["cohort"]) == before


def test_one_organisation_refused_refuses_them_all_naming_it(staff, db, world, make_cohort):
    overlapping = make_cohort(label="Kull 6", start_date=date(2019, 10, 7))
    enrol(overlapping, world["nav"])
    db.session.commit()
    before = enrolled(db, world["cohort"])
    page = read(staff.get(url(world), headers=EN).data)
    assert "Takes part in Kull 6 at the same time." in page.text
    response = post(staff, world, world["mattilsynet"], world["nav"])
    assert response.status_code == 400
    text = read(response.data).text
    assert "Arbeids- og velferdsetaten: This organisation already takes part in Kull 6" in text
    assert enrolled(db, world["cohort"]) == before


@pytest.mark.parametrize("values, message", [
    ([], "Choose at least one organisation."),
    (["abc"], "Choose organisations from the list."),
    (["999999"], "Choose organisations from the list"),
    (["1" * 40], "Choose organisations from the list."),
])
def test_bad_choices_are_refused(staff, db, world, values, message):
    before = enrolled(db, world["cohort"])
    response = staff.post(url(world), headers=EN, data={"organisation": values, "status": "INVITED",
                                                         "csrf_token": csrf_token(staff)})
    assert response.status_code == 400
    assert message in read(response.data).text
    assert enrolled(db, world["cohort"]) == before


def test_an_organisation_already_in_the_cohort_is_refused(staff, db, world):
    before = enrolled(db, world["cohort"])
    response = post(staff, world, world["nav"], world["skatt"])  # Skatteetaten withdrew from it
    assert response.status_code == 400
    assert "Skatteetaten: This organisation is already enrolled in this cohort." in read(response.data).text
    assert enrolled(db, world["cohort"]) == before


def test_a_full_cohort_says_so_before_you_choose(staff, db, world, make_organisation):
    for _ in range(3):
        enrol(world["cohort"], make_organisation())
    db.session.commit()
    page = read(staff.get(url(world), headers=EN).data)
    assert "Kull 5 is full: all 4 places are taken. A place is freed when a group withdraws." in page.text
    assert offered(page) == [] and not page.all("button", type="submit", **{"data-variant": "primary"})
    before = enrolled(db, world["cohort"])
    response = post(staff, world, world["nav"])
    assert response.status_code == 400
    assert "Kull 5 is full: all 4 places are taken." in read(response.data).text
    assert enrolled(db, world["cohort"]) == before


def test_the_picker_is_for_staff_only(client, db, world, make_user):
    login_as(client, make_user("agency", organisation=world["udir"]))
    assert client.get(url(world)).status_code == 403


# A race on PostgreSQL: two coordinators tick organisations for the last places at once.


@pytest.mark.committed
@pytest.mark.skipif(postgres_server_url() is None,
                    reason="needs PostgreSQL (real row locks): set TEST_DATABASE_URL=postgresql://…")
def test_two_coordinators_at_once_never_overfill_the_cohort(app, db, database_url, make_cohort,
                                                            make_organisation, make_user):
    cohort = make_cohort(label="Kull 7", start_date=date(2019, 9, 2), capacity=3)
    first, second = [make_organisation() for _ in range(2)], [make_organisation() for _ in range(2)]
    users = [make_user("coordinator"), make_user("coordinator")]
    db.session.commit()
    clients = []
    for user in users:
        client = app.test_client()
        login_as(client, user)
        clients.append(client)
    engine = create_engine(database_url)
    watching = create_engine(database_url, isolation_level="AUTOCOMMIT")
    statuses: list[int | None] = [None, None]
    bodies: list[str] = ["", ""]
    barrier = threading.Barrier(2)

    path = f"/groups/cohorts/{cohort.id}/new"
    cohort_id = cohort.id

    def post_in_thread(i, organisation_ids):
        client = clients[i]
        token = csrf_token(client)
        barrier.wait()
        response = client.post(path, headers=EN, data={
            "organisation": organisation_ids, "status": "INVITED", "csrf_token": token})
        statuses[i] = response.status_code
        bodies[i] = response.get_data(as_text=True)

    with engine.connect() as holder, watching.connect() as watcher:
        # Hold the cohort's row so both requests count the free places only after the lock.
        holder.execute(text("SELECT id FROM cohort WHERE id = :id FOR UPDATE"), {"id": cohort_id})
        threads = [threading.Thread(target=post_in_thread, args=(i, [str(o.id) for o in orgs]))
                   for i, orgs in enumerate((first, second))]
        for thread in threads:
            thread.start()
        for _ in range(200):
            if watcher.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'")).scalar() >= 2:
                break
            time.sleep(0.05)
        else:
            raise AssertionError(f"the two requests never met at the cohort's lock: {statuses}, "
                                 f"{[read(b).text[-600:] for b in bodies]}")
        holder.commit()
        for thread in threads:
            thread.join(timeout=30)
    engine.dispose()
    watching.dispose()
    assert sorted(statuses) == [302, 400]  # the second finds one place where it wants two
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Enrolment)
                             .where(Enrolment.cohort_id == cohort.id)) == 2
