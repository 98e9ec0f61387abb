"""A cohort to write to: two groups taking part with their top leaders, members and contact
persons (one member in both groups, one without an e-mail address, one who has left, one
erased), a withdrawn group and a group of another cohort."""
from datetime import date, timedelta

import pytest

from tracker import clock
from tracker.groups.models import EnrolmentStatus
from tracker.people.models import MemberRole


@pytest.fixture
def cohort_world(db, make_cohort, make_organisation, make_group, make_member, make_user):
    cohort = make_cohort(label="Kull 1")
    other_cohort = make_cohort(label="Kull 2", start_date=date(2017, 1, 9))
    udir = make_group(cohort, make_organisation(name_nb="Utdanningsdirektoratet"))
    skd = make_group(cohort, make_organisation(name_nb="Skattedirektoratet"))
    withdrawn = make_group(cohort, make_organisation(name_nb="Tolldirektoratet"))
    withdrawn.status = EnrolmentStatus.WITHDRAWN
    elsewhere = make_group(other_cohort, make_organisation(name_nb="Lånekassen"))

    kari = make_member(udir, role=MemberRole.TOP_LEADER, name="Kari Nordmann", email="kari@example.org").person
    ola = make_member(udir, name="Ola Hansen", email="ola@example.org").person
    make_member(skd, ola)  # in both groups: written to once
    per = make_member(udir, role=MemberRole.CONTACT, name="Per Kontakt", email="per@example.org").person
    nils = make_member(udir, name="Nils Utenpost", email="nils@example.org").person
    nils.email = None
    gone = make_member(udir, name="Gunn Sluttet", email="gunn@example.org")
    gone.left_on = clock.today() - timedelta(days=1)
    erased = make_member(udir, name="Eli Slettet", email="eli@example.org").person
    erased.erased_at = clock.now()
    eva = make_member(skd, role=MemberRole.TOP_LEADER, name="Eva Skatt", email="eva@example.org").person
    toll = make_member(withdrawn, name="Tor Toll", email="tor@example.org").person
    far = make_member(elsewhere, name="Lise Lånekassen", email="lise@example.org").person
    db.session.commit()
    coordinator = make_user("coordinator", email="koordinator@example.org")
    return {"cohort": cohort, "other_cohort": other_cohort, "udir": udir, "skd": skd,
            "withdrawn": withdrawn, "elsewhere": elsewhere, "kari": kari, "ola": ola, "per": per,
            "nils": nils, "gone": gone.person, "erased": erased, "eva": eva, "toll": toll,
            "far": far, "coordinator": coordinator}
