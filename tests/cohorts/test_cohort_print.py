"""The cohort page on paper: what only works on a screen (the change log's link, the downloads)
is marked no-print, and the print stylesheet hides no-print (review of issue 11, item 11)."""
from pathlib import Path

from tests.html import read


def test_the_change_log_link_and_downloads_do_not_print(staff, db, make_cohort):
    cohort = make_cohort()
    db.session.commit()
    html = staff.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    page = read(html)
    for marked in ("cohort-change-log", "cohort-downloads"):
        [tag] = [t for name in ("p", "div") for t in page.all(name, id=marked)]
        assert "no-print" in tag["class"].split()
    downloads = html.split('id="cohort-downloads"', 1)[1].split("</div>", 1)[0]
    assert "attendance.csv" in downloads
    assert "attendance.xlsx" in downloads
    change_log = html.split('id="cohort-change-log"', 1)[1].split("</p>", 1)[0]
    assert "audit" in change_log or "log" in change_log
    css = (Path(__file__).parents[2] / "static/css/print.css").read_text()
    assert ".no-print," in css.split("{ display: none !important; }")[0]


def test_a_groups_change_log_link_and_the_sectors_downloads_do_not_print(staff, db, make_group):
    group = make_group()
    db.session.commit()
    html = staff.get(f"/groups/{group.id}").get_data(as_text=True)
    line = next(line for line in html.splitlines() if f'href="/audit/groups/{group.id}"' in line)
    assert line.startswith('<p class="ds-paragraph no-print">')
    sector = staff.get("/reports/sector").get_data(as_text=True)
    downloads = sector.split('<ul class="ds-list no-print">', 1)[1].split("</ul>", 1)[0]
    assert "csv" in downloads and "xlsx" in downloads
