"""Who may see a material: staff, and the people expected at its session (or at a session of
its module); nobody by scope alone."""
from datetime import date

import pytest
from sqlalchemy import select

from tests.conftest import login_as, oslo
from tests.materials.conftest import PDF
from tracker.extensions import db
from tracker.groups.models import EnrolmentStatus
from tracker.materials.services import add_file, add_link, materials_for, may_see
from tracker.schedule.attendance import add_guest
from tracker.schedule.models import Session


@pytest.fixture
def materials(app, course, make_module):
    """A file for the joint session, one for the member's own group session, one for the
    other group's, and a link for the module of the group sessions."""
    with app.test_request_context():
        found = {
            "joint": add_file(course.joint, filename="Felles.pdf", data=PDF),
            "own": add_file(course.own, filename="Egen.pdf", data=PDF),
            "others": add_file(course.others, filename="Andres.pdf", data=PDF),
            "module": add_link(course.own.module, url="https://www.difi.no/gruppearbeid"),
        }
        db.session.commit()
    return found


def test_a_member_sees_the_joint_sessions_their_groups_and_its_modules(course, materials):
    seen = {key for key, material in materials.items() if may_see(course.member, material)}
    assert seen == {"joint", "own", "module"}


def test_staff_see_everything(course, materials):
    assert all(may_see(course.coordinator, material) for material in materials.values())


def test_a_group_leader_or_ministry_viewer_without_a_place_at_the_session_sees_nothing(
        course, materials, make_user):
    """The group's agency account and its ministry's viewer may see the sessions (scope), but
    are not expected at them: the materials are the participants'."""
    leader = make_user("agency", organisation=course.group.organisation)
    viewer = make_user("ministry")
    for user in (leader, viewer):
        assert not any(may_see(user, material) for material in materials.values())


def test_someone_who_joins_after_the_session_does_not_see_it(course, materials, make_member, make_user):
    late = make_member(course.group, joined_on=date(2027, 2, 1))
    user = make_user("agency", organisation=course.group.organisation)
    user.person_id = late.person_id
    assert not may_see(user, materials["own"])
    assert not may_see(user, materials["module"])  # its only session in their group was before


def test_someone_who_left_before_the_session_does_not_see_it(app, course, make_member, make_user,
                                                             make_session):
    later = make_session(course.cohort, course.own.module, course.group, starts_at=oslo(2027, 3, 1))
    with app.test_request_context():
        material = add_file(later, filename="Mars.pdf", data=PDF)
    gone = make_member(course.group, left_on=date(2027, 2, 1))
    user = make_user("agency", organisation=course.group.organisation)
    user.person_id = gone.person_id
    assert not may_see(user, material)
    assert may_see(course.member, material)


def test_a_withdrawn_groups_members_no_longer_see_it(course, materials):
    course.group.status = EnrolmentStatus.WITHDRAWN
    db.session.flush()
    assert not may_see(course.member, materials["own"])
    assert not may_see(course.member, materials["joint"])


def test_a_guest_at_one_session_sees_its_materials_and_its_modules(app, course, materials, make_person,
                                                                   make_user):
    person = make_person()
    user = make_user("agency")
    user.person_id = person.id
    with app.test_request_context():
        add_guest(course.others, person.id)
    db.session.flush()
    seen = {key for key, material in materials.items() if may_see(user, material)}
    assert seen == {"others", "module"}


def test_materials_for_lists_the_modules_then_the_sessions_own(course, materials):
    found = materials_for(course.member, [course.joint, course.own, course.others])
    assert {session_id: [m.id for m in listed] for session_id, listed in found.items()} == {
        course.joint.id: [materials["joint"].id],
        course.own.id: [materials["module"].id, materials["own"].id],
    }
    staff = materials_for(course.coordinator, [course.own, course.others])
    assert [m.id for m in staff[course.others.id]] == [materials["module"].id, materials["others"].id]
    assert materials_for(course.member, []) == {}


def test_materials_for_someone_without_a_person_is_empty(course, materials, make_user):
    assert materials_for(make_user("agency"), [course.joint, course.own]) == {}


def test_materials_for_asks_a_fixed_number_of_queries(course, materials, make_session, count_queries):
    sessions = [course.joint, course.own, course.others] + [
        make_session(course.cohort, course.own.module, course.group) for _ in range(5)]
    db.session.commit()
    ids = [s.id for s in sessions]
    db.session.expire_all()
    sessions = db.session.scalars(select(Session).where(Session.id.in_(ids))).all()
    with count_queries() as counted:
        found = materials_for(course.member, sessions)
    assert len(found) == 7  # the joint session and the group's six
    assert counted["n"] <= 6


def test_the_download_answers_as_may_see_says(client, course, materials, make_user):
    login_as(client, course.member)
    assert client.get(f"/materials/{materials['own'].id}").status_code == 200
    assert client.get(f"/materials/{materials['others'].id}").status_code == 404
    assert client.get(f"/materials/{materials['module'].id}").status_code == 302
    login_as(client, make_user("ministry"))
    assert client.get(f"/materials/{materials['joint'].id}").status_code == 404
    assert client.get("/materials/999999").status_code == 404


def test_a_participant_cannot_open_the_coordinators_pages(client, course, materials):
    login_as(client, course.member)
    assert client.get(f"/schedule/sessions/{course.own.id}/materials").status_code == 403
    assert client.post(f"/materials/{materials['own'].id}/delete").status_code in (400, 403)


def test_the_access_table_asks_the_same_rule(course, materials, make_user):
    from tracker.access import allows

    assert allows(course.member, "materials.download", materials["own"])
    assert not allows(course.member, "materials.download", materials["others"])
    assert not allows(course.member, "materials.delete", materials["own"])
    assert allows(course.coordinator, "materials.delete", materials["others"])
