"""The home page's two ways of moving, with more than three programmes: the programme table's
page links keep the timeline's window (`?years_from=`), and the timeline's window links keep
the table's page (`?page=`); neither undoes the other."""
import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import login_as
from tracker.cohorts import services as cohort_services

EN = {"Accept-Language": "en"}


def arguments(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url.replace("&amp;", "&")).query)


def nav_links(html: str, label: str) -> dict[str, str]:
    """The links of the page's <nav aria-label=`label`> by their words."""
    nav = html[html.index(f'aria-label="{label}"'):]
    nav = nav[:nav.index("</nav>")]
    return {words: url for url, words in re.findall(r'href="([^"]+)"[^>]*>([^<]+)</a>', nav)}


@pytest.fixture
def home(client, db, make_user, make_organisation, make_programme, make_cohort, frozen_clock,
         monkeypatch):
    """A coordinator's home on 15 March 2015 with five programmes, two to a page of the table,
    each with an autumn cohort in 2008, 2010, 2012, 2014 and 2016 (ten months long)."""
    monkeypatch.setattr(cohort_services, "PROGRAMMES_PER_PAGE", 2)
    dfo = make_organisation(name_nb="Direktoratet for forvaltning og økonomistyring")
    for n, year in enumerate((2008, 2010, 2012, 2014, 2016)):
        make_cohort(programme=make_programme(name_nb=f"Program {n}", name_en=f"Programme {n}",
                                                      responsible_organisation=dfo),
                    label=f"Høst {year}", start_date=date(year, 9, 1))
    db.session.commit()
    frozen_clock(date(2015, 3, 15))
    login_as(client, make_user("coordinator"))
    return lambda **query: client.get("/", query_string=query, headers=EN)


def test_the_table_s_page_links_keep_the_timeline_s_window(home):
    response = home(page=2, years_from=2011)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Timeline 2011–2013" in html and "Page 2 of 3" in html
    pages = nav_links(html, "Pages")
    assert set(pages) == {"Previous page", "Next page"}
    assert arguments(pages["Previous page"]) == {"page": ["1"], "years_from": ["2011"]}
    assert arguments(pages["Next page"]) == {"page": ["3"], "years_from": ["2011"]}


def test_around_today_the_table_s_page_links_ask_for_no_window(home):
    # The window around today is the page's own choice: a link that named its years would stop
    # following today.
    pages = nav_links(home(page=2).get_data(as_text=True), "Pages")
    assert arguments(pages["Next page"]) == {"page": ["3"]}


def test_the_timeline_s_window_links_keep_the_table_s_page(home):
    html = home(page=2, years_from=2011).get_data(as_text=True)
    years = nav_links(html, "Years on the timeline")
    assert set(years) == {"Earlier years: 2007–2009", "Back to today", "Later years: 2014–2016"}
    assert arguments(years["Earlier years: 2007–2009"]) == {"page": ["2"], "years_from": ["2007"]}
    assert arguments(years["Later years: 2014–2016"]) == {"page": ["2"], "years_from": ["2014"]}
    assert arguments(years["Back to today"]) == {"page": ["2"]}
