"""The demo: the real programme, its cohorts and organisations, with fictional people.

The loader is data (`programme_data` and the fictional people below) plus calls to the services
that own the rules. Every record is looked up by its natural key before it is made, so a second
load adds nothing; everything is written in one transaction, so a load that fails writes nothing.
"""
import itertools
import random
from collections import Counter
from collections.abc import Callable
from contextlib import nullcontext
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import NamedTuple

import click
from sqlalchemy import select
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
from tracker.cohorts.services import create_cohort
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
from tracker.seed import programme_data as data
from tracker.roles import Role
from tracker.users.models import User
from tracker.users.services import create_user, hash_password
from tracker.working_days import next_working_day

Echo = Callable[[str], object]

# What the summary counts, in the order it prints them.
TALLIES = (
    "organisations",
    "programmes",
    "course modules",
    "cohorts",
    "leadership groups",
    "status changes",
    "people",
    "memberships",
    "sessions",
    "attendance records",
    "assessment dimensions",
    "assessments",
    "user accounts",
)

# One account for each role, to sign in to the demo with. The passwords are printed and in the
# README: these accounts are for a demo database only.
DEMO_ACCOUNTS = (
    ("admin@example.org", Role.ADMIN, None, "demo fjordlys administrator"),
    ("koordinator@example.org", Role.COORDINATOR, None, "demo fjordlys koordinator"),
    ("leder.udir@example.org", Role.AGENCY, "Utdanningsdirektoratet", "demo fjordlys virksomhetsleder"),
    ("departement.kd@example.org", Role.MINISTRY, "Kunnskapsdepartementet", "demo fjordlys departement"),
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


def load_demo(echo: Echo | None = None, today: date | None = None) -> None:
    """Load the programme, its organisations and cohorts, and fictional groups, in one commit.

    Statuses (of groups and sessions) and attendance are as they would be on `today`, by
    default the real today. Anything already there, found by its natural key, is left as it
    is. `echo` (like `click.echo`) gets a progress bar and a summary; None keeps quiet.
    """
    today = today or clock.today()
    added: Counter[str] = Counter()
    try:
        organisations = load_organisations(added)
        programme = load_programme(organisations, added)
        modules = load_course_plan(programme, added)
        dimensions = load_dimensions(programme, added)
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
        load_accounts(organisations, added)
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
    for facts in data.ORGANISATIONS:
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


def load_attendance(cohort: Cohort, today: date, added: Counter[str]) -> None:
    """A register for every session of the cohort that ended before `today`, recorded as a
    coordinator records it (which marks the session held), for everyone expected there.
    Who was already recorded keeps what they have."""
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
        rng = random.Random(f"{ATTENDANCE_SEED}:{attendance_key(cohort, session)}")
        # Draw for everyone, recorded or not, so each person keeps the same draw.
        marks = [Mark(line.person.id, draw_attendance(rng), "") if line.attendance is None else None
                 for line in attendance_register(session, memberships)]
        marks = [mark for mark in marks if mark is not None]
        record_attendance(session, version=session.version, marks=marks, now=as_of,
                          memberships=memberships)
        if marks:
            added["attendance records"] += len(marks)


def attendance_key(cohort: Cohort, session: Session) -> str:
    """The session by its natural key, so its draws do not depend on database ids."""
    group = session.enrolment.organisation.name_nb if session.enrolment else "joint"
    return f"{cohort.label}:{session.module.position}:{group}"


def draw_attendance(rng: random.Random) -> AttendanceStatus:
    roll = rng.random()
    if roll < PRESENT_SHARE:
        return AttendanceStatus.PRESENT
    if roll < PRESENT_SHARE + EXCUSED_SHARE:
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


# Accounts


def load_accounts(organisations: dict[str, Organisation], added: Counter[str]) -> None:
    """The demo's accounts; the agency leader is the top leader of their organisation's group."""
    for email, role, organisation_name, password in DEMO_ACCOUNTS:
        if db.session.scalar(select(User.id).where(User.email == email)):
            continue
        organisation = organisations[organisation_name] if organisation_name else None
        # The demo's passwords are public and name the role (which the password policy refuses
        # for a real account, as it holds the e-mail's local part): set as they are, no mail.
        user = create_user(email, role, organisation)
        user.password_hash = hash_password(password)
        if role is Role.AGENCY:
            user.person = db.session.scalar(
                select(Person)
                .join(Membership)
                .join(Membership.enrolment)
                .where(Enrolment.organisation_id == organisation.id, Membership.role == MemberRole.TOP_LEADER)
                .order_by(Person.id)
                .limit(1)
            )
        added["user accounts"] += 1
    db.session.flush()


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
