from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from tracker import clock
from tracker.assessments import charts
from tracker.assessments.forms import assessment_form
from tracker.assessments.models import AssessmentKind
from tracker.assessments.services import (
    KIND_TITLES,
    cohort_results,
    dimensions_of,
    get_assessment,
    record_assessment,
    score_field,
)
from tracker.cohorts.services import get_cohort_or_404
from tracker.forms import form_status, save
from tracker.groups.services import get_enrolment_or_404
from tracker.i18n import current_language

bp = Blueprint("assessments", __name__)

# Scores, changes and the group chart, for the group page's partial too.
bp.add_app_template_filter(charts.format_score, "score")
bp.add_app_template_filter(charts.format_change, "score_change")
bp.add_app_template_global(charts.group_chart, "assessment_group_chart")


@bp.route("/groups/<int:enrolment_id>/<any(baseline, final):kind>", methods=["GET", "POST"])
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


@bp.get("/cohorts/<int:cohort_id>")
def cohort(cohort_id: int):
    results = cohort_results(get_cohort_or_404(cohort_id, current_user))
    chart = charts.cohort_chart(results) if results.compared and results.dimensions else None
    return render_template("assessments/cohort.html", results=results, chart=chart)
