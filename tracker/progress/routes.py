from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.forms import form_status, save
from tracker.groups.services import get_enrolment_or_404
from tracker.i18n import current_language
from tracker.progress.forms import ProgressForm
from tracker.progress.services import (
    get_module_of_group_or_404,
    has_sessions,
    progress_record,
    record_progress,
)

bp = Blueprint("progress", __name__)


@bp.route("/groups/<int:enrolment_id>/modules/<int:module_id>", methods=["GET", "POST"])
def record(enrolment_id: int, module_id: int):
    enrolment = get_enrolment_or_404(enrolment_id, current_user)
    module = get_module_of_group_or_404(enrolment, module_id)
    context = {
        "enrolment": enrolment,
        "module": module,
        "nominal_end": module.planned_days(enrolment.cohort.start_date)[-1],
    }
    if has_sessions(enrolment, module):
        # Nothing to record: the module's sessions say how far the group has come.
        status = 409 if request.method == "POST" else 200
        return render_template("progress/record.html", form=None, **context), status
    saved = progress_record(enrolment, module)
    form = ProgressForm(
        record=saved, data={"state": saved.state.name, "note": saved.note} if saved else None
    )
    if save(
        form,
        lambda: record_progress(
            enrolment,
            module,
            state=form.chosen_state(),
            note=form.note.data,
            version=form.version.data,
        ),
        lambda record: {
            form.state.label.text: record.state.label,
            form.note.label.text: record.note,
        },
    ):
        flash(
            _("Progress on %(module)s is saved.", module=module.name(current_language())), "success"
        )
        return redirect(url_for("groups.detail", enrolment_id=enrolment.id))
    return render_template("progress/record.html", form=form, **context), form_status(form)
