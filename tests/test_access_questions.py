"""`allows` and `may`: the one question pages, feeds and the API ask of the access table."""
from flask_login import AnonymousUserMixin

from tracker.access import allows
from tracker.groups.services import enrol


def test_the_table_and_the_models_answer_together(db, make_cohort, make_organisation, make_user):
    udir, skd = make_organisation(name_nb="Utdanningsdirektoratet"), make_organisation(name_nb="Skattedirektoratet")
    cohort = make_cohort()
    own, other = enrol(cohort, udir), enrol(cohort, skd)
    db.session.commit()
    agency, coordinator = make_user("agency", organisation=udir), make_user("coordinator")
    anonymous = AnonymousUserMixin()

    assert allows(anonymous, "auth.login")
    assert not allows(anonymous, "programmes.home")
    assert allows(agency, "groups.detail", own)
    assert not allows(agency, "groups.detail", other)  # the role may, this group is not theirs
    assert not allows(agency, "groups.edit", own)  # the role may not
    assert allows(coordinator, "groups.edit", other)
    assert not allows(coordinator, "no.such_endpoint")


def test_a_page_draws_an_action_only_for_those_it_lets_in(client, db, make_cohort, make_organisation, make_user):
    from tests.conftest import login_as

    udir = make_organisation(name_nb="Utdanningsdirektoratet")
    cohort = make_cohort()
    db.session.commit()
    enrol(cohort, udir)
    db.session.commit()
    edit = f'href="/cohorts/{cohort.id}/edit"'
    login_as(client, make_user("agency", organisation=udir))
    assert edit not in client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    login_as(client, make_user("coordinator"))
    assert edit in client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)


def test_an_agency_leader_sees_their_owning_ministry_named_but_not_linked(client, db, make_organisation,
                                                                        make_user):
    from tests.conftest import login_as
    from tracker.organisations.models import OrganisationKind

    ministry = make_organisation(name_nb="Kunnskapsdepartementet", kind=OrganisationKind.MINISTRY)
    udir = make_organisation(name_nb="Utdanningsdirektoratet", owning_ministry=ministry)
    db.session.commit()
    ministry_page = f'href="/organisations/{ministry.id}"'
    for role, organisation, linked in (("agency", udir, False), ("ministry", ministry, True),
                                       ("coordinator", None, True)):
        login_as(client, make_user(role, organisation=organisation))
        html = client.get(f"/organisations/{udir.id}").get_data(as_text=True)
        assert "Kunnskapsdepartementet" in html
        assert (ministry_page in html) is linked, role
        assert client.get(f"/organisations/{ministry.id}").status_code == (200 if linked else 404)
