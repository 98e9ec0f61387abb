"""The survey's results as pages and files: a group's, a cohort's, a programme's and a sector's,
and the programme's headline figures. What may be shown is decided in tracker/surveys/results.py
alone; these views load, authorise and draw."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import exists, select

from tracker import clock
from tracker.assessments.models import Assessment
from tracker.cohorts.services import get_cohort_or_404
from tracker.extensions import db
from tracker.forms import form_status, save
from tracker.groups.models import Enrolment
from tracker.groups.services import get_enrolment_or_404
from tracker.programmes.services import get_programme_or_404
from tracker.reports.exports import download
from tracker.reports.services import get_sector_or_404, sector_survey
from tracker.surveys import result_exports, results
from tracker.surveys.models import SurveyRound
from tracker.surveys.result_forms import HeadlineForm, MoveForm, RemoveForm
from tracker.surveys.survey_charts import group_survey_chart

bp = Blueprint("survey_results", __name__)

FORMAT = "<any(csv, xlsx):fmt>"


def group_summary(enrolment) -> results.GroupResults:
    """The group's results as the reader may see them: its results page and download."""
    return results.group_results(enrolment, current_user, clock.today())


def group_page_summary(enrolment) -> results.GroupResults:
    """The group page's summary (templates/assessments/_group_results.html): the factors'
    figures only, so neither the questionnaire's every item nor the open answers are read."""
    return results.group_results(enrolment, current_user, clock.today(), summary=True)


bp.add_app_template_global(group_page_summary, "survey_group_results")


def results_enrolment_or_404(enrolment_id: int):
    """The group whose results the reader may see (`Enrolment.shows_survey_results_to`).

    :raise 404: when the group is outside their scope, or its results are not theirs (the access
        table already refuses a ministry viewer; this keeps the rule on the model the one answer).
    """
    enrolment = get_enrolment_or_404(enrolment_id, current_user)
    if not enrolment.shows_survey_results_to(current_user):
        abort(404)
    return enrolment
bp.add_app_template_global(group_survey_chart, "survey_group_chart")


def programme_headlines(programme):
    return results.headline_figures(programme, clock.today())


bp.add_app_template_global(programme_headlines, "survey_headlines")


def cohort_effectiveness(cohort) -> dict[str, bool]:
    """For the cohort page's link to group effectiveness: whether any group has survey rounds
    (then the link is to the survey's results) and whether staff typed in scores (then those
    are linked as history)."""
    # Both answers in one statement: two EXISTS over the cohort's groups.
    of_cohort = select(Enrolment.id).where(Enrolment.cohort_id == cohort.id)
    has_rounds, has_typed = db.session.execute(select(
        exists().where(SurveyRound.enrolment_id.in_(of_cohort)),
        exists().where(Assessment.enrolment_id.in_(of_cohort)),
    )).one()
    return {"has_rounds": bool(has_rounds), "has_typed": bool(has_typed)}


bp.add_app_template_global(cohort_effectiveness, "survey_cohort_effectiveness")


@bp.get("/surveys/groups/<int:enrolment_id>/results")
def group(enrolment_id: int):
    enrolment = results_enrolment_or_404(enrolment_id)
    found = group_summary(enrolment)
    return render_template("surveys/results/group.html", results=found, enrolment=enrolment)


@bp.get(f"/surveys/groups/<int:enrolment_id>/results.{FORMAT}")
def group_export(enrolment_id: int, fmt: str):
    enrolment = results_enrolment_or_404(enrolment_id)
    return download(result_exports.group_table(group_summary(enrolment)), fmt)


@bp.get("/surveys/cohorts/<int:cohort_id>/results")
def cohort(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id, current_user)
    comparison = results.compare(results.cohort_enrolment_ids(cohort.id), clock.today())
    return render_template("surveys/results/cohort.html", cohort=cohort, comparison=comparison)


@bp.get(f"/surveys/cohorts/<int:cohort_id>/results.{FORMAT}")
def cohort_export(cohort_id: int, fmt: str):
    cohort = get_cohort_or_404(cohort_id, current_user)
    comparison = results.compare(results.cohort_enrolment_ids(cohort.id), clock.today())
    return download(result_exports.cohort_table(cohort, comparison), fmt)


@bp.get("/programmes/<int:programme_id>/survey-results")
def programme(programme_id: int):
    programme = get_programme_or_404(programme_id, current_user)
    found = results.programme_comparison(programme, clock.today())
    return render_template("surveys/results/programme.html", programme=programme, found=found)


@bp.get(f"/programmes/<int:programme_id>/survey-results.{FORMAT}")
def programme_export(programme_id: int, fmt: str):
    programme = get_programme_or_404(programme_id, current_user)
    found = results.programme_comparison(programme, clock.today())
    return download(result_exports.programme_table(programme, found), fmt)


@bp.get(f"/reports/sector/survey-results.{FORMAT}")
def sector_export(fmt: str):
    ministry = get_sector_or_404(request.args.get("ministry"), current_user)
    return download(
        result_exports.sector_table(ministry, sector_survey(ministry, clock.today(), current_user)), fmt)


# Headline figures: staff choose what the programme page says.


@bp.route("/programmes/<int:programme_id>/headlines", methods=["GET", "POST"])
def headline_list(programme_id: int):
    programme = get_programme_or_404(programme_id, current_user)
    form = HeadlineForm(programme=programme)
    if save(form, lambda: results.add_headline(programme, **form.values())):
        flash(_("The headline figure is added."), "success")
        return redirect(url_for("survey_results.headline_list", programme_id=programme.id))
    return render_template(
        "surveys/results/headlines.html", programme=programme, form=form,
        figures=results.headlines_of(programme), move_form=MoveForm(), remove_form=RemoveForm(),
        preview=results.headline_figures(programme, clock.today()),
    ), form_status(form)


@bp.route("/programmes/<int:programme_id>/headlines/<int:headline_id>/edit",
          methods=["GET", "POST"])
def headline_edit(programme_id: int, headline_id: int):
    programme = get_programme_or_404(programme_id, current_user)
    figure = results.get_headline_or_404(programme, headline_id)
    form = HeadlineForm(programme=programme, obj=figure, record=figure)

    def saved_values(record) -> dict[str, object]:
        return {form.item_code.label.text: record.item_code,
                form.at_least.label.text: record.at_least,
                form.label_nb.label.text: record.label_nb,
                form.label_nn.label.text: record.label_nn,
                form.label_en.label.text: record.label_en}

    if save(form, lambda: results.update_headline(figure, version=form.version.data,
                                                     **form.values()), saved_values):
        flash(_("The headline figure is saved."), "success")
        return redirect(url_for("survey_results.headline_list", programme_id=programme.id))
    return render_template("surveys/results/headline_form.html", programme=programme,
                           figure=figure, form=form), form_status(form)


@bp.post("/programmes/<int:programme_id>/headlines/<int:headline_id>/move")
def headline_move(programme_id: int, headline_id: int):
    programme = get_programme_or_404(programme_id, current_user)
    figure = results.get_headline_or_404(programme, headline_id)
    form = MoveForm()
    if form.validate_on_submit():
        results.move_headline(figure, form.direction.data)
        flash(_("The headline figures are reordered."), "success")
    else:
        flash(_("The headline figure was not moved: choose up or down."), "error")
    return redirect(url_for("survey_results.headline_list", programme_id=programme.id))


@bp.post("/programmes/<int:programme_id>/headlines/<int:headline_id>/remove")
def headline_remove(programme_id: int, headline_id: int):
    programme = get_programme_or_404(programme_id, current_user)
    figure = results.get_headline_or_404(programme, headline_id)
    if RemoveForm().validate_on_submit():
        results.remove_headline(figure)
        flash(_("The headline figure is removed."), "success")
    return redirect(url_for("survey_results.headline_list", programme_id=programme.id))
