"""Forms of the survey rounds' pages: opening a round, and what a coordinator changes after."""
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, ValidationError

from tracker.bounds import bounded_int
from tracker.forms import Form
from tracker.surveys.models import GROUP_KINDS, LEAST_MINIMUM, RoundKind

MINIMUM_HELP = _l("Results are shown only when at least this many have answered; never fewer "
                  "than %(n)s, so no one's answers can be worked out.", n=LEAST_MINIMUM)
CLOSES_ON_HELP = _l("Answers are taken until the end of this day (Norwegian time).")


def _minimum_field():
    return IntegerField(_l("Minimum answers for results"), default=LEAST_MINIMUM,
                        validators=[InputRequired(_l("Enter the minimum number of answers."))],
                        description=MINIMUM_HELP)


def _closing_field():
    return DateField(_l("Last day for answers"),
                     validators=[InputRequired(_l("Enter the last day for answers."))],
                     description=CLOSES_ON_HELP)


class OpenRoundForm(Form):
    """A round for one group (`people`: who may be ticked, all ticked at first) or, without
    people, for every group of a cohort."""

    kind = SelectField(_l("Survey"), validate_choice=False, validators=[InputRequired(_l("Choose the survey."))],
                       description=_l("The baseline at the start of the course, the final one "
                                      "at its end."))
    version = SelectField(_l("Instrument version"), validate_choice=False,
                          validators=[InputRequired(_l("Choose a version."))],
                          description=_l("The round keeps this version for good."))
    closes_on = _closing_field()
    minimum_respondents = _minimum_field()
    respondents = SelectMultipleField(
        _l("Who is asked"), validate_choice=False,
        description=_l("The group's top leaders and members. Untick anyone who should not be "
                       "asked."))

    def __init__(self, *args, versions=(), people=None, language="nb", kind=None,
                 version=None, closes_on=None, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_submitted():
            # What the coordinator most likely wants: the survey the group lacks, the version
            # its baseline used, a last day two weeks ahead.
            if kind is not None:
                self.kind.data = kind.name
            if version is not None:
                self.version.data = str(version.id)
            if closes_on is not None:
                self.closes_on.data = closes_on
        self.kind.choices = [SelectChoice(k.name, k.label) for k in GROUP_KINDS]
        self._versions = {v.id: v for v in versions}
        self.version.choices = [
            SelectChoice(str(v.id), _l("%(instrument)s, version %(number)s",
                                       instrument=v.instrument.name(language), number=v.number))
            for v in versions]
        self.people = people
        if people is not None and not self.is_submitted():
            self.respondents.data = [str(p.id) for p in people]

    def validate_version(self, field) -> None:
        if bounded_int(field.data, minimum=1) not in self._versions:
            raise ValidationError(_l("Choose a version from the list."))

    def validate_kind(self, field) -> None:
        if field.data not in {k.name for k in GROUP_KINDS}:
            raise ValidationError(_l("Choose the survey from the list."))

    def validate_respondents(self, field) -> None:
        if self.people is None:
            return
        allowed = {p.id for p in self.people}
        ids = [bounded_int(value, minimum=1) for value in field.data or []]
        if any(i not in allowed for i in ids):
            raise ValidationError(_l("Tick only the group's top leaders and members."))

    def chosen_kind(self) -> RoundKind:
        return RoundKind[self.kind.data]

    def chosen_version(self):
        return self._versions[bounded_int(self.version.data, minimum=1)]

    def chosen_people(self) -> list[int]:
        return [bounded_int(value, minimum=1) for value in self.respondents.data or []]


class ClosingDayForm(Form):
    closes_on = _closing_field()


class MinimumForm(Form):
    minimum_respondents = _minimum_field()


class AddRespondentForm(Form):
    person = SelectField(_l("Person"), validate_choice=False, validators=[InputRequired(_l("Choose a person."))],
                         description=_l("The group's top leaders and members not yet asked."))

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.person.choices = [SelectChoice(str(p.id), p.name or "") for p in people]

    def validate_person(self, field) -> None:
        if field.data not in {choice.value for choice in self.person.choices}:
            raise ValidationError(_l("Choose one of the group's top leaders or members not yet "
                                     "asked."))

    def chosen_person(self) -> int | None:
        return bounded_int(self.person.data, minimum=1)


class RespondentActionForm(Form):
    """Remove a respondent, or renew their link: the row's button sends who, and the page it
    leads to asks again, saying what is lost, with `confirmed` set."""

    respondent_id = HiddenField()
    confirmed = HiddenField()

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed.data == "yes"

    def chosen(self) -> int | None:
        return bounded_int(self.respondent_id.data, minimum=1)


class RoundActionForm(Form):
    """Ask for reminders: a button and its CSRF token."""


class CloseRoundForm(Form):
    """Close the round now: a box to tick first, as a closed round whose results were shown can
    never take answers again."""

    confirm = BooleanField(
        _l("I understand: no more answers are taken, answers saved but not submitted are "
           "deleted, and results are shown if at least the minimum have answered."),
        validators=[DataRequired(_l("Tick the box to close the round."))])


class ReopenForm(Form):
    closes_on = DateField(_l("New last day for answers"),
                          validators=[InputRequired(_l("Enter the last day for answers."))],
                          description=CLOSES_ON_HELP)
