"""The sector overview's body, and within it the survey section and timeline (the pieces that read
the sector's whole history, kept for its other pages too), are kept between requests
(tracker/fragments.py) only while nothing changes."""
from tests.conftest import login_as
from tests.reports.conftest import TODAY
from tests.test_fragments import kept  # noqa: F401 (the fixture: a fragment cache the suite's lacks)

EN = {"Accept-Language": "en"}


def test_the_history_pieces_are_kept_until_the_data_changes(
        client, db, world, make_user, kept, count_queries, frozen_clock):
    frozen_clock(TODAY)
    login_as(client, make_user("coordinator"))
    with count_queries() as first:
        before = client.get("/reports/sector", headers=EN).get_data(as_text=True)
    with count_queries() as again:
        same = client.get("/reports/sector", headers=EN).get_data(as_text=True)
    assert same == before and "Kull 1" in before and "Survey results in the sector" in before
    assert (kept.misses, kept.hits) == (3, 1)  # the body with its two pieces; then the body
    # The summary's, the survey's and the timeline's statements are not run for the kept body.
    assert again["n"] < first["n"]
    world["kull1"].label = "Kull én"
    db.session.commit()
    after = client.get("/reports/sector", headers=EN).get_data(as_text=True)
    assert "Kull én" in after.split('id="timeline-heading"')[1]
    assert kept.misses == 6
    assert client.get("/reports/sector?page=1&years_from=2015", headers=EN).status_code == 200
    assert kept.misses == 8 and kept.hits == 2  # another window: its body and timeline; the survey kept
