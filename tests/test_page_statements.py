"""Each page a user opens answers in a bounded number of SQL statements (issue 14: at most 15),
the same for a small group and cohort as for a larger one: nothing is loaded once per row.

The pages are read on the demo as loaded on TODAY (`demo_database`), as each kind of user who
opens them, then the same cohort grows (more groups, group sessions, members and attendance
marks) and they are read again. bench/statement_census.py prints every page's count.
"""
from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from tests.conftest import SAVEPOINT_STATEMENTS, IsolatedClient, login_as, oslo
from tracker.cohorts.models import Cohort
from tracker.groups.models import Enrolment, EnrolmentStatus
from tracker.organisations.models import Organisation
from tracker.schedule.models import Attendance, AttendanceStatus
from tracker.users.models import User

TODAY = date(2026, 11, 27)
MOST = 15
READERS = {
    "coordinator": "koordinator@example.org",
    "agency": "leder.udir@example.org",
    "ministry": "departement.kd@example.org",
}


@pytest.fixture
def demo(demo_database, frozen_clock):
    frozen_clock(TODAY)
    return demo_database(TODAY)


@pytest.fixture
def demo_client(demo_apps, demo):
    demo_app = demo_apps(TODAY)
    demo_app.test_client_class = IsolatedClient
    return demo_app.test_client()


@pytest.fixture
def udir_group(demo):
    """The Udir group of the newest cohort it is in: the demo's group leader's and ministry
    viewer's, so every reader here opens the same pages."""
    return demo.session.scalar(
        select(Enrolment).join(Enrolment.cohort).join(Enrolment.organisation)
        .where(Organisation.name_nb == "Utdanningsdirektoratet").order_by(Cohort.ordinal.desc()).limit(1))


def statements(demo, client, url: str) -> int:
    client.get(url)  # a first visit may make things (feed tokens); the count is of a later one
    counted = []

    def before(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(SAVEPOINT_STATEMENTS):
            counted.append(statement)

    event.listen(demo.engine, "before_cursor_execute", before)
    try:
        response = client.get(url)
    finally:
        event.remove(demo.engine, "before_cursor_execute", before)
    assert response.status_code == 200, url
    return len(counted)


def grow(demo, group, make_session, make_module, make_member, make_organisation):
    """The group's cohort with three more groups; the group with ten more sessions of its own
    and twelve more members, each marked at every one of the group's sessions."""
    from tracker.groups.services import enrol

    cohort = group.cohort
    cohort.capacity = 50
    for n in range(3):
        enrol(cohort, make_organisation(name_nb=f"Vekstetaten {n}"), status=EnrolmentStatus.CONFIRMED)
    module = make_module(cohort.programme)
    days = [cohort.start_date + timedelta(weeks=n + 1) for n in range(10)]
    sessions = [make_session(cohort, module, group, starts_at=oslo(day.year, day.month, day.day))
                for day in days]
    members = [make_member(group) for _ in range(12)]
    for session in sessions:
        for membership in members:
            demo.session.add(Attendance(person=membership.person, session=session,
                                        status=AttendanceStatus.PRESENT))
    demo.session.commit()


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("page", ["cohort", "group"])
def test_the_page_answers_in_the_same_few_statements_as_its_cohort_grows(
        demo, demo_client, udir_group, reader, page, make_session, make_module, make_member,
        make_organisation):
    login_as(demo_client, demo.session.scalar(select(User).where(User.email == READERS[reader])))
    url = f"/cohorts/{udir_group.cohort_id}" if page == "cohort" else f"/groups/{udir_group.id}"

    before = statements(demo, demo_client, url)
    grow(demo, udir_group, make_session, make_module, make_member, make_organisation)
    after = statements(demo, demo_client, url)

    assert before <= MOST, f"{url} as {reader}: {before} statements"
    assert after == before, f"{url} as {reader}: {before} statements, {after} once the cohort grew"
