"""The materials pages: a session's and a module's list with its upload form (staff), deleting
one, and the download every reader of a material uses."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker import bounds
from tracker.forms import form_status, save
from tracker.materials import storage
from tracker.materials.forms import DeleteMaterialForm, MaterialForm
from tracker.materials.models import Material
from tracker.materials.services import (
    Target,
    add_file,
    add_link,
    delete_material,
    get_material_or_404,
    materials_of,
)
from tracker.programmes.services import get_module_or_404, get_programme_or_404
from tracker.schedule.models import Session
from tracker.schedule.sessions import get_session_or_404

bp = Blueprint("materials", __name__)

UPLOADS = {"materials.for_session", "materials.for_module"}
# Room for the form's other fields and the multipart framing around the largest file.
FORM_OVERHEAD_BYTES = 64 * 1024
# A downloaded file is never run or shown as a page of this site, even by an old browser:
# no scripts, no plugins, a sandbox of its own.
DOWNLOAD_POLICY = "default-src 'none'; sandbox; frame-ancestors 'none'"


@bp.url_value_preprocessor
def allow_large_material_files(endpoint: str | None, values: dict | None) -> None:
    """The app's MAX_CONTENT_LENGTH (5 MB) keeps every other form small; an upload of a
    material may send up to MATERIALS_MAX_BYTES. Only for staff, who alone may upload (the
    CSRF check reads the body before the access table refuses anyone else). A URL value
    preprocessor, because it runs before the CSRF check reads the form."""
    if endpoint in UPLOADS and current_user.is_authenticated and current_user.is_staff:
        request.max_content_length = storage.max_bytes() + FORM_OVERHEAD_BYTES


def _max_mb() -> int:
    return storage.max_bytes() // (1024 * 1024)


def _add(form: MaterialForm, target: Target):
    """Save what the form holds: a file (read up to one byte past the limit, so a larger one
    is told as such without reading it all) or a link."""
    def change():
        if form.file.data is not None:
            upload = form.file.data
            data = upload.stream.read(storage.max_bytes() + 1)
            return add_file(target, filename=upload.filename or "", data=data, title=form.title.data)
        return add_link(target, url=form.url.data, title=form.title.data)

    return save(form, change)


def _page(target: Target, back: str):
    form = MaterialForm(max_mb=_max_mb())
    if saved := _add(form, target):
        flash(_("%(title)s is added.", title=saved.result.title), "success")
        return redirect(back)
    return render_template("materials/list.html", target=target, materials=materials_of(target),
                           form=form, delete_form=DeleteMaterialForm(), is_session=isinstance(target, Session),
                           here=request.path), form_status(form)


@bp.route("/schedule/sessions/<int:session_id>/materials", methods=["GET", "POST"])
def for_session(session_id: int):
    session = get_session_or_404(session_id, current_user)
    return _page(session, url_for("materials.for_session", session_id=session.id))


@bp.route("/programmes/<int:programme_id>/modules/<int:module_id>/materials", methods=["GET", "POST"])
def for_module(programme_id: int, module_id: int):
    module = get_module_or_404(get_programme_or_404(programme_id, current_user), module_id)
    return _page(module, url_for("materials.for_module", programme_id=programme_id, module_id=module.id))


def download_name(material: Material) -> str:
    """The name the file was uploaded with, as the upload let it in (check_filename); whatever
    else a database could hold loses its controls and path separators, so it cannot break the
    header or name a folder."""
    name = bounds.printable(material.filename or "").replace("/", "_").replace("\\", "_").strip()
    return name or f"material.{material.file_type}"


def _list_of(material: Material) -> str:
    if material.session_id is not None:
        return url_for("materials.for_session", session_id=material.session_id)
    return url_for("materials.for_module", programme_id=material.module.programme_id,
                   module_id=material.module_id)


@bp.get("/materials/<int:material_id>")
def download(material_id: int):
    """The material's file, as an attachment under the name it was uploaded with, of the type
    it was checked to be; a link's address is where it sends the reader."""
    material = get_material_or_404(material_id, current_user)
    if material.is_link:
        if material.web_address is None:
            abort(404)
        return redirect(material.web_address)  # an http(s) address a coordinator entered
    file_type = storage.FILE_TYPES[material.file_type]
    try:
        response = send_file(storage.path_of(material.storage_name), mimetype=file_type.mimetype,
                             as_attachment=True, download_name=download_name(material),
                             conditional=False, etag=False, max_age=0)
    except FileNotFoundError:
        current_app.logger.error("The file of material %s is missing", material.id)
        abort(404)
    response.headers["Content-Security-Policy"] = DOWNLOAD_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/materials/<int:material_id>/delete")
def delete(material_id: int):
    material = get_material_or_404(material_id, current_user)
    form = DeleteMaterialForm()
    back = _list_of(material)
    if save(form, lambda: delete_material(material)):
        flash(_("%(title)s is deleted.", title=material.title), "success")
    else:
        flash(_("The material was not deleted: the form had expired. Try again."), "danger")
    return redirect(back)


# `flask --app tracker materials sweep`: the blueprint's command group.
from tracker.materials import cli  # noqa: E402,F401
