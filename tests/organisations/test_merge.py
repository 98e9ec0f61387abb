"""Merging two organisations (a duplicate, or one absorbed by another) and deleting one nothing
refers to, through the organisation's "Merge or delete" page."""
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.html import read
from tracker.audit.models import AuditAction, AuditEntry
from tracker.groups.models import Enrolment
from tracker.organisations.models import Organisation, OrganisationKind
from tracker.people.models import Person
from tracker.users.models import User

EN = {"Accept-Language": "en"}
NB = {"Accept-Language": "nb"}


def audits(db) -> int:
    return db.session.scalar(select(func.count(AuditEntry.id)))


def version_of(client, organisation_id: int) -> str:
    page = read(client.get(f"/organisations/{organisation_id}/merge", headers=EN).data)
    return page.all("input", name="version")[0]["value"]


def merge(client, merged_id: int, into: object, headers=EN):
    return client.post(f"/organisations/{merged_id}/merge", data={
        "into": str(into), "version": version_of(client, merged_id),
        "csrf_token": csrf_token(client)}, headers=headers)


@pytest.fixture
def duplicates(db, make_organisation, make_cohort, make_group, make_member, make_person, make_user):
    """Finansdepartementet as the programme keeps it, and the duplicate an import made of it,
    with a group, a member, a person, a user and an agency on the duplicate."""
    fin = make_organisation(name_nb="Finansdepartementet", short_name="FIN", kind=OrganisationKind.MINISTRY)
    dup = make_organisation(name_nb="FINANSDEPARTEMENTET", org_number="972417890",
                            name_en="Ministry of Finance", kind=OrganisationKind.MINISTRY)
    skd = make_organisation(name_nb="Skattedirektoratet", owning_ministry=dup)
    kull1 = make_cohort(label="Kull 1", start_date=date(2016, 9, 1))
    kull4 = make_cohort(label="Kull 4", start_date=date(2017, 9, 1))
    make_group(cohort=kull1, organisation=fin)
    group = make_group(cohort=kull4, organisation=dup)
    member = make_member(group)
    person = make_person(organisation=dup)
    leader = make_user("ministry", organisation=dup)
    db.session.commit()
    return {"fin": fin, "dup": dup, "skd": skd, "kull1": kull1, "kull4": kull4, "group": group,
            "member": member, "person": person, "leader": leader}


def test_merging_moves_groups_people_users_and_agencies_and_is_audited(staff, db, duplicates):
    fin, dup = duplicates["fin"], duplicates["dup"]
    fin_id, dup_id = fin.id, dup.id
    page = read(staff.get(f"/organisations/{dup_id}/merge", headers=EN).data)
    assert "leadership groups: 1" in page.text and "agencies it owns: 1" in page.text
    assert "user accounts: 1" in page.text and "people: 1" in page.text
    assert "It cannot be deleted while anything refers to it" in page.text
    session_version = duplicates["leader"].session_version
    before = audits(db)

    response = merge(staff, dup_id, fin_id)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/organisations/{fin_id}")
    db.session.expire_all()
    assert db.session.get(Organisation, dup_id) is None
    fin = db.session.get(Organisation, fin_id)
    assert fin.name_nb == "Finansdepartementet", "the survivor keeps its spelling"
    assert (fin.org_number, fin.name_en, fin.short_name) == ("972417890", "Ministry of Finance", "FIN")
    assert db.session.get(Enrolment, duplicates["group"].id).organisation_id == fin_id
    assert len(duplicates["group"].memberships) == 1
    assert db.session.get(Person, duplicates["person"].id).organisation_id == fin_id
    leader = db.session.get(User, duplicates["leader"].id)
    assert leader.organisation_id == fin_id
    assert leader.session_version == session_version + 1, "the moved user signs in again"
    assert db.session.get(Organisation, duplicates["skd"].id).owning_ministry_id == fin_id
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.id > 0).order_by(AuditEntry.id)).all()[before:]
    logged = {(e.table_name, e.action) for e in entries}
    assert {("enrolment", AuditAction.UPDATE), ("person", AuditAction.UPDATE), ("user_account", AuditAction.UPDATE),
            ("organisation", AuditAction.UPDATE), ("organisation", AuditAction.DELETE)} <= logged
    page = read(staff.get(f"/organisations/{fin_id}", headers=EN).data)
    assert "Kull 1" in page.text and "Kull 4" in page.text, "the participation history moved"


@pytest.mark.parametrize("case, message", [
    ("itself", "An organisation cannot be merged into itself."),
    ("own agency", "Finansdepartementet cannot be merged into one of its own agencies."),
    ("agencies into an agency", "FINANSDEPARTEMENTET owns agencies, so it can only be merged into a ministry."),
    ("same cohort", "FINANSDEPARTEMENTET and Finansdepartementet both have a leadership group in Kull 1."),
    ("nothing chosen", "Choose the organisation to keep."),
    ("unknown", "Choose the organisation to keep."),
])
def test_a_merge_that_cannot_be_is_refused_on_the_field_and_nothing_written(
        staff, db, duplicates, make_organisation, make_group, case, message):
    fin, dup, skd = duplicates["fin"], duplicates["dup"], duplicates["skd"]
    merged, into = dup.id, fin.id
    if case == "itself":
        into = dup.id
    elif case == "own agency":
        skd.owning_ministry = fin
        db.session.commit()
        merged, into = fin.id, skd.id
    elif case == "agencies into an agency":
        into = make_organisation(name_nb="Tolldirektoratet", owning_ministry=fin).id
        db.session.commit()
    elif case == "same cohort":
        make_group(cohort=duplicates["kull1"], organisation=dup)
        db.session.commit()
    elif case == "nothing chosen":
        into = ""
    else:
        into = "987654"
    before = audits(db)
    response = merge(staff, merged, into)
    assert response.status_code == 400
    page = read(response.data)
    assert message in page.text
    assert page.all("select", id="into")[0].get("aria-invalid") == "true"
    db.session.expire_all()
    assert audits(db) == before
    assert db.session.get(Organisation, merged) is not None


def test_a_refused_merge_speaks_norwegian_to_a_norwegian_reader(staff, db, duplicates):
    response = merge(staff, duplicates["dup"].id, duplicates["dup"].id, headers=NB)
    assert response.status_code == 400
    assert "En virksomhet kan ikke slås sammen med seg selv." in read(response.data).text


def test_the_merge_list_leaves_out_itself_and_its_agencies(staff, db, duplicates):
    page = read(staff.get(f"/organisations/{duplicates['dup'].id}/merge", headers=EN).data)
    offered = {o["value"] for o in page.all("option")}
    assert str(duplicates["fin"].id) in offered
    assert str(duplicates["dup"].id) not in offered and str(duplicates["skd"].id) not in offered


def test_an_organisation_nothing_refers_to_can_be_deleted(staff, db, make_organisation):
    stray = make_organisation(name_nb="Feilregistrert etat")
    db.session.commit()
    stray_id = stray.id
    page = read(staff.get(f"/organisations/{stray_id}/merge", headers=EN).data)
    assert "Nothing refers to this organisation" in page.text
    version = page.all("input", name="version")[-1]["value"]
    response = staff.post(f"/organisations/{stray_id}/delete",
                          data={"version": version, "csrf_token": csrf_token(staff)}, headers=EN)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Organisation, stray_id) is None
    assert db.session.scalar(select(AuditEntry).where(
        AuditEntry.table_name == "organisation", AuditEntry.record_id == stray_id,
        AuditEntry.action == AuditAction.DELETE)) is not None


def test_an_organisation_something_refers_to_is_not_deleted(staff, db, duplicates):
    dup_id = duplicates["dup"].id
    before = audits(db)
    response = staff.post(f"/organisations/{dup_id}/delete", data={
        "version": str(duplicates["dup"].version), "csrf_token": csrf_token(staff)}, headers=EN)
    assert response.status_code == 400
    text = read(response.data).text
    assert "FINANSDEPARTEMENTET cannot be deleted" in text and "leadership groups (1)" in text
    db.session.expire_all()
    assert db.session.get(Organisation, dup_id) is not None and audits(db) == before


@pytest.mark.parametrize("role", ["agency", "ministry"])
def test_only_staff_may_merge_or_delete(client, db, make_user, duplicates, role):
    from tests.conftest import login_as

    user = make_user(role, organisation=duplicates["skd"] if role == "agency" else duplicates["dup"])
    login_as(client, user)
    dup_id = duplicates["dup"].id
    assert client.get(f"/organisations/{dup_id}/merge").status_code == 403
    assert client.post(f"/organisations/{dup_id}/merge", data={
        "into": str(duplicates["fin"].id), "csrf_token": csrf_token(client)}).status_code == 403
    assert client.post(f"/organisations/{dup_id}/delete",
                       data={"csrf_token": csrf_token(client)}).status_code == 403
    assert db.session.get(Organisation, dup_id) is not None
