import uuid
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tracker import clock
from tracker.db_types import Labelled, UTCDateTime, enum_column
from tracker.extensions import db


class AuditAction(Labelled):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"

    __labels__ = {
        "create": _l("Created"),
        "update": _l("Changed"),
        "delete": _l("Deleted"),
    }


class Audited:
    """A record whose every create, change and delete is written to the change log, in the
    same transaction (tracker.audit.services).

    `audit_scope` says under which cohort and group the change is listed, so a cohort's and a
    group's log can show it; a record that belongs to neither keeps the default.
    """

    def audit_scope(self) -> tuple[int | None, int | None]:
        """The ids of the cohort and the group (enrolment) this record belongs to."""
        return None, None


class AuditEntry(db.Model):
    """One change to programme data: who, when, which record, each field's old and new value.

    Cohort and enrolment are copied in (not foreign keys) so an entry outlives the record it
    describes and can still be listed under its cohort or group.
    """

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_record", "table_name", "record_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The rows one transaction (one request, one command) wrote share it: one action, shown
    # as one entry.
    change_id: Mapped[str] = mapped_column(String(32), index=True, default=lambda: uuid.uuid4().hex)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    user_id: Mapped[int | None] = mapped_column(index=True)
    # Who, in words: an email, or "cli" / "system" for changes made outside a request.
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[AuditAction] = mapped_column(enum_column(AuditAction))
    table_name: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[int]
    cohort_id: Mapped[int | None] = mapped_column(index=True)
    enrolment_id: Mapped[int | None] = mapped_column(index=True)
    # {"field": [old, new], ...}; values as JSON (dates as ISO text, enumerations by name).
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
