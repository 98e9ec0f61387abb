"""Withdrawing a group offers to cancel its future sessions; cancelled, they stay in its
calendar feed as cancelled, and its progress does not count them."""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlalchemy import select

from tests.conftest import csrf_token, login_as
from tests.html import read
from tracker.calendar.models import FeedKind
from tracker.calendar.services import load_subject, make_address
from tracker.groups.models import EnrolmentStatus
from tracker.groups.services import enrol
from tracker.programmes.models import CourseModule, ModuleKind
from tracker.progress.models import ProgressState
from tracker.progress.services import group_progress
from tracker.schedule.models import Session, SessionStatus

OSLO = ZoneInfo("Europe/Oslo")
EN = {"Accept-Language": "en"}
TODAY = date(2016, 11, 15)


def at(year, month, day, hour=9):
    return datetime(year, month, day, hour, tzinfo=OSLO)


@pytest.fixture
def world(db, make_cohort, make_organisation, make_user, frozen_clock):
    """Kull 1 on 15 November 2016: Udir active with a coaching session held, one next week and
    one in January; a joint gathering in December; Bufdir with a session of its own."""
    frozen_clock(TODAY)
    cohort = make_cohort(label="Kull 1", start_date=date(2016, 8, 29))
    gathering = CourseModule(programme=cohort.programme, position=1, name_nb="Fellessamling",
                             name_en="Joint gathering", kind=ModuleKind.JOINT_GATHERING,
                             is_joint=True, offset_weeks=14, duration_days=2)
    coaching = CourseModule(programme=cohort.programme, position=2, name_nb="Veiledning 1",
                            name_en="Coaching 1", kind=ModuleKind.GROUP_WORK, is_joint=False,
                            offset_weeks=10)
    later = CourseModule(programme=cohort.programme, position=3, name_nb="Veiledning 2",
                         name_en="Coaching 2", kind=ModuleKind.GROUP_WORK, is_joint=False,
                         offset_weeks=19)
    db.session.add_all([gathering, coaching, later])
    udir = enrol(cohort, make_organisation(name_nb="Utdanningsdirektoratet", short_name="Udir"))
    bufdir = enrol(cohort, make_organisation(name_nb="Bufdir"))
    udir.status = bufdir.status = EnrolmentStatus.ACTIVE

    def session(module, starts_at, hours, group=None, status=SessionStatus.PLANNED):
        made = Session(cohort=cohort, module=module, enrolment=group, starts_at=starts_at,
                       ends_at=starts_at + timedelta(hours=hours), status=status, location="Difi")
        db.session.add(made)
        return made

    sessions = {
        "held": session(coaching, at(2016, 11, 7), 3, udir, SessionStatus.HELD),
        "next_week": session(coaching, at(2016, 11, 22), 3, udir),
        "january": session(later, at(2017, 1, 9), 3, udir),
        "gathering": session(gathering, at(2016, 12, 5), 30),
        "bufdir": session(coaching, at(2016, 11, 23), 3, bufdir),
    }
    coordinator = make_user("coordinator")
    db.session.commit()
    return {"cohort": cohort, "udir": udir, "bufdir": bufdir, "sessions": sessions,
            "coordinator": coordinator, "modules": [gathering, coaching, later]}


@pytest.fixture
def staff(client, world):
    login_as(client, world["coordinator"])
    return client


def withdraw(client, enrolment, **changes):
    page = read(client.get(f"/groups/{enrolment.id}/status", headers=EN).data)
    version = page.all("input", name="version")[0]["value"]
    data = {"status": "WITHDRAWN", "reason": "Omorganisering", "version": version,
            "cancel_sessions": "y", "csrf_token": csrf_token(client)}
    data.update(changes)
    return client.post(f"/groups/{enrolment.id}/status", headers=EN,
                       data={k: v for k, v in data.items() if v is not None})


def statuses(db, world):
    db.session.expire_all()
    return {name: s.status for name, s in world["sessions"].items()}


def test_the_status_form_offers_to_cancel_the_future_sessions_ticked_and_lists_them(staff, world):
    html = staff.get(f"/groups/{world['udir'].id}/status", headers=EN).get_data(as_text=True)
    box = read(html).all("input", name="cancel_sessions")
    assert len(box) == 1 and "checked" in box[0]
    assert "Coaching 1" in html and "Coaching 2" in html
    assert "Joint gathering" not in html  # the other groups' too: it stays


def test_withdrawing_cancels_the_groups_future_sessions_with_the_reason(staff, db, world):
    response = withdraw(staff, world["udir"])

    assert response.status_code == 302
    assert statuses(db, world) == {
        "held": SessionStatus.HELD,  # the past stays as it was
        "next_week": SessionStatus.CANCELLED,
        "january": SessionStatus.CANCELLED,
        "gathering": SessionStatus.PLANNED,  # joint: the other groups still meet
        "bufdir": SessionStatus.PLANNED,
    }
    assert world["sessions"]["january"].cancellation_reason == "The group withdrew: Omorganisering"
    page = staff.get(f"/groups/{world['udir'].id}", headers=EN).get_data(as_text=True)
    assert "2 future sessions of the group are cancelled." in page
    assert "Reason: The group withdrew: Omorganisering" in page


def test_unticked_the_sessions_stay_planned(staff, db, world):
    assert withdraw(staff, world["udir"], cancel_sessions=None).status_code == 302
    assert statuses(db, world)["next_week"] is SessionStatus.PLANNED
    db.session.refresh(world["udir"])
    assert world["udir"].status is EnrolmentStatus.WITHDRAWN


def test_a_refused_withdrawal_cancels_nothing(staff, db, world):
    response = withdraw(staff, world["udir"], reason="")
    assert response.status_code == 400
    assert statuses(db, world)["next_week"] is SessionStatus.PLANNED


def test_a_confirmation_cancels_nothing_even_with_the_box_ticked(staff, db, world, make_organisation):
    invited = enrol(world["cohort"], make_organisation(name_nb="Skatteetaten"))
    db.session.add(Session(cohort=world["cohort"], module=world["modules"][1], enrolment=invited,
                           starts_at=at(2016, 11, 24), ends_at=at(2016, 11, 24, 12),
                           status=SessionStatus.PLANNED))
    db.session.commit()
    assert withdraw(staff, invited, status="CONFIRMED").status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Session).where(Session.enrolment_id == invited.id)).status \
        is SessionStatus.PLANNED


def test_the_cancelled_sessions_stay_in_the_groups_feed_as_cancelled(staff, client, db, world):
    token = make_address(world["coordinator"], FeedKind.ENROLMENT,
                         load_subject(FeedKind.ENROLMENT, world["udir"].id))
    db.session.commit()
    withdraw(staff, world["udir"])

    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    events = {str(e["UID"]): str(e.get("STATUS")) for e in
              icalendar.Calendar.from_ical(response.data).walk("VEVENT")}
    for name in ("next_week", "january"):
        assert events[f"session-{world['sessions'][name].id}@tracker.toppledergrupper"] == "CANCELLED"


def test_progress_does_not_count_the_cancelled_sessions(staff, db, world):
    withdraw(staff, world["udir"])
    db.session.expire_all()
    states = {m.module.name_en: m.state for m in group_progress(world["udir"], TODAY)}
    # Coaching 1 was held before; Coaching 2's only session is cancelled: not done.
    assert states["Coaching 1"] is ProgressState.DONE
    assert states["Coaching 2"] is ProgressState.NOT_STARTED
