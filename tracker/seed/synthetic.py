"""A synthetic history: years of cohorts in several programmes, for measuring the pages.

`flask --app tracker seed synthetic --scale N` and `generate(N)` build, at scale 1, two
programmes (one shaped like the real one, one for middle managers with its own course plan,
dimensions and survey instrument) with 20 cohorts each over the ten years up to today, four
groups a cohort, their people, sessions, registers, assessments, survey rounds with answers,
and the change log of it all. Scale N has 2N programmes of the same shapes over the same ten
years (a cohort's year must lie in 2000–2100, so history cannot stretch back N times) and
N times the ministries and agencies.

The small, rule-heavy records (programmes, course plans, dimensions, instruments, accounts)
are made through their services; the big tables are written in bulk
(`db.session.execute(insert(Model), rows)`, ids drawn here), with what the services would
have checked kept true by construction: a group takes one course at a time, people are
expected from the day they join, a round asks its group's members and its answers name no
one. Everything is drawn from one `random.Random(seed)`, so the same seed on the same day
gives the same history.

Synthetic data is marked (`synthetic_data.MARK` in organisation and programme names,
`synthetic_data.EMAIL_DOMAIN` in every address): the generator refuses a database holding
anything else unless told `over_real_data`, and refuses one that already holds a synthetic
history (run it on an empty database to make another).
"""
import copy
import random
import sys
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import click
from sqlalchemy import func, insert, select, text

from tracker import clock
from tracker.assessments.models import (
    SCORE_MAX,
    SCORE_MIN,
    Assessment,
    AssessmentKind,
    AssessmentScore,
)
from tracker.assessments.services import add_dimension
from tracker.audit.models import AuditAction, AuditEntry
from tracker.audit.services import HIDDEN, HIDDEN_FIELDS, IGNORED_FIELDS, as_json
from tracker.cohorts.models import Cohort, Season
from tracker.extensions import db
from tracker.fragments import DataGeneration
from tracker.groups.models import Enrolment, EnrolmentStatus, EnrolmentStatusChange
from tracker.organisations.models import Organisation, OrganisationKind
from tracker.people.models import MemberRole, Membership, Person
from tracker.programmes.models import CourseModule, ModuleKind, Programme
from tracker.programmes.services import add_module, create_programme
from tracker.roles import Role
from tracker.schedule.models import Attendance, AttendanceStatus, Session, SessionStatus
from tracker.seed import instrument_data
from tracker.seed import programme_data
from tracker.seed import synthetic_data as words
from tracker.surveys.instruments import create_instrument
from tracker.surveys.models import (
    LEAST_MINIMUM,
    HeadlineFigure,
    InstrumentVersion,
    ItemAnswer,
    OpenAnswer,
    Respondent,
    Response,
    RoundKind,
    SurveyRound,
)
from tracker.users.models import User
from tracker.users.services import create_user, hash_password
from tracker.working_days import add_days, next_working_day

SCALE_MAX = words.SCALE_MAX
COHORTS_PER_PROGRAMME = 20
YEARS = 10
GROUPS_PER_COHORT = 4
MINISTRIES_PER_SCALE = 16
AGENCIES_PER_MINISTRY = 4
# Rows held before they are written: large enough for fast executemany, small enough for memory.
BATCH = 5000

# How the history behaves: most attend; a few groups withdraw, a few members leave mid-course;
# someone who took part before comes back now and then; the newest registers are not in yet.
PRESENT_SHARE = (0.80, 0.96)
EXCUSED_OF_AWAY = 0.6
WITHDRAWN_SHARE = 0.03
LEAVES_SHARE = 0.03
RETURNS_SHARE = 0.45
CANCELLED_SHARE = 0.01
REGISTER_AFTER = timedelta(days=3)
ANSWERED_SHARE = (0.6, 1.0)
OPEN_ANSWER_SHARE = 0.3
BASELINE_SCORES, IMPROVEMENT = (2.4, 3.8), (-0.3, 0.8)

# Accounts to sign in with: (local part, role, password). Only for a synthetic database; one
# password for all, as each Argon2 hash takes a good second on a busy machine.
PASSWORD = "syntetisk passord for maaling"
ACCOUNTS = (
    ("admin", Role.ADMIN, PASSWORD),
    ("koordinator", Role.COORDINATOR, PASSWORD),
    ("koordinator.toppledere", Role.COORDINATOR, PASSWORD),
    ("koordinator.mellomledere", Role.COORDINATOR, PASSWORD),
    ("departement", Role.MINISTRY, PASSWORD),
    ("leder", Role.AGENCY, PASSWORD),
)


class Refused(Exception):
    """The database is not one the generator may write to; nothing was changed."""


def generate(scale: int, *, seed: int = 1, progress: bool = False) -> dict[str, int]:
    """Build the synthetic history at `scale` in an upgraded, empty database, and commit.

    Returns how many rows it added to each table (by table name).

    :raise ValueError: for a scale that is not a whole number from 1 to SCALE_MAX.
    :raise Refused: for a database holding real or synthetic data already.
    """
    return build(scale, seed=seed, progress=progress)


def check_scale(scale: object) -> int:
    if isinstance(scale, bool) or not isinstance(scale, int) or not 1 <= scale <= SCALE_MAX:
        raise ValueError(f"--scale must be a whole number from 1 to {SCALE_MAX}, not {scale!r}")
    return scale


def build(scale: int, *, seed: int = 1, progress: bool = False, fraction: float = 1.0,
          over_real_data: bool = False, today: date | None = None) -> dict[str, int]:
    """`generate`, with the knobs the command and the tests use: `fraction` of the cohorts
    (tests run a small history), `over_real_data` to add to a database with other data."""
    check_scale(scale)
    check_database(over_real_data)
    before = table_counts()
    try:
        History(scale, seed, progress, fraction, today or clock.today()).make()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    if db.engine.dialect.name == "postgresql":
        # PostgreSQL plans from statistics its autovacuum gathers as tables grow; after a bulk
        # load they are gathered at once, as its manual advises, so the pages are planned from
        # the tables as they are (a server without autovacuum, as the bench's may be, would
        # otherwise plan a million answers as an empty table: a scan of them all).
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    after = table_counts()
    return {name: after[name] - before.get(name, 0) for name in after
            if after[name] != before.get(name, 0)}


# Telling synthetic data from real


def holds_synthetic_data() -> bool:
    return db.session.scalar(select(Organisation.id).where(
        Organisation.name_nb.endswith(words.MARK)).limit(1)) is not None


def holds_real_data() -> bool:
    """Whether anything in the database is not the generator's: an organisation or programme
    without the mark, or a person or account with an address elsewhere."""
    domain = f"@{words.EMAIL_DOMAIN}"
    checks = (
        select(Organisation.id).where(~Organisation.name_nb.endswith(words.MARK)),
        select(Programme.id).where(~Programme.name_nb.endswith(words.MARK)),
        select(Person.id).where(Person.email.is_not(None), ~Person.email.endswith(domain)),
        select(User.id).where(~User.email.endswith(domain)),
    )
    return any(db.session.scalar(check.limit(1)) is not None for check in checks)


def check_database(over_real_data: bool) -> None:
    if holds_synthetic_data():
        raise Refused(
            "The database already holds a synthetic history; nothing was changed. "
            "To make another, start from an empty database (flask db downgrade base, then "
            "flask db upgrade).")
    if holds_real_data() and not over_real_data:
        raise Refused(
            "The database holds data that is not synthetic (the demo, or real data); nothing "
            "was changed. Use an empty database, or add --over-real-data to add the synthetic "
            "history beside it.")


def table_counts() -> dict[str, int]:
    """Rows per table, but the data's generation token (tracker/fragments.py): bookkeeping
    the first commit writes, not history."""
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables if table.name != DataGeneration.__tablename__}


# Writing in bulk


class Writer:
    """Rows held per model and written in batches, parents before children (the tables'
    dependency order), with ids drawn here from each table's highest."""

    def __init__(self):
        # Parents first: SQLite checks each foreign key as the row is written.
        self.order = {table.name: place for place, table in enumerate(db.metadata.sorted_tables)}
        self.pending: dict[type, list[dict]] = defaultdict(list)
        self.held = 0
        self.last_id: dict[type, int] = {}
        self.with_ids: set[type] = set()

    def next_id(self, model: type) -> int:
        if model not in self.last_id:
            self.last_id[model] = db.session.scalar(select(func.max(model.id))) or 0
            self.with_ids.add(model)
        self.last_id[model] += 1
        return self.last_id[model]

    def add(self, model: type, row: dict) -> None:
        self.pending[model].append(row)
        self.held += 1
        if self.held >= BATCH:
            self.flush()

    def flush(self) -> None:
        for model in sorted(self.pending, key=lambda m: self.order[m.__tablename__]):
            rows = self.pending[model]
            if rows:
                self.write(model.__table__, rows)
        self.pending.clear()
        self.held = 0

    def write(self, table, rows: list[dict]) -> None:
        """One executemany for the batch. On SQLite the values are turned into what the
        driver takes by each column's own bind processor and handed to the driver directly:
        SQLAlchemy's per-row parameter handling took more time than SQLite's writing. On
        PostgreSQL the table's own insert, whose "insertmanyvalues" sends many rows a
        statement."""
        connection = db.session.connection()
        dialect = connection.dialect
        if dialect.name != "sqlite":
            db.session.execute(insert(table), rows)
            return
        keys = list(rows[0])
        columns = [table.c[key] for key in keys]
        processors = [column.type._cached_bind_processor(dialect) for column in columns]
        names = ", ".join(f'"{column.name}"' for column in columns)
        marks = ", ".join("?" for _ in columns)
        steps = list(zip(keys, processors))
        values = [tuple(process(row[key]) if process else row[key] for key, process in steps)
                  for row in rows]
        connection.exec_driver_sql(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})',
                                   values)

    def finish(self) -> None:
        """Write what is held; on PostgreSQL, move each sequence past the ids drawn here, so
        the next record made by a page gets a free one."""
        self.flush()
        if db.session.get_bind().dialect.name != "postgresql":
            return
        for model in self.with_ids:
            table = model.__tablename__
            db.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"))


def changes_of(row: dict) -> dict:
    """What the change log keeps of a created record: each set value, as `changed_fields`
    writes it for a create."""
    return {key: [HIDDEN, HIDDEN] if key in HIDDEN_FIELDS else [None, as_json(value)]
            for key, value in row.items() if key not in IGNORED_FIELDS and value is not None}


def oslo(day: date, hour: int, minute: int = 0) -> datetime:
    return clock.oslo_time(day, time(hour, minute))


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, 28))


def ascii_part(value: str) -> str:
    return value.lower().translate(str.maketrans({"æ": "ae", "ø": "o", "å": "a"})).replace(" ", "-")


class History:
    """One run of the generator."""

    def __init__(self, scale: int, seed: int, progress: bool, fraction: float, today: date):
        self.scale, self.progress, self.today = scale, progress, today
        self.now = clock.now()
        self.rng = random.Random(f"synthetic:{seed}")
        self.cohorts_per_programme = max(1, round(COHORTS_PER_PROGRAMME * fraction))
        self.out = Writer()
        self.first_day = date(today.year - YEARS, today.month, 1)

    def say(self, message: str) -> None:
        if self.progress:
            click.echo(message, err=True)

    def hex(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    # The change log: one action (change id) per thing a coordinator did.

    def action(self, at: datetime, user: User | None) -> dict:
        """An action done at `at`, or just now for one the plan puts ahead (the log holds
        nothing from the future)."""
        return {"change_id": self.hex(), "at": min(at, self.now), "user_id": user.id if user else None,
                "actor": user.email if user else "cli"}

    def log(self, action: dict, model: type, row: dict, cohort_id: int | None,
            enrolment_id: int | None, verb: AuditAction = AuditAction.CREATE,
            changes: dict | None = None) -> None:
        self.out.add(AuditEntry, {
            **action, "action": verb, "table_name": model.__tablename__,
            "record_id": row["id"], "cohort_id": cohort_id, "enrolment_id": enrolment_id,
            "changes": changes if changes is not None else changes_of(row)})

    def add(self, model: type, row: dict, action: dict | None = None,
            cohort_id: int | None = None, enrolment_id: int | None = None) -> dict:
        row = {"id": row.get("id") or self.out.next_id(model), **row}
        self.out.add(model, row)
        if action is not None:
            self.log(action, model, row, cohort_id, enrolment_id)
        return row

    # The whole run

    def make(self) -> None:
        self.say(f"Synthetic history at scale {self.scale}: organisations and programmes")
        self.make_organisations()
        self.make_programmes()
        self.make_accounts()
        plans = [self.plan_cohorts(index, programme)
                 for index, programme in enumerate(self.programmes)]
        cohorts = sorted((c for plan in plans for c in plan), key=lambda c: c["start_date"])
        if self.progress:
            with click.progressbar(cohorts, label="Cohorts, groups, sessions, answers",
                                   file=sys.stderr) as bar:
                for cohort in bar:
                    self.make_cohort(cohort)
        else:
            for cohort in cohorts:
                self.make_cohort(cohort)
        self.say("Writing the last rows")
        self.out.finish()
        self.link_accounts()

    # Organisations

    def make_organisations(self) -> None:
        """Ministries and their agencies, N times the real state's sixteen ministries; each
        name made up and marked."""
        action = self.action(oslo(self.first_day - timedelta(days=30), 10), None)
        areas = list(words.AREAS)
        self.rng.shuffle(areas)
        names: set[str] = set()
        numbers = iter(range(1, 10**8))

        def organisation(patterns, kind, owner, area_index):
            region_index = 0
            while True:
                for pattern_nb, pattern_en, short in patterns:
                    area_nb, area_en = areas[area_index % len(areas)]
                    region = words.REGIONS[region_index % len(words.REGIONS)]
                    name_nb = pattern_nb.format(area_nb).capitalize() + region + words.MARK
                    if name_nb not in names:
                        names.add(name_nb)
                        short_name = f"{area_nb[:3].upper()}{short}{region[:2].strip()}"[:30]
                        return self.add(Organisation, {
                            "name_nb": name_nb,
                            "name_en": pattern_en.format(area_en) + region + words.MARK_EN,
                            "short_name": short_name,
                            # Numbers beginning with 0, which the register never gives out.
                            "org_number": f"0{next(numbers):08d}",
                            "kind": kind, "owning_ministry_id": owner,
                            "active_from": None, "active_to": None, "version": 1,
                        }, action)
                area_index += 1
                region_index += area_index // len(areas)

        ministries = [organisation(words.MINISTRY_NAMES, OrganisationKind.MINISTRY, None, i)
                      for i in range(MINISTRIES_PER_SCALE * self.scale)]
        name_nb, name_en, short = words.RESPONSIBLE
        self.responsible = self.add(Organisation, {
            "name_nb": name_nb + words.MARK, "name_en": name_en + words.MARK_EN,
            "short_name": short, "org_number": f"0{next(numbers):08d}",
            "kind": OrganisationKind.DIRECTORATE, "owning_ministry_id": ministries[0]["id"],
            "active_from": None, "active_to": None, "version": 1}, action)
        agencies = [
            organisation(words.AGENCY_NAMES, OrganisationKind.DIRECTORATE,
                         ministries[i % len(ministries)]["id"], i * 7 + 3)
            for i in range(AGENCIES_PER_MINISTRY * len(ministries))]
        self.ministries = ministries
        self.organisations = ministries + agencies
        self.kinds = {o["id"]: o["kind"] for o in self.organisations}
        # When each organisation's group is free to start another course (one at a time).
        self.free_from: dict[int, date] = {o["id"]: date.min for o in self.organisations}
        self.people_of: dict[int, list[dict]] = defaultdict(list)
        self.out.flush()

    # Programmes, through their services

    def make_programmes(self) -> None:
        responsible = db.session.get(Organisation, self.responsible["id"])
        self.programmes = []
        for index in range(2 * self.scale):
            shape = (words.TOP_MANAGEMENT, words.MIDDLE_MANAGEMENT)[index % 2]
            series = index // 2 + 1
            suffix = f" {series}" if series > 1 else ""
            programme = create_programme(
                name_nb=shape.name_nb + suffix + words.MARK,
                name_en=shape.name_en + suffix + words.MARK_EN,
                responsible_organisation=responsible,
                course_length_months=10, groups_per_cohort=GROUPS_PER_COHORT,
                description_nb=shape.description_nb, description_en=shape.description_en)
            plan = programme_data.COURSE_PLAN if shape is words.TOP_MANAGEMENT \
                else words.MIDDLE_MANAGER_PLAN
            for module in plan:
                add_module(programme, name_nb=module.name_nb, name_nn=module.name_nn,
                           name_en=module.name_en, kind=ModuleKind(module.kind),
                           is_joint=module.is_joint, offset_weeks=module.offset_weeks,
                           duration_days=module.duration_days,
                           hours_per_day=module.hours_per_day)
            if shape is words.TOP_MANAGEMENT:
                for d in programme_data.ASSESSMENT_DIMENSIONS:
                    add_dimension(programme, name_nb=d.name_nb, name_nn=d.name_nn,
                                  name_en=d.name_en, description_nb=d.description_nb,
                                  description_en=d.description_en)
            else:
                for nb, nn, en in words.MIDDLE_DIMENSIONS:
                    add_dimension(programme, name_nb=nb, name_nn=nn, name_en=en,
                                  description_nb="", description_en="")
            instrument = create_instrument(programme, instrument_document(shape))
            version = instrument.latest
            for position, (code, at_least, nb, nn, en) in enumerate(
                    instrument_data.HEADLINE_FIGURES, 1):
                db.session.add(HeadlineFigure(
                    programme=programme, position=position, item_code=shape.code_prefix + code,
                    at_least=at_least, label_nb=nb, label_nn=nn, label_en=en))
            db.session.flush()
            self.programmes.append(ProgrammeFacts(programme, shape, version))

    # Accounts

    def make_accounts(self) -> None:
        self.users: dict[str, User] = {}
        ministry = db.session.get(Organisation, self.ministries[0]["id"])
        for local, role, password in ACCOUNTS:
            organisation = ministry if role in (Role.MINISTRY, Role.AGENCY) else None
            user = create_user(f"{local}@{words.EMAIL_DOMAIN}", role, organisation)
            self.users[local] = user
        self.coordinators = [self.users["koordinator.toppledere"],
                             self.users["koordinator.mellomledere"]]
        db.session.flush()

    def link_accounts(self) -> None:
        """Passwords (set as they are: these accounts are for a synthetic database), and the
        group leader's account tied to the top leader of its ministry's newest group."""
        hashes = {}
        for local, role, password in ACCOUNTS:
            if password not in hashes:
                hashes[password] = hash_password(password)
            self.users[local].password_hash = hashes[password]
        leader = self.users["leder"]
        leader.person_id = db.session.scalar(
            select(Membership.person_id).join(Membership.enrolment).join(Enrolment.cohort)
            .where(Enrolment.organisation_id == leader.organisation_id,
                   Membership.role == MemberRole.TOP_LEADER)
            .order_by(Cohort.start_date.desc()).limit(1))
        db.session.flush()

    # Cohorts

    def plan_cohorts(self, index: int, facts: "ProgrammeFacts") -> list[dict]:
        """The programme's cohorts, evenly over the ten years up to a few months from today
        (so some are running and one or two are still to start); programmes staggered."""
        count = self.cohorts_per_programme
        last_start = self.today + timedelta(weeks=10)
        first_start = self.first_day + timedelta(weeks=3 * index)
        step = (last_start - first_start) / max(1, count - 1) if count > 1 else timedelta(0)
        cohorts = []
        for ordinal in range(1, count + 1):
            start = first_start + step * (ordinal - 1) + timedelta(days=self.rng.randint(-10, 10))
            if count == 1:
                start = self.today - timedelta(weeks=20)
            start = next_working_day(start - timedelta(days=start.weekday()))
            cohorts.append({"facts": facts, "ordinal": ordinal, "start_date": start})
        return cohorts

    def make_cohort(self, plan: dict) -> None:
        facts, start = plan["facts"], plan["start_date"]
        programme = facts.programme
        coordinator = self.coordinators[facts.programme_index_parity]
        # Each module's days: joint ones for all, a group's spread a day apart from the others'.
        days = {}
        for module in facts.modules:
            for place in range(1 if module.is_joint else GROUPS_PER_COHORT):
                first = next_working_day(add_days(start, 7 * module.offset_weeks + place))
                days[module.id, place] = module.planned_times(first)
        last_day = clock.local_day(max(ends for _, ends in days.values()))
        planned_end = max(add_months(start, programme.course_length_months), last_day)
        invited_at = oslo(start - timedelta(weeks=10), 10)
        action = self.action(invited_at, coordinator)
        cohort_id = self.out.next_id(Cohort)
        cohort = self.add(Cohort, {
            "id": cohort_id, "programme_id": programme.id, "label": f"Kull {plan['ordinal']}",
            "ordinal": plan["ordinal"],
            "season": Season.SPRING if start.month < 6 else Season.AUTUMN, "year": start.year,
            "start_date": start, "planned_end": planned_end, "capacity": GROUPS_PER_COHORT,
            "notes": "", "participant_information": "", "version": 1,
        }, action, cohort_id, None)
        free = [o for o in self.organisations if self.free_from[o["id"]] < start]
        chosen = self.rng.sample(free, min(GROUPS_PER_COHORT, len(free)))
        groups = []
        for place, organisation in enumerate(chosen):
            self.free_from[organisation["id"]] = planned_end
            groups.append(self.make_group(cohort_id, organisation, start, planned_end, place,
                                          facts, action))
        self.make_sessions(cohort_id, facts, groups, days, start, coordinator)

    def make_group(self, cohort_id: int, organisation: dict, start: date, planned_end: date,
                   place: int, facts: "ProgrammeFacts", action: dict) -> "Group":
        rng = self.rng
        withdrawn = rng.random() < WITHDRAWN_SHARE
        steps = [(EnrolmentStatus.INVITED, oslo(start - timedelta(weeks=10), 10), ""),
                 (EnrolmentStatus.CONFIRMED, oslo(start - timedelta(weeks=6), 14), "")]
        if withdrawn:
            steps.append((EnrolmentStatus.WITHDRAWN, oslo(start - timedelta(weeks=2), 11),
                          "Virksomheten trakk seg før oppstart (syntetisk)."))
        elif start <= self.today:
            steps.append((EnrolmentStatus.ACTIVE, oslo(start, 9), ""))
            if planned_end < self.today:
                steps.append((EnrolmentStatus.COMPLETED, oslo(planned_end, 15), ""))
        # Nothing from the future: a course months ahead has its invitation sent today.
        steps = [step for step in steps if step[1] <= self.now] or [
            (EnrolmentStatus.INVITED, self.now, "")]
        group = self.add(Enrolment, {
            "cohort_id": cohort_id, "organisation_id": organisation["id"],
            "status": steps[-1][0], "notes": "", "version": 1}, action, cohort_id)
        for status, at, reason in steps:
            self.add(EnrolmentStatusChange, {"enrolment_id": group["id"], "status": status,
                                             "changed_at": at, "reason": reason},
                     action, cohort_id, group["id"])
        # The people: a top leader, members, a contact; some came before with another group.
        is_ministry = self.kinds[organisation["id"]] is OrganisationKind.MINISTRY
        if facts.shape is words.TOP_MANAGEMENT:
            top_title = words.TOP_LEADER_TITLES[0 if is_ministry else 1]
            member_titles = words.MEMBER_TITLES
        else:
            top_title, member_titles = words.MIDDLE_LEADER_TITLE, words.MIDDLE_MEMBER_TITLES
        size = facts.shape.group_size + rng.choice((-1, 0, 0, 1))
        roles = [(MemberRole.TOP_LEADER, top_title)]
        roles += [(MemberRole.MEMBER, rng.choice(member_titles)) for _ in range(size - 1)]
        roles.append((MemberRole.CONTACT, words.CONTACT_TITLE))
        pool = self.people_of[organisation["id"]]
        taken: set[int] = set()
        members = []
        for role, title in roles:
            candidates = [p for p in pool if p["id"] not in taken]
            if candidates and rng.random() < RETURNS_SHARE:
                person = rng.choice(candidates)
            else:
                person = self.make_person(organisation["id"], title, action)
                pool.append(person)
            taken.add(person["id"])
            left_on = None
            if role is MemberRole.MEMBER and rng.random() < LEAVES_SHARE:
                left_on = start + timedelta(days=rng.randint(30, max(31, (planned_end - start).days - 30)))
            membership = self.add(Membership, {
                "enrolment_id": group["id"], "person_id": person["id"], "role": role,
                "joined_on": start, "left_on": left_on, "version": 1}, action, cohort_id,
                group["id"])
            if role is not MemberRole.CONTACT:
                members.append((person["id"], left_on))
        present = rng.uniform(*PRESENT_SHARE)
        return Group(group["id"], place, not withdrawn, members, present)

    def make_person(self, organisation_id: int, title: str, action: dict) -> dict:
        rng = self.rng
        given, surname = rng.choice(words.GIVEN_NAMES), rng.choice(words.SURNAMES)
        person_id = self.out.next_id(Person)
        row = {"id": person_id, "name": f"{given} {surname}",
               "email": f"{ascii_part(given)}.{ascii_part(surname)}.{person_id}"
                        f"@{words.EMAIL_DOMAIN}",
               "title": title, "organisation_id": organisation_id, "erased_at": None,
               "version": 1}
        self.out.add(Person, row)
        self.log(action, Person, row, None, None)
        return row

    # Sessions, registers, assessments and survey rounds

    def make_sessions(self, cohort_id: int, facts: "ProgrammeFacts", groups: list["Group"],
                      days: dict, start: date, coordinator: User) -> None:
        rng = self.rng
        taking_part = [g for g in groups if g.taking_part]
        plan_action = self.action(oslo(start - timedelta(weeks=8), 13), coordinator)
        held_assessments: dict[tuple[int, int], date] = {}
        for module in facts.modules:
            for group in ([None] if module.is_joint else taking_part):
                starts_at, ends_at = days[module.id, 0 if group is None else group.place]
                ended = ends_at + REGISTER_AFTER < self.now
                cancelled = ended and not module.is_joint and rng.random() < CANCELLED_SHARE
                status = (SessionStatus.CANCELLED if cancelled else SessionStatus.HELD) \
                    if ended else SessionStatus.PLANNED
                reason = "Avlyst etter avtale med gruppen (syntetisk)." if cancelled else ""
                planned = {
                    "cohort_id": cohort_id, "enrolment_id": group.id if group else None,
                    "module_id": module.id, "starts_at": starts_at, "ends_at": ends_at,
                    "location": "Fellessamling, Oslo (syntetisk)" if module.is_joint
                    else "Hos virksomheten (syntetisk)",
                    "status": SessionStatus.PLANNED,
                    "cancellation_reason": "", "sequence": 0, "version": 1,
                }
                # Planned first, then marked held (or cancelled) when its register came in.
                session = {**planned, "id": self.out.next_id(Session), "status": status,
                           "cancellation_reason": reason, "version": 2 if ended else 1}
                self.out.add(Session, session)
                self.log(plan_action, Session, {**planned, "id": session["id"]}, cohort_id,
                         session["enrolment_id"])
                if not ended:
                    continue
                day = clock.local_day(starts_at)
                register = self.action(ends_at + timedelta(days=1), coordinator)
                changes = {"status": ["PLANNED", status.name]}
                if reason:
                    changes["cancellation_reason"] = ["", reason]
                self.log(register, Session, session, cohort_id, session["enrolment_id"],
                         AuditAction.UPDATE, changes)
                if cancelled:
                    continue
                for present_group in ([group] if group else taking_part):
                    for person_id, left_on in present_group.members:
                        if left_on is not None and left_on < day:
                            continue
                        if rng.random() < present_group.present:
                            mark = AttendanceStatus.PRESENT
                        elif rng.random() < EXCUSED_OF_AWAY:
                            mark = AttendanceStatus.EXCUSED
                        else:
                            mark = AttendanceStatus.ABSENT
                        self.add(Attendance, {"person_id": person_id, "session_id": session["id"],
                                              "status": mark, "note": "", "version": 1},
                                 register, cohort_id, present_group.id)
                if module.kind is ModuleKind.ASSESSMENT and group is not None:
                    held_assessments[group.id, module.id] = day
        assessment_modules = [m for m in facts.modules if m.kind is ModuleKind.ASSESSMENT]
        kinds = ((AssessmentKind.BASELINE, RoundKind.BASELINE, assessment_modules[0]),
                 (AssessmentKind.FINAL, RoundKind.FINAL, assessment_modules[-1]))
        for group in taking_part:
            levels = {d: self.rng.uniform(*BASELINE_SCORES) for d in facts.dimension_ids}
            change = self.rng.uniform(*IMPROVEMENT)
            for step, (kind, round_kind, module) in enumerate(kinds):
                day = held_assessments.get((group.id, module.id))
                if day is None:
                    continue
                expected = [p for p, left_on in group.members if left_on is None or left_on >= day]
                if not expected:
                    continue
                self.make_round(cohort_id, group, round_kind, facts, day, expected, coordinator,
                                levels_shift=step * change)
                action = self.action(oslo(day + timedelta(days=7), 12), coordinator)
                assessment = self.add(Assessment, {
                    "enrolment_id": group.id, "kind": kind, "assessed_on": day,
                    "respondents": len(expected), "version": 1}, action, cohort_id, group.id)
                for dimension_id, level in levels.items():
                    score = min(SCORE_MAX, max(SCORE_MIN, level + step * change
                                               + self.rng.uniform(-0.2, 0.2)))
                    self.add(AssessmentScore, {
                        "assessment_id": assessment["id"], "dimension_id": dimension_id,
                        "score": Decimal(f"{score:.2f}")}, action, cohort_id, group.id)

    def make_round(self, cohort_id: int, group: "Group", kind: RoundKind,
                   facts: "ProgrammeFacts", held_on: date, people: list[int], coordinator: User,
                   levels_shift: float) -> None:
        """The group's round, sent two weeks before its assessment session and closed the day
        before, with the answers it got: responses that say nothing of whose they are, written
        in an order unrelated to the respondents'."""
        rng = self.rng
        opened_on = held_on - timedelta(days=14)
        opened_at = oslo(opened_on, 9)
        action = self.action(opened_at, coordinator)
        survey_round = self.add(SurveyRound, {
            "enrolment_id": group.id, "session_id": None, "version_id": facts.version_id,
            "kind": kind, "opened_at": opened_at, "closes_on": held_on - timedelta(days=1),
            "closed_at": None, "minimum_respondents": LEAST_MINIMUM,
            "opened_by_id": coordinator.id, "version": 1}, action, cohort_id, group.id)
        answering = set(rng.sample(people, round(len(people) * rng.uniform(*ANSWERED_SHARE))))
        for person_id in people:
            self.add(Respondent, {
                "round_id": survey_round["id"], "person_id": person_id, "link_nonce": self.hex(),
                "token_hash": None, "has_answered": person_id in answering,
                "invited_at": opened_at,
                "reminded_at": None if person_id in answering else opened_at + timedelta(days=7),
            }, action, cohort_id, group.id)
        level = rng.uniform(2.6, 3.6) + levels_shift
        for _ in answering:
            response_id = self.hex()
            self.out.add(Response, {"id": response_id, "round_id": survey_round["id"]})
            bias = rng.gauss(0, 0.35)
            for item_id, reverse in facts.items:
                value = min(5, max(1, int(level + bias + rng.gauss(0, 0.55) + 0.5)))
                self.out.add(ItemAnswer, {"response_id": response_id, "item_id": item_id,
                                          "value": 6 - value if reverse else value})
            for question_id in facts.open_questions:
                if rng.random() < OPEN_ANSWER_SHARE:
                    self.out.add(OpenAnswer, {"response_id": response_id,
                                              "question_id": question_id,
                                              "text": rng.choice(words.OPEN_TEXTS)})


class ProgrammeFacts:
    """A programme made for the history, with what the bulk rows need of it, loaded once."""

    def __init__(self, programme: Programme, shape: words.ProgrammeShape,
                 version: InstrumentVersion):
        self.programme, self.shape = programme, shape
        self.programme_index_parity = 0 if shape is words.TOP_MANAGEMENT else 1
        self.modules = list(db.session.scalars(
            select(CourseModule).where(CourseModule.programme_id == programme.id)
            .order_by(CourseModule.position)))
        from tracker.assessments.models import AssessmentDimension
        self.dimension_ids = list(db.session.scalars(
            select(AssessmentDimension.id).where(AssessmentDimension.programme_id == programme.id)
            .order_by(AssessmentDimension.position)))
        self.version_id = version.id
        self.items = [(item.id, item.reverse) for item in version.items]
        self.open_questions = [question.id for question in version.open_questions]


class Group:
    """A group as the sessions need it: its members (person id, day they left) and how often
    its members come."""

    def __init__(self, group_id: int, place: int, taking_part: bool,
                 members: list[tuple[int, date | None]], present: float):
        self.id, self.place, self.taking_part = group_id, place, taking_part
        self.members, self.present = members, present


def instrument_document(shape: words.ProgrammeShape) -> dict:
    """The programme's instrument: the demo's document, renamed and marked as an example; the
    second programme's made of fewer of its factors, under codes of its own."""
    document = copy.deepcopy(instrument_data.INSTRUMENT)
    nb, nn, en = shape.instrument_name
    document["name"] = {"nb": nb + words.MARK, "nn": nn + words.MARK, "en": en + words.MARK_EN}
    document["note"] = "Syntetiske data. (Synthetic data.)"
    if shape.instrument_factors is None:
        return document
    prefix = shape.code_prefix
    for part in document["parts"]:
        part["code"] = prefix + part["code"]
        part["factors"] = part["factors"][:shape.instrument_factors[part["code"][len(prefix):]]]
        for factor in part["factors"]:
            factor["code"] = prefix + factor["code"]
            for item in factor["items"]:
                item["code"] = prefix + item["code"]
    for question in document["open_questions"]:
        question["code"] = prefix + question["code"]
    return document
