"""Forms of the gatherings' evaluation pages: sending an evaluation now, and choosing the
programme's evaluation form."""
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, ValidationError

from tracker.bounds import bounded_int
from tracker.forms import Form
from tracker.surveys.models import LEAST_MINIMUM


class SendEvaluationForm(Form):
    minimum_respondents = IntegerField(
        _l("Minimum answers for results"), default=LEAST_MINIMUM,
        validators=[InputRequired(_l("Enter the minimum number of answers."))],
        description=_l("Results are shown only when at least this many have answered; never "
                       "fewer than %(n)s, so no one's answers can be worked out.",
                       n=LEAST_MINIMUM))


class EvaluationFormChoice(Form):
    """Which of the programme's instruments is its evaluation form (or none)."""

    instrument = SelectField(
        _l("Evaluation form"), validate_choice=False,
        validators=[InputRequired(_l("Choose an instrument, or none."))],
        description=_l("Its newest version is sent to the people at each joint gathering when "
                       "it ends. Choose none to stop sending evaluations."))

    def __init__(self, *args, instruments=(), language="nb", chosen=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instrument.choices = [SelectChoice("0", _l("None: no evaluations"))] + [
            SelectChoice(str(i.id), i.name(language)) for i in instruments]
        if not self.is_submitted():
            self.instrument.data = str(chosen.id) if chosen is not None else "0"

    def validate_instrument(self, field) -> None:
        if field.data not in {choice.value for choice in self.instrument.choices}:
            raise ValidationError(_l("Choose one of the programme's instruments, or none."))

    def chosen(self) -> int | None:
        """The instrument's id, or None for none."""
        value = bounded_int(self.instrument.data, minimum=0)
        return value or None
