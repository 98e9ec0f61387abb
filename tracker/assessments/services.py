"""Group-effectiveness assessments: a baseline and a final survey per group, and the change.

A score is the group's mean answer for one dimension on the survey's 1–5 scale, with two
decimals. The change is final minus baseline; a cohort's average change per dimension counts
only the groups that have both.
"""
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask import abort
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import flag_modified

from tracker.assessments.models import (
    SCORE_MAX,
    SCORE_MIN,
    Assessment,
    AssessmentDimension,
    AssessmentKind,
    AssessmentScore,
)
from tracker.cohorts.models import Cohort
from tracker.concurrency import check_version
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.groups.services import enrolments_of_cohort
from tracker.programmes.models import Programme
from tracker.programmes.services import DESCRIPTION_LENGTH, require_text

RESPONDENTS = (1, 50)
CENT = Decimal("0.01")
KIND_TITLES = {
    AssessmentKind.BASELINE: _l("Baseline assessment"),
    AssessmentKind.FINAL: _l("Final assessment"),
}



def score_field(dimension_id: int) -> str:
    """The name of a dimension's score in forms and in domain errors."""
    return f"score_{dimension_id}"


def dimensions_of(programme_id: int) -> list[AssessmentDimension]:
    """The dimensions the programme's survey measures, in order."""
    return list(
        db.session.scalars(
            select(AssessmentDimension)
            .where(AssessmentDimension.programme_id == programme_id)
            .order_by(AssessmentDimension.position)
        )
    )


# The dimensions a programme's survey measures, as coordinators edit them


def get_dimension_or_404(programme: Programme, dimension_id: int) -> AssessmentDimension:
    """The assessment dimension with this id in this programme.

    :raise 404: when there is none, or it belongs to another programme.
    """
    dimension = db.session.get(AssessmentDimension, dimension_id)
    if dimension is None or dimension.programme_id != programme.id:
        abort(404)
    return dimension




def _dimension_values(*, name_nb: str, name_en: str, description_nb: str = "",
                      description_en: str = "", name_nn: str | None = None) -> dict:
    # The nynorsk name is optional (pages fall back to bokmål); left out, it stays as it is.
    nynorsk = {} if name_nn is None else {"name_nn": require_text(name_nn, "name_nn", required=False)}
    return {
        **nynorsk,
        "name_nb": require_text(name_nb, "name_nb"),
        "name_en": require_text(name_en, "name_en"),
        "description_nb": require_text(description_nb, "description_nb", required=False,
                                        length=DESCRIPTION_LENGTH),
        "description_en": require_text(description_en, "description_en", required=False,
                                        length=DESCRIPTION_LENGTH),
    }


def _check_dimension_names_free(programme: Programme, values: dict, dimension_id: int | None) -> None:
    for column, message in (
        (AssessmentDimension.name_nb, _l("Another dimension of this programme has this name.")),
        (AssessmentDimension.name_en, _l("Another dimension of this programme has this name.")),
    ):
        taken = db.session.scalar(
            select(AssessmentDimension.id).where(
                AssessmentDimension.programme_id == programme.id,
                func.lower(column) == values[column.key].lower(),
                AssessmentDimension.id != (dimension_id or 0),
            )
        )
        if taken:
            raise DomainError(message, field=column.key)


def add_dimension(programme: Programme, **values) -> AssessmentDimension:
    """Add a dimension after the programme's others.

    Takes name_nb, name_en, description_nb and description_en; names are unique in a programme.

    :raise DomainError: naming the field at fault.
    """
    checked = _dimension_values(**values)
    _check_dimension_names_free(programme, checked, None)
    last = db.session.scalar(
        select(func.max(AssessmentDimension.position))
        .where(AssessmentDimension.programme_id == programme.id)
    )
    dimension = AssessmentDimension(programme=programme, position=(last or 0) + 1, **checked)
    db.session.add(dimension)
    db.session.flush()
    return dimension


def update_dimension(dimension: AssessmentDimension, *, version: object, **values) -> None:
    """Change a dimension's names and descriptions; its place in the order stays.

    :raise ConflictError: when the dimension was saved since `version`.
    :raise DomainError: naming the field at fault.
    """
    check_version(dimension, version)
    checked = _dimension_values(**values)
    _check_dimension_names_free(dimension.programme, checked, dimension.id)
    for key, value in checked.items():
        setattr(dimension, key, value)
    db.session.flush()


# Assessments


def get_assessment(enrolment: Enrolment, kind: AssessmentKind) -> Assessment | None:
    """The group's assessment of this kind with its scores, or None when not recorded."""
    return db.session.scalar(
        select(Assessment)
        .where(Assessment.enrolment_id == enrolment.id, Assessment.kind == kind)
        .options(selectinload(Assessment.scores))
    )


def record_assessment(
    enrolment: Enrolment,
    kind: AssessmentKind,
    *,
    assessed_on: date,
    respondents: int,
    scores: dict[int, Decimal],
    version: object,
    today: date,
) -> Assessment:
    """Record (or correct) the group's baseline or final assessment.

    `scores` maps each dimension id of the programme to the group's mean score.

    :raise ConflictError: when the assessment was saved after the form was opened.
    :raise DomainError: for a date in the future or on the wrong side of the other assessment,
        respondents outside 1–50, or a score missing, off the scale, with more than two decimals
        or for a dimension of another programme.
    """
    assessment = get_assessment(enrolment, kind)
    if assessment is not None:
        check_version(assessment, version)
    dimensions = dimensions_of(enrolment.cohort.programme_id)
    if not dimensions:
        raise DomainError(_l("The programme has no assessment dimensions yet."))
    check_date(enrolment, kind, assessed_on, today)
    if not isinstance(respondents, int) or not RESPONDENTS[0] <= respondents <= RESPONDENTS[1]:
        raise DomainError(
            _l("Enter between %(min)s and %(max)s respondents.", min=RESPONDENTS[0],
               max=RESPONDENTS[1]),
            field="respondents",
        )
    known = {d.id for d in dimensions}
    if set(scores) - known:
        raise DomainError(_l("A score is for a dimension that is not in this programme."))
    for dimension in dimensions:
        check_score(scores.get(dimension.id), score_field(dimension.id))

    if assessment is None:
        assessment = Assessment(enrolment=enrolment, kind=kind, assessed_on=assessed_on,
                                respondents=respondents)
        db.session.add(assessment)
    else:
        assessment.assessed_on, assessment.respondents = assessed_on, respondents
    by_dimension = {s.dimension_id: s for s in assessment.scores}
    scores_changed = False
    for dimension in dimensions:
        value = scores[dimension.id]
        score = by_dimension.get(dimension.id)
        if score is None:
            assessment.scores.append(AssessmentScore(dimension=dimension, score=value))
            scores_changed = True
        elif score.score != value:
            score.score = value
            scores_changed = True
    if scores_changed and assessment.id is not None:
        # The scores are rows of their own: touch the assessment so its version moves on and a
        # form opened before this save is refused.
        flag_modified(assessment, "respondents")
    db.session.flush()
    return assessment


def check_date(enrolment: Enrolment, kind: AssessmentKind, assessed_on: date, today: date) -> None:
    if assessed_on is None:
        raise DomainError(_l("Enter the date of the assessment."), field="assessed_on")
    if assessed_on > today:
        raise DomainError(_l("The date cannot be in the future."), field="assessed_on")
    other_kind = AssessmentKind.FINAL if kind is AssessmentKind.BASELINE else AssessmentKind.BASELINE
    other = db.session.scalar(
        select(Assessment.assessed_on).where(
            Assessment.enrolment_id == enrolment.id, Assessment.kind == other_kind
        )
    )
    if other is None:
        return
    if kind is AssessmentKind.FINAL and assessed_on < other:
        raise DomainError(
            _l("The final assessment cannot be before the baseline (%(date)s).",
               date=format_date(other)),
            field="assessed_on",
        )
    if kind is AssessmentKind.BASELINE and assessed_on > other:
        raise DomainError(
            _l("The baseline cannot be after the final assessment (%(date)s).",
               date=format_date(other)),
            field="assessed_on",
        )


def check_score(value: Decimal | None, field: str) -> None:
    if value is None:
        raise DomainError(_l("Enter a score for this dimension."), field=field)
    if not isinstance(value, Decimal) or not value.is_finite():
        raise DomainError(_l("Enter the score as a number, such as 3.75."), field=field)
    if not SCORE_MIN <= value <= SCORE_MAX:
        raise DomainError(
            _l("Enter a score from %(min)s to %(max)s.", min=SCORE_MIN, max=SCORE_MAX),
            field=field,
        )
    if value != value.quantize(CENT):
        raise DomainError(_l("Enter the score with at most two decimals."), field=field)


# Results


@dataclass(frozen=True)
class DimensionResult:
    dimension: AssessmentDimension
    before: Decimal | None
    after: Decimal | None

    @property
    def change(self) -> Decimal | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass(frozen=True)
class GroupResults:
    """A group's baseline and final assessment, dimension by dimension."""

    enrolment: Enrolment
    baseline: Assessment | None
    final: Assessment | None
    rows: list[DimensionResult]

    @property
    def complete(self) -> bool:
        return self.baseline is not None and self.final is not None

    def change(self, dimension_id: int) -> Decimal | None:
        return next((r.change for r in self.rows if r.dimension.id == dimension_id), None)


@dataclass(frozen=True)
class CohortResults:
    """Every group's results in a cohort, and the average change of those assessed twice."""

    cohort: Cohort
    dimensions: list[AssessmentDimension]
    groups: list[GroupResults]
    # (dimension, average change) in dimension order; None where no group has both scores.
    averages: list[tuple[AssessmentDimension, Decimal | None]]

    @property
    def compared(self) -> list[GroupResults]:
        """The groups with both a baseline and a final assessment."""
        return [g for g in self.groups if g.complete]


def _results(
    enrolment: Enrolment, dimensions: list[AssessmentDimension], assessments: list[Assessment]
) -> GroupResults:
    by_kind = {a.kind: a for a in assessments}
    baseline, final = by_kind.get(AssessmentKind.BASELINE), by_kind.get(AssessmentKind.FINAL)

    def score(assessment: Assessment | None, dimension_id: int) -> Decimal | None:
        if assessment is None:
            return None
        return next((s.score for s in assessment.scores if s.dimension_id == dimension_id), None)

    return GroupResults(
        enrolment=enrolment,
        baseline=baseline,
        final=final,
        rows=[DimensionResult(d, score(baseline, d.id), score(final, d.id)) for d in dimensions],
    )


def group_results(enrolment: Enrolment) -> GroupResults:
    """The group's results per dimension of its programme (two queries)."""
    # A group has at most a baseline and a final, each a score per dimension: joined.
    assessments = db.session.scalars(
        select(Assessment)
        .where(Assessment.enrolment_id == enrolment.id)
        .options(joinedload(Assessment.scores))
    ).unique().all()
    return _results(enrolment, dimensions_of(enrolment.cohort.programme_id), list(assessments))


def cohort_results(cohort: Cohort) -> CohortResults:
    """Each group's results and the cohort's average change per dimension, in a fixed number of
    queries."""
    enrolments = db.session.scalars(enrolments_of_cohort(cohort)).all()
    dimensions = dimensions_of(cohort.programme_id)
    assessments = db.session.scalars(
        select(Assessment)
        .join(Enrolment, Assessment.enrolment_id == Enrolment.id)
        .where(Enrolment.cohort_id == cohort.id)
        .options(selectinload(Assessment.scores))
    ).all()
    groups = [
        _results(e, dimensions, [a for a in assessments if a.enrolment_id == e.id])
        for e in enrolments
    ]
    averages = []
    for dimension in dimensions:
        changes = [g.change(dimension.id) for g in groups if g.complete]
        changes = [c for c in changes if c is not None]
        average = (
            (sum(changes) / len(changes)).quantize(CENT, rounding=ROUND_HALF_UP) if changes else None
        )
        averages.append((dimension, average))
    return CohortResults(cohort=cohort, dimensions=dimensions, groups=groups, averages=averages)
