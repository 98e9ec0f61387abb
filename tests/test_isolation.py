"""No test sees another test's data: each writer below is followed by a test that finds every
table empty, whether the writer's data was committed in the test body, by a request or by a
command, rolled back at the test's end (the default) or committed for real (`committed`).

The tests run in the order written; pytest keeps a file's order.
"""
import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token, login_as
from tests.seed.test_seed_demo import AFTER_ALL, EXAMPLE_ORGANISATIONS, ORGANISATIONS
from tracker.organisations.models import Organisation


def row_counts(db) -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def assert_every_table_is_empty(db):
    counts = row_counts(db)
    assert counts and not {name: n for name, n in counts.items() if n}


def write_everywhere(app, db, client, make_user, make_cohort):
    """Commit in the test body, through a request and through a command; all see each other."""
    cohort = make_cohort()
    db.session.commit()
    login_as(client, make_user("coordinator"))
    response = client.post("/organisations/new", data={
        "name_nb": "Lånekassen", "name_en": "", "short_name": "", "org_number": "",
        "kind": "DIRECTORATE", "owning_ministry": "", "active_from": "", "active_to": "",
        "csrf_token": csrf_token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--email", "admin@example.org", "--role", "admin",
              "--password-stdin"], input="korrekt hest batteri stift\n")
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(type(cohort), cohort.id) is not None
    assert db.session.scalar(select(Organisation.id).where(Organisation.name_nb == "Lånekassen"))
    counts = row_counts(db)
    assert counts["cohort"] == 1 and counts["user_account"] == 2
    return counts


def test_a_test_writes_and_commits(app, db, client, make_user, make_cohort):
    write_everywhere(app, db, client, make_user, make_cohort)


def test_the_next_test_finds_every_table_empty(db, client):
    assert_every_table_is_empty(db)
    # What a request sees too.
    assert client.get("/healthz").status_code == 200


@pytest.mark.committed
def test_a_committed_test_writes_and_commits(app, db, client, make_user, make_cohort):
    write_everywhere(app, db, client, make_user, make_cohort)


def test_the_test_after_a_committed_one_finds_every_table_empty(db):
    assert_every_table_is_empty(db)


def test_a_rollback_in_the_test_undoes_only_what_was_not_committed(db, make_organisation):
    kept = make_organisation(name_nb="Beholdt")
    db.session.commit()
    make_organisation(name_nb="Angret")
    db.session.rollback()
    assert db.session.scalars(select(Organisation.name_nb)).all() == [kept.name_nb]


# The once-loaded demo (see `demo_database`) is shared by many tests: what one writes there is
# rolled back too.


def test_a_test_writes_into_the_once_loaded_demo(demo_database, make_organisation):
    db = demo_database(AFTER_ALL)
    before = row_counts(db)
    make_organisation(name_nb="Skrevet i demoen")
    db.session.commit()
    in_demo = len(ORGANISATIONS) + len(EXAMPLE_ORGANISATIONS)
    assert row_counts(db)["organisation"] == before["organisation"] + 1 == in_demo + 1


def test_the_next_test_reads_the_demo_as_it_was_loaded(demo_database):
    db = demo_database(AFTER_ALL)
    names = db.session.scalars(select(Organisation.name_nb)).all()
    assert "Skrevet i demoen" not in names
    assert len(names) == len(ORGANISATIONS) + len(EXAMPLE_ORGANISATIONS)
