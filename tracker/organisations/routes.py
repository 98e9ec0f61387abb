from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import false

from tracker import bounds
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.forms import form_status, save
from tracker.groups.services import participation_history
from tracker.organisations.forms import (
    DeleteOrganisationForm,
    EditOrganisationForm,
    MergeForm,
    OrganisationForm,
    RegisterConfirmForm,
    RegisterUploadForm,
)
from tracker.organisations.models import Organisation
from tracker.organisations.register_import import (
    Deadline,
    ImportPlan,
    apply_import,
    discard_upload,
    load_upload,
    plan_import,
    read_upload,
    store_upload,
)
from tracker.organisations.services import (
    create_organisation,
    delete_organisation,
    get_organisation_or_404,
    merge_organisations,
    by_ministry,
    organisation_list,
    references_to,
    update_organisation,
)

bp = Blueprint("organisations", __name__)

# The session remembers which kept file this user previewed, and the digest of its plan.
PENDING_IMPORT = "register_import"


# Organisations on a page of the list: the sector has hundreds, the register thousands.
PER_PAGE = 50


@bp.get("/")
def index():
    label = _("Search by name or organisation number")
    search, error = bounds.search_text(label)
    if error:
        # Refused like a field: the page says what is wrong with the search and lists nothing.
        page = db.paginate(organisation_list(current_user).where(false()), page=1,
                           per_page=PER_PAGE, error_out=False)
        return render_template("organisations/index.html", page=page, sections=[],
                               search=search, search_label=label, search_error=error), 400
    page = bounds.page_of(organisation_list(current_user, search), PER_PAGE)
    return render_template("organisations/index.html", page=page, sections=by_ministry(page.items),
                           search=search, search_label=label)


@bp.get("/<int:organisation_id>")
def detail(organisation_id: int):
    organisation = get_organisation_or_404(organisation_id, current_user)
    return render_template(
        "organisations/detail.html",
        organisation=organisation,
        enrolments=db.session.scalars(participation_history(organisation, current_user)).all(),
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


@bp.url_value_preprocessor
def allow_large_register_files(endpoint: str | None, values: dict | None) -> None:
    """The register's bulk download of 100,000 units is about 15 MB, more than the app's
    MAX_CONTENT_LENGTH of 5 MB that every other form keeps. The upload alone may send up to
    REGISTER_IMPORT_MAX_BYTES. (A URL value preprocessor, because it runs before the CSRF check
    reads the form; a before_request would run after it.)"""
    # Only for staff, who alone may import: anyone else's body stays under the app's limit
    # (the CSRF check reads it before the access table refuses the request).
    if endpoint == "organisations.import_upload" and current_user.is_authenticated \
            and current_user.is_staff:
        request.max_content_length = current_app.config.get(
            "REGISTER_IMPORT_MAX_BYTES", 40 * 1024 * 1024)


@bp.route("/import", methods=["GET", "POST"])
def import_upload():
    """Upload a register file and preview what importing it would do; nothing is written yet.

    The file's rows are kept on the server under a random token that only this user's (signed)
    session knows, so the confirm step reads exactly what was previewed, never what a client
    sends back (register_import explains why not a hidden field).
    """
    form = RegisterUploadForm()
    if form.validate_on_submit():
        try:
            deadline = Deadline()
            parsed = read_upload(form.file.data.read(), deadline)
            plan = plan_import(parsed, deadline)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            forget_pending_import()
            token = store_upload(parsed)
            session[PENDING_IMPORT] = {
                "token": token,
                "digest": plan.digest(),
                "user": current_user.id,
            }
            return render_preview(plan, token)
    return render_template("organisations/import.html", form=form), form_status(form)


@bp.post("/import/confirm")
def import_confirm():
    """Apply the ticked rows of the previewed file in one transaction, if the file still plans
    what the preview showed."""
    form = RegisterConfirmForm()
    pending = session.get(PENDING_IMPORT) or {}
    parsed = None
    if (
        form.validate_on_submit()
        and pending.get("user") == current_user.id
        and form.token.data == pending.get("token")
    ):
        parsed = load_upload(pending["token"])
    try:
        plan = plan_import(parsed, Deadline()) if parsed is not None else None
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
    ticked = form.lines()
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
    try:
        result = apply_import(plan, ticked)
    except DomainError as error:
        db.session.rollback()
        return render_preview(plan, pending["token"], status=400, refusal=error.message,
                              ticked=set(ticked))
    flash(
        _(
            "Imported: %(created)s and %(changed)s.",
            created=ngettext("%(num)s new organisation", "%(num)s new organisations", result.created),
            changed=ngettext("%(num)s changed", "%(num)s changed", result.changed),
        ),
        "success",
    )
    forget_pending_import()
    return redirect(url_for("organisations.index"))


def forget_pending_import() -> None:
    pending = session.pop(PENDING_IMPORT, None)
    if pending and pending.get("token"):
        discard_upload(pending["token"])


def render_preview(plan: ImportPlan, token: str, status: int = 200, refusal=None, ticked=None):
    """The preview; `ticked` are the lines ticked when it is shown again, else every listed new
    and changed row."""
    form = RegisterConfirmForm(data={"token": token, "digest": plan.digest()}, formdata=None)
    if ticked is None:
        ticked = set(plan.selectable)
    return (
        render_template("organisations/import_preview.html", plan=plan, form=form,
                        refusal=refusal, ticked=ticked),
        status,
    )


@bp.route("/<int:organisation_id>/merge", methods=["GET", "POST"])
def merge(organisation_id: int):
    """Merge an organisation into another (a duplicate, or one absorbed by another), or delete
    it when nothing refers to it."""
    organisation = get_organisation_or_404(organisation_id, current_user)
    form = MergeForm(organisation=organisation)
    delete_form = DeleteOrganisationForm(record=organisation, formdata=None)
    name = organisation.name_nb
    if form.validate_on_submit() and form.survivor() is None:
        form.into.errors = [_("Choose the organisation to keep.")]
    elif saved := save(
        form,
        lambda: merge_organisations(organisation, form.survivor(), version=form.version.data),
        lambda record: {form.into.label.text: record.name_nb},
    ):
        survivor = form.survivor()
        flash(_("%(name)s is merged into %(survivor)s.", name=name, survivor=survivor.name_nb),
              "success")
        del saved
        return redirect(url_for("organisations.detail", organisation_id=survivor.id))
    return render_merge(organisation, form, delete_form)


def render_merge(organisation, form, delete_form, refusal=None):
    status = form_status(form) if refusal is None else 400
    return (
        render_template("organisations/merge.html", organisation=organisation, form=form,
                        delete_form=delete_form, references=references_to(organisation),
                        refusal=refusal),
        status,
    )


@bp.post("/<int:organisation_id>/delete")
def delete(organisation_id: int):
    organisation = get_organisation_or_404(organisation_id, current_user)
    form = DeleteOrganisationForm(record=organisation)
    name = organisation.name_nb
    if save(form, lambda: delete_organisation(organisation, version=form.version.data)):
        flash(_("%(name)s is deleted.", name=name), "success")
        return redirect(url_for("organisations.index"))
    merge_form = MergeForm(organisation=organisation, formdata=None)
    refusal = " ".join(form.form_errors) or None
    if refusal is None and form.errors:
        refusal = " ".join(str(e) for errors in form.errors.values() for e in errors)
    return render_merge(organisation, merge_form, form, refusal=refusal or "")
