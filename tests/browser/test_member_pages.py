"""Issue 13, members: a participant's My group page with their survey link, a contact person's
page with the members and their proposals, the proposal forms (with a refusal), and the
coordinators' group and person pages with the invite buttons and the proposals to answer: each
passes the checks of the axe walk (tests/browser/test_accessibility.py) in nb, nn and en, and
none scrolls sideways at 390 or 1280 px."""
from datetime import timedelta

import pytest

from tests.browser.test_accessibility import new_context, switch_language
from tests.browser.test_roster_pages import DESKTOP, PHONE, checked, sign_in

# The live server answers from another thread, so what the test makes must be committed.
pytestmark = [pytest.mark.browser, pytest.mark.committed]


@pytest.fixture
def member_world(db, make_cohort, make_organisation, make_group, make_member, make_user,
                 make_session):
    from tests.participants.conftest import account_for
    from tests.surveys.walk_rounds import _round
    from tracker import clock
    from tracker.groups.models import EnrolmentStatus
    from tracker.participants.models import MemberProposal, ProposalKind
    from tracker.people.models import MemberRole

    cohort = make_cohort(label="Kull 9", start_date=clock.today() - timedelta(days=30))
    group = make_group(cohort, make_organisation(name_nb="Direktoratet for forvaltning og økonomistyring",
                                                 short_name="DFØ"),
                       status=EnrolmentStatus.CONFIRMED)
    make_member(group, role=MemberRole.TOP_LEADER, name="Liv Langnavn-Lederstad",
                email="liv@dfo.example.org", title="Direktør")
    contact = make_member(group, role=MemberRole.CONTACT, name="Kjell Kontakt",
                          email="kjell@dfo.example.org")
    kari = make_member(group, name="Kari Medlem", email="kari@dfo.example.org")
    make_session(cohort, group=group, starts_at=clock.now() + timedelta(days=7), location="DFØ, rom 4")
    _round(group, [kari.person])
    db.session.commit()
    contact_user = account_for(db, contact)
    kari_user = account_for(db, kari)
    db.session.add(MemberProposal(enrolment=group, kind=ProposalKind.ADD, name="Nora Ny",
                                  email="nora@dfo.example.org", title="Seniorrådgiver",
                                  role=MemberRole.MEMBER, proposed_by=contact_user))
    db.session.add(MemberProposal(enrolment=group, kind=ProposalKind.REMOVE, membership=kari,
                                  proposed_by=contact_user))
    db.session.commit()
    coordinator = make_user("coordinator", email="members-coordinator@example.org")
    return {"group": group, "kari": kari, "contact": contact_user, "participant": kari_user,
            "coordinator": coordinator}


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_member_pages_are_accessible_and_fit(browser, live_server, axe_path, member_world, language):
    group, kari = member_world["group"], member_world["kari"]
    readers = {
        member_world["participant"].email: ["/groups/mine"],
        member_world["contact"].email: [
            "/groups/mine", f"/participants/groups/{group.id}/proposals/new",
            f"/participants/memberships/{kari.id}/proposals/new"],
        member_world["coordinator"].email: [f"/groups/{group.id}", f"/people/{kari.person_id}"],
    }
    storage_state = switch_language(browser, live_server, language) if language != "nb" else None
    problems = []
    for viewport in (PHONE, DESKTOP):
        for email, paths in readers.items():
            context = new_context(browser, storage_state=storage_state, viewport=viewport)
            context.add_init_script(path=str(axe_path))
            try:
                page = context.new_page()
                sign_in(page, live_server, email)
                for path in paths:
                    response = page.goto(live_server + path)
                    assert response.status == 200, path
                    problems += checked(page, path, language, axe_path, viewport["width"])
                if email == member_world["contact"].email:
                    # A refusal: an address that is no address.
                    path = f"/participants/groups/{group.id}/proposals/new"
                    page.goto(live_server + path)
                    page.fill("input[name=name]", "Nora Ny")
                    page.fill("input[name=email]", "ikke-en-adresse")
                    with page.expect_navigation():
                        page.locator("form.stack button[type=submit]").click()
                    assert page.locator(".ds-error-summary").count() == 1
                    problems += checked(page, path + " (refused)", language, axe_path, viewport["width"])
            finally:
                context.close()
    assert not problems, "\n".join(str(p) for p in problems)
