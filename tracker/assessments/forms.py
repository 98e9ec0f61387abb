from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField
from wtforms.validators import InputRequired, NumberRange, StopValidation

from tracker.assessments.models import SCORE_MAX, SCORE_MIN, Assessment, AssessmentDimension
from tracker.assessments.services import RESPONDENTS, score_field
from tracker.forms import DecimalCommaField, Form, VersionedForm
from tracker.programmes.forms import description_field, name_field


class ScoreField(DecimalCommaField):
    """A score on the 1–5 scale with up to two decimals; "3,5" and "3.5" alike."""

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()
        # Out of the scale is NumberRange's to say; within it, no more than two decimals.
        if self.data is not None and SCORE_MIN <= self.data <= SCORE_MAX and (
            self.data != self.data.quantize(Decimal("0.01"))
        ):
            raise StopValidation(_l("Enter the score with at most two decimals."))


class AssessmentForm(VersionedForm):
    """The date, respondents and a score per dimension; made by `assessment_form`."""

    assessed_on = DateField(
        _l("Date"),
        validators=[InputRequired(_l("Enter the date of the assessment."))],
        description=_l("When the group answered the survey. Not in the future, and a final "
                       "assessment not before the baseline."),
    )
    respondents = IntegerField(
        _l("Respondents"),
        validators=[
            InputRequired(_l("Enter how many answered.")),
            NumberRange(*RESPONDENTS, message=_l("Enter between %(min)s and %(max)s respondents.")),
        ],
        description=_l("How many in the group answered the survey (1–50)."),
    )

    dimensions: list[AssessmentDimension] = []

    def score_fields(self):
        return [self[score_field(d.id)] for d in self.dimensions]

    def scores(self) -> dict[int, Decimal]:
        return {d.id: self[score_field(d.id)].data for d in self.dimensions}


def score_description(dimension: AssessmentDimension, locale: str):
    about = dimension.description_en if locale == "en" else dimension.description_nb
    if about:
        return _l("%(about)s The group's mean score, from 1 to 5.", about=about)
    return _l("The group's mean score, from 1 to 5.")


def assessment_form(
    dimensions: list[AssessmentDimension], locale: str, assessment: Assessment | None
) -> AssessmentForm:
    """The form for this programme's dimensions, filled from `assessment` when there is one."""
    fields = {
        score_field(d.id): ScoreField(
            d.name(locale),
            places=2,
            validators=[
                InputRequired(_l("Enter a score for this dimension.")),
                NumberRange(Decimal(SCORE_MIN), Decimal(SCORE_MAX),
                            message=_l("Enter a score from 1 to 5.")),
            ],
            description=score_description(d, locale),
            render_kw={"inputmode": "decimal"},
        )
        for d in dimensions
    }
    form_class = type("ProgrammeAssessmentForm", (AssessmentForm,), {**fields, "dimensions": dimensions})
    data = None
    if assessment is not None:
        data = {"assessed_on": assessment.assessed_on, "respondents": assessment.respondents}
        data.update({score_field(s.dimension_id): s.score for s in assessment.scores})
    return form_class(record=assessment, data=data)


class DimensionForm(Form):
    name_nb = name_field(_l("Name in Norwegian (bokmål)"),
                         _l("The dimension as the survey names it, for example “Felles mål”."),
                         _l("Enter the name in Norwegian."))
    name_en = name_field(_l("Name in English"), _l("For example “Shared goals”."),
                         _l("Enter the name in English."))
    description_nb = description_field(_l("Description in Norwegian (bokmål)"),
                                       _l("What the dimension measures, for readers of the results."))
    description_en = description_field(_l("Description in English"),
                                       _l("The same description for English readers."))

    def values(self) -> dict:
        return {key: getattr(self, key).data for key in ("name_nb", "name_en", "description_nb", "description_en")}


class EditDimensionForm(VersionedForm, DimensionForm):
    pass
