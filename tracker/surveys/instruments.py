"""An instrument's texts as one document, the shape its files (JSON and XLSX) and the demo
share, and the rule that a version a round has used is never changed.

The document:

    {"format": "tracker-instrument/1",
     "name": {"nb": …, "nn": …, "en": …},
     "example": false,
     "note": "what changed in this version",            (optional)
     "scales": [{"code": "agree5",
                 "points": [{"value": 1, "label": {"nb": …, "nn": …, "en": …}}, …]}],
     "parts": [{"code": "P", "name": {…},
                "factors": [{"code": "P1", "name": {…},
                             "items": [{"code": "P1a", "statement": {…},
                                        "scale": "agree5", "reverse": false}]}]}],
     "open_questions": [{"code": "O1", "text": {…}}]}

Every text is needed in all three languages; codes are unique in the whole document. A file
with problems is refused as a whole, with every problem named by where it is
("parts 2 › factors 1 › items 3 › statement (nn)").
"""
from dataclasses import dataclass, field

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select

from tracker.bounds import has_control_characters
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.programmes.models import Programme
from tracker.surveys.models import (
    CODE_LENGTH,
    LANGUAGES,
    NAME_LENGTH,
    STATEMENT_LENGTH,
    Factor,
    Instrument,
    InstrumentVersion,
    Item,
    OpenQuestion,
    Part,
    Scale,
    ScalePoint,
    SurveyRound,
)

FORMAT = "tracker-instrument/1"
# A scale has two to eleven points (0–10 at most), each a whole number.
SCALE_POINTS = (2, 11)
SCALE_VALUES = (0, 10)
# How much one document may hold: far above any real instrument, far below a page's worth of
# rows that would slow the answer form down.
LIMITS = {"parts": 10, "factors": 60, "items": 300, "open_questions": 20, "scales": 10}
NOTE_LENGTH = 2000


class InstrumentFileError(DomainError):
    """A document that cannot be an instrument version: every problem found, in order."""

    def __init__(self, problems: list[str], field: str | None = "file"):
        super().__init__(
            _l("The instrument cannot be read: %(problems)s", problems="; ".join(problems[:20])
               + (" …" if len(problems) > 20 else "")),
            field=field,
        )
        self.problems = problems


@dataclass
class _Checker:
    problems: list[str] = field(default_factory=list)
    codes: set[str] = field(default_factory=set)

    def add(self, where: str, message) -> None:
        self.problems.append(f"{where}: {message}")

    def texts(self, where: str, value, length: int = NAME_LENGTH) -> dict[str, str]:
        if not isinstance(value, dict):
            self.add(where, _l("give the text in nb, nn and en"))
            return {}
        texts = {}
        for language in LANGUAGES:
            text = value.get(language)
            text = text.strip() if isinstance(text, str) else ""
            if not text:
                self.add(f"{where} ({language})", _l("the text is missing"))
            elif len(text) > length:
                self.add(f"{where} ({language})", _l("use at most %(n)s characters", n=length))
            elif has_control_characters(text):
                self.add(f"{where} ({language})", _l("the text holds a control character"))
            texts[language] = text
        return texts

    def code(self, where: str, value) -> str:
        code = value.strip() if isinstance(value, str) else ""
        if not code:
            self.add(f"{where} › code", _l("the code is missing"))
        elif len(code) > CODE_LENGTH or has_control_characters(code) or " " in code:
            self.add(f"{where} › code",
                     _l("a code is one word of at most %(n)s characters", n=CODE_LENGTH))
        elif code.casefold() in self.codes:
            self.add(f"{where} › code", _l("the code %(code)s is used twice", code=code))
        else:
            self.codes.add(code.casefold())
        return code

    def listed(self, document: dict, key: str, where: str, required: bool = True) -> list:
        value = document.get(key, [] if not required else None)
        if not isinstance(value, list) or (required and not value):
            self.add(where, _l("give at least one"))
            return []
        if len(value) > LIMITS.get(key, 1000):
            self.add(where, _l("at most %(n)s", n=LIMITS[key]))
            return []
        return [v if isinstance(v, dict) else {} for v in value]


def check_document(document) -> dict:
    """The document with its texts stripped, checked as a whole.

    :raise InstrumentFileError: listing every problem, each with where it is.
    """
    if not isinstance(document, dict):
        raise InstrumentFileError([str(_l("the file does not hold an instrument"))])
    check = _Checker()
    if document.get("format", FORMAT) != FORMAT:
        check.add("format", _l("this is not a file of this version of the tracker (%(format)s)",
                               format=FORMAT))
    clean = {
        "format": FORMAT,
        "name": check.texts("name", document.get("name")),
        "example": bool(document.get("example", False)),
        "note": document.get("note") if isinstance(document.get("note"), str) else "",
        "scales": [],
        "parts": [],
        "open_questions": [],
    }
    if len(clean["note"]) > NOTE_LENGTH:
        check.add("note", _l("use at most %(n)s characters", n=NOTE_LENGTH))
    scale_codes: set[str] = set()
    for s, scale in enumerate(check.listed(document, "scales", "scales"), 1):
        where = f"scales {s}"
        code = check.code(where, scale.get("code"))
        scale_codes.add(code)
        points = []
        raw_points = scale.get("points")
        if (not isinstance(raw_points, list)
                or not SCALE_POINTS[0] <= len(raw_points) <= SCALE_POINTS[1]):
            check.add(f"{where} › points", _l("a scale has from %(low)s to %(high)s points",
                                              low=SCALE_POINTS[0], high=SCALE_POINTS[1]))
            raw_points = []
        values = []
        for p, point in enumerate(raw_points, 1):
            point = point if isinstance(point, dict) else {}
            value = point.get("value")
            if (not isinstance(value, int) or isinstance(value, bool)
                    or not SCALE_VALUES[0] <= value <= SCALE_VALUES[1]):
                check.add(f"{where} › points {p} › value",
                          _l("a whole number from %(low)s to %(high)s", low=SCALE_VALUES[0],
                             high=SCALE_VALUES[1]))
                continue
            values.append(value)
            points.append({"value": value,
                           "label": check.texts(f"{where} › points {p} › label", point.get("label"))})
        if values and values != list(range(min(values), min(values) + len(values))):
            check.add(f"{where} › points", _l("the values go up by one, lowest first"))
        clean["scales"].append({"code": code, "points": points})
    for p, part in enumerate(check.listed(document, "parts", "parts"), 1):
        where = f"parts {p}"
        factors = []
        for f, factor in enumerate(check.listed(part, "factors", f"{where} › factors"), 1):
            here = f"{where} › factors {f}"
            items = []
            for i, item in enumerate(check.listed(factor, "items", f"{here} › items"), 1):
                there = f"{here} › items {i}"
                scale = item.get("scale")
                if not isinstance(scale, str) or scale.strip() not in scale_codes:
                    check.add(f"{there} › scale", _l("%(scale)s is not one of the file's scales",
                                                     scale=str(scale)[:CODE_LENGTH]))
                reverse = item.get("reverse", False)
                if not isinstance(reverse, bool):
                    check.add(f"{there} › reverse", _l("true or false"))
                items.append({
                    "code": check.code(there, item.get("code")),
                    "statement": check.texts(f"{there} › statement", item.get("statement"),
                                             STATEMENT_LENGTH),
                    "scale": scale.strip() if isinstance(scale, str) else "",
                    "reverse": reverse is True,
                })
            factors.append({"code": check.code(here, factor.get("code")),
                            "name": check.texts(f"{here} › name", factor.get("name")),
                            "items": items})
        clean["parts"].append({"code": check.code(where, part.get("code")),
                               "name": check.texts(f"{where} › name", part.get("name")),
                               "factors": factors})
    for number, name in (("factors", "factors"), ("items", "items")):
        count = sum(len(f[name]) if name == "factors" else sum(len(x["items"]) for x in f["factors"])
                    for f in clean["parts"])
        if count > LIMITS[number]:
            check.add(number, _l("at most %(n)s", n=LIMITS[number]))
    for q, question in enumerate(
            check.listed(document, "open_questions", "open questions", required=False), 1):
        where = f"open questions {q}"
        clean["open_questions"].append({
            "code": check.code(where, question.get("code")),
            "text": check.texts(f"{where} › text", question.get("text"), STATEMENT_LENGTH),
        })
    if check.problems:
        raise InstrumentFileError(check.problems)
    return clean


def _languages(stem: str, texts: dict[str, str]) -> dict[str, str]:
    return {f"{stem}_{language}": texts[language] for language in LANGUAGES}


def _fill(version: InstrumentVersion, document: dict) -> None:
    scales = {}
    for scale_doc in document["scales"]:
        scale = Scale(code=scale_doc["code"], points=[
            ScalePoint(value=point["value"], **_languages("label", point["label"]))
            for point in scale_doc["points"]
        ])
        scales[scale.code] = scale
        version.scales.append(scale)
    for p, part_doc in enumerate(document["parts"], 1):
        part = Part(code=part_doc["code"], position=p, **_languages("name", part_doc["name"]))
        version.parts.append(part)
        for f, factor_doc in enumerate(part_doc["factors"], 1):
            factor = Factor(code=factor_doc["code"], position=f, version=version,
                            **_languages("name", factor_doc["name"]))
            part.factors.append(factor)
            for i, item_doc in enumerate(factor_doc["items"], 1):
                factor.items.append(Item(
                    code=item_doc["code"], position=i, version=version,
                    scale=scales[item_doc["scale"]], reverse=item_doc["reverse"],
                    **_languages("statement", item_doc["statement"])))
    for q, question_doc in enumerate(document["open_questions"], 1):
        version.open_questions.append(OpenQuestion(
            code=question_doc["code"], position=q, **_languages("text", question_doc["text"])))


def create_instrument(programme: Programme, document) -> Instrument:
    """A new instrument of the programme, its first version made from `document`.

    :raise InstrumentFileError: when the document is not a whole instrument.
    """
    document = check_document(document)
    instrument = Instrument(programme=programme, is_example=document["example"],
                            **_languages("name", document["name"]))
    db.session.add(instrument)
    add_version(instrument, document)
    return instrument


def add_version(instrument: Instrument, document) -> InstrumentVersion:
    """The instrument's next version, made from `document`; the instrument takes the
    document's name. Earlier versions stay as they are, for the rounds that used them.

    :raise InstrumentFileError: when the document is not a whole instrument.
    """
    document = check_document(document)
    for key, value in _languages("name", document["name"]).items():
        setattr(instrument, key, value)
    number = (db.session.scalar(
        select(func.max(InstrumentVersion.number))
        .where(InstrumentVersion.instrument_id == instrument.id)
    ) if instrument.id else None) or 0
    version = InstrumentVersion(instrument=instrument, number=number + 1, note=document["note"])
    _fill(version, document)
    db.session.add(version)
    db.session.flush()
    return version


def is_in_use(version: InstrumentVersion) -> bool:
    """Whether a round was sent with this version: then it is never changed."""
    return bool(db.session.scalar(
        select(exists().where(SurveyRound.version_id == version.id))))


def replace_contents(version: InstrumentVersion, document) -> InstrumentVersion:
    """Put `document`'s texts in place of the version's, while no round uses it.

    :raise DomainError: when a round has used the version (make a new version instead).
    :raise InstrumentFileError: when the document is not a whole instrument.
    """
    if is_in_use(version):
        raise DomainError(_l("A survey round has used version %(n)s, so it cannot change. "
                             "Save your changes as a new version.", n=version.number))
    document = check_document(document)
    # Items first: they point at the scales, which go with the version's other rows.
    for part in version.parts:
        for factor in part.factors:
            factor.items.clear()
    db.session.flush()
    version.parts.clear()
    version.scales.clear()
    version.open_questions.clear()
    db.session.flush()
    version.note = document["note"]
    for key, value in _languages("name", document["name"]).items():
        setattr(version.instrument, key, value)
    _fill(version, document)
    db.session.flush()
    return version


def version_document(version: InstrumentVersion) -> dict:
    """The version as a document, as `check_document` reads it back."""

    def texts(record, stem: str) -> dict[str, str]:
        return {language: getattr(record, f"{stem}_{language}") for language in LANGUAGES}

    return {
        "format": FORMAT,
        "name": texts(version.instrument, "name"),
        "example": version.instrument.is_example,
        "note": version.note,
        "scales": [
            {"code": scale.code,
             "points": [{"value": p.value, "label": texts(p, "label")} for p in scale.points]}
            for scale in version.scales
        ],
        "parts": [
            {"code": part.code, "name": texts(part, "name"), "factors": [
                {"code": factor.code, "name": texts(factor, "name"), "items": [
                    {"code": item.code, "statement": texts(item, "statement"),
                     "scale": item.scale.code, "reverse": item.reverse}
                    for item in factor.items
                ]}
                for factor in part.factors
            ]}
            for part in version.parts
        ],
        "open_questions": [
            {"code": q.code, "text": texts(q, "text")} for q in version.open_questions
        ],
    }


def instruments_of(programme: Programme) -> list[Instrument]:
    return list(db.session.scalars(
        select(Instrument).where(Instrument.programme_id == programme.id).order_by(Instrument.id)))


def get_instrument_or_404(programme: Programme, instrument_id: int) -> Instrument:
    instrument = db.session.get(Instrument, instrument_id)
    if instrument is None or instrument.programme_id != programme.id:
        abort(404)
    return instrument


def get_version_or_404(instrument: Instrument, number: int) -> InstrumentVersion:
    version = db.session.scalar(select(InstrumentVersion).where(
        InstrumentVersion.instrument_id == instrument.id, InstrumentVersion.number == number))
    if version is None:
        abort(404)
    return version
