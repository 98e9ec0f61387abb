"""A withdrawn group's cancelled sessions need no replacement: no "Plan a replacement" for them
on the cohort page, the group page or the session's own form (review of issue 11, item 8)."""
from datetime import date

from tests.html import read
from tests.schedule import test_schedule_forms as forms
from tests.schedule.test_schedule_forms import EN, add_session, at
from tracker.groups.models import EnrolmentStatus
from tracker.groups.services import record_status
from tracker.schedule.models import SessionStatus

world = forms.world
coordinator = forms.coordinator


def replacement_links(client, url):
    html = client.get(url, headers=EN).get_data(as_text=True)
    links = [a.get("href") or "" for a in read(html).all("a")]
    return [href for href in links if "/sessions/new?module=" in href] + (
        ["Plan a replacement"] if "Plan a replacement" in html else [])


def test_a_withdrawn_groups_cancelled_sessions_offer_no_replacement(coordinator, db, world, frozen_clock):
    frozen_clock(date(2016, 10, 20))
    session = add_session(db, world, "coaching", at(2016, 11, 28), at(2016, 11, 28, 12),
                          enrolment=world["udir"])
    session.status = SessionStatus.CANCELLED
    session.cancellation_reason = "The group withdrew"
    db.session.commit()
    pages = (f"/cohorts/{world['cohort'].id}", f"/groups/{world['udir'].id}",
             f"/schedule/sessions/{session.id}/edit")
    # While the group takes part, every page offers one.
    assert all(replacement_links(coordinator, url) for url in pages)

    record_status(world["udir"], EnrolmentStatus.WITHDRAWN, reason="Ny direktør")
    db.session.commit()

    for url in pages:
        assert replacement_links(coordinator, url) == [], url
