"""The message pages (issue 13, item 5) as a coordinator's browser shows them: the form, a
refusal, the preview (a POST's answer, which the axe walk cannot reach), the message page after
sending, the cohort's messages and the cohort page; each passes the checks of the axe walk
(tests/browser/test_accessibility.py) in nb, nn and en, and none scrolls sideways at 390 or
1280 px. Sending works with scripts turned off."""
import pytest

from tests.browser.test_accessibility import check_page, new_context, switch_language
from tests.browser.test_roster_pages import DESKTOP, PAGE_WIDTH, PHONE, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.committed]


@pytest.fixture
def message_world(db, make_cohort, make_organisation, make_group, make_member, make_user):
    from tracker.people.models import MemberRole

    cohort = make_cohort(label="Kull 9")
    for name in ("Direktoratet for forvaltning og økonomistyring",
                 "Norges vassdrags- og energidirektorat"):
        group = make_group(cohort, make_organisation(name_nb=name))
        for n in range(4):
            make_member(group, role=MemberRole.TOP_LEADER if n == 0 else MemberRole.MEMBER,
                        name=f"Kristoffer Langnavn-Etternavnsen {group.id} {n}",
                        email=f"kristoffer.langnavn-etternavnsen.{group.id}.{n}@example.org")
        # One without an address: the preview lists them as left out.
        make_member(group, name=f"Uten Adresse {group.id}").person.email = None
    db.session.commit()
    coordinator = make_user("coordinator", email="message-coordinator@example.org")
    return {"cohort": cohort, "coordinator": coordinator}


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_message_pages_are_accessible_fit_and_work_without_scripts(
        browser, live_server, axe_path, message_world, language):
    cohort = message_world["cohort"]
    new = f"/cohorts/{cohort.id}/messages/new"
    storage_state = switch_language(browser, live_server, language) if language != "nb" else None
    problems = []
    for viewport in (PHONE, DESKTOP):
        context = new_context(browser, storage_state=storage_state, viewport=viewport,
                              java_script_enabled=False)
        try:
            page = context.new_page()
            sign_in(page, live_server, message_world["coordinator"].email)
            # Scripts are off to show the pages work without them; axe runs in a context of
            # its own below, on the same pages.
            page.goto(live_server + new)
            with page.expect_navigation():
                page.locator("form[action$='/messages/new'] button[type=submit]").first.click()
            assert page.locator(".ds-error-summary").count() == 1  # no subject, no text
            refused_html = page.content()
            page.fill("input[name=subject]", "Velkommen til samling 2 med et langt emne som går over flere linjer på en telefon")
            page.fill("textarea[name=text]", "Hei alle,\n\nVelkommen.\nHilsen oss")
            with page.expect_navigation():
                page.locator("form[action$='/messages/new'] button[type=submit]").first.click()
            assert page.locator("input[name=shown]").count() == 1
            preview_html = page.content()
            with page.expect_navigation():
                page.locator("form[action$='/messages/send'] button[type=submit]").first.click()
            assert "/cohorts/messages/" in page.url
            # The line breaks went through the preview's hidden field as written.
            assert page.locator("p.keeps-lines").inner_text() == "Hei alle,\n\nVelkommen.\nHilsen oss"
            sent = page.url.removeprefix(live_server)
        finally:
            context.close()
        context = new_context(browser, storage_state=storage_state, viewport=viewport)
        context.add_init_script(path=str(axe_path))
        try:
            page = context.new_page()
            sign_in(page, live_server, message_world["coordinator"].email)
            for path in (new, sent, f"/cohorts/{cohort.id}/messages", f"/cohorts/{cohort.id}"):
                response = page.goto(live_server + path)
                assert response.status == 200, path
                problems += [str(p) for p in check_page(page, path, language, axe_path)]
                if page.evaluate(PAGE_WIDTH) > viewport["width"]:
                    problems.append(f"{path}: {page.evaluate(PAGE_WIDTH)} px wide")
            for what, html in (("refused", refused_html), ("preview", preview_html)):
                page.goto(live_server + new)
                page.set_content(html)
                problems += [str(p) for p in check_page(page, f"{new} ({what})", language, axe_path)]
                if page.evaluate(PAGE_WIDTH) > viewport["width"]:
                    problems.append(f"{new} ({what}): {page.evaluate(PAGE_WIDTH)} px wide")
        finally:
            context.close()
    assert not problems, "\n".join(problems)
