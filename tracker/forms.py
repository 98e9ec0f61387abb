"""What every form shares: putting a service's refusal next to the field it names."""
from flask_wtf import FlaskForm
from wtforms import HiddenField

from tracker.concurrency import ConflictError
from tracker.domain import DomainError


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
