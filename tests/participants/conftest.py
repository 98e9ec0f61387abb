"""Members of a group in the tracker (issue 13, item 1): a running group with a top leader, a
contact person and two members, a coordinator, and the mail an invitation or a proposal makes."""
from datetime import timedelta

import pytest

from tests.conftest import login_as
from tracker import clock
from tracker.groups.models import EnrolmentStatus
from tracker.people.models import MemberRole


@pytest.fixture
def group_world(db, make_cohort, make_organisation, make_group, make_member, make_user):
    today = clock.today()
    cohort = make_cohort(label="Kull 9", start_date=today - timedelta(days=30), capacity=10)
    udir = make_organisation(name_nb="Utdanningsdirektoratet", short_name="Udir")
    skd = make_organisation(name_nb="Skattedirektoratet", short_name="SKD")
    group = make_group(cohort, udir, status=EnrolmentStatus.CONFIRMED)
    other = make_group(cohort, skd, status=EnrolmentStatus.CONFIRMED)
    world = {
        "cohort": cohort, "group": group, "other": other, "udir": udir,
        "leader": make_member(group, role=MemberRole.TOP_LEADER, name="Liv Leder",
                              email="liv@udir.example.org", title="Direktør"),
        "contact": make_member(group, role=MemberRole.CONTACT, name="Kjell Kontakt",
                               email="kjell@udir.example.org"),
        "kari": make_member(group, name="Kari Medlem", email="kari@udir.example.org"),
        "ola": make_member(group, name="Ola Medlem", email="ola@udir.example.org"),
        "skd_leader": make_member(other, role=MemberRole.TOP_LEADER, name="Siri Skatt",
                                  email="siri@skd.example.org"),
        "coordinator": make_user("coordinator", email="koordinator@difi.example.org"),
    }
    db.session.commit()
    return world


def account_for(db, membership, role=None):
    """An account tied to the member's person, signed in as nobody yet (as an accepted
    invitation leaves it): a participant's, or a group leader's for the group's leaders."""
    from tracker.users.invites import account_role_for
    from tracker.users.services import create_user
    from tests.conftest import PASSWORD

    person = membership.person
    role = role or account_role_for(membership)
    organisation = membership.enrolment.organisation if role.name == "AGENCY" else None
    user = create_user(person.email, role, organisation, password=PASSWORD)
    user.person = person
    db.session.commit()
    return user


@pytest.fixture
def signed_in_as(client, db):
    """signed_in_as(membership): the client signed in with an account tied to the member."""
    def sign_in(membership, role=None):
        user = account_for(db, membership, role)
        login_as(client, user)
        return user
    return sign_in
