from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from tracker.extensions import db
from tracker.forms import Form, VersionedForm
from tracker.i18n import current_language
from tracker.organisations.models import Organisation
from tracker.programmes.models import ModuleKind
from tracker.programmes.services import (
    COURSE_LENGTH_MONTHS,
    DESCRIPTION_LENGTH,
    DURATION_DAYS,
    GROUPS_PER_COHORT,
    HOURS_PER_DAY,
    NAME_LENGTH,
    organisations_by_name,
)


def strip(value):
    return value.strip() if isinstance(value, str) else value


def whole_number(low: int, high: int | None = None) -> list:
    message = (_l("Enter a whole number from %(low)s to %(high)s.", low=low, high=high) if high is not None
               else _l("Enter a whole number of at least %(low)s.", low=low))
    return [InputRequired(_l("Enter a number.")), NumberRange(min=low, max=high, message=message)]


def name_field(label, description, message):
    return StringField(label, filters=[strip], description=description,
                       validators=[DataRequired(message), Length(max=NAME_LENGTH)])


def description_field(label, description):
    return TextAreaField(label, filters=[strip], description=description,
                         validators=[Length(max=DESCRIPTION_LENGTH)])


class ProgrammeForm(VersionedForm):
    name_nb = name_field(_l("Name in Norwegian (bokmål)"),
                         _l("The programme's name as Norwegian readers see it."),
                         _l("Enter the name in Norwegian."))
    name_en = name_field(_l("Name in English"), _l("The programme's name as English readers see it."),
                         _l("Enter the name in English."))
    responsible_organisation = SelectField(
        _l("Responsible organisation"),
        validators=[DataRequired(_l("Choose the organisation responsible for the programme."))],
        description=_l("The organisation that runs the programme, such as Difi."),
    )
    course_length_months = IntegerField(
        _l("Course length (months)"),
        validators=whole_number(*COURSE_LENGTH_MONTHS),
        description=_l("How long one cohort's course lasts, from its start: 1 to 36 months."),
    )
    groups_per_cohort = IntegerField(
        _l("Leadership groups per cohort"),
        validators=whole_number(*GROUPS_PER_COHORT),
        description=_l("How many groups a new cohort takes: 1 to 50."),
    )
    description_nb = description_field(_l("Description in Norwegian (bokmål)"),
                                       _l("A few sentences on the programme's purpose, for the front page."))
    description_en = description_field(_l("Description in English"),
                                       _l("The same description for English readers."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        language = current_language()
        self.responsible_organisation.choices = [("", str(_l("Choose an organisation")))] + [
            (str(o.id), o.name(language) + (f" ({o.short_name})" if o.short_name else ""))
            for o in db.session.scalars(organisations_by_name())
        ]

    def chosen_organisation(self) -> Organisation | None:
        return db.session.get(Organisation, int(self.responsible_organisation.data))

    def values(self) -> dict:
        """The programme's values, as `update_programme` takes them."""
        return {
            "name_nb": self.name_nb.data,
            "name_en": self.name_en.data,
            "responsible_organisation": self.chosen_organisation(),
            "course_length_months": self.course_length_months.data,
            "groups_per_cohort": self.groups_per_cohort.data,
            "description_nb": self.description_nb.data,
            "description_en": self.description_en.data,
        }


class ModuleForm(Form):
    name_nb = name_field(_l("Name in Norwegian (bokmål)"),
                         _l("For example “Fellessamling 1”."), _l("Enter the name in Norwegian."))
    name_en = name_field(_l("Name in English"), _l("For example “Joint gathering 1”."),
                         _l("Enter the name in English."))
    kind = SelectField(_l("Kind"), validators=[DataRequired(_l("Choose what kind of module this is."))],
                       description=_l("What happens in the module."))
    is_joint = BooleanField(
        _l("Joint for the whole cohort"),
        description=_l("Ticked: held once for all the cohort's groups together. "
                       "Not ticked: held once for each group."),
    )
    offset_weeks = IntegerField(
        _l("Weeks from the cohort's start"),
        validators=whole_number(0),
        description=_l("When the module starts, in whole weeks after the cohort's start date "
                       "(0 is the first week). It must start within the course's length."),
    )
    duration_days = IntegerField(
        _l("Duration (days)"),
        validators=whole_number(*DURATION_DAYS),
        description=_l("How many days the module takes: 1 to 14."),
    )
    hours_per_day = IntegerField(
        _l("Hours per day"),
        validators=whole_number(*HOURS_PER_DAY),
        description=_l("Working hours each day of the module: 1 to 12."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [("", str(_l("Choose a kind")))] + [
            (kind.name, kind.label) for kind in ModuleKind
        ]

    def values(self) -> dict:
        """The module's values, as the services take them."""
        return {
            "name_nb": self.name_nb.data,
            "name_en": self.name_en.data,
            "kind": ModuleKind[self.kind.data],
            "is_joint": self.is_joint.data,
            "offset_weeks": self.offset_weeks.data,
            "duration_days": self.duration_days.data,
            "hours_per_day": self.hours_per_day.data,
        }


class EditModuleForm(VersionedForm, ModuleForm):
    pass


class MoveModuleForm(Form):
    direction = SelectField(
        _l("Direction"),
        validators=[DataRequired(_l("Choose up or down."))],
        description=_l("Which way the module moves in the course plan."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.direction.choices = [("up", str(_l("Up"))), ("down", str(_l("Down")))]
