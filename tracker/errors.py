"""Error pages in the layout, and JSON problems for callers that ask for JSON."""
from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, InternalServerError

from tracker.extensions import db

TITLES = {
    400: _l("Bad request"),
    403: _l("Access denied"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("Upload too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
    503: _l("Service unavailable"),
}
EXPLANATIONS = {
    400: _l("The request could not be understood. Go back and try again."),
    403: _l("You do not have access to this page."),
    404: _l("We could not find the page you asked for. Check the address, or go to the front page."),
    405: _l("This address does not accept that kind of request."),
    409: _l("Someone else changed this in the meantime."),
    413: _l("The file is larger than we accept."),
    429: _l("Wait a moment and try again."),
    500: _l("An error on our side stopped this request. Nothing was saved. Try again later."),
    503: _l("The service is not available right now. Try again later."),
}


def wants_json() -> bool:
    from tracker.api import is_api_request

    if is_api_request():
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes[
        "text/html"
    ]


def render_error(status: int):
    if wants_json():
        from tracker.api import problem

        return problem(status)
    title = str(TITLES.get(status, TITLES[500]))
    detail = str(EXPLANATIONS.get(status, EXPLANATIONS[500]))
    return render_template("errors/error.html", status=status, title=title, detail=detail), status


def register(app: Flask) -> None:
    from sqlalchemy.orm.exc import StaleDataError

    @app.errorhandler(StaleDataError)
    def handle_lost_race(error: StaleDataError):
        # Another save won the race between our version check and our write.
        db.session.rollback()
        return render_error(409)

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        if error.code and error.code >= 500:
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
