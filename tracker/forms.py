"""What every form shares: the input limits on every field, and putting a service's refusal
next to the field it names."""
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Generic, TypeVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeField,
    DecimalField,
    Field,
    FloatField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectFieldBase,
    StringField,
    TextAreaField,
)
from wtforms.validators import Email, Length, StopValidation, ValidationError
from wtforms.widgets import TextInput

from tracker import bounds
from tracker.concurrency import ConflictError
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.i18n import day

T = TypeVar("T")


def _label(field: Field) -> str:
    return str(field.label.text)


def no_control_characters(form, field: Field) -> None:
    """Text holds no NUL, escape or other control character; a note (a text area) may hold
    tabs and line breaks, a one-line field may not."""
    if not isinstance(field.data, str):
        return
    if len(field.data) > bounds.MAX_TEXT:
        raise StopValidation(_("%(field)s: at most %(max)s characters.",
                               field=_label(field), max=bounds.MAX_TEXT))
    if isinstance(field, HiddenField):
        # The app's own values (a version, a next address, a key of warnings seen), each read
        # by its one consumer, which takes any junk as "none": a refusal here would sit next
        # to a field nobody can see, and stop the user's change for a value they never typed.
        return
    multiline = isinstance(field, TextAreaField)
    if bounds.has_control_characters(field.data, multiline=multiline):
        if multiline:
            raise StopValidation(_("%(field)s: remove the control characters; only tabs and "
                                   "line breaks are allowed.", field=_label(field)))
        raise StopValidation(_("%(field)s: remove the line breaks and control characters.",
                               field=_label(field)))


def number_in_range(form, field: Field) -> None:
    """A number fits the database's integer columns and is finite. The refusal names no range:
    the field's own rule (a capacity of 1 to 50, say) is the one the user should read."""
    value = field.data
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, (float, Decimal)) and not math.isfinite(value):
        raise StopValidation(_("%(field)s: enter a number.", field=_label(field)))
    if isinstance(value, (int, float, Decimal)) and value > bounds.MAX_INT:
        raise StopValidation(_("%(field)s: the number is too large.", field=_label(field)))
    if isinstance(value, (int, float, Decimal)) and value < -bounds.MAX_INT:
        raise StopValidation(_("%(field)s: the number is too small.", field=_label(field)))


def _date_refusal(field: Field) -> str:
    return _("%(field)s: enter a date from %(earliest)s to %(latest)s.", field=_label(field),
             earliest=day(bounds.EARLIEST), latest=day(bounds.LATEST))


def date_in_window(form, field: Field) -> None:
    """A date (or date and time) the programme can mean: bounds.EARLIEST to bounds.LATEST."""
    if isinstance(field.data, (date, datetime)) and not bounds.date_in_window(field.data):
        raise StopValidation(_date_refusal(field))


def unreadable_input(field: Field) -> str:
    """The refusal of a value the field cannot even read (a date of 20166, "tre" for a number),
    naming the field as every other refusal does, instead of the form library's bare words."""
    if isinstance(field, (DateField, DateTimeField)):
        return _date_refusal(field)
    if isinstance(field, IntegerField):
        return _("%(field)s: enter a whole number.", field=_label(field))
    if isinstance(field, (DecimalField, FloatField)):
        return _("%(field)s: enter a number.", field=_label(field))
    return _("%(field)s: %(problem)s", field=_label(field), problem=field.process_errors[0])


def named_length(length: Length) -> Callable:
    """`length` (WTForms' Length without a message of its own) refusing in the reader's
    language and naming the field, like every other refusal here ("E-post: høyst 254 tegn."),
    rather than the form library's "Field cannot be longer than 254 characters."."""

    def check(form, field: Field) -> None:
        try:
            length(form, field)
        except ValidationError:
            size = len(field.data) if field.data else 0
            if length.max != -1 and size > length.max:
                raise ValidationError(_("%(field)s: at most %(max)s characters.",
                                        field=_label(field), max=length.max)) from None
            raise ValidationError(_("%(field)s: at least %(min)s characters.",
                                    field=_label(field), min=length.min)) from None

    check.field_flags = getattr(length, "field_flags", {})
    return check


def named_email(email: Email) -> Callable:
    """`email` (WTForms' Email) refusing with the field's name first, "E-post: skriv inn en
    gyldig e-postadresse.", as every other refusal here reads in the form's error summary."""

    def check(form, field: Field) -> None:
        try:
            email(form, field)
        except ValidationError as refused:
            message = str(refused)
            if message.startswith(_label(field)):
                raise
            if message[1:2].islower():  # "Skriv inn …" after the colon: "skriv inn …"
                message = message[0].lower() + message[1:]
            raise ValidationError(_("%(field)s: %(problem)s", field=_label(field),
                                    problem=message)) from None

    check.field_flags = getattr(email, "field_flags", {})
    return check


def _with_named_messages(validators: list) -> list:
    return [named_length(validator) if isinstance(validator, Length) and validator.message is None
            else named_email(validator) if isinstance(validator, Email)
            else validator for validator in validators]


def input_bounds(field: Field) -> list[Callable]:
    """The limits a field of this kind is held to, whatever form it is on."""
    if isinstance(field, (StringField, SelectFieldBase)):
        return [no_control_characters]
    if isinstance(field, (IntegerField, DecimalField, FloatField)):
        return [number_in_range]
    if isinstance(field, (DateField, DateTimeField)):
        return [date_in_window]
    return []


class Form(FlaskForm):
    """Every form's base. Each field is held to the input limits of its kind (tracker.bounds)
    before its own checks run, so no form can forget one and no inline check sees a NUL, an
    overflowing number or a year 9999."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            field.validators = [*input_bounds(field), *_with_named_messages(field.validators)]
            if isinstance(field, SelectField) and field.invalid_choice_message is None:
                # A value the list did not offer (a tampered form): named, not the form
                # library's bare "Not a valid choice".
                field.invalid_choice_message = _l("%(field)s: choose one from the list.",
                                                  field=field.label.text)
            return field

    def validate(self, extra_validators=None) -> bool:
        for field in self:
            if field.process_errors:
                field.process_errors = [unreadable_input(field)]
        return super().validate(extra_validators)

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


class DecimalCommaField(DecimalField):
    """A decimal number as Norwegians write it: "3,5" reads as 3.5 (so does "3.5"); "3,,5" is
    refused naming the field (Form.validate). Shown back with the reader's decimal mark.

    A text field with a decimal keyboard, not type="number": a browser's number field refuses
    or swallows the comma ("3,5" became 35 or invalid), so the server alone reads the number."""

    widget = TextInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("render_kw", {}).setdefault("inputmode", "decimal")
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not valuelist[0].strip():
            return
        text = valuelist[0].strip().replace("\u00a0", "").replace(" ", "")
        if text.count(",") + text.count(".") > 1:
            raise ValueError(_("Not a valid decimal value."))
        try:
            value = Decimal(text.replace(",", "."))
        except ArithmeticError:
            value = None
        if value is None or not value.is_finite():
            raise ValueError(_("Not a valid decimal value."))
        self.data = value

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        from tracker.i18n import number

        return number(self.data)


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
