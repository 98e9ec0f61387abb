from flask import Blueprint, render_template
from flask_login import current_user

from tracker.extensions import db
from tracker.groups.services import get_enrolment_or_404, members_of
from tracker.schedule.services import attendance_of_group

bp = Blueprint("groups", __name__)


@bp.get("/<int:enrolment_id>")
def detail(enrolment_id: int):
    enrolment = get_enrolment_or_404(enrolment_id, current_user)
    sessions, attendance = attendance_of_group(enrolment)
    return render_template(
        "groups/detail.html",
        enrolment=enrolment,
        memberships=db.session.scalars(members_of(enrolment)).all(),
        sessions=sessions,
        attendance=attendance,
        show_notes=current_user.can_see_attendance_notes(enrolment),
    )
