"""The evaluation of each joint gathering, for coordinators: the gathering's evaluation (who is
asked, how many answered, its results once they may be shown) with "Send the evaluation now",
and the evaluations side by side, per cohort and per course module across cohorts. The rules are
tracker/surveys/evaluations.py and results.py."""
from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tracker import clock
from tracker.cohorts.models import Cohort
from tracker.cohorts.services import get_cohort_or_404
from tracker.extensions import db
from tracker.forms import form_status, save
from tracker.i18n import current_language, day
from tracker.programmes.services import get_programme_or_404
from tracker.surveys import evaluations, results
from tracker.surveys.evaluation_forms import EvaluationFormChoice, SendEvaluationForm

bp = Blueprint("evaluations", __name__)


def _gathering_page(session, form, status: int = 200):
    today = clock.today()
    survey_round = evaluations.evaluation_of(session)
    found = asked = None
    if survey_round is not None:
        found = results.gathering_evaluation(survey_round, today)
        asked = len(survey_round.respondents)
    now = clock.now()
    return render_template(
        "surveys/evaluation_gathering.html", session=session, cohort=session.cohort,
        survey_round=survey_round, found=found, asked=asked, form=form,
        ended=evaluations.has_ended(session, now),
        # The daily run opens evaluations of gatherings that ended within EVALUATION_DAYS.
        left_by_the_daily_run=evaluations.has_ended(
            session, now - timedelta(days=evaluations.evaluation_days())),
        has_form=evaluations.evaluation_version(session.cohort.programme_id) is not None,
        to_ask=(len(evaluations.people_to_ask(session))
                if survey_round is None and evaluations.has_ended(session, now) else None),
        days=evaluations.evaluation_days(),
    ), status


@bp.get("/surveys/gatherings/<int:gathering_id>/evaluation")
def gathering(gathering_id: int):
    session = evaluations.get_gathering_or_404(gathering_id, current_user)
    return _gathering_page(session, SendEvaluationForm(formdata=None))


@bp.post("/surveys/gatherings/<int:gathering_id>/evaluation")
def send(gathering_id: int):
    """Send the gathering's evaluation now, without waiting for the daily run."""
    session = evaluations.get_gathering_or_404(gathering_id, current_user)
    form = SendEvaluationForm()
    if saved := save(form, lambda: evaluations.open_evaluation(
            session, minimum_respondents=form.minimum_respondents.data, opened_by=current_user)):
        flash(_("The evaluation is sent to %(n)s people. Answers are taken until %(day)s.",
                n=len(saved.result.respondents), day=day(saved.result.closes_on)), "success")
        return redirect(url_for("evaluations.gathering", gathering_id=session.id))
    return _gathering_page(session, form, form_status(form))


@bp.get("/surveys/cohorts/<int:cohort_id>/evaluations")
def cohort(cohort_id: int):
    """The cohort's gatherings side by side: each one's figures, factor by factor."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    gatherings = evaluations.gatherings_of(cohort)
    rounds = {r.session_id: r for r in evaluations.evaluations_in([cohort.id])}
    table = results.evaluation_table([rounds.get(s.id) for s in gatherings], clock.today())
    return render_template("surveys/evaluation_cohort.html", cohort=cohort,
                           gatherings=gatherings, table=table)


@bp.route("/surveys/programmes/<int:programme_id>/evaluations", methods=["GET", "POST"])
def programme(programme_id: int):
    """Per gathering module of the course plan, its evaluations in each cohort side by side;
    and which instrument is the evaluation form."""
    programme = get_programme_or_404(programme_id, current_user)
    instruments = evaluations.instruments_of(programme.id)
    form = EvaluationFormChoice(instruments=instruments, language=current_language(),
                                chosen=evaluations.evaluation_instrument(programme.id))
    if saved := save(form, lambda: evaluations.choose_evaluation_form(programme.id, form.chosen())):
        flash(_("The evaluation form is saved.") if saved.result is not None
              else _("No evaluations are sent from now on."), "success")
        return redirect(url_for("evaluations.programme", programme_id=programme.id))
    cohorts = db.session.scalars(select(Cohort).where(Cohort.programme_id == programme.id)
                                 .order_by(Cohort.start_date, Cohort.id)).all()
    found = evaluations.evaluations_in([c.id for c in cohorts])
    by_module: dict[int, dict[int, object]] = {}
    modules = {}
    for survey_round in found:
        module = survey_round.session.module
        modules[module.id] = module
        # A cohort with two sessions of one module (one moved and held twice): the later one.
        by_module.setdefault(module.id, {})[survey_round.session.cohort_id] = survey_round
    today = clock.today()
    tables = []
    for module in sorted(modules.values(), key=lambda m: (m.position, m.id)):
        theirs = [c for c in cohorts if c.id in by_module[module.id]]
        tables.append((module, theirs, results.evaluation_table(
            [by_module[module.id][c.id] for c in theirs], today)))
    return render_template("surveys/evaluation_programme.html", programme=programme, form=form,
                           tables=tables), form_status(form)
