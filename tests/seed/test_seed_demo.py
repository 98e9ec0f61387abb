"""The demo seed: the real programme's facts, fictional people, and nothing twice.

The expected facts are written out here (from DOMAIN.md's tables), not read from the seed's
own data, so a slip in either shows.
"""
from collections import Counter
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from sqlalchemy import func, select

from tracker.cohorts.models import Cohort, Season
from tracker.groups.models import Enrolment, EnrolmentStatus
from tracker.people.models import MemberRole, Membership, Person
from tracker.organisations.models import Organisation, OrganisationKind
from tracker.programmes.models import CourseModule, ModuleKind, Programme
from tracker.schedule.models import Attendance, AttendanceStatus, Session, SessionStatus
from tracker.seed import demo
from tracker.seed.demo import load_demo
from tracker.seed.synthetic import table_counts

OSLO = ZoneInfo("Europe/Oslo")
# The example cohorts of a demo loaded on AFTER_ALL run into 2019.
NORWEGIAN_HOLIDAYS = holidays.country_holidays("NO", years=range(2015, 2020))
# After the last cohort's planned end: every session has been held.
AFTER_ALL = date(2018, 6, 1)
# Pilot finished, Kull 1–3 running, Kull 4 about to start.
SPRING_2017 = date(2017, 3, 1)

M, D = OrganisationKind.MINISTRY, OrganisationKind.DIRECTORATE
# name_nb: (short name, English name, kind, owning ministry's short name, org. number)
ORGANISATIONS = {
    "Nærings- og fiskeridepartementet": (
        "NFD", "Ministry of Trade, Industry and Fisheries", M, None, "912660680"),
    "Klima- og miljødepartementet": (
        "KLD", "Ministry of Climate and Environment", M, None, "972417882"),
    "Kommunal- og moderniseringsdepartementet": (
        "KMD", "Ministry of Local Government and Modernisation", M, None, "972417858"),
    "Helse- og omsorgsdepartementet": (
        "HOD", "Ministry of Health and Care Services", M, None, "983887406"),
    "Kunnskapsdepartementet": (
        "KD", "Ministry of Education and Research", M, None, "872417842"),
    "Landbruks- og matdepartementet": (
        "LMD", "Ministry of Agriculture and Food", M, None, "972417874"),
    "Kulturdepartementet": ("KUD", "Ministry of Culture", M, None, "972417866"),
    "Barne- og likestillingsdepartementet": (
        "BLD", "Ministry of Children and Equality", M, None, "972417793"),
    "Olje- og energidepartementet": (
        "OED", "Ministry of Petroleum and Energy", M, None, "977161630"),
    "Finansdepartementet": ("FIN", "Ministry of Finance", M, None, None),
    "Arbeids- og sosialdepartementet": (
        "ASD", "Ministry of Labour and Social Affairs", M, None, "983887457"),
    "Helsedirektoratet": ("Hdir", "Norwegian Directorate of Health", D, "HOD", "983544622"),
    "Norges vassdrags- og energidirektorat": (
        "NVE", "Norwegian Water Resources and Energy Directorate", D, "OED", "970205039"),
    "Utdanningsdirektoratet": (
        "Udir", "Norwegian Directorate for Education and Training", D, "KD", "970018131"),
    "Barne-, ungdoms- og familiedirektoratet": (
        "Bufdir", "Norwegian Directorate for Children, Youth and Family Affairs", D, "BLD",
        "986128433"),
    "Mattilsynet": (None, "Norwegian Food Safety Authority", D, "LMD", "985399077"),
    "Direktoratet for økonomistyring": (
        "DFØ", "Norwegian Government Agency for Financial Management", D, "FIN", "986252932"),
    "Konkurransetilsynet": (None, "Norwegian Competition Authority", D, "NFD", "974761246"),
    "Miljødirektoratet": ("Mdir", "Norwegian Environment Agency", D, "KLD", "999601391"),
    "Skattedirektoratet": ("SKD", "Directorate of Taxes", D, "FIN", "974761076"),
    "Arbeids- og velferdsdirektoratet": (
        "NAV", "Norwegian Labour and Welfare Directorate", D, "ASD", "889640782"),
    "Lånekassen": (None, "Norwegian State Educational Loan Fund", D, "KD", "960885406"),
    "Tolldirektoratet": (None, "Directorate of Customs", D, "FIN", None),
    "Direktoratet for forvaltning og IKT": (
        "Difi", "Agency for Public Management and eGovernment", D, "KMD", None),
}

# The example cohorts' organisations, besides the table's (tests/seed/test_seed_examples.py):
# name_nb: owning ministry's short name.
EXAMPLE_ORGANISATIONS = {
    "Statistisk sentralbyrå": "FIN", "Landbruksdirektoratet": "LMD", "Arbeidstilsynet": "ASD",
    "Folkehelseinstituttet": "HOD", "Riksantikvaren": "KLD", "Kartverket": "KMD",
    "Fiskeridirektoratet": "NFD", "Nasjonalbiblioteket": "KUD", "Statens helsetilsyn": "HOD",
}

# label: (ordinal, season, year, organisations)
COHORTS = {
    "Pilot": (0, Season.AUTUMN, 2015, {
        "Nærings- og fiskeridepartementet", "Klima- og miljødepartementet",
        "Helsedirektoratet", "Norges vassdrags- og energidirektorat"}),
    "Kull 1": (1, Season.AUTUMN, 2016, {
        "Kommunal- og moderniseringsdepartementet", "Helse- og omsorgsdepartementet",
        "Utdanningsdirektoratet", "Barne-, ungdoms- og familiedirektoratet"}),
    "Kull 2": (2, Season.AUTUMN, 2016, {
        "Mattilsynet", "Direktoratet for økonomistyring", "Konkurransetilsynet",
        "Miljødirektoratet"}),
    "Kull 3": (3, Season.SPRING, 2017, {
        "Skattedirektoratet", "Arbeids- og velferdsdirektoratet", "Lånekassen",
        "Tolldirektoratet"}),
    "Kull 4": (4, Season.SPRING, 2017, {
        "Kunnskapsdepartementet", "Landbruks- og matdepartementet", "Kulturdepartementet",
        "Barne- og likestillingsdepartementet"}),
}


@pytest.fixture
def loaded(demo_database):
    """The demo as loaded after every session was held; loaded once per run, for tests that read."""
    return demo_database(AFTER_ALL)


def all_of(db, model):
    return db.session.scalars(select(model)).all()


def is_example(cohort: Cohort) -> bool:
    """The example cohorts, dated from the day the demo is loaded (tests/seed/test_seed_examples.py)."""
    return cohort.label.startswith("Eksempel:")


def real_cohorts(db) -> list[Cohort]:
    """The programme's own cohorts, Pilot to Kull 4."""
    return [cohort for cohort in all_of(db, Cohort) if not is_example(cohort)]


def real_groups(db) -> list[Enrolment]:
    return [group for group in all_of(db, Enrolment) if not is_example(group.cohort)]




def oslo_day(instant):
    return instant.astimezone(OSLO).date()


def expected_at(session: Session) -> set[Person]:
    """Top leaders and members of the session's group, or of every group for a joint session."""
    groups = [session.enrolment] if session.enrolment else session.cohort.enrolments
    return {
        membership.person
        for group in groups
        for membership in group.memberships
        if membership.role in (MemberRole.TOP_LEADER, MemberRole.MEMBER)
    }


# The programme's facts


def test_the_organisations_are_those_of_the_table(loaded):
    organisations = {o.name_nb: o for o in all_of(loaded, Organisation)}

    assert set(organisations) == set(ORGANISATIONS) | set(EXAMPLE_ORGANISATIONS)
    for name, owner in EXAMPLE_ORGANISATIONS.items():
        example = organisations[name]
        assert (example.kind, example.owning_ministry.short_name) == (D, owner), name
        assert example.name_en and example.org_number is None  # numbers we did not check
    for name, (short, name_en, kind, owner, number) in ORGANISATIONS.items():
        organisation = organisations[name]
        owning = organisation.owning_ministry
        assert (organisation.short_name, organisation.name_en, organisation.kind) == (
            short, name_en, kind), name
        assert (owning.short_name if owning else None) == owner, name
        assert organisation.org_number == number, name


def test_numbers_not_known_for_sure_stay_empty(loaded):
    blank = loaded.session.scalars(
        select(Organisation.name_nb).where(Organisation.org_number.is_(None),
                                           Organisation.name_nb.in_(ORGANISATIONS))
    ).all()
    assert set(blank) == {"Finansdepartementet", "Tolldirektoratet",
                          "Direktoratet for forvaltning og IKT"}


def test_the_programme(loaded):
    (programme,) = all_of(loaded, Programme)

    assert programme.name_nb == "Program for toppledergrupper"
    assert programme.name_en == "Programme for top-management groups"
    assert programme.responsible_organisation.short_name == "Difi"
    assert (programme.course_length_months, programme.groups_per_cohort) == (10, 4)
    for words in ("strategiske", "gruppeeffektivitet", "fire ledergrupper", "ti måneder",
                  "fire fellessamlinger", "før og etter"):
        assert words in programme.description_nb
    for words in ("strategic", "group effectiveness", "four leadership groups", "ten months",
                  "four joint gatherings", "before and after"):
        assert words in programme.description_en


def test_the_course_plan_runs_about_ten_months(loaded):
    modules = loaded.session.scalars(select(CourseModule).order_by(CourseModule.position)).all()

    assert len(modules) >= 10
    assert [m.position for m in modules] == list(range(1, len(modules) + 1))
    assert all(a.offset_weeks < b.offset_weeks for a, b in zip(modules, modules[1:]))
    assert all(m.name_nb and m.name_en for m in modules)
    start, closing = modules[0], modules[-1]
    assert (start.kind, start.is_joint, start.offset_weeks) == (ModuleKind.ASSESSMENT, False, 0)
    assert (closing.kind, closing.is_joint, closing.duration_days) == (
        ModuleKind.EVALUATION, True, 1)
    assert 40 <= closing.offset_weeks <= 45
    gatherings = [m for m in modules if m.kind is ModuleKind.JOINT_GATHERING]
    assert len(gatherings) == 4 and all(m.is_joint for m in gatherings)
    assert (gatherings[0].offset_weeks, gatherings[0].duration_days) == (8, 2)
    assert all(1 <= m.duration_days <= 2 for m in gatherings)
    assert modules[-2].kind is ModuleKind.ASSESSMENT and not modules[-2].is_joint
    # Between the gatherings, each group works on its own.
    between = modules[modules.index(gatherings[0]) + 1:modules.index(gatherings[-1])]
    assert {m.kind for m in between if not m.is_joint} == {ModuleKind.GROUP_WORK}


def test_the_cohorts_and_their_groups(loaded):
    cohorts = {c.label: c for c in real_cohorts(loaded)}

    assert set(cohorts) == set(COHORTS)
    for label, (ordinal, season, year, organisations) in COHORTS.items():
        cohort = cohorts[label]
        assert (cohort.ordinal, cohort.season, cohort.year) == (ordinal, season, year)
        assert {e.organisation.name_nb for e in cohort.enrolments} == organisations
        assert cohort.capacity == 4
        assert cohort.start_date.year == year
    assert cohorts["Kull 3"].start_date == date(2017, 1, 9)
    assert cohorts["Pilot"].planned_end == date(2016, 7, 1)  # ten months from 1 September 2015


# Fictional people


def test_every_group_has_a_top_leader_members_and_a_contact(loaded):
    for group in all_of(loaded, Enrolment):
        roles = Counter(m.role for m in group.memberships)
        assert roles[MemberRole.TOP_LEADER] == 1
        assert roles[MemberRole.MEMBER] in (4, 5)
        assert roles[MemberRole.CONTACT] == 1
        for membership in group.memberships:
            assert membership.joined_on == group.cohort.start_date
            assert membership.person.organisation == group.organisation
            assert membership.person.title


def test_people_are_fictional_with_addresses_at_example_org(loaded):
    people = all_of(loaded, Person)

    assert len(people) == len({p.email for p in people}) >= 20 * 6
    assert all(p.email.endswith("@example.org") for p in people)
    fictional = {"Eksempelsen", "Prøvesen", "Fiktivdal", "Testrud"}
    assert fictional <= {p.name.split()[-1] for p in people}


# Sessions


def test_every_cohort_has_its_joint_and_group_sessions(loaded):
    modules = all_of(loaded, CourseModule)
    joint = {m.id for m in modules if m.is_joint}
    per_group = {m.id for m in modules if not m.is_joint}

    for cohort in real_cohorts(loaded):
        sessions = loaded.session.scalars(
            select(Session).where(Session.cohort_id == cohort.id)).all()
        joint_sessions = [s for s in sessions if s.is_joint]
        assert sorted(s.module_id for s in joint_sessions) == sorted(joint)
        assert all(s.location == "Difi, Grev Wedels plass 9, Oslo" for s in joint_sessions)
        for group in cohort.enrolments:
            own = [s for s in sessions if s.enrolment_id == group.id]
            assert sorted(s.module_id for s in own) == sorted(per_group)
            organisation = group.organisation
            assert all(s.location == f"Hos {organisation.short_name or organisation.name_nb}"
                       for s in own)
        assert len(sessions) == len(joint) + 4 * len(per_group)


def test_sessions_start_at_nine_on_working_days(loaded):
    sessions = all_of(loaded, Session)

    assert sessions
    for session in sessions:
        for day in (oslo_day(session.starts_at), oslo_day(session.ends_at)):
            assert day.weekday() < 5, session.starts_at
            assert day not in NORWEGIAN_HOLIDAYS, session.starts_at
            assert day.month != 7, session.starts_at
        assert session.starts_at.astimezone(OSLO).hour == 9


def test_the_first_gathering_of_kull_3_is_in_early_march(loaded):
    gathering = loaded.session.scalar(
        select(Session).join(Session.cohort).join(Session.module)
        .where(Cohort.label == "Kull 3", CourseModule.position == 2)
    )
    assert oslo_day(gathering.starts_at) == date(2017, 3, 6)


def test_a_group_never_has_two_sessions_at_once_and_keeps_to_its_course(loaded):
    for group in all_of(loaded, Enrolment):
        cohort = group.cohort
        sessions = loaded.session.scalars(
            select(Session).join(Session.module)
            .where(Session.cohort_id == cohort.id,
                   (Session.enrolment_id == group.id) | Session.enrolment_id.is_(None))
            .order_by(CourseModule.position)
        ).all()
        for earlier, later in zip(sessions, sessions[1:]):
            assert earlier.ends_at < later.starts_at, (group, later.module.name_en)
        # The groups' own sessions are spread one group a day: the first within the first week.
        assert cohort.start_date <= oslo_day(sessions[0].starts_at) < cohort.start_date + timedelta(days=7)
        assert oslo_day(sessions[-1].ends_at) <= cohort.planned_end


# Attendance


def test_every_held_session_has_a_register_of_everyone_expected(loaded):
    sessions = [s for s in all_of(loaded, Session) if not is_example(s.cohort)]

    assert all(s.status is SessionStatus.HELD for s in sessions)
    for session in sessions:
        assert {a.person for a in session.attendances} == expected_at(session)


def test_contacts_are_not_expected(loaded):
    contacts = select(Membership.person_id).where(Membership.role == MemberRole.CONTACT)
    assert loaded.session.scalar(
        select(func.count(Attendance.id)).where(Attendance.person_id.in_(contacts))) == 0


def test_most_people_were_present(loaded):
    statuses = Counter(a.status for a in all_of(loaded, Attendance))
    share = statuses[AttendanceStatus.PRESENT] / sum(statuses.values())

    assert 0.8 <= share <= 0.93
    assert statuses[AttendanceStatus.ABSENT] and statuses[AttendanceStatus.EXCUSED]


# Statuses as of a given day


def test_statuses_are_as_they_were_on_the_day(demo_database):
    db = demo_database(SPRING_2017)

    expected_history = {
        "Pilot": [EnrolmentStatus.INVITED, EnrolmentStatus.CONFIRMED, EnrolmentStatus.ACTIVE,
                  EnrolmentStatus.COMPLETED],
        "Kull 1": [EnrolmentStatus.INVITED, EnrolmentStatus.CONFIRMED, EnrolmentStatus.ACTIVE],
        "Kull 2": [EnrolmentStatus.INVITED, EnrolmentStatus.CONFIRMED, EnrolmentStatus.ACTIVE],
        "Kull 3": [EnrolmentStatus.INVITED, EnrolmentStatus.CONFIRMED, EnrolmentStatus.ACTIVE],
        # Starts on 3 April 2017; confirmed eight weeks before, in February.
        "Kull 4": [EnrolmentStatus.INVITED, EnrolmentStatus.CONFIRMED],
    }
    for group in all_of(db, Enrolment):
        history = group.status_history
        assert [step.status for step in history] == expected_history[group.cohort.label]
        assert group.status is history[-1].status
        times = [step.changed_at for step in history]
        assert times == sorted(times)
        assert oslo_day(times[1]) < group.cohort.start_date
        assert all(oslo_day(t).month != 7 for t in times[:2])


def test_only_sessions_before_the_day_are_held_and_registered(demo_database):
    db = demo_database(SPRING_2017)

    sessions = all_of(db, Session)
    held = [s for s in sessions if s.status is SessionStatus.HELD]
    planned = [s for s in sessions if s.status is SessionStatus.PLANNED]
    assert held and planned
    assert all(oslo_day(s.ends_at) < SPRING_2017 for s in held)
    assert all(oslo_day(s.ends_at) >= SPRING_2017 for s in planned)
    assert all(s.attendances == [] for s in planned)
    assert all({a.person for a in s.attendances} == expected_at(s) for s in held)


# Loading again, failing, and the command


def test_a_second_load_adds_nothing(demo_database):
    demo_database(AFTER_ALL)  # loaded once already, with load_demo(today=AFTER_ALL)
    first = table_counts()
    said = []

    load_demo(echo=said.append, today=AFTER_ALL)

    assert table_counts() == first
    demo_tables = {"organisation", "programme", "course_module", "cohort", "enrolment",
                   "enrolment_status_change", "person", "membership", "session", "attendance",
                   "user_account"}
    assert all(first[table] > 0 for table in demo_tables)
    assert said[0] == "Nothing new: the demo data was already loaded."


def test_a_load_that_fails_writes_nothing(db, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("the register fell on the floor")

    monkeypatch.setattr(demo, "load_attendance", fail)

    with pytest.raises(RuntimeError):
        load_demo(today=AFTER_ALL)

    assert set(table_counts().values()) == {0}


def test_the_command_loads_and_summarises(app, db):
    runner = app.test_cli_runner()

    result = runner.invoke(args=["seed", "demo"])

    assert result.exit_code == 0, result.output
    # The programme's 24 and the example cohorts' 9; its 5 cohorts and 3 examples.
    assert "organisations: 33" in result.output
    assert "cohorts: 8" in result.output
    assert db.session.scalar(select(func.count(Organisation.id))) == 33

    again = runner.invoke(args=["seed", "demo"])

    assert again.exit_code == 0, again.output
    assert "Nothing new" in again.output


def test_if_empty_skips_a_database_with_a_programme(app, db):
    load_demo(today=AFTER_ALL)
    before = table_counts()

    result = app.test_cli_runner().invoke(args=["seed", "demo", "--if-empty"])

    assert result.exit_code == 0, result.output
    assert "Skipped" in result.output
    assert table_counts() == before


def test_if_empty_loads_an_empty_database(app, db):
    result = app.test_cli_runner().invoke(args=["seed", "demo", "--if-empty"])

    assert result.exit_code == 0, result.output
    assert "organisations: 33" in result.output


def test_there_is_one_account_for_each_role_and_the_command_prints_how_to_sign_in(app, client, db):
    from tests.conftest import csrf_token
    from tracker.roles import Role
    from tracker.users.models import User

    result = app.test_cli_runner().invoke(args=["seed", "demo"])
    accounts = {u.email: u for u in db.session.scalars(select(User))}
    assert {u.role for u in accounts.values()} == set(Role)
    udir, fin = accounts["leder.udir@example.org"], accounts["leder.fin@example.org"]
    assert (udir.role, udir.organisation.short_name) == (Role.AGENCY, "Udir")
    assert udir.person.memberships[0].role.name == "TOP_LEADER"
    # A ministry's own group has group leaders too.
    assert (fin.role, fin.organisation.short_name) == (Role.AGENCY, "FIN")
    assert fin.person.memberships[0].role.name == "TOP_LEADER"
    assert accounts["departement.kd@example.org"].organisation.short_name == "KD"
    for user in accounts.values():
        line = next(line for line in result.output.splitlines() if user.email in line)
        password = line.split("password: ")[1].split(",")[0]
        signed_in = app.test_client()
        response = signed_in.post("/login", data={"email": user.email, "password": password,
                                                   "csrf_token": csrf_token(signed_in)})
        assert response.status_code == 302, user.email


# Assessment dimensions and assessments


def test_the_programme_has_at_least_eight_dimensions_in_both_languages(loaded):
    from tracker.assessments.models import AssessmentDimension

    dimensions = loaded.session.scalars(
        select(AssessmentDimension).order_by(AssessmentDimension.position)).all()

    assert len(dimensions) >= 8
    assert [d.position for d in dimensions] == list(range(1, len(dimensions) + 1))
    assert all(d.name_nb and d.name_en and d.description_nb and d.description_en
               for d in dimensions)
    assert len({d.name_en for d in dimensions}) == len(dimensions)
    assert {"Clear purpose", "Meeting effectiveness", "Strategic focus"} <= {
        d.name_en for d in dimensions}


def test_every_finished_group_has_a_baseline_at_the_start_and_a_final_at_the_end(loaded):
    from tracker.assessments.models import (
        SCORE_MAX, SCORE_MIN, Assessment, AssessmentDimension, AssessmentKind)

    dimension_ids = set(loaded.session.scalars(select(AssessmentDimension.id)))
    final_module = loaded.session.scalar(
        select(CourseModule).where(CourseModule.kind == ModuleKind.ASSESSMENT)
        .order_by(CourseModule.position.desc()).limit(1))
    for group in real_groups(loaded):
        assessments = {a.kind: a for a in loaded.session.scalars(
            select(Assessment).where(Assessment.enrolment_id == group.id))}
        assert set(assessments) == {AssessmentKind.BASELINE, AssessmentKind.FINAL}, group
        baseline, final = assessments[AssessmentKind.BASELINE], assessments[AssessmentKind.FINAL]
        start = group.cohort.start_date
        assert 0 <= (baseline.assessed_on - start).days <= 21  # in the first weeks
        final_session = loaded.session.scalar(
            select(Session).where(Session.enrolment_id == group.id,
                                  Session.module_id == final_module.id))
        assert final.assessed_on == oslo_day(final_session.starts_at)
        assert baseline.assessed_on < final.assessed_on <= group.cohort.planned_end
        expected = sum(1 for m in group.memberships
                       if m.role in (MemberRole.TOP_LEADER, MemberRole.MEMBER))
        for assessment in (baseline, final):
            assert assessment.respondents == expected
            assert {s.dimension_id for s in assessment.scores} == dimension_ids
            assert all(SCORE_MIN <= s.score <= SCORE_MAX for s in assessment.scores)
            assert all(s.score == s.score.quantize(s.score.__class__("0.01"))
                       for s in assessment.scores)


def test_about_seven_in_ten_scores_improve_as_the_programme_reported(loaded):
    from tracker.assessments.models import Assessment, AssessmentKind

    scores = {}
    for assessment in all_of(loaded, Assessment):
        if is_example(assessment.enrolment.cohort):
            continue  # their finals are not recorded yet
        for score in assessment.scores:
            scores[(assessment.enrolment_id, score.dimension_id, assessment.kind)] = score.score
    changes = [scores[(e, d, AssessmentKind.FINAL)] - before
               for (e, d, kind), before in scores.items() if kind is AssessmentKind.BASELINE]

    assert len(changes) >= 20 * 8
    improved = sum(1 for change in changes if change > 0) / len(changes)
    assert 0.6 <= improved <= 0.8
    assert sum(changes) > 0


def test_a_running_cohort_has_only_its_baselines_and_they_keep_their_scores_later(db, demo_database):
    from tracker.assessments.models import Assessment, AssessmentKind

    def counts():
        rows = db.session.execute(
            select(Cohort.label, Assessment.kind, func.count(Assessment.id))
            .join(Assessment.enrolment).join(Enrolment.cohort)
            .where(Cohort.label.not_like("Eksempel:%"))
            .group_by(Cohort.label, Assessment.kind)).all()
        return {(label, kind): n for label, kind, n in rows}

    def baselines():
        return {
            (a.enrolment.cohort.label, a.enrolment.organisation.name_nb, s.dimension.position): s.score
            for a in all_of(db, Assessment) if a.kind is AssessmentKind.BASELINE
            for s in a.scores
        }

    demo_database(SPRING_2017)  # db.session now reads the demo loaded in spring 2017
    early = counts()
    early_baselines = baselines()

    assert early[("Pilot", AssessmentKind.BASELINE)] == early[("Pilot", AssessmentKind.FINAL)] == 4
    for label in ("Kull 1", "Kull 2", "Kull 3"):
        assert early[(label, AssessmentKind.BASELINE)] == 4
        assert (label, AssessmentKind.FINAL) not in early
    assert not any(label == "Kull 4" for label, _ in early)

    demo_database(AFTER_ALL)  # and now the demo loaded afresh, into another database, later

    assert set(counts().values()) == {4} and len(counts()) == 10
    later = baselines()
    assert {key: later[key] for key in early_baselines} == early_baselines


def test_a_second_load_adds_no_dimensions_or_assessments(demo_database):
    demo_database(AFTER_ALL)  # loaded once already, with load_demo(today=AFTER_ALL)
    first = table_counts()

    load_demo(today=AFTER_ALL)

    for table in ("assessment_dimension", "assessment", "assessment_score"):
        assert first[table] > 0
        assert table_counts()[table] == first[table]


@pytest.mark.parametrize("start, season", [
    (date(2026, 1, 12), Season.SPRING), (date(2026, 5, 25), Season.SPRING),
    (date(2026, 6, 1), Season.AUTUMN), (date(2026, 6, 29), Season.AUTUMN),
    (date(2026, 8, 17), Season.AUTUMN), (date(2026, 12, 7), Season.AUTUMN),
])
def test_an_example_starting_in_june_is_an_autumn_course(start, season):
    """Review of issue 11, item 12: "Eksempel: Kull juni 2026" was labelled "Vår 2026"."""
    assert demo.season_of(start) is season
