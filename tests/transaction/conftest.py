"""An app of its own, with a few views that do exactly one thing each, to watch the request's
transaction end at its edge."""
import pytest
from flask import Response, request
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from config import TestConfig
from tracker import create_app
from tracker.concurrency import ConflictError
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.organisations.models import Organisation, OrganisationKind


def agency(name: str, org_number: str | None = None) -> Organisation:
    return Organisation(name_nb=name, kind=OrganisationKind.DIRECTORATE, org_number=org_number)


@pytest.fixture(scope="module")
def edge_app():
    """A fresh app on its own in-memory database, with views under /edge/ and /api/edge/ that
    everyone may use (the access table is the one thing these views are not about)."""

    class EdgeConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        WTF_CSRF_ENABLED = False

    app = create_app(EdgeConfig)
    from tracker import access

    def add(rule: str, endpoint: str, view, methods=("POST",)):
        app.add_url_rule(rule, endpoint, view, methods=list(methods))
        access.ACCESS.setdefault(endpoint, access.Rule(access.EVERYONE))

    def flush_then(status: int):
        def view():
            db.session.add(agency(request.args["name"]))
            db.session.flush()
            return Response("done", status=status)
        return view

    def refuse():
        db.session.add(agency(request.args["name"]))
        raise DomainError("Four groups at most.")

    def conflict():
        db.session.add(agency(request.args["name"]))
        raise ConflictError(agency("someone else's"))

    def commit_refused():
        # Two with one organisation number: the database refuses only when the edge commits.
        db.session.add(agency("Lånekassen", "960885406"))
        db.session.add(agency("Tolldirektoratet", "960885406"))
        return "looks saved"

    def write_on_get():
        db.session.add(agency(request.args["name"]))
        return "a page"

    def commit_unreachable():
        # The database goes away between the view and the commit: the commit itself fails.
        db.session.add(agency(request.args["name"]))

        def lose_connection(session):
            event.remove(db.session.session_factory.class_, "before_commit", lose_connection)
            raise OperationalError("COMMIT", {}, Exception("server closed the connection"),
                                   connection_invalidated=True)

        event.listen(db.session.session_factory.class_, "before_commit", lose_connection)
        return "looks saved"

    def flush_then_fail_after(status: int):
        def view():
            db.session.add(agency(request.args["name"]))
            return Response("saved", status=status)
        return view

    @app.after_request
    def fail_after_some_requests(response):
        if request.path.startswith("/edge/hook-fails"):
            raise RuntimeError("an after-request hook broke")
        return response

    def bad_statement():
        # A statement the database cannot run, with a person's name among its parameters.
        db.session.execute(text("SELECT name FROM no_such_table WHERE name = :name"),
                           {"name": request.args["name"]})
        return "unreachable"

    add("/edge/bad-statement", "edge_bad_statement", bad_statement)
    add("/edge/commit-unreachable", "edge_commit_unreachable", commit_unreachable)
    add("/api/edge/commit-unreachable", "edge_api_commit_unreachable", commit_unreachable)
    add("/edge/hook-fails-200", "edge_hook_fails_200", flush_then_fail_after(200))
    add("/edge/hook-fails-302", "edge_hook_fails_302", flush_then_fail_after(302))
    add("/edge/hook-fails-400", "edge_hook_fails_400", flush_then_fail_after(400))
    for status in (200, 302, 400, 404, 409):
        add(f"/edge/flush-then-{status}", f"edge_flush_{status}", flush_then(status))
    add("/edge/refuse", "edge_refuse", refuse)
    add("/api/edge/refuse", "edge_api_refuse", refuse)
    add("/edge/conflict", "edge_conflict", conflict)
    add("/edge/commit-refused", "edge_commit_refused", commit_refused)
    add("/edge/write-on-get", "edge_write_on_get", write_on_get, methods=("GET", "POST"))
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()
    for endpoint in list(access.ACCESS):
        if endpoint.startswith("edge_"):
            del access.ACCESS[endpoint]


@pytest.fixture
def edge(edge_app):
    """A client of the edge app, and a way to count what its database holds."""
    edge_app.config["TESTING"] = True
    client = edge_app.test_client()

    def saved_names() -> set[str]:
        with edge_app.app_context():
            names = set(db.session.scalars(db.select(Organisation.name_nb)))
            db.session.remove()
            return names

    yield client, saved_names
    with edge_app.app_context():
        db.session.execute(db.delete(Organisation))
        db.session.commit()
        db.session.remove()
