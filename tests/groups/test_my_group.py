"""My group: an agency leader's home, with their current group's next session first."""
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import login_as
from tests.html import read, tables_outside_scroll_regions
from tracker.groups.models import EnrolmentStatus
from tracker.people.models import MemberRole, Membership, Person
from tracker.groups.services import enrol
from tracker.programmes.models import CourseModule, ModuleKind
from tracker.schedule.models import Attendance, AttendanceStatus, Session, SessionStatus

OSLO = ZoneInfo("Europe/Oslo")
EN = {"Accept-Language": "en"}


def nine_oslo(days_from_today: int) -> datetime:
    day = datetime.now(OSLO).date() + timedelta(days=days_from_today)
    return datetime.combine(day, time(9), tzinfo=OSLO)


@pytest.fixture
def world(db, make_cohort, make_organisation, make_user):
    """A running cohort with Udir and SKD, an older one with NVE. Kari is a member of Udir's
    group now and was NVE's top leader before; she has attendance at two past sessions."""
    today = datetime.now(OSLO).date()
    cohort = make_cohort(label="Kull 7", start_date=today - timedelta(days=90), capacity=10)
    older = make_cohort(label="Kull 2", start_date=today - timedelta(days=3 * 365))
    gathering = CourseModule(programme=cohort.programme, position=1, name_nb="Fellessamling",
                             name_en="Joint gathering", kind=ModuleKind.JOINT_GATHERING,
                             is_joint=True, offset_weeks=8)
    coaching = CourseModule(programme=cohort.programme, position=2, name_nb="Veiledning",
                            name_en="Coaching", kind=ModuleKind.GROUP_WORK, is_joint=False,
                            offset_weeks=13, hours_per_day=3)
    db.session.add_all([gathering, coaching])
    udir_org = make_organisation(name_nb="Utdanningsdirektoratet", short_name="Udir")
    skd_org = make_organisation(name_nb="Skattedirektoratet", short_name="SKD")
    nve_org = make_organisation(name_nb="Norges vassdrags- og energidirektorat", short_name="NVE")
    udir = enrol(cohort, udir_org, status=EnrolmentStatus.CONFIRMED)
    skd = enrol(cohort, skd_org, status=EnrolmentStatus.CONFIRMED)
    nve = enrol(older, nve_org, status=EnrolmentStatus.CONFIRMED)

    def session(days, module, enrolment=None, status=SessionStatus.PLANNED, location="Difi, Oslo"):
        start = nine_oslo(days)
        s = Session(cohort=enrolment.cohort if enrolment else cohort, enrolment=enrolment, module=module,
                    starts_at=start, ends_at=start + timedelta(hours=3), location=location, status=status)
        db.session.add(s)
        return s

    sessions = {
        "past_joint": session(-20, gathering, status=SessionStatus.HELD),
        "past_own": session(-10, coaching, udir, status=SessionStatus.HELD, location="Udir, rom 4"),
        "cancelled": session(2, coaching, udir, status=SessionStatus.CANCELLED),
        "skd_own": session(3, coaching, skd, location="SKD, rom 1"),
        "next": session(5, gathering, location="Difi, Grev Wedels plass 9, Oslo"),
        "later": session(30, coaching, udir, location="Udir, rom 7"),
    }
    kari = Person(name="Kari Nordmann", email="kari@example.org", title="Avdelingsdirektør")
    per = Person(name="Per Ledersen", email="per@example.org")
    ola = Person(name="Ola Utenfor", email="ola@example.org")
    db.session.add_all([
        Membership(person=kari, enrolment=udir, role=MemberRole.MEMBER, joined_on=today - timedelta(days=200)),
        Membership(person=per, enrolment=udir, role=MemberRole.TOP_LEADER, joined_on=today - timedelta(days=200)),
        Membership(person=kari, enrolment=nve, role=MemberRole.TOP_LEADER,
                   joined_on=today - timedelta(days=4 * 365), left_on=today - timedelta(days=365)),
        Membership(person=ola, enrolment=skd, role=MemberRole.MEMBER, joined_on=today - timedelta(days=200)),
        Attendance(person=kari, session=sessions["past_joint"], status=AttendanceStatus.PRESENT),
        Attendance(person=kari, session=sessions["past_own"], status=AttendanceStatus.ABSENT),
        Attendance(person=per, session=sessions["past_own"], status=AttendanceStatus.EXCUSED),
    ])
    db.session.commit()
    kari_user = make_user("agency", organisation=udir_org, email="kari.user@example.org")
    kari_user.person = kari
    retired = make_user("coordinator", email="gammel.koordinator@example.org")
    retired.active = False
    db.session.commit()
    return {
        "cohort": cohort, "older": older, "udir": udir, "skd": skd, "nve": nve,
        "sessions": sessions, "kari": kari, "gathering": gathering, "coaching": coaching,
        "users": {
            "kari": kari_user,
            "udir": make_user("agency", organisation=udir_org),
            "coordinator": make_user("coordinator", email="koordinator@example.org"),
        },
    }


def page(client, user) -> str:
    login_as(client, user)
    response = client.get("/groups/mine", headers=EN)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def next_card(html: str) -> str:
    return re.search(r'<section class="ds-card"[^>]*id="next">(.*?)</section>', html, re.S).group(1)


def schedule_rows(html: str) -> list[str]:
    return re.findall(r'<tr id="(session-\d+)">', html)


def row(html: str, session: Session) -> str:
    return re.search(rf'<tr id="session-{session.id}">(.*?)</tr>', html, re.S).group(1)


def test_the_next_session_comes_first_with_its_time_place_and_kind(client, world):
    html = page(client, world["users"]["kari"])
    card = next_card(html)
    assert html.index('id="next"') < html.index('id="schedule-caption"')
    upcoming = world["sessions"]["next"]
    assert f'datetime="{upcoming.starts_at.isoformat()}"' in card
    assert re.search(r"\b09:00\b", read(card).text)
    assert "Joint gathering" in card and "Difi, Grev Wedels plass 9, Oslo" in card
    assert "Joint session for all the groups in the cohort" in card
    # The cancelled session and another group's session come sooner, but are not the next one.
    assert "Coaching" not in card and "SKD, rom 1" not in card


def test_the_next_session_of_ones_own_group_says_so(client, db, world):
    world["sessions"]["next"].status = SessionStatus.CANCELLED
    db.session.commit()
    card = next_card(page(client, world["users"]["kari"]))
    assert "Udir, rom 7" in card and "Your group's own session" in card


def test_without_sessions_ahead_the_page_says_so(client, db, world):
    for key in ("cancelled", "next", "later", "skd_own"):
        db.session.delete(world["sessions"][key])
    db.session.commit()
    assert "No sessions ahead." in next_card(page(client, world["users"]["kari"]))


def test_the_schedule_holds_the_joint_sessions_and_the_groups_own_in_time_order(client, world):
    s = world["sessions"]
    html = page(client, world["users"]["kari"])
    assert schedule_rows(html) == [f"session-{s[key].id}" for key in
                                   ("past_joint", "past_own", "cancelled", "next", "later")]
    assert "SKD, rom 1" not in html
    assert "Cancelled" in row(html, s["cancelled"])


def test_past_sessions_show_the_users_own_attendance(client, world):
    s = world["sessions"]
    html = page(client, world["users"]["kari"])
    assert "Your attendance" in html
    assert "Present" in row(html, s["past_joint"])
    assert "Absent" in row(html, s["past_own"])
    # Per's excuse is his, not Kari's.
    assert "Excused" not in row(html, s["past_own"])
    for key in ("next", "later"):
        assert not re.search(r"Present|Absent|Excused|Not recorded", row(html, s[key]))


def test_a_leader_without_a_person_sees_no_attendance_column(client, world):
    html = page(client, world["users"]["udir"])
    assert "Your attendance" not in html
    assert "Present" not in row(html, world["sessions"]["past_joint"])


def test_members_and_roles_of_the_group_but_never_another_groups(client, world):
    html = page(client, world["users"]["kari"])
    text = read(html).text
    assert "Per Ledersen" in text and "Top leader" in text
    assert "Kari Nordmann" in text and "Avdelingsdirektør" in text
    assert "Ola Utenfor" not in text


def test_the_other_organisations_in_the_cohort_are_named(client, db, world, make_organisation):
    withdrawn = enrol(world["cohort"], make_organisation(name_nb="Tolldirektoratet"))
    withdrawn.status = EnrolmentStatus.WITHDRAWN
    db.session.commit()
    html = page(client, world["users"]["kari"])
    section = html[html.index("The other groups in Kull 7"):]
    assert "Skattedirektoratet" in section
    assert "Tolldirektoratet" not in html
    assert f'/groups/{world["skd"].id}"' not in html


def test_progress_and_results_of_the_group_are_shown(client, world):
    text = read(page(client, world["users"]["kari"])).text
    assert "Progress" in text and "modules done" in text
    assert "Group effectiveness" in text


def test_the_coordinators_are_named_for_contact(client, world):
    html = page(client, world["users"]["kari"])
    assert "Who runs the programme: Direktoratet for forvaltning og IKT." in read(html).text
    assert 'href="mailto:koordinator@example.org"' in html
    assert "gammel.koordinator@example.org" not in html


def test_a_leader_who_moved_sees_every_group_they_were_in(client, world):
    html = page(client, world["users"]["kari"])
    facts = html[:html.index('id="next"')]
    assert "Utdanningsdirektoratet" in facts and "Kull 7" in facts
    others = html[html.index("Your other groups"):]
    assert "Kull 2" in others and "Norges vassdrags- og energidirektorat" in others
    # Kari may not open NVE's group page now that she works at Udir: no link to it.
    assert f'/groups/{world["nve"].id}"' not in html


def test_a_leader_without_those_memberships_sees_only_the_organisations_groups(client, world):
    html = page(client, world["users"]["udir"])
    assert "Your other groups" not in html
    assert "Norges vassdrags- og energidirektorat" not in html


def test_two_groups_in_two_cohorts_of_ones_own_organisation_are_both_listed(client, db, world, make_cohort):
    earlier = make_cohort(label="Pilot", start_date=world["older"].start_date - timedelta(days=365))
    pilot = enrol(earlier, world["udir"].organisation, status=EnrolmentStatus.CONFIRMED)
    pilot.status = EnrolmentStatus.COMPLETED
    db.session.commit()
    html = page(client, world["users"]["udir"])
    others = html[html.index("Your other groups"):]
    assert "Pilot" in others and f'href="/groups/{pilot.id}"' in others and "Completed" in others


def test_the_current_group_is_the_running_one_even_when_a_later_one_is_planned(client, db, world, make_cohort):
    future = make_cohort(label="Kull 9", start_date=world["cohort"].planned_end + timedelta(days=60))
    enrol(future, world["udir"].organisation)
    db.session.commit()
    html = page(client, world["users"]["udir"])
    assert "Kull 9" in html[html.index("Your other groups"):]
    assert "Kull 9" not in html[:html.index('id="next"')]


def test_staff_are_told_the_page_is_for_agency_leaders(client, world):
    html = page(client, world["users"]["coordinator"])
    assert "This page is for agency leaders" in html
    assert read(html).count("h1") == 1


def test_a_leader_whose_organisation_has_no_group_is_told_so(client, make_user):
    html = page(client, make_user("agency"))
    assert "No leadership group of yours is registered yet." in html


def test_the_page_offers_the_group_and_the_personal_calendar(client, world):
    html = page(client, world["users"]["kari"])
    assert len(re.findall(r'action="/calendar/(enrolment|person)/\d+/reset"', html)) == 2
    assert f'action="/calendar/enrolment/{world["udir"].id}/reset"' in html
    assert f'action="/calendar/person/{world["kari"].id}/reset"' in html


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/groups/mine")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_page_takes_the_same_number_of_queries_however_much_there_is(
    client, db, world, make_cohort, make_organisation, count_queries
):
    login_as(client, world["users"]["kari"])
    client.get("/groups/mine")  # the feed tokens are made on the first visit
    with count_queries() as few:
        assert client.get("/groups/mine").status_code == 200
    today = datetime.now(OSLO).date()
    for n in range(3):
        person = Person(name=f"Medlem {n}", email=f"medlem{n}@example.org")
        db.session.add(Membership(person=person, enrolment=world["udir"], role=MemberRole.MEMBER,
                                  joined_on=today - timedelta(days=100)))
        start = nine_oslo(-40 - n)
        joint = Session(cohort=world["cohort"], module=world["gathering"], starts_at=start,
                        ends_at=start + timedelta(hours=3), status=SessionStatus.HELD)
        db.session.add_all([joint, Attendance(person=world["kari"], session=joint,
                                              status=AttendanceStatus.PRESENT)])
        enrol(world["cohort"], make_organisation(name_nb=f"Direktorat {n}"))
        old = make_cohort(label=f"Gammelt kull {n}", start_date=today - timedelta(days=(5 + n) * 365))
        db.session.add(Membership(person=world["kari"], enrolment=enrol(old, make_organisation()),
                                  role=MemberRole.MEMBER, joined_on=old.start_date))
    db.session.commit()
    with count_queries() as many:
        html = client.get("/groups/mine").get_data(as_text=True)
    assert "Gammelt kull 2" in html and "Medlem 2" in html
    assert many["n"] == few["n"]


def test_what_the_user_has_there_adds_no_statement_and_the_page_stays_within_fifteen(
    client, db, world, make_person, count_queries
):
    """Issue 14: materials, a notice of absence, a guest place at another group's session and
    a proposal are asked with the rest (joined, not one query each), and the page answers in
    at most 15 statements."""
    from tracker import clock
    from tracker.materials.models import Material
    from tracker.participants.proposals import propose_addition
    from tracker.schedule.models import AbsenceNotice, NoticeGiver, SessionGuest

    kari_user, sessions = world["users"]["kari"], world["sessions"]
    login_as(client, kari_user)
    client.get("/groups/mine")  # the feed tokens are made on the first visit
    with count_queries() as bare:
        assert client.get("/groups/mine").status_code == 200
    db.session.add_all([
        Material(session=sessions["later"], title="Agenda for veiledningen", url="https://example.org/agenda"),
        Material(module=world["gathering"], title="Lesestoff til samlingen", url="https://example.org/les"),
        AbsenceNotice(session=sessions["later"], person=world["kari"], given_as=NoticeGiver.PERSON,
                      given_by_id=kari_user.id, given_at=clock.now(), stand_in=make_person()),
        SessionGuest(session=sessions["skd_own"], person=world["kari"]),
    ])
    propose_addition(world["udir"], by=kari_user, name="Nina Ny", email="nina@example.org", title=None,
                     role=MemberRole.MEMBER)
    db.session.commit()
    with count_queries() as full:
        html = client.get("/groups/mine", headers=EN).get_data(as_text=True)
    assert "Agenda for veiledningen" in html and "Lesestoff til samlingen" in html
    assert "Notice of absence given" in row(html, sessions["later"])
    assert "Nina Ny" in html
    assert full["n"] == bare["n"] <= 15


@pytest.mark.parametrize("page", ["/groups/mine", "/groups/{udir}"])
def test_the_page_reads_the_groups_sessions_once(client, db, world, page):
    """The schedule and the progress on My group and the group page come from one load of
    the sessions the group is expected at."""
    from sqlalchemy import event

    login_as(client, world["users"]["kari"])
    url = page.format(udir=world["udir"].id)
    client.get(url)  # the feed tokens are made on the first visit
    statements = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    # The group page reads the sessions beside their attendance marks (one statement, joined).
    group_sessions = [s for s in statements
                      if re.search(r"\bFROM session\s+(?:LEFT OUTER JOIN attendance\b.*?)?WHERE session\.cohort_id\b",
                                   s, re.DOTALL)]
    assert len(group_sessions) == 1, group_sessions


# The cohorts' information for participants


def test_the_information_for_participants_of_each_cohort_reaches_the_page(client, db, world):
    world["cohort"].participant_information = "Ta med PC.\nOppmøte 09:00 i resepsjonen."
    world["older"].participant_information = "Rapporten leveres i juni."
    world["cohort"].notes = "Budsjettet er stramt."
    db.session.commit()
    html = page(client, world["users"]["kari"])
    page_ = read(html)
    assert "Information for participants" in [h for h in re.findall(r"<h2[^>]*>([^<]*)</h2>", html)]
    current = html[html.index('id="participant-information"'):html.index('id="next"')]
    # Beside the current group, with its line breaks (the stylesheet keeps them).
    assert '<p class="ds-paragraph keeps-lines">Ta med PC.\nOppmøte 09:00 i resepsjonen.</p>' in current
    # An earlier cohort's, under her earlier group, labelled with its cohort.
    earlier = html[html.index("Your other groups"):]
    assert "Information for participants in Kull 2" in earlier and "Rapporten leveres i juni." in earlier
    assert "Ta med PC." not in earlier
    # The coordinators' notes stay with staff.
    assert "Budsjettet er stramt." not in page_.text
    nb = client.get("/groups/mine", headers={"Accept-Language": "nb"}).get_data(as_text=True)
    assert "Informasjon til deltakerne" in nb and "Informasjon til deltakerne i Kull 2" in nb
    nn = client.get("/groups/mine", headers={"Accept-Language": "nn"}).get_data(as_text=True)
    assert "Informasjon til deltakarane" in nn


def test_without_information_for_participants_the_page_has_no_such_heading(client, db, world):
    html = page(client, world["users"]["kari"])
    assert "Information for participants" not in html


def test_every_table_on_the_page_scrolls_in_its_own_region(client, world):
    """At 390 px the members' and the results' tables made the page about 800 px wide."""
    tables, outside = tables_outside_scroll_regions(page(client, world["users"]["kari"]))
    assert tables >= 3 and outside == 0


@pytest.fixture
def kept(app):
    """The app with a fragment cache as served (the suite's is off)."""
    from tracker.fragments import EXTENSION, FragmentCache

    saved = app.extensions[EXTENSION]
    app.extensions[EXTENSION] = FragmentCache(1_000_000)
    yield app.extensions[EXTENSION]
    app.extensions[EXTENSION] = saved


def test_the_course_and_results_are_kept_until_a_change_is_saved(client, db, world, kept,
                                                                 frozen_clock):
    """My group keeps its course (facts, schedule) and its progress and results for the reader,
    drawn the same as afresh; a session moved since is on the next view; the kept pieces hold no
    form (a CSRF token is one browser's): the calendar's forms are drawn every time."""
    frozen_clock(datetime.now(OSLO).replace(second=0, microsecond=0))
    login_as(client, world["users"]["kari"])

    def view() -> str:
        response = client.get("/groups/mine", headers=EN)
        assert response.status_code == 200
        # A CSRF token is signed with the moment it was made: the rest must read the same.
        return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"',
                      response.get_data(as_text=True))

    pieces = kept.pieces
    kept.pieces = None  # drawn afresh first: what the kept pieces must read like
    afresh = view()
    kept.pieces = pieces
    assert view() == afresh and (kept.hits, kept.misses) == (0, 2)
    assert view() == afresh and kept.hits == 2
    assert len(kept.pieces) == 2
    for piece in kept.pieces.values():
        assert "<form" not in piece and "csrf_token" not in piece
    assert "Get the calendar's address" in afresh and "csrf_token" in afresh
    world["sessions"]["later"].location = "Udir, rom 9"
    db.session.commit()
    assert "Udir, rom 9" in row(view(), world["sessions"]["later"]) and kept.hits == 2


def test_the_kept_pieces_are_the_readers_own(client, db, world, kept, frozen_clock):
    """Two leaders of the same group each get the pieces drawn for them: Kari's attendance
    column is not kept for the group's other leader, who is no person."""
    frozen_clock(datetime.now(OSLO).replace(second=0, microsecond=0))
    assert "Your attendance" in page(client, world["users"]["kari"])
    assert "Your attendance" not in page(client, world["users"]["udir"])
