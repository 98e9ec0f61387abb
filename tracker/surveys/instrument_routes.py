"""The programme's survey instruments for staff: the list with each version, a version's whole
text, a new instrument (from a file or a copy), editing a version's texts in the page, and a
version as a JSON or Excel file.

Every change goes through the document (tracker.surveys.instruments): the page's form gives an
edited document, and `save_edit` saves it in place while no round has used the version, or as
the next version once one has.
"""
import re

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker.domain import DomainError
from tracker.extensions import db
from tracker.forms import form_status, save
from tracker.programmes.services import get_programme_or_404
from tracker.surveys.instrument_files import (
    MAX_FILE_BYTES,
    XLSX_TYPE,
    read_file,
    write_json,
    write_xlsx,
)
from tracker.surveys.instrument_forms import (
    AddForm,
    CopyForm,
    MoveForm,
    UploadForm,
    edit_form,
)
from tracker.surveys.instruments import (
    InstrumentFileError,
    add_to_document,
    create_instrument,
    get_instrument_or_404,
    get_version_or_404,
    instruments_of,
    is_in_use,
    move_in_document,
    rounds_per_version,
    save_edit,
    upload_version,
    version_document,
)
from tracker.surveys.models import LANGUAGES, InstrumentVersion

bp = Blueprint("instruments", __name__)

PREFIX = "/programmes/<int:programme_id>/instruments"
VERSION = PREFIX + "/<int:instrument_id>/versions/<int:number>"
# The version page shows the reader's language, one chosen language, or all three side by side.
SHOWN = ("nb", "nn", "en", "all")


@bp.url_value_preprocessor
def limit_uploads(endpoint: str | None, values: dict | None) -> None:
    """An instrument file is small: the upload pages take no more than the file's limit and
    its form (a URL value preprocessor, because it runs before the CSRF check reads the body)."""
    if endpoint in ("instruments.new", "instruments.upload"):
        request.max_content_length = MAX_FILE_BYTES + 64 * 1024


# The document's check names where a problem is in its own words ("parts 2 › factors 1 ›
# items 3 › statement (nn)"); the page says them in the reader's language.
LISTS = {
    "parts": (_l("parts"), _l("part %(n)s")),
    "factors": (_l("factors"), _l("factor %(n)s")),
    "items": (_l("items"), _l("item %(n)s")),
    "scales": (_l("scales"), _l("scale %(n)s")),
    "points": (_l("points"), _l("point %(n)s")),
    "open questions": (_l("open questions"), _l("open question %(n)s")),
}
FIELDS = {"name": _l("name"), "statement": _l("statement"), "code": _l("code"),
          "scale": _l("scale"), "reverse": _l("reverse-scored"), "label": _l("label"),
          "text": _l("text"), "value": _l("value"), "note": _l("note"), "format": _l("format")}
PLACE = re.compile(r"^(open questions|parts|factors|items|scales|points)(?: (\d+))?$")
FIELD = re.compile(r"^(\w+)( \((?:nb|nn|en)\))?$")


def _in_words(problem: str) -> str:
    """A problem with its place said in the reader's language; any other text as it is."""
    where, colon, message = problem.partition(": ")
    if not colon:
        return problem
    words = []
    for step in where.split(" › "):
        if place := PLACE.match(step):
            plural, one = LISTS[place.group(1)]
            words.append(str(one % {"n": place.group(2)}) if place.group(2) else str(plural))
        elif (field := FIELD.match(step)) and field.group(1) in FIELDS:
            words.append(str(FIELDS[field.group(1)]) + (field.group(2) or ""))
        else:
            return problem
    return f"{' › '.join(words)}: {message}"


def _file_problems(error: DomainError) -> list[str]:
    return [_in_words(str(p)) for p in getattr(error, "problems", [])]


def _listed(error: DomainError) -> DomainError:
    """A document's problems are listed on the page one by one: the refusal beside the field
    only says so."""
    if isinstance(error, InstrumentFileError):
        return DomainError(_l("The instrument has problems, listed below; nothing is saved."),
                           field=error.field)
    return error


def _refuse(form, error: DomainError) -> None:
    form.add_domain_error(_listed(error))
    form.problems = _file_problems(error)


@bp.get(PREFIX)
def index(programme_id: int):
    programme = get_programme_or_404(programme_id)
    return render_template("surveys/instruments/index.html", programme=programme,
                           instruments=instruments_of(programme),
                           rounds=rounds_per_version(programme.id))


def _read_upload(form: UploadForm) -> dict | None:
    """The uploaded file's document, or None with the refusal on the form."""
    upload = form.file.data
    try:
        return read_file(upload.filename or "", upload.read(MAX_FILE_BYTES + 1))
    except DomainError as error:
        _refuse(form, error)
        return None


@bp.route(PREFIX + "/new", methods=["GET", "POST"])
def new(programme_id: int):
    """A new instrument from an uploaded file; the page also offers a copy of a version."""
    programme = get_programme_or_404(programme_id)
    form = UploadForm()
    form.problems = []
    if form.validate_on_submit() and (document := _read_upload(form)) is not None:
        try:
            instrument = create_instrument(programme, document)
        except DomainError as error:
            db.session.rollback()
            _refuse(form, error)
        else:
            db.session.flush()
            flash(_("The instrument %(name)s is saved as version 1.", name=instrument.name_nb),
                  "success")
            return redirect(url_for("instruments.version", programme_id=programme.id,
                                    instrument_id=instrument.id, number=1))
    return _new_page(programme, form, _copy_form(programme, fresh=True))


def _copy_form(programme, fresh: bool = False) -> CopyForm:
    """The copy form; `fresh` draws it empty beside the upload form's answer."""
    versions = [v for i in instruments_of(programme) for v in i.versions]
    if fresh:
        return CopyForm(formdata=None, versions=versions)
    return CopyForm(versions=versions)


def _new_page(programme, upload_form, copy_form):
    status = max(form_status(upload_form), form_status(copy_form))
    return render_template("surveys/instruments/new.html", programme=programme,
                           form=upload_form, copy_form=copy_form), status


@bp.post(PREFIX + "/copy")
def copy(programme_id: int):
    """A new instrument whose first version is a copy of a version's texts, under new names."""
    programme = get_programme_or_404(programme_id)
    form = _copy_form(programme)
    form.problems = []

    def make():
        source = db.session.get(InstrumentVersion, int(form.source.data))
        document = version_document(source)
        document["name"] = {language: form[f"name_{language}"].data for language in LANGUAGES}
        document["example"] = False
        document["note"] = ""
        return create_instrument(programme, document)

    if saved := save(form, make):
        flash(_("The copy is saved as a new instrument."), "success")
        return redirect(url_for("instruments.version", programme_id=programme.id,
                                instrument_id=saved.result.id, number=1))
    upload_form = UploadForm(formdata=None)
    upload_form.problems = []
    return _new_page(programme, upload_form, form)


@bp.route(PREFIX + "/<int:instrument_id>/upload", methods=["GET", "POST"])
def upload(programme_id: int, instrument_id: int):
    """A file as the instrument's next version."""
    programme = get_programme_or_404(programme_id)
    instrument = get_instrument_or_404(programme, instrument_id)
    form = UploadForm()
    form.problems = []
    if form.validate_on_submit() and (document := _read_upload(form)) is not None:
        try:
            version = upload_version(instrument, document)
        except DomainError as error:
            db.session.rollback()
            _refuse(form, error)
        else:
            flash(_("The file is saved as version %(n)s.", n=version.number), "success")
            return redirect(url_for("instruments.version", programme_id=programme.id,
                                    instrument_id=instrument.id, number=version.number))
    return render_template("surveys/instruments/upload.html", programme=programme,
                           instrument=instrument, form=form), form_status(form)


@bp.get(VERSION)
def version(programme_id: int, instrument_id: int, number: int):
    programme = get_programme_or_404(programme_id)
    instrument = get_instrument_or_404(programme, instrument_id)
    version = get_version_or_404(instrument, number)
    shown = request.args.get("language", "")
    if shown not in SHOWN:
        shown = ""
    return render_template(
        "surveys/instruments/version.html", programme=programme, instrument=instrument,
        version=version, rounds=rounds_per_version(programme.id).get(version.id, 0),
        shown=shown, languages=LANGUAGES)


def _saved_message(before: InstrumentVersion, saved: InstrumentVersion) -> None:
    if saved.id != before.id:
        flash(_("A survey round has used version %(used)s, so it stays as it was; your change "
                "is saved as version %(new)s.", used=before.number, new=saved.number), "warning")
    else:
        flash(_("Version %(n)s is saved.", n=saved.number), "success")


def _edit_page(programme, instrument, version, form, add_form, move_form, problems=()):
    status = max(form_status(form), form_status(add_form), form_status(move_form))
    return render_template(
        "surveys/instruments/edit.html", programme=programme, instrument=instrument,
        version=version, document=version_document(version), form=form, add_form=add_form,
        move_form=move_form, problems=problems, in_use=is_in_use(version)), status


def _loaded(programme_id: int, instrument_id: int, number: int):
    programme = get_programme_or_404(programme_id)
    instrument = get_instrument_or_404(programme, instrument_id)
    return programme, instrument, get_version_or_404(instrument, number)


def _conflict_values(instrument) -> dict:
    latest = instrument.latest
    return {_("Instrument"): instrument.name_nb, _("Latest version"): latest.number}


def _after_save(programme, instrument, before, saved):
    _saved_message(before, saved)
    return redirect(url_for("instruments.edit", programme_id=programme.id,
                            instrument_id=instrument.id, number=saved.number))


@bp.route(VERSION + "/edit", methods=["GET", "POST"])
def edit(programme_id: int, instrument_id: int, number: int):
    """Every text of the version in one form."""
    programme, instrument, version = _loaded(programme_id, instrument_id, number)
    document = version_document(version)
    form = edit_form(document, instrument)
    if saved := _save_document(form, version, lambda: form.apply(document)):
        return _after_save(programme, instrument, version, saved.result)
    return _edit_page(programme, instrument, version, form,
                      _fresh(AddForm, instrument, document=document),
                      _fresh(MoveForm, instrument), form.problems)


def _fresh(form_class, instrument, **kwargs):
    """A form drawn empty beside another form's answer (a POST would otherwise fill it from
    the other form's fields), opened at the instrument's version now."""
    form = form_class(formdata=None, record=instrument, **kwargs)
    form.version.data = instrument.version
    return form


def _save_document(form, version, make):
    """`save` for the page's forms: the edited document saved by `save_edit`, keeping a
    document's problems (InstrumentFileError) on the form for the page's list."""
    form.problems = []

    def change():
        try:
            return save_edit(version, make(), form.version.data)
        except InstrumentFileError as error:
            form.problems = _file_problems(error)
            raise _listed(error) from None

    return save(form, change, _conflict_values)


@bp.post(VERSION + "/add")
def add(programme_id: int, instrument_id: int, number: int):
    """A new part, factor, item or question, saved at once."""
    programme, instrument, version = _loaded(programme_id, instrument_id, number)
    document = version_document(version)
    form = AddForm(document=document, record=instrument)

    def make():
        return add_to_document(
            document, form.kind.data, form.parent.data, form.code.data,
            {language: form[f"text_{language}"].data for language in LANGUAGES},
            {language: form[f"name_{language}"].data or "" for language in LANGUAGES},
            form.factor_code.data or "", form.scale.data, form.reverse.data)

    if saved := _save_document(form, version, make):
        return _after_save(programme, instrument, version, saved.result)
    return _edit_page(programme, instrument, version, edit_form(document, instrument, fresh=True),
                      form, _fresh(MoveForm, instrument), form.problems)


@bp.post(VERSION + "/move")
def move(programme_id: int, instrument_id: int, number: int):
    """Move a part, factor, item or question up or down, or remove it, saved at once."""
    programme, instrument, version = _loaded(programme_id, instrument_id, number)
    document = version_document(version)
    form = MoveForm(record=instrument)
    if saved := _save_document(
            form, version, lambda: move_in_document(document, form.code.data, form.action.data)):
        return _after_save(programme, instrument, version, saved.result)
    return _edit_page(programme, instrument, version, edit_form(document, instrument, fresh=True),
                      _fresh(AddForm, instrument, document=document), form, form.problems)


def _file_name(instrument, version, suffix: str) -> str:
    return f"instrument-{instrument.id}-version-{version.number}.{suffix}"


@bp.get(VERSION + ".json")
def export_json(programme_id: int, instrument_id: int, number: int):
    _programme, instrument, version = _loaded(programme_id, instrument_id, number)
    return Response(write_json(version_document(version)), mimetype="application/json",
                    headers={"Content-Disposition":
                             f'attachment; filename="{_file_name(instrument, version, "json")}"'})


@bp.get(VERSION + ".xlsx")
def export_xlsx(programme_id: int, instrument_id: int, number: int):
    _programme, instrument, version = _loaded(programme_id, instrument_id, number)
    return Response(write_xlsx(version_document(version)), mimetype=XLSX_TYPE,
                    headers={"Content-Disposition":
                             f'attachment; filename="{_file_name(instrument, version, "xlsx")}"'})
