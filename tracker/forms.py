"""What every form shares: putting a service's refusal next to the field it names."""
from flask_wtf import FlaskForm

from tracker.domain import DomainError


class Form(FlaskForm):
    def add_domain_error(self, error: DomainError) -> None:
        """Show a rule's refusal next to its field, or above the form when no field matches."""
        field = getattr(self, error.field, None) if error.field else None
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [str(error)]
        else:
            self.form_errors.append(str(error))


def form_status(form: FlaskForm) -> int:
    """400 for a form sent back with errors, 200 for one shown fresh."""
    return 400 if form.errors or getattr(form, "form_errors", None) else 200
