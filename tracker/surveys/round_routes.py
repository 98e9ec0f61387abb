"""Survey rounds for coordinators: open one for a group or a cohort, and follow who has
answered (never what). Invitations and reminders are queued in the outbox with the change."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from babel.lists import format_list
from flask_babel import ngettext
from flask_login import current_user

from tracker import clock
from tracker.cohorts.services import get_cohort_or_404
from tracker.domain import DomainError
from tracker.forms import form_status, save
from tracker.groups.services import get_enrolment_or_404
from tracker.i18n import current_language
from tracker.surveys import round_services as services
from tracker.surveys.round_forms import (
    AddRespondentForm,
    ClosingDayForm,
    CloseRoundForm,
    MinimumForm,
    OpenRoundForm,
    ReopenForm,
    RespondentActionForm,
    RoundActionForm,
)
from tracker.surveys.models import GROUP_KINDS, RoundKind
from tracker.surveys.rounds import get_round_or_404

bp = Blueprint("survey_rounds", __name__)


@bp.app_context_processor
def round_lists():
    """The "Survey rounds" sections of the group and cohort pages ask for their rounds here."""
    return {"survey_rounds_of_group": services.group_rounds,
            "survey_rounds_of_cohort": services.cohort_rounds}


def _final_on_another_version(survey_round) -> None:
    baseline_version = services.baseline_version_differs(survey_round)
    if baseline_version is not None:
        flash(_("The baseline used version %(number)s: the results compare the two rounds' "
                "factors by their codes, so check that the factors mean the same in both.",
                number=baseline_version.number), "warning")


@bp.route("/surveys/groups/<int:enrolment_id>/rounds/new", methods=["GET", "POST"])
def open_for_group(enrolment_id: int):
    enrolment = get_enrolment_or_404(enrolment_id, current_user)
    today = clock.today()
    people = services.default_respondents(enrolment, today)
    versions = services.versions_for(enrolment.cohort.programme_id)
    rounds = [s.survey_round for s in services.group_rounds(enrolment)]
    form = OpenRoundForm(versions=versions, people=people, language=current_language(),
                         kind=services.kind_lacking(rounds),
                         version=services.default_version(enrolment, versions),
                         closes_on=services.default_closing_day(today))
    if saved := save(form, lambda: services.open_group_round(
            enrolment, form.chosen_kind(), form.chosen_version(),
            closes_on=form.closes_on.data, minimum_respondents=form.minimum_respondents.data,
            person_ids=form.chosen_people(), opened_by=current_user, today=today)):
        flash(_("The round is open. The invitations are on their way."), "success")
        _final_on_another_version(saved.result)
        return redirect(url_for("survey_rounds.detail", round_id=saved.result.id))
    baseline = next((r for r in rounds if r.kind is RoundKind.BASELINE), None)
    return render_template("surveys/rounds/open.html", form=form, enrolment=enrolment,
                           cohort=enrolment.cohort, people=people, baseline=baseline,
                           plan=None, chosen=set(form.respondents.data or [])), form_status(form)


def _names(enrolments) -> str:
    return format_list([e.organisation.label(current_language()) for e in enrolments],
                       locale=current_language())


@bp.route("/surveys/cohorts/<int:cohort_id>/rounds/new", methods=["GET", "POST"])
def open_for_cohort(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id, current_user)
    today = clock.today()
    plans = {kind: services.cohort_plan(cohort, kind) for kind in GROUP_KINDS}
    form = OpenRoundForm(versions=services.versions_for(cohort.programme_id),
                         language=current_language(),
                         kind=next((k for k, plan in plans.items() if plan.opening), None),
                         closes_on=services.default_closing_day(today))
    if saved := save(form, lambda: services.open_cohort_rounds(
            cohort, form.chosen_kind(), form.chosen_version(), closes_on=form.closes_on.data,
            minimum_respondents=form.minimum_respondents.data, opened_by=current_user,
            today=today)):
        opened, plan = saved.result
        message = _("Rounds opened for %(groups)s. The invitations are on their way.",
                    groups=_names(plan.opening))
        if plan.have_one:
            message += " " + _("Already had one: %(groups)s.", groups=_names(plan.have_one))
        if plan.not_confirmed:
            message += " " + _("Not confirmed, so not asked: %(groups)s.",
                               groups=_names(plan.not_confirmed))
        flash(message, "success")
        for survey_round in opened:
            _final_on_another_version(survey_round)
        return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    return render_template("surveys/rounds/open.html", form=form, enrolment=None, cohort=cohort,
                           people=None, chosen=set(), plans=plans, baseline=None,
                           names=_names), form_status(form)


@bp.get("/surveys/rounds/<int:round_id>")
def detail(round_id: int):
    survey_round = get_round_or_404(round_id, current_user)
    return _round_page(survey_round)


def _round_page(survey_round, status: int = 200, **forms):
    today = clock.today()
    respondents = services.respondents_of(survey_round)
    # The forms not sent are drawn fresh, not filled from another form's request.
    forms.setdefault("add_form", AddRespondentForm(
        formdata=None, people=services.people_to_add(survey_round, today)))
    forms.setdefault("closing_form", ClosingDayForm(formdata=None, closes_on=survey_round.closes_on))
    forms.setdefault("minimum_form", MinimumForm(
        formdata=None, minimum_respondents=survey_round.minimum_respondents))
    forms.setdefault("action_form", RoundActionForm(formdata=None))
    forms.setdefault("close_form", CloseRoundForm(formdata=None))
    forms.setdefault("reopen_form", ReopenForm(
        formdata=None, closes_on=services.default_closing_day(today)))
    forms.setdefault("respondent_form", RespondentActionForm(formdata=None))
    is_open = survey_round.is_open(today)
    return render_template(
        "surveys/rounds/detail.html", survey_round=survey_round, enrolment=survey_round.enrolment,
        respondents=respondents, answered=sum(r.has_answered for r in respondents),
        is_open=is_open, may_reopen=not is_open and services.may_reopen(survey_round, today),
        to_remind=is_open and any(r.invited_at and not r.has_answered for r in respondents),
        **forms,
    ), status


def _back(survey_round):
    return redirect(url_for("survey_rounds.detail", round_id=survey_round.id))


@bp.post("/surveys/rounds/<int:round_id>/respondents")
def add_respondent(round_id: int):
    survey_round = get_round_or_404(round_id, current_user)
    today = clock.today()
    form = AddRespondentForm(people=services.people_to_add(survey_round, today))
    if saved := save(form, lambda: services.add_respondent(survey_round, form.chosen_person(),
                                                           today)):
        flash(_("%(name)s is asked too; the invitation is on its way.",
                name=saved.result.person.name), "success")
        return _back(survey_round)
    return _round_page(survey_round, form_status(form), add_form=form)


def _confirm(survey_round, form, action: str):
    """The step between a row's button and what it does: who, and what is lost."""
    try:
        respondent = services.respondent_of(survey_round, form.chosen())
    except DomainError as refused:
        form.respondent_id.errors = [refused.message]
        return _round_page(survey_round, 400, respondent_form=form)
    return render_template("surveys/rounds/confirm.html", survey_round=survey_round,
                           enrolment=survey_round.enrolment, respondent=respondent,
                           action=action, form=form)


@bp.post("/surveys/rounds/<int:round_id>/respondents/remove")
def remove_respondent(round_id: int):
    survey_round = get_round_or_404(round_id, current_user)
    form = RespondentActionForm()
    if form.validate_on_submit() and not form.is_confirmed:
        return _confirm(survey_round, form, "remove")
    if saved := save(form, lambda: services.remove_respondent(survey_round, form.chosen(),
                                                              clock.today())):
        flash(_("%(name)s is no longer asked; their link no longer works.",
                name=saved.result.name or _("(erased)")), "success")
        return _back(survey_round)
    return _round_page(survey_round, form_status(form), respondent_form=form)


@bp.post("/surveys/rounds/<int:round_id>/respondents/renew")
def renew_link(round_id: int):
    survey_round = get_round_or_404(round_id, current_user)
    form = RespondentActionForm()
    if form.validate_on_submit() and not form.is_confirmed:
        return _confirm(survey_round, form, "renew")
    if saved := save(form, lambda: services.renew_respondent_link(survey_round, form.chosen(),
                                                                  clock.today())):
        flash(_("%(name)s has a new link, on its way by mail; the old one no longer "
                "works, and any answers saved with it are deleted.",
                name=saved.result.person.name), "success")
        return _back(survey_round)
    return _round_page(survey_round, form_status(form), respondent_form=form)


@bp.post("/surveys/rounds/<int:round_id>/closing-day")
def change_closing_day(round_id: int):
    survey_round = get_round_or_404(round_id, current_user)
    form = ClosingDayForm()
    if save(form, lambda: services.change_closing_day(survey_round, form.closes_on.data,
                                                      clock.today())):
        flash(_("The last day for answers is changed."), "success")
        return _back(survey_round)
    return _round_page(survey_round, form_status(form), closing_form=form)


@bp.post("/surveys/rounds/<int:round_id>/minimum")
def change_minimum(round_id: int):
    survey_round = get_round_or_404(round_id, current_user)
    form = MinimumForm()
    if save(form, lambda: services.change_minimum(survey_round, form.minimum_respondents.data,
                                                  clock.today())):
        flash(_("The minimum is changed."), "success")
        return _back(survey_round)
    return _round_page(survey_round, form_status(form), minimum_form=form)


@bp.post("/surveys/rounds/<int:round_id>/close")
def close(round_id: int):
    survey_round = get_round_or_404(round_id, current_user)
    form = CloseRoundForm()
    if save(form, lambda: services.close_round(survey_round, clock.today())):
        flash(_("The round is closed: no more answers are taken."), "success")
        return _back(survey_round)
    return _round_page(survey_round, form_status(form), close_form=form)


@bp.post("/surveys/rounds/<int:round_id>/reopen")
def reopen(round_id: int):
    survey_round = get_round_or_404(round_id, current_user)
    form = ReopenForm()
    if save(form, lambda: services.reopen_round(survey_round, form.closes_on.data,
                                                clock.today())):
        flash(_("The round is open again: answers are taken until the new last day."),
              "success")
        return _back(survey_round)
    return _round_page(survey_round, form_status(form), reopen_form=form)


@bp.post("/surveys/rounds/<int:round_id>/remind")
def remind(round_id: int):
    survey_round = get_round_or_404(round_id, current_user)
    form = RoundActionForm()
    if saved := save(form, lambda: services.ask_reminders(survey_round, clock.today(),
                                                          clock.now())):
        flash(ngettext("%(num)d reminder is on its way.",
                       "%(num)d reminders are on their way.", saved.result), "success")
        return _back(survey_round)
    return _round_page(survey_round, form_status(form), action_form=form)
