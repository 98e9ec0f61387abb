"""The audit log: every create, update and delete of programme data, in the same transaction."""
import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import Select, event, insert, inspect, select
from sqlalchemy.orm import Session as OrmSession

from tracker import clock
from tracker.audit.models import AuditAction, Audited, AuditEntry

# Logged as changed, never with their values.
HIDDEN_FIELDS = {"password_hash", "token_hash", "totp_secret"}
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
        at = clock.now()
        for row in rows:
            row.update(user_id=user_id, actor=actor, at=at)
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


def entries(cohort_id: int | None = None, enrolment_id: int | None = None) -> Select[tuple[AuditEntry]]:
    """Audit entries newest first, for the whole programme or one cohort or group."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if cohort_id is not None:
        query = query.where(AuditEntry.cohort_id == cohort_id)
    if enrolment_id is not None:
        query = query.where(AuditEntry.enrolment_id == enrolment_id)
    return query
