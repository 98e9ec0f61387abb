
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from tracker import clock
from tracker.calendar.notices import change_session, is_announceable, notice_recipients
from tracker.cohorts.services import get_cohort_or_404
from tracker.extensions import db
from tracker.forms import form_status, save
from tracker.i18n import local_datetime
from tracker.groups.services import enrolments_of_cohort
from tracker.schedule.forms import (
    EditSessionForm,
    NewSessionForm,
    ProposalForm,
    saved_time,
)
from tracker.schedule.proposals import (
    accept_proposal,
    course_plan,
    groups_without_sessions,
    proposal_fingerprint,
    proposal_for,
    waits_for_enrolment,
)
from tracker.schedule.sessions import (
    create_session,
    end_with_start,
    get_session_or_404,
    is_past_and_still_planned,
    needs_replacement,
    replacement_for,
)

bp = Blueprint("schedule", __name__)


@bp.app_context_processor
def schedule_helpers():
    """Lets the cohort page's sessions flag those in the past that are still planned."""
    return {
        "past_and_still_planned": lambda s: is_past_and_still_planned(s, clock.today()),
        # "Plan a replacement" next to a cancelled session, wherever it is listed.
        "replacement_args": _replacement_args,
        # "Propose group sessions" on a cohort page once groups are enrolled.
        "groups_without_sessions": groups_without_sessions,
    }


@bp.route("/cohorts/<int:cohort_id>/proposal", methods=["GET", "POST"])
def propose(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id, current_user)
    proposals = proposal_for(cohort)
    form = ProposalForm.for_proposals(proposals)
    if saved := save(form, lambda: accept_proposal(cohort, proposals, form.accepted_keys(proposals),
                                                   form.fingerprint.data)):
        flash(ngettext("%(num)s session is created from the course plan.",
                       "%(num)s sessions are created from the course plan.", len(saved.result)), "success")
        return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    # The proposal as it is now: what accepting it will check against.
    form.fingerprint.data = proposal_fingerprint(proposals)
    status = 409 if form.proposal_changed else form_status(form)
    return render_template("schedule/proposal.html", cohort=cohort, proposals=proposals,
                           form=form, waits_for_enrolment=waits_for_enrolment(cohort)), status


@bp.route("/cohorts/<int:cohort_id>/sessions/new", methods=["GET", "POST"])
def create(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id, current_user)
    form = NewSessionForm(modules=db.session.scalars(course_plan(cohort)).all(),
                         enrolments=db.session.scalars(enrolments_of_cohort(cohort)).all())
    if not form.is_submitted():
        form.status.data = "PLANNED"
        form.prefill(request.args)  # from "Plan a replacement"
    if saved := save(form, lambda: create_session(
        cohort, module=form.chosen_module(), enrolment=form.chosen_enrolment(),
        starts_at=form.starts_at(), ends_at=form.ends_at(), location=form.location.data or "",
        status=form.chosen_status(), seen_warnings=form.confirmed_warnings(),
        cancellation_reason=form.cancellation_reason.data or "",
    )):
        flash(_("The session is created."), "success")
        return redirect(url_for("cohorts.detail", cohort_id=cohort.id,
                                _anchor=f"session-{saved.result.id}"))
    return render_template("schedule/form.html", cohort=cohort, session=None, form=form,
                           warnings=form.warnings), form_status(form)


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
def edit(session_id: int):
    session = get_session_or_404(session_id, current_user)
    form = EditSessionForm(record=session)
    if not form.is_submitted():
        form.show_times(session)
    if saved := save(
        form,
        lambda: change_session(
            session, tell=bool(form.tell.data), version=form.version.data,
            starts_at=form.starts_at(), ends_at=form.ends_at(), location=form.location.data or "",
            status=form.chosen_status(), seen_warnings=form.confirmed_warnings(),
            cancellation_reason=form.cancellation_reason.data or "",
        ),
        lambda record: {
            _("Time"): saved_time(record),
            _("Location"): record.location,
            _("Status"): record.status.label,
            _("Reason for cancelling"): record.cancellation_reason,
        },
    ):
        flash(_("The session is saved."), "success")
        if saved.result.told:
            flash(ngettext("%(num)s person is told of the change by e-mail.",
                           "%(num)s people are told of the change by e-mail.", saved.result.told),
                  "info")
        if saved.result.end_moved:
            flash(_("The end moved with the start: the session now ends %(ends)s.",
                    ends=local_datetime(session.ends_at)), "info")
        return redirect(url_for("cohorts.detail", cohort_id=session.cohort_id,
                                _anchor=f"session-{session.id}"))
    if form.warnings:
        # The warnings are about the end the moved start took along: show that end.
        form.show_end(end_with_start(session, form.starts_at(), form.ends_at()))
    return render_template("schedule/form.html", cohort=session.cohort, session=session,
                           form=form, warnings=form.warnings,
                           replacement=_replacement_args(session),
                           recipients=notice_recipients(session),
                           announceable=is_announceable(session, clock.now())), form_status(form)


def _replacement_args(session) -> dict[str, str] | None:
    """The new-session form's query string for a replacement of a cancelled session; None
    when it needs none (`needs_replacement`)."""
    if not needs_replacement(session):
        return None
    return replacement_for(session, clock.today()).as_args()


# The attendance roster's views live beside these, on the same blueprint.
from tracker.schedule import attendance_routes  # noqa: E402,F401
