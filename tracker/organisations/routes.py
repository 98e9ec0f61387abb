from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tracker.domain import DomainError
from tracker.extensions import db
from tracker.forms import form_status, save
from tracker.groups.services import participation_history
from tracker.organisations.forms import (
    EditOrganisationForm,
    OrganisationForm,
    RegisterConfirmForm,
    RegisterUploadForm,
)
from tracker.organisations.models import Organisation
from tracker.organisations.register_import import (
    ImportPlan,
    apply_import,
    decode_upload,
    discard_upload,
    load_upload,
    parse_register_csv,
    plan_import,
    store_upload,
)
from tracker.organisations.services import (
    create_organisation,
    get_organisation_or_404,
    organisations_by_ministry,
    update_organisation,
)

bp = Blueprint("organisations", __name__)

# The session remembers which kept file this user previewed, and the digest of its plan.
PENDING_IMPORT = "register_import"


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


@bp.route("/new", methods=["GET", "POST"])
def create():
    form = OrganisationForm()
    if saved := save(form, lambda: create_organisation(**form.values())):
        organisation = saved.result
        flash(_("%(name)s is added.", name=organisation.name_nb), "success")
        return redirect(url_for("organisations.detail", organisation_id=organisation.id))
    return render_template("organisations/form.html", form=form, organisation=None), form_status(
        form
    )


@bp.route("/<int:organisation_id>/edit", methods=["GET", "POST"])
def edit(organisation_id: int):
    organisation = get_organisation_or_404(organisation_id, current_user)
    form = EditOrganisationForm(
        data=OrganisationForm.initial(organisation), record=organisation, exclude=organisation
    )
    if save(
        form,
        lambda: update_organisation(organisation, version=form.version.data, **form.values()),
        lambda record: saved_values(form, record),
    ):
        flash(_("%(name)s is updated.", name=organisation.name_nb), "success")
        return redirect(url_for("organisations.detail", organisation_id=organisation.id))
    return (
        render_template("organisations/form.html", form=form, organisation=organisation),
        form_status(form),
    )


def saved_values(form: OrganisationForm, organisation: Organisation) -> dict[str, object]:
    owner = organisation.owning_ministry
    return {
        form.name_nb.label.text: organisation.name_nb,
        form.name_en.label.text: organisation.name_en,
        form.short_name.label.text: organisation.short_name,
        form.org_number.label.text: organisation.org_number,
        form.kind.label.text: organisation.kind.label,
        form.owning_ministry.label.text: owner.name_nb if owner else None,
        form.active_from.label.text: organisation.active_from,
        form.active_to.label.text: organisation.active_to,
    }


@bp.route("/import", methods=["GET", "POST"])
def import_upload():
    """Upload a register file and preview what importing it would do; nothing is written yet.

    The file's text is kept on the server under a random token that only this user's (signed)
    session knows, so the confirm step reads exactly what was previewed, never what a client
    sends back.
    """
    form = RegisterUploadForm()
    if form.validate_on_submit():
        try:
            text = decode_upload(form.file.data.read())
            plan = plan_import(parse_register_csv(text))
        except DomainError as error:
            form.add_domain_error(error)
        else:
            forget_pending_import()
            token = store_upload(text)
            session[PENDING_IMPORT] = {
                "token": token,
                "digest": plan.digest(),
                "user": current_user.id,
            }
            return render_preview(plan, token)
    return render_template("organisations/import.html", form=form), form_status(form)


@bp.post("/import/confirm")
def import_confirm():
    """Apply the previewed file in one transaction, if it still plans what the preview showed."""
    form = RegisterConfirmForm()
    pending = session.get(PENDING_IMPORT) or {}
    text = None
    if (
        form.validate_on_submit()
        and pending.get("user") == current_user.id
        and form.token.data == pending.get("token")
    ):
        text = load_upload(pending["token"])
    try:
        plan = plan_import(parse_register_csv(text)) if text is not None else None
    except DomainError:
        plan = None
    if plan is None:
        flash(
            _(
                "There is no previewed file to import: it may be imported already, or the "
                "preview is too old. Upload the file again."
            ),
            "error",
        )
        return redirect(url_for("organisations.import_upload"))
    if plan.bad:
        return render_preview(
            plan,
            pending["token"],
            status=400,
            refusal=_l(
                "The file has rows with errors, so nothing is imported. Correct them and upload "
                "the file again."
            ),
        )
    digest = plan.digest()
    if digest != pending.get("digest") or form.digest.data != digest:
        session[PENDING_IMPORT] = {**pending, "digest": digest}
        return render_preview(
            plan,
            pending["token"],
            status=409,
            refusal=_l(
                "The saved organisations changed after your preview, so importing the file now "
                "would do something else. Nothing is imported. Below is what it would do now: "
                "check it, and import again if it is right."
            ),
        )
    if plan.can_apply:
        try:
            result = apply_import(plan)
        except DomainError as error:
            db.session.rollback()
            return render_preview(plan, pending["token"], status=400, refusal=error.message)
        flash(
            _(
                "Imported: %(created)s new and %(changed)s changed organisations.",
                created=result.created,
                changed=result.changed,
            ),
            "success",
        )
    else:
        flash(_("Nothing to import: the saved organisations already match the file."), "info")
    forget_pending_import()
    return redirect(url_for("organisations.index"))


def forget_pending_import() -> None:
    pending = session.pop(PENDING_IMPORT, None)
    if pending and pending.get("token"):
        discard_upload(pending["token"])


def render_preview(plan: ImportPlan, token: str, status: int = 200, refusal=None):
    form = RegisterConfirmForm(data={"token": token, "digest": plan.digest()}, formdata=None)
    return (
        render_template("organisations/import_preview.html", plan=plan, form=form, refusal=refusal),
        status,
    )
