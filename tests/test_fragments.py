"""Pieces of pages kept between requests (tracker/fragments.py): drawn once while nothing they
show has changed, drawn again after any committed change, for each reader, language and minute
of their own."""
from datetime import timedelta

import pytest
from flask import session
from flask_babel import refresh
from sqlalchemy import update

from config import TestConfig
from tests.conftest import act_as, oslo
from tracker import clock, create_app
from tracker.auth.models import SignInSession
from tracker.fragments import EXTENSION, DataGeneration, FragmentCache, fragment, kept_generation
from tracker.organisations.models import Organisation


@pytest.fixture
def kept(app):
    """The session app with a fragment cache of 100,000 characters (the suite's is off)."""
    saved = app.extensions[EXTENSION]
    app.extensions[EXTENSION] = FragmentCache(100_000)
    yield app.extensions[EXTENSION]
    app.extensions[EXTENSION] = saved


def draw(app, organisation_id, *, key=(), user=None, language=None):
    """The piece 'name' of one organisation, as one request would get it; and whether it was
    drawn (not taken from the cache)."""
    drawn = []

    def render():
        drawn.append(True)
        from tracker.extensions import db

        return f"<p>{db.session.get(Organisation, organisation_id).name_nb}</p>"

    with app.test_request_context("/"):
        if user is not None:
            act_as(user)
        if language is not None:
            session["lang"] = language
        refresh()  # Flask-Babel keeps the locale on `g`, which the test's app context keeps
        text = str(fragment("name", organisation_id, *key, render=render))
    return text, bool(drawn)


@pytest.fixture
def organisation(make_organisation, db):
    organisation = make_organisation(name_nb="Utdanningsdirektoratet")
    db.session.commit()
    return organisation


def test_a_piece_is_drawn_once_while_nothing_changes(app, kept, organisation, frozen_clock):
    frozen_clock(oslo(2027, 3, 8, 10))
    assert draw(app, organisation.id) == ("<p>Utdanningsdirektoratet</p>", True)
    assert draw(app, organisation.id) == ("<p>Utdanningsdirektoratet</p>", False)
    assert (kept.hits, kept.misses) == (1, 1)


def test_a_committed_change_draws_it_again(app, kept, organisation, db, frozen_clock):
    frozen_clock(oslo(2027, 3, 8, 10))
    before = db.session.get(DataGeneration, 1).token
    draw(app, organisation.id)
    organisation.name_nb = "Direktoratet for utdanning"
    db.session.commit()
    assert db.session.get(DataGeneration, 1).token != before
    assert draw(app, organisation.id) == ("<p>Direktoratet for utdanning</p>", True)


def test_a_change_by_statement_draws_it_again(app, kept, organisation, db, frozen_clock):
    frozen_clock(oslo(2027, 3, 8, 10))
    draw(app, organisation.id)
    db.session.execute(update(Organisation).where(Organisation.id == organisation.id)
                       .values(name_nb="Direktoratet for utdanning"))
    db.session.commit()
    db.session.expire_all()
    assert draw(app, organisation.id) == ("<p>Direktoratet for utdanning</p>", True)


def test_a_change_rolled_back_keeps_the_piece(app, kept, organisation, db, frozen_clock):
    frozen_clock(oslo(2027, 3, 8, 10))
    draw(app, organisation.id)
    before = db.session.get(DataGeneration, 1).token
    organisation.name_nb = "Aldri lagret"
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert db.session.get(DataGeneration, 1).token == before
    assert draw(app, organisation.id) == ("<p>Utdanningsdirektoratet</p>", False)


def test_a_sign_in_note_keeps_the_piece(app, kept, organisation, db, make_user, frozen_clock):
    """A sign-in session's last-seen time is written on reads, about once a minute per reader:
    it shows on no piece, so it must not empty the cache."""
    frozen_clock(oslo(2027, 3, 8, 10))
    user = make_user("coordinator")
    draw(app, organisation.id)
    before = db.session.get(DataGeneration, 1).token
    db.session.execute(update(SignInSession).where(SignInSession.user_id == user.id)
                       .values(last_seen_at=clock.now()))
    db.session.commit()
    assert db.session.get(DataGeneration, 1).token == before
    assert draw(app, organisation.id)[1] is False


def test_each_reader_language_key_and_minute_has_its_own(app, kept, organisation, make_user,
                                                         frozen_clock):
    frozen_clock(oslo(2027, 3, 8, 10))
    first, second = make_user("coordinator"), make_user("coordinator")
    assert draw(app, organisation.id, user=first)[1] is True
    assert draw(app, organisation.id, user=first)[1] is False
    assert draw(app, organisation.id, user=second)[1] is True
    assert draw(app, organisation.id, user=first, language="en")[1] is True
    assert draw(app, organisation.id, user=first, key=("2027",))[1] is True
    frozen_clock(oslo(2027, 3, 8, 10) + timedelta(minutes=1))
    assert draw(app, organisation.id, user=first)[1] is True
    assert draw(app, organisation.id, user=first)[1] is False


def test_the_oldest_unused_piece_goes_first_and_a_huge_one_is_never_kept(app, organisation,
                                                                        frozen_clock):
    frozen_clock(oslo(2027, 3, 8, 10))
    cache = FragmentCache(60)
    cache.put(("a",), "x" * 25)
    cache.put(("b",), "x" * 25)
    cache.get(("a",))
    cache.put(("c",), "x" * 25)
    assert cache.get(("a",)) is not None and cache.get(("c",)) is not None
    assert cache.get(("b",)) is None
    cache.put(("d",), "x" * 61)
    assert cache.get(("d",)) is None


def test_off_when_its_size_is_nought(app, organisation, frozen_clock):
    frozen_clock(oslo(2027, 3, 8, 10))
    assert app.extensions[EXTENSION].pieces is None  # the suite's own setting
    assert draw(app, organisation.id)[1] is True
    assert draw(app, organisation.id)[1] is True


@pytest.mark.committed
def test_a_change_through_another_instance_is_seen_at_the_next_request(app, db, database_url,
                                                                       frozen_clock, tmp_path):
    """Two instances on one database, each with its own cache: a change committed through one
    is drawn afresh by the other, since the generation is read from the shared database."""
    frozen_clock(oslo(2027, 3, 8, 10))

    # In-memory SQLite is one connection's own: there, the two share a file.
    url = database_url if database_url != "sqlite://" else f"sqlite:///{tmp_path / 'two.db'}"

    class Other(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        FRAGMENT_CACHE_CHARS = 100_000

    first, second = create_app(Other), create_app(Other)
    with first.app_context():
        from flask_migrate import upgrade

        from tracker.extensions import db as first_db
        from tracker.organisations.models import OrganisationKind

        if url != database_url:
            upgrade()

        organisation = Organisation(name_nb="Utdanningsdirektoratet", kind=OrganisationKind.DIRECTORATE)
        first_db.session.add(organisation)
        first_db.session.commit()
        organisation_id = organisation.id
    with second.app_context():
        assert draw(second, organisation_id)[1] is True
        assert draw(second, organisation_id)[1] is False
    with first.app_context():
        first_db.session.get(Organisation, organisation_id).name_nb = "Direktoratet for utdanning"
        first_db.session.commit()
    with second.app_context():
        assert draw(second, organisation_id) == ("<p>Direktoratet for utdanning</p>", True)


def test_the_cohort_page_is_kept_until_a_change_is_saved(app, kept, client, db, make_cohort,
                                                        make_user, frozen_clock):
    """The cohort page's body is kept for the reader; a change saved through the edit form is on
    the next view; someone the cohort is hidden from still gets a 404, not the kept page."""
    from tests.conftest import csrf_token, login_as

    frozen_clock(oslo(2027, 3, 8, 10))
    staff = client
    login_as(staff, make_user("coordinator"))
    cohort = make_cohort(label="Kull 7")
    db.session.commit()
    first = staff.get(f"/cohorts/{cohort.id}")
    assert first.status_code == 200 and "Kull 7" in first.text
    again = staff.get(f"/cohorts/{cohort.id}")
    assert again.status_code == 200 and kept.hits == 1
    hits = kept.hits
    response = staff.post(f"/cohorts/{cohort.id}/edit", data={
        "label": "Kull 7 (vår)", "ordinal": str(cohort.ordinal), "season": cohort.season.name,
        "year": str(cohort.year), "start_date": cohort.start_date.isoformat(),
        "planned_end": cohort.planned_end.isoformat(), "capacity": str(cohort.capacity),
        "notes": "", "version": str(cohort.version), "csrf_token": csrf_token(staff)})
    assert response.status_code == 302
    after = staff.get(f"/cohorts/{cohort.id}")
    assert "Kull 7 (vår)" in after.text and kept.hits == hits
    outsider = app.test_client()
    from tracker.roles import Role
    from tracker.users.services import create_user

    login_as(outsider, create_user("deltaker.utenfor@example.org", Role.PARTICIPANT, None,
                                   password="korrekt hest batteri stift"))
    assert outsider.get(f"/cohorts/{cohort.id}").status_code in (403, 404)


def test_the_group_page_keeps_its_records_and_draws_its_forms(app, kept, client, db, make_user,
                                                              make_group, make_session,
                                                              frozen_clock):
    """The group page's progress and records are kept; a session cancelled since is on the next
    view; the members' part (it holds forms) is drawn every time."""
    from tests.conftest import login_as
    from tracker.schedule.models import SessionStatus

    frozen_clock(oslo(2027, 3, 8, 10))
    login_as(client, make_user("coordinator"))
    group = make_group()
    session = make_session(group.cohort, starts_at=oslo(2027, 4, 12, 9))
    db.session.commit()
    first = client.get(f"/groups/{group.id}")
    assert first.status_code == 200 and "Foreleser er syk" not in first.text
    assert client.get(f"/groups/{group.id}").status_code == 200
    assert kept.hits == 2  # the progress and the records
    session.status = SessionStatus.CANCELLED
    session.cancellation_reason = "Foreleser er syk"
    db.session.commit()
    after = client.get(f"/groups/{group.id}")
    assert "Foreleser er syk" in after.text and kept.hits == 2


def test_the_home_page_is_kept_per_page_and_window_and_shows_a_new_cohort(app, kept, client, db,
                                                                        make_user, make_cohort,
                                                                        frozen_clock):
    from tests.conftest import login_as

    frozen_clock(oslo(2027, 3, 8, 10))
    login_as(client, make_user("coordinator"))
    first = make_cohort(label="Kull 30", start_date=oslo(2027, 1, 10).date())
    db.session.commit()
    assert "Kull 30" in client.get("/").text
    assert client.get("/").status_code == 200 and kept.hits == 1
    assert client.get("/?years_from=2020").status_code == 200 and kept.hits == 1  # its own window
    make_cohort(programme=first.programme, label="Kull 31", start_date=oslo(2027, 8, 20).date())
    db.session.commit()
    assert "Kull 31" in client.get("/").text and kept.hits == 1


def test_the_programme_page_keeps_its_overview_and_draws_its_course_plan(app, kept, client, db,
                                                                        make_user, make_cohort,
                                                                        make_module, frozen_clock):
    """The overview (cohorts, timeline) is kept; a module added since is in the course plan, drawn
    every time with its forms; a cohort added since is in the overview at the next view."""
    from tests.conftest import login_as

    frozen_clock(oslo(2027, 3, 8, 10))
    login_as(client, make_user("coordinator"))
    cohort = make_cohort(label="Kull 40", start_date=oslo(2027, 1, 10).date())
    db.session.commit()
    programme = cohort.programme
    assert "Kull 40" in client.get(f"/programmes/{programme.id}").text
    make_module(programme=programme, name_nb="Ny modul om styring")
    db.session.flush()  # not committed: the overview is kept, the course plan is drawn anyway
    page = client.get(f"/programmes/{programme.id}").text
    assert "Ny modul om styring" in page and kept.hits == 1
    make_cohort(programme=programme, label="Kull 41", start_date=oslo(2027, 8, 20).date())
    db.session.commit()
    assert "Kull 41" in client.get(f"/programmes/{programme.id}").text and kept.hits == 1


def test_the_change_log_is_kept_per_query_and_shows_the_next_change(app, kept, client, db,
                                                                    make_user, make_cohort,
                                                                    frozen_clock):
    from tests.conftest import csrf_token, login_as

    frozen_clock(oslo(2027, 3, 8, 10))
    login_as(client, make_user("coordinator"))
    cohort = make_cohort(label="Kull 7")
    db.session.commit()

    def rename(label: str, version: int) -> None:
        response = client.post(f"/cohorts/{cohort.id}/edit", data={
            "label": label, "ordinal": str(cohort.ordinal), "season": cohort.season.name,
            "year": str(cohort.year), "start_date": cohort.start_date.isoformat(),
            "planned_end": cohort.planned_end.isoformat(), "capacity": str(cohort.capacity),
            "notes": "", "version": str(version), "csrf_token": csrf_token(client)})
        assert response.status_code == 302

    rename("Kull 7 (vår)", cohort.version)
    assert "Kull 7 (vår)" in client.get("/audit/").text
    hits = kept.hits
    assert client.get("/audit/").status_code == 200 and kept.hits == hits + 1
    assert client.get("/audit/?person=Ola").status_code == 200 and kept.hits == hits + 1
    assert client.get("/audit/?before=x").status_code == 404 and kept.hits == hits + 1
    rename("Kull 7 (høst)", 2)
    assert "Kull 7 (høst)" in client.get("/audit/").text and kept.hits == hits + 1


def test_the_generation_to_keep_a_result_under_is_read_in_a_request_and_outside_one(
        app, kept, organisation, db):
    """`kept_generation`: the request's one reading in a request, the database's outside one (a
    download written after its request, a command); none with uncommitted changes to shown data,
    nor with the cache off."""
    token = db.session.get(DataGeneration, 1).token
    assert kept_generation() == token
    with app.test_request_context("/"):
        assert kept_generation() == token
    organisation.name_nb = "Direktoratet for utdanning"
    assert kept_generation() is None  # pending
    db.session.flush()
    assert kept_generation() is None  # flushed, not committed
    db.session.commit()
    assert kept_generation() not in (None, token)
    app.extensions[EXTENSION] = FragmentCache(0)
    assert kept_generation() is None
