from flask import Blueprint, render_template
from flask_login import current_user

from tracker.extensions import db
from tracker.groups.services import participation_history
from tracker.organisations.services import get_organisation_or_404, organisations_by_ministry

bp = Blueprint("organisations", __name__)


@bp.get("/")
def index():
    ministries, unowned = organisations_by_ministry(current_user)
    return render_template("organisations/index.html", ministries=ministries, unowned=unowned)


@bp.get("/<int:organisation_id>")
def detail(organisation_id: int):
    organisation = get_organisation_or_404(organisation_id, current_user)
    return render_template(
        "organisations/detail.html",
        organisation=organisation,
        enrolments=db.session.scalars(participation_history(organisation)).all(),
    )
