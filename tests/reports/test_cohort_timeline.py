"""The timeline: every cohort on one time axis, as SVG with a table of the same facts."""
import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from tests.conftest import login_as, oslo
from tests.html import read
from tests.reports.conftest import TODAY
from tracker.reports.timeline import cohort_timeline, render_timeline
from tracker.schedule.models import Session, SessionStatus

SVG = "{http://www.w3.org/2000/svg}"
EN = {"Accept-Language": "en"}


def parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def by_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [el for el in root.iter() if el.get("class") == name]


def luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.fixture
def cancelled(db, attendance_world):
    """A cancelled joint gathering in Kull 1: not a mark."""
    start = oslo(2016, 12, 6)
    session = Session(cohort=attendance_world["kull1"], module=attendance_world["gathering"], starts_at=start,
                      ends_at=start + timedelta(hours=6), status=SessionStatus.CANCELLED)
    db.session.add(session)
    db.session.commit()
    return session


def test_one_bar_per_cohort_a_mark_per_joint_gathering_and_a_line_for_today(app, attendance_world, cancelled):
    with app.test_request_context(headers=EN):
        timeline = cohort_timeline(TODAY)
        root = parse(timeline.svg())
    assert [row.cohort.label for row in timeline.cohorts] == ["Pilot", "Kull 1", "Kull 5"]
    kull1 = timeline.cohorts[1]
    # The held and the planned gathering; neither the cancelled one nor group work.
    assert kull1.gatherings == [date(2016, 10, 4), date(2017, 5, 9)]
    bars = by_class(root, "timeline-bar")
    assert len(bars) == 3
    groups = by_class(root, "timeline-cohort")
    assert [g.get("data-cohort") for g in groups] == [str(r.cohort.id) for r in timeline.cohorts]
    marks = {g.get("data-cohort"): len([el for el in g if el.get("class") == "timeline-gathering"]) for g in groups}
    assert marks == {str(attendance_world["pilot"].id): 0, str(attendance_world["kull1"].id): 2,
                     str(attendance_world["kull5"].id): 0}
    labels = [t.text for g in groups for t in g if t.tag == SVG + "text"]
    assert labels == ["Pilot", "Kull 1", "Kull 5"]

    today = by_class(root, "timeline-today")
    assert len(today) == 1
    x_today = float(today[0].get("x1"))
    kull1_bar = bars[1]
    start, width = float(kull1_bar.get("x")), float(kull1_bar.get("width"))
    assert start < x_today < start + width  # 15 March 2017 is inside Kull 1's course
    pilot_bar, kull5_bar = bars[0], bars[2]
    assert float(pilot_bar.get("x")) + float(pilot_bar.get("width")) < x_today < float(kull5_bar.get("x"))
    assert any(t.text and "Today, 15 March 2017" in t.text for t in root.iter(SVG + "text"))
    # Marks sit on their day: the first gathering is a month after Kull 1's start.
    first_mark = next(el for el in groups[1] if el.get("class") == "timeline-gathering")
    mark_x = float(first_mark.get("points").split(",")[0])
    assert start < mark_x < start + width / 4


def test_the_axis_has_the_window_s_years_and_month_ticks(app, world):
    with app.test_request_context(headers=EN):
        timeline = cohort_timeline(TODAY)
        root = parse(timeline.svg())
    # Last year, this year and next year; the pilot (2015-16) overlaps 2016, so it is drawn.
    assert (timeline.first, timeline.last) == (date(2016, 1, 1), date(2019, 1, 1))
    texts = [t.text for t in root.iter(SVG + "text")]
    assert {"2016", "2017", "2018"} <= set(texts) and "2015" not in texts
    ticks = [line for line in root.iter(SVG + "line") if line.get("stroke") == "#8a8a8a"]
    assert len(ticks) == 3 * 11  # February to December of each year; January is the year line


@pytest.mark.parametrize("lang, initials", [("en", "JFMAMJJASOND"), ("nb", "JFMAMJJASOND")])
def test_the_months_are_named_by_their_initials(app, make_cohort, lang, initials):
    make_cohort(label="Kull 3", start_date=date(2017, 1, 9))
    with app.test_request_context(headers={"Accept-Language": lang}):
        root = parse(cohort_timeline(date(2017, 3, 1)).svg())
    months = [t.text for t in root.iter(SVG + "text") if t.get("font-size") == "10"]
    assert "".join(months) == initials * 3


def test_the_svg_is_accessible_and_prints(app, world):
    with app.test_request_context(headers=EN):
        markup = str(cohort_timeline(TODAY).svg())
    root = parse(markup)
    assert root.get("role") == "img"
    title, desc = root.find(SVG + "title"), root.find(SVG + "desc")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text and "joint gatherings" in desc.text
    assert "style" not in markup and "<script" not in markup  # the CSP forbids both
    assert not any(el.get("font-family") for el in root.iter())  # the page's font
    colours = {el.get(attr) for el in root.iter() for attr in ("fill", "stroke")} - {None, "#ffffff"}
    # Everything that carries meaning stands out 3:1 against white; month ticks are decoration.
    for colour in colours - {"#8a8a8a"}:
        assert (1.05) / (luminance(colour) + 0.05) >= 3, colour
    # Every bar and mark has a dark outline, so nothing depends on a fill.
    for el in by_class(root, "timeline-bar") + by_class(root, "timeline-gathering"):
        assert el.get("stroke") == "#1a1a1a"


def test_a_today_long_after_the_cohorts_is_marked_at_the_edge(app, world):
    with app.test_request_context(headers=EN):
        timeline = cohort_timeline(date(2026, 5, 4))
        root = parse(timeline.svg())
    assert timeline.last == date(2019, 1, 1)  # not stretched to 2026
    line = by_class(root, "timeline-today")[0]
    assert float(line.get("x1")) == 948
    assert any(t.text and t.text.endswith("→") and "2026" in t.text for t in root.iter(SVG + "text"))


def test_a_timeline_without_cohorts_still_draws(app, db):
    with app.test_request_context(headers=EN):
        timeline = cohort_timeline(TODAY)
        root = parse(render_timeline(timeline))
    assert timeline.cohorts == [] and (timeline.first, timeline.last) == (date(2016, 1, 1), date(2019, 1, 1))
    assert by_class(root, "timeline-today") and not by_class(root, "timeline-bar")
    assert any(t.text == "No cohorts yet." for t in root.iter(SVG + "text"))
    assert (timeline.earlier_from, timeline.later_from) == (None, None)


def test_a_user_sees_only_the_cohorts_in_their_scope(app, world, make_user):
    agency = make_user("agency", organisation=world["udir"])
    ministry = make_user("ministry", organisation=world["fin"])
    with app.test_request_context():
        assert [r.cohort.label for r in cohort_timeline(TODAY, agency).cohorts] == ["Pilot"]
        assert [r.cohort.label for r in cohort_timeline(TODAY, ministry).cohorts] == ["Kull 1"]
        assert len(cohort_timeline(TODAY, make_user("coordinator")).cohorts) == 3


def test_the_timeline_takes_two_queries(app, db, attendance_world, count_queries):
    with app.test_request_context(), count_queries() as counter:
        cohort_timeline(TODAY)
    assert counter["n"] == 2


def test_a_table_with_the_same_facts_follows_the_chart(client, attendance_world, cancelled, make_user, frozen_clock):
    frozen_clock(TODAY)
    login_as(client, make_user("coordinator"))
    html = client.get("/reports/sector", headers=EN).get_data(as_text=True)
    svg_at, table_at = html.index("<svg"), html.index("The cohorts on the timeline")
    assert svg_at < table_at
    page = read(html[html.index("</svg>"):])
    assert "Kull 1 1 September 2016 1 July 2017 4 October 2016 , 9 May 2017 Running" in page.text
    assert "Pilot 1 September 2015 1 July 2016 – None scheduled Completed" in page.text
    assert "6 December 2016" not in page.text  # cancelled
    assert page.all("time", datetime="2016-10-04")
    assert all(th.get("scope") for th in page.all("th"))
    assert re.search(r'<svg[^>]+role="img"', html)
