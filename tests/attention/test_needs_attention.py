"""The coordinators' list of what needs attention: one test per kind of item, each making exactly
that situation in an otherwise healthy programme."""
from datetime import date, timedelta

import pytest
from flask import render_template, url_for
from flask_babel import format_date
from sqlalchemy import event

from tests.conftest import oslo
from tests.html import read
from tracker.cohorts.models import CohortStatus
from tracker.attention.services import AttentionList, Kind, Urgency, needs_attention
from tracker.extensions import db
from tracker.groups.models import EnrolmentStatus
from tracker.people.models import MemberRole, Membership, Person
from tracker.groups.services import enrol
from tracker.programmes.models import CourseModule, ModuleKind
from tracker.progress.models import ModuleProgress, ProgressState
from tracker.schedule.models import Attendance, AttendanceStatus, Session, SessionStatus
from tracker.schedule.sessions import replacement_for

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
        finished = cohort.status(TODAY) is CohortStatus.COMPLETED
        joint = [session(cohort, modules["gathering"], start + timedelta(weeks=4),
                         SessionStatus.HELD if start + timedelta(weeks=4) < TODAY else SessionStatus.PLANNED)]
        later = [session(cohort, modules["later"], start + timedelta(weeks=12),
                         SessionStatus.HELD if start + timedelta(weeks=12) < TODAY else SessionStatus.PLANNED)]
        enrolments = []
        for _ in range(groups):
            n = next(counter)
            group = enrol(cohort, make_organisation(name_nb=f"Direktorat {n}"))
            group.status = status if started else EnrolmentStatus.CONFIRMED
            if finished and status is EnrolmentStatus.ACTIVE:
                group.status = EnrolmentStatus.COMPLETED  # final results in, as they should be
            people = []
            for role in (MemberRole.TOP_LEADER, MemberRole.MEMBER, MemberRole.MEMBER, MemberRole.CONTACT):
                person = Person(name=f"Person {n}-{len(people)}", email=f"p{n}-{len(people)}@example.org")
                group.memberships.append(Membership(person=person, role=role, joined_on=start))
                people.append((person, role))
            own = session(cohort, modules["start"], start, SessionStatus.HELD if started else SessionStatus.PLANNED, group)
            for s in [own, *joint, *later]:
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


@pytest.fixture
def on(frozen_clock):
    """on(day): what needs attention with the clock pinned at `day`, as the front page asks."""
    from tracker import clock

    def look(day=TODAY):
        frozen_clock(day)
        return needs_attention(clock.today())

    return look


def kinds(items):
    return sorted((item.kind, item.cohort_label, item.group_name) for item in items)


def only(items, kind):
    return [item for item in items if item.kind is kind]


def test_a_healthy_programme_needs_nothing(app_context, build, on):
    build("Kull 3", RUNNING_START)
    build("Pilot", date(2015, 9, 1))  # long completed
    build("Kull 5", date(2017, 8, 28))  # planned, far off

    assert on(TODAY) == []


def test_a_group_behind_plan(app_context, build, on):
    cohort, groups = build("Kull 3", RUNNING_START)
    record = db.session.scalars(db.select(ModuleProgress).where(ModuleProgress.enrolment_id == groups[1].id)).one()
    record.state = ProgressState.IN_PROGRESS
    db.session.commit()

    (item,) = on(TODAY)

    assert (item.kind, item.cohort_label, item.group_name) == (Kind.BEHIND_PLAN, "Kull 3", groups[1].organisation.name_nb)
    assert "Milestone" in str(item.reason) and item.urgency is Urgency.SOON
    assert item.url == f"/groups/{groups[1].id}"


# Low attendance: the reminders' rule


def marks_of(group):
    return db.session.scalars(
        db.select(Attendance).join(Attendance.person).join(Person.memberships)
        .where(Membership.enrolment_id == group.id).order_by(Attendance.id)).all()


def hold_a_group_session(cohort, group, module, day, statuses):
    """Another held session for the group, with these marks for its three expected people
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
    return session


P, A, E = AttendanceStatus.PRESENT, AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED


def test_attendance_below_three_quarters(app_context, build, on):
    cohort, groups = build("Kull 3", RUNNING_START)
    marks = marks_of(groups[2])
    assert len(marks) == 6  # three expected at two held sessions
    hold_a_group_session(cohort, groups[2], build.modules["start"], date(2017, 2, 20), [P, P, A])
    marks[0].status = E  # 7 of 9: fine
    db.session.commit()
    assert on(TODAY) == []

    marks[1].status = A  # 6 of 9: 66.7 %, shown rounded as 67 %
    db.session.commit()
    (item,) = on(TODAY)

    assert (item.kind, item.group_name) == (Kind.LOW_ATTENDANCE, groups[2].organisation.name_nb)
    reason = str(item.reason)
    assert "67%" in reason and "3 held sessions" in reason and "6 present of 9" in reason
    assert "excused" in reason
    assert item.url == f"/groups/{groups[2].id}"
    # The group's next session (the second gathering, 3 April) is five weeks off.
    assert item.urgency is Urgency.SOON and item.due == date(2017, 4, 3)
    # Two weeks before it, a word with the leader is urgent.
    (item,) = on(date(2017, 3, 20))
    assert item.urgency is Urgency.URGENT


def test_attendance_is_not_judged_before_three_sessions_are_held(app_context, build, on):
    """The same rule as the coordinators' mail: two held sessions are not yet a pattern."""
    cohort, groups = build("Kull 3", RUNNING_START)
    for mark in marks_of(groups[2])[:3]:
        mark.status = A  # 3 of 6: 50 %
    db.session.commit()

    assert on(TODAY) == []


def test_attendance_not_yet_recorded_is_not_absence(app_context, build, on):
    """A held session whose register is still empty counts for nobody's attendance; it is an
    item of its own, the register to fill in."""
    cohort, groups = build("Kull 3", RUNNING_START)
    session = hold_a_group_session(cohort, groups[2], build.modules["start"], date(2017, 2, 20),
                                   [None, None, None])

    (item,) = on(TODAY)
    assert item.kind is Kind.ATTENDANCE_NOT_RECORDED
    assert item.url == f"/schedule/sessions/{session.id}/attendance"


def test_the_attendance_threshold_is_the_alerts_setting(app, app_context, build, on, monkeypatch):
    cohort, groups = build("Kull 3", RUNNING_START)
    hold_a_group_session(cohort, groups[2], build.modules["start"], date(2017, 2, 20), [A, P, P])
    assert on(TODAY) == []  # 8 of 9

    monkeypatch.setitem(app.config, "ATTENDANCE_ALERT_THRESHOLD", 0.95)
    assert [item.kind for item in on(TODAY)] == [Kind.LOW_ATTENDANCE]


def test_the_list_and_the_reminders_alerts_judge_attendance_alike(app, app_context, build, on, monkeypatch):
    """One rule: where each of the group's people is low by the alerts' reckoning, so is the
    group on the list, and neither is below a threshold that both take from the setting."""
    from tracker.reminders.services import new_alerts
    from tracker.schedule.attendance import attendance_threshold

    cohort, groups = build("Kull 3", RUNNING_START)
    session = hold_a_group_session(cohort, groups[2], build.modules["start"], date(2017, 2, 20), [A, A, A])
    del session  # each of the three: present at 2 of 3

    def alerted():
        return {a.enrolment.id for a in new_alerts(TODAY, attendance_threshold())
                if a.kind.name == "BELOW_THRESHOLD"}

    listed = {item.url_values["enrolment_id"] for item in on(TODAY) if item.kind is Kind.LOW_ATTENDANCE}
    assert listed == alerted() == {groups[2].id}
    monkeypatch.setitem(app.config, "ATTENDANCE_ALERT_THRESHOLD", 0.6)
    assert not only(on(TODAY), Kind.LOW_ATTENDANCE) and not alerted()


def test_attendance_counted_in_sql_is_the_groups_tally(app_context, build, frozen_clock):
    """The list counts each group's attendance in SQL (`attendance_tallies`) as the plain
    count, session by session, does from the registers (`group_attendance`): members who joined late count from the day
    they joined, those who left until the day they left, marks of people not expected then
    do not count, and an absence with a notice given beforehand is excused in advance."""
    from tests.schedule.reference_attendance import group_attendance
    from tracker.schedule.attendance import attendance_tallies
    from tracker.schedule.models import AbsenceNotice, NoticeGiver

    cohort, groups = build("Kull 3", RUNNING_START)
    own = {g.id: s for s in db.session.scalars(db.select(Session).where(
        Session.cohort_id == cohort.id, Session.enrolment_id.is_not(None))) for g in groups
        if s.enrolment_id == g.id}
    joint = db.session.scalars(db.select(Session).where(
        Session.cohort_id == cohort.id, Session.enrolment_id.is_(None),
        Session.status == SessionStatus.HELD)).one()
    # Joined between the group's own session and the gathering, absent at the gathering.
    late = Person(name="Late", email="late@example.org")
    groups[0].memberships.append(Membership(person=late, role=MemberRole.MEMBER,
                                            joined_on=date(2017, 1, 20)))
    db.session.add(Attendance(person=late, session=joint, status=A))
    # Left before the gathering: the mark there (present) is no longer theirs to count.
    leaver = next(m for m in groups[1].memberships if m.role is MemberRole.MEMBER)
    leaver.left_on = date(2017, 1, 31)
    # Absent twice, once with notice given beforehand.
    marks = marks_of(groups[2])
    marks[0].status = marks[1].status = E
    db.session.add(AbsenceNotice(session_id=marks[0].session_id, person_id=marks[0].person_id,
                                 given_as=next(iter(NoticeGiver)), given_at=oslo(2017, 1, 2)))
    # Joined after every held session, with a mark at the group's own (a register put right
    # later): not expected there.
    after = Person(name="After", email="after@example.org")
    groups[3].memberships.append(Membership(person=after, role=MemberRole.TOP_LEADER,
                                            joined_on=date(2017, 2, 20)))
    db.session.add(Attendance(person=after, session=own[groups[3].id], status=A))
    db.session.commit()
    frozen_clock(TODAY)

    tallies = attendance_tallies([g.id for g in groups])

    sessions = db.session.scalars(db.select(Session).where(Session.cohort_id == cohort.id)).all()
    recorded = {(a.session_id, a.person_id): a.status for a in db.session.scalars(
        db.select(Attendance).join(Attendance.session).where(Session.cohort_id == cohort.id))}
    notices = {(n.session_id, n.person_id) for n in db.session.scalars(db.select(AbsenceNotice))}
    expected = {g.id: group_attendance(g, sessions, g.memberships, recorded, notices)
                for g in groups}
    assert tallies == expected
    assert expected[groups[0].id].absent == 1 and expected[groups[3].id].absent == 0
    assert expected[groups[2].id].excused_in_advance == 1


# The top leader


def remove_top_leader(group):
    leader = next(m for m in group.memberships if m.role is MemberRole.TOP_LEADER)
    db.session.delete(leader)
    db.session.commit()


def test_a_group_without_a_current_top_leader(app_context, build, on):
    cohort, groups = build("Kull 3", RUNNING_START)
    leader = next(m for m in groups[0].memberships if m.role is MemberRole.TOP_LEADER)
    leader.left_on = date(2017, 2, 15)
    # A withdrawn group without one is no one's worry.
    gone = next(m for m in groups[3].memberships if m.role is MemberRole.TOP_LEADER)
    gone.left_on = date(2017, 2, 15)
    groups[3].status = EnrolmentStatus.WITHDRAWN
    db.session.commit()

    (item,) = on(TODAY)

    assert (item.kind, item.group_name) == (Kind.NO_TOP_LEADER, groups[0].organisation.name_nb)
    assert item.urgency is Urgency.URGENT
    assert item.url == f"/people/groups/{groups[0].id}/members/new"


@pytest.mark.parametrize("days, expected", [
    (270, Urgency.LATER),  # nine months ahead: planning, not an emergency
    (29, Urgency.LATER),
    (28, Urgency.URGENT),
    (3, Urgency.URGENT),
])
def test_no_top_leader_is_urgent_only_near_the_start(app_context, build, on, days, expected):
    cohort, groups = build("Kull 6", TODAY + timedelta(days=days))
    remove_top_leader(groups[1])

    (item,) = only(on(TODAY), Kind.NO_TOP_LEADER)

    assert item.urgency is expected and item.due == cohort.start_date
    assert format_date(cohort.start_date) in str(item.reason)


# Invitations and places before the start

# Days before the start, and the urgency then: nothing beyond six weeks, soon within them,
# urgent within two.
BEFORE_THE_START = [(43, None), (42, Urgency.SOON), (15, Urgency.SOON), (14, Urgency.URGENT),
                    (1, Urgency.URGENT)]


def the_only_item(items, expected):
    """The one item, of the expected urgency; None when none is expected (and none is there)."""
    if expected is None:
        assert items == []
        return None
    (item,) = items
    assert item.urgency is expected
    return item


@pytest.mark.parametrize("days, expected", BEFORE_THE_START)
def test_an_unanswered_invitation_close_to_the_start(app_context, build, on, days, expected):
    cohort, groups = build("Kull 6", TODAY + timedelta(days=days))
    groups[2].status = EnrolmentStatus.INVITED
    db.session.commit()

    if not (item := the_only_item(on(TODAY), expected)):
        return
    assert (item.kind, item.group_name) == (Kind.STILL_INVITED, groups[2].organisation.name_nb)
    assert f"starts in {days} day" in str(item.reason)
    assert item.url == f"/groups/{groups[2].id}/status"


def test_a_group_still_invited_after_the_start(app_context, build, on):
    cohort, groups = build("Kull 3", RUNNING_START)
    groups[2].status = EnrolmentStatus.INVITED
    db.session.commit()

    (item,) = on(TODAY)

    assert (item.kind, item.group_name) == (Kind.STILL_INVITED, groups[2].organisation.name_nb)
    assert item.urgency is Urgency.URGENT and "Still only invited" in str(item.reason)
    assert item.url == f"/groups/{groups[2].id}/status"
    # On the first day it is already late.
    assert kinds(on(RUNNING_START)) == kinds([item])


# Free places show from about three months ahead: later, then soon, then urgent.
FREE_PLACES_BEFORE_THE_START = [(93, None), (92, Urgency.LATER), (43, Urgency.LATER),
                                *BEFORE_THE_START[1:]]


@pytest.mark.parametrize("days, expected", FREE_PLACES_BEFORE_THE_START)
def test_free_places_close_to_the_start(app_context, build, on, days, expected):
    soon, groups = build("Kull 4", TODAY + timedelta(days=days), groups=3)
    build("Kull 5", TODAY + timedelta(days=100), groups=1)  # one of four, but too far ahead
    db.session.commit()

    if not (item := the_only_item(on(TODAY), expected)):
        return
    assert (item.kind, item.cohort_label, item.group_name) == (Kind.FREE_PLACES, "Kull 4", None)
    assert f"{days} day" in str(item.reason) and "3 of 4" in str(item.reason)
    assert item.url == f"/groups/cohorts/{soon.id}/new"


def test_a_cohort_with_one_of_four_places_filled(app_context, build, on):
    cohort, groups = build("Kull 5", TODAY + timedelta(days=40), groups=1)
    (item,) = on(TODAY)
    assert item.kind is Kind.FREE_PLACES and "1 of 4 places" in str(item.reason)


# Sessions: attendance, cancellations, withdrawn groups


def test_a_past_session_still_planned_needs_its_register(app_context, build, on):
    cohort, groups = build("Kull 3", RUNNING_START)
    module = build.modules["start"]
    starts_at = oslo(2017, 2, 27)
    session = Session(cohort=cohort, enrolment=groups[1], module=module, starts_at=starts_at,
                      ends_at=starts_at + timedelta(hours=6), status=SessionStatus.PLANNED)
    db.session.add(session)
    db.session.commit()

    # (Its module is not done by the plan's reckoning either: another item.)
    (item,) = only(on(TODAY), Kind.ATTENDANCE_NOT_RECORDED)
    assert (item.kind, item.group_name) == (Kind.ATTENDANCE_NOT_RECORDED, groups[1].organisation.name_nb)
    assert item.url == f"/schedule/sessions/{session.id}/attendance"
    assert "still marked as planned" in str(item.reason) and "27 Feb 2017" in str(item.reason)
    # Fresh for two weeks after the session, overdue after that.
    assert item.urgency is Urgency.SOON
    (item,) = only(on(date(2017, 3, 14)), Kind.ATTENDANCE_NOT_RECORDED)
    assert item.urgency is Urgency.URGENT


def test_a_held_session_with_an_empty_register(app_context, build, on):
    cohort, groups = build("Kull 3", RUNNING_START)
    joint = db.session.scalars(db.select(Session).where(
        Session.cohort_id == cohort.id, Session.enrolment_id.is_(None),
        Session.status == SessionStatus.HELD)).first()
    for mark in db.session.scalars(db.select(Attendance).where(Attendance.session_id == joint.id)):
        db.session.delete(mark)
    db.session.commit()

    (item,) = on(TODAY)
    assert (item.kind, item.group_name) == (Kind.ATTENDANCE_NOT_RECORDED, None)
    assert "was held, but no attendance is recorded" in str(item.reason)
    assert item.urgency is Urgency.URGENT  # 6 February: over three weeks ago


def test_a_held_session_nobody_was_expected_at_has_no_register_to_fill_in(app_context, build, on):
    cohort, groups = build("Kull 3", RUNNING_START)
    for membership in list(groups[1].memberships):
        if membership.role is not MemberRole.CONTACT:
            db.session.delete(membership)
    db.session.commit()
    hold_a_group_session(cohort, groups[1], build.modules["start"], date(2017, 2, 20), [])

    assert only(on(TODAY), Kind.ATTENDANCE_NOT_RECORDED) == []


def test_sessions_in_the_past_still_planned_even_in_a_completed_cohort(app_context, build, on):
    pilot, groups = build("Pilot", date(2015, 9, 1))
    sessions = db.session.scalars(db.select(Session).where(Session.cohort_id == pilot.id).order_by(Session.id)).all()
    for session in sessions[:2]:
        session.status = SessionStatus.PLANNED
        for mark in session.attendances:
            db.session.delete(mark)
    # A completed cohort raises nothing else, however it ended.
    for group in groups:
        for membership in group.memberships:
            membership.left_on = date(2016, 1, 1)
    db.session.commit()

    items = on(TODAY)

    assert [(i.kind, i.cohort_label, i.urgency) for i in items] == [
        (Kind.ATTENDANCE_NOT_RECORDED, "Pilot", Urgency.LATER)] * 2
    assert {i.url for i in items} == {f"/schedule/sessions/{s.id}/attendance" for s in sessions[:2]}


def cancel(session):
    session.status = SessionStatus.CANCELLED
    session.cancellation_reason = "Avlyst i testen."
    db.session.commit()


def test_a_cancelled_session_without_a_replacement(app_context, build, on, make_session):
    cohort, groups = build("Kull 3", RUNNING_START)
    gathering = db.session.scalars(db.select(Session).where(
        Session.cohort_id == cohort.id, Session.module_id == build.modules["later"].id)).one()
    cancel(gathering)  # 3 April

    (item,) = on(TODAY)
    assert (item.kind, item.cohort_label, item.group_name) == (Kind.CANCELLED_NOT_REPLACED, "Kull 3", None)
    assert "Joint gathering 2 on 3 Apr 2017 is cancelled" in str(item.reason)
    assert item.urgency is Urgency.SOON
    # "Plan a new date" opens the new-session form filled in, as the cohort page's "Plan a
    # replacement" does: module, (no) group, the first free working day a week on, same times.
    assert item.url == (f"/schedule/cohorts/{cohort.id}/sessions/new?module={build.modules['later'].id}"
                        "&group=&start_date=2017-04-18&start_time=09:00&end_time=15:00")  # after Easter
    assert item.url == url_for("schedule.create", cohort_id=cohort.id,
                               **replacement_for(gathering, TODAY).as_args())
    assert on(date(2017, 3, 25))[0].urgency is Urgency.URGENT

    # A new date for it, later: replaced.
    make_session(cohort, build.modules["later"], starts_at=oslo(2017, 4, 24))
    db.session.commit()
    assert on(TODAY) == []


def test_a_group_session_is_replaced_only_by_one_for_the_same_group(app_context, build, on, make_session):
    cohort, groups = build("Kull 6", date(2017, 3, 20))
    own = db.session.scalars(db.select(Session).where(Session.enrolment_id == groups[0].id)).one()
    cancel(own)
    make_session(cohort, build.modules["start"], groups[1], starts_at=oslo(2017, 3, 27))
    # An earlier session of the module is no replacement either.
    make_session(cohort, build.modules["start"], groups[0], starts_at=oslo(2017, 3, 13),
                 status=SessionStatus.CANCELLED)
    db.session.commit()

    items = only(on(TODAY), Kind.CANCELLED_NOT_REPLACED)
    assert [(i.group_name, i.due) for i in items] == [
        (groups[0].organisation.name_nb, date(2017, 3, 13)),
        (groups[0].organisation.name_nb, date(2017, 3, 20)),
    ]
    make_session(cohort, build.modules["start"], groups[0], starts_at=oslo(2017, 3, 28))
    db.session.commit()
    assert only(on(TODAY), Kind.CANCELLED_NOT_REPLACED) == []


def test_a_withdrawn_groups_sessions_still_planned(app_context, build, on, make_session):
    cohort, groups = build("Kull 6", date(2017, 3, 20))
    make_session(cohort, build.modules["milestone"], groups[3], starts_at=oslo(2017, 5, 2))
    groups[3].status = EnrolmentStatus.WITHDRAWN
    db.session.commit()

    # (A place is free too: another item.)
    (item,) = only(on(TODAY), Kind.WITHDRAWN_GROUP_SESSIONS)
    assert (item.kind, item.group_name) == (Kind.WITHDRAWN_GROUP_SESSIONS, groups[3].organisation.name_nb)
    assert str(item.reason).startswith("The group has withdrawn, but 2 sessions of its own are still planned, "
                                       "the first on 20 Mar 2017")
    assert item.urgency is Urgency.SOON and item.url == f"/groups/{groups[3].id}"
    assert only(on(date(2017, 3, 6)), Kind.WITHDRAWN_GROUP_SESSIONS)[0].urgency is Urgency.URGENT
    # Once past, the first is not also an unrecorded register: it belongs to this item.
    assert groups[3].organisation.name_nb not in {
        i.group_name for i in only(on(date(2017, 4, 3)), Kind.ATTENDANCE_NOT_RECORDED)}
    # Cancelled, they need nothing, not even a replacement.
    for session in db.session.scalars(db.select(Session).where(Session.enrolment_id == groups[3].id)):
        session.status = SessionStatus.CANCELLED
    db.session.commit()
    assert [item.kind for item in on(TODAY)] == [Kind.FREE_PLACES]


# The list as a whole


def test_urgent_first_then_soon_then_later_each_by_date(app_context, build, on):
    far, far_groups = build("Kull 8", TODAY + timedelta(days=200))
    remove_top_leader(far_groups[0])  # later
    near, near_groups = build("Kull 6", TODAY + timedelta(days=30))
    near_groups[1].status = EnrolmentStatus.INVITED  # soon
    nearer, nearer_groups = build("Kull 7", TODAY + timedelta(days=10), groups=3)  # urgent: free place
    running, running_groups = build("Kull 3", RUNNING_START)
    running_groups[2].status = EnrolmentStatus.INVITED  # urgent, started
    db.session.commit()

    items = on(TODAY)

    assert [(i.urgency, i.kind, i.cohort_label) for i in items] == [
        (Urgency.URGENT, Kind.STILL_INVITED, "Kull 3"),
        (Urgency.URGENT, Kind.FREE_PLACES, "Kull 7"),
        (Urgency.SOON, Kind.STILL_INVITED, "Kull 6"),
        (Urgency.LATER, Kind.NO_TOP_LEADER, "Kull 8"),
    ]


def test_the_list_takes_the_same_queries_however_much_there_is(app_context, build, count_queries, make_session):
    build("Kull 3", RUNNING_START)

    def troubled(n, start):
        """A cohort with one of each kind of item but low attendance, in a few queries."""
        cohort, groups = build(f"Kull {10 + n}", start)
        groups[0].status = EnrolmentStatus.INVITED
        groups[1].status = EnrolmentStatus.WITHDRAWN
        make_session(cohort, build.modules["milestone"], groups[1], starts_at=oslo(2017, 5, 2))
        remove_top_leader(groups[2])
        for session in db.session.scalars(db.select(Session).where(Session.cohort_id == cohort.id)):
            if session.enrolment_id == groups[3].id:
                session.status = SessionStatus.CANCELLED
            elif session.enrolment_id is None and session.status is SessionStatus.HELD:
                session.status = SessionStatus.PLANNED
            elif session.enrolment_id == groups[2].id:
                for mark in session.attendances:  # held, if started, with an empty register
                    db.session.delete(mark)
        db.session.commit()

    def count():
        db.session.expire_all()
        with count_queries() as counter:
            items = needs_attention(TODAY)
            [(item.url, str(item.reason), str(item.action)) for item in items]
        return counter["n"], items

    def unfinished(label):
        """A finished cohort with its groups still active: not marked completed."""
        cohort, groups = build(label, date(2015, 9, 1))
        for group in groups:
            group.status = EnrolmentStatus.ACTIVE
        db.session.commit()

    troubled(0, date(2016, 10, 10))
    troubled(1, TODAY + timedelta(days=10))
    unfinished("Pilot")
    few, items = count()
    assert {item.kind for item in items} >= set(Kind) - {Kind.LOW_ATTENDANCE}
    for n, start in enumerate((date(2016, 11, 7), TODAY + timedelta(days=20), date(2016, 12, 5)), start=2):
        troubled(n, start)
    unfinished("Kull 0")
    many, more = count()
    assert len(more) > len(items) + 10
    assert many == few <= 8


def test_the_partial_lists_each_reason_with_a_link_where_to_act(app_context, build, on):
    cohort, groups = build("Kull 3", RUNNING_START)
    groups[0].status = EnrolmentStatus.INVITED
    far, far_groups = build("Kull 8", TODAY + timedelta(days=200))
    remove_top_leader(far_groups[0])
    db.session.commit()

    page = read(render_template("attention/_list.html", attention=AttentionList.of(on(TODAY))))

    assert page.count("li") == 2
    hrefs = [a["href"] for a in page.all("a")]
    assert f"/groups/{groups[0].id}/status" in hrefs
    assert f"/people/groups/{far_groups[0].id}/members/new" in hrefs
    assert "Still only invited" in page.text and "Urgent" in page.text and "Change status" in page.text
    # What is for later is folded away, and says how much there is.
    (details,) = page.all("details")
    assert "Show 1 item for later" in page.text
    assert "Nothing needs attention" in read(render_template(
        "attention/_list.html", attention=AttentionList.of([]))).text


def test_the_list_shows_the_nearest_few_of_each_kind_and_how_many_there_are(
        app_context, build, on, make_programme):
    """Seven groups without a top leader and one unanswered invitation: the page shows the
    invitation and the five nearest of the seven, says so, and names each item's programme
    when the reader sees several (cohort labels repeat from one programme to the next)."""
    near, near_groups = build("Kull 6", TODAY + timedelta(days=20), groups=4)
    far, far_groups = build("Kull 7", TODAY + timedelta(days=60), groups=4)
    near_groups[3].status = EnrolmentStatus.INVITED
    for group in near_groups[:3] + far_groups:
        remove_top_leader(group)
    db.session.commit()
    items = on(TODAY)
    assert len(only(items, Kind.NO_TOP_LEADER)) == 7

    shown = AttentionList.of(items, per_kind=5)
    assert [i.kind for i in shown.items].count(Kind.NO_TOP_LEADER) == 5
    assert [i.kind for i in shown.items].count(Kind.STILL_INVITED) == 1
    assert [i.cohort_label for i in only(shown.items, Kind.NO_TOP_LEADER)] == ["Kull 6"] * 3 + ["Kull 7"] * 2
    assert shown.cut == [(Kind.NO_TOP_LEADER, 5, 7)]
    page = read(render_template("attention/_list.html", attention=shown))
    assert "No top leader: showing the nearest 5 of 7." in page.text
    assert len([a for a in page.all("a") if a["href"].endswith("/members/new")]) == 5
    programme = near.programme.name_en  # the page is in English
    assert f"{programme} · Kull 6" not in page.text

    named = read(render_template("attention/_list.html", attention=AttentionList.of(
        items, per_kind=5, name_programmes=True)))
    assert f"{programme} · Kull 6 · {near_groups[0].organisation.name_nb}" in named.text


def test_the_front_page_shows_coordinators_the_list(client, app, build, staff, frozen_clock):
    cohort, groups = build("Kull 6", TODAY + timedelta(days=10))
    groups[0].status = EnrolmentStatus.INVITED
    db.session.commit()
    frozen_clock(TODAY)

    page = read(client.get("/", headers={"Accept-Language": "en"}).data)

    assert "Needs attention" in page.text
    assert "The invitation is not answered, and the cohort starts in 10 days" in page.text
    assert page.all("a", href=f"/groups/{groups[0].id}/status")


# Invitations unanswered for weeks, finished cohorts not marked completed


@pytest.mark.parametrize("days, expected", [(200, Urgency.LATER), (43, Urgency.LATER)])
def test_an_invitation_unanswered_for_over_four_weeks_whatever_the_start(
        app_context, build, on, days, expected):
    """The review's case: an invitation unanswered for weeks needs a reminder even when the
    cohort starts months ahead; its urgency still comes from the start."""
    cohort, groups = build("Kull 6", TODAY + timedelta(days=days))
    groups[2].status = EnrolmentStatus.INVITED
    groups[2].status_history[-1].changed_at = oslo(2017, 1, 31)  # 29 days before TODAY
    db.session.commit()

    (item,) = on(TODAY)
    assert (item.kind, item.group_name, item.urgency) == (
        Kind.STILL_INVITED, groups[2].organisation.name_nb, expected)
    assert "not been answered since 31 Jan 2017" in str(item.reason)
    assert item.url == f"/groups/{groups[2].id}/status"
    # Four weeks to the day is not yet long.
    groups[2].status_history[-1].changed_at = oslo(2017, 2, 1)
    db.session.commit()
    assert on(TODAY) == []


def test_a_finished_cohort_whose_groups_are_not_marked_completed(app_context, build, on):
    cohort, groups = build("Kull 2", date(2016, 3, 7))
    assert cohort.planned_end < TODAY
    groups[0].status = EnrolmentStatus.ACTIVE
    groups[1].status = EnrolmentStatus.CONFIRMED
    db.session.commit()

    (item,) = on(TODAY)
    assert (item.kind, item.cohort_label, item.group_name) == (Kind.NOT_MARKED_COMPLETED, "Kull 2", None)
    assert "2 groups are not marked completed" in str(item.reason)
    assert "record their final results and mark them completed" in str(item.reason)
    assert item.url == f"/assessments/cohorts/{cohort.id}"
    # Soon in the first weeks after the end, later after that.
    assert item.urgency is (Urgency.SOON if (TODAY - cohort.planned_end).days <= 42 else Urgency.LATER)
    assert on(cohort.planned_end + timedelta(days=1))[0].urgency is Urgency.SOON
    for group in groups[:2]:
        group.status = EnrolmentStatus.COMPLETED
    db.session.commit()
    assert on(TODAY) == []


# The list's statements do not grow with history (issue 14: the home page in ≤ 15 statements)


def statements_and_items(count_queries):
    """The statements `needs_attention` takes on TODAY with nothing loaded beforehand, every
    item's link and texts made as the page makes them, and the items."""
    db.session.expire_all()
    with count_queries() as counter:
        items = needs_attention(TODAY)
        [(item.url, str(item.reason), str(item.action)) for item in items]
    return counter["n"], items


def finished(build, n, **changes):
    """The nth finished cohort, all in order (groups completed, every register filled in)."""
    return build(f"Ferdig {n}", date(2002, 1, 7) + timedelta(weeks=30 * n), groups=1)


def test_the_statements_do_not_grow_with_finished_cohorts(app_context, build, count_queries):
    """3 or 30 finished cohorts: the same statements, at most eight, and the same items. One
    finished cohort has a group not marked completed and an empty register, so every kind of
    statement is asked both times."""
    cohort, groups = build("Kull 3", RUNNING_START)
    groups[0].status = EnrolmentStatus.INVITED
    old, old_groups = build("Pilot", date(2015, 9, 7))
    old_groups[0].status = EnrolmentStatus.ACTIVE
    for mark in db.session.scalars(db.select(Attendance).join(Attendance.session).where(
            Session.cohort_id == old.id, Session.enrolment_id.is_(None))):
        db.session.delete(mark)
    db.session.commit()
    for n in range(3):
        finished(build, n)
    few, items = statements_and_items(count_queries)
    assert {item.kind for item in items} == {
        Kind.STILL_INVITED, Kind.NOT_MARKED_COMPLETED, Kind.ATTENDANCE_NOT_RECORDED}

    for n in range(3, 30):
        finished(build, n)
    many, more = statements_and_items(count_queries)

    assert many == few <= 8
    assert [(i.kind, i.cohort_label, i.group_name) for i in more] == [
        (i.kind, i.cohort_label, i.group_name) for i in items]


def test_the_statements_do_not_grow_with_current_groups(app_context, build, count_queries):
    """2 or 12 current groups, each with sessions held and planned, and one item per group: the
    same statements, at most eight."""
    def trouble(groups):
        for group in groups:
            remove_top_leader(group)

    cohort, groups = build("Kull 3", RUNNING_START, groups=2)
    trouble(groups)
    few, items = statements_and_items(count_queries)
    assert len(only(items, Kind.NO_TOP_LEADER)) == 2

    more_groups = build("Kull 4", TODAY + timedelta(days=30), groups=4)[1]
    more_groups += build("Kull 5", date(2016, 12, 5), groups=4)[1]
    more_groups += build("Kull 6", TODAY + timedelta(days=100), groups=2)[1]
    trouble(more_groups)
    many, more = statements_and_items(count_queries)

    assert len(only(more, Kind.NO_TOP_LEADER)) == 12
    assert many == few <= 8


def test_the_history_of_recorded_sessions_is_not_read(app_context, build):
    """A finished cohort with every register filled in asks nothing: none of its sessions or
    memberships is read for the list; the current cohort's are, where a register is empty."""
    cohort, groups = build("Kull 3", RUNNING_START)
    hold_a_group_session(cohort, groups[2], build.modules["start"], date(2017, 2, 20),
                         [None, None, None])
    old, old_groups = finished(build, 0)
    old_id, old_group_id = old.id, old_groups[0].id
    db.session.expunge_all()
    read_rows = []

    def loaded(target, context):
        read_rows.append(target)

    event.listen(Session, "load", loaded)
    event.listen(Membership, "load", loaded)
    try:
        needs_attention(TODAY)
    finally:
        event.remove(Session, "load", loaded)
        event.remove(Membership, "load", loaded)

    assert not [o for o in read_rows if isinstance(o, Session) and o.cohort_id == old_id]
    assert not [o for o in read_rows if isinstance(o, Membership)
                and o.enrolment_id == old_group_id]
    assert [o for o in read_rows if isinstance(o, Session)]  # the current cohort's
    assert [o for o in read_rows if isinstance(o, Membership)]
