"""A coordinator's messages to a cohort's groups: write, preview, send (through the outbox), and
the copies kept. Without JavaScript: the preview is the answer to the message form, and its
send button posts the message as previewed."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from tracker.cohorts.services import get_cohort_or_404
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.messages import services
from tracker.messages.forms import MessageForm, SendForm

bp = Blueprint("messages", __name__)


@bp.app_context_processor
def message_lists():
    """The cohort page's "Messages" section asks for its latest messages here."""
    return {"latest_cohort_messages": services.latest_messages,
            "cohort_message_counts": services.recipient_counts}


@bp.get("/cohorts/<int:cohort_id>/messages")
def index(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id, current_user)
    messages = db.session.scalars(services.messages_of(cohort)).all()
    return render_template("messages/index.html", cohort=cohort, messages=messages,
                           counts=services.recipient_counts(messages))


@bp.route("/cohorts/<int:cohort_id>/messages/new", methods=["GET", "POST"])
def new(cohort_id: int):
    """The message form; posted, the preview (or the form again, to change the message)."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    form = MessageForm(groups=services.groups_to_choose(cohort))
    if request.method == "GET" or "change" in request.form:
        return _compose(cohort, form, 200)
    if not form.validate_on_submit():
        return _compose(cohort, form, 400)
    try:
        draft = _draft(cohort, form)
    except DomainError as error:
        form.add_domain_error(error)
        return _compose(cohort, form, 400)
    return _preview(cohort, draft)


@bp.post("/cohorts/<int:cohort_id>/messages/send")
def send(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id, current_user)
    form = SendForm(groups=services.groups_to_choose(cohort))
    if not form.validate_on_submit():
        return _compose(cohort, form, 400)
    try:
        message = services.send_message(
            cohort, current_user, subject=form.subject.data, text=form.text.data,
            group_ids=form.group_ids(), audience=form.chosen_audience(), shown=form.shown.data,
            preview_key=form.once.data)
    except services.AlreadySent as sent:
        flash(_("This message was sent already; it is not sent again."), "info")
        return redirect(url_for("messages.detail", message_id=sent.message.id))
    except services.StaleSelection as error:
        db.session.rollback()
        # The preview again, as it would go now: the coordinator sends that on purpose.
        return _preview(cohort, _draft(cohort, form), error=str(error), status=409)
    except DomainError as error:
        db.session.rollback()
        form.add_domain_error(error)
        return _compose(cohort, form, 400)
    count = len(message.recipients)
    flash(ngettext("The message is sent to %(num)s person.",
                   "The message is sent to %(num)s people.", count), "success")
    return redirect(url_for("messages.detail", message_id=message.id))


@bp.get("/cohorts/messages/<int:message_id>")
def detail(message_id: int):
    message = services.get_message_or_404(message_id, current_user)
    return render_template("messages/detail.html", message=message, cohort=message.cohort,
                           recipients=services.recipients_with_state(message))


def _draft(cohort, form: MessageForm) -> services.Draft:
    return services.draft_message(
        cohort, current_user, subject=form.subject.data, text=form.text.data,
        group_ids=form.group_ids() or [], audience=form.chosen_audience())


def _compose(cohort, form: MessageForm, status: int):
    return render_template("messages/new.html", cohort=cohort, form=form), status


def _preview(cohort, draft: services.Draft, *, error: str | None = None, status: int = 200):
    form = SendForm(groups=services.groups_to_choose(cohort), formdata=None)
    form.shown.data = draft.selection.fingerprint
    form.once.data = services.new_preview_key()
    return render_template("messages/preview.html", cohort=cohort, draft=draft, form=form,
                           error=error), status
