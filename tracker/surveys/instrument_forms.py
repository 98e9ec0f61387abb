"""The instrument pages' forms: a file to upload, a version to copy, every text of a version
in one form, and the small forms that add, move or remove a part, factor, item or question.

The edit form is made for the version's document (`edit_form`): one field per text and
language, named by where the text sits, so a page without JavaScript edits everything at once.
"""
import copy

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from tracker.forms import Form, VersionedForm
from tracker.surveys.instruments import NOTE_LENGTH
from tracker.surveys.models import CODE_LENGTH, LANGUAGES, NAME_LENGTH, STATEMENT_LENGTH

LANGUAGE_NAMES = {"nb": _l("bokmål"), "nn": _l("nynorsk"), "en": _l("English")}


def strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class UploadForm(Form):
    file = FileField(
        _l("Instrument file"),
        validators=[FileRequired(_l("Choose a file to upload."))],
        description=_l("A JSON file (.json) or an Excel workbook (.xlsx) as the tracker writes "
                       "them: download a version to see the layout."),
    )


class CopyForm(Form):
    """A new instrument that starts as a copy of a version the programme has."""

    source = SelectField(_l("Version to copy"), validate_choice=False,
                         description=_l("The new instrument starts with this version's texts."))
    name_nb = StringField(_l("Name in bokmål"), filters=[strip], validators=[
        InputRequired(_l("Enter the name in bokmål.")), Length(max=NAME_LENGTH)])
    name_nn = StringField(_l("Name in nynorsk"), filters=[strip], validators=[
        InputRequired(_l("Enter the name in nynorsk.")), Length(max=NAME_LENGTH)])
    name_en = StringField(_l("Name in English"), filters=[strip], validators=[
        InputRequired(_l("Enter the name in English.")), Length(max=NAME_LENGTH)])

    def __init__(self, *args, versions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.source.choices = [SelectChoice(str(v.id), f"{v.instrument.name_nb} – {v.number}")
                               for v in versions]

    def validate_source(self, field) -> None:
        from wtforms.validators import ValidationError

        if field.data not in {choice.value for choice in self.source.choices}:
            raise ValidationError(_l("Choose a version to copy."))


class InstrumentForm(VersionedForm):
    """The instrument's record version rides along every edit form (see save_edit)."""


class StartForm(InstrumentForm):
    """Start editing the newest version (a used one is copied first)."""


class DeleteForm(InstrumentForm):
    """Delete a version no round has used: the box says the reader means it (the confirmation
    that works without JavaScript)."""

    sure = BooleanField(_l("Yes, delete this version"), validators=[
        InputRequired(_l("Tick the box to say you mean to delete the version."))])


class MoveForm(InstrumentForm):
    """Move a part, factor, item or question up or down among its siblings, or remove it."""

    code = HiddenField()
    action = SelectField(choices=[SelectChoice(a, a) for a in ("up", "down", "remove")],
                         validate_choice=False)

    def validate_action(self, field) -> None:
        from wtforms.validators import ValidationError

        if field.data not in ("up", "down", "remove"):
            raise ValidationError(_l("Choose to move or remove."))


KINDS = [SelectChoice("item", _l("Item")),
         SelectChoice("factor", _l("Factor (with its first item)")),
         SelectChoice("part", _l("Part (with its first factor and item)")),
         SelectChoice("question", _l("Open question"))]


def _text_field(label, length: int, required: bool = True, area: bool = False):
    field = TextAreaField if area else StringField
    validators = [InputRequired(_l("%(field)s: the text is missing.", field=label))
                  if required else Optional(), Length(max=length)]
    return field(label, filters=[strip], validators=validators)


class AddForm(InstrumentForm):
    """A new part, factor, item or open question, with its texts; the new factor or part comes
    with its first item, since none may be empty."""

    kind = SelectField(_l("What to add"), choices=KINDS)
    parent = SelectField(_l("Where"), validate_choice=False, description=_l(
        "The factor a new item joins, or the part a new factor joins. A new part or question "
        "comes last."))
    code = StringField(_l("Code"), filters=[strip], validators=[
        InputRequired(_l("Code: enter a code.")), Length(max=CODE_LENGTH)],
        description=_l("One word, unique in the instrument, such as PRO3 or PRO3a."))
    name_nb = _text_field(_l("Name of a new part or factor, bokmål"), NAME_LENGTH, False)
    name_nn = _text_field(_l("Name of a new part or factor, nynorsk"), NAME_LENGTH, False)
    name_en = _text_field(_l("Name of a new part or factor, English"), NAME_LENGTH, False)
    factor_code = StringField(_l("Code of the new factor's first item (for a new part: the "
                                 "factor's code)"), filters=[strip],
                              validators=[Optional(), Length(max=CODE_LENGTH)])
    text_nb = _text_field(_l("Statement or question, bokmål"), STATEMENT_LENGTH)
    text_nn = _text_field(_l("Statement or question, nynorsk"), STATEMENT_LENGTH)
    text_en = _text_field(_l("Statement or question, English"), STATEMENT_LENGTH)
    scale = SelectField(_l("Scale"), validate_choice=False)
    reverse = BooleanField(_l("Reverse-scored"),
                           description=_l("Agreeing says the group does worse."))

    def __init__(self, *args, document: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.parent.choices = [SelectChoice("", "–")] + [
            SelectChoice(part["code"], part["code"]) for part in document["parts"]] + [
            SelectChoice(factor["code"], factor["code"]) for part in document["parts"]
            for factor in part["factors"]]
        self.scale.choices = [SelectChoice(s["code"], s["code"]) for s in document["scales"]]


# One edit page holds at most about this many fields: a part with more factors is edited a
# page of factors at a time (the demo's 12 factors of two items would be ~200 fields at once).
PAGE_FIELDS = 130


def factor_pages(part: dict) -> list[range]:
    """The part's factors (0-based) on each of its edit pages, in order."""
    pages: list[range] = []
    start, count = 0, 4  # the part's code and names
    for index, factor in enumerate(part["factors"]):
        size = 4 + 6 * len(factor["items"])
        if index > start and count + size > PAGE_FIELDS:
            pages.append(range(start, index))
            start, count = index, 4
        count += size
    pages.append(range(start, len(part["factors"])))
    return pages


def edit_form(document: dict, record, fresh: bool = False, part: int | None = None,
              factors: range | None = None):
    """A form with the texts (nb, nn and en) of one section of `document`: without `part`, the
    instrument's name and note, its scales' labels and its open questions; with `part` (from
    1), that part's code and name and, of its factors `factors` (0-based, all when None),
    each factor's and item's code and texts, and each item's scale and reverse flag.
    `apply(document)` gives the document with that section edited."""
    fields: dict = {}
    data: dict = {}
    scales = [SelectChoice(s["code"], s["code"]) for s in document["scales"]]

    def texts(stem: str, label, value: dict, length: int, area: bool = False) -> None:
        for language in LANGUAGES:
            name = f"{stem}_{language}"
            fields[name] = _text_field(
                _l("%(what)s, %(language)s", what=label, language=LANGUAGE_NAMES[language]),
                length, area=area)
            data[name] = value.get(language, "")

    def code(stem: str, label, value: str) -> None:
        fields[f"{stem}_code"] = StringField(
            _l("Code of %(what)s", what=label), filters=[strip],
            validators=[InputRequired(_l("%(field)s: enter a code.", field=label)),
                        Length(max=CODE_LENGTH)])
        data[f"{stem}_code"] = value

    def shown(part_doc: dict) -> range:
        return factors if factors is not None else range(len(part_doc["factors"]))

    if part is None:
        texts("name", _l("Instrument's name"), document["name"], NAME_LENGTH)
        fields["note"] = TextAreaField(_l("What changed in this version"), filters=[strip],
                                       validators=[Optional(), Length(max=NOTE_LENGTH)])
        data["note"] = document.get("note") or ""
        for s, scale in enumerate(document["scales"], 1):
            for p, point in enumerate(scale["points"], 1):
                texts(f"scale{s}_point{p}_label", _l("Scale %(code)s, label of %(value)s",
                                               code=scale["code"], value=point["value"]),
                      point["label"], NAME_LENGTH)
        for q, question in enumerate(document["open_questions"], 1):
            stem = f"question{q}"
            code(stem, _l("question %(code)s", code=question["code"]), question["code"])
            texts(f"{stem}_text", _l("Question %(code)s", code=question["code"]),
                  question["text"], STATEMENT_LENGTH, area=True)
    else:
        p, part_doc = part, document["parts"][part - 1]
        stem = f"part{p}"
        code(stem, _l("part %(code)s", code=part_doc["code"]), part_doc["code"])
        texts(f"{stem}_name", _l("Part %(code)s", code=part_doc["code"]), part_doc["name"],
              NAME_LENGTH)
        for f in shown(part_doc):
            factor = part_doc["factors"][f]
            stem = f"part{p}_factor{f + 1}"
            code(stem, _l("factor %(code)s", code=factor["code"]), factor["code"])
            texts(f"{stem}_name", _l("Factor %(code)s", code=factor["code"]), factor["name"],
                  NAME_LENGTH)
            for i, item in enumerate(factor["items"], 1):
                stem = f"part{p}_factor{f + 1}_item{i}"
                code(stem, _l("item %(code)s", code=item["code"]), item["code"])
                texts(f"{stem}_statement", _l("Item %(code)s", code=item["code"]),
                      item["statement"], STATEMENT_LENGTH, area=True)
                fields[f"{stem}_scale"] = SelectField(
                    _l("Scale of item %(code)s", code=item["code"]), choices=scales)
                data[f"{stem}_scale"] = item["scale"]
                fields[f"{stem}_reverse"] = BooleanField(
                    _l("Item %(code)s is reverse-scored", code=item["code"]))
                data[f"{stem}_reverse"] = item["reverse"]

    def apply(self, base: dict) -> dict:
        edited = copy.deepcopy(base)

        def read(stem: str) -> dict:
            return {language: self[f"{stem}_{language}"].data for language in LANGUAGES}

        if part is None:
            edited["name"] = read("name")
            edited["note"] = self.note.data or ""
            for s, scale in enumerate(edited["scales"], 1):
                for p, point in enumerate(scale["points"], 1):
                    point["label"] = read(f"scale{s}_point{p}_label")
            for q, question in enumerate(edited["open_questions"], 1):
                question["code"] = self[f"question{q}_code"].data
                question["text"] = read(f"question{q}_text")
            return edited
        p, part_doc = part, edited["parts"][part - 1]
        part_doc["code"], part_doc["name"] = self[f"part{p}_code"].data, read(f"part{p}_name")
        for f in shown(part_doc):
            factor = part_doc["factors"][f]
            stem = f"part{p}_factor{f + 1}"
            factor["code"], factor["name"] = self[f"{stem}_code"].data, read(f"{stem}_name")
            for i, item in enumerate(factor["items"], 1):
                stem = f"part{p}_factor{f + 1}_item{i}"
                item["code"] = self[f"{stem}_code"].data
                item["statement"] = read(f"{stem}_statement")
                item["scale"] = self[f"{stem}_scale"].data
                item["reverse"] = bool(self[f"{stem}_reverse"].data)
        return edited

    form_class = type("VersionTextsForm", (InstrumentForm,), {**fields, "apply": apply})
    if not fresh:
        return form_class(record=record, data=data)
    # Drawn beside another form's answer: from the document, not that form's posted fields.
    form = form_class(formdata=None, record=record, data=data)
    form.version.data = record.version
    return form
