"""Adding and editing people, and their places in leadership groups."""
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token, login_as
from tests.html import read
from tracker.domain import DomainError
from tracker.groups.services import enrol
from tracker.people.models import MemberRole, Membership, Person
from tracker.people.services import add_membership, create_person, update_membership
from tracker.privacy.services import erase_person

EN = {"Accept-Language": "en"}


@pytest.fixture
def group(db, make_cohort, make_organisation):
    """Lånekassen's group in Kull 1 (1 September 2016 to 1 July 2017), with Kari as top leader."""
    lanekassen = make_organisation(name_nb="Lånekassen")
    enrolment = enrol(make_cohort(label="Kull 1", start_date=date(2016, 9, 1)), lanekassen)
    kari = Person(name="Kari Nordmann", email="kari@lanekassen.example.org", organisation=lanekassen)
    enrolment.memberships.append(Membership(person=kari, role=MemberRole.TOP_LEADER, joined_on=date(2016, 9, 1)))
    db.session.commit()
    return enrolment


def post(client, url, data):
    return client.post(url, data={**data, "csrf_token": csrf_token(client)}, headers=EN)


def fresh(db, record):
    db.session.expire_all()
    return db.session.get(type(record), record.id)


def marked(page, tag, field_id) -> bool:
    if tag == "radio":
        radios = page.all("input", type="radio", name=field_id)
        return bool(radios) and all(r.get("aria-invalid") == "true" for r in radios)
    found = page.all(tag, id=field_id)
    return bool(found) and found[0].get("aria-invalid") == "true"


def count(db, model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(model.id)))


# People


def test_a_coordinator_adds_a_person_with_a_lower_case_email(staff, db, make_organisation):
    udir = make_organisation(name_nb="Utdanningsdirektoratet")
    db.session.commit()
    assert read(staff.get("/people/").data).all("a", href="/people/new")
    response = post(staff, "/people/new", {"name": " Ola Nordmann ", "email": "Ola.Nordmann@Udir.Example.org",
                                           "title": "Direktør", "organisation": str(udir.id)})
    assert response.status_code == 302
    person = db.session.scalar(select(Person).where(Person.name == "Ola Nordmann"))
    assert (person.email, person.title, person.organisation_id) == ("ola.nordmann@udir.example.org", "Direktør", udir.id)
    assert response.headers["Location"] == f"/people/{person.id}"


@pytest.mark.parametrize("data, tag, field", [
    ({"name": ""}, "input", "name"),
    ({"name": "x" * 201}, "input", "name"),
    ({"email": ""}, "input", "email"),
    ({"email": "ikke en adresse"}, "input", "email"),
    ({"email": "x" * 250 + "@example.org"}, "input", "email"),
    ({"title": "x" * 201}, "input", "title"),
    ({"organisation": "999999"}, "select", "organisation"),
    ({"organisation": "Lånekassen"}, "select", "organisation"),
    ({"email": "KARI@lanekassen.example.org"}, "input", "email"),  # someone else's, in other case
])
def test_bad_person_input_is_refused_and_nothing_is_added(staff, db, group, data, tag, field):
    before = count(db, Person)
    response = post(staff, "/people/new", {"name": "Ola", "email": "ola@example.org", "title": "",
                                           "organisation": "", **data})
    assert response.status_code == 400
    page = read(response.data)
    assert marked(page, tag, field)
    assert page.all("div", **{"class": "ds-error-summary"})
    if tag == "input" and data[field]:
        assert page.all("input", id=field)[0]["value"] == data[field]
    assert count(db, Person) == before


def test_a_coordinator_edits_a_person(staff, db, group):
    kari = group.memberships[0].person
    detail = read(staff.get(f"/people/{kari.id}").data)
    assert detail.all("a", href=f"/people/{kari.id}/edit")
    form = read(staff.get(f"/people/{kari.id}/edit").data)
    assert form.all("input", id="email")[0]["value"] == "kari@lanekassen.example.org"
    assert form.all("input", id="version")[0]["value"] == "1"
    response = post(staff, f"/people/{kari.id}/edit", {"name": "Kari Nordmann-Berg", "email": "Kari@Lanekassen.Example.org",
                                                       "title": "Administrerende direktør", "organisation": "",
                                                       "version": "1"})
    assert response.status_code == 302
    saved = fresh(db, kari)
    assert (saved.name, saved.email, saved.title, saved.organisation_id) == (
        "Kari Nordmann-Berg", "kari@lanekassen.example.org", "Administrerende direktør", None)


def test_a_person_cannot_take_another_persons_email(staff, db, group):
    db.session.add(Person(name="Per", email="per@example.org"))
    db.session.commit()
    kari = group.memberships[0].person
    response = post(staff, f"/people/{kari.id}/edit", {"name": "Kari", "email": "Per@example.org", "title": "",
                                                       "organisation": "", "version": "1"})
    assert response.status_code == 400
    page = read(response.data)
    assert marked(page, "input", "email") and "Another person has this email address." in page.text
    assert fresh(db, kari).email == "kari@lanekassen.example.org"


def test_a_stale_person_form_is_a_conflict(app, staff, db, group, make_user):
    kari = group.memberships[0].person
    other = app.test_client()
    login_as(other, make_user("admin"))
    url = f"/people/{kari.id}/edit"
    data = {"email": "kari@lanekassen.example.org", "organisation": "", "version": "1"}
    assert post(staff, url, {**data, "name": "Kari A", "title": "Direktør"}).status_code == 302
    response = post(other, url, {**data, "name": "Kari B", "title": ""})
    assert response.status_code == 409
    page = read(response.data)
    assert "Saved by someone else" in page.text and "Name Kari A" in page.text
    assert page.all("input", id="name")[0]["value"] == "Kari B"
    assert fresh(db, kari).name == "Kari A"


def test_an_erased_person_cannot_be_edited(staff, db, group):
    kari = group.memberships[0].person
    erase_person(kari)
    db.session.commit()
    assert staff.get(f"/people/{kari.id}/edit").status_code == 404
    response = post(staff, f"/people/{kari.id}/edit", {"name": "Kari", "email": "kari@example.org", "title": "",
                                                       "organisation": "", "version": "2"})
    assert response.status_code == 404
    assert fresh(db, kari).name is None
    assert not read(staff.get(f"/people/{kari.id}").data).all("a", href=f"/people/{kari.id}/edit")
    assert staff.get("/people/999999/edit").status_code == 404


# Memberships


def membership_data(**changes):
    return {"person": "", "new_name": "", "new_email": "", "new_title": "", "role": "MEMBER",
            "joined_on": "2016-09-01", "left_on": "", **changes}


def test_the_group_page_links_to_adding_and_editing_members_for_staff_only(client, staff, db, group, make_user):
    url = f"/groups/{group.id}"
    page = read(staff.get(url).data)
    assert page.all("a", href=f"/people/groups/{group.id}/members/new")
    assert page.all("a", href=f"/people/memberships/{group.memberships[0].id}/edit")
    login_as(client, make_user("agency", organisation=group.organisation))
    html = client.get(url).get_data(as_text=True)
    assert "/members/new" not in html and "/memberships/" not in html


def test_the_form_lists_the_groups_own_people_first_and_starts_at_the_cohort_start(staff, db, group):
    db.session.add_all([
        Person(name="Anne Annen", email="anne@example.org"),
        Person(name="Ørjan Egen", email="orjan@lanekassen.example.org", organisation=group.organisation),
    ])
    db.session.commit()
    url = f"/people/groups/{group.id}/members/new"
    html = staff.get(url, headers=EN).get_data(as_text=True)
    assert "Ørjan Egen" in html and "Anne Annen" not in html  # with no search: the group's own people
    html = staff.get(url + "?q=e", headers=EN).get_data(as_text=True)
    assert html.index("Ørjan Egen") < html.index("Anne Annen")
    assert "Kari Nordmann" not in html  # already in the group
    page = read(html)
    assert page.all("input", id="joined_on")[0]["value"] == "2016-09-01"


def test_a_coordinator_adds_an_existing_person(staff, db, group):
    anne = Person(name="Anne Annen", email="anne@example.org")
    db.session.add(anne)
    db.session.commit()
    response = post(staff, f"/people/groups/{group.id}/members/new",
                    membership_data(person=str(anne.id), role="CONTACT", joined_on="2016-10-01"))
    assert response.status_code == 302 and response.headers["Location"] == f"/groups/{group.id}"
    membership = db.session.scalar(select(Membership).where(Membership.person_id == anne.id))
    assert (membership.enrolment_id, membership.role, membership.joined_on, membership.left_on) == (
        group.id, MemberRole.CONTACT, date(2016, 10, 1), None)


def test_a_coordinator_adds_a_new_person_in_the_same_form(staff, db, group):
    response = post(staff, f"/people/groups/{group.id}/members/new",
                    membership_data(new_name="Per Hansen", new_email="Per.Hansen@Lanekassen.example.org",
                                    new_title="Avdelingsdirektør", left_on="2017-03-31"))
    assert response.status_code == 302
    per = db.session.scalar(select(Person).where(Person.name == "Per Hansen"))
    assert (per.email, per.title, per.organisation_id) == (
        "per.hansen@lanekassen.example.org", "Avdelingsdirektør", group.organisation_id)
    assert [(m.enrolment_id, m.left_on) for m in per.memberships] == [(group.id, date(2017, 3, 31))]


@pytest.mark.parametrize("changes, tag, field", [
    ({}, "radio", "person"),  # neither chosen nor typed
    ({"person": "KARI", "new_name": "Per"}, "radio", "person"),  # both
    ({"person": "999999"}, "radio", "person"),  # nobody
    ({"person": "not a number"}, "radio", "person"),
    ({"person": "kari"}, "radio", "person"),  # already a member
    ({"person": "anne", "role": "CHAIR"}, "select", "role"),
    ({"person": "anne", "joined_on": ""}, "input", "joined_on"),
    ({"person": "anne", "joined_on": "1. september"}, "input", "joined_on"),
    ({"person": "anne", "left_on": "2016-08-31"}, "input", "left_on"),  # before joined
    ({"person": "anne", "left_on": "igår"}, "input", "left_on"),
    ({"person": "anne", "joined_on": "2017-07-02"}, "input", "joined_on"),  # after the cohort's planned end
    ({"person": "anne", "role": "TOP_LEADER"}, "select", "role"),  # Kari leads the group
    ({"new_name": "Per"}, "input", "new_email"),
    ({"new_email": "per@example.org"}, "input", "new_name"),
    ({"new_name": "Per", "new_email": "ikke-epost"}, "input", "new_email"),
    ({"new_name": "Per", "new_email": "ANNE@example.org"}, "input", "new_email"),  # Anne's address
    ({"new_name": "x" * 201, "new_email": "per@example.org"}, "input", "new_name"),
])
def test_bad_membership_input_is_refused_and_nothing_is_added(staff, db, group, changes, tag, field):
    anne = Person(name="Anne Annen", email="anne@example.org")
    db.session.add(anne)
    db.session.commit()
    ids = {"kari": str(group.memberships[0].person_id), "anne": str(anne.id)}
    person = changes.get("person", "")
    changes = {**changes, "person": ids.get(person.lower(), person) if person.lower() in ids else person}
    people, memberships = count(db, Person), count(db, Membership)
    response = post(staff, f"/people/groups/{group.id}/members/new", membership_data(**changes))
    assert response.status_code == 400
    page = read(response.data)
    assert marked(page, tag, field)
    assert page.all("div", **{"class": "ds-error-summary"})
    if tag == "input" and changes.get(field):
        assert page.all("input", id=field)[0]["value"] == changes[field]
    assert (count(db, Person), count(db, Membership)) == (people, memberships)


def test_an_erased_person_cannot_join_a_group(staff, db, group):
    anne = Person(name="Anne Annen", email="anne@example.org")
    db.session.add(anne)
    db.session.flush()
    erase_person(anne)
    db.session.commit()
    url = f"/people/groups/{group.id}/members/new"
    assert f'value="{anne.id}"' not in staff.get(url).get_data(as_text=True)
    response = post(staff, url, membership_data(person=str(anne.id)))
    assert response.status_code == 400 and marked(read(response.data), "radio", "person")
    assert count(db, Membership) == 1
    with pytest.raises(DomainError) as error:
        add_membership(group, anne, role=MemberRole.MEMBER, joined_on=date(2016, 9, 1))
    assert error.value.field == "person"


def test_a_second_top_leader_is_refused_naming_the_current_one(staff, db, group):
    anne = Person(name="Anne Annen", email="anne@example.org")
    db.session.add(anne)
    db.session.commit()
    response = post(staff, f"/people/groups/{group.id}/members/new",
                    membership_data(person=str(anne.id), role="TOP_LEADER"))
    assert response.status_code == 400
    assert "Kari Nordmann is already the group's top leader" in read(response.data).text


def test_a_new_top_leader_may_take_over_the_day_the_last_one_left(db, group):
    kari_membership = group.memberships[0]
    update_membership(kari_membership, version=1, role=MemberRole.TOP_LEADER, joined_on=date(2016, 9, 1),
                      left_on=date(2017, 1, 31))
    anne = create_person(name="Anne Annen", email="anne@example.org")
    add_membership(group, anne, role=MemberRole.TOP_LEADER, joined_on=date(2017, 1, 31))
    ola = create_person(name="Ola", email="ola@example.org")
    with pytest.raises(DomainError) as error:
        add_membership(group, ola, role=MemberRole.TOP_LEADER, joined_on=date(2016, 12, 1),
                       left_on=date(2017, 1, 15))
    assert error.value.field == "role" and "Kari" in str(error.value)


def test_a_membership_cannot_be_added_to_an_unknown_group(staff, db):
    assert staff.get("/people/groups/999999/members/new").status_code == 404
    assert post(staff, "/people/groups/999999/members/new", membership_data(new_name="Per", new_email="p@example.org")).status_code == 404
    assert count(db, Person) == 0


def test_a_coordinator_edits_a_membership(staff, db, group):
    membership = group.memberships[0]
    url = f"/people/memberships/{membership.id}/edit"
    form = read(staff.get(url).data)
    assert form.all("input", id="joined_on")[0]["value"] == "2016-09-01"
    assert not form.all("select", id="person")  # who it is does not change
    response = post(staff, url, {"role": "MEMBER", "joined_on": "2016-09-15", "left_on": "2017-06-30", "version": "1"})
    assert response.status_code == 302 and response.headers["Location"] == f"/groups/{group.id}"
    saved = fresh(db, membership)
    assert (saved.role, saved.joined_on, saved.left_on, saved.version) == (
        MemberRole.MEMBER, date(2016, 9, 15), date(2017, 6, 30), 2)


@pytest.mark.parametrize("changes, tag, field", [
    ({"role": ""}, "select", "role"),
    ({"joined_on": "nonsense"}, "input", "joined_on"),
    ({"left_on": "2016-08-01"}, "input", "left_on"),
    ({"joined_on": "2018-01-01"}, "input", "joined_on"),
])
def test_bad_membership_edits_are_refused(staff, db, group, changes, tag, field):
    membership = group.memberships[0]
    response = post(staff, f"/people/memberships/{membership.id}/edit",
                    {"role": "TOP_LEADER", "joined_on": "2016-09-01", "left_on": "", "version": "1", **changes})
    assert response.status_code == 400
    assert marked(read(response.data), tag, field)
    saved = fresh(db, membership)
    assert (saved.role, saved.joined_on, saved.left_on, saved.version) == (
        MemberRole.TOP_LEADER, date(2016, 9, 1), None, 1)


def test_making_a_second_member_top_leader_is_refused(staff, db, group):
    anne = Person(name="Anne Annen", email="anne@example.org")
    group.memberships.append(Membership(person=anne, role=MemberRole.MEMBER, joined_on=date(2016, 9, 1)))
    db.session.commit()
    membership = group.memberships[1]
    response = post(staff, f"/people/memberships/{membership.id}/edit",
                    {"role": "TOP_LEADER", "joined_on": "2016-09-01", "left_on": "", "version": "1"})
    assert response.status_code == 400
    page = read(response.data)
    assert marked(page, "select", "role") and "Kari Nordmann" in page.text
    assert fresh(db, membership).role is MemberRole.MEMBER
    # The top leader's own membership can be saved as top leader: it does not clash with itself.
    kari = group.memberships[0]
    assert post(staff, f"/people/memberships/{kari.id}/edit",
                {"role": "TOP_LEADER", "joined_on": "2016-08-15", "left_on": "", "version": "1"}).status_code == 302


def test_a_stale_membership_form_is_a_conflict(app, staff, db, group, make_user):
    membership = group.memberships[0]
    other = app.test_client()
    login_as(other, make_user("coordinator"))
    url = f"/people/memberships/{membership.id}/edit"
    assert post(staff, url, {"role": "TOP_LEADER", "joined_on": "2016-09-01", "left_on": "2017-05-31",
                             "version": "1"}).status_code == 302
    response = post(other, url, {"role": "CONTACT", "joined_on": "2016-09-01", "left_on": "", "version": "1"})
    assert response.status_code == 409
    page = read(response.data)
    assert "Saved by someone else" in page.text and "31 May 2017" in page.text
    assert "selected" in page.all("option", value="CONTACT")[0]  # what they chose is kept
    saved = fresh(db, membership)
    assert (saved.role, saved.left_on) == (MemberRole.TOP_LEADER, date(2017, 5, 31))


def test_an_unknown_membership_is_not_found(staff):
    assert staff.get("/people/memberships/999999/edit").status_code == 404


@pytest.mark.parametrize("role", ["agency", "ministry"])
def test_people_and_membership_forms_are_for_staff_only(client, db, group, make_user, role):
    login_as(client, make_user(role))
    for url in ("/people/new", f"/people/{group.memberships[0].person_id}/edit",
                f"/people/groups/{group.id}/members/new", f"/people/memberships/{group.memberships[0].id}/edit"):
        assert client.get(url).status_code == 403, url
