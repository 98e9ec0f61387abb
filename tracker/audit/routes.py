from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_login import current_user

from tracker import bounds
from tracker.audit.services import entries
from tracker.cohorts.services import get_cohort_or_404
from tracker.extensions import db
from tracker.groups.services import get_enrolment_or_404
from tracker.i18n import current_language

bp = Blueprint("audit", __name__)

PER_PAGE = 50


def render_log(heading: str, query):
    """One page of the log; a page number past the end is a 404."""
    page = db.paginate(query, page=bounds.page_number(), per_page=PER_PAGE)
    return render_template("audit/log.html", heading=heading, page=page)


@bp.get("/")
def programme():
    return render_log(_("Change log"), entries())


@bp.get("/cohorts/<int:cohort_id>")
def cohort(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id, current_user)
    return render_log(_("Change log: %(cohort)s", cohort=cohort.label), entries(cohort_id=cohort.id))


@bp.get("/groups/<int:enrolment_id>")
def enrolment(enrolment_id: int):
    enrolment = get_enrolment_or_404(enrolment_id, current_user)
    heading = _("Change log: %(organisation)s in %(cohort)s",
                organisation=enrolment.organisation.name(current_language()),
                cohort=enrolment.cohort.label)
    return render_log(heading, entries(enrolment_id=enrolment.id))
