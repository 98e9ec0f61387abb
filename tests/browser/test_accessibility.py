"""Every page, in all three languages, as a reader's browser sees it: axe-core finds no WCAG 2.1 AA
violation, and each page has one h1, a title of its own, the right language, a skip link that
works and Designsystemet's styles.

The pages are the app's own route map, so a new page is checked the day it is added: the sign-in
page signed out, every other page signed in as an admin (who may see them all), with every cohort,
a ministry, a directorate and one of everything else from the demo data, plus an unknown cohort
for the 404 page. One test per language walks them all and reports every problem at once.
"""
from dataclasses import dataclass
from itertools import product
from urllib.parse import urlsplit

import pytest

from tests import walks as survey_walks
from sqlalchemy import exists, select

# The live server answers from another thread, so the demo data must be committed.
pytestmark = [pytest.mark.browser, pytest.mark.committed]

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LOGIN = "/login"
UNKNOWN_COHORT = "/cohorts/999999"
# Endpoints that answer files or JSON, not pages.
NOT_PAGES = {"static", "health.healthz", "people.export", "calendar.feed", "reports.sector_export",
             "reports.cohort_attendance_export", "reports.participation_export",
             # Single sign-on's start only redirects to a provider, and with none configured
             # both answer 404; its pages (the sign-in buttons, the account's identities, the
             # refusals) are walked in tests/browser/test_sso_pages.py.
             "sso.start", "sso.callback"}
# Pages that need a state of their own to show, walked with axe in their own test file.
WALKED_ELSEWHERE = {
    # Between the password and the code only: tests/browser/test_two_factor_pages.py.
    "two_factor.code",
    # Opened with a live link, signed out: tests/browser/test_link_pages.py (signed in they
    # only ask to sign out).
    "links.invitation", "links.reset",
    # Issue 11: asking before a shared calendar address is ended needs a feed kind and one
    # shared address: tests/browser/test_roster_pages.py.
    "calendar.end_shared",
}
NOT_PAGES |= survey_walks.NOT_PAGES
WALKED_ELSEWHERE |= survey_walks.WALKED_ELSEWHERE
ADMIN_EMAIL, ADMIN_PASSWORD = "a11y-admin@example.org", "korrekt hest batteri stift"

# Runs axe in the page and keeps what a developer needs to find and fix each violation.
RUN_AXE = """async (tags) => {
    // Only violations are read, so axe need not detail what passed.
    const results = await axe.run(document, {
        runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
    });
    return results.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
        nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
    }));
}"""

# Designsystemet's CSS hides .ds-skip-link off-screen until it has focus, and its theme defines
# the colour tokens: together they prove both vendored stylesheets were served and applied.
# With the page's language, headings and title: one round trip to the browser, not four.
PAGE_FACTS = """() => {
    const link = document.querySelector("a.ds-skip-link");
    const style = link ? getComputedStyle(link) : null;
    return {
        lang: document.documentElement.getAttribute("lang"),
        h1Count: document.querySelectorAll("h1").length,
        title: document.title,
        emptySheets: [...document.querySelectorAll("link[rel=stylesheet]")]
            .filter(l => {
                try { return !l.sheet || l.sheet.cssRules.length === 0; }
                catch (error) { return true; }  // a 404 page served in its place
            })
            .map(l => l.href),
        skipLinkPosition: style && style.position,
        skipLinkWidth: style && style.width,
        themeToken: getComputedStyle(document.body)
            .getPropertyValue("--ds-color-neutral-text-default").trim(),
    };
}"""

FOCUSED = """() => {
    const el = document.activeElement;
    return {
        tag: el.tagName.toLowerCase(), id: el.id, className: el.className,
        href: el.getAttribute("href"), position: getComputedStyle(el).position,
    };
}"""


@dataclass
class Problem:
    path: str
    what: str

    def __str__(self) -> str:
        return f"{self.path}: {self.what}"


@pytest.fixture
def example_ids(demo, db):
    """Ids to fill each URL argument with, from the demo data, and a committed admin to sign in as."""
    from tracker.cohorts.models import Cohort
    from tracker.assessments.models import AssessmentDimension
    from tracker.groups.models import Enrolment
    from tracker.people.models import Membership, Person
    from tracker.programmes.models import CourseModule, Programme
    from tracker.schedule.models import Session
    from tracker.organisations.models import Organisation, OrganisationKind
    from tracker.roles import Role
    from tracker.users.services import create_user

    def first_organisation(kind):
        # Prefer one that has taken part, so its page shows the participation table.
        took_part = exists().where(Enrolment.organisation_id == Organisation.id)
        return db.session.scalar(
            select(Organisation.id)
            .where(Organisation.kind == kind)
            .order_by(took_part.desc(), Organisation.id)
            .limit(1)
        )

    def first(model):
        return db.session.scalar(select(model.id).order_by(model.id).limit(1))

    admin = create_user(ADMIN_EMAIL, Role.ADMIN, password=ADMIN_PASSWORD)
    db.session.commit()
    ids = {
        "cohort_id": db.session.scalars(select(Cohort.id).order_by(Cohort.id)).all(),
        "organisation_id": [
            first_organisation(OrganisationKind.MINISTRY),
            first_organisation(OrganisationKind.DIRECTORATE),
        ],
        "enrolment_id": [db.session.scalar(select(Enrolment.id).order_by(Enrolment.id).limit(1))],
        "person_id": [db.session.scalar(select(Person.id).order_by(Person.id).limit(1))],
        "user_id": [admin.id],
        "programme_id": [first(Programme)],
        "module_id": [first(CourseModule)],
        "dimension_id": [first(AssessmentDimension)],
        "membership_id": [first(Membership)],
        "session_id": [first(Session)],
        "kind": ["baseline", "final"],
    }
    # The survey's pages (issue 12) keep their examples in tests/surveys/walk_*.py.
    ids.update(survey_walks.example_ids(db))
    # End the transaction: on in-memory SQLite the live server shares this connection.
    db.session.rollback()
    for name, values in ids.items():
        assert values and None not in values, f"the demo data has an example for {name}"
    return ids


@pytest.fixture
def pages(app, example_ids):
    """Paths of every page a signed-in admin can open, built from the route map."""
    adapter = app.url_map.bind("localhost")
    paths = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if ("GET" not in rule.methods or rule.endpoint in NOT_PAGES | WALKED_ELSEWHERE
                or rule.rule == LOGIN
                or rule.rule.startswith("/api/")):
            continue
        arguments = sorted(rule.arguments)
        missing = [name for name in arguments if name not in example_ids]
        assert not missing, (
            f"no example id for {missing} in {rule.rule}: add one to example_ids, "
            "or the endpoint to NOT_PAGES if it is not a page"
        )
        for values in product(*(example_ids[name] for name in arguments)):
            paths.append(adapter.build(rule.endpoint, dict(zip(arguments, values))))
    return paths + [UNKNOWN_COHORT]


def new_context(browser, **kwargs):
    # A Norwegian reader's browser: the app answers in bokmål unless the reader switches.
    # bypass_csp lets axe be injected past the app's script-src 'self'.
    return browser.new_context(
        locale="nb-NO", timezone_id="Europe/Oslo", bypass_csp=True, **kwargs
    )


SWITCH_BUTTONS = {"en": "English", "nn": "Norsk (nynorsk)"}


def switch_language(browser, live_server, language: str) -> dict:
    """Click the visible language button with JavaScript off; return the cookies it set."""
    context = new_context(browser, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server + LOGIN)
        assert page.locator("html").get_attribute("lang") == "nb", "a Norwegian browser gets bokmål"
        button = page.get_by_role("button", name=SWITCH_BUTTONS[language])
        assert button.is_visible(), "the language switch is visible"
        with page.expect_navigation():
            button.click()
        assert page.locator("html").get_attribute("lang") == language, "the switch changed the language"
        assert page.url == live_server + LOGIN, "the switch returns the reader to the same page"
        return context.storage_state()
    finally:
        context.close()


def sign_in(page, live_server) -> None:
    page.fill("input[name=email]", ADMIN_EMAIL)
    page.fill("input[name=password]", ADMIN_PASSWORD)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")
    assert page.url == live_server + "/", f"signed in and sent to the front page, not {page.url}"


def check_page(page, path: str, language: str, axe_path) -> list[Problem]:
    """Everything wrong with the page open in `page`."""
    problems = []

    def problem(what: str) -> None:
        problems.append(Problem(path, what))

    styles = page.evaluate(PAGE_FACTS)
    lang = styles["lang"]
    if lang != language:
        problem(f'html[lang] is "{lang}", expected "{language}"')

    h1_count = styles["h1Count"]
    if h1_count != 1:
        problem(f"{h1_count} h1 elements, expected exactly one")

    if not styles["title"].strip():
        problem("empty <title>")

    if styles["emptySheets"]:
        problem(f"stylesheets not loaded: {styles['emptySheets']}")
    if not styles["themeToken"]:
        problem("Designsystemet's theme tokens are not defined (theme.css not applied)")
    if styles["skipLinkPosition"] != "absolute" or styles["skipLinkWidth"] != "1px":
        problem(
            "the skip link is not visually hidden by Designsystemet's CSS "
            f"(position {styles['skipLinkPosition']}, width {styles['skipLinkWidth']})"
        )

    for violation in page.evaluate(RUN_AXE, WCAG_TAGS):
        nodes = violation["nodes"]
        targets = "; ".join(node["target"] for node in nodes[:3])
        if len(nodes) > 3:
            targets += f"; and {len(nodes) - 3} more"
        summary = nodes[0]["summary"].replace("\n", "\n        ")
        problem(
            f"axe {violation['id']} ({violation['impact']}): {violation['help']} [{targets}]\n"
            f"        {summary}\n        {violation['helpUrl']}"
        )

    # The skip link is the keyboard's first stop, shows itself, and moves focus to <main>.
    page.keyboard.press("Tab")
    focused = page.evaluate(FOCUSED)
    if "ds-skip-link" not in focused["className"] or focused["href"] != "#main":
        problem(f"the first Tab stop is {focused}, not a skip link to #main")
    elif focused["position"] == "absolute":
        problem("the focused skip link stays visually hidden")
    else:
        page.keyboard.press("Enter")
        page.wait_for_function("() => location.hash === '#main'")
        focused = page.evaluate(FOCUSED)
        if focused["id"] != "main":
            problem(f"the skip link moved focus to {focused}, not to <main id=main>")
    return problems


def visit(page, live_server, path, language, axe_path, titles) -> list[Problem]:
    """Open `path`, note its title, and return what is wrong with it."""
    response = page.goto(live_server + path)
    expected_status = 404 if path == UNKNOWN_COHORT else 200
    if response.status != expected_status:
        # Checking the rest would be noise about the wrong page; the server's log, printed
        # with the failure, says what went wrong.
        return [Problem(path, f"status {response.status}, expected {expected_status}")]
    if urlsplit(page.url).path != path:
        return [Problem(path, f"redirected to {page.url}")]
    problems = []
    if path == UNKNOWN_COHORT and not page.locator("main#main h1").count():
        problems.append(Problem(path, "not the app's own 404 page in the layout"))
    titles.setdefault(page.title(), []).append(path)
    return problems + check_page(page, path, language, axe_path)


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_every_page_is_accessible(browser, live_server, axe_path, pages, language):
    storage_state = switch_language(browser, live_server, language) if language != "nb" else None
    context = new_context(browser, storage_state=storage_state)
    # axe arrives with every page, before its own scripts, instead of one more round trip each.
    context.add_init_script(path=str(axe_path))
    titles = {}
    try:
        page = context.new_page()
        problems = visit(page, live_server, LOGIN, language, axe_path, titles)
        page.goto(live_server + LOGIN)
        sign_in(page, live_server)
        for path in pages:
            problems += visit(page, live_server, path, language, axe_path, titles)
    finally:
        context.close()

    problems += [
        Problem(", ".join(paths), f'pages share the title "{title}"')
        for title, paths in titles.items()
        if len(paths) > 1
    ]
    assert not problems, f"{len(problems)} problem(s) in {language}:\n" + "\n".join(
        f"  - {problem}" for problem in problems
    )
