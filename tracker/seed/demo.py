"""The demo: the real programme, its cohorts and organisations, with fictional people.

The loader is data (`programme_data` and the fictional people below) plus calls to the services
that own the rules. Every record is looked up by its natural key before it is made, so a second
load adds nothing; everything is written in one transaction, so a load that fails writes nothing.
"""
import copy
import itertools
import math
import random
from collections import Counter
from collections.abc import Callable
from contextlib import nullcontext
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from statistics import NormalDist
from typing import NamedTuple

import click
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker import clock
from tracker.assessments.models import (
    SCORE_MAX,
    SCORE_MIN,
    Assessment,
    AssessmentDimension,
    AssessmentKind,
)
from tracker.cohorts.models import Cohort, CohortStatus, Season
from tracker.assessments.services import add_dimension, record_assessment
from tracker.cohorts.services import create_cohort, update_cohort
from tracker.extensions import db
from tracker.groups.models import Enrolment, EnrolmentStatus
from tracker.people.models import MemberRole, Membership, Person
from tracker.groups.services import enrol, record_status
from tracker.organisations.models import Organisation, OrganisationKind
from tracker.organisations.services import create_organisation
from tracker.people.services import add_membership, create_person
from tracker.programmes.services import add_module, create_programme
from tracker.programmes.models import CourseModule, ModuleKind, Programme
from tracker.schedule.models import AttendanceStatus, Session, SessionStatus
from tracker.schedule.attendance import (
    EXPECTED_ROLES,
    Mark,
    attendance_register,
    expectable_memberships,
    record_attendance,
)
from tracker.schedule.proposals import accept_proposal, proposal_fingerprint, proposal_for
from tracker.schedule.sessions import update_session
from tracker.schedule.warnings import UnseenWarnings
from tracker.seed import example_data as examples
from tracker.seed import instrument_data as survey
from tracker.seed.evaluation import load_evaluation_form
from tracker.seed import programme_data as data
from tracker.surveys.instruments import create_instrument
from tracker.surveys.models import (
    HeadlineFigure,
    Instrument,
    InstrumentVersion,
    Item,
    ItemAnswer,
    OpenAnswer,
    Response,
    RoundKind,
    SurveyRound,
)
from tracker.surveys.rounds import members_on, open_round
from tracker.roles import Role
from tracker.users.models import User
from tracker.users.services import create_user, hash_password
from tracker.working_days import is_working_day, next_working_day

Echo = Callable[[str], object]

# What the summary counts, in the order it prints them.
TALLIES = (
    "organisations",
    "programmes",
    "course modules",
    "materials",
    "cohorts",
    "leadership groups",
    "status changes",
    "people",
    "memberships",
    "sessions",
    "attendance records",
    "assessment dimensions",
    "assessments",
    "survey instruments",
    "headline figures",
    "evaluation forms",
    "survey rounds",
    "survey respondents",
    "survey responses",
    "user accounts",
    "messages",
)

# One account for each role, to sign in to the demo with. The passwords are printed and in the
# README: these accounts are for a demo database only.
DEMO_ACCOUNTS = (
    ("admin@example.org", Role.ADMIN, None, "demo fjordlys administrator"),
    ("koordinator@example.org", Role.COORDINATOR, None, "demo fjordlys koordinator"),
    ("leder.udir@example.org", Role.AGENCY, "Utdanningsdirektoratet", "demo fjordlys virksomhetsleder"),
    ("departement.kd@example.org", Role.MINISTRY, "Kunnskapsdepartementet", "demo fjordlys departement"),
    # A ministry's own leadership group has group leaders too: Finansdepartementet's, in the
    # running example cohort.
    ("leder.fin@example.org", Role.AGENCY, "Finansdepartementet", "demo fjordlys departementsleder"),
    # Issue 13: a member of Utdanningsdirektoratet's running group (not its top leader or contact
    # person), who sees only their own groups. The organisation names the group; the account
    # itself has none.
    ("deltaker.udir@example.org", Role.PARTICIPANT, "Utdanningsdirektoratet", "demo fjordlys deltaker"),
)

# Fictional people: a fixed list, so every load makes the same people. The surnames say plainly
# that nobody real is meant.
GIVEN_NAMES = (
    "Kari", "Ola", "Ingrid", "Lars", "Sigrid", "Anders", "Marit", "Erik", "Hilde", "Bjørn",
    "Tone", "Per", "Liv", "Knut", "Randi", "Håkon", "Silje", "Geir", "Nina", "Trond",
    "Ane", "Morten", "Ragnhild", "Espen", "Guro", "Stian", "Åse", "Jon", "Mona",
)
SURNAMES = (
    "Eksempelsen", "Prøvesen", "Fiktivdal", "Testrud", "Demoli", "Skissebakken", "Utkastvik",
    "Modellstad", "Plassholdersen",
)
# One top leader, four or five members and one contact: never more than seven in a group.
PEOPLE_PER_GROUP_AT_MOST = 7
TOP_LEADER_TITLES = {
    OrganisationKind.MINISTRY: "Departementsråd",
    OrganisationKind.DIRECTORATE: "Direktør",
}
MEMBER_TITLES = {
    OrganisationKind.MINISTRY: (
        "Ekspedisjonssjef", "Ekspedisjonssjef", "Kommunikasjonssjef", "Ekspedisjonssjef",
        "Administrasjonssjef",
    ),
    OrganisationKind.DIRECTORATE: (
        "Assisterende direktør", "Avdelingsdirektør", "Kommunikasjonsdirektør",
        "Avdelingsdirektør", "Avdelingsdirektør",
    ),
}
CONTACT_TITLE = "Seniorrådgiver"
EMAIL_DOMAIN = "example.org"
ASCII_LETTERS = str.maketrans({"æ": "ae", "ø": "o", "å": "a"})

# Attendance is drawn at random, from a fixed seed so that every load gives the same register.
ATTENDANCE_SEED = 20150901
# Mostly present; of the rest, most sent word ahead.
PRESENT_SHARE, EXCUSED_SHARE = 0.87, 0.08
# A group that comes this seldom is well below the attention list's threshold (three in four).
LOW_PRESENT_SHARE = 0.5


def load_demo(echo: Echo | None = None, today: date | None = None) -> None:
    """Load the programme, its organisations and cohorts, and fictional groups, in one commit;
    with the example survey instrument, and the example cohorts' survey rounds and answers.

    Statuses (of groups, sessions and rounds) and attendance are as they would be on `today`, by
    default the real today. Anything already there, found by its natural key, is left as it
    is. `echo` (like `click.echo`) gets a progress bar and a summary; None keeps quiet.
    """
    today = today or clock.today()
    added: Counter[str] = Counter()
    try:
        organisations = load_organisations(added)
        programme = load_programme(organisations, added)
        modules = load_course_plan(programme, added)
        load_example_material(modules, added)
        dimensions = load_dimensions(programme, added)
        version = load_instrument(programme, added)
        load_headline_figures(programme, added)
        load_evaluation_form(programme, added)
        cohorts = [(load_cohort(programme, facts, added), facts) for facts in data.COHORTS]
        group_numbers = itertools.count()
        with progress(cohorts, echo) as steps:
            for cohort, facts in steps:
                for name in facts.organisations:
                    enrolment = load_enrolment(cohort, organisations[name], today, added)
                    load_people(enrolment, next(group_numbers), added)
                load_sessions(cohort, today, added)
                load_attendance(cohort, today, added)
                load_assessments(cohort, modules, dimensions, today, added)
        if today > max(cohort.planned_end for cohort, _ in cohorts):
            for facts in examples.EXAMPLES:
                load_example(programme, facts, organisations, modules, dimensions,
                             group_numbers, today, added)
            for facts in examples.EXAMPLES:
                load_survey_rounds(programme, facts, version, modules, today, added)
        load_accounts(organisations, added)
        load_example_message(programme, added)  # issue 13
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    report(added, echo)


def database_has_programme() -> bool:
    """True when any programme is in the database, the demo's or another."""
    return db.session.scalar(select(Programme.id).limit(1)) is not None


# Organisations and the programme


def load_organisations(added: Counter[str]) -> dict[str, Organisation]:
    """Every organisation of the programme data, by bokmål name."""
    found: dict[str, Organisation] = {}
    by_short_name: dict[str, Organisation] = {}
    for facts in (*data.ORGANISATIONS, *examples.ORGANISATIONS):
        organisation = find_organisation(facts)
        if organisation is None:
            organisation = create_organisation(
                name_nb=facts.name_nb,
                name_en=facts.name_en,
                short_name=facts.short_name,
                kind=OrganisationKind(facts.kind),
                org_number=facts.org_number,
                owning_ministry=by_short_name.get(facts.owning_ministry),
            )
            db.session.flush()
            added["organisations"] += 1
        found[facts.name_nb] = organisation
        if facts.short_name:
            by_short_name[facts.short_name] = organisation
    return found


def find_organisation(facts: data.OrganisationFacts) -> Organisation | None:
    """The organisation with this number or, where the number is not known, this name."""
    if facts.org_number:
        by_number = db.session.scalar(
            select(Organisation).where(Organisation.org_number == facts.org_number)
        )
        if by_number:
            return by_number
    return db.session.scalar(select(Organisation).where(Organisation.name_nb == facts.name_nb))


def load_programme(organisations: dict[str, Organisation], added: Counter[str]) -> Programme:
    facts = data.PROGRAMME
    programme = db.session.scalar(select(Programme).where(Programme.name_nb == facts.name_nb))
    if programme is None:
        programme = create_programme(
            name_nb=facts.name_nb,
            name_en=facts.name_en,
            responsible_organisation=organisations[facts.responsible_organisation],
            course_length_months=facts.course_length_months,
            groups_per_cohort=facts.groups_per_cohort,
            description_nb=facts.description_nb,
            description_en=facts.description_en,
        )
        added["programmes"] += 1
    return programme


def load_course_plan(programme: Programme, added: Counter[str]) -> list[CourseModule]:
    """The programme's modules in order, the typical course plan's steps added (at the end of
    the plan, as a coordinator adds them) where one of that name is missing."""
    names = set(
        db.session.scalars(
            select(CourseModule.name_nb).where(CourseModule.programme_id == programme.id)
        )
    )
    for facts in data.COURSE_PLAN:
        if facts.name_nb in names:
            continue
        add_module(
            programme,
            name_nb=facts.name_nb,
            name_nn=facts.name_nn,
            name_en=facts.name_en,
            kind=ModuleKind(facts.kind),
            is_joint=facts.is_joint,
            offset_weeks=facts.offset_weeks,
            duration_days=facts.duration_days,
            hours_per_day=facts.hours_per_day,
        )
        added["course modules"] += 1
    return list(
        db.session.scalars(
            select(CourseModule)
            .where(CourseModule.programme_id == programme.id)
            .order_by(CourseModule.position)
        )
    )


def load_example_material(modules: list[CourseModule], added: Counter[str]) -> None:
    """Issue 13, materials: an example link on the first joint module, so its materials page
    (and a participant's list) shows one; added once."""
    from tracker.materials.models import Material
    from tracker.materials.services import add_link

    joint = next((m for m in modules if m.is_joint), None)
    if joint is None or db.session.scalar(select(Material.id).where(Material.module_id == joint.id)):
        return
    add_link(joint, url="https://www.regjeringen.no/", title="Eksempel: lenke til regjeringen.no")
    added["materials"] += 1


# Cohorts and their groups


def load_cohort(programme: Programme, facts: data.CohortFacts, added: Counter[str]) -> Cohort:
    cohort = db.session.scalar(
        select(Cohort).where(Cohort.programme_id == programme.id, Cohort.label == facts.label)
    )
    if cohort is None:
        cohort = create_cohort(
            programme,
            label=facts.label,
            ordinal=facts.ordinal,
            season=Season(facts.season),
            year=facts.year,
            start_date=facts.start_date,
            notes=facts.notes,
        )
        db.session.flush()
        added["cohorts"] += 1
    return cohort


def load_enrolment(
    cohort: Cohort, organisation: Organisation, today: date, added: Counter[str]
) -> Enrolment:
    """The organisation's leadership group in the cohort, with the steps it took by `today`."""
    enrolment = db.session.scalar(
        select(Enrolment).where(
            Enrolment.cohort_id == cohort.id, Enrolment.organisation_id == organisation.id
        )
    )
    if enrolment is not None:
        return enrolment
    (first_status, first_at), *later_steps = status_steps(cohort, today)
    enrolment = enrol(cohort, organisation, status=first_status, at=first_at)
    for status, at in later_steps:
        record_status(enrolment, status, at=at)
    db.session.flush()
    added["leadership groups"] += 1
    added["status changes"] += 1 + len(later_steps)
    return enrolment


def status_steps(cohort: Cohort, today: date) -> list[tuple[EnrolmentStatus, datetime]]:
    """The steps a group in `cohort` has taken by `today`, each with a plausible time.

    Invited sixteen weeks and confirmed eight weeks before the start (on a working day: not
    in July), active from the start, completed at the planned end. A group is always at least
    invited: that is how it enters.
    """
    invited_on = next_working_day(cohort.start_date - timedelta(weeks=16))
    confirmed_on = next_working_day(cohort.start_date - timedelta(weeks=8))
    steps = [
        (EnrolmentStatus.INVITED, oslo_time(invited_on, 10)),
        (EnrolmentStatus.CONFIRMED, oslo_time(confirmed_on, 10)),
        (EnrolmentStatus.ACTIVE, oslo_time(cohort.start_date, 9)),
        (EnrolmentStatus.COMPLETED, oslo_time(cohort.planned_end, 16)),
    ]
    status = cohort.status(today)
    if status is CohortStatus.COMPLETED:
        return steps
    if status is CohortStatus.RUNNING:
        return steps[:3]
    return steps[:1] + [step for step in steps[1:2] if step[1].date() <= today]


def oslo_time(day: date, hour: int) -> datetime:
    return clock.oslo_time(day, time(hour))


# Fictional people


class PersonFacts(NamedTuple):
    name: str
    email: str
    title: str
    role: MemberRole


def fictional_group(organisation: Organisation, group_number: int) -> list[PersonFacts]:
    """The same made-up people for the same group on every load.

    Groups take turns having five and four members; names run on from group to group, so
    the demo does not show the same faces in every organisation.
    """
    member_count = 5 if group_number % 2 == 0 else 4
    roles = [MemberRole.TOP_LEADER, *[MemberRole.MEMBER] * member_count, MemberRole.CONTACT]
    titles = [
        TOP_LEADER_TITLES[organisation.kind],
        *MEMBER_TITLES[organisation.kind][:member_count],
        CONTACT_TITLE,
    ]
    people = []
    for place, (role, title) in enumerate(zip(roles, titles)):
        n = group_number * PEOPLE_PER_GROUP_AT_MOST + place
        given, surname = GIVEN_NAMES[n % len(GIVEN_NAMES)], SURNAMES[n % len(SURNAMES)]
        # The organisation in the address keeps it unique when a name comes round again.
        email = f"{as_email_part(given)}.{as_email_part(surname)}"
        email += f".{as_email_part(organisation.short_label('nb'))}"
        people.append(PersonFacts(f"{given} {surname}", f"{email}@{EMAIL_DOMAIN}", title, role))
    return people


def as_email_part(text: str) -> str:
    return text.lower().translate(ASCII_LETTERS).replace(" ", "-")


def load_people(enrolment: Enrolment, group_number: int, added: Counter[str]) -> None:
    """The group's fictional people, each a member from the cohort's start."""
    for facts in fictional_group(enrolment.organisation, group_number):
        person = db.session.scalar(select(Person).where(Person.email == facts.email))
        if person is None:
            person = create_person(
                name=facts.name,
                email=facts.email,
                title=facts.title,
                organisation=enrolment.organisation,
            )
            added["people"] += 1
        is_member = db.session.scalar(
            select(Membership.id).where(
                Membership.enrolment_id == enrolment.id, Membership.person_id == person.id
            )
        )
        if not is_member:
            add_membership(enrolment, person, role=facts.role, joined_on=enrolment.cohort.start_date)
            added["memberships"] += 1


# Sessions and attendance


def load_sessions(cohort: Cohort, today: date, added: Counter[str]) -> None:
    """The sessions the course plan calls for, accepted as the schedule proposes them to a
    coordinator (working days, no July, no overlaps). They are planned; recording their
    attendance (`load_attendance`) marks those that ended before `today` held."""
    proposals = proposal_for(cohort)
    if proposals:
        accepted = accept_proposal(cohort, proposals, [p.key for p in proposals],
                                   proposal_fingerprint(proposals))
        added["sessions"] += len(accepted)


def load_attendance(cohort: Cohort, today: date, added: Counter[str], *,
                    low_attendance: frozenset[int] = frozenset(),
                    not_recorded: frozenset[int] = frozenset()) -> None:
    """A register for every session of the cohort that ended before `today`, recorded as a
    coordinator records it (which marks the session held), for everyone expected there.
    Who was already recorded keeps what they have. Members of the groups in `low_attendance`
    (enrolment ids) come less often; the sessions in `not_recorded` (ids) are left without a
    register, still planned, as a coordinator who has not got round to them leaves them."""
    ended = db.session.scalars(
        select(Session)
        .where(
            Session.cohort_id == cohort.id,
            Session.status != SessionStatus.CANCELLED,
            Session.ends_at < clock.oslo_time(today),
        )
        .options(selectinload(Session.module), selectinload(Session.enrolment))
        .order_by(Session.id)
    ).all()
    memberships = db.session.scalars(expectable_memberships([cohort.id])).all()
    as_of = clock.oslo_time(today, time(12))
    for session in ended:
        if session.id in not_recorded:
            continue
        rng = random.Random(f"{ATTENDANCE_SEED}:{attendance_key(cohort, session)}")
        # Draw for everyone, recorded or not, so each person keeps the same draw.
        marks = [
            Mark(line.person.id,
                 draw_attendance(rng, LOW_PRESENT_SHARE if line.membership.enrolment_id
                                 in low_attendance else PRESENT_SHARE), "")
            if line.attendance is None else None
            for line in attendance_register(session, memberships)
        ]
        marks = [mark for mark in marks if mark is not None]
        record_attendance(session, version=session.version, marks=marks, now=as_of,
                          memberships=memberships)
        if marks:
            added["attendance records"] += len(marks)


def attendance_key(cohort: Cohort, session: Session) -> str:
    """The session by its natural key, so its draws do not depend on database ids."""
    group = session.enrolment.organisation.name_nb if session.enrolment else "joint"
    return f"{cohort.label}:{session.module.position}:{group}"


def draw_attendance(rng: random.Random, present_share: float = PRESENT_SHARE) -> AttendanceStatus:
    roll = rng.random()
    if roll < present_share:
        return AttendanceStatus.PRESENT
    if roll < present_share + EXCUSED_SHARE:
        return AttendanceStatus.EXCUSED
    return AttendanceStatus.ABSENT


# Assessment dimensions and assessments


def load_dimensions(programme: Programme, added: Counter[str]) -> list[AssessmentDimension]:
    """The programme's survey dimensions in order, those of the programme data added where missing."""
    names = set(
        db.session.scalars(
            select(AssessmentDimension.name_nb)
            .where(AssessmentDimension.programme_id == programme.id)
        )
    )
    for facts in data.ASSESSMENT_DIMENSIONS:
        if facts.name_nb in names:
            continue
        add_dimension(
            programme,
            name_nb=facts.name_nb,
            name_nn=facts.name_nn,
            name_en=facts.name_en,
            description_nb=facts.description_nb,
            description_en=facts.description_en,
        )
        added["assessment dimensions"] += 1
    return list(
        db.session.scalars(
            select(AssessmentDimension)
            .where(AssessmentDimension.programme_id == programme.id)
            .order_by(AssessmentDimension.position)
        )
    )


# Scores are drawn from a fixed seed too. The programme reported that 65–73 % of the groups
# improved (more effective meetings, changed ways of working, more strategic): so about seven in
# ten of a group's dimensions improve, and the rest stay put or slip a little.
ASSESSMENT_SEED = 20151001
IMPROVING_SHARE = 0.7
BASELINE_SCORES = (2.4, 3.8)
IMPROVEMENT, SETBACK = (0.15, 0.8), (-0.35, 0.0)


def load_assessments(
    cohort: Cohort,
    modules: list[CourseModule],
    dimensions: list[AssessmentDimension],
    today: date,
    added: Counter[str],
) -> None:
    """Each group's baseline at its first assessment module and its final at the last one,
    once that module's session is held; answered by everyone expected in the group."""
    assessment_modules = [m for m in modules if m.kind is ModuleKind.ASSESSMENT]
    if not dimensions or not assessment_modules:
        return
    kinds = {AssessmentKind.BASELINE: assessment_modules[0]}
    if len(assessment_modules) > 1:
        kinds[AssessmentKind.FINAL] = assessment_modules[-1]
    groups = db.session.scalars(
        select(Enrolment)
        .where(Enrolment.cohort_id == cohort.id)
        .options(selectinload(Enrolment.organisation), selectinload(Enrolment.memberships))
        .order_by(Enrolment.id)
    ).all()
    held = {
        (session.enrolment_id, session.module_id): session
        for session in db.session.scalars(
            select(Session).where(
                Session.cohort_id == cohort.id, Session.status == SessionStatus.HELD
            )
        )
    }
    existing = {
        (row.enrolment_id, row.kind)
        for row in db.session.execute(
            select(Assessment.enrolment_id, Assessment.kind)
            .join(Assessment.enrolment)
            .where(Enrolment.cohort_id == cohort.id)
        )
    }
    for group in groups:
        if not group.is_taking_part:
            continue
        scores = draw_scores(cohort, group, dimensions)
        for kind, module in kinds.items():
            session = held.get((None if module.is_joint else group.id, module.id))
            if session is None or (group.id, kind) in existing:
                continue
            record_assessment(
                group,
                kind,
                assessed_on=clock.local_day(session.starts_at),
                respondents=sum(1 for m in group.memberships if m.role in EXPECTED_ROLES),
                scores={d.id: scores[d.position][kind] for d in dimensions},
                version=None,
                today=today,
            )
            added["assessments"] += 1


def draw_scores(
    cohort: Cohort, group: Enrolment, dimensions: list[AssessmentDimension]
) -> dict[int, dict[AssessmentKind, Decimal]]:
    """The group's baseline and final score for each dimension (by position), the same on every
    load whichever of the two is recorded first."""
    scores = {}
    for dimension in dimensions:
        rng = random.Random(
            f"{ASSESSMENT_SEED}:{cohort.label}:{group.organisation.name_nb}:{dimension.position}"
        )
        before = rng.uniform(*BASELINE_SCORES)
        change = rng.uniform(*(IMPROVEMENT if rng.random() < IMPROVING_SHARE else SETBACK))
        after = min(SCORE_MAX, max(SCORE_MIN, before + change))
        scores[dimension.position] = {
            AssessmentKind.BASELINE: Decimal(f"{before:.2f}"),
            AssessmentKind.FINAL: Decimal(f"{after:.2f}"),
        }
    return scores


# Example cohorts, dated from the day the demo is loaded


def load_example(
    programme: Programme,
    facts: "examples.ExampleFacts",
    organisations: dict[str, Organisation],
    modules: list[CourseModule],
    dimensions: list[AssessmentDimension],
    group_numbers: "itertools.count[int]",
    today: date,
    added: Counter[str],
) -> None:
    """One example cohort as it stands on `today`, made as a coordinator makes it: the cohort,
    its groups and people, the sessions the schedule proposes, the registers and baselines.

    An example is found again by its number: once there, it is left as it is, whatever day the
    demo is loaded again (its dates were those of the day it was first loaded). Its groups'
    numbers are drawn all the same, so the people of the examples after it stay the same.
    """
    numbers = [next(group_numbers) for _ in facts.groups]
    if db.session.scalar(select(Cohort.id).where(Cohort.programme_id == programme.id,
                                                 Cohort.ordinal == facts.ordinal)):
        return
    start = example_start(facts.key, modules, today)
    cohort = create_cohort(
        programme,
        label=examples.example_label(start.month, start.year),
        ordinal=facts.ordinal,
        season=season_of(start),
        year=start.year,
        start_date=start,
        notes=facts.notes,
        participant_information=facts.participant_information,
    )
    added["cohorts"] += 1
    groups = {}
    for group, number in zip(facts.groups, numbers):
        enrolment = enrol_example(cohort, organisations[group.organisation], group.status, today)
        added["leadership groups"] += 1
        added["status changes"] += len(enrolment.status_history)
        load_people(enrolment, number, added)
        groups[group] = enrolment
    db.session.flush()
    load_sessions(cohort, today, added)
    not_recorded: frozenset[int] = frozenset()
    course_ends_with_its_sessions(cohort)
    if facts.key == examples.MID_COURSE:
        move_next_gathering(cohort, modules, today)
        not_recorded = frozenset(session_moved_to_last_week(cohort, enrolment, today).id
                                 for group, enrolment in groups.items() if group.register_pending)
    low = frozenset(e.id for g, e in groups.items() if g.low_attendance)
    load_attendance(cohort, today, added, low_attendance=low, not_recorded=not_recorded)
    # Only the baselines: the running course has not come to its final assessment, and the
    # finished one waits for the coordinators to record it.
    first_assessment = next(m for m in modules if m.kind is ModuleKind.ASSESSMENT)
    load_assessments(cohort, [first_assessment], dimensions, today, added)


# How far before `today` the finished example's last session must have ended.
FINISHED_AGO = timedelta(days=10)
# How far ahead the starting example starts.
STARTS_IN = timedelta(weeks=13)
# The running example's next joint gathering is this far ahead.
GATHERING_IN = timedelta(days=14)


def season_of(start: date) -> Season:
    """The term an example course is known by: one that starts before June runs in the spring
    term; one that starts in June or later runs mostly after the summer holiday, so "Kull juni
    2026" is an autumn course ("Høst 2026"), not "Vår 2026"."""
    return Season.SPRING if start.month < 6 else Season.AUTUMN


def example_start(key: str, modules: list[CourseModule], today: date) -> date:
    """The example's start, on a working day: the running course's middle gathering two weeks
    from `today`; the next course about three months ahead; the finished course's last
    module (by the plan) ended at least ten days ago."""
    if key == examples.MID_COURSE:
        gathering = middle_gathering(modules)
        return next_working_day(monday_of(
            next_working_day(today + GATHERING_IN) - timedelta(weeks=gathering.offset_weeks)))
    if key == examples.STARTING_SOON:
        return next_working_day(monday_of(today + STARTS_IN))
    last = modules[-1]
    # A week earlier at a time: moving a Monday in July on to August must not undo the step.
    monday = monday_of(today - timedelta(weeks=last.offset_weeks + 3))
    while last.planned_days(next_working_day(monday))[-1] > today - FINISHED_AGO:
        monday -= timedelta(weeks=1)
    return next_working_day(monday)


def middle_gathering(modules: list[CourseModule]) -> CourseModule:
    """The joint gathering in the middle of the course plan (the third of four)."""
    gatherings = [m for m in modules if m.kind is ModuleKind.JOINT_GATHERING]
    return gatherings[len(gatherings) // 2]


def course_ends_with_its_sessions(cohort: Cohort) -> None:
    """A planned end no earlier than the last session's day, as a coordinator sets it when the
    schedule's proposal runs past it (a holiday moved the closing on)."""
    last = db.session.scalar(select(func.max(Session.ends_at)).where(Session.cohort_id == cohort.id))
    if last is None or clock.local_day(last) <= cohort.planned_end:
        return
    update_cohort(cohort, version=cohort.version, label=cohort.label, ordinal=cohort.ordinal,
                  season=cohort.season, year=cohort.year, start_date=cohort.start_date,
                  planned_end=clock.local_day(last), capacity=cohort.capacity, notes=cohort.notes)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def previous_working_day(day: date) -> date:
    """`day` itself when it is a working day, else the last working day before it."""
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def enrol_example(cohort: Cohort, organisation: Organisation, status: str, today: date) -> Enrolment:
    """The group, with the steps an example group of that status took: a running or finished
    course's groups were invited, confirmed and active from the start (the finished one's wait
    for their final assessment before they complete); the next course's groups were invited
    seven weeks ago and some have confirmed since."""
    if status == "active":
        steps = status_steps(cohort, today)[:3]
    else:
        steps = [(EnrolmentStatus.INVITED,
                  oslo_time(previous_working_day(today - timedelta(weeks=7)), 10))]
        if status == "confirmed":
            steps.append((EnrolmentStatus.CONFIRMED,
                          oslo_time(previous_working_day(today - timedelta(weeks=2)), 14)))
    (first_status, first_at), *later_steps = steps
    enrolment = enrol(cohort, organisation, status=first_status, at=first_at)
    for step, at in later_steps:
        record_status(enrolment, step, at=at)
    return enrolment


def move_session(session: Session, first_day: date) -> None:
    """Move a session to `first_day` as a coordinator does, through the schedule's service:
    its warnings (a school break, a session close by) are seen and accepted, its refusals
    are not."""
    starts_at, ends_at = session.module.planned_times(first_day)
    if (starts_at, ends_at) == (session.starts_at, session.ends_at):
        return
    values = dict(starts_at=starts_at, ends_at=ends_at, location=session.location,
                  status=session.status)
    try:
        update_session(session, version=session.version, **values)
    except UnseenWarnings as warnings:
        update_session(session, version=session.version, seen_warnings=warnings.key, **values)


def move_next_gathering(cohort: Cohort, modules: list[CourseModule], today: date) -> None:
    """The running example's middle gathering on the first working day two weeks ahead,
    wherever the schedule's proposal put it."""
    gathering = middle_gathering(modules)
    session = db.session.scalar(select(Session).where(
        Session.cohort_id == cohort.id, Session.module_id == gathering.id))
    move_session(session, next_working_day(today + GATHERING_IN))


def session_moved_to_last_week(cohort: Cohort, group: Enrolment, today: date) -> Session:
    """The group's own session that last ended before `today`, moved to a working day last
    week: the one whose register the coordinators have not filled in yet."""
    session = db.session.scalar(
        select(Session)
        .where(Session.cohort_id == cohort.id, Session.enrolment_id == group.id,
               Session.starts_at < clock.oslo_time(today))
        .order_by(Session.starts_at.desc())
        .limit(1)
    )
    move_session(session, previous_working_day(monday_of(today) - timedelta(days=3)))
    return session


# The survey: the example instrument, its headline figures, and the example cohorts' rounds


def load_instrument(programme: Programme, added: Counter[str]) -> InstrumentVersion:
    """The programme's example instrument at its latest version, made from the demo's document
    (through the instruments' own service) where the programme has none of that name."""
    instrument = db.session.scalar(
        select(Instrument)
        .where(Instrument.programme_id == programme.id, Instrument.name_nb == survey.NAME["nb"])
        .order_by(Instrument.id)
        .limit(1)
    )
    if instrument is None:
        instrument = create_instrument(programme, copy.deepcopy(survey.INSTRUMENT))
        added["survey instruments"] += 1
    return instrument.latest


def load_headline_figures(programme: Programme, added: Counter[str]) -> None:
    """The programme page's figures, each in its place unless that place is taken."""
    taken = set(db.session.scalars(
        select(HeadlineFigure.position).where(HeadlineFigure.programme_id == programme.id)))
    for position, (code, at_least, nb, nn, en) in enumerate(survey.HEADLINE_FIGURES, 1):
        if position in taken:
            continue
        db.session.add(HeadlineFigure(programme=programme, position=position, item_code=code,
                                      at_least=at_least, label_nb=nb, label_nn=nn, label_en=en))
        added["headline figures"] += 1
    db.session.flush()


# Answers are drawn from a fixed seed too, so every load gives the same answers. A group's level
# on a factor (1–5, high is good) before the course, and how far it moves by the final round:
# most factors improve, some stay put or slip a little.
SURVEY_SEED = 20260901
FACTOR_BASELINE = (2.5, 3.7)
# The result part asks about change over the last year: lower before the course has done much.
RESULT_BASELINE = (2.3, 3.1)
FACTOR_IMPROVING_SHARE = 0.75
FACTOR_IMPROVEMENT, FACTOR_SETBACK = (0.3, 0.9), (-0.3, 0.1)
# How far one respondent sits from the group's level, and one answer from the respondent's.
RESPONDENT_SPREAD, ANSWER_SPREAD = 0.35, 0.55
# A group's final level on a result sits this far, at most, from the level where the reported
# share would agree.
RESULT_JITTER = 0.25
# A round is sent on the first working day of the week two weeks before the group's assessment
# session and closes on the last working day before it; the late baseline was sent a week ago
# and closes a week from now. Reminders go after a week.
ROUND_OPEN = timedelta(weeks=2)
LATE_ROUND_OPEN = REMINDER_AFTER = timedelta(days=7)
# How often an open question is answered, by its place in the instrument.
OPEN_ANSWER_SHARES = (0.7, 0.6, 0.3)


def load_survey_rounds(
    programme: Programme,
    facts: "examples.ExampleFacts",
    version: InstrumentVersion,
    modules: list[CourseModule],
    today: date,
    added: Counter[str],
) -> None:
    """The example cohort's survey rounds as its coordinators ran them, with the answers they
    got: the running course's baselines (one group's still open), the finished course's
    baselines and finals; the next course has none yet. A group's round of a kind that is
    already there is left as it is."""
    if facts.key == examples.STARTING_SOON:
        return
    cohort = db.session.scalar(select(Cohort).where(Cohort.programme_id == programme.id,
                                                    Cohort.ordinal == facts.ordinal))
    if cohort is None:
        return
    assessments = [m for m in modules if m.kind is ModuleKind.ASSESSMENT]
    kinds = {RoundKind.BASELINE: assessments[0]}
    if facts.key == examples.JUST_FINISHED:
        kinds[RoundKind.FINAL] = assessments[-1]
    existing = set(db.session.execute(
        select(SurveyRound.enrolment_id, SurveyRound.kind).join(SurveyRound.enrolment)
        .where(Enrolment.cohort_id == cohort.id)))
    for group in facts.groups:
        enrolment = db.session.scalar(
            select(Enrolment).join(Enrolment.organisation)
            .where(Enrolment.cohort_id == cohort.id, Organisation.name_nb == group.organisation))
        if enrolment is None:
            continue
        levels = draw_levels(cohort, enrolment, version)
        for kind, module in kinds.items():
            if (enrolment.id, kind) in existing:
                continue
            late = kind is RoundKind.BASELINE and group.baseline_open
            if late:
                opened_on = previous_working_day(today - LATE_ROUND_OPEN)
                closes_on = weekday_before(today + LATE_ROUND_OPEN)
            else:
                session = db.session.scalar(select(Session).where(
                    Session.enrolment_id == enrolment.id, Session.module_id == module.id))
                if session is None:
                    continue
                held_on = clock.local_day(session.starts_at)
                opened_on = next_working_day(monday_of(held_on - ROUND_OPEN))
                closes_on = previous_working_day(held_on - timedelta(days=1))
                if closes_on >= today:
                    continue
            # Opened on its day, as a coordinator opened it then: the closing day is checked
            # against that day, not against the day the demo is loaded.
            survey_round = open_round(
                enrolment, kind, version, closes_on=closes_on,
                people=members_on(enrolment, max(opened_on, cohort.start_date)),
                opened_by=None, today=opened_on)
            survey_round.opened_at = oslo_time(opened_on, 9)
            answers = group.baseline_answers if kind is RoundKind.BASELINE else group.final_answers
            answer_round(survey_round, f"{cohort.label}:{group.organisation}", levels, answers,
                         reminded=not late, added=added)
            added["survey rounds"] += 1
            added["survey respondents"] += len(survey_round.respondents)
    db.session.flush()


def weekday_before(day: date) -> date:
    """`day`, or the Friday before it when it falls on a weekend. (Not the last working day:
    a week ahead in July that would be June, and the round would be closed already.)"""
    return day - timedelta(days=max(0, day.weekday() - 4))


def draw_levels(cohort: Cohort, group: Enrolment,
                version: InstrumentVersion) -> dict[str, dict[RoundKind, float]]:
    """The group's level on each factor (by code) in its baseline and its final round, the same
    on every load whichever round is made first."""
    levels = {}
    for factor in version.factors:
        rng = random.Random(
            f"{SURVEY_SEED}:{cohort.label}:{group.organisation.name_nb}:{factor.code}")
        is_result = factor.part.code == survey.RESULTS["code"]
        before = rng.uniform(*(RESULT_BASELINE if is_result else FACTOR_BASELINE))
        change = rng.uniform(*(FACTOR_IMPROVEMENT if rng.random() < FACTOR_IMPROVING_SHARE
                               else FACTOR_SETBACK))
        after = before + change
        if factor.code in survey.REPORTED_SHARES:
            after = agreeing_level(survey.REPORTED_SHARES[factor.code]) + rng.uniform(
                -RESULT_JITTER, RESULT_JITTER)
        levels[factor.code] = {RoundKind.BASELINE: before, RoundKind.FINAL: after}
    return levels


def agreeing_level(share: float) -> float:
    """The level at which `share` of the answers land on "agree" (4) or higher: answers spread
    around a respondent's level as a normal distribution, and 3.5 rounds up to 4."""
    spread = math.hypot(RESPONDENT_SPREAD, ANSWER_SPREAD)
    return 3.5 - spread * NormalDist().inv_cdf(1 - share)


def answer_round(survey_round: SurveyRound, key: str, levels: dict[str, dict[RoundKind, float]],
                 answers: int | None, *, reminded: bool, added: Counter[str]) -> None:
    """The round's respondents invited when it opened, `answers` of them (None: all, or all
    but one) having answered, each answer stored as a submitted response leaves it: a response
    with nothing that says whose. Those who had not answered after a week were reminded, in a
    round that has run that long."""
    kind = survey_round.kind
    version = survey_round.instrument_version
    # By address, not by id: the same people answer on every load.
    respondents = sorted(survey_round.respondents, key=lambda r: r.person.email)
    rng = random.Random(f"{SURVEY_SEED}:{key}:{kind.value}")
    if answers is None:
        answers = len(respondents) - rng.choice((0, 1))
    answering = rng.sample(respondents, min(answers, len(respondents)))
    pools = {code: rng.sample(texts, len(texts))
             for code, texts in examples.OPEN_ANSWERS[kind.value].items()}
    for respondent in respondents:
        respondent.invited_at = survey_round.opened_at
        if reminded and respondent not in answering:
            respondent.reminded_at = (
                survey_round.opened_at + REMINDER_AFTER)
    for respondent in answering:
        draw = random.Random(f"{SURVEY_SEED}:{key}:{kind.value}:{respondent.person.email}")
        bias = draw.gauss(0, RESPONDENT_SPREAD)
        response = Response(round_id=survey_round.id)
        response.item_answers = [
            ItemAnswer(item_id=item.id, value=answer_value(
                item, levels[item.factor.code][kind] + bias + draw.gauss(0, ANSWER_SPREAD)))
            for item in version.items
        ]
        response.open_answers = [
            OpenAnswer(question_id=question.id, text=pools[question.code].pop())
            for question, share in zip(version.open_questions, OPEN_ANSWER_SHARES)
            if draw.random() < share and pools.get(question.code)
        ]
        db.session.add(response)
        respondent.has_answered = True
        added["survey responses"] += 1


def answer_value(item: Item, level: float) -> int:
    """The point on the item's scale nearest `level` (high is good), as the respondent ticks
    it: from the other end for an item worded the other way round."""
    scale = item.scale
    value = min(scale.highest, max(scale.lowest, int(level + 0.5)))
    return scale.lowest + scale.highest - value if item.reverse else value


# Accounts


def load_accounts(organisations: dict[str, Organisation], added: Counter[str]) -> None:
    """The demo's accounts; a group leader is the top leader of their organisation's group."""
    for email, role, organisation_name, password in DEMO_ACCOUNTS:
        if db.session.scalar(select(User.id).where(User.email == email)):
            continue
        organisation = organisations[organisation_name] if organisation_name else None
        # The demo's passwords are public and name the role (which the password policy refuses
        # for a real account, as it holds the e-mail's local part): set as they are, no mail.
        user = create_user(email, role, None if role is Role.PARTICIPANT else organisation)
        user.password_hash = hash_password(password)
        if role is Role.PARTICIPANT:
            # A member of the organisation's newest group: the running one.
            user.person = db.session.scalar(
                select(Person)
                .join(Membership)
                .join(Membership.enrolment)
                .join(Enrolment.cohort)
                .where(Enrolment.organisation_id == organisation.id, Membership.role == MemberRole.MEMBER,
                       Membership.left_on.is_(None))
                .order_by(Cohort.start_date.desc(), Person.id)
                .limit(1)
            )
        if role is Role.AGENCY:
            # The top leader of the organisation's newest group: the running one, where
            # the examples are loaded.
            user.person = db.session.scalar(
                select(Person)
                .join(Membership)
                .join(Membership.enrolment)
                .join(Enrolment.cohort)
                .where(Enrolment.organisation_id == organisation.id, Membership.role == MemberRole.TOP_LEADER)
                .order_by(Cohort.start_date.desc(), Person.id)
                .limit(1)
            )
        added["user accounts"] += 1
    db.session.flush()


# Issue 13, messages: an example of a message a coordinator sent to the running example cohort's
# groups, kept as sent a week ago. No mail is queued: the demo's people are fictional.
EXAMPLE_MESSAGE_SUBJECT = "Eksempel: velkommen til neste fellessamling"
EXAMPLE_MESSAGE_TEXT = (
    "Hei alle sammen,\n\n"
    "Dette er en eksempelmelding i demoen. Neste fellessamling er om to uker; "
    "program og praktisk informasjon kommer i god tid før.\n\n"
    "Gi beskjed om dere ikke kan komme.\n\n"
    "Hilsen koordinatorene")


def load_example_message(programme: Programme, added: Counter[str]) -> None:
    """The example message, once, when the running example cohort is there."""
    from tracker.messages.models import Audience, CohortMessage
    from tracker.messages.services import groups_to_choose, keep_message, reached_by

    facts = next(f for f in examples.EXAMPLES if f.key == examples.MID_COURSE)
    cohort = db.session.scalar(select(Cohort).where(Cohort.programme_id == programme.id,
                                                    Cohort.ordinal == facts.ordinal))
    if cohort is None or db.session.scalar(
            select(CohortMessage.id).where(CohortMessage.cohort_id == cohort.id).limit(1)):
        return
    sent_at = clock.now() - timedelta(days=7)
    groups = groups_to_choose(cohort)
    keep_message(cohort, db.session.scalar(select(User).where(User.email == DEMO_ACCOUNTS[1][0])),
                 subject=EXAMPLE_MESSAGE_SUBJECT, text=EXAMPLE_MESSAGE_TEXT, groups=groups,
                 audience=Audience.EVERYONE,
                 recipients=reached_by(groups, Audience.EVERYONE, clock.local_day(sent_at)).recipients,
                 sent_at=sent_at)
    added["messages"] += 1


# Progress and summary


def progress(cohorts: list[tuple[Cohort, data.CohortFacts]], echo: Echo | None):
    """A progress bar over the cohorts when someone is watching; the plain list otherwise."""
    if echo is None:
        return nullcontext(cohorts)
    return click.progressbar(
        cohorts,
        label="Groups, people, sessions and attendance",
        item_show_func=lambda item: item[0].label if item else None,
    )


def report(added: Counter[str], echo: Echo | None) -> None:
    if echo is None:
        return
    if not added:
        echo("Nothing new: the demo data was already loaded.")
    else:
        echo("Demo data loaded. Added:")
        for tally in TALLIES:
            if added[tally]:
                echo(f"  {tally}: {added[tally]}")
    echo("Sign in to the demo at /login as:")
    for email, role, organisation_name, password in DEMO_ACCOUNTS:
        scope = f", {organisation_name}" if organisation_name else ""
        echo(f"  {role.value:<12} {email:<28} password: {password}{scope}")
