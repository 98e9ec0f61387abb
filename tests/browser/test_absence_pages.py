"""Notice of absence pages (issue 13, item 2) as a participant's and a coordinator's browser
show them: "My sessions", the notice form (fresh, and refused), and the roster with a notice
and a stand-in to decide; each passes the axe walk's checks in nb, nn and en and fits a phone."""
from datetime import datetime, timedelta

import pytest

from tests.browser.test_accessibility import new_context, switch_language
from tests.browser.test_roster_pages import DESKTOP, PHONE, checked, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.committed]


@pytest.fixture
def absence_world(db, make_cohort, make_organisation, make_user):
    """Udir's coaching in two weeks; Ada (top leader, signs in) and Ulf, who has given notice
    with a reason and proposed Sara as stand-in; a coordinator."""
    from tracker import clock
    from tracker.groups.models import EnrolmentStatus
    from tracker.groups.services import enrol
    from tracker.people.models import MemberRole, Membership, Person
    from tracker.programmes.models import CourseModule, ModuleKind
    from tracker.schedule.absence import give_notice
    from tracker.schedule.models import Session, SessionStatus

    today = clock.today()
    cohort = make_cohort(label="Kull 8", start_date=today - timedelta(days=30))
    module = CourseModule(programme=cohort.programme, position=1, name_nb="Veiledning",
                          name_en="Coaching", kind=ModuleKind.GROUP_WORK, is_joint=False,
                          offset_weeks=0, duration_days=1)
    db.session.add(module)
    organisation = make_organisation(name_nb="Utdanningsdirektoratet", short_name="Udir")
    group = enrol(cohort, organisation, status=EnrolmentStatus.CONFIRMED)
    people = {}
    for name, role in (("Ada Langnavn-Etternavnsen", MemberRole.TOP_LEADER),
                       ("Ulf Udir", MemberRole.MEMBER)):
        people[name] = Person(name=name, email=f"{name.split()[0].lower()}@example.org",
                              organisation=organisation)
        group.memberships.append(Membership(person=people[name], role=role,
                                            joined_on=cohort.start_date))
    sara = Person(name="Sara Stedfortreder", email="sara@example.org", organisation=organisation)
    starts = clock.oslo_time(today + timedelta(days=14), datetime.min.time().replace(hour=9))
    session = Session(cohort=cohort, module=module, enrolment=group, starts_at=starts,
                      ends_at=starts + timedelta(hours=3), location="Oslo", status=SessionStatus.PLANNED)
    db.session.add_all([session, sara])
    db.session.commit()
    coordinator = make_user("coordinator", email="absence-coordinator@example.org")
    ada = make_user("agency", organisation=organisation, email="ada.user@example.org")
    ulf = make_user("agency", organisation=organisation, email="ulf.user@example.org")
    ada.person, ulf.person = people["Ada Langnavn-Etternavnsen"], people["Ulf Udir"]
    db.session.commit()
    give_notice(session, ulf.person_id, user=ulf, reason="Tannlege", stand_in_id=sara.id)
    db.session.commit()
    return {"session": session, "coordinator": coordinator, "ada": ada, "today": today}


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_notice_pages_are_accessible_and_fit(browser, live_server, axe_path, absence_world,
                                                 language):
    session = absence_world["session"]
    give = f"/schedule/sessions/{session.id}/absence"
    storage_state = switch_language(browser, live_server, language) if language != "nb" else None
    problems = []
    for viewport in (PHONE, DESKTOP):
        for who in ("ada", "coordinator"):
            context = new_context(browser, storage_state=storage_state, viewport=viewport)
            context.add_init_script(path=str(axe_path))
            try:
                page = context.new_page()
                sign_in(page, live_server, absence_world[who].email)
                problems += _walk(page, live_server, who, session, language, axe_path,
                                  viewport["width"])
            finally:
                context.close()
    assert not problems, "\n".join(str(p) for p in problems)


def _walk(page, live_server, who, session, language, axe_path, width) -> list:
    problems = []
    give = f"/schedule/sessions/{session.id}/absence"
    if who == "coordinator":
        roster = f"/schedule/sessions/{session.id}/attendance"
        assert page.goto(live_server + roster).status == 200
        return checked(page, roster + " (a notice)", language, axe_path, width)
    for path in ("/schedule/absence/mine", give):
        assert page.goto(live_server + path).status == 200, path
        problems += checked(page, path, language, axe_path, width)
    # Refused: a new stand-in's name without an address.
    page.fill("input[name=stand_in_name]", "Nina Ny")
    with page.expect_navigation():
        page.locator("form[action$='/absence'] button[type=submit]").click()
    assert page.locator(".ds-error-summary").count() == 1
    return problems + checked(page, give + " (refused)", language, axe_path, width)
