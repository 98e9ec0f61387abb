"""What every form shares: putting a service's refusal next to the field it names."""
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask_wtf import FlaskForm
from wtforms import HiddenField

from tracker.concurrency import ConflictError
from tracker.domain import DomainError
from tracker.extensions import db

T = TypeVar("T")


class Form(FlaskForm):
    def add_domain_error(self, error: DomainError) -> None:
        """Show a rule's refusal next to its field, or above the form when no field matches."""
        field = getattr(self, error.field, None) if error.field else None
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [str(error)]
        else:
            self.form_errors.append(str(error))


class VersionedForm(Form):
    """A form that edits one versioned record and refuses to overwrite a newer save.

    On a conflict it keeps what the user typed, shows the saved values beside it
    (`current_values`) and moves its version on, so saving again replaces them on purpose.
    """

    version = HiddenField()

    def __init__(self, *args, record: object | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.current_values: list[tuple[str, object]] = []
        if record is not None and not self.is_submitted():
            self.version.data = record.version

    def add_conflict(self, error: ConflictError, shown: dict[str, object]) -> None:
        """`shown` maps each field's label to the saved value to show."""
        self.form_errors.append(str(error))
        self.current_values = list(shown.items())
        self.version.data = error.record.version
        self.version.raw_data = [str(error.record.version)]


def form_status(form: FlaskForm) -> int:
    """409 after a conflict, 400 for a form sent back with errors, 200 for one shown fresh."""
    if getattr(form, "current_values", None):
        return 409
    return 400 if form.errors or getattr(form, "form_errors", None) else 200


@dataclass(frozen=True)
class Saved(Generic[T]):
    result: T


def save(
    form: FlaskForm,
    change: Callable[[], T],
    saved_values: Callable[[object], dict[str, object]] | None = None,
) -> Saved[T] | None:
    """Make a valid form's change and flush it; or put the refusal on the form.

    The request commits the change at its edge (tracker.transaction), once the view has
    answered; a database refusal then is a 409 page, never a success. Returns
    `Saved(result of change)` after the flush. Returns None when the form was not
    sent or not valid, or when a rule refused the change: a DomainError goes next to its field,
    a ConflictError shows `saved_values(record)`, the record as someone else saved it (a dict
    of label -> value). A refused
    change is rolled back at once, so nothing half-made is flushed while the form re-renders.
    """
    if not form.validate_on_submit():
        return None
    try:
        result = change()
    except ConflictError as error:
        db.session.rollback()
        form.add_conflict(error, saved_values(error.record) if saved_values else {})
        return None
    except DomainError as error:
        db.session.rollback()
        form.add_domain_error(error)
        return None
    db.session.flush()
    return Saved(result)
