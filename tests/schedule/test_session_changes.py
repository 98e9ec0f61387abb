"""Cancelling a session (with a reason, shown, and a replacement offered), moving one (its end
goes with its start), a session far longer than its module, and a cohort without groups yet."""
from datetime import date

from sqlalchemy import select

from tests.html import read
from tests.schedule import test_schedule_forms as forms
from tests.schedule.test_schedule_forms import EN, add_session, at, edit_data, new_session_data
from tracker.groups.models import EnrolmentStatus
from tracker.programmes.models import CourseModule, ModuleKind
from tracker.schedule.models import Session, SessionStatus
from tracker.schedule.proposals import ProposedSession
from tracker.schedule.sessions import replacement_for
from tracker.schedule.warnings import WarningKind, collisions


# The schedule forms' fixtures: Kull 1 (autumn 2016) with a two-day gathering and a coaching
# module, Udir and Bufdir; a coordinator signed in.
world = forms.world
coordinator = forms.coordinator


def edit(client, session, **changes):
    return client.post(f"/schedule/sessions/{session.id}/edit", headers=EN,
                       data=edit_data(client, session, **changes))


# Cancelling


def test_cancelling_asks_for_a_reason_and_changes_nothing_without_one(coordinator, db, world):
    session = add_session(db, world, "gathering", at(2016, 11, 7), at(2016, 11, 8, 15))

    response = edit(coordinator, session, status="CANCELLED", cancellation_reason="  ")

    assert response.status_code == 400
    page = read(response.data)
    assert any(t.get("aria-invalid") == "true" for t in page.all("textarea", name="cancellation_reason"))
    assert "Give the reason the session is cancelled." in response.get_data(as_text=True)
    db.session.expire_all()
    assert session.status is SessionStatus.PLANNED and session.version == 1


def test_a_cancelled_session_keeps_its_reason_and_shows_it_with_a_replacement_to_plan(
    coordinator, db, world, frozen_clock
):
    frozen_clock(date(2016, 10, 20))
    session = add_session(db, world, "coaching", at(2016, 11, 28), at(2016, 11, 28, 12),
                          enrolment=world["udir"])

    response = edit(coordinator, session, status="CANCELLED",
                    cancellation_reason="The coach is ill")

    assert response.status_code == 302
    db.session.expire_all()
    assert session.status is SessionStatus.CANCELLED
    assert session.cancellation_reason == "The coach is ill"
    # A week after the cancelled day, at the same times: Monday 5 December 2016.
    replacement = (f"/schedule/cohorts/{world['cohort'].id}/sessions/new?module={world['coaching'].id}"
                   f"&group={world['udir'].id}&start_date=2016-12-05&start_time=09:00&end_time=12:00")
    for url in (f"/cohorts/{world['cohort'].id}", f"/schedule/sessions/{session.id}/edit",
                f"/groups/{world['udir'].id}"):
        html = coordinator.get(url, headers=EN).get_data(as_text=True)
        assert "Reason: The coach is ill" in html, url
        links = {a.get("href") for a in read(html).all("a")}
        assert replacement.replace("&", "&amp;") in html or replacement in links, url

    # The replacement link opens the new-session form filled in.
    page = read(coordinator.get(replacement, headers=EN).data)
    selected = {o["value"] for o in page.all("option") if "selected" in o}
    assert {str(world["coaching"].id), str(world["udir"].id)} <= selected
    values = {t["name"]: t.get("value") for t in page.all("input") if t.get("name")}
    assert (values["start_date"], values["start_time"], values["end_time"]) == (
        "2016-12-05", "09:00", "12:00")
    assert values["end_date"] in ("", None)


def test_a_replacement_keeps_clear_of_christmas_and_keeps_the_days(db, world):
    gathering = Session(cohort=world["cohort"], module=world["gathering"], enrolment=None,
                        starts_at=at(2016, 12, 12), ends_at=at(2016, 12, 13, 15),
                        status=SessionStatus.CANCELLED)
    replacement = replacement_for(gathering, date(2016, 12, 1))

    assert (replacement.start_date, replacement.end_date) == (date(2017, 1, 4), date(2017, 1, 5))
    assert replacement.enrolment_id is None


def test_a_replacement_link_with_nonsense_in_it_is_an_empty_form(coordinator, world):
    response = coordinator.get(f"/schedule/cohorts/{world['cohort'].id}/sessions/new",
                               query_string={"module": "x", "group": "999999",
                                             "start_date": "2016-13-45", "start_time": "9"})
    assert response.status_code == 200
    values = {t["name"]: t.get("value") for t in read(response.data).all("input") if t.get("name")}
    assert values["start_date"] in ("", None) and values["start_time"] in ("", None)


def test_planning_a_session_again_drops_its_reason(coordinator, db, world):
    session = add_session(db, world, "gathering", at(2016, 11, 7), at(2016, 11, 8, 15),
                          status=SessionStatus.CANCELLED, cancellation_reason="Snow")

    assert edit(coordinator, session, status="PLANNED").status_code == 302
    db.session.expire_all()
    assert session.status is SessionStatus.PLANNED and session.cancellation_reason == ""


def test_a_new_session_made_cancelled_needs_a_reason_too(coordinator, db, world):
    response = coordinator.post(f"/schedule/cohorts/{world['cohort'].id}/sessions/new",
                                data=new_session_data(coordinator, world, status="CANCELLED"))
    assert response.status_code == 400
    assert db.session.scalar(select(Session)) is None


# Moving


def test_moving_the_start_of_a_gathering_moves_its_end_too(coordinator, db, world):
    session = add_session(db, world, "gathering", at(2016, 11, 7), at(2016, 11, 8, 15))

    # Only the first day is changed, a week earlier; the last day box still says 8 November.
    response = edit(coordinator, session, start_date="2016-10-31")

    assert response.status_code == 302
    db.session.expire_all()
    assert (session.starts_at, session.ends_at) == (at(2016, 10, 31), at(2016, 11, 1, 15))
    flashed = coordinator.get(f"/cohorts/{world['cohort'].id}", headers=EN).get_data(as_text=True)
    assert "The end moved with the start" in flashed


def test_warnings_about_a_moved_start_show_the_end_it_took_along(coordinator, db, world):
    session = add_session(db, world, "gathering", at(2016, 11, 7), at(2016, 11, 8, 15))

    # Saturday 12 November: a weekend, so the warnings are shown first.
    response = edit(coordinator, session, start_date="2016-11-12")
    assert response.status_code == 400
    page = read(response.data)
    shown = {t["name"]: t.get("value") for t in page.all("input") if t.get("name")}
    assert (shown["end_date"], shown["end_time"]) == ("2016-11-13", "15:00")

    shown["acknowledge"] = "y"
    shown["status"] = "PLANNED"
    assert coordinator.post(f"/schedule/sessions/{session.id}/edit", data=shown).status_code == 302
    db.session.expire_all()
    assert (session.starts_at, session.ends_at) == (at(2016, 11, 12), at(2016, 11, 13, 15))


def test_moving_the_start_time_keeps_the_length(coordinator, db, world):
    session = add_session(db, world, "coaching", at(2016, 11, 28), at(2016, 11, 28, 12),
                          enrolment=world["udir"])

    assert edit(coordinator, session, start_time="10:30").status_code == 302
    db.session.expire_all()
    assert (session.starts_at, session.ends_at) == (at(2016, 11, 28, 10, 30), at(2016, 11, 28, 13, 30))


def test_an_end_changed_with_the_start_is_taken_as_typed(coordinator, db, world):
    session = add_session(db, world, "gathering", at(2016, 11, 7), at(2016, 11, 8, 15))

    assert edit(coordinator, session, start_date="2016-11-14", end_date="2016-11-16",
                end_time="12:00").status_code == 302
    # Three days of a two-day module is not far longer: saved as typed, no warning.
    db.session.expire_all()
    assert (session.starts_at, session.ends_at) == (at(2016, 11, 14), at(2016, 11, 16, 12))


# Far longer than planned


def test_a_session_far_longer_than_its_module_is_warned_of(app, coordinator, db, world):
    nine_days = (at(2016, 10, 31), at(2016, 11, 10, 15))  # a two-day module over nine working days
    proposal = ProposedSession(world["gathering"], None, *nine_days, cohort=world["cohort"])
    found = [w for w in collisions(proposal, *nine_days) if w.kind is WarningKind.LONG]
    assert [w.days for w in found] == [(9, 2)]
    two_days = (at(2016, 11, 7), at(2016, 11, 8, 15))
    assert WarningKind.LONG not in {w.kind for w in collisions(proposal, *two_days)}

    response = coordinator.post(
        f"/schedule/cohorts/{world['cohort'].id}/sessions/new", headers=EN,
        data=new_session_data(coordinator, world, start_date="2016-10-31", end_date="2016-11-10"))
    assert response.status_code == 400
    assert "It runs over 9 days, far longer than the module&#39;s 2 planned days" in \
        response.get_data(as_text=True)
    assert db.session.scalar(select(Session)) is None


# A cohort without groups yet


def test_a_cohort_without_groups_is_told_group_sessions_come_after_enrolment(
    coordinator, db, make_cohort
):
    cohort = make_cohort(label="Kull 9", start_date=date(2027, 1, 11))
    db.session.add_all([
        CourseModule(programme=cohort.programme, position=1, name_nb="Samling", name_en="Gathering",
                     kind=ModuleKind.JOINT_GATHERING, is_joint=True, offset_weeks=2),
        CourseModule(programme=cohort.programme, position=2, name_nb="Veiledning",
                     name_en="Coaching", kind=ModuleKind.GROUP_WORK, is_joint=False,
                     offset_weeks=4),
    ])
    db.session.commit()

    html = coordinator.get(f"/schedule/cohorts/{cohort.id}/proposal", headers=EN).get_data(as_text=True)
    assert "Group sessions come after enrolment" in html


def test_once_groups_are_enrolled_the_cohort_page_offers_their_sessions(coordinator, db, world):
    add_session(db, world, "gathering", at(2016, 11, 7), at(2016, 11, 8, 15))
    html = coordinator.get(f"/cohorts/{world['cohort'].id}", headers=EN).get_data(as_text=True)
    assert "2 groups have no sessions of their own yet" in html
    assert "Propose group sessions" in html
    assert "Group sessions come after enrolment" not in coordinator.get(
        f"/schedule/cohorts/{world['cohort'].id}/proposal", headers=EN).get_data(as_text=True)

    add_session(db, world, "coaching", at(2016, 11, 28), at(2016, 11, 28, 12), enrolment=world["udir"])
    add_session(db, world, "coaching", at(2016, 11, 29), at(2016, 11, 29, 12), enrolment=world["bufdir"])
    html = coordinator.get(f"/cohorts/{world['cohort'].id}", headers=EN).get_data(as_text=True)
    assert "Propose group sessions" not in html


# What the attention list asks


def test_a_cancelled_session_needs_a_replacement_until_one_is_planned(db, world):
    from tracker.schedule.sessions import cancelled_without_replacement

    cancelled = add_session(db, world, "coaching", at(2016, 11, 28), at(2016, 11, 28, 12),
                            enrolment=world["udir"], status=SessionStatus.CANCELLED,
                            cancellation_reason="Sykdom")
    joint = add_session(db, world, "gathering", at(2016, 11, 7), at(2016, 11, 8, 15),
                        status=SessionStatus.CANCELLED, cancellation_reason="Snø")
    # Bufdir's own session of the module replaces nothing of Udir's.
    add_session(db, world, "coaching", at(2016, 11, 29), at(2016, 11, 29, 12),
                enrolment=world["bufdir"])
    assert db.session.scalars(cancelled_without_replacement(world["cohort"])).all() == [joint, cancelled]

    add_session(db, world, "coaching", at(2016, 12, 5), at(2016, 12, 5, 12), enrolment=world["udir"])
    add_session(db, world, "gathering", at(2016, 11, 14), at(2016, 11, 15, 15))
    assert db.session.scalars(cancelled_without_replacement()).all() == []


def test_a_withdrawn_groups_cancelled_sessions_need_no_replacement(db, world):
    from tracker.schedule.sessions import cancelled_without_replacement

    add_session(db, world, "coaching", at(2016, 11, 28), at(2016, 11, 28, 12),
                enrolment=world["udir"], status=SessionStatus.CANCELLED, cancellation_reason="x")
    world["udir"].status = EnrolmentStatus.WITHDRAWN
    db.session.commit()
    assert db.session.scalars(cancelled_without_replacement(world["cohort"])).all() == []
