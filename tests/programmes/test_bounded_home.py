"""The home page's attention list at scale: a few of each kind, how many there are, and each
item's programme when the coordinator sees more than one (cohort labels repeat)."""
from datetime import date, timedelta

from tests.html import read
from tracker.attention.services import SHOWN_PER_KIND
from tracker.extensions import db
from tracker.groups.models import EnrolmentStatus
from tracker.groups.services import enrol

TODAY = date(2017, 3, 1)


def test_the_home_page_names_programmes_and_bounds_each_kind(
        staff, make_programme, make_cohort, make_organisation, frozen_clock):
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
