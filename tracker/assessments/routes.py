from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from tracker import clock
from tracker.assessments import charts
from tracker.assessments.forms import DimensionForm, EditDimensionForm, assessment_form
from tracker.assessments.models import AssessmentKind
from tracker.assessments.services import (
    KIND_TITLES,
    add_dimension,
    cohort_results,
    dimensions_of,
    get_assessment,
    get_dimension_or_404,
    record_assessment,
    score_field,
    update_dimension,
)
from tracker.cohorts.services import get_cohort_or_404
from tracker.forms import form_status, save
from tracker.groups.services import get_enrolment_or_404
from tracker.i18n import current_language
from tracker.programmes.services import get_programme_or_404

# Registered without a prefix: a group's and a cohort's surveys are under /assessments/, the
# dimensions under the programme they belong to.
bp = Blueprint("assessments", __name__)

# Scores, changes and the group chart, for the group page's partial too.
bp.add_app_template_filter(charts.format_score, "score")
bp.add_app_template_filter(charts.format_change, "score_change")
bp.add_app_template_global(charts.group_chart, "assessment_group_chart")


@bp.route("/assessments/groups/<int:enrolment_id>/<any(baseline, final):kind>", methods=["GET", "POST"])
def record(enrolment_id: int, kind: str):
    enrolment = get_enrolment_or_404(enrolment_id, current_user)
    kind = AssessmentKind(kind)
    dimensions = dimensions_of(enrolment.cohort.programme_id)
    saved = get_assessment(enrolment, kind)
    form = assessment_form(dimensions, current_language(), saved)

    def saved_values(record) -> dict[str, object]:
        theirs = {s.dimension_id: s.score for s in record.scores}
        return {
            form.assessed_on.label.text: format_date(record.assessed_on),
            form.respondents.label.text: record.respondents,
            **{
                form[score_field(d.id)].label.text: charts.format_score(theirs.get(d.id))
                for d in dimensions
            },
        }

    def change():
        record_assessment(
            enrolment,
            kind,
            assessed_on=form.assessed_on.data,
            respondents=form.respondents.data,
            scores=form.scores(),
            version=form.version.data,
            today=clock.today(),
        )

    if dimensions and save(form, change, saved_values):
        flash(_("%(assessment)s is saved.", assessment=KIND_TITLES[kind]), "success")
        return redirect(url_for("groups.detail", enrolment_id=enrolment.id))
    return render_template(
        "assessments/record.html",
        enrolment=enrolment,
        kind=kind,
        title=KIND_TITLES[kind],
        form=form,
        dimensions=dimensions,
        saved=saved,
    ), form_status(form)


@bp.get("/assessments/cohorts/<int:cohort_id>")
def cohort(cohort_id: int):
    results = cohort_results(get_cohort_or_404(cohort_id, current_user))
    chart = charts.cohort_chart(results) if results.compared and results.dimensions else None
    return render_template("assessments/cohort.html", results=results, chart=chart)


# The dimensions a programme's survey measures; at the programme's addresses, where the
# programme page lists them.


def _dimension_conflict_values(form: DimensionForm, dimension) -> dict:
    return {
        form.name_nb.label.text: dimension.name_nb,
        form.name_en.label.text: dimension.name_en,
        form.description_nb.label.text: dimension.description_nb,
        form.description_en.label.text: dimension.description_en,
    }


@bp.route("/programmes/<int:programme_id>/dimensions/new", methods=["GET", "POST"])
def new_dimension(programme_id: int):
    programme = get_programme_or_404(programme_id, current_user)
    form = DimensionForm()
    if saved := save(form, lambda: add_dimension(programme, **form.values())):
        dimension = saved.result
        flash(_("Dimension %(position)s is added.", position=dimension.position), "success")
        return redirect(
            url_for("programmes.detail", programme_id=programme.id, _anchor="dimensions")
        )
    return render_template(
        "assessments/dimension_form.html", programme=programme, dimension=None, form=form
    ), form_status(form)


@bp.route(
    "/programmes/<int:programme_id>/dimensions/<int:dimension_id>/edit", methods=["GET", "POST"]
)
def edit_dimension(programme_id: int, dimension_id: int):
    programme = get_programme_or_404(programme_id, current_user)
    dimension = get_dimension_or_404(programme, dimension_id)
    form = EditDimensionForm(
        record=dimension,
        data={
            "name_nb": dimension.name_nb,
            "name_en": dimension.name_en,
            "description_nb": dimension.description_nb,
            "description_en": dimension.description_en,
        },
    )
    if save(
        form,
        lambda: update_dimension(dimension, version=form.version.data, **form.values()),
        lambda record: _dimension_conflict_values(form, record),
    ):
        flash(_("The dimension is saved."), "success")
        return redirect(
            url_for("programmes.detail", programme_id=programme.id, _anchor="dimensions")
        )
    return render_template(
        "assessments/dimension_form.html", programme=programme, dimension=dimension, form=form
    ), form_status(form)
