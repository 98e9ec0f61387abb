"""The programme's survey instruments for staff: the list with each version, a version's whole
text, a new instrument (from a file or a copy), editing a version's texts in the page, and a
version as a JSON or Excel file.

Every change goes through the document (tracker.surveys.instruments): a page's form gives an
edited document, and `save_edit` saves it in the version. Only the newest version is edited; a
used one is first copied as the next version (`start_edit`), and every later save changes that
copy in place. The texts are edited a section at a time: the instrument's own (name, note,
scales, open questions) on one page, each part on its own (a part with many factors a page of
factors at a time), so no page holds more than about 150 fields.
"""
import re

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tracker.domain import DomainError
from tracker.extensions import db
from tracker.forms import form_status, save
from tracker.programmes.services import get_programme_or_404
from tracker.surveys.instrument_files import (
    MAX_FILE_BYTES,
    XLSX_TYPE,
    place_of,
    read_file,
    write_json,
    write_xlsx,
)
from tracker.surveys.instrument_forms import (
    AddForm,
    CopyForm,
    DeleteForm,
    MoveForm,
    StartForm,
    UploadForm,
    edit_form,
    factor_pages,
)
from tracker.surveys.instruments import (
    InstrumentFileError,
    add_to_document,
    create_instrument,
    get_instrument_or_404,
    get_version_or_404,
    delete_version,
    instruments_of,
    is_in_use,
    is_newest,
    move_in_document,
    rounds_of_version,
    rounds_per_version,
    save_edit,
    start_edit,
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


def _in_workbook(problem: str, places: dict) -> str:
    """A problem of a workbook's document said by the sheet, row and column it came from
    ("sheet Items, row 4, column statement_nn: the text is missing"); one with no such place
    said as in a JSON file."""
    where, colon, message = problem.partition(": ")
    place = place_of(where, places) if colon else None
    if place is None:
        return _in_words(problem)
    sheet, row, column = place
    if column is None:
        where = _("sheet %(sheet)s, row %(row)s", sheet=sheet, row=row)
    else:
        where = _("sheet %(sheet)s, row %(row)s, column %(column)s", sheet=sheet, row=row,
                  column=column)
    return f"{where}: {message}"


def _file_problems(error: DomainError, places: dict | None = None) -> list[str]:
    if places:
        return [_in_workbook(str(p), places) for p in getattr(error, "problems", [])]
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
    # An uploaded workbook's problems are named by its sheets, rows and columns.
    form.problems = _file_problems(error, getattr(form, "places", None))


@bp.get(PREFIX)
def index(programme_id: int):
    programme = get_programme_or_404(programme_id, current_user)
    return render_template("surveys/instruments/index.html", programme=programme,
                           instruments=instruments_of(programme),
                           rounds=rounds_per_version(programme.id))


def _read_upload(form: UploadForm) -> dict | None:
    """The uploaded file's document, or None with the refusal on the form."""
    upload = form.file.data
    form.places = {}
    try:
        return read_file(upload.filename or "", upload.read(MAX_FILE_BYTES + 1), form.places)
    except DomainError as error:
        _refuse(form, error)
        return None


@bp.route(PREFIX + "/new", methods=["GET", "POST"])
def new(programme_id: int):
    """A new instrument from an uploaded file; the page also offers a copy of a version."""
    programme = get_programme_or_404(programme_id, current_user)
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
    programme = get_programme_or_404(programme_id, current_user)
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
    programme = get_programme_or_404(programme_id, current_user)
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
    programme = get_programme_or_404(programme_id, current_user)
    instrument = get_instrument_or_404(programme, instrument_id)
    version = get_version_or_404(instrument, number)
    shown = request.args.get("language", "")
    if shown not in SHOWN:
        shown = ""
    rounds, first_opened = rounds_of_version(version)
    return render_template(
        "surveys/instruments/version.html", programme=programme, instrument=instrument,
        version=version, rounds=rounds, first_opened=first_opened, shown=shown,
        languages=LANGUAGES, newest=instrument.latest, start_form=_fresh(StartForm, instrument),
        delete_form=_fresh(DeleteForm, instrument),
        factor_pages=[factor_pages(part) for part in version_document(version)["parts"]])


def _loaded(programme_id: int, instrument_id: int, number: int):
    programme = get_programme_or_404(programme_id, current_user)
    instrument = get_instrument_or_404(programme, instrument_id)
    return programme, instrument, get_version_or_404(instrument, number)


def _conflict_values(instrument) -> dict:
    latest = instrument.latest
    return {_("Instrument"): instrument.name_nb, _("Latest version"): latest.number}


def _not_editable(programme, instrument, version, part=None):
    """The edit pages are for the newest version no round has used: an older version's page
    says which is newest; a used one's offers to make the next version as a copy."""
    if not is_newest(version):
        flash(_("Version %(n)s is not the newest, so it cannot be changed: version %(newest)s "
                "is the newest.", n=version.number, newest=instrument.latest.number), "warning")
        return redirect(url_for("instruments.version", programme_id=programme.id,
                                instrument_id=instrument.id, number=version.number))
    if is_in_use(version):
        return render_template("surveys/instruments/used.html", programme=programme,
                               instrument=instrument, version=version, part=part,
                               start_form=_fresh(StartForm, instrument))
    return None


def _part_of(document: dict, code) -> int | None:
    """The part (from 1) that is or holds the factor or item with this code; None for the
    instrument's own entries (open questions) or an unknown code."""
    for p, part in enumerate(document["parts"], 1):
        if part["code"] == code or any(
                factor["code"] == code or any(item["code"] == code for item in factor["items"])
                for factor in part["factors"]):
            return p
    return None


def _page_of(document: dict, part: int, code) -> int:
    """The edit page (from 1) of the part that shows the factor or item with this code."""
    for page, factors in enumerate(factor_pages(document["parts"][part - 1]), 1):
        for f in factors:
            factor = document["parts"][part - 1]["factors"][f]
            if factor["code"] == code or any(item["code"] == code for item in factor["items"]):
                return page
    return 1


def _after_save(programme, instrument, before, saved, part=None, page=1):
    if saved.id != before.id:
        flash(_("A survey round has used version %(used)s, so it stays as it was; your change "
                "is saved as version %(new)s.", used=before.number, new=saved.number), "warning")
    else:
        flash(_("Version %(n)s is saved.", n=saved.number), "success")
    if part is None:
        return redirect(url_for("instruments.edit", programme_id=programme.id,
                                instrument_id=instrument.id, number=saved.number))
    return redirect(url_for("instruments.edit_part", programme_id=programme.id,
                            instrument_id=instrument.id, number=saved.number, part=part,
                            page=page if page > 1 else None))


def _edit_page(programme, instrument, version, form, add_form, move_form, problems=(),
               part=None, page=1):
    document = version_document(version)
    status = max(form_status(form), form_status(add_form), form_status(move_form))
    pages = [factor_pages(p) for p in document["parts"]]
    return render_template(
        "surveys/instruments/edit.html", programme=programme, instrument=instrument,
        version=version, document=document, form=form, add_form=add_form,
        move_form=move_form, problems=problems, part=part, page=page, pages=pages,
        factors=pages[part - 1][page - 1] if part else None), status


@bp.route(VERSION + "/edit", methods=["GET", "POST"])
def edit(programme_id: int, instrument_id: int, number: int):
    """The instrument's own texts (name, note, scales, open questions), the parts' order, and
    links to each part's page."""
    programme, instrument, version = _loaded(programme_id, instrument_id, number)
    if request.method == "GET" and (refusal := _not_editable(programme, instrument, version)):
        return refusal
    document = version_document(version)
    form = edit_form(document, instrument)
    if saved := _save_document(form, version, lambda: form.apply(document)):
        return _after_save(programme, instrument, version, saved.result)
    return _edit_page(programme, instrument, version, form,
                      _fresh(AddForm, instrument, document=document),
                      _fresh(MoveForm, instrument), form.problems)


def _page_number(document: dict, part: int) -> int:
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() else 0
    if not 1 <= page <= len(factor_pages(document["parts"][part - 1])):
        abort(404)
    return page


@bp.route(VERSION + "/edit/parts/<int:part>", methods=["GET", "POST"])
def edit_part(programme_id: int, instrument_id: int, number: int, part: int):
    """One part's texts: its name, and its factors' and items' codes and texts (a part with
    many factors a page of them at a time)."""
    programme, instrument, version = _loaded(programme_id, instrument_id, number)
    document = version_document(version)
    if not 1 <= part <= len(document["parts"]):
        abort(404)
    page = _page_number(document, part)
    if request.method == "GET" and (
            refusal := _not_editable(programme, instrument, version, document["parts"][part - 1]["code"])):
        return refusal
    factors = factor_pages(document["parts"][part - 1])[page - 1]
    form = edit_form(document, instrument, part=part, factors=factors)
    if saved := _save_document(form, version, lambda: form.apply(document)):
        return _after_save(programme, instrument, version, saved.result, part, page)
    return _edit_page(programme, instrument, version, form,
                      _fresh(AddForm, instrument, document=document),
                      _fresh(MoveForm, instrument), form.problems, part, page)


@bp.post(VERSION + "/start-edit")
def start(programme_id: int, instrument_id: int, number: int):
    """Edit the newest version: a used one first becomes the next version, a copy."""
    programme, instrument, version = _loaded(programme_id, instrument_id, number)
    form = StartForm(record=instrument)
    if saved := save(form, lambda: start_edit(version, form.version.data), _conflict_values):
        editing = saved.result
        if editing.id != version.id:
            flash(_("Version %(used)s is used by rounds and stays as it is; you are editing "
                    "version %(new)s, a copy.", used=version.number, new=editing.number),
                  "warning")
        return redirect(url_for("instruments.edit", programme_id=programme.id,
                                instrument_id=instrument.id, number=editing.number))
    return render_template("surveys/instruments/used.html", programme=programme,
                           instrument=instrument, version=version,
                           start_form=form), form_status(form)


@bp.post(VERSION + "/delete")
def delete(programme_id: int, instrument_id: int, number: int):
    """Delete a version no round has used, once the box says the reader means it."""
    programme, instrument, version = _loaded(programme_id, instrument_id, number)
    form = DeleteForm(record=instrument)
    if save(form, lambda: delete_version(version, form.version.data), _conflict_values):
        flash(_("Version %(n)s is deleted.", n=number), "success")
        return redirect(url_for("instruments.version", programme_id=programme.id,
                                instrument_id=instrument.id, number=instrument.latest.number))
    rounds, first_opened = rounds_of_version(version)
    return render_template(
        "surveys/instruments/version.html", programme=programme, instrument=instrument,
        version=version, rounds=rounds, first_opened=first_opened, shown="",
        languages=LANGUAGES, newest=instrument.latest, start_form=_fresh(StartForm, instrument),
        delete_form=form,
        factor_pages=[factor_pages(part) for part in version_document(version)["parts"]]
    ), form_status(form)


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


def _back_to(document: dict, code) -> tuple[int | None, int]:
    """The edit page an add or move came from: the part (and its page) of the entry, else the
    instrument's page."""
    part = _part_of(document, code)
    return part, (_page_of(document, part, code) if part else 1)


@bp.post(VERSION + "/add")
def add(programme_id: int, instrument_id: int, number: int):
    """A new part, factor, item or question, saved at once."""
    programme, instrument, version = _loaded(programme_id, instrument_id, number)
    document = version_document(version)
    form = AddForm(document=document, record=instrument)
    # A new item or factor is edited on its parent's page; a part or question on the
    # instrument's.
    part, page = _back_to(document, form.parent.data) if form.kind.data in ("item", "factor") \
        else (None, 1)

    def make():
        return add_to_document(
            document, form.kind.data, form.parent.data, form.code.data,
            {language: form[f"text_{language}"].data for language in LANGUAGES},
            {language: form[f"name_{language}"].data or "" for language in LANGUAGES},
            form.factor_code.data or "", form.scale.data, form.reverse.data)

    if saved := _save_document(form, version, make):
        if part:
            # The new item or factor's page: a part's last page may be a new one.
            page = _page_of(version_document(saved.result), part, form.code.data)
        return _after_save(programme, instrument, version, saved.result, part, page)
    return _edit_page(programme, instrument, version,
                      _section_form(document, instrument, part, page), form,
                      _fresh(MoveForm, instrument), form.problems, part, page)


def _section_form(document, instrument, part, page):
    if part is None:
        return edit_form(document, instrument, fresh=True)
    return edit_form(document, instrument, fresh=True, part=part,
                     factors=factor_pages(document["parts"][part - 1])[page - 1])


@bp.post(VERSION + "/move")
def move(programme_id: int, instrument_id: int, number: int):
    """Move a part, factor, item or question up or down, or remove it, saved at once."""
    programme, instrument, version = _loaded(programme_id, instrument_id, number)
    document = version_document(version)
    form = MoveForm(record=instrument)
    code = form.code.data
    # A part's own move is on the instrument's page; a factor's or item's on its part's.
    part, page = (None, 1) if any(p["code"] == code for p in document["parts"]) \
        else _back_to(document, code)
    if saved := _save_document(
            form, version, lambda: move_in_document(document, code, form.action.data)):
        if part:
            new = version_document(saved.result)
            part = part if part <= len(new["parts"]) else None
            page = min(page, len(factor_pages(new["parts"][part - 1]))) if part else 1
        return _after_save(programme, instrument, version, saved.result, part, page)
    return _edit_page(programme, instrument, version,
                      _section_form(document, instrument, part, page),
                      _fresh(AddForm, instrument, document=document), form, form.problems,
                      part, page)


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
