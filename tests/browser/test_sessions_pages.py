"""The pages of cancelling, withdrawing and proposing as a coordinator's browser meets them: a
withdrawal listing the sessions it cancels, a cancelled session with its reason and a
replacement to plan, a cancel refused for want of a reason, and a proposal for a cohort without
groups. Each passes the same checks as the axe walk of every page
(tests/browser/test_accessibility.py), in nb, nn and en, and fits a 390 px wide phone."""
from datetime import date, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest

from tests.browser.test_accessibility import check_page, new_context, switch_language
from tests.browser.test_two_factor_pages import PAGE_WIDTH, PHONE, sign_in
from tracker.groups.models import EnrolmentStatus
from tracker.groups.services import enrol
from tracker.programmes.models import CourseModule, ModuleKind
from tracker.schedule.models import Session, SessionStatus
from tracker.schedule.sessions import replacement_for

pytestmark = [pytest.mark.browser, pytest.mark.committed]

OSLO = ZoneInfo("Europe/Oslo")
TODAY = date(2016, 11, 15)


def at(year, month, day, hour=9):
    return datetime(year, month, day, hour, tzinfo=OSLO)


@pytest.fixture
def world(db, make_cohort, make_organisation, make_user, frozen_clock):
    frozen_clock(TODAY)
    cohort = make_cohort(label="Kull 1", start_date=date(2016, 8, 29))
    gathering = CourseModule(programme=cohort.programme, position=1, name_nb="Fellessamling 1",
                             name_en="Joint gathering 1", kind=ModuleKind.JOINT_GATHERING,
                             is_joint=True, offset_weeks=14, duration_days=2)
    coaching = CourseModule(programme=cohort.programme, position=2, name_nb="Veiledning 1",
                            name_en="Coaching 1", kind=ModuleKind.GROUP_WORK, is_joint=False,
                            offset_weeks=10)
    db.session.add_all([gathering, coaching])
    udir = enrol(cohort, make_organisation(name_nb="Utdanningsdirektoratet", short_name="Udir"))
    udir.status = EnrolmentStatus.ACTIVE
    planned = Session(cohort=cohort, module=coaching, enrolment=udir, starts_at=at(2016, 11, 22),
                      ends_at=at(2016, 11, 22, 12), status=SessionStatus.PLANNED, location="Hos Udir")
    cancelled = Session(cohort=cohort, module=gathering, starts_at=at(2016, 12, 5),
                        ends_at=at(2016, 12, 6, 15), status=SessionStatus.CANCELLED,
                        cancellation_reason="Foredragsholderen er syk", location="Difi")
    db.session.add_all([planned, cancelled])
    empty = make_cohort(label="Kull 9", start_date=date(2027, 1, 11))  # the same course plan
    user = make_user("coordinator", email="sessions-pages@example.org")
    db.session.commit()
    return {"cohort": cohort, "udir": udir, "planned": planned, "cancelled": cancelled,
            "empty": empty, "user": user}


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_cancelling_and_proposing_pages_are_accessible_and_fit_a_phone(
    browser, live_server, axe_path, world, language
):
    replacement = urlencode(replacement_for(world["cancelled"], TODAY).as_args())
    paths = [
        f"/groups/{world['udir'].id}/status",
        f"/schedule/sessions/{world['cancelled'].id}/edit",
        f"/cohorts/{world['cohort'].id}",
        f"/groups/{world['udir'].id}",
        f"/schedule/cohorts/{world['cohort'].id}/sessions/new?{replacement}",
        f"/schedule/cohorts/{world['empty'].id}/proposal",
    ]
    storage_state = switch_language(browser, live_server, language) if language != "nb" else None
    context = new_context(browser, storage_state=storage_state, viewport=PHONE)
    context.add_init_script(path=str(axe_path))
    problems = []
    try:
        page = context.new_page()
        sign_in(page, live_server, world["user"].email)
        for path in paths:
            response = page.goto(live_server + path)
            assert response.status == 200, (path, response.status)
            problems += check_page(page, path, language, axe_path)
            if page.evaluate(PAGE_WIDTH) > PHONE["width"]:
                problems.append(f"{path}: wider than {PHONE['width']} px")
        # Cancelling without a reason: refused, the reason's box marked.
        path = f"/schedule/sessions/{world['planned'].id}/edit"
        page.goto(live_server + path)
        page.select_option("select[name=status]", "CANCELLED")
        with page.expect_navigation():
            page.locator("form.stack button[type=submit]").click()
        assert page.locator("textarea[name=cancellation_reason][aria-invalid=true]").count() == 1
        problems += check_page(page, path, language, axe_path)
    finally:
        context.close()
    assert problems == []
