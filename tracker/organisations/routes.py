from flask import Blueprint, abort, render_template

from tracker.extensions import db
from tracker.groups.services import participation_history
from tracker.organisations.models import Organisation
from tracker.organisations.services import ministries_with_agencies, unowned_non_ministries

bp = Blueprint("organisations", __name__)


@bp.get("/")
def index():
    return render_template(
        "organisations/index.html",
        ministries=db.session.scalars(ministries_with_agencies()).all(),
        unowned=db.session.scalars(unowned_non_ministries()).all(),
    )


@bp.get("/<int:organisation_id>")
def detail(organisation_id: int):
    organisation = db.session.get(Organisation, organisation_id) or abort(404)
    return render_template(
        "organisations/detail.html",
        organisation=organisation,
        enrolments=db.session.scalars(participation_history(organisation)).all(),
    )
