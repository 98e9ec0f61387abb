"""The survey's results pages at a desktop's width (1,280 px) and a phone's (390 px), with the
demo's rounds: no heading or table caption is cut off, every table's last column is in view
(on a desktop) or reachable by scrolling its own keyboard-focusable, labelled region (on a
phone), and the group's chart keeps its drawn size (12 px text) in a scrolling region of its own
instead of shrinking to a few pixels. The axe walk (tests/browser/test_accessibility.py) takes
these pages too."""
import pytest
from sqlalchemy import select

from tests.browser.test_accessibility import (  # noqa: F401 (fixtures used by name)
    ADMIN_EMAIL,
    check_page,
    example_ids,
    new_context,
    sign_in,
)

# The live server answers from another thread, so the demo data must be committed.
pytestmark = [pytest.mark.browser, pytest.mark.committed]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

# Headings and captions whose text runs past their own box or past the window.
CLIPPED = """() => [...document.querySelectorAll(
        "main h1, main h2, main h3, main figcaption, main caption, .results-table__caption")]
    .filter(el => el.scrollWidth > el.clientWidth + 1
            || el.getBoundingClientRect().right > window.innerWidth + 1)
    .map(el => el.tagName.toLowerCase() + ": " + el.textContent.trim().slice(0, 60))"""

# Each results table: its region's label, whether it takes focus, and where its last column
# header is before and after the region is scrolled to its end.
TABLES = """() => [...document.querySelectorAll(".results-table")].map(region => {
    const label = document.getElementById(region.getAttribute("aria-labelledby"));
    const last = () => {
        const cells = region.querySelectorAll("thead th");
        const box = cells[cells.length - 1].getBoundingClientRect();
        const frame = region.getBoundingClientRect();
        return box.left >= frame.left - 1 && box.right <= frame.right + 1
            && box.right <= window.innerWidth + 1;
    };
    const before = last();
    region.scrollLeft = region.scrollWidth;
    const after = last();
    region.scrollLeft = 0;
    return {label: label ? label.textContent.trim() : null, tabindex: region.tabIndex,
            role: region.getAttribute("role"), lastInView: before, lastReachable: after};
})"""

CHART = """() => {
    const region = document.querySelector(".results-chart");
    const svg = region.querySelector("svg");
    return {label: region.getAttribute("aria-label"), role: region.getAttribute("role"),
            tabindex: region.tabIndex, drawn: svg.viewBox.baseVal.width,
            shown: svg.getBoundingClientRect().width,
            fits: region.scrollWidth <= region.clientWidth + 1};
}"""


@pytest.fixture
def result_pages(example_ids, db):
    """The results pages of a demo group with a baseline and a final round to show, of its
    cohort and of its programme."""
    from tracker import clock
    from tracker.groups.models import Enrolment
    from tracker.users.models import User
    from tracker.surveys.models import SurveyRound
    from tracker.surveys.results import group_results

    enrolment_ids = db.session.scalars(
        select(SurveyRound.enrolment_id).distinct().order_by(SurveyRound.enrolment_id)).all()
    admin = db.session.scalar(select(User).where(User.email == ADMIN_EMAIL))
    group = None
    for enrolment_id in enrolment_ids:
        enrolment = db.session.get(Enrolment, enrolment_id)
        if group_results(enrolment, admin, clock.today()).compared:
            group = enrolment
            break
    assert group is not None, "the demo has a group whose baseline and final are both shown"
    paths = [f"/surveys/groups/{group.id}/results",
             f"/surveys/cohorts/{group.cohort_id}/results",
             f"/programmes/{group.cohort.programme_id}/survey-results"]
    # End the transaction: on in-memory SQLite the live server shares this connection.
    db.session.rollback()
    return paths


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_results_tables_and_chart_fit_or_scroll_in_their_own_region(
        browser, live_server, axe_path, result_pages, viewport):
    context = new_context(browser, viewport=viewport)
    context.add_init_script(path=str(axe_path))
    problems = []
    try:
        page = context.new_page()
        page.goto(live_server + "/login")
        sign_in(page, live_server)
        for path in result_pages:
            assert page.goto(live_server + path).status == 200, path
            problems += [str(p) for p in check_page(page, path, "nb", axe_path)]
            width = page.evaluate("() => document.documentElement.scrollWidth")
            if width > viewport["width"]:
                problems.append(f"{path}: the page is {width} px wide")
            problems += [f"{path}: clipped {what}" for what in page.evaluate(CLIPPED)]
            tables = page.evaluate(TABLES)
            if not tables:
                problems.append(f"{path}: no results table")
            for table in tables:
                if not table["label"] or table["role"] != "region" or table["tabindex"] != 0:
                    problems.append(f"{path}: a table's region is not labelled and focusable "
                                    f"({table})")
                if viewport is DESKTOP and not table["lastInView"]:
                    problems.append(f"{path}: {table['label']}: the last column is hidden")
                if not table["lastReachable"]:
                    problems.append(f"{path}: {table['label']}: the last column cannot be "
                                    "scrolled into view")
            if path.startswith("/surveys/groups/"):
                chart = page.evaluate(CHART)
                if not chart["label"] or chart["role"] != "region" or chart["tabindex"] != 0:
                    problems.append(f"{path}: the chart's region is not labelled and focusable")
                # Drawn 12 px text stays at least 12 px: the chart is never narrower than drawn.
                if chart["shown"] < chart["drawn"] - 1:
                    problems.append(f"{path}: the chart shrank to {chart['shown']} px of "
                                    f"{chart['drawn']}")
                if viewport is DESKTOP and not chart["fits"]:
                    problems.append(f"{path}: the chart scrolls on a desktop")
    finally:
        context.close()
    assert not problems, "\n".join(problems)
