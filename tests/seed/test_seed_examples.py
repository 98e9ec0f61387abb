"""The demo's example cohorts: dated from the day it is loaded, marked as examples, made of real
organisations that were not in Pilot–Kull 4 and fictional people, so every demo role lands on a
page with something current on it. Loading again changes nothing.

The demo is read as loaded on TODAY (once per run, `demo_database`), with the clock frozen there.
"""
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests.conftest import IsolatedClient, login_as
from tests.html import read
from tracker.assessments.models import Assessment, AssessmentKind
from tracker.cohorts.models import Cohort, CohortStatus
from tracker.groups.models import Enrolment, EnrolmentStatus
from tracker.schedule.models import Session, SessionStatus
from tracker.seed.demo import load_demo
from tracker.seed.synthetic import table_counts
from tracker.users.models import User
from tracker.working_days import is_working_day

OSLO = ZoneInfo("Europe/Oslo")
# A Friday in late November: the running example's next gathering is in December.
TODAY = date(2026, 11, 27)
NB = {"Accept-Language": "nb"}

PILOT_TO_KULL_4 = {
    "Nærings- og fiskeridepartementet", "Klima- og miljødepartementet", "Helsedirektoratet",
    "Norges vassdrags- og energidirektorat", "Kommunal- og moderniseringsdepartementet",
    "Helse- og omsorgsdepartementet", "Utdanningsdirektoratet",
    "Barne-, ungdoms- og familiedirektoratet", "Mattilsynet", "Direktoratet for økonomistyring",
    "Konkurransetilsynet", "Miljødirektoratet", "Skattedirektoratet",
    "Arbeids- og velferdsdirektoratet", "Lånekassen", "Tolldirektoratet",
    "Kunnskapsdepartementet", "Landbruks- og matdepartementet", "Kulturdepartementet",
    "Barne- og likestillingsdepartementet",
}


@pytest.fixture
def demo(demo_database, frozen_clock):
    frozen_clock(TODAY)
    return demo_database(TODAY)


@pytest.fixture
def examples(demo):
    """The example cohorts by what they show: running, starting (planned), just finished."""
    cohorts = demo.session.scalars(
        select(Cohort).where(Cohort.label.like("Eksempel:%")).order_by(Cohort.start_date)).all()
    assert len(cohorts) == 3
    by_status = {cohort.status(TODAY): cohort for cohort in cohorts}
    assert set(by_status) == set(CohortStatus)
    return by_status


@pytest.fixture
def demo_client(demo_apps, demo):
    """A client of the app that holds the demo loaded on TODAY."""
    demo_app = demo_apps(TODAY)
    demo_app.test_client_class = IsolatedClient
    return demo_app.test_client()


def sign_in(client, db, email: str) -> None:
    login_as(client, db.session.scalar(select(User).where(User.email == email)))


def oslo_day(instant):
    return instant.astimezone(OSLO).date()


def sessions_of(db, cohort):
    return db.session.scalars(
        select(Session).where(Session.cohort_id == cohort.id).order_by(Session.starts_at)).all()


def group(cohort, name):
    return next(e for e in cohort.enrolments if e.organisation.name_nb == name)


# What each example shows


def test_the_running_example_has_a_session_last_week_without_attendance(demo, examples):
    running = examples[CohortStatus.RUNNING]
    monday = TODAY - timedelta(days=TODAY.weekday())

    unrecorded = [s for s in sessions_of(demo, running)
                  if s.status is SessionStatus.PLANNED and oslo_day(s.ends_at) < TODAY]

    assert len(unrecorded) == 1
    (session,) = unrecorded
    assert monday - timedelta(days=7) <= oslo_day(session.starts_at) < monday
    assert session.attendances == []
    assert session.enrolment.organisation.name_nb == "Statistisk sentralbyrå"
    others = [s for s in sessions_of(demo, running)
              if oslo_day(s.ends_at) < TODAY and s is not session]
    assert others and all(s.status is SessionStatus.HELD and s.attendances for s in others)


def test_the_running_example_meets_for_a_joint_gathering_in_two_weeks(demo, examples):
    running = examples[CohortStatus.RUNNING]

    upcoming = [s for s in sessions_of(demo, running)
                if s.is_joint and oslo_day(s.starts_at) >= TODAY]

    assert oslo_day(upcoming[0].starts_at) == date(2026, 12, 11)  # two weeks on, a Friday
    assert upcoming[0].module.name_nb == "Fellessamling 3"
    assert all(e.status is EnrolmentStatus.ACTIVE for e in running.enrolments)


def test_the_running_example_has_a_group_with_low_attendance_on_the_attention_list(
        demo_client, demo, examples):
    sign_in(demo_client, demo, "koordinator@example.org")

    page = read(demo_client.get("/", headers=NB).data)

    assert examples[CohortStatus.RUNNING].label in page.text
    assert "Ingenting trenger oppfølging" not in page.text
    assert "Landbruksdirektoratet" in page.text and "Oppmøtet er" in page.text
    assert "står fortsatt som planlagt, uten oppmøte" in page.text


def test_the_next_example_has_a_free_place_and_an_unanswered_invitation(demo, examples):
    starting = examples[CohortStatus.PLANNED]

    assert 60 <= (starting.start_date - TODAY).days <= 120
    assert starting.places_taken == starting.capacity - 1
    invited = [e for e in starting.enrolments if e.status is EnrolmentStatus.INVITED]
    assert [e.organisation.name_nb for e in invited] == ["Riksantikvaren"]
    invited_at = invited[0].status_history[0].changed_at
    assert (TODAY - oslo_day(invited_at)).days >= 42
    confirmed = [e for e in starting.enrolments if e.status is EnrolmentStatus.CONFIRMED]
    assert len(confirmed) == 2
    assert sessions_of(demo, starting)
    assert all(s.status is SessionStatus.PLANNED for s in sessions_of(demo, starting))


def test_the_finished_example_waits_for_its_final_assessment(demo, examples):
    finished = examples[CohortStatus.COMPLETED]

    assert TODAY - timedelta(days=45) <= finished.planned_end < TODAY
    sessions = sessions_of(demo, finished)
    assert all(s.status is SessionStatus.HELD for s in sessions)
    assert oslo_day(sessions[-1].ends_at) <= TODAY - timedelta(days=10)
    kinds = demo.session.execute(
        select(Assessment.kind, func.count()).join(Assessment.enrolment)
        .where(Enrolment.cohort_id == finished.id).group_by(Assessment.kind)).all()
    assert dict(kinds) == {AssessmentKind.BASELINE: 4}
    assert all(e.status is EnrolmentStatus.ACTIVE for e in finished.enrolments)


# Marked as examples, of real organisations, on working days


def test_examples_say_so_in_their_label_and_on_their_page(demo_client, demo, examples):
    sign_in(demo_client, demo, "departement.kd@example.org")
    running = examples[CohortStatus.RUNNING]

    page = read(demo_client.get(f"/cohorts/{running.id}", headers=NB).data)

    assert all(c.label.startswith("Eksempel: Kull ") for c in examples.values())
    assert len({c.label for c in examples.values()}) == 3
    assert running.label in page.text
    assert "Dette er et eksempelkull" in page.text
    assert "personene er oppdiktet" in page.text


def test_examples_are_of_real_organisations_new_to_the_programme(demo, examples):
    names = {e.organisation.name_nb for c in examples.values() for e in c.enrolments}

    assert len(names) == 11
    # Udir takes the course again: its group leader account's home is its running group.
    assert names & PILOT_TO_KULL_4 == {"Utdanningsdirektoratet"}
    for cohort in examples.values():
        for enrolment in cohort.enrolments:
            organisation = enrolment.organisation
            assert organisation.kind.name == "MINISTRY" or organisation.owning_ministry
            assert all(m.person.email.endswith("@example.org") for m in enrolment.memberships)


def test_example_sessions_are_on_working_days_inside_their_course(demo, examples):
    for cohort in examples.values():
        sessions = sessions_of(demo, cohort)
        assert sessions
        for session in sessions:
            assert is_working_day(oslo_day(session.starts_at)), session
            assert is_working_day(oslo_day(session.ends_at)), session
            assert cohort.start_date <= oslo_day(session.starts_at)
            assert oslo_day(session.ends_at) <= cohort.planned_end


# Every role lands on something current


def test_the_admin_sees_the_running_example_and_what_needs_attention(demo_client, demo, examples):
    sign_in(demo_client, demo, "admin@example.org")

    page = read(demo_client.get("/", headers=NB).data)

    assert examples[CohortStatus.RUNNING].label in page.text
    assert examples[CohortStatus.PLANNED].label in page.text
    assert "Ingenting trenger oppfølging" not in page.text


def test_the_agency_leader_lands_on_udirs_running_group(demo_client, demo, examples):
    sign_in(demo_client, demo, "leder.udir@example.org")

    assert demo_client.get("/").headers["Location"] == "/groups/mine"
    page = read(demo_client.get("/groups/mine", headers=NB).data)

    assert examples[CohortStatus.RUNNING].label in page.text
    assert "Fellessamling 3" in page.text


def test_the_ministry_leader_lands_on_the_ministrys_own_running_group(
        demo_client, demo, examples):
    sign_in(demo_client, demo, "leder.fin@example.org")

    page = read(demo_client.get("/groups/mine", headers=NB).data)

    assert examples[CohortStatus.RUNNING].label in page.text
    assert "Fellessamling 3" in page.text
    ssb = group(examples[CohortStatus.RUNNING], "Statistisk sentralbyrå")  # under FIN
    assert demo_client.get(f"/groups/{ssb.id}").status_code in (403, 404)


def test_the_ministry_viewer_sees_an_agency_of_theirs_in_a_running_course(
        demo_client, demo, examples):
    sign_in(demo_client, demo, "departement.kd@example.org")
    running = examples[CohortStatus.RUNNING]

    home = read(demo_client.get("/", headers=NB).data)
    udir = read(demo_client.get(f"/groups/{group(running, 'Utdanningsdirektoratet').id}",
                                headers=NB).data)

    assert running.label in home.text
    assert "Pågår" in home.text
    assert "Fellessamling 3" in udir.text or "Gruppearbeid og veiledning" in udir.text


# Loading again




def test_loading_again_the_same_day_or_later_changes_nothing(demo):
    first = table_counts()
    said = []

    load_demo(echo=said.append, today=TODAY)
    load_demo(today=TODAY + timedelta(days=40))

    assert table_counts() == first
    assert said[0] == "Nothing new: the demo data was already loaded."


def test_before_the_real_cohorts_are_over_there_are_no_examples(demo_database):
    db = demo_database(date(2017, 3, 1))

    assert db.session.scalar(
        select(func.count(Cohort.id)).where(Cohort.label.like("Eksempel:%"))) == 0


def test_the_commands_load_once(app, db, frozen_clock):
    frozen_clock(TODAY)
    runner = app.test_cli_runner()

    first = runner.invoke(args=["seed", "demo"])
    counts = table_counts()
    again = runner.invoke(args=["seed", "demo"])
    if_empty = runner.invoke(args=["seed", "demo", "--if-empty"])

    assert first.exit_code == again.exit_code == if_empty.exit_code == 0
    assert "cohorts: 8" in first.output
    assert "leder.fin@example.org" in first.output
    assert "Nothing new" in again.output and "Skipped" in if_empty.output
    assert table_counts() == counts
    assert db.session.scalar(
        select(func.count(Cohort.id)).where(Cohort.label.like("Eksempel:%"))) == 3


def test_the_attention_list_has_the_examples_own_cases(demo_apps, demo, examples):
    """The review's case: the next example's free place and Riksantikvaren's invitation,
    unanswered for weeks, are on the list though the start is months ahead; the finished
    example, its groups still active, asks for final results and the groups marked completed."""
    from tracker.attention.services import Kind, Urgency, needs_attention

    with demo_apps(TODAY).test_request_context(headers=NB):
        items = needs_attention(TODAY)
    starting, finished = examples[CohortStatus.PLANNED], examples[CohortStatus.COMPLETED]
    found = {(item.kind, item.cohort_label, item.group_name): item for item in items}
    invited = found[(Kind.STILL_INVITED, starting.label, "Riksantikvaren")]
    free = found[(Kind.FREE_PLACES, starting.label, None)]
    assert invited.urgency is free.urgency is Urgency.LATER
    unfinished = found[(Kind.NOT_MARKED_COMPLETED, finished.label, None)]
    assert unfinished.urgency is Urgency.SOON
    assert "4 ledergrupper er ikke satt til fullført" in str(unfinished.reason)
    # Only the example: the real cohorts' groups were marked completed.
    assert [item.cohort_label for item in items if item.kind is Kind.NOT_MARKED_COMPLETED] == [
        finished.label]
