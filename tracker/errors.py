"""Error pages in the layout, and JSON problems for callers that ask for JSON.

Every error answer rolls the request's work back (tracker.transaction); a programme rule's
refusal is a 4xx wherever it is raised, and a commit the database refuses is a 409. While the
database cannot be reached, every page is a 503 in the layout (drawn for an anonymous reader, so
drawing it asks the database nothing) and every API answer a 503 problem; nothing is kept from
the outage, so the first request after the database returns is answered as usual.
"""
import traceback

from flask import Flask, current_app, g, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import (
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    StatementError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

from tracker import security_log
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
    try:
        return render_template("errors/error.html", status=status, title=title, detail=detail), status
    except (DBAPIError, PoolTimeoutError) as error:
        # The layout asks who is signed in; with the database gone, any error page is a 503.
        if status == 503 or not database_unavailable(error):
            raise
        db.session.rollback()
        return unavailable()


# What a write the database refused says: most often the same thing saved twice at once.
SAVED_AT_THE_SAME_MOMENT = _l("Someone else saved the same thing at the same moment, so nothing "
                              "of yours was saved. Open the page again to see what was saved.")

# How long a client should wait before trying again while the database is away (seconds).
RETRY_AFTER = 30


def database_unavailable(error: Exception) -> bool:
    """Whether `error` says the database cannot be reached (down, restarting, connection cut,
    pool exhausted), rather than that it refused what we asked."""
    if isinstance(error, PoolTimeoutError):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    sqlite_error = getattr(error.orig, "sqlite_errorname", None)
    if sqlite_error is not None:
        # SQLite reports a missing table or a syntax error as an "operational" SQLITE_ERROR;
        # busy, locked, cannot open, I/O and the like are the database being unavailable.
        return isinstance(error, OperationalError) and sqlite_error != "SQLITE_ERROR"
    if isinstance(error, InterfaceError):
        return type(error.orig).__module__ != "sqlite3"  # a closed connection, not a binding
    if isinstance(error, OperationalError):
        # A serialization failure or deadlock (SQLSTATE class 40) is a lost race, not an
        # outage: it is answered as a conflict.
        return not is_lost_race(error)
    return False


def refusal_without_values(error: DBAPIError) -> str:
    """What the database refused, by constraint, without the values it quotes: PostgreSQL's
    message repeats the row's key (an email address, a name), which has no place in a log."""
    diagnosis = getattr(error.orig, "diag", None)
    constraint = getattr(diagnosis, "constraint_name", None)
    if constraint:
        return f"{type(error.orig).__name__} on {constraint}"
    if getattr(error.orig, "sqlstate", None) is None:
        # SQLite names the columns ("UNIQUE constraint failed: user_account.email"), no values.
        return str(error.orig).splitlines()[0]
    return type(error.orig).__name__


def is_lost_race(error: DBAPIError) -> bool:
    return str(getattr(error.orig, "sqlstate", "") or "").startswith("40")


def unavailable():
    """The 503 page or problem, drawn without the database: the reader is shown as anonymous
    (the layout would otherwise load the signed-in user, and their menu, from it)."""
    g._login_user = current_app.login_manager.anonymous_user()
    response = make_response(render_error(503))
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def with_error_headers(response, error: HTTPException):
    """What an error says beyond its status (Allow on a 405, Retry-After on a 429, …) stays with
    its answer, page or problem; the body, and so its type, is ours."""
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def log_refusal(response):
    """A user asked for something their role or scope does not allow: the security log hears
    of it (by user id and endpoint), since a run of these is someone probing. Read from the
    answer, so pages and the API, whichever handler made the 403, are heard alike."""
    if response.status_code == 403:
        from flask_login import current_user

        security_log.record("access_refused", user_id=getattr(current_user, "id", None),
                            endpoint=request.endpoint, method=request.method)
    return response


def register(app: Flask) -> None:
    app.after_request(log_refusal)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeoutError)
    @app.errorhandler(DBAPIError)
    def handle_database_error(error: Exception):
        db.session.rollback()
        if database_unavailable(error):
            # Only the kind of error: never the statement or its parameters, which may hold
            # names, addresses and notes.
            app.logger.error("The database is unavailable on %s: %s", security_log.logged_path(),
                             type(getattr(error, "orig", None) or error).__name__)
            return unavailable()
        if isinstance(error, DBAPIError) and is_lost_race(error):
            app.logger.warning("A transaction lost a race on %s: %s", security_log.logged_path(),
                               type(error.orig).__name__)
            return render_error(409)
        return handle_unexpected_error(error)

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
        app.logger.warning("The database refused a write on %s: %s", security_log.logged_path(),
                           refusal_without_values(error))
        return render_error(409, detail=SAVED_AT_THE_SAME_MOMENT)

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
        return with_error_headers(make_response(render_error(error.code or 500)), error)

    @app.errorhandler(Exception)
    def handle_unexpected_error(error: Exception):
        # Never show a stack trace or SQL: log it, undo the request's work, apologise.
        db.session.rollback()
        if isinstance(error, StatementError):
            # The statement's message carries its parameters (names, addresses, notes) and the
            # driver's may quote a value: log where it failed and what kind of error, not them.
            app.logger.error("Unhandled database error on %s: %s (%s)\n%s", security_log.logged_path(),
                             type(error).__name__, type(error.orig).__name__,
                             "".join(traceback.format_tb(error.__traceback__)))
        else:
            app.logger.exception("Unhandled error on %s", security_log.logged_path())
        if app.testing and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise error
        return render_error(InternalServerError.code)
