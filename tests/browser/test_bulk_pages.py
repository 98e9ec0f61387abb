"""Working in bulk (issue 11): the enrolment picker with each organisation's history, the
add-member page with a search, and a paste of several members previewed with a bad line. The
same checks as the axe walk of every page (tests/browser/test_accessibility.py), in nb, nn and
en, with no sideways scroll at 1,280 px or on a 390 px phone."""
from datetime import date

import pytest

from tests.browser.conftest import accessible_and_fits, signed_in_at_each_width
from tracker.groups.models import EnrolmentStatus
from tracker.groups.services import record_status
from tracker.organisations.models import OrganisationKind
from tracker.people.models import MemberRole, Membership, Person

# The live server answers from another thread, so what the test makes must be committed.
pytestmark = [pytest.mark.browser, pytest.mark.committed]

PASTE = ("Ola Nordmann, ola.nordmann@bufdir.example.org, medlem\n"
         "Kari Berg\tkari.berg@bufdir.example.org\tkontaktperson\n"
         "Per Hansen; ikke-en-adresse; sjef\n")


@pytest.fixture
def bulk(db, make_user, make_organisation, make_cohort, make_group):
    """Kull 6 with one group; agencies with long names, one that completed Kull 2 and withdrew
    from Kull 4; a person to find by search."""
    ministry = make_organisation(name_nb="Barne- og likestillingsdepartementet", short_name="BLD",
                                 kind=OrganisationKind.MINISTRY)
    bufdir = make_organisation(name_nb="Barne-, ungdoms- og familiedirektoratet", short_name="Bufdir",
                               owning_ministry=ministry)
    veteran = make_organisation(name_nb="Likestillings- og diskrimineringsombudet", owning_ministry=ministry)
    make_organisation(name_nb="Statens sivilrettsforvaltning", owning_ministry=ministry)
    kull2 = make_cohort(label="Kull 2", start_date=date(2016, 1, 11))
    kull4 = make_cohort(label="Kull 4", start_date=date(2017, 1, 9))
    group2 = make_group(kull2, veteran, status=EnrolmentStatus.CONFIRMED)
    record_status(group2, EnrolmentStatus.ACTIVE)
    record_status(group2, EnrolmentStatus.COMPLETED)
    record_status(make_group(kull4, veteran), EnrolmentStatus.WITHDRAWN, reason="Ny leder")
    cohort = make_cohort(label="Kull 6", start_date=date(2018, 9, 3))
    group = make_group(cohort, bufdir)
    # A namesake of the paste's first line, so the preview shows its "add anyway" box.
    group.memberships.append(Membership(
        person=Person(name="Ola Nordmann", email="ola@annen.example.org", organisation=bufdir),
        role=MemberRole.TOP_LEADER, joined_on=date(2018, 9, 3)))
    db.session.add(Person(name="Ingrid Haugland-Sørensen", email="ingrid.haugland-sorensen@bufdir.example.org",
                          organisation=bufdir))
    user = make_user("coordinator", email="bulk@example.org")
    db.session.commit()
    return {"user": user, "cohort": cohort.id, "group": group.id}


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_bulk_pages_are_accessible_and_fit(browser, live_server, axe_path, bulk, language):
    problems = []
    pages = [f"/groups/cohorts/{bulk['cohort']}/new",
             f"/people/groups/{bulk['group']}/members/new?q=ingrid",
             f"/people/groups/{bulk['group']}/members/paste"]
    email = bulk["user"].email
    for page, viewport in signed_in_at_each_width(browser, live_server, axe_path, language, email):
        for path in pages:
            page.goto(live_server + path)
            if path.endswith("/paste"):
                page.fill("textarea[name=lines]", PASTE)
                with page.expect_navigation():
                    page.click("button[value=preview]")
                assert page.locator("tbody tr").count() == 3
                assert page.locator("input[name=add_anyway]").count() == 1
            problems += accessible_and_fits(page, path, language, axe_path, viewport)
    assert not problems, "\n".join(map(str, problems))
