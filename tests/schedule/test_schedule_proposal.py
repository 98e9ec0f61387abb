"""Proposing a cohort's sessions from the course plan, on the Norwegian calendar."""
import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func, select

from tests.conftest import csrf_token, login_as
from tests.html import read
from tracker.cohorts.models import Cohort
from tracker.cohorts.services import add_months
from tracker.groups.models import Enrolment, EnrolmentStatus
from tracker.groups.services import enrol, record_status
from tracker.organisations.models import Organisation
from tracker.programmes.models import CourseModule, ModuleKind
from tracker.schedule.models import Session, SessionStatus
from tracker.schedule.proposals import JOINT_LOCATION, propose_sessions
from tracker.schedule.warnings import WarningKind
from tracker.working_days import is_half_day, is_working_day, meeting_days
from tracker.seed import programme_data as data

OSLO = ZoneInfo("Europe/Oslo")
EN = {"Accept-Language": "en"}
JOINT = sum(1 for m in data.COURSE_PLAN if m.is_joint)  # four gatherings and the closing
PER_GROUP = len(data.COURSE_PLAN) - JOINT


# Building blocks, in memory: the generator is pure, so it needs no database.


def cohort_starting(start: date, months: int = 10) -> Cohort:
    return Cohort(label="Kull", start_date=start, planned_end=add_months(start, months))


def plan(*steps) -> list[CourseModule]:
    """Modules from (offset weeks, joint?, days, hours) tuples, in order."""
    return [
        CourseModule(position=n, name_nb=f"Steg {n}", name_en=f"Step {n}",
                     kind=ModuleKind.JOINT_GATHERING if joint else ModuleKind.GROUP_WORK,
                     is_joint=joint, offset_weeks=weeks, duration_days=days, hours_per_day=hours)
        for n, (weeks, joint, days, hours) in enumerate(steps, start=1)
    ]


def the_course_plan() -> list[CourseModule]:
    return plan(*((m.offset_weeks, m.is_joint, m.duration_days, m.hours_per_day)
                  for m in data.COURSE_PLAN))


def groups(*statuses: EnrolmentStatus) -> list[Enrolment]:
    return [
        Enrolment(organisation=Organisation(name_nb=f"Direktorat {n}", short_name=f"D{n}"), status=status)
        for n, status in enumerate(statuses, start=1)
    ]


def as_session(proposal, cohort) -> Session:
    return Session(cohort=cohort, module=proposal.module, enrolment=proposal.enrolment,
                   starts_at=proposal.starts_at, ends_at=proposal.ends_at, status=SessionStatus.PLANNED)


def day_of(moment: datetime) -> date:
    return moment.astimezone(OSLO).date()


def kinds(proposal) -> set[WarningKind]:
    return {w.kind for w in proposal.warnings}


def cause(proposal) -> WarningKind | None:
    moved = [w for w in proposal.warnings if w.kind is WarningKind.MOVED]
    return moved[0].cause.kind if moved else None


# Examples from the programme's calendar


def test_kull_3_meets_first_on_6_march_2017():
    cohort = cohort_starting(date(2017, 1, 9))
    modules = the_course_plan()
    proposals = propose_sessions(cohort, modules, groups(EnrolmentStatus.ACTIVE), [])

    gathering = next(p for p in proposals if p.module is modules[1])
    assert gathering.enrolment is None
    assert gathering.starts_at == datetime(2017, 3, 6, 9, tzinfo=OSLO)
    assert gathering.ends_at == datetime(2017, 3, 7, 15, tzinfo=OSLO)
    assert WarningKind.MOVED not in kinds(gathering)


def test_a_week_0_module_on_26_december_moves_to_the_27th_and_warns_of_christmas():
    # The cohort's own start is the coordinator's choice: its first week is not moved for a break.
    cohort = cohort_starting(date(2016, 12, 26))
    [proposal] = propose_sessions(cohort, plan((0, True, 1, 3)), [], [])

    assert day_of(proposal.starts_at) == date(2016, 12, 27)
    assert cause(proposal) is WarningKind.HOLIDAY
    assert WarningKind.SCHOOL_BREAK in kinds(proposal)


def test_a_week_1_module_in_the_christmas_break_moves_past_new_year():
    cohort = cohort_starting(date(2016, 12, 19))
    [proposal] = propose_sessions(cohort, plan((1, True, 1, 3)), [], [])

    assert day_of(proposal.starts_at) == date(2017, 1, 4)  # the break ends on 3 January
    assert cause(proposal) is WarningKind.HOLIDAY  # 26 December, Boxing Day, first
    assert WarningKind.SCHOOL_BREAK not in kinds(proposal)


def test_maundy_thursday_moves_to_the_tuesday_after_easter():
    cohort = cohort_starting(date(2017, 3, 16))  # a Thursday; four weeks on is Maundy Thursday
    [proposal] = propose_sessions(cohort, plan((4, True, 1, 6)), [], [])

    assert day_of(proposal.starts_at) == date(2017, 4, 18)
    assert cause(proposal) is WarningKind.HOLIDAY


def test_a_date_in_july_moves_to_the_first_of_august():
    cohort = cohort_starting(date(2017, 1, 9))
    [proposal] = propose_sessions(cohort, plan((26, True, 1, 6)), [], [])  # 10 July 2017

    assert day_of(proposal.starts_at) == date(2017, 8, 1)
    assert cause(proposal) is WarningKind.JULY


def test_a_date_in_july_moves_to_the_first_working_day_of_august():
    cohort = cohort_starting(date(2015, 1, 5))
    [proposal] = propose_sessions(cohort, plan((28, True, 1, 6)), [], [])  # 20 July 2015

    assert day_of(proposal.starts_at) == date(2015, 8, 3)  # 1 August 2015 was a Saturday


def test_a_session_of_several_days_is_not_split_by_july():
    cohort = cohort_starting(date(2017, 1, 6))  # a Friday: 25 weeks on is Friday 30 June
    [proposal] = propose_sessions(cohort, plan((25, True, 2, 6)), [], [])

    assert day_of(proposal.starts_at) == date(2017, 8, 1)
    assert day_of(proposal.ends_at) == date(2017, 8, 2)


def test_new_years_eve_past_noon_moves_on_and_says_so(app):
    cohort = cohort_starting(date(2015, 12, 17))  # two weeks on is Thursday 31 December
    long_day, short_day = propose_sessions(cohort, plan((2, True, 1, 6), (2, False, 1, 3)),
                                           groups(EnrolmentStatus.ACTIVE), [])

    assert day_of(long_day.starts_at) == date(2016, 1, 4)  # 1 January, then the weekend
    assert cause(long_day) is WarningKind.HALF_DAY
    with app.test_request_context(headers=EN):
        assert "ends at 12:00" in str(long_day.warnings[0])
    # A morning session ends at 12:00, so it may stay; it comes after the joint one, though.
    assert short_day.starts_at >= long_day.ends_at


def test_a_morning_session_stays_on_a_half_day():
    # A course that ends with the year leaves no room to move out of the Christmas break.
    cohort = Cohort(label="Kull", start_date=date(2015, 12, 17), planned_end=date(2015, 12, 31))
    [proposal] = propose_sessions(cohort, plan((2, True, 1, 3)), [], [])

    assert proposal.starts_at == datetime(2015, 12, 31, 9, tzinfo=OSLO)
    assert proposal.ends_at == datetime(2015, 12, 31, 12, tzinfo=OSLO)
    assert cause(proposal) is None


def test_two_days_into_the_wednesday_before_easter_move_past_easter():
    cohort = cohort_starting(date(2017, 4, 11))  # Tuesday; the second day is Wednesday 12 April
    [proposal] = propose_sessions(cohort, plan((0, True, 2, 6)), [], [])

    assert cause(proposal) is WarningKind.HALF_DAY
    assert day_of(proposal.starts_at) == date(2017, 4, 18)
    assert day_of(proposal.ends_at) == date(2017, 4, 19)


@pytest.mark.parametrize("start, weeks, school_break, moved_to", [
    (date(2017, 1, 9), 6, "WINTER", date(2017, 3, 6)),  # 20 February 2017, week 8: past week 9
    (date(2016, 8, 29), 5, "AUTUMN", date(2016, 10, 17)),  # 3 October 2016: past weeks 40–41
    (date(2017, 1, 9), 13, "EASTER", date(2017, 4, 18)),  # 10 April 2017, Monday of Easter week
    (date(2016, 8, 29), 16, "CHRISTMAS", date(2017, 1, 4)),  # 19–20 December 2016
])
def test_school_breaks_are_kept_clear_of_when_the_plan_leaves_room(start, weeks, school_break,
                                                                    moved_to):
    cohort = cohort_starting(start)
    [proposal] = propose_sessions(cohort, plan((weeks, True, 2, 6)), [], [])

    assert day_of(proposal.starts_at) == moved_to
    assert cause(proposal) is WarningKind.SCHOOL_BREAK
    moved = next(w for w in proposal.warnings if w.kind is WarningKind.MOVED)
    assert moved.cause.school.name == school_break
    assert WarningKind.SCHOOL_BREAK not in kinds(proposal)


def test_a_break_the_plan_leaves_no_room_to_avoid_is_kept_and_warned_of(app):
    # The course ends on 24 February 2017; its last step falls in the winter break, week 8.
    cohort = Cohort(label="Kull", start_date=date(2017, 1, 9), planned_end=date(2017, 2, 24))
    [proposal] = propose_sessions(cohort, plan((6, True, 1, 6)), [], [])

    assert day_of(proposal.starts_at) == date(2017, 2, 20)
    assert not proposal.outside_course
    assert WarningKind.NO_ROOM in kinds(proposal)
    with app.test_request_context(headers=EN):
        text = str(next(w for w in proposal.warnings if w.kind is WarningKind.NO_ROOM))
    assert "winter school break" in text and "no room" in text


def test_a_cohort_starting_in_november_has_no_gathering_in_christmas_or_new_year():
    cohort = cohort_starting(date(2026, 11, 2))
    modules = the_course_plan()
    proposals = propose_sessions(cohort, modules, groups(*[EnrolmentStatus.ACTIVE] * 4), [])

    for p in proposals:
        for day in meeting_days(p.starts_at, p.ends_at):
            assert not (date(2026, 12, 20) <= day <= date(2027, 1, 3)), (p.module.name_nb, day)
            assert day not in (date(2026, 12, 27), date(2026, 12, 28))
    # Nor in the winter break, Easter week or Oslo's autumn break.
    for p in proposals:
        for day in meeting_days(p.starts_at, p.ends_at):
            if day <= cohort.planned_end:
                assert day.isocalendar().week not in (8, 9, 40, 41), (p.module.name_nb, day)
                assert not (date(2027, 3, 21) <= day <= date(2027, 3, 29)), (p.module.name_nb, day)


def test_four_groups_coaching_is_spread_one_group_a_day():
    cohort = cohort_starting(date(2017, 1, 9))
    modules = the_course_plan()
    four = groups(*[EnrolmentStatus.ACTIVE] * 4)
    proposals = propose_sessions(cohort, modules, four, [])

    for module in (m for m in modules if not m.is_joint):
        own = [p for p in proposals if p.module is module]
        assert len(own) == 4
        assert len({day_of(p.starts_at) for p in own}) == 4, module.name_nb
    first = [p for p in proposals if p.module is next(m for m in modules if not m.is_joint)]
    assert [day_of(p.starts_at) for p in first] == [date(2017, 1, 9), date(2017, 1, 10),
                                                   date(2017, 1, 11), date(2017, 1, 12)]


def test_a_group_enrolled_later_gets_a_day_of_its_own():
    cohort = cohort_starting(date(2017, 1, 9))
    [step] = plan((2, False, 1, 3))
    first, late = groups(EnrolmentStatus.ACTIVE, EnrolmentStatus.ACTIVE)
    [taken] = [as_session(p, cohort) for p in propose_sessions(cohort, [step], [first], [])]
    [proposal] = propose_sessions(cohort, [step], [first, late], [taken])

    assert day_of(taken.starts_at) == date(2017, 1, 23)
    assert day_of(proposal.starts_at) == date(2017, 1, 24)


def test_a_date_after_the_planned_end_is_still_proposed_but_flagged():
    cohort = cohort_starting(date(2017, 1, 9))
    inside, outside = propose_sessions(cohort, plan((40, True, 1, 6), (45, True, 1, 6)), [], [])

    assert not inside.outside_course
    assert outside.outside_course and day_of(outside.ends_at) > cohort.planned_end


def test_joint_modules_once_group_modules_for_each_group_not_withdrawn():
    cohort = cohort_starting(date(2017, 1, 9))
    modules = the_course_plan()
    active, invited, withdrawn = groups(EnrolmentStatus.ACTIVE, EnrolmentStatus.INVITED,
                                        EnrolmentStatus.WITHDRAWN)
    proposals = propose_sessions(cohort, modules, [active, invited, withdrawn], [])

    joint = [m for m in modules if m.is_joint]
    per_group = [m for m in modules if not m.is_joint]
    assert len(proposals) == len(joint) + 2 * len(per_group)
    assert not [p for p in proposals if p.enrolment is withdrawn]
    assert {p.module for p in proposals if p.enrolment is None} == set(joint)


def test_a_session_that_would_overlap_an_existing_one_moves_on():
    cohort = cohort_starting(date(2017, 1, 9))
    [group] = groups(EnrolmentStatus.ACTIVE)
    step, later = plan((8, False, 1, 3), (20, False, 1, 6))
    # The later step, already moved by hand onto the day the earlier one is planned for.
    taken = Session(cohort=cohort, module=later, enrolment=group, status=SessionStatus.PLANNED,
                    starts_at=datetime(2017, 3, 6, 8, tzinfo=OSLO),
                    ends_at=datetime(2017, 3, 6, 16, tzinfo=OSLO))
    [proposal] = propose_sessions(cohort, [step, later], [group], [taken])

    assert day_of(proposal.starts_at) == date(2017, 3, 7)
    assert cause(proposal) is WarningKind.OVERLAP


def test_a_cancelled_session_counts_as_had_but_takes_no_time():
    cohort = cohort_starting(date(2017, 1, 9))
    [step] = plan((8, True, 1, 6))
    cancelled = Session(cohort=cohort, module=step, enrolment=None, status=SessionStatus.CANCELLED,
                        starts_at=datetime(2017, 3, 6, 9, tzinfo=OSLO),
                        ends_at=datetime(2017, 3, 6, 15, tzinfo=OSLO))
    assert propose_sessions(cohort, [step], [], [cancelled]) == []


def test_a_group_enrolled_later_gets_its_group_sessions_after_the_joint_ones_it_missed():
    cohort = cohort_starting(date(2017, 1, 9))
    modules = the_course_plan()
    first, late = groups(EnrolmentStatus.ACTIVE, EnrolmentStatus.INVITED)
    existing = [as_session(p, cohort) for p in propose_sessions(cohort, modules, [first], [])]

    proposals = propose_sessions(cohort, modules, [first, late], existing)

    assert proposals and all(p.enrolment is late for p in proposals)
    assert {p.module for p in proposals} == {m for m in modules if not m.is_joint}
    joint = sorted((s for s in existing if s.enrolment is None), key=lambda s: s.starts_at)
    for proposal in proposals:
        for session in joint:
            assert proposal.ends_at <= session.starts_at or proposal.starts_at >= session.ends_at


# Properties, for any start and any course plan


@st.composite
def course_plans(draw):
    offsets = draw(st.lists(st.integers(0, 45), min_size=1, max_size=10, unique=True))
    return plan(*(
        (weeks, draw(st.booleans()), draw(st.integers(1, 3)), draw(st.integers(1, 8)))
        for weeks in sorted(offsets)
    ))


starts = st.dates(date(2015, 1, 1), date(2030, 12, 31))
statuses = st.lists(st.sampled_from(list(EnrolmentStatus)), max_size=4)
PROPERTIES = settings(max_examples=150, deadline=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture])


def tracks(proposals, enrolments):
    """The sessions each group goes to (its own and the joint ones), and the joint ones alone."""
    yield [p for p in proposals if p.enrolment is None]
    for group in enrolments:
        yield [p for p in proposals if p.enrolment is None or p.enrolment is group]


@PROPERTIES
@given(start=starts, modules=course_plans(), group_statuses=statuses)
def test_every_proposal_is_on_working_days_in_order_and_inside_the_course_or_flagged(
    start, modules, group_statuses
):
    cohort = cohort_starting(start)
    enrolments = groups(*group_statuses)
    proposals = propose_sessions(cohort, modules, enrolments, [])

    active = [e for e in enrolments if e.status is not EnrolmentStatus.WITHDRAWN]
    assert len(proposals) == sum(1 if m.is_joint else len(active) for m in modules)
    for p in proposals:
        first, last = day_of(p.starts_at), day_of(p.ends_at)
        assert is_working_day(first) and is_working_day(last)  # not a weekend, holiday or July
        assert first >= cohort.start_date
        assert not any(day.month == 7 for day in meeting_days(p.starts_at, p.ends_at))
        for day in meeting_days(p.starts_at, p.ends_at):
            if is_half_day(day):
                assert p.ends_at <= datetime.combine(day, time(12), tzinfo=OSLO)
        assert last <= cohort.planned_end or p.outside_course
        assert p.outside_course == (last > cohort.planned_end)
    for track in tracks(proposals, active):
        for earlier, later in zip(track, track[1:]):
            assert earlier.ends_at <= later.starts_at


@PROPERTIES
@given(start=starts, modules=course_plans(), group_statuses=statuses, data=st.data())
def test_accepting_part_of_a_proposal_leaves_exactly_the_rest_to_propose(
    start, modules, group_statuses, data
):
    cohort = cohort_starting(start)
    enrolments = groups(*group_statuses)
    first = propose_sessions(cohort, modules, enrolments, [])
    accepted = data.draw(st.lists(st.sampled_from(first), unique_by=id) if first else st.just([]))
    existing = [as_session(p, cohort) for p in accepted]

    again = propose_sessions(cohort, modules, enrolments, existing)

    assert {(id(p.module), id(p.enrolment)) for p in again} == {
        (id(p.module), id(p.enrolment)) for p in first if p not in accepted
    }
    for p in again:
        for session in existing:
            shares = p.enrolment is None or session.enrolment is None or p.enrolment is session.enrolment
            assert not shares or p.ends_at <= session.starts_at or p.starts_at >= session.ends_at
    everything = [as_session(p, cohort) for p in first]
    assert propose_sessions(cohort, modules, enrolments, everything) == []


# The proposal page


@pytest.fixture
def kull_3(db, make_cohort, make_organisation):
    """Kull 3 with the typical course plan and two groups, committed."""
    cohort = make_cohort(label="Kull 3", start_date=date(2017, 1, 9))
    for position, facts in enumerate(data.COURSE_PLAN, start=1):
        db.session.add(CourseModule(
            programme=cohort.programme, position=position, name_nb=facts.name_nb,
            name_en=facts.name_en, kind=ModuleKind(facts.kind), is_joint=facts.is_joint,
            offset_weeks=facts.offset_weeks, duration_days=facts.duration_days,
            hours_per_day=facts.hours_per_day))
    enrol(cohort, make_organisation(name_nb="Skattedirektoratet", short_name="SKD"),
          status=EnrolmentStatus.CONFIRMED)
    enrol(cohort, make_organisation(name_nb="Lånekassen"), status=EnrolmentStatus.CONFIRMED)
    db.session.commit()
    return cohort


@pytest.fixture
def coordinator(client, make_user):
    login_as(client, make_user("coordinator"))
    return client


def session_count(db) -> int:
    return db.session.scalar(select(func.count(Session.id)))


def proposal_boxes(html) -> list[dict]:
    return [i for i in read(html).all("input", type="checkbox") if i.get("name", "").startswith("include_")]


def accept(client, cohort, html, untick=()):
    """Post the proposal page's form as a browser would, with some boxes unticked."""
    page = read(html)
    data = {"csrf_token": csrf_token(client),
            "fingerprint": page.all("input", name="fingerprint")[0]["value"]}
    for box in proposal_boxes(html):
        if box["name"] not in untick:
            data[box["name"]] = "y"
    return client.post(f"/schedule/cohorts/{cohort.id}/proposal", data=data, headers=EN)


def test_the_proposal_page_shows_every_missing_session_ticked_and_writes_nothing(coordinator, db, kull_3):
    response = coordinator.get(f"/schedule/cohorts/{kull_3.id}/proposal", headers=EN)

    assert response.status_code == 200
    boxes = proposal_boxes(response.data)
    assert len(boxes) == JOINT + 2 * PER_GROUP
    assert all("checked" in box for box in boxes)
    page = read(response.data)
    assert page.count("h1") == 1
    assert "Joint gathering 1, all groups" in page.text
    assert '2017-03-06T09:00:00+01:00' in response.get_data(as_text=True)
    assert session_count(db) == 0


def test_accepting_creates_planned_sessions_in_one_go_and_then_nothing_is_left(coordinator, db, kull_3):
    page = coordinator.get(f"/schedule/cohorts/{kull_3.id}/proposal").data

    response = accept(coordinator, kull_3, page)

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cohorts/{kull_3.id}")
    sessions = db.session.scalars(select(Session).order_by(Session.starts_at)).all()
    assert len(sessions) == JOINT + 2 * PER_GROUP
    assert all(s.status is SessionStatus.PLANNED for s in sessions)
    assert {s.location for s in sessions if s.enrolment_id is None} == {JOINT_LOCATION}
    assert {s.location for s in sessions if s.enrolment_id} == {"Hos SKD", "Hos Lånekassen"}
    first_gathering = next(s for s in sessions if s.module.position == 2)
    assert first_gathering.starts_at == datetime(2017, 3, 6, 9, tzinfo=OSLO)
    again = coordinator.get(f"/schedule/cohorts/{kull_3.id}/proposal", headers=EN)
    assert proposal_boxes(again.data) == []
    assert "Nothing to propose" in read(again.data).text


def test_unticked_sessions_are_left_out_and_proposed_again(coordinator, db, kull_3):
    page = coordinator.get(f"/schedule/cohorts/{kull_3.id}/proposal").data
    left_out = [b["name"] for b in proposal_boxes(page)][:3]

    assert accept(coordinator, kull_3, page, untick=left_out).status_code == 302

    assert session_count(db) == JOINT + 2 * PER_GROUP - 3
    again = proposal_boxes(coordinator.get(f"/schedule/cohorts/{kull_3.id}/proposal").data)
    assert sorted(b["name"] for b in again) == sorted(left_out)


def test_a_group_enrolled_later_gets_its_group_sessions_proposed(coordinator, db, kull_3, make_organisation):
    accept(coordinator, kull_3, coordinator.get(f"/schedule/cohorts/{kull_3.id}/proposal").data)
    late = enrol(kull_3, make_organisation(name_nb="Tolldirektoratet"), status=EnrolmentStatus.CONFIRMED)
    db.session.commit()

    page = coordinator.get(f"/schedule/cohorts/{kull_3.id}/proposal").data

    names = [b["name"] for b in proposal_boxes(page)]
    assert len(names) == PER_GROUP and all(name.endswith(f"_{late.id}") for name in names)
    assert accept(coordinator, kull_3, page).status_code == 302
    assert db.session.scalar(select(func.count(Session.id)).where(Session.enrolment_id == late.id)) == PER_GROUP


def test_a_withdrawn_group_gets_nothing(coordinator, db, kull_3):
    group = kull_3.enrolments[0]
    record_status(group, EnrolmentStatus.WITHDRAWN)
    db.session.commit()

    names = [b["name"] for b in proposal_boxes(coordinator.get(f"/schedule/cohorts/{kull_3.id}/proposal").data)]

    assert len(names) == JOINT + PER_GROUP and not [n for n in names if n.endswith(f"_{group.id}")]


def test_a_proposal_that_changed_after_it_was_shown_is_not_saved(coordinator, db, kull_3, make_organisation):
    page = coordinator.get(f"/schedule/cohorts/{kull_3.id}/proposal").data
    enrol(kull_3, make_organisation(name_nb="Tolldirektoratet"), status=EnrolmentStatus.CONFIRMED)
    db.session.commit()

    response = accept(coordinator, kull_3, page)

    assert response.status_code == 409
    assert "The proposal changed" in read(response.data).text
    assert len(proposal_boxes(response.data)) == JOINT + 3 * PER_GROUP  # the new proposal, to accept again
    assert session_count(db) == 0


def test_accepting_nothing_is_refused(coordinator, db, kull_3):
    page = coordinator.get(f"/schedule/cohorts/{kull_3.id}/proposal").data

    response = accept(coordinator, kull_3, page, untick=[b["name"] for b in proposal_boxes(page)])

    assert response.status_code == 400
    assert read(response.data).all("div", **{"class": "ds-error-summary"})
    assert session_count(db) == 0


def test_a_forged_fingerprint_saves_nothing(coordinator, db, kull_3):
    response = coordinator.post(f"/schedule/cohorts/{kull_3.id}/proposal", data={
        "csrf_token": csrf_token(coordinator), "fingerprint": "0" * 32, "include_1_joint": "y"})
    assert response.status_code == 409
    assert session_count(db) == 0


def test_the_proposal_loads_in_the_same_number_of_queries_for_more_groups(
    coordinator, db, kull_3, make_organisation, count_queries
):
    url = f"/schedule/cohorts/{kull_3.id}/proposal"
    coordinator.get(url)
    with count_queries() as two_groups:
        coordinator.get(url)
    for name in ("Tolldirektoratet", "Arbeids- og velferdsdirektoratet"):
        enrol(kull_3, make_organisation(name_nb=name), status=EnrolmentStatus.CONFIRMED)
    db.session.commit()
    with count_queries() as four_groups:
        coordinator.get(url)
    assert four_groups["n"] == two_groups["n"]


@pytest.mark.parametrize("role", ["agency", "ministry"])
def test_only_staff_may_propose(client, make_user, kull_3, role):
    login_as(client, make_user(role))
    assert client.get(f"/schedule/cohorts/{kull_3.id}/proposal").status_code == 403


def test_an_unknown_cohort_is_not_found(coordinator, db):
    assert coordinator.get("/schedule/cohorts/999999/proposal").status_code == 404


def test_the_cohort_page_offers_the_proposal_to_staff_only(client, make_user, kull_3):
    login_as(client, make_user("coordinator"))
    assert f"/schedule/cohorts/{kull_3.id}/proposal" in client.get(f"/cohorts/{kull_3.id}").get_data(as_text=True)
    login_as(client, make_user("agency", organisation=kull_3.enrolments[0].organisation))
    page = client.get(f"/cohorts/{kull_3.id}").get_data(as_text=True)
    assert not re.search(r"/schedule/", page)
