"""Creating and moving sessions: the rules, the warnings, and a form that never loses a save."""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token, login_as
from tests.html import read
from tracker.groups.models import EnrolmentStatus
from tracker.groups.services import enrol
from tracker.programmes.models import CourseModule, ModuleKind
from tracker.schedule.models import Session, SessionStatus
from tracker.schedule.proposals import ProposedSession
from tracker.schedule.sessions import past_sessions_still_planned
from tracker.schedule.warnings import WarningKind, collisions

OSLO = ZoneInfo("Europe/Oslo")
EN = {"Accept-Language": "en"}


def at(year, month, day, hour=9, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=OSLO)


@pytest.fixture
def world(db, make_cohort, make_organisation, make_programme):
    """Kull 1 (autumn 2016) with a joint and a group module and two groups; another cohort of
    the same programme with a group; and a module of another programme."""
    cohort = make_cohort(label="Kull 1", start_date=date(2016, 8, 29))
    gathering = CourseModule(programme=cohort.programme, position=1, name_nb="Fellessamling 1",
                             name_en="Joint gathering 1", kind=ModuleKind.JOINT_GATHERING,
                             is_joint=True, offset_weeks=8, duration_days=2, hours_per_day=6)
    coaching = CourseModule(programme=cohort.programme, position=2, name_nb="Veiledning",
                            name_en="Coaching", kind=ModuleKind.GROUP_WORK, is_joint=False,
                            offset_weeks=13, duration_days=1, hours_per_day=3)
    db.session.add_all([gathering, coaching])
    udir = enrol(cohort, make_organisation(name_nb="Utdanningsdirektoratet", short_name="Udir"),
                 status=EnrolmentStatus.CONFIRMED)
    bufdir = enrol(cohort, make_organisation(name_nb="Bufdir"), status=EnrolmentStatus.CONFIRMED)
    other_cohort = make_cohort(label="Kull 3", start_date=date(2017, 1, 9))
    elsewhere = enrol(other_cohort, make_organisation(name_nb="Skattedirektoratet"),
                      status=EnrolmentStatus.CONFIRMED)
    another = make_programme(name_nb="Et annet program", name_en="Another programme",
                             responsible_organisation=cohort.programme.responsible_organisation)
    foreign = CourseModule(programme=another,
                           position=1, name_nb="Fremmed", name_en="Foreign",
                           kind=ModuleKind.MILESTONE, is_joint=True, offset_weeks=0)
    db.session.add(foreign)
    db.session.commit()
    return {"cohort": cohort, "gathering": gathering, "coaching": coaching, "udir": udir,
            "bufdir": bufdir, "other_cohort": other_cohort, "elsewhere": elsewhere,
            "foreign": foreign}


@pytest.fixture
def coordinator(client, make_user):
    login_as(client, make_user("coordinator"))
    return client


def add_session(db, world, module, starts_at, ends_at, enrolment=None, **kwargs):
    kwargs.setdefault("status", SessionStatus.PLANNED)
    session = Session(cohort=world["cohort"], module=world[module], enrolment=enrolment,
                      starts_at=starts_at, ends_at=ends_at, location="Difi", **kwargs)
    db.session.add(session)
    db.session.commit()
    return session


def session_count(db) -> int:
    return db.session.scalar(select(func.count(Session.id)))


def new_session_data(client, world, **changes):
    data = {"csrf_token": csrf_token(client), "module": str(world["gathering"].id), "group": "",
            "start_date": "2016-11-07", "start_time": "09:00", "end_date": "2016-11-08",
            "end_time": "15:00", "location": "Difi, Grev Wedels plass 9, Oslo", "status": "PLANNED"}
    data.update(changes)
    return data


def invalid(page, name) -> bool:
    return any(tag.get("aria-invalid") == "true"
               for tag in page.all("input", name=name) + page.all("select", name=name))


# Creating a session


def test_a_coordinator_creates_a_joint_session_of_two_days(coordinator, db, world):
    response = coordinator.post(f"/schedule/cohorts/{world['cohort'].id}/sessions/new",
                                data=new_session_data(coordinator, world))

    assert response.status_code == 302
    session = db.session.scalar(select(Session))
    assert session.enrolment_id is None and session.module_id == world["gathering"].id
    assert session.starts_at == at(2016, 11, 7, 9) and session.ends_at == at(2016, 11, 8, 15)
    assert session.starts_at.tzinfo is not None
    assert session.status is SessionStatus.PLANNED
    assert session.location == "Difi, Grev Wedels plass 9, Oslo"


def test_a_group_session_is_for_a_group_of_the_cohort(coordinator, db, world):
    response = coordinator.post(
        f"/schedule/cohorts/{world['cohort'].id}/sessions/new",
        data=new_session_data(coordinator, world, module=str(world["coaching"].id),
                              group=str(world["udir"].id), end_date="", end_time="12:00",
                              location="Hos Udir"))

    assert response.status_code == 302
    session = db.session.scalar(select(Session))
    assert session.enrolment_id == world["udir"].id
    assert session.ends_at == at(2016, 11, 7, 12)


def test_the_new_session_form_offers_this_programme_and_cohort_only(coordinator, world):
    page = read(coordinator.get(f"/schedule/cohorts/{world['cohort'].id}/sessions/new").data)

    modules = {o["value"] for o in page.all("option") if o.get("value")} 
    assert str(world["gathering"].id) in modules and str(world["udir"].id) in modules
    assert str(world["elsewhere"].id) not in modules
    assert page.count("h1") == 1
    assert all(page.all(tag, name=name) for tag, name in (
        ("select", "module"), ("select", "group"), ("input", "start_date"), ("input", "start_time"),
        ("input", "end_date"), ("input", "end_time"), ("input", "location"), ("select", "status")))
    assert page.all("input", name="start_date")[0]["type"] == "date"
    assert page.all("input", name="start_time")[0]["type"] == "time"


@pytest.mark.parametrize("changes, field, typed", [
    ({"start_date": ""}, "start_date", None),
    ({"start_time": ""}, "start_time", None),
    ({"end_time": ""}, "end_time", None),
    ({"start_date": "7. november"}, "start_date", "7. november"),
    ({"start_time": "ni"}, "start_time", "ni"),
    ({"end_date": "2016-13-40"}, "end_date", "2016-13-40"),
    ({"location": "x" * 201}, "location", "x" * 201),
    ({"end_date": "", "end_time": "08:00"}, "end_time", "08:00"),  # ends before it starts
    ({"end_date": "2016-11-06"}, "end_date", "2016-11-06"),  # last day before the first
    ({"module": ""}, "module", None),
    ({"module": "abc"}, "module", None),
    ({"status": "POSTPONED"}, "status", None),
])
def test_bad_input_is_refused_with_the_field_marked_and_what_was_typed_kept(coordinator, db, world, changes, field, typed):
    response = coordinator.post(f"/schedule/cohorts/{world['cohort'].id}/sessions/new",
                                data=new_session_data(coordinator, world, **changes), headers=EN)

    assert response.status_code == 400
    page = read(response.data)
    assert invalid(page, field), field
    assert page.all("div", **{"class": "ds-error-summary"})
    if typed is not None:
        assert page.all("input", name=field)[0]["value"] == typed
    assert page.all("input", name="location")[0]["value"] == (changes.get("location") or "Difi, Grev Wedels plass 9, Oslo")
    assert session_count(db) == 0


@pytest.mark.parametrize("key, field", [("foreign", "module"), ("elsewhere", "group")])
def test_ids_from_elsewhere_are_refused_on_their_field(coordinator, db, world, key, field):
    response = coordinator.post(f"/schedule/cohorts/{world['cohort'].id}/sessions/new",
                                data=new_session_data(coordinator, world, **{field: str(world[key].id)}))

    assert response.status_code == 400
    assert invalid(read(response.data), field)
    assert session_count(db) == 0


def test_the_service_refuses_a_group_of_another_cohort(db, world):
    from tracker.domain import DomainError
    from tracker.schedule.sessions import create_session

    with pytest.raises(DomainError) as error:
        create_session(world["cohort"], module=world["coaching"], enrolment=world["elsewhere"],
                       starts_at=at(2016, 11, 7), ends_at=at(2016, 11, 7, 12), location="",
                       status=SessionStatus.PLANNED)
    assert error.value.field == "group"


def test_a_session_on_a_saturday_needs_the_warnings_seen_then_saves(coordinator, db, world):
    url = f"/schedule/cohorts/{world['cohort'].id}/sessions/new"
    data = new_session_data(coordinator, world, start_date="2016-11-05", end_date="")

    first = coordinator.post(url, data=data, headers=EN)

    assert first.status_code == 400
    page = read(first.data)
    assert "is a weekend day" in page.text
    box = page.all("input", name="acknowledge")[0]
    assert box["type"] == "checkbox" and box.get("aria-invalid") == "true" and "checked" not in box
    assert page.all("input", name="start_date")[0]["value"] == "2016-11-05"
    assert session_count(db) == 0

    seen = page.all("input", name="seen_warnings")[0]["value"]
    second = coordinator.post(url, data={**data, "acknowledge": "y", "seen_warnings": seen})

    assert second.status_code == 302
    assert db.session.scalar(select(Session)).starts_at == at(2016, 11, 5)


def test_ticking_the_box_does_not_cover_warnings_that_changed(coordinator, db, world):
    url = f"/schedule/cohorts/{world['cohort'].id}/sessions/new"
    saturday = new_session_data(coordinator, world, start_date="2016-11-05", end_date="")
    seen = read(coordinator.post(url, data=saturday).data).all("input", name="seen_warnings")[0]["value"]

    # Moved to Christmas Day after seeing the Saturday's warnings: those do not cover it.
    response = coordinator.post(url, data={**saturday, "start_date": "2016-12-26", "acknowledge": "y",
                                           "seen_warnings": seen}, headers=EN)

    assert response.status_code == 400
    assert "public holiday" in read(response.data).text
    assert session_count(db) == 0


def test_a_session_outside_the_course_is_a_warning_not_a_refusal(coordinator, db, world):
    url = f"/schedule/cohorts/{world['cohort'].id}/sessions/new"
    data = new_session_data(coordinator, world, start_date="2017-08-07", end_date="")  # after the planned end

    page = read(coordinator.post(url, data=data, headers=EN).data)
    assert "outside the cohort's course" in page.text

    seen = page.all("input", name="seen_warnings")[0]["value"]
    assert coordinator.post(url, data={**data, "acknowledge": "y", "seen_warnings": seen}).status_code == 302
    assert session_count(db) == 1


# What a time collides with


@pytest.mark.parametrize("starts_at, ends_at, kind", [
    (at(2016, 12, 26), at(2016, 12, 26, 15), WarningKind.HOLIDAY),
    (at(2017, 7, 3), at(2017, 7, 3, 15), WarningKind.JULY),
    (at(2016, 11, 6), at(2016, 11, 6, 15), WarningKind.WEEKEND),
    (at(2016, 12, 30), at(2016, 12, 30, 15), WarningKind.SCHOOL_BREAK),  # Christmas
    (at(2017, 2, 20), at(2017, 2, 20, 15), WarningKind.SCHOOL_BREAK),  # winter break, week 8
    (at(2016, 10, 10), at(2016, 10, 10, 15), WarningKind.SCHOOL_BREAK),  # autumn break, week 41
    (at(2017, 4, 10), at(2017, 4, 10, 15), WarningKind.SCHOOL_BREAK),  # Easter week
    (at(2017, 4, 12), at(2017, 4, 12, 15), WarningKind.HALF_DAY),  # the Wednesday before Easter
    (at(2016, 12, 23), at(2017, 1, 2, 15), WarningKind.HALF_DAY),  # runs through New Year's Eve? no: a weekend
    (at(2017, 8, 7), at(2017, 8, 7, 15), WarningKind.OUTSIDE_COURSE),
])
def test_collisions_name_what_a_time_runs_into(db, world, starts_at, ends_at, kind):
    subject = ProposedSession(world["gathering"], None, starts_at, ends_at, cohort=world["cohort"])
    found = {w.kind for w in collisions(subject, starts_at, ends_at)}
    if (starts_at, kind) == (at(2016, 12, 23), WarningKind.HALF_DAY):
        # 24 and 31 December 2016 were weekend days: skipped between the first and last day.
        assert kind not in found and WarningKind.SCHOOL_BREAK in found
    else:
        assert kind in found


def test_a_morning_on_christmas_eve_is_no_half_day_problem(db, world):
    subject = ProposedSession(world["gathering"], None, at(2015, 12, 24), at(2015, 12, 24, 12), cohort=world["cohort"])
    assert WarningKind.HALF_DAY not in {w.kind for w in collisions(subject, subject.starts_at, subject.ends_at)}


def test_a_working_day_in_the_course_has_no_warnings(db, world):
    subject = ProposedSession(world["gathering"], None, at(2016, 11, 7), at(2016, 11, 8, 15), cohort=world["cohort"])
    assert collisions(subject, subject.starts_at, subject.ends_at) == []


def test_overlaps_count_the_same_group_and_the_joint_sessions_but_not_other_groups(db, world):
    joint = add_session(db, world, "gathering", at(2016, 11, 7), at(2016, 11, 8, 15))
    theirs = add_session(db, world, "coaching", at(2016, 11, 14), at(2016, 11, 14, 12), world["bufdir"])
    add_session(db, world, "coaching", at(2016, 11, 15), at(2016, 11, 15, 12), world["udir"],
                status=SessionStatus.CANCELLED)

    def overlapping(enrolment, starts_at, ends_at):
        subject = ProposedSession(world["coaching"], enrolment, starts_at, ends_at, cohort=world["cohort"])
        return [w.other for w in collisions(subject, starts_at, ends_at) if w.kind is WarningKind.OVERLAP]

    assert overlapping(world["udir"], at(2016, 11, 8, 10), at(2016, 11, 8, 12)) == [joint]
    assert overlapping(world["udir"], at(2016, 11, 14), at(2016, 11, 14, 12)) == []  # Bufdir's own
    assert overlapping(None, at(2016, 11, 14, 11), at(2016, 11, 14, 13)) == [theirs]  # joint: everyone
    assert overlapping(world["udir"], at(2016, 11, 15), at(2016, 11, 15, 12)) == []  # cancelled
    assert overlapping(world["udir"], at(2016, 11, 8, 15), at(2016, 11, 8, 17)) == []  # just after


# Editing a session


def edit_data(client, session, **changes):
    page = read(client.get(f"/schedule/sessions/{session.id}/edit").data)
    data = {"csrf_token": csrf_token(client)}
    for tag in page.all("input") + page.all("select"):
        if tag.get("name") and tag.get("type") not in ("checkbox", "submit"):
            data[tag["name"]] = tag.get("value", "")
    for select_tag in ("status",):
        selected = [o for o in page.all("option") if "selected" in o and o.get("value") in {s.name for s in SessionStatus}]
        data[select_tag] = selected[0]["value"]
    data.update(changes)
    return data


def test_the_edit_form_shows_the_session_in_oslo_time(coordinator, db, world):
    session = add_session(db, world, "gathering", at(2016, 11, 7), at(2016, 11, 8, 15))
    page = read(coordinator.get(f"/schedule/sessions/{session.id}/edit").data)

    values = {name: page.all("input", name=name)[0]["value"]
              for name in ("start_date", "start_time", "end_date", "end_time", "version")}
    assert values == {"start_date": "2016-11-07", "start_time": "09:00", "end_date": "2016-11-08",
                      "end_time": "15:00", "version": "1"}
    assert page.count("h1") == 1


def test_moving_a_session_saves_it(coordinator, db, world):
    session = add_session(db, world, "gathering", at(2016, 11, 7), at(2016, 11, 8, 15))

    response = coordinator.post(f"/schedule/sessions/{session.id}/edit", data=edit_data(
        coordinator, session, start_date="2016-11-14", end_date="2016-11-15", location="Hos KMD",
        status="PLANNED"))

    assert response.status_code == 302
    db.session.expire_all()
    assert (session.starts_at, session.ends_at) == (at(2016, 11, 14), at(2016, 11, 15, 15))
    assert session.location == "Hos KMD" and session.version == 2


def test_moving_onto_a_joint_session_warns_of_the_overlap_first(coordinator, db, world):
    add_session(db, world, "gathering", at(2016, 11, 7), at(2016, 11, 8, 15))
    session = add_session(db, world, "coaching", at(2016, 11, 21), at(2016, 11, 21, 12), world["udir"])
    data = edit_data(coordinator, session, start_date="2016-11-08", end_date="", end_time="12:00")

    first = coordinator.post(f"/schedule/sessions/{session.id}/edit", data=data, headers=EN)

    assert first.status_code == 400
    page = read(first.data)
    assert "overlaps another session: Joint gathering 1 for all groups" in page.text
    db.session.expire_all()
    assert session.starts_at == at(2016, 11, 21)

    seen = page.all("input", name="seen_warnings")[0]["value"]
    second = coordinator.post(f"/schedule/sessions/{session.id}/edit",
                              data={**data, "acknowledge": "y", "seen_warnings": seen})
    assert second.status_code == 302
    db.session.expire_all()
    assert session.starts_at == at(2016, 11, 8)


def test_a_new_location_for_a_saturday_session_needs_no_new_confirmation(coordinator, db, world):
    session = add_session(db, world, "gathering", at(2016, 11, 5), at(2016, 11, 5, 15))

    response = coordinator.post(f"/schedule/sessions/{session.id}/edit",
                                data=edit_data(coordinator, session, location="Hos Udir", status="HELD"))

    assert response.status_code == 302
    db.session.expire_all()
    assert session.location == "Hos Udir" and session.status is SessionStatus.HELD


@pytest.mark.parametrize("changes, field", [
    ({"end_date": "", "end_time": "08:00"}, "end_time"),
    ({"end_date": "2016-11-01"}, "end_date"),
    ({"start_date": ""}, "start_date"),
    ({"start_time": "25:99"}, "start_time"),
    ({"location": "y" * 201}, "location"),
    ({"status": "MAYBE"}, "status"),
])
def test_bad_edits_are_refused_and_change_nothing(coordinator, db, world, changes, field):
    session = add_session(db, world, "gathering", at(2016, 11, 7), at(2016, 11, 8, 15))

    response = coordinator.post(f"/schedule/sessions/{session.id}/edit",
                                data=edit_data(coordinator, session, **changes))

    assert response.status_code == 400
    assert invalid(read(response.data), field)
    db.session.expire_all()
    assert (session.starts_at, session.ends_at, session.location, session.version) == (
        at(2016, 11, 7), at(2016, 11, 8, 15), "Difi", 1)


def test_two_coordinators_editing_at_once_cannot_overwrite_each_other(app, coordinator, db, world, make_user):
    session = add_session(db, world, "gathering", at(2016, 11, 7), at(2016, 11, 8, 15))
    other = app.test_client()
    login_as(other, make_user("coordinator"))
    mine = edit_data(coordinator, session, location="Hos KMD")
    theirs = edit_data(other, session, location="Hos Udir", start_date="2016-11-14", end_date="2016-11-15")

    assert coordinator.post(f"/schedule/sessions/{session.id}/edit", data=mine).status_code == 302
    response = other.post(f"/schedule/sessions/{session.id}/edit", data=theirs, headers=EN)

    assert response.status_code == 409
    page = read(response.data)
    assert "Saved by someone else" in page.text and "Hos KMD" in page.text
    assert page.all("input", name="location")[0]["value"] == "Hos Udir"  # what they typed
    assert page.all("input", name="version")[0]["value"] == "2"  # saving again replaces on purpose
    db.session.expire_all()
    assert session.location == "Hos KMD" and session.starts_at == at(2016, 11, 7)


def test_an_unknown_session_is_not_found(coordinator, db):
    assert coordinator.get("/schedule/sessions/999999/edit").status_code == 404


@pytest.mark.parametrize("role", ["agency", "ministry"])
def test_only_staff_may_create_or_edit(client, db, world, make_user, role):
    session = add_session(db, world, "gathering", at(2016, 11, 7), at(2016, 11, 8, 15))
    login_as(client, make_user(role))
    assert client.get(f"/schedule/cohorts/{world['cohort'].id}/sessions/new").status_code == 403
    assert client.get(f"/schedule/sessions/{session.id}/edit").status_code == 403


# Past sessions still planned


def test_past_sessions_still_planned_are_those_whose_last_day_is_gone(db, world):
    yesterday = add_session(db, world, "gathering", at(2017, 3, 1), at(2017, 3, 2, 15))
    add_session(db, world, "gathering", at(2017, 3, 2), at(2017, 3, 3, 15))  # ends today
    add_session(db, world, "gathering", at(2017, 2, 1), at(2017, 2, 1, 15), status=SessionStatus.HELD)
    add_session(db, world, "gathering", at(2017, 2, 2), at(2017, 2, 2, 15), status=SessionStatus.CANCELLED)
    earlier = add_session(db, world, "coaching", at(2017, 1, 9), at(2017, 1, 9, 12), world["udir"])

    found = db.session.scalars(past_sessions_still_planned(date(2017, 3, 3))).all()
    assert found == [earlier, yesterday]
    assert db.session.scalars(past_sessions_still_planned(date(2017, 3, 3), world["other_cohort"])).all() == []
    assert db.session.scalars(past_sessions_still_planned(date(2017, 3, 3), world["cohort"])).all() == found


def test_the_cohort_page_flags_past_planned_sessions_and_links_staff_to_the_forms(coordinator, db, world):
    past = add_session(db, world, "gathering", datetime.now(OSLO) - timedelta(days=10),
                       datetime.now(OSLO) - timedelta(days=9))
    future = add_session(db, world, "gathering", datetime.now(OSLO) + timedelta(days=9),
                         datetime.now(OSLO) + timedelta(days=10))

    html = coordinator.get(f"/cohorts/{world['cohort'].id}", headers=EN).get_data(as_text=True)
    page = read(html)

    links = {a.get("href") for a in page.all("a")}
    assert {f"/schedule/cohorts/{world['cohort'].id}/proposal", f"/schedule/cohorts/{world['cohort'].id}/sessions/new",
            f"/schedule/sessions/{past.id}/edit", f"/schedule/sessions/{past.id}/attendance",
            f"/schedule/sessions/{future.id}/edit"} <= links
    # One flag, on the past session only (the progress matrix may flag groups as behind plan too).
    assert html.count('data-color="warning">Past: mark it held or cancelled</span>') == 1


def test_the_cohort_page_has_no_schedule_links_for_an_agency_leader(client, db, world, make_user):
    add_session(db, world, "gathering", at(2016, 11, 7), at(2016, 11, 8, 15))
    login_as(client, make_user("agency", organisation=world["udir"].organisation))
    html = client.get(f"/cohorts/{world['cohort'].id}").get_data(as_text=True)
    assert "/schedule/" not in html
