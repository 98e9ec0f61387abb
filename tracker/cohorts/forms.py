from flask import request
from flask_login import current_user
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from tracker.cohorts.models import Cohort, Season
from tracker.extensions import db
from tracker.forms import Form, VersionedForm
from tracker.i18n import current_language
from tracker.programmes.models import Programme


def strip(value):
    return value.strip() if isinstance(value, str) else value


class ProgrammeField:
    """Chosen once, when the cohort is created; declared first so it comes first in the errors."""

    programme = SelectField(
        _l("Programme"),
        validators=[DataRequired(_l("Choose a programme."))],
        description=_l("The programme whose course the cohort takes."),
    )


class CohortFields:
    """The facts a coordinator gives for a cohort, on the create and the edit form alike."""

    label = StringField(
        _l("Label"),
        filters=[strip],
        validators=[DataRequired(_l("Enter a label.")), Length(max=60)],
        description=_l("What the cohort is called, such as “Kull 5”. At most 60 characters, "
                       "and not used by another cohort in the programme."),
    )
    ordinal = IntegerField(
        _l("Number"),
        validators=[InputRequired(_l("Enter the cohort's number."))],
        description=_l("Orders the cohorts: 0 for a pilot, 1 for Kull 1 and so on. "
                       "Each cohort in a programme has its own."),
    )
    season = SelectField(
        _l("Season"),
        validators=[DataRequired(_l("Choose a season."))],
        description=_l("The term the course starts in, with the year below."),
    )
    year = IntegerField(
        _l("Year"),
        validators=[InputRequired(_l("Enter the year."))],
        description=_l("The term's year, such as 2017: within a year of the start date's."),
    )
    start_date = DateField(
        _l("Start date"),
        validators=[InputRequired(_l("Enter the start date."))],
        description=_l("The day the course starts, often weeks before the first joint gathering."),
    )
    planned_end = DateField(
        _l("Planned end"),
        validators=[Optional()],
        description=_l("After the start date. Leave empty for the start date plus the "
                       "programme's course length."),
    )
    capacity = IntegerField(
        _l("Capacity"),
        validators=[Optional()],
        description=_l("How many leadership groups the cohort takes, 1 to 50. Leave empty for "
                       "the programme's usual number."),
    )
    participant_information = TextAreaField(
        _l("Information for participants"),
        filters=[strip],
        validators=[Length(max=2000)],
        description=_l("What the groups should know about the cohort. Shown on the cohort's "
                       "page to everyone who sees it: its agency leaders and ministry viewers "
                       "too. At most 2000 characters."),
    )
    notes = TextAreaField(
        _l("Coordinators' notes"),
        filters=[strip],
        validators=[Length(max=2000)],
        description=_l("Anything coordinators should know about the cohort. Only coordinators "
                       "and administrators see them. At most 2000 characters."),
    )

    def set_season_choices(self) -> None:
        self.season.choices = [SelectChoice(s.name, s.label) for s in Season]

    def cohort_values(self) -> dict:
        """The validated facts, as `create_cohort` and `update_cohort` take them."""
        return {
            "label": self.label.data,
            "ordinal": self.ordinal.data,
            "season": Season[self.season.data],
            "year": self.year.data,
            "start_date": self.start_date.data,
            "planned_end": self.planned_end.data,
            "capacity": self.capacity.data,
            "notes": self.notes.data or "",
            "participant_information": self.participant_information.data or "",
        }


class CreateCohortForm(ProgrammeField, CohortFields, Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_season_choices()
        # Only the programmes the user may see: a coordinator limited to some adds cohorts to
        # those alone (a choice outside them is refused like any value not offered).
        programmes = db.session.scalars(
            select(Programme).where(Programme.visible_to(current_user)).order_by(Programme.name_nb)
        ).all()
        choices = [SelectChoice(str(p.id), p.name(current_language())) for p in programmes]
        if len(programmes) == 1:
            if not self.is_submitted():
                self.programme.data = choices[0].value
        else:
            choices.insert(0, SelectChoice("", str(_l("Choose a programme"))))
        self.programme.choices = choices

    def chosen_programme(self) -> Programme:
        return db.session.get(Programme, int(self.programme.data))


class EditCohortForm(CohortFields, VersionedForm):

    def __init__(self, *args, cohort: Cohort, **kwargs):
        if request.method == "GET":
            kwargs.setdefault("data", {
                "label": cohort.label,
                "ordinal": cohort.ordinal,
                "season": cohort.season.name,
                "year": cohort.year,
                "start_date": cohort.start_date,
                "planned_end": cohort.planned_end,
                "capacity": cohort.capacity,
                "notes": cohort.notes,
                "participant_information": cohort.participant_information,
            })
        super().__init__(*args, record=cohort, **kwargs)
        self.set_season_choices()
        self.start_date.description = _l(
            "The day the course starts. Changing it does not move the cohort's sessions: "
            "move them in the schedule.")
