"""One transaction per request: the request commits once, at its edge, or not at all.

Views and services flush; none commits. `TrackerFlask.full_dispatch_request` ends the request's
transaction after the view has returned its response and before the `after_request` hooks run:

- a response below 400 commits; a 4xx or 5xx response, or any exception, rolls back, so a
  refused form or a missing page leaves nothing half-made behind;
- the commit runs inside Flask's error handling, so a commit the database refuses
  (IntegrityError, StaleDataError) is answered by the app's error handlers (a 409), never by a
  success page for work that was not saved, nor by a 500 for work that was;
- once the commit has succeeded the answer stands: an `after_request` hook (or the session
  cookie's save) that fails afterwards is logged and skipped, and the other hooks still run, so
  saved work is never answered with a 500 that would invite the user to do it again;
- a database that cannot be reached, during the view or the commit, is a rollback and a 503
  (tracker.errors);
- a GET or HEAD request must not write. One that did (pending changes, or a flush or a write
  statement during the request) fails loudly in tests and is logged and rolled back in
  production.

Commands (flask seed, users, reminders) run outside any request and commit their own work.
"""
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import chain

from flask import Flask, Response, current_app, g, has_request_context, request
from flask.globals import request_ctx
from flask.signals import request_started
from sqlalchemy import event
from sqlalchemy.orm import Session

from tracker.extensions import db
from tracker.security_log import logged_path

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class WriteOnSafeRequest(RuntimeError):
    """A GET, HEAD or OPTIONS request changed the database."""


class TrackerFlask(Flask):
    """Flask, with the request's transaction ended at the edge of every request."""

    def full_dispatch_request(self) -> Response:
        self._got_first_request = True
        g._tracker_committed = False
        try:
            request_started.send(self, _async_wrapper=self.ensure_sync)
            rv = self.preprocess_request()
            if rv is None:
                rv = self.dispatch_request()
            rv = self.make_response(rv)
            end_transaction(rv)
        except Exception as error:
            # Undo the request's work before any error handler renders a page with the session.
            db.session.rollback()
            rv = self.handle_user_exception(error)
        return self.finalize_request(rv)

    def finalize_request(self, rv, from_error_handler: bool = False) -> Response:
        # After the commit, a failure while finishing the answer is logged, not answered.
        return super().finalize_request(rv, from_error_handler or committed())

    def process_response(self, response: Response) -> Response:
        """Flask's after-request processing; once the request has committed, each hook runs on
        its own, and one that fails is logged and skipped (see the module's docstring)."""
        if not committed():
            return super().process_response(response)
        context = request_ctx._get_current_object()
        hooks = [*context._after_request_functions]
        for name in chain(request.blueprints, (None,)):
            hooks.extend(reversed(self.after_request_funcs.get(name, ())))
        for hook in hooks:
            try:
                response = self.ensure_sync(hook)(response)
            except Exception:
                self.logger.exception("After-request hook %s failed on %s after the commit; "
                                      "the saved work is answered as saved",
                                      getattr(hook, "__qualname__", hook), logged_path())
        if not self.session_interface.is_null_session(context._session):
            try:
                self.session_interface.save_session(self, context._session, response)
            except Exception:
                self.logger.exception("Saving the session failed on %s after the commit",
                                      logged_path())
        return response


def committed() -> bool:
    """Whether this request's work has been committed."""
    return has_request_context() and g.get("_tracker_committed", False)


def end_transaction(response: Response) -> None:
    """Commit the request's work when it succeeded (status below 400); roll it back otherwise.

    :raise WriteOnSafeRequest: in tests, when a GET or HEAD request wrote (in production it is
        logged and rolled back instead).
    """
    if request.method in SAFE_METHODS and wrote_during_request():
        db.session.rollback()
        message = f"{request.method} {logged_path()} wrote to the database; it must not."
        if current_app.testing:
            raise WriteOnSafeRequest(message)
        current_app.logger.error(message)
        return
    if response.status_code < 400:
        db.session.commit()
        g._tracker_committed = True
    else:
        db.session.rollback()


def wrote_during_request() -> bool:
    """Whether this request flushed or executed a write, or has changes waiting to be flushed."""
    session = db.session()
    return g.get("_tracker_wrote", False) or has_pending_changes(session)


def has_pending_changes(session: Session) -> bool:
    return bool(
        session.new
        or session.deleted
        or any(session.is_modified(record) for record in session.dirty)
    )


@contextmanager
def bookkeeping() -> Iterator[None]:
    """Commit a note about the request itself (not the programme's data) at once, in its own
    transaction, before the request's work begins; it does not count as the request writing.

    Only for notes that must hold whatever the request's outcome, such as when an API token was
    last used.

    :raise RuntimeError: when the request has other changes pending (they would be committed
        with the note).
    """
    session = db.session()
    if has_pending_changes(session):
        raise RuntimeError("bookkeeping() with the request's own changes pending")
    g._tracker_bookkeeping = True
    try:
        yield
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        g._tracker_bookkeeping = False


def _note_write() -> None:
    if has_request_context() and not g.get("_tracker_bookkeeping", False):
        g._tracker_wrote = True


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context) -> None:
    if has_pending_changes(session):
        _note_write()


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        _note_write()

