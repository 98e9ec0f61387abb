"""Error pages in the layout, and JSON problems for callers that ask for JSON.

Every error answer rolls the request's work back (tracker.transaction); a programme rule's
refusal is a 4xx wherever it is raised, and a commit the database refuses is a 409.
"""
from flask import Flask, render_template, request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

from tracker.concurrency import ConflictError
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.problems import EXPLANATIONS, TITLES, is_api_request, problem


def wants_json() -> bool:
    if is_api_request():
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes[
        "text/html"
    ]


def render_error(status: int, detail: object = None):
    """The error page for `status` in the layout, or a problem document for a JSON caller;
    `detail` replaces the status's usual explanation."""
    if wants_json():
        return problem(status, detail=detail)
    title = str(TITLES.get(status, TITLES[500]))
    detail = str(detail if detail is not None else EXPLANATIONS.get(status, EXPLANATIONS[500]))
    return render_template("errors/error.html", status=status, title=title, detail=detail), status


def register(app: Flask) -> None:
    @app.errorhandler(StaleDataError)
    def handle_lost_race(error: StaleDataError):
        # Another save won the race between our version check and our write.
        db.session.rollback()
        return render_error(409)

    @app.errorhandler(IntegrityError)
    def handle_refused_write(error: IntegrityError):
        # The database refused what the rules let through, most often a save that raced
        # another (two of the same at once): nothing was saved, and saying so is a conflict.
        db.session.rollback()
        app.logger.warning("The database refused a write on %s: %s", request.path, error.orig)
        return render_error(409)

    @app.errorhandler(ConflictError)
    def handle_conflict(error: ConflictError):
        # A change from an older version that no form caught: the record moved on.
        db.session.rollback()
        return render_error(409)

    @app.errorhandler(DomainError)
    def handle_refusal(error: DomainError):
        # A programme rule refused a change that no form caught: the request was wrong, not us.
        db.session.rollback()
        return render_error(400, detail=str(error))

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        db.session.rollback()
        return render_error(error.code or 500)

    @app.errorhandler(Exception)
    def handle_unexpected_error(error: Exception):
        # Never show a stack trace or SQL: log it, undo the request's work, apologise.
        db.session.rollback()
        app.logger.exception("Unhandled error on %s", request.path)
        if app.testing and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise error
        return render_error(InternalServerError.code)
