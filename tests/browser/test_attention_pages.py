"""The front page's "needs attention" list with something in each urgency (the demo's history has
nothing to act on), and the sector overview with every state of the lifecycle: the same checks
as the axe walk of every page (tests/browser/test_accessibility.py), in nb, nn and en, with no
sideways scroll at 1,280 px or on a 390 px phone."""
import os
from datetime import date, timedelta

import pytest

from tests.browser.conftest import accessible_and_fits, signed_in_at_each_width
from tests.conftest import oslo
from tracker.groups.models import EnrolmentStatus
from tracker.organisations.models import OrganisationKind
from tracker.people.models import MemberRole
from tracker.schedule.models import SessionStatus

# The live server answers from another thread, so what the test makes must be committed.
pytestmark = [pytest.mark.browser, pytest.mark.committed]

TODAY = date(2017, 3, 1)


@pytest.fixture
def troubles(db, make_user, make_organisation, make_cohort, make_group, make_member, make_session):
    """On TODAY: a cohort starting in ten days with an unanswered invitation, a group without a
    top leader and free places; one starting in seven months whose group has no top leader yet;
    a running one with a session last week still planned. Long names, as the state has them."""
    ministry = make_organisation(name_nb="Barne- og likestillingsdepartementet", short_name="BLD",
                                 kind=OrganisationKind.MINISTRY)

    def agency(name):
        return make_organisation(name_nb=name, owning_ministry=ministry)

    near = make_cohort(label="Kull 6", start_date=TODAY + timedelta(days=10), capacity=4)
    make_group(near, agency("Barne-, ungdoms- og familiedirektoratet"))
    make_group(near, agency("Statens sivilrettsforvaltning"), status=EnrolmentStatus.CONFIRMED)
    far = make_cohort(label="Kull 7", start_date=TODAY + timedelta(days=210), capacity=4)
    make_group(far, agency("Likestillings- og diskrimineringsombudet"), status=EnrolmentStatus.CONFIRMED)
    running = make_cohort(label="Kull 5", start_date=date(2017, 1, 9), capacity=4)
    group = make_group(running, agency("Forbrukertilsynet"), status=EnrolmentStatus.CONFIRMED)
    make_member(group, role=MemberRole.TOP_LEADER)
    make_session(running, group=group, starts_at=oslo(2017, 2, 22), status=SessionStatus.PLANNED)
    user = make_user("coordinator", email="attention@example.org")
    db.session.commit()
    return user


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_attention_list_and_the_sector_page_are_accessible_and_fit(
        browser, live_server, axe_path, troubles, frozen_clock, language):
    frozen_clock(TODAY)
    problems = []
    for page, viewport in signed_in_at_each_width(browser, live_server, axe_path, language, troubles.email):
        for path in ("/", "/reports/sector"):
            page.goto(live_server + path)
            if path == "/":
                assert page.locator(".attention-list li").count() >= 5
                assert page.locator("details.attention-later li").count() == 1
            problems += accessible_and_fits(page, path, language, axe_path, viewport)
            if "SCREENSHOTS" in os.environ:
                name = "home" if path == "/" else "sector"
                page.screenshot(path=f"/tmp/attention/{name}-{language}-{viewport['width']}.png",
                                full_page=True)
    assert not problems, "\n".join(map(str, problems))
