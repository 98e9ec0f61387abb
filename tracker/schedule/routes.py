
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from tracker import clock
from tracker.cohorts.services import get_cohort_or_404
from tracker.extensions import db
from tracker.forms import form_status, save
from tracker.groups.services import enrolments_of_cohort
from tracker.schedule.forms import (
    AttendanceForm,
    EditSessionForm,
    NewSessionForm,
    ProposalForm,
    saved_time,
)
from tracker.schedule.attendance import attendance_register, record_attendance
from tracker.schedule.proposals import accept_proposal, course_plan, proposal_fingerprint, proposal_for
from tracker.schedule.sessions import (
    create_session,
    get_session_or_404,
    is_past_and_still_planned,
    update_session,
)

bp = Blueprint("schedule", __name__)


@bp.app_context_processor
def schedule_helpers():
    """Lets the cohort page's sessions flag those in the past that are still planned."""
    return {"past_and_still_planned": lambda s: is_past_and_still_planned(s, clock.today())}


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
                           form=form), status


@bp.route("/cohorts/<int:cohort_id>/sessions/new", methods=["GET", "POST"])
def create(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id, current_user)
    form = NewSessionForm(modules=db.session.scalars(course_plan(cohort)).all(),
                         enrolments=db.session.scalars(enrolments_of_cohort(cohort)).all())
    if not form.is_submitted():
        form.status.data = "PLANNED"
    if saved := save(form, lambda: create_session(
        cohort, module=form.chosen_module(), enrolment=form.chosen_enrolment(),
        starts_at=form.starts_at(), ends_at=form.ends_at(), location=form.location.data or "",
        status=form.chosen_status(), seen_warnings=form.confirmed_warnings(),
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
    if save(
        form,
        lambda: update_session(
            session, version=form.version.data, starts_at=form.starts_at(),
            ends_at=form.ends_at(), location=form.location.data or "",
            status=form.chosen_status(), seen_warnings=form.confirmed_warnings(),
        ),
        lambda record: {
            _("Time"): saved_time(record),
            _("Location"): record.location,
            _("Status"): record.status.label,
        },
    ):
        flash(_("The session is saved."), "success")
        return redirect(url_for("cohorts.detail", cohort_id=session.cohort_id,
                                _anchor=f"session-{session.id}"))
    return render_template("schedule/form.html", cohort=session.cohort, session=session,
                           form=form, warnings=form.warnings), form_status(form)


@bp.route("/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
def attendance(session_id: int):
    session = get_session_or_404(session_id, current_user)
    form = AttendanceForm.for_register(attendance_register(session), record=session)
    # A refused register saves nothing, not even part of it: save() rolls the whole form back.
    if save(
        form,
        lambda: record_attendance(session, version=form.version.data, marks=form.marks(request.form)),
        _saved_register,
    ):
        flash(_("The attendance is saved."), "success")
        return redirect(url_for("schedule.attendance", session_id=session.id))
    return render_template("schedule/attendance.html", session=session, cohort=session.cohort,
                           form=form), form_status(form)


def _saved_register(session) -> dict[str, str]:
    """What is recorded now, person by person, for a conflict to show."""
    saved = {}
    for line in attendance_register(session):
        name = line.person.name or _("(erased)")
        if line.attendance is None:
            saved[name] = ""
        else:
            value = line.attendance.status.label
            saved[name] = f"{value} – {line.attendance.note}" if line.attendance.note else value
    saved[_("Session status")] = session.status.label
    return saved
