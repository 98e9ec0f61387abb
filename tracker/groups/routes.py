from functools import cache

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from tracker import clock
from tracker.assessments.services import group_results
from tracker.calendar.notices import change_group_status_and_tell
from tracker.cohorts.services import get_cohort_or_404
from tracker.extensions import db
from tracker.forms import form_status, save
from tracker.fragments import fragment
from tracker.groups.forms import ENROLLABLE_KINDS, EnrolForm, NotesForm, PickerFilterForm, StatusForm
from tracker.groups.models import EnrolmentStatus
from tracker.groups.services import (
    allowed_transitions,
    enrol_several,
    enrolment_candidates,
    get_enrolment_or_404,
    histories,
    places_taken,
    update_notes,
)
from tracker.materials.services import materials_for
from tracker.participants.proposals import proposals_by
from tracker.participants.services import my_groups, open_surveys
from tracker.people.services import members_of
from tracker.i18n import current_language
from tracker.progress.services import group_progress
from tracker.schedule.attendance import attendance_of_group, grid_members
from tracker.schedule.sessions import future_sessions_of_group

bp = Blueprint("groups", __name__)


@bp.get("/mine")
def mine():
    """A group leader's or participant's home: their current group first, then their earlier
    ones; their own open survey links; for the group's top leader and contact person its
    members and their proposals to change them (issue 13)."""
    now = clock.now()
    today = clock.local_day(now)
    mine = my_groups(current_user, now)
    current = mine.current
    course = results = ""
    if current is not None:
        # The group's facts and schedule, and its progress, results, fellow groups and contact,
        # hold no form: kept for the reader's current group (tracker/fragments.py), the
        # progress and results loaded only when drawn. The survey links (the reader's own), the
        # members, the proposals and the calendar (forms) are drawn every time.
        course = fragment("my group course", current.id, render=lambda: render_template(
            "groups/_mine_course.html", mine=mine, now=now, my_notices=mine.noticed))
        results = fragment("my group results", current.id, render=lambda: render_template(
            "groups/_mine_results.html", mine=mine,
            group_progress=group_progress(current, today, mine.sessions),
            assessment_results=group_results(current)))
    return render_template(
        "groups/mine.html",
        mine=mine,
        now=now,
        course=course,
        results=results,
        surveys=open_surveys(current_user, today),
        materials=materials_for(current_user, mine.sessions, expected=mine.expected_at,
                                materials=mine.materials),
        proposes=mine.leads,
        shows_members=mine.shows_members,
        my_proposals=db.session.scalars(proposals_by(current_user, current)).all() if current else [],
    )


@bp.get("/<int:enrolment_id>")
def detail(enrolment_id: int):
    enrolment = get_enrolment_or_404(enrolment_id, current_user, with_history=True)
    memberships = db.session.scalars(members_of(enrolment)).all()
    # The members and proposals hold forms, drawn every time; the progress and the records
    # around them are kept (tracker/fragments.py), and their sessions loaded once if drawn.
    recorded = cache(lambda: attendance_of_group(enrolment))

    def records() -> str:
        sessions, attendance = recorded()
        return render_template(
            "groups/_detail_records.html", enrolment=enrolment, attending=grid_members(memberships),
            sessions=sessions, attendance=attendance,
            show_notes=enrolment.shows_attendance_notes_to(current_user),
            assessment_results=group_results(enrolment))

    return render_template(
        "groups/detail.html",
        enrolment=enrolment,
        memberships=memberships,
        progress_bar=fragment("group progress", enrolment.id, render=lambda: render_template(
            "progress/_group_bar.html",
            group_progress=group_progress(enrolment, clock.today(), recorded()[0]))),
        records=fragment("group records", enrolment.id, render=records),
    )


@bp.route("/cohorts/<int:cohort_id>/new", methods=["GET", "POST"])
def create(cohort_id: int):
    """Enrol one or several organisations, ticked in a picker that shows each one's history."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    form = EnrolForm()
    filters = PickerFilterForm(formdata=request.args)
    filtered = bool(request.args) and filters.validate()
    if saved := save(
        form,
        lambda: enrol_several(
            cohort,
            form.chosen_organisations(),
            status=form.chosen_status(),
            notes=form.notes.data or "",
        ),
    ):
        language = current_language()
        flash(
            ngettext(
                "%(organisations)s is enrolled in %(cohort)s.",
                "%(organisations)s are enrolled in %(cohort)s.",
                len(saved.result),
                organisations=", ".join(e.organisation.name(language) for e in saved.result),
                cohort=cohort.label,
            ),
            "success",
        )
        return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    candidates = db.session.scalars(enrolment_candidates(
        cohort, list(ENROLLABLE_KINDS),
        search=filters.q.data or "" if filtered else "",
        ministry_id=filters.chosen_ministry() if filtered else None,
    )).all()
    taken = places_taken(cohort)
    status = form_status(form)
    if request.args and not filtered and status == 200:
        status = 400
    return render_template(
        "groups/enrol.html", form=form, filters=filters, cohort=cohort, enrolled=taken,
        free=max(cohort.capacity - taken, 0), candidates=candidates,
        histories=histories([o.id for o in candidates]),
        chosen={str(v) for v in form.organisation.data or []},
    ), status


@bp.route("/<int:enrolment_id>/status", methods=["GET", "POST"], endpoint="change_status")
def status(enrolment_id: int):
    enrolment = get_enrolment_or_404(enrolment_id, current_user)
    form = StatusForm(enrolment=enrolment)

    def saved_values(record) -> dict[str, object]:
        latest = record.status_history[-1] if record.status_history else None
        return {
            _("Current status"): record.status.label,
            form.reason.label.text: latest.reason if latest else "",
        }

    if saved := save(
        form,
        lambda: change_group_status_and_tell(
            enrolment, form.chosen_status(), form.reason.data or "", form.version.data,
            cancel_sessions=form.cancel_sessions.data, now=clock.now(),
        ),
        saved_values,
    ):
        flash(
            _("The group's status is now %(status)s.", status=enrolment.status.label),
            "success",
        )
        if saved.result:
            flash(ngettext("%(num)s future session of the group is cancelled.",
                           "%(num)s future sessions of the group are cancelled.",
                           len(saved.result)), "info")
        return redirect(url_for("groups.detail", enrolment_id=enrolment.id))
    allowed = allowed_transitions(enrolment.status)
    return render_template(
        "groups/status.html",
        form=form,
        enrolment=enrolment,
        allowed=allowed,
        # What a withdrawal offers to cancel.
        future_sessions=(db.session.scalars(future_sessions_of_group(enrolment, clock.now())).all()
                         if EnrolmentStatus.WITHDRAWN in allowed else []),
    ), form_status(form)


@bp.route("/<int:enrolment_id>/edit", methods=["GET", "POST"])
def edit(enrolment_id: int):
    enrolment = get_enrolment_or_404(enrolment_id, current_user)
    form = NotesForm(enrolment=enrolment)
    if save(
        form,
        lambda: update_notes(enrolment, form.notes.data or "", form.version.data),
        lambda record: {form.notes.label.text: record.notes},
    ):
        flash(_("The group's notes are saved."), "success")
        return redirect(url_for("groups.detail", enrolment_id=enrolment.id))
    return render_template("groups/notes.html", form=form, enrolment=enrolment), form_status(form)
