"""The timeline's window of years: only the cohorts that overlap it are loaded and drawn, links
move it (keeping the page's other arguments), and a bad `?years_from=` is a 400 naming the field."""
import re
import xml.etree.ElementTree as ET
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import login_as
from tests.html import read
from tracker.cohorts.models import Season
from tracker.organisations.models import OrganisationKind
from tracker.reports.timeline import cohort_timeline

EN = {"Accept-Language": "en"}
NB = {"Accept-Language": "nb"}
TODAY = date(2015, 3, 15)


def drawn(html: str) -> list[str]:
    """The cohorts drawn as bars in the page's (or markup's) SVG, by label."""
    svg = html[html.index("<svg"):html.index("</svg>") + len("</svg>")]
    root = ET.fromstring(svg)
    return [text.text for g in root.iter() if g.get("class") == "timeline-cohort"
            for text in g if text.tag.endswith("text")]


def tabled(html: str) -> list[str]:
    """The cohorts in the table after the chart, by label."""
    if "The cohorts on the timeline" not in html:
        return []
    table = html[html.index("The cohorts on the timeline"):]
    return re.findall(r'<th scope="row"><a [^>]*>([^<]+)</a></th>', table[:table.index("</table>")])


def links(html: str) -> dict[str, str]:
    """The window's links by their words: {"Earlier years: 2011–2013": url, ...}."""
    nav = html[html.index('aria-label="Years on the timeline"'):]
    nav = nav[:nav.index("</nav>")]
    return {words: url.replace("&amp;", "&") for url, words in re.findall(r'href="([^"]+)">([^<]+)</a>', nav)}


def years_from(url: str) -> list[str]:
    return parse_qs(urlsplit(url).query).get("years_from", [])


@pytest.fixture
def eight_years(db, make_cohort, make_organisation):
    """12 cohorts from 2010 to 2017 (overlapping years: an autumn intake every year, a spring one
    in four of them), the sector of one ministry taking part in some of them."""
    ministry = make_organisation(name_nb="Kunnskapsdepartementet", short_name="KD",
                                 kind=OrganisationKind.MINISTRY)
    cohorts = {}
    for year in range(2010, 2018):
        cohorts[f"Høst {year}"] = make_cohort(label=f"Høst {year}", start_date=date(year, 9, 1))
    for year in (2011, 2013, 2015, 2017):
        cohorts[f"Vår {year}"] = make_cohort(label=f"Vår {year}", start_date=date(year, 1, 9),
                                             season=Season.SPRING)
    db.session.commit()
    return {"ministry": ministry, **cohorts}


def overlapping(cohorts: dict, first: int, last: int) -> list[str]:
    rows = [c for c in cohorts.values() if hasattr(c, "start_date")
            and c.start_date < date(last + 1, 1, 1) and c.planned_end >= date(first, 1, 1)]
    return [c.label for c in sorted(rows, key=lambda c: (c.start_date, c.ordinal))]


def test_only_the_window_s_cohorts_are_loaded_and_drawn(app, eight_years):
    assert len([c for c in eight_years.values() if hasattr(c, "start_date")]) == 12
    with app.test_request_context(headers=EN):
        timeline = cohort_timeline(TODAY)
        svg = str(timeline.svg())
    # 2014, 2015 and 2016: the autumn 2013 intake ends in 2014, the autumn 2016 one starts in it.
    assert (timeline.first_year, timeline.last_year) == (2014, 2016)
    expected = ["Høst 2013", "Høst 2014", "Vår 2015", "Høst 2015", "Høst 2016"]
    assert expected == overlapping(eight_years, 2014, 2016)
    assert [row.cohort.label for row in timeline.cohorts] == expected
    assert drawn(svg) == expected
    # Every running cohort is in it whole.
    running = [row.cohort for row in timeline.cohorts if row.status.name == "RUNNING"]
    assert running and all(timeline.first <= c.start_date and c.planned_end < timeline.last for c in running)
    # The nearest cohort before ends in 2013 (autumn 2012), the nearest after starts in 2017.
    assert (timeline.earlier_from, timeline.later_from, timeline.moved) == (2011, 2017, False)


def test_the_page_draws_and_tables_only_the_window(client, eight_years, make_user, frozen_clock):
    frozen_clock(TODAY)
    login_as(client, make_user("coordinator"))
    html = client.get("/", headers=EN).get_data(as_text=True)
    expected = overlapping(eight_years, 2014, 2016)
    assert drawn(html) == expected and tabled(html) == expected
    assert "Timeline 2014–2016" in read(html).text
    assert "Høst 2010" not in html[html.index('id="timeline-heading"'):]


def test_moving_the_window_earlier_and_later(client, eight_years, make_user, frozen_clock):
    frozen_clock(TODAY)
    login_as(client, make_user("coordinator"))
    home = client.get("/", headers=EN).get_data(as_text=True)
    assert set(links(home)) == {"Earlier years: 2011–2013", "Later years: 2017–2019"}

    earlier = client.get(links(home)["Earlier years: 2011–2013"], headers=EN)
    assert earlier.status_code == 200
    html = earlier.get_data(as_text=True)
    assert "Timeline 2011–2013" in read(html).text
    assert drawn(html) == tabled(html) == overlapping(eight_years, 2011, 2013)
    assert "Høst 2010" in drawn(html)  # it ends in June 2011: nothing is earlier
    moved = links(html)
    assert set(moved) == {"Back to today", "Later years: 2014–2016"}
    assert years_from(moved["Back to today"]) == []
    assert years_from(moved["Later years: 2014–2016"]) == ["2014"]
    assert urlsplit(moved["Later years: 2014–2016"]).fragment == "timeline-heading"

    first = client.get("/?years_from=2008", headers=EN).get_data(as_text=True)
    assert drawn(first) == ["Høst 2010"]
    assert set(links(first)) == {"Back to today", "Later years: 2011–2013"}

    last = client.get("/?years_from=2017", headers=EN).get_data(as_text=True)
    assert drawn(last) == ["Høst 2016", "Vår 2017", "Høst 2017"]
    assert set(links(last)) == {"Earlier years: 2014–2016", "Back to today"}


def test_the_links_skip_empty_years(app, make_cohort, db):
    make_cohort(label="Kull 1", start_date=date(2001, 9, 1))
    make_cohort(label="Kull 2", start_date=date(2016, 9, 1))
    with app.test_request_context(headers=EN):
        timeline = cohort_timeline(date(2017, 3, 1))
        back = cohort_timeline(date(2017, 3, 1), years_from=timeline.earlier_from)
    # Kull 1 ends in 2002: the earlier window is 2000–2002, not the empty 2013–2015.
    assert timeline.earlier_from == 2000
    assert [r.cohort.label for r in back.cohorts] == ["Kull 1"] and back.later_from == 2016


def test_a_window_around_today_without_cohorts_shows_the_nearest(app, make_cohort, db):
    make_cohort(label="Kull 1", start_date=date(2001, 9, 1))
    make_cohort(label="Kull 9", start_date=date(2031, 9, 1))
    with app.test_request_context(headers=EN):
        past = cohort_timeline(date(2010, 3, 1))
        future = cohort_timeline(date(2028, 3, 1))
        asked = cohort_timeline(date(2010, 3, 1), years_from=2009)
    assert [r.cohort.label for r in past.cohorts] == ["Kull 1"] and past.first_year == 2000
    assert (past.earlier_from, past.later_from, past.moved) == (None, 2031, False)
    assert [r.cohort.label for r in future.cohorts] == ["Kull 9"] and future.first_year == 2031
    # A window asked for is shown as asked, empty, with the way to the cohorts.
    assert asked.cohorts == [] and (asked.earlier_from, asked.later_from) == (2000, 2031)
    with app.test_request_context(headers=EN):
        assert "No cohorts in these years." in str(asked.svg())


def test_the_sector_page_keeps_its_ministry_in_the_links(
        client, eight_years, make_user, make_organisation, frozen_clock):
    from tracker.groups.services import enrol

    frozen_clock(TODAY)
    agency = make_organisation(name_nb="Udir", owning_ministry=eight_years["ministry"])
    for label in ("Høst 2010", "Høst 2014", "Høst 2017"):
        enrol(eight_years[label], agency)
    client.application.extensions["sqlalchemy"].session.commit()
    login_as(client, make_user("coordinator"))
    ministry = eight_years["ministry"].id
    response = client.get(f"/reports/sector?ministry={ministry}", headers=EN)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # Only the sector's cohorts, and of those only the window's.
    assert drawn(html) == tabled(html) == ["Høst 2014"]
    found = links(html)
    assert set(found) == {"Earlier years: 2009–2011", "Later years: 2017–2019"}
    for url in found.values():
        assert parse_qs(urlsplit(url).query)["ministry"] == [str(ministry)]
        assert urlsplit(url).path == "/reports/sector"
    later = client.get(found["Later years: 2017–2019"], headers=EN).get_data(as_text=True)
    assert drawn(later) == ["Høst 2017"]
    back = links(later)["Back to today"]
    assert parse_qs(urlsplit(back).query) == {"ministry": [str(ministry)]}


@pytest.mark.parametrize("value", ["abc", "-5", "0", "1899", "2201", "2019.5", "20 19", "2019x",
                                   "\x00", "9" * 5000, "1e3", "２０１９a"])
@pytest.mark.parametrize("path", ["/", "/reports/sector"])
def test_a_bad_years_from_is_refused_naming_the_field(client, eight_years, make_user, frozen_clock, path, value):
    frozen_clock(TODAY)
    login_as(client, make_user("coordinator"))
    response = client.get(path, query_string={"years_from": value}, headers=EN)
    assert response.status_code == 400
    text = read(response.get_data(as_text=True)).text
    assert "First year of the timeline: enter a year from 1900 to 2200." in text


def test_the_refusal_is_in_the_reader_s_language(client, eight_years, make_user, frozen_clock):
    frozen_clock(TODAY)
    login_as(client, make_user("coordinator"))
    response = client.get("/?years_from=tidlig", headers=NB)
    assert response.status_code == 400
    assert "Første år på tidslinjen: skriv inn et årstall fra 1900 til 2200." in response.get_data(as_text=True)


@pytest.mark.parametrize("value, heading", [("1900", "1900–1902"), ("2200", "2200"), ("2198", "2198–2200"),
                                            (" 2014 ", "2014–2016"), ("", "2014–2016")])
def test_the_ends_of_the_years_a_window_may_start(client, eight_years, make_user, frozen_clock, value, heading):
    frozen_clock(TODAY)
    login_as(client, make_user("coordinator"))
    response = client.get("/", query_string={"years_from": value}, headers=EN)
    assert response.status_code == 200
    assert f"Timeline {heading}" in read(response.get_data(as_text=True)).text


@pytest.mark.parametrize("path", ["/", "/reports/sector"])
def test_any_years_from_is_answered_without_a_server_error(client, eight_years, make_user, frozen_clock, path):
    frozen_clock(TODAY)
    login_as(client, make_user("admin"))

    @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.one_of(st.integers(min_value=-10**6, max_value=10**6).map(str), st.text(max_size=20)))
    def get(value):
        response = client.get(path, query_string={"years_from": value})
        assert response.status_code in (200, 400), value

    get()


def test_statements_do_not_grow_with_the_cohorts(client, app, db, make_cohort, make_user, count_queries,
                                                 frozen_clock):
    """The same number of statements for 5 and for 25 cohorts (20 more in the window): the
    function's two, and the home page's."""
    from sqlalchemy import func, select

    from tracker.cohorts.models import Cohort

    frozen_clock(TODAY)
    coordinator = make_user("coordinator")
    login_as(client, coordinator)
    for year in range(2011, 2016):
        make_cohort(label=f"Høst {year}", start_date=date(year, 9, 1))
    counts = []
    for more in (0, 20):
        for n in range(more):
            make_cohort(label=f"Ekstra {n}", start_date=date(2014 + n % 3, 1 + n // 3, 10))
        db.session.commit()
        # Loaded again after the commit, before counting: the role and its programme limit.
        coordinator.is_staff, coordinator.programme_ids
        with app.test_request_context(headers=EN), count_queries() as function:
            timeline = cohort_timeline(TODAY)
            scoped = cohort_timeline(TODAY, coordinator,
                                     cohort_ids=select(Cohort.id).where(Cohort.label != "Høst 2013"))
        assert function["n"] == 4  # two each
        with count_queries() as page:
            assert client.get("/", headers=EN).status_code == 200
        counts.append((db.session.scalar(select(func.count()).select_from(Cohort)),
                       len(timeline.cohorts), len(scoped.cohorts), page["n"]))
    (five, few, few_scoped, few_statements), (twenty_five, many, many_scoped, many_statements) = counts
    assert (five, twenty_five) == (5, 25) and (few, many) == (3, 23) and (few_scoped, many_scoped) == (2, 22)
    assert few_statements == many_statements
