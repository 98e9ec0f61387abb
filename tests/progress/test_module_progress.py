"""A group's progress through the course plan: read from sessions where there are any, recorded
by a coordinator where there are none; the cohort's matrix; and the form that records it."""
from datetime import date, timedelta

import pytest
from flask import render_template
from sqlalchemy import func, select

from tests.conftest import act_as, csrf_token, login_as, oslo
from tests.html import read
from tracker.extensions import db
from tracker.groups.models import EnrolmentStatus
from tracker.groups.services import enrol
from tracker.programmes.models import CourseModule, ModuleKind
from tracker.progress.models import ModuleProgress, ProgressState
from tracker.progress.services import cohort_progress, group_progress
from tracker.schedule.models import Session, SessionStatus

START = date(2016, 9, 5)  # a Monday
NOT_STARTED, IN_PROGRESS, DONE = ProgressState.NOT_STARTED, ProgressState.IN_PROGRESS, ProgressState.DONE
HELD, PLANNED, CANCELLED = SessionStatus.HELD, SessionStatus.PLANNED, SessionStatus.CANCELLED


def add_module(programme, position, name, *, joint, offset_weeks, kind=None, days=1):
    module = CourseModule(
        programme=programme, position=position, name_nb=name, name_en=name,
        kind=kind or (ModuleKind.JOINT_GATHERING if joint else ModuleKind.GROUP_WORK),
        is_joint=joint, offset_weeks=offset_weeks, duration_days=days,
    )
    db.session.add(module)
    return module


def add_session(db, cohort, module, day, status, group=None, hours=6):
    starts_at = oslo(day.year, day.month, day.day)
    session = Session(cohort=cohort, enrolment=group, module=module, starts_at=starts_at,
                      ends_at=starts_at + timedelta(hours=hours), status=status)
    db.session.add(session)
    return session


@pytest.fixture
def course(db, make_cohort, make_organisation):
    """A cohort of two groups and a plan of five modules: per-group, joint, per-group, a
    milestone without sessions and a second joint gathering."""
    cohort = make_cohort(start_date=START)
    programme = cohort.programme
    modules = [
        add_module(programme, 1, "Start", joint=False, offset_weeks=0, kind=ModuleKind.ASSESSMENT),
        add_module(programme, 2, "Fellessamling 1", joint=True, offset_weeks=8, days=2),
        add_module(programme, 3, "Gruppearbeid 1", joint=False, offset_weeks=13),
        add_module(programme, 4, "Delmål", joint=False, offset_weeks=16, kind=ModuleKind.MILESTONE),
        add_module(programme, 5, "Fellessamling 2", joint=True, offset_weeks=20),
    ]
    udir = join(cohort, make_organisation(name_nb="Utdanningsdirektoratet", short_name="Udir"), EnrolmentStatus.ACTIVE)
    bufdir = join(cohort, make_organisation(name_nb="Bufdir"), EnrolmentStatus.ACTIVE)
    db.session.flush()
    return {"cohort": cohort, "modules": modules, "udir": udir, "bufdir": bufdir}


def join(cohort, organisation, status):
    """A group in `cohort` that has got as far as `status` (set directly: the steps between are
    another feature's business)."""
    enrolment = enrol(cohort, organisation)
    enrolment.status = status
    return enrolment


def states(enrolment, today):
    return [m.state for m in group_progress(enrolment, today)]


def behind_plan(enrolment, today):
    """The modules the group is behind plan on, as the attention list reads them."""
    return [m for m in group_progress(enrolment, today) if m.behind]


# Reading progress


def test_sessions_decide_the_state_of_modules_that_have_them(db, course):
    cohort, (start, joint1, work1, _milestone, joint2), udir = (
        course["cohort"], course["modules"], course["udir"])
    add_session(db, cohort, start, START, HELD, udir)
    add_session(db, cohort, joint1, date(2016, 10, 31), HELD)
    add_session(db, cohort, joint1, date(2016, 11, 1), PLANNED)
    add_session(db, cohort, work1, date(2016, 12, 5), PLANNED, udir)
    add_session(db, cohort, joint2, date(2017, 1, 23), PLANNED)
    db.session.flush()

    assert states(udir, date(2016, 11, 1)) == [DONE, IN_PROGRESS, NOT_STARTED, NOT_STARTED, NOT_STARTED]
    # A planned session that has begun is under way even before anyone marks it held.
    assert states(udir, date(2016, 12, 5))[2] is IN_PROGRESS


def test_cancelled_sessions_do_not_count(db, course):
    cohort, modules, udir = course["cohort"], course["modules"], course["udir"]
    add_session(db, cohort, modules[2], date(2016, 12, 5), CANCELLED, udir)
    add_session(db, cohort, modules[2], date(2016, 12, 12), HELD, udir)
    add_session(db, cohort, modules[4], date(2017, 1, 23), CANCELLED)
    db.session.flush()

    progress = group_progress(udir, date(2017, 2, 1))

    assert progress[2].state is DONE and progress[2].from_sessions
    # Only cancelled sessions: as good as none, so the record (here: none) decides.
    assert progress[4].state is NOT_STARTED and not progress[4].from_sessions


def test_a_group_sees_only_its_own_group_sessions(db, course):
    cohort, modules, udir, bufdir = course["cohort"], course["modules"], course["udir"], course["bufdir"]
    add_session(db, cohort, modules[0], START, HELD, bufdir)
    db.session.flush()

    assert states(udir, date(2016, 9, 10))[0] is NOT_STARTED
    assert states(bufdir, date(2016, 9, 10))[0] is DONE


def test_a_module_without_sessions_follows_the_coordinators_record(db, course):
    milestone, udir = course["modules"][3], course["udir"]
    assert states(udir, date(2017, 1, 1))[3] is NOT_STARTED
    db.session.add(ModuleProgress(enrolment=udir, module=milestone, state=IN_PROGRESS))
    db.session.flush()

    item = group_progress(udir, date(2017, 1, 1))[3]

    assert item.state is IN_PROGRESS and not item.from_sessions and item.record is not None


def test_behind_plan_lists_modules_past_their_time_and_not_done(db, course):
    cohort, (start, joint1, work1, milestone, joint2), udir = (
        course["cohort"], course["modules"], course["udir"])
    add_session(db, cohort, start, START, HELD, udir)
    add_session(db, cohort, joint1, date(2016, 10, 31), PLANNED)  # over, but not marked held
    add_session(db, cohort, work1, date(2016, 12, 5), HELD, udir)
    add_session(db, cohort, joint2, date(2017, 1, 23), PLANNED)
    db.session.flush()
    # The milestone's planned day: start + 16 weeks is 26 December, a public holiday, so the
    # plan (like the schedule) places it on the next working day.
    assert START + timedelta(weeks=16) == date(2016, 12, 26)
    milestone_end = date(2016, 12, 27)

    assert [m.module for m in behind_plan(udir, milestone_end)] == [joint1]
    assert [m.module for m in behind_plan(udir, milestone_end + timedelta(days=1))] == [joint1, milestone]

    db.session.add(ModuleProgress(enrolment=udir, module=milestone, state=DONE))
    db.session.flush()
    assert [m.module for m in behind_plan(udir, milestone_end + timedelta(days=1))] == [joint1]


def test_a_two_day_module_planned_for_a_friday_ends_on_the_monday(db, make_cohort, make_organisation):
    """The plan's days are working days, as the schedule places sessions: a two-day module
    without sessions that starts on a Friday is not behind plan on the weekend or on Monday."""
    friday = date(2016, 9, 9)
    cohort = make_cohort(start_date=friday)
    module = add_module(cohort.programme, 1, "Oppstart", joint=False, offset_weeks=0,
                        kind=ModuleKind.MILESTONE, days=2)
    udir = join(cohort, make_organisation(name_nb="Utdanningsdirektoratet"), EnrolmentStatus.ACTIVE)
    db.session.flush()

    assert module.planned_days(friday) == [friday, date(2016, 9, 12)]
    assert group_progress(udir, date(2016, 9, 12))[0].ends_on == date(2016, 9, 12)
    assert behind_plan(udir, date(2016, 9, 11)) == []
    assert behind_plan(udir, date(2016, 9, 12)) == []
    assert [m.module for m in behind_plan(udir, date(2016, 9, 13))] == [module]


# The cohort's matrix


def test_the_cohort_matrix_and_what_is_done_for_the_cohort(db, course, make_organisation):
    cohort, (start, joint1, work1, milestone, _joint2) = course["cohort"], course["modules"]
    udir, bufdir = course["udir"], course["bufdir"]
    withdrawn = join(cohort, make_organisation(name_nb="Lånekassen"), EnrolmentStatus.WITHDRAWN)
    for group in (udir, bufdir):
        add_session(db, cohort, start, START, HELD, group)
        add_session(db, cohort, work1, date(2016, 12, 5), HELD if group is udir else PLANNED, group)
        db.session.add(ModuleProgress(enrolment=group, module=milestone, state=DONE))
    add_session(db, cohort, joint1, date(2016, 10, 31), HELD)
    db.session.flush()

    progress = cohort_progress(cohort, date(2017, 1, 2))

    assert [row.enrolment.organisation.name_nb for row in progress.groups] == [
        "Bufdir", "Lånekassen", "Utdanningsdirektoratet"]
    matrix = {row.enrolment.id: [m.state for m in row.modules] for row in progress.groups}
    assert matrix[udir.id] == [DONE, DONE, DONE, DONE, NOT_STARTED]
    assert matrix[bufdir.id] == [DONE, DONE, IN_PROGRESS, DONE, NOT_STARTED]
    # The withdrawn group has done nothing, and does not hold the cohort back.
    assert matrix[withdrawn.id][0] is NOT_STARTED
    assert (progress.modules_done, progress.module_count) == (3, 5)
    assert (progress.month, progress.course_length) == (4, 10)


def test_the_matrix_takes_the_same_few_queries_for_any_size(
    db, make_cohort, make_programme, make_organisation, count_queries
):
    from tracker.cohorts.models import Cohort

    def build(groups: int, modules: int) -> int:
        """A cohort in a programme of its own, every module held or recorded for every group."""
        programme = make_programme(name_nb=f"Program {groups}x{modules}",
                                   responsible_organisation=make_organisation())
        cohort = make_cohort(programme=programme, start_date=START)
        plan = [add_module(programme, n + 1, f"M{n}", joint=n % 3 == 1, offset_weeks=n * 3)
                for n in range(modules)]
        for _ in range(groups):
            group = join(cohort, make_organisation(), EnrolmentStatus.ACTIVE)
            for n, module in enumerate(plan):
                if module.is_joint:
                    continue
                if n % 2:
                    add_session(db, cohort, module, START + timedelta(weeks=3 * n), HELD, group)
                else:
                    db.session.add(ModuleProgress(enrolment=group, module=module, state=DONE))
        for n, module in enumerate(plan):
            if module.is_joint:
                add_session(db, cohort, module, START + timedelta(weeks=3 * n), HELD)
        db.session.commit()
        return cohort.id

    def queries_for(cohort_id):
        db.session.expire_all()
        cohort = db.session.get(Cohort, cohort_id)
        with count_queries() as counter:
            progress = cohort_progress(cohort, date(2017, 6, 1))
            [m.state for row in progress.groups for m in row.modules]
            [row.enrolment.organisation.name_nb for row in progress.groups]
        return counter["n"], progress

    small_count, small = queries_for(build(1, 1))
    big_count, big = queries_for(build(4, 10))

    assert (len(small.groups), small.module_count) == (1, 1)
    assert (len(big.groups), big.module_count, big.modules_done) == (4, 10, 10)
    assert big_count == small_count <= 8


# The partials


def test_the_matrix_partial_says_each_state_in_words(app, db, course, make_user):
    cohort, modules, udir = course["cohort"], course["modules"], course["udir"]
    add_session(db, cohort, modules[0], START, HELD, udir)
    db.session.commit()
    coordinator = make_user("coordinator")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        act_as(coordinator)
        html = render_template("progress/_cohort_matrix.html",
                               progress=cohort_progress(cohort, date(2016, 9, 20)))
    page = read(html)

    assert [h["scope"] for h in page.all("th") if h.get("scope") == "col"] == ["col"] * 5
    assert len(page.all("th", scope="row")) == 2
    assert "Month 1 of ~10 · 0 of 5 modules done" in page.text
    assert page.text.count("Done") == 1 and page.text.count("Not started") == 9
    # Coordinators get a link to record the milestone, which has no sessions.
    links = [a["href"] for a in page.all("a") if "/progress/" in a["href"]]
    assert f"/progress/groups/{udir.id}/modules/{modules[3].id}" in links
    assert f"/progress/groups/{udir.id}/modules/{modules[0].id}" not in links


def test_the_matrix_partial_shows_an_agency_leader_only_their_group(app, db, course, make_user):
    agency = make_user("agency", organisation=course["udir"].organisation)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        act_as(agency)
        html = render_template("progress/_cohort_matrix.html",
                               progress=cohort_progress(course["cohort"], date(2016, 9, 20), agency))
    page = read(html)

    assert len(page.all("th", scope="row")) == 1
    assert "Udir" in page.text
    assert "Bufdir" not in page.text
    assert not [a for a in page.all("a") if "/progress/" in a["href"]]


def test_the_group_bar_counts_modules_done(app, db, course, make_user):
    cohort, modules, udir = course["cohort"], course["modules"], course["udir"]
    add_session(db, cohort, modules[0], START, HELD, udir)
    add_session(db, cohort, modules[1], date(2016, 10, 31), HELD)
    db.session.commit()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        act_as(make_user("coordinator"))
        page = read(render_template("progress/_group_bar.html",
                                    group_progress=group_progress(udir, date(2016, 11, 7))))

    (bar,) = page.all("progress")
    assert (bar["max"], bar["value"]) == ("5", "2")
    assert "2 of 5 modules done" in page.text
    assert page.count("li") == 5


# Recording progress


@pytest.fixture
def coordinator(client, make_user):
    login_as(client, make_user("coordinator"))
    return client


def record_url(group, module):
    return f"/progress/groups/{group.id}/modules/{module.id}"


def saved(db, group, module):
    db.session.expire_all()
    return db.session.scalar(select(ModuleProgress).where(
        ModuleProgress.enrolment_id == group.id, ModuleProgress.module_id == module.id))


def record_count(db):
    return db.session.scalar(select(func.count(ModuleProgress.id)))


def test_a_coordinator_records_and_then_corrects_progress(coordinator, db, course):
    udir, milestone = course["udir"], course["modules"][3]
    db.session.commit()
    url = record_url(udir, milestone)

    page = read(coordinator.get(url, headers={"Accept-Language": "en"}).data)
    assert page.all("select", id="state") and page.all("textarea", id="note")

    response = coordinator.post(url, data={"state": "IN_PROGRESS", "note": "Halvveis",
                                           "version": "", "csrf_token": csrf_token(coordinator)})
    assert response.status_code == 302 and response.headers["Location"] == f"/groups/{udir.id}"
    record = saved(db, udir, milestone)
    assert (record.state, record.note, record.version) == (IN_PROGRESS, "Halvveis", 1)

    form = read(coordinator.get(url).data)
    assert form.all("input", id="version")[0]["value"] == "1"
    response = coordinator.post(url, data={"state": "DONE", "note": "Ferdig", "version": "1",
                                           "csrf_token": csrf_token(coordinator)})
    assert response.status_code == 302
    record = saved(db, udir, milestone)
    assert (record.state, record.note, record.version) == (DONE, "Ferdig", 2)


@pytest.mark.parametrize("data, field", [
    ({"state": ""}, "state"),
    ({"state": "FLYING"}, "state"),
    ({"state": "DONE", "note": "x" * 2001}, "note"),
])
def test_bad_input_is_refused_with_the_field_marked(coordinator, db, course, data, field):
    udir, milestone = course["udir"], course["modules"][3]
    db.session.commit()

    response = coordinator.post(record_url(udir, milestone),
                                data={**data, "version": "", "csrf_token": csrf_token(coordinator)})

    assert response.status_code == 400
    page = read(response.data)
    tag = "select" if field == "state" else "textarea"
    assert page.all(tag, id=field)[0].get("aria-invalid") == "true"
    if field == "note":
        assert "x" * 2001 in response.get_data(as_text=True)  # keeps what was typed
    assert record_count(db) == 0


def test_modules_and_groups_from_elsewhere_are_not_found(coordinator, db, course, make_cohort, make_programme, make_organisation):
    other_programme = make_programme(name_nb="Et annet program", responsible_organisation=make_organisation())
    foreign = add_module(other_programme, 1, "Fremmed", joint=False, offset_weeks=0)
    db.session.commit()
    udir = course["udir"]

    assert coordinator.get(record_url(udir, foreign)).status_code == 404
    assert coordinator.post(record_url(udir, foreign), data={
        "state": "DONE", "version": "", "csrf_token": csrf_token(coordinator)}).status_code == 404
    assert coordinator.get(f"/progress/groups/{udir.id}/modules/999999").status_code == 404
    assert coordinator.get(f"/progress/groups/999999/modules/{course['modules'][3].id}").status_code == 404
    assert record_count(db) == 0


def test_a_module_with_sessions_takes_its_progress_from_them(coordinator, db, course):
    cohort, (start, joint1, *_), udir = course["cohort"], course["modules"], course["udir"]
    add_session(db, cohort, start, START, PLANNED, udir)
    add_session(db, cohort, joint1, date(2016, 10, 31), PLANNED)
    db.session.commit()

    for module in (start, joint1):
        page = coordinator.get(record_url(udir, module), headers={"Accept-Language": "en"})
        assert page.status_code == 200
        assert "progress comes from them" in page.get_data(as_text=True)
        assert not read(page.data).all("select")
        response = coordinator.post(record_url(udir, module), data={
            "state": "DONE", "version": "", "csrf_token": csrf_token(coordinator)})
        assert response.status_code == 409
    assert record_count(db) == 0


def test_the_second_of_two_saves_from_the_same_version_is_a_conflict(app, coordinator, db, course, make_user):
    udir, milestone = course["udir"], course["modules"][3]
    db.session.add(ModuleProgress(enrolment=udir, module=milestone, state=IN_PROGRESS, note="Start"))
    db.session.commit()
    other = app.test_client()
    login_as(other, make_user("coordinator"))
    url = record_url(udir, milestone)
    for client in (coordinator, other):
        assert read(client.get(url).data).all("input", id="version")[0]["value"] == "1"

    first = coordinator.post(url, data={"state": "DONE", "note": "Ferdig", "version": "1",
                                        "csrf_token": csrf_token(coordinator)})
    second = other.post(url, data={"state": "NOT_STARTED", "note": "Ikke begynt", "version": "1",
                                   "csrf_token": csrf_token(other)}, headers={"Accept-Language": "en"})

    assert first.status_code == 302
    assert second.status_code == 409
    page = read(second.data)
    assert "Saved by someone else" in page.text and "Ferdig" in page.text and "Done" in page.text
    assert page.all("textarea", id="note") and "Ikke begynt" in second.get_data(as_text=True)
    assert page.all("input", id="version")[0]["value"] == "2"
    record = saved(db, udir, milestone)
    assert (record.state, record.note, record.version) == (DONE, "Ferdig", 2)


def test_a_record_made_while_the_form_was_open_is_a_conflict(app, coordinator, db, course, make_user):
    udir, milestone = course["udir"], course["modules"][3]
    db.session.commit()
    url = record_url(udir, milestone)
    db.session.add(ModuleProgress(enrolment=udir, module=milestone, state=DONE, note="Først"))
    db.session.commit()

    response = coordinator.post(url, data={"state": "IN_PROGRESS", "note": "", "version": "",
                                           "csrf_token": csrf_token(coordinator)})

    assert response.status_code == 409
    assert saved(db, udir, milestone).note == "Først"


def test_only_staff_may_record_progress(client, db, course, make_user):
    udir = course["udir"]
    db.session.commit()
    login_as(client, make_user("agency", organisation=udir.organisation))

    assert client.get(record_url(udir, course["modules"][3])).status_code == 403
