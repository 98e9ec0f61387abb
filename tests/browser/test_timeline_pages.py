"""The timeline's window moved away from today, so all three of its links show (earlier, back to
today, later): on the home page and the sector overview, the same checks as the axe walk of
every page (tests/browser/test_accessibility.py), in nb, nn and en, with no sideways scroll at
1,280 px or on a 390 px phone."""
from datetime import date

import pytest

from tests.browser.conftest import accessible_and_fits, signed_in_at_each_width

# The live server answers from another thread, so what the test makes must be committed.
pytestmark = [pytest.mark.browser, pytest.mark.committed]

TODAY = date(2017, 3, 1)


@pytest.fixture
def history(db, make_user, make_cohort, make_organisation, make_group):
    """An autumn intake every year from 2008 to 2019 with long labels, each with a group of one
    agency of the ministry, so the sector overview has the same timeline."""
    from tracker.organisations.models import OrganisationKind

    ministry = make_organisation(name_nb="Barne- og likestillingsdepartementet", short_name="BLD",
                                 kind=OrganisationKind.MINISTRY)
    agency = make_organisation(name_nb="Barne-, ungdoms- og familiedirektoratet", owning_ministry=ministry)
    for year in range(2008, 2020):
        cohort = make_cohort(label=f"Kull {year - 2007} høsten {year}", start_date=date(year, 9, 1))
        make_group(cohort, agency)
    user = make_user("coordinator", email="timeline@example.org")
    db.session.commit()
    return user


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_a_moved_window_is_accessible_and_fits(browser, live_server, axe_path, history, frozen_clock, language):
    frozen_clock(TODAY)
    problems = []
    for page, viewport in signed_in_at_each_width(browser, live_server, axe_path, language, history.email):
        for path in ("/", "/reports/sector"):
            page.goto(f"{live_server}{path}?years_from=2011")
            nav = page.locator("nav.timeline-years a")
            assert nav.count() == 3, (path, nav.all_inner_texts())
            problems += accessible_and_fits(page, path, language, axe_path, viewport)
            # The later link leads to the next window, at the timeline's heading.
            with page.expect_navigation():
                nav.last.click()
            assert "years_from=2014" in page.url and page.url.endswith("#timeline-heading")
            assert "2014" in page.locator("#timeline-heading").inner_text()
    assert not problems, "\n".join(map(str, problems))


@pytest.fixture
def many_programmes(db, make_user, make_programme, make_cohort, make_organisation):
    """Eight programmes with long names, so the home page shows its table of programmes; two of
    them with more cohorts in today's window than the timeline draws, with the same labels, so
    it names their programmes and counts the rest."""
    organisation = make_organisation(name_nb="Direktoratet for forvaltning og økonomistyring",
                                     short_name="DFØ")
    made = [make_programme(name_nb=f"Program for ledere i statlige virksomheter, del {k}",
                           name_en=f"Programme for leaders of state agencies, part {k}",
                           responsible_organisation=organisation) for k in range(1, 9)]
    for programme in made[:2]:
        for n in range(16):
            make_cohort(programme=programme, label=f"Kull {n + 1} høsten {2016 + n // 8}",
                        ordinal=n + 1, start_date=date(2016 + n // 8, 8, 1 + n % 8))
    user = make_user("coordinator", email="programmes@example.org")
    db.session.commit()
    return user, made[0]


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_programme_table_and_a_programme_page_are_accessible_and_fit(
        browser, live_server, axe_path, many_programmes, frozen_clock, language):
    frozen_clock(TODAY)
    user, programme = many_programmes
    problems = []
    for page, viewport in signed_in_at_each_width(browser, live_server, axe_path, language, user.email):
        for path in ("/", f"/programmes/{programme.id}"):
            page.goto(f"{live_server}{path}")
            if path == "/":
                assert page.locator("#programmes-table").count() == 1
                assert page.locator(".timeline-more a").count() == 2
            else:
                assert page.locator(f"#cohorts-table-{programme.id}").count() == 1
            problems += accessible_and_fits(page, path, language, axe_path, viewport)
    assert not problems, "\n".join(map(str, problems))
