"""The coordinators' list of what needs attention: one test per kind of item, each making exactly
that situation in an otherwise healthy programme."""
from datetime import date, timedelta

import pytest
from flask import render_template

from tests.conftest import oslo
from tests.html import read
from tracker.attention.services import Kind, needs_attention
from tracker.extensions import db
from tracker.groups.models import EnrolmentStatus
from tracker.people.models import MemberRole, Membership, Person
from tracker.groups.services import enrol
from tracker.programmes.models import CourseModule, ModuleKind
from tracker.progress.models import ModuleProgress, ProgressState
from tracker.schedule.models import Attendance, AttendanceStatus, Session, SessionStatus

TODAY = date(2017, 3, 1)
RUNNING_START = date(2017, 1, 9)


@pytest.fixture
def app_context(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.fixture
def plan(make_programme):
    """A course plan: a start per group, a joint gathering, a milestone without sessions and a
    second gathering later."""
    programme = make_programme()

    def module(position, name, joint, offset, kind):
        m = CourseModule(programme=programme, position=position, name_nb=name, name_en=name, kind=kind,
                         is_joint=joint, offset_weeks=offset)
        db.session.add(m)
        return m

    modules = {
        "start": module(1, "Start", False, 0, ModuleKind.ASSESSMENT),
        "gathering": module(2, "Joint gathering 1", True, 4, ModuleKind.JOINT_GATHERING),
        "milestone": module(3, "Milestone", False, 5, ModuleKind.MILESTONE),
        "later": module(4, "Joint gathering 2", True, 12, ModuleKind.JOINT_GATHERING),
    }
    db.session.flush()
    return programme, modules


@pytest.fixture
def build(plan, make_cohort, make_organisation):
    """build(label, start, groups=4): a cohort where everything is as it should be on TODAY:
    active groups with a top leader, every held session attended by all, the milestone done."""
    programme, modules = plan
    counter = iter(range(1, 1000))

    def session(cohort, module, day, status, group=None):
        starts_at = oslo(day.year, day.month, day.day)
        s = Session(cohort=cohort, enrolment=group, module=module, starts_at=starts_at,
                    ends_at=starts_at + timedelta(hours=6), status=status)
        db.session.add(s)
        return s

    def make(label, start, groups=4, status=EnrolmentStatus.ACTIVE):
        cohort = make_cohort(programme=programme, label=label, start_date=start)
        started = start <= TODAY
        joint = [session(cohort, modules["gathering"], start + timedelta(weeks=4),
                         SessionStatus.HELD if start + timedelta(weeks=4) < TODAY else SessionStatus.PLANNED)]
        session(cohort, modules["later"], start + timedelta(weeks=12),
                SessionStatus.HELD if start + timedelta(weeks=12) < TODAY else SessionStatus.PLANNED)
        enrolments = []
        for _ in range(groups):
            n = next(counter)
            group = enrol(cohort, make_organisation(name_nb=f"Direktorat {n}"))
            group.status = status if started else EnrolmentStatus.CONFIRMED
            people = []
            for role in (MemberRole.TOP_LEADER, MemberRole.MEMBER, MemberRole.MEMBER, MemberRole.CONTACT):
                person = Person(name=f"Person {n}-{len(people)}", email=f"p{n}-{len(people)}@example.org")
                group.memberships.append(Membership(person=person, role=role, joined_on=start))
                people.append((person, role))
            own = session(cohort, modules["start"], start, SessionStatus.HELD if started else SessionStatus.PLANNED, group)
            for s in [own, *joint]:
                if s.status is SessionStatus.HELD:
                    for person, role in people:
                        if role is not MemberRole.CONTACT:
                            db.session.add(Attendance(person=person, session=s, status=AttendanceStatus.PRESENT))
            if started:
                db.session.add(ModuleProgress(enrolment=group, module=modules["milestone"], state=ProgressState.DONE))
            enrolments.append(group)
        db.session.commit()
        return cohort, enrolments

    make.modules = modules
    return make


def kinds(items):
    return sorted((item.kind, item.cohort_label, item.group_name) for item in items)


def test_a_healthy_programme_needs_nothing(app_context, build):
    build("Kull 3", RUNNING_START)
    build("Pilot", date(2015, 9, 1))  # long completed
    build("Kull 5", date(2017, 8, 28))  # planned, far off

    assert needs_attention(TODAY) == []


def test_a_group_behind_plan(app_context, build):
    cohort, groups = build("Kull 3", RUNNING_START)
    record = db.session.scalars(db.select(ModuleProgress).where(ModuleProgress.enrolment_id == groups[1].id)).one()
    record.state = ProgressState.IN_PROGRESS
    db.session.commit()

    (item,) = needs_attention(TODAY)

    assert (item.kind, item.cohort_label, item.group_name) == (Kind.BEHIND_PLAN, "Kull 3", groups[1].organisation.name_nb)
    assert "Milestone" in str(item.reason)
    assert item.url == f"/groups/{groups[1].id}"


def marks_of(group):
    return db.session.scalars(
        db.select(Attendance).join(Attendance.person).join(Person.memberships)
        .where(Membership.enrolment_id == group.id).order_by(Attendance.id)).all()


def hold_a_group_session(cohort, group, module, day, statuses):
    """A third held session for the group, with these marks for its three expected people
    (None: nothing recorded)."""
    starts_at = oslo(day.year, day.month, day.day)
    session = Session(cohort=cohort, enrolment=group, module=module, starts_at=starts_at,
                      ends_at=starts_at + timedelta(hours=6), status=SessionStatus.HELD)
    db.session.add(session)
    expected = [m.person for m in group.memberships if m.role is not MemberRole.CONTACT]
    for person, status in zip(expected, statuses, strict=True):
        if status is not None:
            db.session.add(Attendance(person=person, session=session, status=status))
    db.session.commit()


def test_attendance_below_three_quarters(app_context, build):
    cohort, groups = build("Kull 3", RUNNING_START)
    marks = marks_of(groups[2])
    assert len(marks) == 6  # three expected at two held sessions
    P, A = AttendanceStatus.PRESENT, AttendanceStatus.ABSENT
    hold_a_group_session(cohort, groups[2], build.modules["start"], date(2017, 2, 20), [P, P, A])
    marks[0].status = AttendanceStatus.EXCUSED  # 7 of 9: fine
    db.session.commit()
    assert needs_attention(TODAY) == []

    marks[1].status = AttendanceStatus.ABSENT  # 6 of 9: 67 % (rounded, not cut)
    db.session.commit()
    (item,) = needs_attention(TODAY)

    assert (item.kind, item.group_name) == (Kind.LOW_ATTENDANCE, groups[2].organisation.name_nb)
    reason = str(item.reason)
    assert "67%" in reason and "3 held sessions" in reason and "6 present of 9" in reason
    assert "excused" in reason
    assert item.url == f"/groups/{groups[2].id}"


def test_attendance_is_not_judged_before_three_sessions_are_held(app_context, build):
    """The same rule as the coordinators' mail: two held sessions are not yet a pattern (the
    list used to raise this group after two sessions, while no mail went out)."""
    cohort, groups = build("Kull 3", RUNNING_START)
    marks = marks_of(groups[2])
    for mark in marks[:3]:
        mark.status = AttendanceStatus.ABSENT  # 3 of 6: 50 %
    db.session.commit()

    assert needs_attention(TODAY) == []


def test_attendance_not_yet_recorded_is_not_absence(app_context, build):
    """A held session whose register is still empty counts for nobody (the list used to count
    it as everyone absent: 6 of 9, while the mail saw 6 of 6)."""
    cohort, groups = build("Kull 3", RUNNING_START)
    hold_a_group_session(cohort, groups[2], build.modules["start"], date(2017, 2, 20),
                         [None, None, None])

    assert needs_attention(TODAY) == []


def test_the_attendance_threshold_is_the_alerts_setting(app, app_context, build, monkeypatch):
    cohort, groups = build("Kull 3", RUNNING_START)
    A, P = AttendanceStatus.ABSENT, AttendanceStatus.PRESENT
    hold_a_group_session(cohort, groups[2], build.modules["start"], date(2017, 2, 20), [A, P, P])
    assert needs_attention(TODAY) == []  # 8 of 9

    monkeypatch.setitem(app.config, "ATTENDANCE_ALERT_THRESHOLD", 0.95)
    assert [item.kind for item in needs_attention(TODAY)] == [Kind.LOW_ATTENDANCE]


def test_a_group_without_a_current_top_leader(app_context, build):
    cohort, groups = build("Kull 3", RUNNING_START)
    leader = next(m for m in groups[0].memberships if m.role is MemberRole.TOP_LEADER)
    leader.left_on = date(2017, 2, 15)
    # A withdrawn group without one is no one's worry.
    gone = next(m for m in groups[3].memberships if m.role is MemberRole.TOP_LEADER)
    gone.left_on = date(2017, 2, 15)
    groups[3].status = EnrolmentStatus.WITHDRAWN
    db.session.commit()

    (item,) = needs_attention(TODAY)

    assert (item.kind, item.group_name) == (Kind.NO_TOP_LEADER, groups[0].organisation.name_nb)
    assert item.url == f"/groups/{groups[0].id}"


def test_a_cohort_short_of_groups_four_weeks_before_its_start(app_context, build):
    soon, groups = build("Kull 4", TODAY + timedelta(days=28), groups=4)
    groups[0].status = EnrolmentStatus.WITHDRAWN
    build("Kull 5", TODAY + timedelta(days=29), groups=2)  # short too, but not yet close
    db.session.commit()

    (item,) = needs_attention(TODAY)

    assert (item.kind, item.cohort_label, item.group_name) == (Kind.BELOW_CAPACITY, "Kull 4", None)
    assert "28 days" in str(item.reason) and "3 of 4" in str(item.reason)
    assert item.url == f"/cohorts/{soon.id}"


def test_sessions_in_the_past_still_planned_even_in_a_completed_cohort(app_context, build):
    pilot, groups = build("Pilot", date(2015, 9, 1))
    sessions = db.session.scalars(db.select(Session).where(Session.cohort_id == pilot.id).order_by(Session.id)).all()
    for session in sessions[:2]:
        session.status = SessionStatus.PLANNED
    # A completed cohort raises nothing else, however it ended.
    for group in groups:
        for membership in group.memberships:
            membership.left_on = date(2016, 1, 1)
    db.session.commit()

    (item,) = needs_attention(TODAY)

    assert (item.kind, item.cohort_label) == (Kind.PAST_SESSIONS_PLANNED, "Pilot")
    assert str(item.reason).startswith("2 sessions in the past are still marked as planned")
    assert item.url == f"/cohorts/{pilot.id}"


def test_a_group_still_invited_after_the_start(app_context, build):
    cohort, groups = build("Kull 3", RUNNING_START)
    groups[2].status = EnrolmentStatus.INVITED
    db.session.commit()

    (item,) = needs_attention(TODAY)

    assert (item.kind, item.group_name) == (Kind.STILL_INVITED, groups[2].organisation.name_nb)
    assert item.url == f"/groups/{groups[2].id}"
    # On the first day it is already late.
    assert kinds(needs_attention(RUNNING_START)) == kinds([item])


def test_the_list_takes_the_same_queries_however_much_there_is(app_context, build, count_queries):
    build("Kull 3", RUNNING_START)

    def count():
        db.session.expire_all()
        with count_queries() as counter:
            items = needs_attention(TODAY)
            [(item.url, str(item.reason)) for item in items]
        return counter["n"]

    small = count()
    for n, start in enumerate((date(2016, 10, 10), date(2016, 11, 7), TODAY + timedelta(days=10))):
        cohort, groups = build(f"Kull {10 + n}", start)
        groups[0].status = EnrolmentStatus.INVITED
        db.session.commit()
    assert needs_attention(TODAY)
    assert count() == small <= 12


def test_the_partial_lists_each_reason_with_a_link(app_context, build):
    cohort, groups = build("Kull 3", RUNNING_START)
    groups[0].status = EnrolmentStatus.INVITED
    db.session.commit()

    page = read(render_template("attention/_list.html", attention=needs_attention(TODAY)))

    assert page.count("li") == 1
    assert f"/groups/{groups[0].id}" in [a["href"] for a in page.all("a")]
    assert "Still only invited" in page.text and "Urgent" in page.text
    assert "Nothing needs attention" in read(render_template("attention/_list.html", attention=[])).text
