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
