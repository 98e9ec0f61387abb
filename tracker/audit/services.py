"""The audit log: every create, update and delete of programme data, in the same transaction."""
import enum
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import Select, case, event, func, insert, inspect, or_, select
from sqlalchemy.orm import Session as OrmSession

from tracker import clock
from tracker.audit.models import AuditAction, Audited, AuditEntry
from tracker.extensions import db

# Logged as changed, never with their values.
HIDDEN_FIELDS = {"password_hash", "token_hash", "totp_secret", "link_nonce"}
# Bookkeeping, not data: a sign-in or a used code changes no one's data.
IGNORED_FIELDS = {"id", "session_version", "version", "last_sign_in_at", "totp_last_step",
                  "last_used_at"}
HIDDEN = "[hidden]"


def audited_models() -> list[type[Audited]]:
    """Every model that opts in to the change log (`Audited`), once the models are imported."""
    found, pending = [], list(Audited.__subclasses__())
    while pending:
        model = pending.pop()
        found.append(model)
        pending.extend(model.__subclasses__())
    return found


def as_json(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def changed_fields(record: object, action: AuditAction) -> dict[str, list]:
    """Each column's [old, new] value: all set values for a create or delete, changes for an update."""
    state = inspect(record)
    changes: dict[str, list] = {}
    for attribute in state.mapper.column_attrs:
        key = attribute.key
        if key in IGNORED_FIELDS:
            continue
        if action is AuditAction.UPDATE:
            history = state.attrs[key].history
            if not history.has_changes():
                continue
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
        else:
            value = state.dict.get(key)
            old, new = (None, value) if action is AuditAction.CREATE else (value, None)
        old, new = as_json(old), as_json(new)
        if old == new:
            continue
        changes[key] = [HIDDEN, HIDDEN] if key in HIDDEN_FIELDS else [old, new]
    return changes


def current_actor() -> tuple[int | None, str]:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id, current_user.email
    return None, "system" if has_request_context() else "cli"


def change_id(session: OrmSession) -> str:
    """The id of this transaction's action: every flush until the commit shares it, so a
    request (or a command) that writes an assessment and its five scores is one action."""
    transaction = session.get_transaction()
    held = session.info.get("audit_change")
    if held is None or held[0] is not transaction:
        held = (transaction, uuid.uuid4().hex)
        session.info["audit_change"] = held
    return held[1]


def record_flush(session: OrmSession, flush_context) -> None:
    """Write an entry for every audited record this flush created, changed or deleted."""
    rows = []
    for action, records in (
        (AuditAction.CREATE, session.new),
        (AuditAction.UPDATE, session.dirty),
        (AuditAction.DELETE, session.deleted),
    ):
        for record in records:
            if not isinstance(record, Audited):
                continue
            changes = changed_fields(record, action)
            if action is AuditAction.UPDATE and not changes:
                continue
            cohort_id, enrolment_id = record.audit_scope()
            rows.append({
                "action": action,
                "table_name": type(record).__tablename__,
                "record_id": inspect(record).dict["id"],
                "cohort_id": cohort_id,
                "enrolment_id": enrolment_id,
                "changes": changes,
            })
    if rows:
        user_id, actor = current_actor()
        at, change = clock.now(), change_id(session)
        for row in rows:
            row.update(user_id=user_id, actor=actor, at=at, change_id=change)
        session.connection().execute(insert(AuditEntry), rows)


def listen() -> None:
    """Audit every flush of every session (the app's, the CLI's and the tests' alike)."""
    if event.contains(OrmSession, "after_flush", record_flush):
        return
    for model in audited_models():
        for attribute in inspect(model).column_attrs:
            # Load the old value when an expired attribute is set, so the log can say what it was.
            getattr(model, attribute.key).impl.active_history = True
    event.listen(OrmSession, "after_flush", record_flush)


# Who wrote the demo: the seed runs from the command line, where no one is signed in.
COMMAND_LINE = "cli"


def entry_filters(cohort_id: int | None = None, enrolment_id: int | None = None,
                  user_id: int | None = None, table_name: str | None = None,
                  enrolment_ids: Select | None = None, user_ids: Select | None = None,
                  since: datetime | None = None, until: datetime | None = None,
                  records: list[tuple[str, Select]] | None = None, command_line: bool = True,
                  leave_out: tuple[str, ...] = (), cohort_ids: Select | None = None) -> list:
    """The conditions on a row of the log for every filter given: `records` is a list of
    (table, ids) of which any matches (a person's own record, memberships and attendance);
    `enrolment_ids` and `user_ids` are subqueries (the groups of organisations searched by
    name, the accounts searched by name or address);
    `since` is inclusive, `until` exclusive; `command_line=False` leaves out what the command
    line (the seed) wrote; `cohort_ids` (the cohorts a coordinator limited to some programmes
    may see) keeps the rows about those cohorts and the rows about no cohort."""
    clauses = []
    if cohort_ids is not None:
        clauses.append(or_(AuditEntry.cohort_id.is_(None), AuditEntry.cohort_id.in_(cohort_ids)))
    if cohort_id is not None:
        clauses.append(AuditEntry.cohort_id == cohort_id)
    if enrolment_id is not None:
        clauses.append(AuditEntry.enrolment_id == enrolment_id)
    if user_id is not None:
        clauses.append(AuditEntry.user_id == user_id)
    if enrolment_ids is not None:
        clauses.append(AuditEntry.enrolment_id.in_(enrolment_ids))
    if user_ids is not None:
        clauses.append(AuditEntry.user_id.in_(user_ids))
    if table_name is not None:
        clauses.append(AuditEntry.table_name == table_name)
    if since is not None:
        clauses.append(AuditEntry.at >= since)
    if until is not None:
        clauses.append(AuditEntry.at < until)
    if records is not None:
        clauses.append(records_clause(records))
    if leave_out:
        clauses.append(AuditEntry.table_name.not_in(leave_out))
    if not command_line:
        clauses.append(or_(AuditEntry.user_id.is_not(None), AuditEntry.actor != COMMAND_LINE))
    return clauses


def actions(**filters) -> Select:
    """One row (change_id, at) per action, newest first: the actions with at least one row
    that matches every filter given (entry_filters). Groups every matching row of the log:
    for a report or a test, not for a page (log_page reads a bounded window)."""
    at = func.max(AuditEntry.at).label("at")
    return (select(AuditEntry.change_id, at).where(*entry_filters(**filters))
            .group_by(AuditEntry.change_id).order_by(at.desc(), func.max(AuditEntry.id).desc()))


# The most rows of the log one page reads: the newest that match, below where the page starts.
# Counting or grouping the whole log took seconds at 300,000 rows on SQLite; a window of rows
# walked down the primary key costs the same at any size of the log.
WINDOW = 2_000


@dataclass
class LogPage:
    """One page of the log: its actions' change ids, newest first, and where the next older
    page starts (the `before` of its link: a row id), None when there is none older."""

    change_ids: list[str]
    older: int | None


def log_page(before: int | None = None, per_page: int = 50, **filters) -> LogPage:
    """The newest `per_page` actions with a row below the id `before` that matches the filters
    (entry_filters), ordered by their newest such row. One statement, whatever the size of
    the log and wherever the window falls.

    An action is the rows one transaction wrote, so their ids run together; where two
    transactions wrote at the same moment an action may show on two pages, never on none.
    An action of more rows than the window (loading the demo) ends its page.
    """
    clauses = entry_filters(**filters)
    if before is not None:
        clauses.append(AuditEntry.id < before)
    window = (select(AuditEntry.id, AuditEntry.change_id).where(*clauses)
              .order_by(AuditEntry.id.desc()).limit(WINDOW).cte("log_window"))
    last = func.max(window.c.id).label("last")
    found = (select(window.c.change_id, last, func.count().label("rows"))
             .group_by(window.c.change_id).order_by(last.desc()).limit(per_page + 1)
             .cte("log_actions"))
    # Where the next page starts when the window ends inside the oldest action found: below
    # all of that action's rows. Asked in the same statement (so a page's statements do not
    # depend on where its window falls) and worked out only when the window is full: the
    # database evaluates a CASE branch's subqueries only when it is taken.
    oldest = select(found.c.change_id).order_by(found.c.last).limit(1).scalar_subquery()
    first = select(func.min(AuditEntry.id)).where(AuditEntry.change_id == oldest, *clauses)
    below = select(func.max(AuditEntry.id)).where(*clauses, AuditEntry.id < first.scalar_subquery())
    full = select(func.count()).select_from(window).scalar_subquery() >= WINDOW
    rows = db.session.execute(
        select(found.c.change_id, found.c.last, found.c.rows,
               case((full, below.scalar_subquery())).label("below"))
        .order_by(found.c.last.desc())).all()
    if len(rows) > per_page:
        # The next page starts with the first action this one leaves out.
        return LogPage([row.change_id for row in rows[:per_page]], rows[per_page].last + 1)
    older = rows[-1].below if rows else None
    return LogPage([row.change_id for row in rows], None if older is None else older + 1)


def records_clause(records: list[tuple[str, Select]]):
    return or_(*[(AuditEntry.table_name == table) & AuditEntry.record_id.in_(ids) for table, ids in records])


class LogRow(NamedTuple):
    """One row of the log as a page reads it: AuditEntry's columns, read only. Not a record (a
    page reads five hundred and changes none: building records cost twice reading them) nor
    SQLAlchemy's Row (whose every attribute is looked up by name: a page asks some ten
    thousand times)."""

    id: int
    change_id: str
    at: datetime
    user_id: int | None
    actor: str
    action: AuditAction
    table_name: str
    record_id: int
    cohort_id: int | None
    enrolment_id: int | None
    changes: dict


def entries_of(change_ids: list[str], most: int = 25, cohort_id: int | None = None,
               enrolment_id: int | None = None, records: list[tuple[str, Select]] | None = None,
               enrolment_ids: Select | None = None, leave_out: tuple[str, ...] = (),
               cohort_ids: Select | None = None) -> tuple[list[LogRow], dict[str, int]]:
    """The first `most` rows of each of these actions, in the order they were written, and how
    many rows each has: loading the demo is one action of thousands of rows. Two statements.
    A cohort's or group's log (or the groups of organisations searched) shows only the rows
    about it."""
    if not change_ids:
        return [], {}
    scope = [AuditEntry.change_id.in_(change_ids)]
    if cohort_id is not None:
        scope.append(AuditEntry.cohort_id == cohort_id)
    if enrolment_id is not None:
        scope.append(AuditEntry.enrolment_id == enrolment_id)
    if enrolment_ids is not None:
        scope.append(AuditEntry.enrolment_id.in_(enrolment_ids))
    if records is not None:
        scope.append(records_clause(records))
    if leave_out:
        scope.append(AuditEntry.table_name.not_in(leave_out))
    if cohort_ids is not None:
        scope.append(or_(AuditEntry.cohort_id.is_(None), AuditEntry.cohort_id.in_(cohort_ids)))
    # The ids of the actions' rows in scope, counted and the first `most` of each kept here: a
    # few numbers a row (the demo's action is a few thousand), where numbering the rows in SQL
    # (a window function) cost three times as much on SQLite.
    connection = db.session.connection()
    counts: dict[str, int] = {}
    shown = []
    for row_id, change in connection.execute(
            select(AuditEntry.id, AuditEntry.change_id).where(*scope).order_by(AuditEntry.id)).all():
        counts[change] = counts.get(change, 0) + 1
        if counts[change] <= most:
            shown.append(row_id)
    # Plain rows through the session's connection: the session would pass each through its ORM
    # loading for nothing.
    log = AuditEntry.__table__.c
    rows = connection.execute(select(*(log[name] for name in LogRow._fields))
                              .where(log.id.in_(shown)).order_by(log.id)).all()
    return [LogRow._make(row) for row in rows], counts


def entries(cohort_id: int | None = None, enrolment_id: int | None = None) -> Select[tuple[AuditEntry]]:
    """Audit entries newest first, for the whole programme or one cohort or group."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if cohort_id is not None:
        query = query.where(AuditEntry.cohort_id == cohort_id)
    if enrolment_id is not None:
        query = query.where(AuditEntry.enrolment_id == enrolment_id)
    return query
