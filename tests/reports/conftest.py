"""A small state for the reports: two ministries' sectors with an organisation in every state."""
from datetime import date

import pytest

from tests.conftest import oslo
from tracker.groups.models import EnrolmentStatus
from tracker.people.models import MemberRole
from tracker.groups.services import enrol, record_status
from tracker.organisations.models import OrganisationKind
from tracker.programmes.models import ModuleKind
from tracker.schedule.models import Attendance, AttendanceStatus, SessionStatus

TODAY = date(2017, 3, 15)


@pytest.fixture
def world(db, make_organisation, make_cohort):
    """On TODAY, in the Ministry of Education's (KD's) sector:

    - KD itself is in progress in Kull 1 (started 1 September 2016: month 7 of 10);
    - Udir completed the pilot, marked completed on 20 June 2016;
    - Diku was active in the pilot and never marked completed: still taking part, the pilot over;
    - Hkdir is invited to Kull 5, which starts in September 2017;
    - NOKUT withdrew from Kull 1;
    - Lånekassen withdrew from the pilot, then was invited to Kull 5: the newer counts;
    - Direktoratet for økonomisk tilsyn has never taken part.
    The Ministry of Finance (FIN, never enrolled) owns SKD, in progress in Kull 1.
    """
    kd = make_organisation(name_nb="Kunnskapsdepartementet", short_name="KD",
                           name_en="Ministry of Education and Research",
                           kind=OrganisationKind.MINISTRY, org_number="872417842")
    fin = make_organisation(name_nb="Finansdepartementet", short_name="FIN", kind=OrganisationKind.MINISTRY)
    udir = make_organisation(name_nb="Utdanningsdirektoratet", short_name="Udir", owning_ministry=kd,
                             org_number="970018131")
    diku = make_organisation(name_nb="Diku", owning_ministry=kd)
    hkdir = make_organisation(name_nb="Hkdir", owning_ministry=kd)
    nokut = make_organisation(name_nb="NOKUT", owning_ministry=kd)
    lanekassen = make_organisation(name_nb="Lånekassen", owning_ministry=kd, org_number="960885406")
    never = make_organisation(name_nb="Direktoratet for økonomisk tilsyn", owning_ministry=kd)
    skd = make_organisation(name_nb="Skattedirektoratet", short_name="SKD", owning_ministry=fin)

    pilot = make_cohort(label="Pilot", ordinal=0, start_date=date(2015, 9, 1), capacity=10)
    kull1 = make_cohort(label="Kull 1", ordinal=1, start_date=date(2016, 9, 1), capacity=10)
    kull5 = make_cohort(label="Kull 5", ordinal=5, start_date=date(2017, 9, 1), capacity=10)

    udir_pilot = enrol(pilot, udir, status=EnrolmentStatus.CONFIRMED, at=oslo(2015, 6, 1))
    record_status(udir_pilot, EnrolmentStatus.ACTIVE, at=oslo(2015, 9, 1))
    record_status(udir_pilot, EnrolmentStatus.COMPLETED, at=oslo(2016, 6, 20, 15))
    diku_pilot = enrol(pilot, diku, status=EnrolmentStatus.CONFIRMED, at=oslo(2015, 6, 1))
    record_status(diku_pilot, EnrolmentStatus.ACTIVE, at=oslo(2015, 9, 1))
    lanekassen_pilot = enrol(pilot, lanekassen, at=oslo(2015, 5, 1))
    record_status(lanekassen_pilot, EnrolmentStatus.WITHDRAWN, reason="Omorganisering", at=oslo(2015, 8, 1))

    kd_kull1 = enrol(kull1, kd, status=EnrolmentStatus.CONFIRMED, at=oslo(2016, 6, 1))
    record_status(kd_kull1, EnrolmentStatus.ACTIVE, at=oslo(2016, 9, 1))
    nokut_kull1 = enrol(kull1, nokut, at=oslo(2016, 5, 1))
    record_status(nokut_kull1, EnrolmentStatus.WITHDRAWN, reason="Ny direktør", at=oslo(2016, 10, 3))
    skd_kull1 = enrol(kull1, skd, status=EnrolmentStatus.CONFIRMED, at=oslo(2016, 6, 1))

    enrol(kull5, hkdir, at=oslo(2017, 3, 1))
    enrol(kull5, lanekassen, at=oslo(2017, 3, 2))
    db.session.commit()
    return {
        "kd": kd, "fin": fin, "udir": udir, "diku": diku, "hkdir": hkdir, "nokut": nokut,
        "lanekassen": lanekassen, "never": never, "skd": skd,
        "pilot": pilot, "kull1": kull1, "kull5": kull5,
        "kd_kull1": kd_kull1, "skd_kull1": skd_kull1, "udir_pilot": udir_pilot,
    }


@pytest.fixture
def attendance_world(db, world, make_module, make_member, make_session):
    """Kull 1's sessions: a held joint gathering, a held group session each for KD and SKD,
    and a planned joint gathering; KD's and SKD's groups of two, with attendance recorded.

    Every name has æøå in it; a note starts with '=' like a formula would.
    """
    programme = world["kull1"].programme
    gathering = make_module(programme, name_nb="Fellessamling 1", name_en="Joint gathering 1",
                            kind=ModuleKind.JOINT_GATHERING, offset_weeks=4, duration_days=2)
    coaching = make_module(programme, name_nb="Gruppearbeid", name_en="Group work",
                           kind=ModuleKind.GROUP_WORK, offset_weeks=8)
    people = {}
    for key, enrolment, names in (
        ("kd", world["kd_kull1"], ("Åse Ødegård", "Bjørn Bæverfjord")),
        ("skd", world["skd_kull1"], ("Kåre Sæther", "Øyvind Ås")),
    ):
        for n, name in enumerate(names):
            people[f"{key}{n}"] = make_member(
                enrolment, role=MemberRole.TOP_LEADER if n == 0 else MemberRole.MEMBER,
                joined_on=date(2016, 9, 1), name=name, email=f"{key}{n}@example.org").person

    def session(module, day, enrolment=None, status=SessionStatus.HELD):
        return make_session(world["kull1"], module, enrolment, starts_at=oslo(day.year, day.month, day.day),
                            location="", status=status)

    joint = session(gathering, date(2016, 10, 4))
    kd_work = session(coaching, date(2016, 11, 8), world["kd_kull1"])
    skd_work = session(coaching, date(2016, 11, 9), world["skd_kull1"])
    later = session(gathering, date(2017, 5, 9), status=SessionStatus.PLANNED)
    db.session.add_all([
        Attendance(person=people["kd0"], session=joint, status=AttendanceStatus.PRESENT),
        Attendance(person=people["kd1"], session=joint, status=AttendanceStatus.EXCUSED,
                   note="=Syk på reise"),
        Attendance(person=people["skd0"], session=joint, status=AttendanceStatus.ABSENT,
                   note="Kolliderte med budsjettmøte"),
        Attendance(person=people["kd0"], session=kd_work, status=AttendanceStatus.PRESENT),
    ])
    db.session.commit()
    return {**world, **people, "joint": joint, "kd_work": kd_work, "skd_work": skd_work,
            "later": later, "gathering": gathering, "coaching": coaching}
