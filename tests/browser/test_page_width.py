"""Every page fits: no page of the route map scrolls sideways on a desktop (1,280 px), at 200 %
zoom (1,280 px at 200 % is 640 CSS pixels) or on a phone (390 px); wide tables scroll inside
their own region instead. On a phone the header leaves the screen to the page, and a printed
cohort shows its whole progress matrix without buttons, forms or the secret calendar address.

The pages are the ones tests/browser/test_accessibility.py walks (its fixtures are imported, so a
new page is measured the day it is added), signed in as an admin with the demo data. Bokmål
only: the languages' words differ little in length, and every width costs a walk of the map.
"""
import pytest

from tests.browser.test_accessibility import (  # noqa: F401 (fixtures used by name)
    LOGIN,
    RUN_AXE,
    UNKNOWN_COHORT,
    WCAG_TAGS,
    example_ids,
    new_context,
    pages,
    sign_in,
)

# The live server answers from another thread, so the demo data must be committed.
pytestmark = [pytest.mark.browser, pytest.mark.committed]

DESKTOP = {"width": 1280, "height": 800}
ZOOMED = {"width": 640, "height": 400}
PHONE = {"width": 390, "height": 844}
# The header may take at most a fifth of a phone's screen; the rest is the page's.
HEADER_SHARE = 0.2
# A4 landscape less print.css's margins (297 mm - 2 x 12 mm) in CSS pixels (96 per inch).
PRINTED_WIDTH = round((297 - 24) / 25.4 * 96)

# How wide the page is, and the elements sticking out past the window, to name in a failure.
MEASURE = """() => {
    const width = window.innerWidth;
    const scroll = document.documentElement.scrollWidth;
    // Only a page that is too wide needs its culprits found, which reads every element's box.
    if (scroll <= width) return {scroll: scroll, window: width, wide: []};
    const wide = [...document.querySelectorAll("body *")]
        .filter(el => {
            const box = el.getBoundingClientRect();
            if (box.width === 0 || box.right <= width + 1) return false;
            // Inside a region that scrolls (or clips) sideways it does not widen the page.
            for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
                if (getComputedStyle(up).overflowX !== "visible") return false;
            }
            return true;
        })
        .slice(0, 3)
        .map(el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
             + (el.className && typeof el.className === "string"
                ? "." + el.className.trim().split(/\\s+/).join(".") : "")
             + " (" + Math.round(el.getBoundingClientRect().right) + " px)");
    return {scroll: scroll, window: width, wide: wide};
}"""

HEADER_HEIGHT = """() => document.querySelector("header.site-header")
    .getBoundingClientRect().height"""


def too_wide(page, path: str) -> list[str]:
    measured = page.evaluate(MEASURE)
    if measured["scroll"] <= measured["window"]:
        return []
    culprits = ", ".join(measured["wide"]) or "no single element found"
    return [f"{path}: {measured['scroll']} px wide in a {measured['window']} px window"
            f" ({culprits})"]


def walk(page, live_server, paths, viewports) -> list[str]:
    """Open each path once and measure it at each of `viewports`, narrowing the window: the CSS
    lays the page out again on a resize, as on a load, and no script of the app reads the
    window's width (static/*.js); a load per page and width took three times as long."""
    problems = []
    for path in paths:
        page.set_viewport_size(viewports[0])
        response = page.goto(live_server + path)
        expected = 404 if path == UNKNOWN_COHORT else 200
        if response.status != expected:
            problems.append(f"{path}: status {response.status}, expected {expected}")
            continue
        for viewport in viewports:
            page.set_viewport_size(viewport)
            problems += [f"at {viewport['width']} px: {problem}" for problem in too_wide(page, path)]
    return problems


# Names as long as the fields allow, without a space to break at: a pasted address, a Norwegian
# compound. Wherever they are shown they must wrap (or scroll in their table's region).
LONG_WORD = "Samferdselsberedskapskoordineringsdirektoratet"


@pytest.fixture
def long_names(db, example_ids):  # noqa: F811 (the imported fixture)
    """The demo data with an organisation, a person and a cohort given the longest names."""
    from tracker.cohorts.models import Cohort
    from tracker.groups.models import Enrolment
    from tracker.organisations.models import Organisation
    from tracker.people.models import Person

    enrolment = db.session.get(Enrolment, example_ids["enrolment_id"][0])
    for organisation in {enrolment.organisation,
                         db.session.get(Organisation, example_ids["organisation_id"][0])}:
        organisation.name_nb = (LONG_WORD * 5)[:190] + str(organisation.id)
        organisation.short_name = (LONG_WORD[:27] + str(organisation.id))[:30]
    person = db.session.get(Person, example_ids["person_id"][0])
    person.name = LONG_WORD * 4
    person.email = LONG_WORD.lower() * 5 + "@example.org"
    db.session.get(Cohort, example_ids["cohort_id"][0]).label = (LONG_WORD * 2)[:60]
    db.session.commit()


@pytest.fixture
def admin_page(browser, live_server, example_ids):  # noqa: F811 (the imported fixture)
    """One signed-in admin's tab, reused for every page (a new one per page costs seconds)."""
    context = new_context(browser, viewport=DESKTOP)
    try:
        page = context.new_page()
        page.goto(live_server + LOGIN)
        sign_in(page, live_server)
        yield page
    finally:
        context.close()


def test_no_page_scrolls_sideways(admin_page, live_server, browser, pages, long_names):  # noqa: F811
    problems = []
    # Signed out: the sign-in page, in a tab of its own.
    context = new_context(browser, viewport=PHONE)
    try:
        problems += walk(context.new_page(), live_server, [LOGIN], (PHONE, DESKTOP))
    finally:
        context.close()
    problems += walk(admin_page, live_server, pages, (DESKTOP, ZOOMED, PHONE))
    assert not problems, f"{len(problems)} page(s) scroll sideways:\n" + "\n".join(
        f"  - {problem}" for problem in problems
    )


def test_the_header_is_compact_on_a_phone(admin_page, live_server, axe_path):
    admin_page.set_viewport_size(PHONE)
    admin_page.goto(live_server + "/")
    height = admin_page.evaluate(HEADER_HEIGHT)
    assert height <= HEADER_SHARE * PHONE["height"], f"the header is {height} px high"
    # The menu is folded away, and opens without JavaScript.
    menu = admin_page.locator("header details.site-menu")
    assert menu.count() == 1
    link = menu.locator("nav a[href='/organisations/']")
    assert not link.is_visible()
    menu.locator("summary").click()
    assert link.is_visible()
    assert menu.get_by_role("button", name="Logg ut").is_visible()
    # Open, it passes axe like the pages do (the page walk sees it folded, on a desktop).
    admin_page.add_script_tag(path=str(axe_path))
    violations = admin_page.evaluate(RUN_AXE, WCAG_TAGS)
    assert violations == [], violations
    # Folded again, it fits.
    menu.locator("summary").click()
    assert admin_page.evaluate(HEADER_HEIGHT) <= HEADER_SHARE * PHONE["height"]
    # On a desktop the menu is simply there, and the header takes two rows at most.
    admin_page.set_viewport_size(DESKTOP)
    assert not menu.is_visible()
    wide_menu = admin_page.locator("header .site-header__wide nav")
    assert wide_menu.locator("a[href='/organisations/']").is_visible()
    height = admin_page.evaluate(HEADER_HEIGHT)
    assert height <= 140, f"the header is {height} px high on a desktop"

# The matrix's last column (a module, or the total after it): its box and whether an ancestor
# clips it; what prints that should not.
PRINTED = """() => {
    // Buttons, forms and the links that change something: record, edit, add, change status.
    const ACTIONS = "a.ds-button, button, input, select, textarea, form, a[href$='/edit'], "
        + "a[href$='/new'], a[href$='/status'], a[href$='/attendance'], "
        + "a[href*='/progress/groups/']";
    const caption = document.getElementById("progress-caption");
    const matrix = caption && caption.closest("table");
    const visible = el => {
        const style = getComputedStyle(el);
        const box = el.getBoundingClientRect();
        return style.display !== "none" && style.visibility !== "hidden"
            && box.width > 0 && box.height > 0;
    };
    const cells = matrix ? [...matrix.querySelectorAll("thead tr:last-child th")] : [];
    const last = cells[cells.length - 1];
    let clipped = null;
    if (last) {
        const right = last.getBoundingClientRect().right;
        for (let up = last.parentElement; up !== document.documentElement; up = up.parentElement) {
            const box = up.getBoundingClientRect();
            if (getComputedStyle(up).overflowX !== "visible" && box.right < right - 1) {
                clipped = up.tagName.toLowerCase() + "." + up.className;
            }
        }
    }
    const named = el => el.tagName.toLowerCase() + (el.className ? "." + el.className : "")
        + ": " + (el.innerText || el.value || "").trim().slice(0, 40);
    return {
        found: Boolean(matrix),
        columns: cells.length,
        lastRight: last ? last.getBoundingClientRect().right : null,
        width: window.innerWidth,
        clipped: clipped,
        buttons: [...document.querySelectorAll(ACTIONS)]
            .filter(visible).map(named),
        secrets: [...document.querySelectorAll(".feed-address, .secret, input[readonly]")]
            .filter(visible).map(named),
        header: [...document.querySelectorAll("header.site-header, nav")]
            .filter(visible).map(named),
        pageText: document.body.innerText,
    };
}"""


def test_a_printed_cohort_shows_the_whole_matrix_and_nothing_to_click(
    admin_page, live_server, example_ids  # noqa: F811
):
    admin_page.set_viewport_size({"width": PRINTED_WIDTH, "height": 800})
    admin_page.emulate_media(media="print")
    try:
        for cohort_id in example_ids["cohort_id"]:
            admin_page.goto(f"{live_server}/cohorts/{cohort_id}")
            printed = admin_page.evaluate(PRINTED)
            if not printed["found"]:
                continue
            where = f"cohort {cohort_id}"
            assert printed["columns"] > 1, where
            assert printed["clipped"] is None, f"{where}: clipped by {printed['clipped']}"
            assert printed["lastRight"] <= printed["width"], (
                f"{where}: the matrix's last column ends at {printed['lastRight']} px, "
                f"past the printed page's {printed['width']} px"
            )
            assert printed["buttons"] == [], f"{where}: prints {printed['buttons']}"
            assert printed["secrets"] == [], f"{where}: prints {printed['secrets']}"
            assert printed["header"] == [], f"{where}: prints {printed['header']}"
            for address in ("webcal:", "/calendar/"):
                assert address not in printed["pageText"], f"{where}: prints {address}"
            break
        else:
            pytest.fail("no cohort of the demo data shows a progress matrix")
    finally:
        admin_page.emulate_media(media="screen")
