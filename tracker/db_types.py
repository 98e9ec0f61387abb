"""Column types shared by the models."""
import enum
from datetime import datetime, timezone

from sqlalchemy import DateTime, Enum
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """A timezone-aware instant, stored in UTC.

    PostgreSQL keeps it as `timestamptz`; SQLite has no time zones, so the value is stored as
    naive UTC and made aware again on the way out. Naive datetimes are refused: an instant
    without a zone is a bug waiting for daylight saving time.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs a timezone-aware datetime")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Labelled(enum.Enum):
    """An enumeration whose members know what they are called, and their colour on a tag.

    Each subclass gives `__labels__` (value -> lazy text) and may give `__colours__` (value ->
    a Designsystemet colour); a dunder attribute is not a member. Labels live with their enum,
    so adding a member without its words fails where it is written.
    """

    @property
    def label(self) -> str:
        """What this member is called in the reader's language."""
        return str(self.__labels__[self.value])

    @property
    def colour(self) -> str:
        return getattr(self, "__colours__", {}).get(self.value, "neutral")


def enum_column(enum_class: type[enum.Enum]) -> Enum:
    """An enumeration stored by name, with a CHECK constraint on both databases."""
    return Enum(
        enum_class,
        native_enum=False,
        create_constraint=True,
        length=32,
        name=enum_class.__name__.lower(),
        validate_strings=True,
    )


def enable_sqlite_foreign_keys() -> None:
    """SQLite ignores foreign keys unless each connection asks for them."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if getattr(enable_sqlite_foreign_keys, "_done", False):
        return

    @event.listens_for(Engine, "connect")
    def _pragma(dbapi_connection, connection_record):
        if type(dbapi_connection).__module__.startswith("sqlite3"):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    enable_sqlite_foreign_keys._done = True
