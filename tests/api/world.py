"""The records the API tests read and write: two cohorts, organisations under three ministries,
their groups, sessions and people, and a user of each role (`world`); and the test client with
a role's Bearer token (`api`). Shared by the resource tests and the fuzzer (tests/test_fuzz_api.py).
"""
from datetime import date, timedelta

import pytest

from tests.conftest import oslo
from tracker.auth.tokens import new_token
from tracker.groups.services import enrol
from tracker.organisations.models import OrganisationKind
from tracker.people.models import MemberRole, Membership, Person
from tracker.programmes.models import CourseModule, ModuleKind
from tracker.schedule.models import Session, SessionStatus

EN = {"Accept-Language": "en"}


@pytest.fixture
def world(db, make_organisation, make_cohort, make_user):
    """Kull 1 with Udir (under KD) and Bufdir (under BLD); Kull 3 with SKD (under FIN).

    The agency leader is Udir's, the ministry viewer KD's: both see Kull 1, Udir's group and
    Kull 1's joint session, and nothing of Bufdir's group or of Kull 3.
    """
    kd = make_organisation(name_nb="Kunnskapsdepartementet", short_name="KD", kind=OrganisationKind.MINISTRY)
    bld = make_organisation(name_nb="Barne- og likestillingsdepartementet", short_name="BLD",
                            kind=OrganisationKind.MINISTRY)
    fin = make_organisation(name_nb="Finansdepartementet", short_name="FIN", kind=OrganisationKind.MINISTRY)
    udir = make_organisation(name_nb="Utdanningsdirektoratet", short_name="Udir", owning_ministry=kd)
    bufdir = make_organisation(name_nb="Barne-, ungdoms- og familiedirektoratet", short_name="Bufdir",
                               owning_ministry=bld)
    skd = make_organisation(name_nb="Skattedirektoratet", short_name="SKD", owning_ministry=fin)
    kull1 = make_cohort(label="Kull 1", start_date=date(2016, 9, 1))
    kull3 = make_cohort(label="Kull 3", start_date=date(2017, 1, 9))
    udir_group, bufdir_group, skd_group = enrol(kull1, udir), enrol(kull1, bufdir), enrol(kull3, skd)
    joint = CourseModule(programme=kull1.programme, position=1, name_nb="Fellessamling 1",
                         name_en="Joint gathering 1", kind=ModuleKind.JOINT_GATHERING, is_joint=True,
                         offset_weeks=4)
    coaching = CourseModule(programme=kull1.programme, position=2, name_nb="Coaching", name_en="Coaching",
                            kind=ModuleKind.GROUP_WORK, is_joint=False, offset_weeks=8)
    db.session.add_all([joint, coaching])

    def session(cohort, module, start, enrolment=None):
        return Session(cohort=cohort, enrolment=enrolment, module=module, starts_at=start,
                       ends_at=start + timedelta(hours=6), status=SessionStatus.PLANNED)

    sessions = {
        "joint_in": session(kull1, joint, oslo(2016, 10, 3)),
        "udir_session": session(kull1, coaching, oslo(2016, 10, 31), udir_group),
        "bufdir_session": session(kull1, coaching, oslo(2016, 11, 1), bufdir_group),
        "joint_out": session(kull3, joint, oslo(2017, 2, 6)),
        "skd_session": session(kull3, coaching, oslo(2017, 3, 6), skd_group),
    }
    people = {}
    for key, group in (("udir_person", udir_group), ("bufdir_person", bufdir_group)):
        person = Person(name=f"Kari {key}", email=f"{key}@example.org")
        group.memberships.append(Membership(person=person, role=MemberRole.MEMBER,
                                            joined_on=date(2016, 9, 1)))
        people[key] = person
    db.session.add_all([*sessions.values(), *people.values()])
    db.session.commit()
    return {
        "kd": kd, "bld": bld, "fin": fin, "udir": udir, "bufdir": bufdir, "skd": skd,
        "kull1": kull1, "kull3": kull3,
        "udir_group": udir_group, "bufdir_group": bufdir_group, "skd_group": skd_group,
        **sessions, **people,
        "users": {
            "admin": make_user("admin"),
            "coordinator": make_user("coordinator"),
            "agency": make_user("agency", organisation=udir),
            "ministry": make_user("ministry", organisation=kd),
        },
    }


@pytest.fixture
def api(client, db, world):
    """api(role).get(path) and friends: the test client with that role's Bearer token."""
    secrets = {}

    class As:
        def __init__(self, role):
            if role not in secrets:
                _token, secrets[role] = new_token(world["users"][role], f"{role} test")
                db.session.commit()
            self.headers = {"Authorization": f"Bearer {secrets[role]}", **EN}

        def __getattr__(self, method):
            def call(path, **kwargs):
                return getattr(client, method)(path, headers=self.headers, **kwargs)
            return call

    return As


