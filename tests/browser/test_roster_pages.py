"""The attendance roster (with a guest, search results and a refusal), its sign-in sheet, and
the question before a shared calendar address is ended, as a coordinator's browser shows
them: each passes the checks of the axe walk (tests/browser/test_accessibility.py) in nb, nn
and en, and no page scrolls sideways at 390 or 1280 px (the roster scrolls in its own region)."""
import hashlib
from datetime import datetime, timedelta

import pytest

from tests.browser.test_accessibility import check_page, new_context, switch_language
from tests.conftest import PASSWORD

# The live server answers from another thread, so what the test makes must be committed.
pytestmark = [pytest.mark.browser, pytest.mark.committed]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PAGE_WIDTH = "() => document.documentElement.scrollWidth"


@pytest.fixture
def roster_world(db, make_cohort, make_organisation, make_user):
    """A joint gathering that started yesterday for two groups of five, a guest on it, a
    shared address of one group's calendar, and a coordinator."""
    from tracker import clock
    from tracker.calendar.models import FeedKind, FeedToken
    from tracker.groups.models import EnrolmentStatus
    from tracker.groups.services import enrol
    from tracker.people.models import MemberRole, Membership, Person
    from tracker.programmes.models import CourseModule, ModuleKind
    from tracker.schedule.models import Session, SessionGuest, SessionStatus

    today = clock.today()
    cohort = make_cohort(label="Kull 8", start_date=today - timedelta(days=30))
    module = CourseModule(programme=cohort.programme, position=1, name_nb="Fellessamling 1",
                          name_en="Joint gathering 1", kind=ModuleKind.JOINT_GATHERING, is_joint=True,
                          offset_weeks=0, duration_days=2)
    db.session.add(module)
    groups = []
    for name, short in (("Direktoratet for forvaltning og økonomistyring", "DFØ"),
                        ("Norges vassdrags- og energidirektorat", "NVE")):
        enrolment = enrol(cohort, make_organisation(name_nb=name, short_name=short),
                          status=EnrolmentStatus.CONFIRMED)
        for n in range(5):
            enrolment.memberships.append(Membership(
                person=Person(name=f"Kristoffer Langnavn-Etternavnsen {short} {n}",
                              email=f"{short.lower()}{n}@example.org"),
                role=MemberRole.TOP_LEADER if n == 0 else MemberRole.MEMBER,
                joined_on=cohort.start_date))
        groups.append(enrolment)
    starts = clock.oslo_time(today - timedelta(days=1), datetime.min.time().replace(hour=9))
    session = Session(cohort=cohort, module=module, starts_at=starts, ends_at=starts + timedelta(days=1, hours=6),
                      location="Oslo", status=SessionStatus.PLANNED)
    guest = Person(name="Sara Stedfortreder", email="sara.guest@example.org")
    searched = Person(name="Sara Søkbar", email="sara.search@example.org")
    db.session.add_all([session, guest, searched, SessionGuest(session=session, person=guest)])
    db.session.add(FeedToken(kind=FeedKind.ENROLMENT, subject_id=groups[0].id, user_id=None,
                             token_hash=hashlib.sha256(b"shared").hexdigest()))
    db.session.commit()
    coordinator = make_user("coordinator", email="roster-coordinator@example.org")
    make_user("agency", organisation=groups[0].organisation, email="dfo-leader@example.org")
    return {"session": session, "group": groups[0], "coordinator": coordinator, "today": today}


def sign_in(page, live_server, email):
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")


def checked(page, path, language, axe_path, width) -> list:
    problems = [f"{p}" for p in check_page(page, path, language, axe_path)]
    if page.evaluate(PAGE_WIDTH) > width:
        problems.append(f"{path}: {page.evaluate(PAGE_WIDTH)} px wide at {width} px")
    return problems


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_roster_pages_are_accessible_and_fit(browser, live_server, axe_path, roster_world, language):
    session, group = roster_world["session"], roster_world["group"]
    roster = f"/schedule/sessions/{session.id}/attendance"
    pages = [roster, f"{roster}?q=sara", f"/schedule/sessions/{session.id}/sign-in-sheet",
             f"/calendar/enrolment/{group.id}/end-shared?next=/groups/{group.id}"]
    storage_state = switch_language(browser, live_server, language) if language != "nb" else None
    problems = []
    for viewport in (PHONE, DESKTOP):
        context = new_context(browser, storage_state=storage_state, viewport=viewport)
        context.add_init_script(path=str(axe_path))
        try:
            page = context.new_page()
            sign_in(page, live_server, roster_world["coordinator"].email)
            for path in pages:
                response = page.goto(live_server + path)
                assert response.status == 200, path
                problems += checked(page, path, language, axe_path, viewport["width"])
            # A refusal in the roster: everyone present, then a note too long for one row
            # (the browser's maxlength stepped round, as a script could).
            page.goto(live_server + roster)
            note = page.locator("input[name^=note_]").first
            note.evaluate("(box) => { box.removeAttribute('maxlength'); box.value = 'x'.repeat(501); }")
            with page.expect_navigation():
                page.get_by_role("button", name={"nb": "Lagre oppmøte", "nn": "Lagre oppmøte",
                                                 "en": "Save attendance"}[language]).click()
            assert page.locator(".ds-error-summary").count() == 1
            problems += checked(page, roster + " (refused)", language, axe_path, viewport["width"])
        finally:
            context.close()
    assert not problems, "\n".join(str(p) for p in problems)


def test_everyone_present_works_without_javascript(browser, live_server, roster_world, db):
    from sqlalchemy import func, select

    from tracker.schedule.models import Attendance

    session = roster_world["session"]
    context = new_context(browser, viewport=PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, live_server, roster_world["coordinator"].email)
        page.goto(f"{live_server}/schedule/sessions/{session.id}/attendance")
        page.get_by_role("radio").nth(1).check()  # the first row: excused
        with page.expect_navigation():
            page.get_by_role("button", name="Merk alle andre som til stede").click()
        assert page.locator(".ds-alert[data-color=success]").count() == 1
    finally:
        context.close()
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Attendance.id)).where(Attendance.session_id == session.id)) == 11
