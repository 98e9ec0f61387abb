"""Ministries take part as leadership groups (all of Kull 4), so their leaders get "Min
ledergruppe" accounts too: the group leader role (`Role.AGENCY`) tied to a ministry sees the
ministry's own groups, and nothing of the agencies under it (that is the ministry viewer's view).
"""
from datetime import date

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, csrf_token, login_as
from tests.html import read
from tracker.cohorts.models import Cohort
from tracker.groups.models import Enrolment
from tracker.organisations.models import Organisation, OrganisationKind
from tracker.roles import Role
from tracker.users.models import User

TODAY = date(2017, 6, 1)


@pytest.fixture
def sector(db, make_organisation, make_cohort, make_group, frozen_clock):
    """KD with its own group in Kull 4 and Udir (under KD) with a group in Kull 1, both running."""
    frozen_clock(TODAY)
    kd = make_organisation(name_nb="Kunnskapsdepartementet", short_name="KD",
                           kind=OrganisationKind.MINISTRY, org_number="872417842")
    udir = make_organisation(name_nb="Utdanningsdirektoratet", short_name="Udir",
                             owning_ministry=kd)
    kull_1 = make_cohort(label="Kull 1", ordinal=1, start_date=date(2016, 8, 29))
    kull_4 = make_cohort(programme=kull_1.programme, label="Kull 4", ordinal=4,
                         start_date=date(2017, 4, 3))
    kd_group = make_group(kull_4, kd)
    udir_group = make_group(kull_1, udir)
    db.session.commit()
    return {"kd": kd, "udir": udir, "kd_group": kd_group, "udir_group": udir_group,
            "kull_1": kull_1, "kull_4": kull_4}


def test_an_admin_makes_a_ministry_leader_from_the_page(client, db, make_user, sector):
    login_as(client, make_user("admin"))

    response = client.post("/admin/users/new", data={
        "email": "departementsrad@kd.example.org", "role": "AGENCY",
        "organisation": str(sector["kd"].id), "csrf_token": csrf_token(client)})

    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "departementsrad@kd.example.org"))
    assert user.role is Role.AGENCY and user.organisation_id == sector["kd"].id


def test_the_role_is_labelled_for_agencies_and_ministries_alike(client, make_user):
    login_as(client, make_user("admin"))

    page = read(client.get("/admin/users/new", headers={"Accept-Language": "nb"}).data)

    assert "Leder i ledergruppe" in page.text
    assert "Virksomhetsleder" not in page.text


def test_a_ministry_leader_is_made_on_the_command_line(app, client, db, sector):
    result = app.test_cli_runner().invoke(args=[
        "users", "create", "--email", "leder@kd.example.org", "--role", "agency",
        "--organisation", "KD", "--password-stdin"], input="fjord paraply kanelbolle\n")

    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "leder@kd.example.org"))
    assert user.role is Role.AGENCY and user.organisation.short_name == "KD"
    signed_in = client.post("/login", data={"email": "leder@kd.example.org",
                                            "password": "fjord paraply kanelbolle",
                                            "csrf_token": csrf_token(client)})
    assert signed_in.status_code == 302


def test_a_ministry_leader_lands_on_the_ministrys_own_group(client, make_user, sector):
    leader = make_user("agency", organisation=sector["kd"], password=PASSWORD)
    login_as(client, leader)

    assert client.get("/").headers["Location"] == "/groups/mine"
    page = read(client.get("/groups/mine").data)

    assert "Kull 4" in page.text
    assert "Kull 1" not in page.text
    assert "Utdanningsdirektoratet" not in page.text


def test_a_ministry_leader_sees_its_own_group_and_not_the_agencies_under_it(
        client, make_user, sector):
    leader = make_user("agency", organisation=sector["kd"])
    login_as(client, leader)

    assert client.get(f"/groups/{sector['kd_group'].id}").status_code == 200
    assert client.get(f"/groups/{sector['udir_group'].id}").status_code in (403, 404)
    assert client.get(f"/cohorts/{sector['kull_1'].id}").status_code in (403, 404)
    assert client.get(f"/cohorts/{sector['kull_4'].id}").status_code == 200


def test_the_scope_rules_give_a_ministry_leader_the_ministry_alone(db, make_user, sector):
    leader = make_user("agency", organisation=sector["kd"])
    viewer = make_user("ministry", organisation=sector["kd"])

    def visible(model, user):
        return set(db.session.scalars(select(model.id).where(model.visible_to(user))))

    assert visible(Organisation, leader) == {sector["kd"].id}
    assert visible(Organisation, viewer) == {sector["kd"].id, sector["udir"].id}
    assert visible(Enrolment, leader) == {sector["kd_group"].id}
    assert visible(Cohort, leader) == {sector["kull_4"].id}
    assert sector["kd"].can_view(leader) and not sector["udir"].can_view(leader)
    assert sector["udir"].can_view(viewer)


def test_a_group_leader_still_needs_an_organisation(client, db, make_user):
    login_as(client, make_user("admin"))

    response = client.post("/admin/users/new", data={
        "email": "ingen@example.org", "role": "AGENCY", "organisation": "",
        "csrf_token": csrf_token(client)}, headers={"Accept-Language": "nn"})

    assert response.status_code == 400
    assert "Ein leiar i leiargruppe må høyre til" in read(response.data).text
    assert db.session.scalar(select(User.id).where(User.email == "ingen@example.org")) is None
