"""Fixtures shared by the whole suite.

The suite runs on in-memory SQLite by default. With `TEST_DATABASE_URL` pointing at a PostgreSQL
server, it creates a database of its own for this run and drops it afterwards, so runs never see
each other's data.
"""
import contextvars
import os
import uuid
from contextlib import contextmanager
from datetime import date, datetime, timezone

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Integer, create_engine, text
from sqlalchemy.engine import make_url

from config import TestConfig, normalise_database_url
from tracker import create_app
from tracker.extensions import db as _db
from tracker.fragments import DataGeneration


def pytest_sessionstart(session):
    """Compile the message catalogues when they are missing or stale, as `make` would."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in Path(__file__).parent.parent.glob("tracker/translations/*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file)
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalog)


def postgres_server_url() -> str | None:
    """The PostgreSQL server TEST_DATABASE_URL points at, if it points at one."""
    server_url = normalise_database_url(os.environ.get("TEST_DATABASE_URL"))
    if not server_url or not server_url.startswith("postgresql"):
        return None
    return server_url


@pytest.fixture(scope="session")
def database_url():
    """A database for this test run: in-memory SQLite, or a fresh PostgreSQL database."""
    server_url = postgres_server_url()
    if server_url is None:
        yield "sqlite://"
        return
    with temporary_postgres_database(server_url) as url:
        yield url


class temporary_postgres_database:
    def __init__(self, server_url: str):
        self.server = make_url(server_url)
        self.name = f"tracker_test_{uuid.uuid4().hex[:12]}"

    def __enter__(self) -> str:
        admin = create_engine(self.server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        admin.dispose()
        return self.server.set(database=self.name).render_as_string(hide_password=False)

    def __exit__(self, *exc):
        admin = create_engine(self.server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def app(database_url):
    class RunConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url

    app = create_app(RunConfig)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def db(app, request):
    """The database for one test, which sees nothing of any other test's data.

    By default everything the test writes is rolled back at its end: the test runs on one
    connection inside a transaction that is never committed, and every Flask-SQLAlchemy session
    of the test (the test body's, and each request's or CLI command's, in its own app context)
    joins it in a savepoint of its own, so the app's `commit()` and `rollback()` work as usual.
    See `joined_transaction`.

    Tests marked `committed` need real commits that other connections or threads see (two real
    database sessions, a live server in a thread); for them the tables are emptied afterwards.
    """
    with app.app_context():
        if request.node.get_closest_marker("committed"):
            try:
                yield _db
            finally:
                _db.session.rollback()
                _db.session.remove()
                empty_all_tables(_db.engine)
            return
        with joined_transaction(app):
            yield _db


def empty_all_tables(engine) -> None:
    """Delete every row, for the tests marked `committed`."""
    tables = _db.metadata.sorted_tables
    if engine.dialect.name == "postgresql":
        names = ", ".join(f'"{table.name}"' for table in tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    # Self-references (an agency's owning ministry) defeat any delete order; SQLite only
    # switches foreign keys off outside a transaction, so do it before the deletes begin.
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        for table in reversed(tables):
            conn.execute(table.delete())
        conn.commit()
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")


def copy_all_rows(source, target) -> None:
    """Commit into the `target` engine's (empty) tables every row of the `source` engine's, ids
    and all: for the tests marked `committed` that need the demo, a copy of the one `demo_apps`
    loaded is a fraction of a second where loading it again takes many."""
    tables = _db.metadata.sorted_tables
    postgresql = target.dialect.name == "postgresql"
    with source.connect() as reading, target.connect() as writing:
        if not postgresql:
            # As in `empty_all_tables`: an agency may come before its owning ministry.
            writing.exec_driver_sql("PRAGMA foreign_keys=OFF")
        for table in tables:
            if table.name == DataGeneration.__tablename__:
                # Bookkeeping, not data: the target's own first commit may have written its
                # one row already (tracker/fragments.py), and its next change replaces it.
                continue
            rows = [row._asdict() for row in reading.execute(table.select().order_by(*table.primary_key))]
            if rows:
                writing.execute(table.insert(), rows)
        if postgresql:
            # The ids were given, not drawn: the next record a test makes must not reuse one.
            for table in tables:
                for column in table.primary_key:
                    if isinstance(column.type, Integer):
                        writing.execute(text(
                            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', '{column.name}'),"
                            f" coalesce(max(\"{column.name}\"), 0) + 1, false) FROM \"{table.name}\""))
        writing.commit()
        if not postgresql:
            writing.exec_driver_sql("PRAGMA foreign_keys=ON")


# The connection each app's sessions use while a test runs in a transaction (see `db`).
_test_connections: dict = {}


def _get_bind(original):
    """Flask-SQLAlchemy's Session.get_bind picks the app's engine, ignoring a session's `bind`;
    this one answers the test's connection, when the current app has one."""
    from flask import current_app

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None:
            connection = _test_connections.get(current_app._get_current_object())
            if connection is not None:
                return connection
        return original(self, mapper=mapper, clause=clause, bind=bind, **kwargs)

    return get_bind


def join_sessions_to_test_transactions() -> None:
    """Once per run: sessions join a test's transaction in a savepoint of their own."""
    factory = _db.session.session_factory
    if getattr(factory.class_, "_joins_test_transactions", False):
        return
    factory.class_.get_bind = _get_bind(factory.class_.get_bind)
    factory.class_._joins_test_transactions = True
    # Only matters when the bind is a connection already in a transaction: the test's.
    factory.configure(join_transaction_mode="create_savepoint")


@contextmanager
def joined_transaction(app):
    """Run the app's database sessions on one connection, in a transaction rolled back at the end.

    pysqlite does not emit BEGIN itself before SAVEPOINT, and commits on its own at times;
    SQLAlchemy's documented remedy ("Serializable isolation / Savepoints / Transactional DDL")
    is to switch the driver's own transaction handling off and emit BEGIN ourselves. That is
    done here, on this test's connection only, and undone afterwards, so the app's behaviour
    outside these tests is unchanged.
    """
    join_sessions_to_test_transactions()
    engine = _db.engines[None]
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            driver_connection = connection.connection.driver_connection
            isolation_level = driver_connection.isolation_level
            driver_connection.isolation_level = None
        transaction = connection.begin()
        if sqlite:
            connection.exec_driver_sql("BEGIN")
        _test_connections[app] = connection
        try:
            yield connection
        finally:
            try:
                _db.session.remove()
            finally:
                del _test_connections[app]
                transaction.rollback()
                if sqlite:
                    driver_connection.isolation_level = isolation_level


@pytest.fixture(scope="session")
def demo_apps():
    """demo_apps(today): an app whose database of its own holds the demo as loaded on `today`.

    Each day's demo is loaded once per run, the first time a test asks for it, into a second
    in-memory SQLite database, or a second PostgreSQL database made like the main one. Tests
    read it through `demo_database`, which rolls back anything they write.
    """
    from contextlib import ExitStack

    from flask_migrate import upgrade

    from tracker.seed.demo import load_demo

    apps = {}
    with ExitStack() as stack:

        def demo_app(today: date):
            if today not in apps:
                server_url = postgres_server_url()
                url = "sqlite://" if server_url is None else stack.enter_context(
                    temporary_postgres_database(server_url))

                class DemoConfig(TestConfig):
                    SQLALCHEMY_DATABASE_URI = url

                app = create_app(DemoConfig)
                with app.app_context():
                    upgrade()
                    load_demo(today=today)
                    _db.session.remove()
                    stack.callback(_db.engines[None].dispose)
                apps[today] = app
            return apps[today]

        yield demo_app


@pytest.fixture
def demo_database(db, demo_apps):
    """demo_database(today): from here to the end of the test, `db.session` reads the demo as
    loaded on `today` (see `demo_apps`), in a transaction rolled back at the test's end.

    For tests that only read the demo: loading it takes seconds, reading it milliseconds.
    Called again with another day, `db.session` reads that day's demo instead.
    """
    from contextlib import ExitStack

    with ExitStack() as stack:

        def use(today: date):
            demo_app = demo_apps(today)
            stack.enter_context(demo_app.app_context())
            stack.enter_context(joined_transaction(demo_app))
            return _db

        yield use


class IsolatedClient(FlaskClient):
    """A test client whose requests each get their own app context, `g` and DB session.

    The autouse `db` fixture keeps an app context open for the test body. Without this, every
    request in a test would share that context's `g` (and Flask-Babel's cached locale) and its
    session, which hides bugs that only show across real requests. Data a test writes must be
    committed before a request can see it, as in production.
    """

    def open(self, *args, **kwargs):
        # A streamed body (stream_with_context) is read in the context it was started in, as a
        # server does; read afterwards, outside it, its context could not be popped.
        kwargs.setdefault("buffered", True)
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = IsolatedClient
    return app.test_client()


SAVEPOINT_STATEMENTS = ("SAVEPOINT ", "RELEASE SAVEPOINT ", "ROLLBACK TO SAVEPOINT ")


@pytest.fixture
def count_queries(db):
    """Counts SQL statements run inside a `with count_queries() as counter:` block."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def counting():
        counter = {"n": 0}

        def before(conn, cursor, statement, *args, **kwargs):
            # The savepoints that stand in for each session's transaction in a test (see `db`)
            # are not the app's queries: in production they are BEGIN and COMMIT, not counted.
            if not statement.lstrip().upper().startswith(SAVEPOINT_STATEMENTS):
                counter["n"] += 1

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return counting


# Factories: small helpers that make valid records with sensible defaults.


@pytest.fixture
def make_organisation(db):
    from tracker.organisations.models import OrganisationKind
    from tracker.organisations.services import create_organisation

    counter = iter(range(1, 10_000))

    def make(**kwargs):
        n = next(counter)
        kwargs.setdefault("name_nb", f"Testdirektoratet {n}")
        kwargs.setdefault("kind", OrganisationKind.DIRECTORATE)
        organisation = create_organisation(**kwargs)
        db.session.flush()
        return organisation

    return make


@pytest.fixture
def make_programme(db, make_organisation):
    from tracker.organisations.models import OrganisationKind
    from tracker.programmes.models import Programme

    def make(**kwargs):
        kwargs.setdefault("name_nb", "Program for toppledergrupper")
        kwargs.setdefault("name_en", "Programme for top-management groups")
        if "responsible_organisation" not in kwargs:
            kwargs["responsible_organisation"] = make_organisation(
                name_nb="Direktoratet for forvaltning og IKT",
                short_name="Difi",
                kind=OrganisationKind.DIRECTORATE,
            )
        programme = Programme(**kwargs)
        db.session.add(programme)
        db.session.flush()
        return programme

    return make


@pytest.fixture
def make_cohort(db, make_programme):
    from tracker.cohorts.models import Season
    from tracker.cohorts.services import create_cohort

    state = {"programme": None, "n": 0}

    def make(programme=None, **kwargs):
        if programme is None:
            state["programme"] = state["programme"] or make_programme()
            programme = state["programme"]
        state["n"] += 1
        kwargs.setdefault("label", f"Kull {state['n']}")
        kwargs.setdefault("ordinal", state["n"])
        kwargs.setdefault("start_date", date(2016, 9, 1))
        kwargs.setdefault("season", Season.AUTUMN)
        kwargs.setdefault("year", kwargs["start_date"].year)
        cohort = create_cohort(programme, **kwargs)
        db.session.flush()
        return cohort

    return make


@pytest.fixture
def make_module(db, make_programme):
    """make_module(programme=None, **values): a course module at the end of the programme's
    course plan, added through `tracker.programmes.services.add_module`.

    Defaults: a one-day group-work module, not joint, four weeks into the course, six hours a
    day, named "Modul n"/"Module n"; a joint gathering (`kind=ModuleKind.JOINT_GATHERING`) is
    joint unless told otherwise. Without a programme, one made by `make_programme`.
    """
    from tracker.programmes.models import ModuleKind
    from tracker.programmes.services import add_module

    counter = iter(range(1, 10_000))

    def make(programme=None, **values):
        n = next(counter)
        values.setdefault("name_nb", f"Modul {n}")
        values.setdefault("name_en", f"Module {n}")
        values.setdefault("kind", ModuleKind.GROUP_WORK)
        values.setdefault("is_joint", values["kind"] is ModuleKind.JOINT_GATHERING)
        values.setdefault("offset_weeks", 4)
        values.setdefault("duration_days", 1)
        values.setdefault("hours_per_day", 6)
        return add_module(programme or make_programme(), **values)

    return make


@pytest.fixture
def make_group(db, make_cohort, make_organisation):
    """make_group(cohort=None, organisation=None, status=INVITED, at=None, notes=""): an
    organisation's leadership group enrolled in a cohort, through `tracker.groups.services.enrol`
    (so the cohort's capacity and overlapping courses are checked). Without a cohort or an
    organisation, new ones from `make_cohort` and `make_organisation`.
    """
    from tracker.groups.services import enrol

    def make(cohort=None, organisation=None, **kwargs):
        return enrol(cohort or make_cohort(), organisation or make_organisation(), **kwargs)

    return make


@pytest.fixture
def make_person(db):
    """make_person(name=None, email=None, title=None, organisation=None): a person, through
    `tracker.people.services.create_person` (the email is checked, stored in lower case and
    unique). Defaults: "Person n" at person.n@example.org.
    """
    from tracker.people.services import create_person

    counter = iter(range(1, 10_000))

    def make(name=None, email=None, **kwargs):
        n = next(counter)
        return create_person(name=name or f"Person {n}", email=email or f"person.{n}@example.org",
                             **kwargs)

    return make


@pytest.fixture
def make_member(db, make_person):
    """make_member(group, person=None, role=MEMBER, joined_on=None, left_on=None, **person):
    a membership of a leadership group, through `tracker.people.services.add_membership` (one
    top leader at a time, dates inside the course). Without a person, a new one from
    `make_person(**person)`, of no organisation; joined on the cohort's start date unless told.
    Returns the membership; its person is `.person`.
    """
    from tracker.people.models import MemberRole
    from tracker.people.services import add_membership

    def make(group, person=None, *, role=MemberRole.MEMBER, joined_on=None, left_on=None,
             **person_values):
        if person is None:
            person = make_person(**person_values)
        return add_membership(group, person, role=role,
                              joined_on=joined_on or group.cohort.start_date, left_on=left_on)

    return make


@pytest.fixture
def make_session(db, make_module):
    """make_session(cohort, module=None, group=None, starts_at=None, ends_at=None, location=None,
    status=PLANNED): a session, through `tracker.schedule.sessions.create_session`.

    Joint when no group is given. Defaults: a new module from `make_module` (joint for a joint
    session), 09:00 to 15:00 in Oslo on the cohort's start date, ends six hours after a given
    start, the location the schedule would suggest. Warnings about the times (a holiday, a
    weekend, outside the course) count as seen: a test that is about them calls the service
    itself.
    """
    from datetime import timedelta

    from tracker.schedule.models import SessionStatus
    from tracker.schedule.proposals import session_location
    from tracker.schedule.sessions import create_session
    from tracker.schedule.warnings import UnseenWarnings

    def make(cohort, module=None, group=None, *, starts_at=None, ends_at=None, location=None,
             status=SessionStatus.PLANNED):
        if module is None:
            module = make_module(cohort.programme, is_joint=group is None)
        if starts_at is None:
            day = cohort.start_date
            starts_at = oslo(day.year, day.month, day.day)
        values = dict(module=module, enrolment=group, starts_at=starts_at,
                      ends_at=ends_at or starts_at + timedelta(hours=6),
                      location=session_location(group) if location is None else location,
                      status=status)
        if status is SessionStatus.CANCELLED:
            values["cancellation_reason"] = "Avlyst i testen."  # a cancellation gives a reason
        try:
            return create_session(cohort, **values)
        except UnseenWarnings as warnings:
            return create_session(cohort, **values, seen_warnings=warnings.key)

    return make


def oslo(year, month, day, hour=9, minute=0) -> datetime:
    """A wall-clock time in Oslo as an aware datetime."""
    from zoneinfo import ZoneInfo

    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("Europe/Oslo"))


@pytest.fixture
def frozen_clock():
    """frozen_clock(at): pin `tracker.clock` at `at` (a date: noon in Oslo) for the rest of the test."""
    from contextlib import ExitStack

    from tracker import clock

    with ExitStack() as stack:
        yield lambda at: stack.enter_context(clock.frozen(at))


@pytest.fixture
def utc():
    return timezone.utc


PASSWORD = "korrekt hest batteri stift"


@pytest.fixture
def make_user(db, make_organisation):
    """make_user(role, organisation=None, email=None): a committed, active user.

    Agency and ministry users get an organisation of the right kind if none is given.
    """
    from tracker.organisations.models import OrganisationKind
    from tracker.roles import Role
    from tracker.users.services import create_user

    counter = iter(range(1, 10_000))

    def make(role="coordinator", organisation=None, email=None, password=PASSWORD):
        role = Role(role) if isinstance(role, str) else role
        n = next(counter)
        if organisation is None and role is Role.AGENCY:
            organisation = make_organisation()
        if organisation is None and role is Role.MINISTRY:
            organisation = make_organisation(name_nb=f"Testdepartementet {n}", kind=OrganisationKind.MINISTRY)
        user = create_user(email or f"{role.value}{n}@example.org", role, organisation, password=password)
        db.session.commit()
        return user

    return make


def login_as(client, user, *, base_url: str | None = None) -> None:
    """Sign a test client in as `user` without the form (the auth tests use the form): a
    sign-in session of its own, whose secret the cookie carries as a browser's would."""
    from tracker.auth.sessions import open_session

    _record, secret = open_session(user, device="Test client")
    _db.session.commit()
    with client.session_transaction(**({"base_url": base_url} if base_url else {})) as session:
        session["_user_id"] = secret
        session["_fresh"] = True


@pytest.fixture
def staff(client, make_user):
    """A test client signed in as a coordinator."""
    login_as(client, make_user("coordinator"))
    return client


def act_as(user) -> None:
    """In a test request context, be `user` as a page's view would be: for rendering a
    template alone, with no browser and so no sign-in session."""
    from flask import g

    g._login_user = user


def csrf_token(client) -> str:
    """A valid CSRF token for this client's session, read from a page like a browser would.

    The page is a missing one: every page's layout carries the language switch's token, and
    the 404 page is the cheapest to render, signed in or not."""
    import re

    html = client.get("/this-page-does-not-exist").get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


@pytest.fixture(autouse=True)
def reset_rate_limits(app):
    from tracker.extensions import limiter

    limiter.reset()
    yield
