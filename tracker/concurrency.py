"""No lost updates: a form carries the version it was opened at, and saving checks it.

Two layers: `check_version` compares the version a form was opened at with the record's
version now (the common case, with a friendly form); and every versioned model has SQLAlchemy's
`version_id_col`, so a save racing another between that check and the write fails with
StaleDataError, which the app answers with a 409 page.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from tracker.domain import DomainError


class Versioned:
    """A record that carries its version: every save checks and moves it on.

    A form opened at an older version is a conflict (`check_version`), and SQLAlchemy's
    `version_id_col` refuses a write that raced another between that check and the UPDATE.
    """

    version: Mapped[int] = mapped_column(default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}


class ConflictError(DomainError):
    """Someone else saved the record after this form was opened."""

    def __init__(self, record: object):
        super().__init__(
            _l("Someone else changed this after you opened it. Their values are shown below; "
               "nothing of yours is saved. Check them, and save again to replace them."),
            field="version",
        )
        self.record = record


def check_version(record: object, submitted: object) -> None:
    """Refuse a save from a form opened at another version of `record`.

    :raise ConflictError: when the versions differ, or the form sent none.
    """
    try:
        opened_at = int(submitted)
    except (TypeError, ValueError):
        raise ConflictError(record) from None
    if opened_at != record.version:
        raise ConflictError(record)
