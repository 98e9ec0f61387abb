"""The outbox page: what is waiting, and what was given up and why, for admins."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import case, func, select

from tracker import bounds
from tracker.extensions import db
from tracker.forms import Form
from tracker.outbox.delivery import try_again
from tracker.outbox.models import OutboxMessage, OutboxStatus
from tracker.outbox.services import get_message_or_404

bp = Blueprint("outbox", __name__)

PER_PAGE = 50


@bp.get("/")
def index():
    counts = dict(db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    # Given up first (they need someone), then waiting; the newest of each first.
    unsent = db.paginate(
        select(OutboxMessage)
        .where(OutboxMessage.status != OutboxStatus.SENT)
        .order_by(case((OutboxMessage.status == OutboxStatus.FAILED, 0), else_=1),
                  OutboxMessage.id.desc()),
        page=bounds.page_number(), per_page=PER_PAGE, error_out=False)
    return render_template("outbox/index.html", counts=counts, unsent=unsent,
                           OutboxStatus=OutboxStatus, form=Form())


@bp.post("/<int:outbox_message_id>/try-again")
def retry(outbox_message_id: int):
    message = get_message_or_404(outbox_message_id)
    if Form().validate_on_submit() and message.status is OutboxStatus.FAILED and message.content:
        try_again(message)
        flash(_("The mail to %(recipient)s is queued again; the next mail run sends it.",
                recipient=message.recipient), "success")
    return redirect(url_for("outbox.index"))
