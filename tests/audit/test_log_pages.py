"""The change log pages by where a page starts (`?before=` a row id), reading a bounded window
of rows: no count or grouping of the whole log, however long it grows. Every action shows on
some page, an action bigger than the window fills a page of its own, and the filters hold."""
import re

import pytest

from tests.conftest import login_as
from tracker.audit import services

EN = {"Accept-Language": "en"}


@pytest.fixture
def coordinator(client, make_user):
    login_as(client, make_user("coordinator"))
    return client


def walk(client, url: str) -> list[list[str]]:
    """The organisations named on each page of the log, following its "older" links."""
    pages = []
    while url:
        html = client.get(url, headers=EN).get_data(as_text=True)
        assert "Older changes" in html or "Newest changes" in html or not pages
        actions = html.split('class="audit-action"')[1:]
        pages.append([" ".join(sorted(set(re.findall(r"Etat \d+", action)))) for action in actions
                      if "Etat" in action])
        older = re.search(r'href="([^"]+)" rel="next">', html)
        url = older.group(1).replace("&amp;", "&") if older else None
    return pages


def test_every_action_shows_once_however_the_window_falls(coordinator, db, make_organisation,
                                                          monkeypatch):
    monkeypatch.setattr(services, "WINDOW", 5)
    for n in range(3):
        make_organisation(name_nb=f"Etat {n}")
        db.session.commit()
    for n in range(3, 15):  # one action of twelve rows: more than a window
        make_organisation(name_nb=f"Etat {n}")
    db.session.commit()
    for n in range(15, 18):
        make_organisation(name_nb=f"Etat {n}")
        db.session.commit()
    monkeypatch.setattr("tracker.audit.routes.PER_PAGE", 2)
    pages = walk(coordinator, "/audit/?demo=y&kind=organisation")
    shown = [action for page in pages for action in page]
    assert shown[:3] == ["Etat 17", "Etat 16", "Etat 15"]
    # The big action is one entry, once, though no window holds all of it.
    big = [action for action in shown if action.count("Etat") > 1]
    assert len(big) == 1
    assert shown[-3:] == ["Etat 2", "Etat 1", "Etat 0"]
    assert len(shown) == 7
    assert all(len(page) <= 2 for page in pages)


def test_the_filters_go_on_to_older_pages(coordinator, db, make_organisation, monkeypatch):
    monkeypatch.setattr("tracker.audit.routes.PER_PAGE", 2)
    for n in range(5):
        make_organisation(name_nb=f"Etat {n}")
        db.session.commit()
    pages = walk(coordinator, "/audit/?demo=y&kind=organisation")
    assert pages == [["Etat 4", "Etat 3"], ["Etat 2", "Etat 1"], ["Etat 0"]]
    # Filtered by a type no change has: one empty page, no link on.
    assert walk(coordinator, "/audit/?demo=y&kind=cohort") == [[]]


@pytest.mark.parametrize("before", ["0", "-1", "junk", str(2**31), "1e3", ""])
def test_a_start_that_cannot_be_a_row_is_a_404_saying_so(coordinator, db, before):
    response = coordinator.get("/audit/", query_string={"before": before, "demo": "y"},
                               headers={"Accept-Language": "nn"})
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "er ikkje ein stad i loggen" in html
    assert 'href="/audit/?demo=y">Gå til dei nyaste endringane</a>' in html


def test_the_statements_do_not_grow_with_the_log(coordinator, db, make_organisation, count_queries):
    def statements(url) -> int:
        with count_queries() as counter:
            assert coordinator.get(url).status_code == 200
        return counter["n"]

    coordinator.get("/audit/")  # the sign-in's first request
    # A full page of the same kind of action, so each page names the same kinds of record.
    for n in range(60):
        make_organisation(name_nb=f"Etat {n}")
        db.session.commit()
    few = [statements("/audit/?demo=y"), statements("/audit/?kind=organisation&person=x")]
    for n in range(60, 200):
        make_organisation(name_nb=f"Etat {n}")
        db.session.commit()
    many = [statements("/audit/?demo=y"), statements("/audit/?kind=organisation&person=x")]
    assert many == few
    assert max(many) <= 15
