"""The front page's "needs attention" list with something in each urgency (the demo's history has
nothing to act on), and the sector overview with every state of the lifecycle: the same checks
as the axe walk of every page (tests/browser/test_accessibility.py), in nb, nn and en, with no
sideways scroll at 1,280 px or on a 390 px phone."""
import os
from datetime import date, timedelta

import pytest

from tests.browser.test_accessibility import check_page, new_context, switch_language
from tests.browser.test_two_factor_pages import sign_in
from tests.conftest import oslo
from tracker.groups.models import EnrolmentStatus
from tracker.organisations.models import OrganisationKind
from tracker.people.models import MemberRole
from tracker.schedule.models import SessionStatus

# The live server answers from another thread, so what the test makes must be committed.
pytestmark = [pytest.mark.browser, pytest.mark.committed]

TODAY = date(2017, 3, 1)
WIDTHS = [{"width": 1280, "height": 900}, {"width": 390, "height": 844}]
PAGE_WIDTH = "() => document.documentElement.scrollWidth"


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
    storage_state = switch_language(browser, live_server, language) if language != "nb" else None
    problems = []
    for viewport in WIDTHS:
        context = new_context(browser, storage_state=storage_state, viewport=viewport)
        context.add_init_script(path=str(axe_path))
        try:
            page = context.new_page()
            sign_in(page, live_server, troubles.email)
            for path in ("/", "/reports/sector"):
                page.goto(live_server + path)
                if path == "/":
                    assert page.locator(".attention-list li").count() >= 5
                    assert page.locator("details.attention-later li").count() == 1
                problems += check_page(page, path, language, axe_path)
                if "SCREENSHOTS" in os.environ:
                    name = "home" if path == "/" else "sector"
                    page.screenshot(path=f"/tmp/attention/{name}-{language}-{viewport['width']}.png",
                                    full_page=True)
                if page.evaluate(PAGE_WIDTH) > viewport["width"]:
                    problems.append(f"{path}: wider than {viewport['width']} px")
        finally:
            context.close()
    assert not problems, "\n".join(map(str, problems))
