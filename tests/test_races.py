"""Races closed in the database, with real concurrent connections on PostgreSQL: requests in
threads, each with its own connection, and the test's own connection holding a lock to make
them meet at the worst moment."""
import threading
import time
from datetime import date

import pytest
from sqlalchemy import create_engine, func, select, text

from tests.conftest import postgres_server_url
from tracker.auth.tokens import new_token
from tracker.groups.models import Enrolment

pytestmark = [
    pytest.mark.committed,  # the requests run on connections of their own
    pytest.mark.skipif(postgres_server_url() is None,
                       reason="needs PostgreSQL (real row locks): set TEST_DATABASE_URL=postgresql://…"),
]


@pytest.fixture
def admin(database_url):
    """A connection of the test's own, outside the app, to hold locks; `admin.watcher` is
    another, autocommitting, to watch the requests wait."""
    engine = create_engine(database_url)
    watching = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection, watching.connect() as watcher:
        connection.watcher = watcher
        yield connection
    engine.dispose()
    watching.dispose()


@pytest.fixture
def coordinator_token(app, db, make_user):
    """A coordinator's API token, used once already: its last use is noted, so the requests
    of a race do not also queue to note it, and meet only where the test means them to."""
    _token, secret = new_token(make_user("coordinator"), "races")
    db.session.commit()
    assert app.test_client().get(
        "/api/v1/cohorts", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    return secret


def at_once(app, calls: list[tuple[str, dict]], token: str, start=lambda: None,
            answers: list | None = None) -> list[int]:
    """POST each (path, json) in a thread of its own, all released together; then `start()`
    runs while they are under way. Returns the statuses, in the order of `calls`; the bodies
    go into `answers` when given."""
    statuses: list[int | None] = [None] * len(calls)
    bodies: list = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def post(i, path, body):
        client = app.test_client()
        barrier.wait()
        response = client.post(path, json=body, headers={"Authorization": f"Bearer {token}",
                                                          "Accept-Language": "en"})
        statuses[i], bodies[i] = response.status_code, response.get_json()

    threads = [threading.Thread(target=post, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    if answers is not None:
        answers.extend(bodies)
    return statuses


def waiting_on_locks(admin, count: int) -> None:
    """Wait until `count` other connections to this database wait for a lock."""
    for _ in range(200):
        waiting = admin.watcher.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'")).scalar()
        if waiting >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"{count} requests never met at the lock")


def holding_cohort(admin, cohort_id: int):
    """Lock the cohort's row as an enrolment would, and a function that lets go once the
    requests wait behind it."""
    admin.execute(text("SELECT id FROM cohort WHERE id = :id FOR UPDATE"), {"id": cohort_id})

    def release(count: int):
        def go():
            waiting_on_locks(admin, count)
            admin.commit()
        return go

    return release


def enrolments_in(db, cohort_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Enrolment)
                             .where(Enrolment.cohort_id == cohort_id))


def test_two_enrolments_of_one_organisation_at_once_give_one_group_and_one_409(
        app, db, admin, make_cohort, make_organisation, coordinator_token):
    cohort = make_cohort(start_date=date(2016, 9, 1))
    organisation = make_organisation()
    db.session.commit()
    body = {"cohort": cohort.id, "organisation": organisation.id}
    release = holding_cohort(admin, cohort.id)
    # Both pass the "already enrolled?" check before either has written, then meet at the lock.
    answers = []
    statuses = at_once(app, [("/api/v1/enrolments", body)] * 2, coordinator_token,
                       start=release(2), answers=answers)
    assert sorted(statuses) == [201, 409]
    conflict = answers[statuses.index(409)]
    assert conflict["status"] == 409
    assert conflict["detail"].startswith("Someone else saved the same thing at the same moment")
    assert enrolments_in(db, cohort.id) == 1


def test_a_cohort_never_takes_more_groups_than_its_places_however_many_come_at_once(
        app, db, admin, make_cohort, make_organisation, make_group, coordinator_token):
    cohort = make_cohort(start_date=date(2016, 9, 1), capacity=3)
    make_group(cohort, make_organisation())
    organisations = [make_organisation() for _ in range(5)]
    db.session.commit()
    release = holding_cohort(admin, cohort.id)
    statuses = at_once(
        app, [("/api/v1/enrolments", {"cohort": cohort.id, "organisation": organisation.id})
              for organisation in organisations],
        coordinator_token, start=release(5))
    assert sorted(statuses) == [201, 201, 422, 422, 422]  # two places were left
    assert enrolments_in(db, cohort.id) == 3


def test_one_organisation_cannot_join_two_overlapping_cohorts_at_once(
        app, db, admin, make_cohort, make_organisation, coordinator_token):
    autumn = make_cohort(start_date=date(2016, 9, 1))
    same_time = make_cohort(start_date=date(2016, 9, 5))
    organisation = make_organisation()
    db.session.commit()
    admin.execute(text("SELECT id FROM organisation WHERE id = :id FOR UPDATE"),
                  {"id": organisation.id})

    def release():
        waiting_on_locks(admin, 2)
        admin.commit()

    statuses = at_once(app, [
        ("/api/v1/enrolments", {"cohort": autumn.id, "organisation": organisation.id}),
        ("/api/v1/enrolments", {"cohort": same_time.id, "organisation": organisation.id}),
    ], coordinator_token, start=release)
    assert sorted(statuses) == [201, 422]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Enrolment)
                             .where(Enrolment.organisation_id == organisation.id)) == 1


def test_enrolments_running_free_at_once_still_fill_only_the_places_there_are(
        app, db, make_cohort, make_organisation, coordinator_token):
    cohort = make_cohort(start_date=date(2016, 9, 1), capacity=2)
    organisations = [make_organisation() for _ in range(6)]
    db.session.commit()
    statuses = at_once(
        app, [("/api/v1/enrolments", {"cohort": cohort.id, "organisation": organisation.id})
              for organisation in organisations], coordinator_token)
    assert statuses.count(201) == 2
    assert set(statuses) <= {201, 422}
    assert enrolments_in(db, cohort.id) == 2
