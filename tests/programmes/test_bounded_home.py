"""Issue 14, item 3: the home page, a programme's page and the timeline stay bounded however many
programmes there are. Past three programmes the home page shows one table of them (a page of 25
at a time) instead of a section each; a programme's page has its current and upcoming cohorts
and its own timeline; the timeline draws at most MAX_COHORTS cohorts and counts the rest; cohort
labels (unique only within a programme) say their programme where several show together."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import login_as
from tests.html import read
from tracker.cohorts.models import Cohort, Season
from tracker.attention.services import SHOWN_PER_KIND
from tracker.cohorts.services import PROGRAMMES_PER_PAGE
from tracker.groups.models import EnrolmentStatus
from tracker.groups.services import enrol
from tracker.reports.timeline import MAX_COHORTS, cohort_timeline
from tracker.users.services import limit_to_programmes

EN = {"Accept-Language": "en"}
TODAY = date(2017, 3, 1)


@pytest.fixture
def programmes(db, make_programme, make_organisation, frozen_clock):
    """make(n): n programmes named "Programme 1" to "Programme n", all run by one directorate."""
    frozen_clock(TODAY)
    made = []
    organisation = make_organisation(name_nb="Direktoratet for forvaltning og økonomistyring",
                                     short_name="DFØ")

    def make(n: int):
        for _ in range(n):
            k = len(made) + 1
            made.append(make_programme(name_nb=f"Program {k}", name_en=f"Programme {k}",
                                       responsible_organisation=organisation))
        db.session.commit()
        return made

    return make


def _cohorts(db, make_cohort, programme, *, finished=0, running=0, upcoming=0, prefix="Kull"):
    """Cohorts of `programme` around TODAY: ten-month courses over, under way and to come."""
    made = []
    for n in range(finished):
        made.append(make_cohort(programme=programme, label=f"{prefix} over {n}",
                                start_date=date(2010 - n // 2, 9 if n % 2 else 1, 5),
                                season=Season.AUTUMN if n % 2 else Season.SPRING))
    for n in range(running):
        made.append(make_cohort(programme=programme, label=f"{prefix} nå {n}",
                                start_date=date(2016, 9, 1 + n)))
    for n in range(upcoming):
        made.append(make_cohort(programme=programme, label=f"{prefix} kommer {n}",
                                start_date=date(2017, 9, 1 + n)))
    db.session.commit()
    return made


def _signed_in(app, make_user, role="coordinator"):
    client = app.test_client()
    login_as(client, make_user(role))
    return client


def _text(markup: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", markup).split())


def headings(html: str) -> list[str]:
    return [_text(h) for h in re.findall(r"<h2[^>]*>(.*?)</h2>", html, re.S)]


def _programme_table(html: str) -> list[list[str]]:
    """The home page's table of programmes, row by row, cell by cell (their text)."""
    if 'id="programmes-table"' not in html:
        return []
    table = html[html.index('id="programmes-table"'):]
    body = table[table.index("<tbody>"):table.index("</tbody>")]
    return [[_text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in body.split("<tr>")[1:]]


def test_two_programmes_keep_a_section_each(app, db, make_user, make_cohort, programmes):
    first, second = programmes(2)
    _cohorts(db, make_cohort, first, running=1, prefix="Første")
    _cohorts(db, make_cohort, second, upcoming=1, prefix="Andre")
    html = _signed_in(app, make_user).get("/", headers=EN).get_data(as_text=True)
    shown = headings(html)
    assert "Programme 1" in shown and "Programme 2" in shown
    assert "Programmes" not in shown and not _programme_table(html)
    assert "Første nå 0" in html and "Andre kommer 0" in html


def test_eight_programmes_are_one_table_with_their_counts(app, db, make_user, make_cohort, programmes):
    made = programmes(8)
    _cohorts(db, make_cohort, made[0], finished=3, running=2, upcoming=1, prefix="A")
    _cohorts(db, make_cohort, made[5], upcoming=2, prefix="F")
    html = _signed_in(app, make_user).get("/", headers=EN).get_data(as_text=True)
    rows = _programme_table(html)
    assert [row[0] for row in rows] == [f"Programme {k}" for k in range(1, 9)]
    assert rows[0][1:] == ["2", "1", "3 : finished cohorts of Programme 1"]
    assert rows[5][1:] == ["0", "2", "0"] and rows[1][1:] == ["0", "0", "0"]
    # Each name leads to its programme's page, the finished count to its finished cohorts.
    assert f'href="/programmes/{made[7].id}"' in html
    assert f'href="/programmes/{made[0].id}/finished"' in html
    # No section per programme: no programme's name as a heading, no cohort table before the
    # timeline.
    shown = headings(html)
    assert "Programmes" in shown and not any(h.startswith("Programme ") for h in shown)
    assert "8 programmes" in read(html).text


def test_a_coordinator_limited_to_two_of_eight_sees_their_sections(app, db, make_user, make_cohort,
                                                                    programmes):
    made = programmes(8)
    _cohorts(db, make_cohort, made[2], running=1, prefix="Mitt")
    _cohorts(db, make_cohort, made[3], running=1, prefix="Annet")
    user = make_user("coordinator")
    limit_to_programmes(user, [made[1], made[2]])
    db.session.commit()
    client = app.test_client()
    login_as(client, user)
    html = client.get("/", headers=EN).get_data(as_text=True)
    shown = headings(html)
    assert "Programme 2" in shown and "Programme 3" in shown
    assert not _programme_table(html)
    assert "Mitt nå 0" in html and "Annet" not in html


def test_the_table_is_paged_and_a_page_past_the_end_is_refused(app, db, make_user, programmes):
    programmes(PROGRAMMES_PER_PAGE + 2)
    client = _signed_in(app, make_user)
    first = client.get("/", headers=EN).get_data(as_text=True)
    assert len(_programme_table(first)) == PROGRAMMES_PER_PAGE
    assert "Page 1 of 2" in read(first).text
    second = client.get("/?page=2", headers=EN)
    assert [row[0] for row in _programme_table(second.get_data(as_text=True))] == [
        f"Programme {k}" for k in (PROGRAMMES_PER_PAGE + 1, PROGRAMMES_PER_PAGE + 2)]
    for page in ("3", "0", "-1", "x"):
        response = client.get(f"/?page={page}", headers=EN)
        assert response.status_code == 404, page
        assert "page" in read(response.data).text.lower()


def _home_and_programme_statements(app, make_user, count_queries, programme):
    client = _signed_in(app, make_user)
    counts = []
    for path in ("/", f"/programmes/{programme.id}"):
        client.get(path)  # warm: the sign-in session's first use
        with count_queries() as counter:
            assert client.get(path).status_code == 200
        counts.append(counter["n"])
    return counts


def test_statements_are_the_same_for_two_and_eight_programmes(app, db, make_user, make_cohort,
                                                              count_queries, programmes):
    made = programmes(2)
    for programme in made:
        _cohorts(db, make_cohort, programme, finished=2, running=1, upcoming=1,
                 prefix=f"P{programme.id}")
    two = _home_and_programme_statements(app, make_user, count_queries, made[0])
    made = programmes(6)
    for programme in made[2:]:
        _cohorts(db, make_cohort, programme, finished=2, running=1, upcoming=1,
                 prefix=f"P{programme.id}")
    eight = _home_and_programme_statements(app, make_user, count_queries, made[0])
    assert two == eight


def test_statements_are_the_same_for_ten_and_sixty_cohorts(app, db, make_user, make_cohort,
                                                           count_queries, programmes):
    first, second = programmes(2)
    _cohorts(db, make_cohort, first, finished=6, running=2, upcoming=2, prefix="A")
    ten = _home_and_programme_statements(app, make_user, count_queries, first)
    _cohorts(db, make_cohort, first, finished=20, running=5, upcoming=5, prefix="B")
    _cohorts(db, make_cohort, second, finished=10, running=5, upcoming=5, prefix="C")
    assert db.session.scalar(select(func.count(Cohort.id))) == 60
    sixty = _home_and_programme_statements(app, make_user, count_queries, first)
    assert ten == sixty


def test_the_programme_page_has_its_current_cohorts_and_timeline(app, db, make_user, make_cohort,
                                                                 programmes):
    first, second = programmes(2)
    _cohorts(db, make_cohort, first, finished=2, running=1, upcoming=1, prefix="Mitt")
    _cohorts(db, make_cohort, second, running=1, prefix="Annet")
    html = _signed_in(app, make_user).get(f"/programmes/{first.id}", headers=EN).get_data(as_text=True)
    text = read(html).text
    assert "Current and upcoming cohorts" in text
    assert "Mitt nå 0" in text and "Mitt kommer 0" in text
    assert "2 finished cohorts" in text and f'href="/programmes/{first.id}/finished"' in html
    # Its own timeline: its cohorts in the window only, not the other programme's.
    assert 'id="timeline-heading"' in html and "<svg" in html
    timeline = html[html.index('id="timeline-heading"'):]
    assert "Mitt nå 0" in timeline and "Annet" not in html


def test_the_timeline_draws_at_most_its_cap_and_counts_the_rest(app, db, make_user, make_cohort,
                                                                programmes):
    first, second = programmes(2)
    # Running and upcoming cohorts: 30 of the first programme, 10 of the second, all in the
    # window 2016–2018; and 5 of the first that ended in 2016, further from today.
    _cohorts(db, make_cohort, first, running=15, upcoming=15, prefix="A")
    _cohorts(db, make_cohort, second, running=5, upcoming=5, prefix="B")
    for n in range(5):
        make_cohort(programme=first, label=f"A tidlig {n}", start_date=date(2015, 5, 1 + n),
                    season=Season.SPRING)
    db.session.commit()
    with app.test_request_context(headers=EN):
        timeline = cohort_timeline(TODAY)
    drawn = [row.cohort.label for row in timeline.cohorts]
    assert len(drawn) == MAX_COHORTS and timeline.not_drawn == 45 - MAX_COHORTS
    # Those nearest today: every running one, then the upcoming the soonest first; none over.
    assert not any(label.startswith("A tidlig") for label in drawn)
    assert all(f"A nå {n}" in drawn for n in range(15)) and all(f"B nå {n}" in drawn for n in range(5))
    # Drawn by start date.
    starts = [row.cohort.start_date for row in timeline.cohorts]
    assert starts == sorted(starts)
    left_out = {programme.name_en: count for programme, count in timeline.programmes_not_drawn}
    assert sum(left_out.values()) == timeline.not_drawn

    html = _signed_in(app, make_user).get("/", headers=EN).get_data(as_text=True)
    text = read(html).text
    assert f"{45 - MAX_COHORTS} more cohorts in these years are not drawn" in text
    more = html[html.index("more cohorts in these years"):]
    assert f'href="/programmes/{first.id}#timeline-heading"' in more
    svg = html[html.index("<svg"):html.index("</svg>")]
    assert svg.count('class="timeline-cohort"') == MAX_COHORTS


def test_a_programme_wholly_left_off_the_timeline_is_linked_to_its_own(app, db, make_user,
                                                                       make_cohort, programmes):
    first, second = programmes(2)
    # 30 running and upcoming cohorts of the first programme fill the chart; the second's only
    # cohort in the window ended in 2016, further from today: none of its cohorts is drawn.
    _cohorts(db, make_cohort, first, running=15, upcoming=15, prefix="A")
    make_cohort(programme=second, label="B tidlig", start_date=date(2015, 5, 1),
                season=Season.SPRING)
    db.session.commit()
    with app.test_request_context(headers=EN):
        timeline = cohort_timeline(TODAY)
    assert all(row.cohort.programme_id == first.id for row in timeline.cohorts)
    assert [(p.id, n) for p, n in timeline.programmes_not_drawn] == [(first.id, 6), (second.id, 1)]
    assert timeline.not_drawn == 7

    html = _signed_in(app, make_user).get("/", headers=EN).get_data(as_text=True)
    more = html[html.index("more cohorts in these years"):]
    assert f'href="/programmes/{second.id}#timeline-heading">Programme 2</a>' in more
    assert "B tidlig" not in html[html.index("<svg"):]


def test_the_timeline_query_has_a_limit(app, db, make_cohort, programmes):
    """The cap is in SQL: the rows loaded are bounded, not cut in Python."""
    from sqlalchemy import event

    from tracker.extensions import db as database

    (programme,) = programmes(1)
    _cohorts(db, make_cohort, programme, running=3)
    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    engine = database.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        with app.test_request_context(headers=EN):
            cohort_timeline(TODAY)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    # The statement that loads the cohorts with their gatherings chooses them with a LIMIT.
    (loading,) = [statement for statement in statements if "session" in statement]
    assert re.search(r"\bLIMIT\b", loading)


def test_same_labels_in_several_programmes_say_their_programme(app, db, make_user, make_cohort,
                                                               programmes):
    first, second = programmes(2)
    make_cohort(programme=first, label="Kull 1", ordinal=1, start_date=date(2016, 9, 1))
    make_cohort(programme=second, label="Kull 1", ordinal=1, start_date=date(2016, 9, 1))
    db.session.commit()
    html = _signed_in(app, make_user).get("/", headers=EN).get_data(as_text=True)
    svg = html[html.index("<svg"):html.index("</svg>")]
    assert re.search(r"Kull 1<tspan[^>]*>Programme 1</tspan>", svg)
    assert re.search(r"Kull 1<tspan[^>]*>Programme 2</tspan>", svg)
    table = html[html.index("The cohorts on the timeline"):]
    table = table[:table.index("</table>")]
    rows = [re.sub(r"<[^>]+>", " ", row).split() for row in table.split("<tr>")[2:]]
    assert [row[:4] for row in rows] == [["Kull", "1", "Programme", "1"], ["Kull", "1", "Programme", "2"]]


def test_one_programme_s_timeline_does_not_name_it(app, db, make_user, make_cohort, programmes):
    (programme,) = programmes(1)
    _cohorts(db, make_cohort, programme, running=1)
    html = _signed_in(app, make_user).get("/", headers=EN).get_data(as_text=True)
    svg = html[html.index("<svg"):html.index("</svg>")]
    assert "<tspan" not in svg
    table = html[html.index("The cohorts on the timeline"):]
    assert "<th scope=\"col\">Programme</th>" not in table[:table.index("</table>")]


# The attention list: a few of each kind, however many there are


def test_the_home_page_names_programmes_and_bounds_each_kind(
        db, staff, make_programme, make_cohort, make_organisation, frozen_clock):
    """Two programmes, each with its "Kull 1" starting in ten days, and more groups without a
    top leader than the page shows: the page shows the nearest few, says how many there are,
    and tells the two "Kull 1" apart by their programme."""
    programmes = [make_programme(name_nb=f"Program {n}", name_en=f"Programme {n}",
                                 responsible_organisation=make_organisation())
                  for n in ("A", "B")]
    start = TODAY + timedelta(days=10)
    for programme, label, groups in ((programmes[0], "Kull 1", 4), (programmes[0], "Kull 2", 3),
                                     (programmes[1], "Kull 1", 1)):
        cohort = make_cohort(programme=programme, label=label, start_date=start)
        for _ in range(groups):
            enrol(cohort, make_organisation()).status = EnrolmentStatus.CONFIRMED
    db.session.commit()
    frozen_clock(TODAY)

    page = read(staff.get("/", headers={"Accept-Language": "en"}).data)

    links = [a for a in page.all("a") if a["href"].endswith("/members/new")]
    assert len(links) == SHOWN_PER_KIND
    assert f"No top leader: showing the nearest {SHOWN_PER_KIND} of 8." in page.text
    assert "Programme A · Kull 1 ·" in page.text and "Programme B · Kull 1 ·" in page.text
