from datetime import date

from flask import Blueprint, render_template
from flask_login import current_user

from tracker.cohorts.services import course_month, get_cohort_or_404
from tracker.extensions import db
from tracker.groups.services import enrolments_of_cohort
from tracker.schedule.services import sessions_of_cohort

bp = Blueprint("cohorts", __name__)


@bp.get("/<int:cohort_id>")
def detail(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id, current_user)
    today = date.today()
    return render_template(
        "cohorts/detail.html",
        cohort=cohort,
        status=cohort.status(today),
        month=course_month(cohort, today),
        enrolments=db.session.scalars(enrolments_of_cohort(cohort)).all(),
        sessions=db.session.scalars(sessions_of_cohort(cohort, current_user)).all(),
    )
