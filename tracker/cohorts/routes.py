
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker import clock
from tracker.cohorts.forms import CreateCohortForm, EditCohortForm
from tracker.cohorts.services import (
    course_month,
    create_cohort,
    get_cohort_or_404,
    update_cohort,
)
from tracker.extensions import db
from tracker.forms import form_status, save
from tracker.fragments import fragment
from tracker.groups.services import enrolments_of_cohort
from tracker.i18n import local_date
from tracker.progress.services import cohort_progress
from tracker.schedule.sessions import sessions_of_cohort

bp = Blueprint("cohorts", __name__)

# Where a new cohort's coordinator goes next: the page that proposes its sessions
# ("cohorts.detail" would do if the schedule's proposal page were not there).
AFTER_CREATE = "schedule.propose"


@bp.get("/<int:cohort_id>")
def detail(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id, current_user)
    body = fragment("cohort page", cohort.id, render=lambda: detail_body(cohort))
    return render_template("cohorts/detail.html", cohort=cohort, body=body)


def detail_body(cohort):
    """The cohort page's body: its groups, progress, surveys, sessions and messages."""
    today = clock.today()
    # Loaded once and shared: the groups table and the progress table show the same groups.
    enrolments = db.session.scalars(enrolments_of_cohort(cohort)).all()
    return render_template(
        "cohorts/_detail_body.html",
        cohort=cohort,
        status=cohort.status(today),
        month=course_month(cohort, today),
        enrolments=enrolments,
        sessions=db.session.scalars(sessions_of_cohort(cohort, current_user)).all(),
        progress=cohort_progress(cohort, today, current_user, enrolments=enrolments),
    )


@bp.route("/new", methods=["GET", "POST"])
def create():
    form = CreateCohortForm()
    if saved := save(form, lambda: create_cohort(form.chosen_programme(), **form.cohort_values())):
        cohort = saved.result
        flash(_("%(cohort)s is created.", cohort=cohort.label), "success")
        return redirect(url_for(AFTER_CREATE, cohort_id=cohort.id))
    return render_template("cohorts/form.html", form=form, cohort=None), form_status(form)


@bp.route("/<int:cohort_id>/edit", methods=["GET", "POST"])
def edit(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id, current_user)
    form = EditCohortForm(cohort=cohort)
    if save(
        form,
        lambda: update_cohort(cohort, version=form.version.data, **form.cohort_values()),
        lambda record: {
            form.label.label.text: cohort.label,
            form.ordinal.label.text: cohort.ordinal,
            form.season.label.text: cohort.season.label,
            form.year.label.text: cohort.year,
            form.start_date.label.text: local_date(cohort.start_date),
            form.planned_end.label.text: local_date(cohort.planned_end),
            form.capacity.label.text: cohort.capacity,
            form.participant_information.label.text: cohort.participant_information,
            form.notes.label.text: cohort.notes,
        },
    ):
        flash(_("%(cohort)s is updated.", cohort=cohort.label), "success")
        return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    return render_template("cohorts/form.html", form=form, cohort=cohort), form_status(form)
