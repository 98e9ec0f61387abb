from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional

from tracker.bounds import bounded_int
from tracker.extensions import db
from tracker.forms import Form, VersionedForm
from tracker.organisations.models import Organisation, OrganisationKind
from tracker.organisations.services import merge_candidates, ministries


def strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def too_long(limit: int):
    return Length(max=limit, message=_l("At most %(max)d characters."))


class OrganisationForm(Form):
    """An organisation's register facts; `exclude` is the organisation being edited."""

    name_nb = StringField(
        _l("Name (Norwegian)"),
        filters=[strip],
        validators=[DataRequired(_l("Enter the organisation's name.")), too_long(200)],
        description=_l("The official name in bokmål, as in Enhetsregisteret."),
    )
    name_en = StringField(
        _l("Name (English)"),
        filters=[strip],
        validators=[too_long(200)],
        description=_l("The official English name, shown to readers who chose English."),
    )
    short_name = StringField(
        _l("Short name"),
        filters=[strip],
        validators=[too_long(30)],
        description=_l("The abbreviation people use, such as KD or Udir. Leave empty if none."),
    )
    org_number = StringField(
        _l("Organisation number"),
        filters=[strip],
        validators=[too_long(20)],
        description=_l("Nine digits from Enhetsregisteret; spaces are allowed. Leave empty if "
                       "not known for sure."),
    )
    kind = SelectField(
        _l("Kind"),
        validators=[DataRequired(_l("Choose a kind."))],
        description=_l("A ministry has no owning ministry; a directorate or agency usually has one."),
    )
    owning_ministry = SelectField(
        _l("Owning ministry"),
        description=_l("The ministry the organisation answers to. None for a ministry."),
    )
    active_from = DateField(
        _l("Active from"),
        validators=[Optional()],
        description=_l("The day the organisation was founded or joined the register, if known."),
    )
    active_to = DateField(
        _l("Active to"),
        validators=[Optional()],
        description=_l("The last day the organisation existed, if it was closed or merged."),
    )

    def __init__(self, *args, exclude: Organisation | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(kind.name, kind.label) for kind in OrganisationKind]
        self.owning_ministry.choices = [("", str(_l("None (a ministry or an independent body)")))] + [
            (str(m.id), m.name_nb + (f" ({m.short_name})" if m.short_name else ""))
            for m in ministries()
            if m is not exclude
        ]

    @staticmethod
    def initial(organisation: Organisation) -> dict[str, object]:
        """The form's fields filled from a saved organisation."""
        return {
            "name_nb": organisation.name_nb,
            "name_en": organisation.name_en or "",
            "short_name": organisation.short_name or "",
            "org_number": organisation.org_number or "",
            "kind": organisation.kind.name,
            "owning_ministry": str(organisation.owning_ministry_id or ""),
            "active_from": organisation.active_from,
            "active_to": organisation.active_to,
        }

    def values(self) -> dict[str, object]:
        """The validated input, as the services take it."""
        owner_id = self.owning_ministry.data
        return {
            "name_nb": self.name_nb.data,
            "name_en": self.name_en.data or None,
            "short_name": self.short_name.data or None,
            "org_number": self.org_number.data or None,
            "kind": OrganisationKind[self.kind.data],
            "owning_ministry": db.session.get(Organisation, int(owner_id)) if owner_id else None,
            "active_from": self.active_from.data,
            "active_to": self.active_to.data,
        }


class EditOrganisationForm(VersionedForm, OrganisationForm):
    pass


class RegisterUploadForm(Form):
    file = FileField(
        _l("Register file"),
        validators=[FileRequired(_l("Choose a file to upload."))],
        description=_l(
            "Enhetsregisteret's bulk download as CSV or Excel (.xlsx), the open API's JSON, or a "
            "CSV saved from Excel (UTF-8 or the Norwegian “CSV (semikolondelt)”)."
        ),
    )


def line_numbers(values: list[str] | None) -> list[int]:
    """The ticked rows' line numbers; anything else a client sends is no line."""
    return [int(value) for value in values or () if value.isascii() and value.isdigit()
            and len(value) < 10]


class RegisterConfirmForm(Form):
    token = HiddenField()
    digest = HiddenField()
    # One checkbox per row the preview lists; the template draws them in its tables.
    rows = SelectMultipleField(validate_choice=False, choices=[])

    def lines(self) -> list[int]:
        return line_numbers(self.rows.data)


class MergeForm(VersionedForm):
    """Merge the organisation being shown into another one."""

    # Not limited to the listed choices: a forged id reaches the service, whose refusal of
    # "itself" or "its own agency" says more than "not a valid choice".
    into = SelectField(
        _l("Merge into"),
        validate_choice=False,
        validators=[DataRequired(_l("Choose the organisation to keep."))],
        description=_l("The organisation that remains. Its name and kind are kept; a blank "
                       "number, English name or short name is filled in from the one merged."),
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, record=organisation, **kwargs)
        self.into.choices = [("", str(_l("Choose an organisation")))] + [
            (str(o.id), o.name_nb + (f" ({o.org_number})" if o.org_number else ""))
            for o in merge_candidates(organisation)
        ]

    def survivor(self) -> Organisation | None:
        value = self.into.data or ""
        return db.session.get(Organisation, number) if (number := bounded_int(value, minimum=1)) else None


class DeleteOrganisationForm(VersionedForm):
    pass
