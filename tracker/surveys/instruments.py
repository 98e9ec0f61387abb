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
from sqlalchemy.orm import joinedload, selectinload

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
    elif has_control_characters(clean["note"], multiline=True):
        # A NUL in the note would reach the database (PostgreSQL refuses it: a 500).
        check.add("note", _l("the text holds a control character"))
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


def rounds_per_version(programme_id: int) -> dict[int, int]:
    """How many rounds each version of the programme's instruments was sent with (by version
    id; a version no round used is not there)."""
    rows = db.session.execute(
        select(SurveyRound.version_id, func.count(SurveyRound.id))
        .join(InstrumentVersion, InstrumentVersion.id == SurveyRound.version_id)
        .join(Instrument, Instrument.id == InstrumentVersion.instrument_id)
        .where(Instrument.programme_id == programme_id)
        .group_by(SurveyRound.version_id))
    return dict(rows.all())


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
    # Every page of a version shows its document: the tree parts > factors > items (and each
    # item's scale) joined in one statement, the scales with their points and the open
    # questions beside it; not one statement per factor.
    version = db.session.scalars(select(InstrumentVersion).where(
        InstrumentVersion.instrument_id == instrument.id, InstrumentVersion.number == number)
        .options(joinedload(InstrumentVersion.parts).joinedload(Part.factors)
                 .joinedload(Factor.items).joinedload(Item.scale),
                 selectinload(InstrumentVersion.scales).selectinload(Scale.points),
                 selectinload(InstrumentVersion.open_questions))).unique().one_or_none()
    if version is None:
        abort(404)
    return version


def save_edit(version: InstrumentVersion, document, opened_at) -> InstrumentVersion:
    """Save an edited document of `version`: in place while no round uses it, else as the
    instrument's next version (the used one and its rounds keep their texts). `opened_at` is
    the instrument's record version the editor's page was drawn at: any save of any version of
    the instrument moves it on, so two people editing at once cannot overwrite each other.

    :raise ConflictError: when someone saved the instrument after the page was drawn.
    :raise InstrumentFileError: when the document is not a whole instrument.
    """
    from sqlalchemy.orm.attributes import flag_modified

    from tracker.concurrency import check_version

    instrument = version.instrument
    check_version(instrument, opened_at)
    check_newest(version)
    # A round opened on the version while its page was open: the change becomes the next
    # version, the round keeps its texts.
    if is_in_use(version):
        saved = add_version(instrument, document)
    else:
        saved = replace_contents(version, document)
    # The instrument's row is written on every save, so its version moves on even when only
    # an item's text changed.
    flag_modified(instrument, "name_nb")
    db.session.flush()
    return saved


def is_newest(version: InstrumentVersion) -> bool:
    return version.number == version.instrument.latest.number


def check_newest(version: InstrumentVersion) -> None:
    """Only the newest version changes: a change to an older one would start a branch that
    leaves out every later version's changes.

    :raise DomainError: when a later version exists.
    """
    if not is_newest(version):
        raise DomainError(_l("Version %(n)s is not the newest: version %(newest)s is. Only the "
                             "newest version can be changed.", n=version.number,
                             newest=version.instrument.latest.number))


def start_edit(version: InstrumentVersion, opened_at=None) -> InstrumentVersion:
    """The version to edit for `version`: itself while no round has used it, else the next
    version, made now as a copy with an empty note (the used one stays as the rounds saw it).
    Every later save, move or add changes that copy in place.

    :raise DomainError: when `version` is not the newest.
    :raise ConflictError: when someone saved the instrument after the page was drawn.
    """
    from sqlalchemy.orm.attributes import flag_modified

    from tracker.concurrency import check_version

    if opened_at is not None:
        check_version(version.instrument, opened_at)
    check_newest(version)
    if not is_in_use(version):
        return version
    document = version_document(version)
    document["note"] = ""
    copied = add_version(version.instrument, document)
    flag_modified(version.instrument, "name_nb")
    db.session.flush()
    return copied


def delete_version(version: InstrumentVersion, opened_at) -> None:
    """Delete a version no round has used (a draft not wanted after all); the instrument keeps
    at least one version.

    :raise DomainError: when a round has used the version, or it is the only one.
    :raise ConflictError: when someone saved the instrument after the page was drawn.
    """
    from sqlalchemy.orm.attributes import flag_modified

    from tracker.concurrency import check_version

    instrument = version.instrument
    check_version(instrument, opened_at)
    if is_in_use(version):
        raise DomainError(_l("A survey round has used version %(n)s: it stays, so the round's "
                             "answers keep their texts.", n=version.number))
    if len(instrument.versions) < 2:
        raise DomainError(_l("Version %(n)s is the instrument's only version: it cannot be "
                             "deleted.", n=version.number))
    # Items first: they point at the scales, which go with the version's other rows.
    for part in version.parts:
        for factor in part.factors:
            factor.items.clear()
    db.session.flush()
    instrument.versions.remove(version)
    flag_modified(instrument, "name_nb")
    db.session.flush()


def rounds_of_version(version: InstrumentVersion) -> tuple[int, object]:
    """How many rounds were sent with the version, and when the first was opened."""
    count, first = db.session.execute(
        select(func.count(SurveyRound.id), func.min(SurveyRound.opened_at))
        .where(SurveyRound.version_id == version.id)).one()
    return count, first


def upload_version(instrument: Instrument, document) -> InstrumentVersion:
    """The instrument's next version from an uploaded document; like an edit, it moves the
    instrument's record version on, so an editor's page drawn before it is told so.

    :raise InstrumentFileError: when the document is not a whole instrument.
    """
    from sqlalchemy.orm.attributes import flag_modified

    version = add_version(instrument, document)
    flag_modified(instrument, "name_nb")
    db.session.flush()
    return version


def _siblings(document: dict, code: str) -> tuple[list, int] | None:
    """The list that holds the part, factor, item or open question with this code, and its
    place in it."""
    lists = [document["parts"], document["open_questions"]]
    for part in document["parts"]:
        lists.append(part["factors"])
        lists.extend(factor["items"] for factor in part["factors"])
    for siblings in lists:
        for index, entry in enumerate(siblings):
            if entry.get("code") == code:
                return siblings, index
    return None


def move_in_document(document: dict, code: str, action: str) -> dict:
    """The document with the entry `code` moved up or down among its siblings, or removed
    (removing the last item of a factor, or factor of a part, is refused when the document is
    checked: none may be empty).

    :raise DomainError: when no entry has the code, or it cannot move that way.
    """
    import copy

    document = copy.deepcopy(document)
    found = _siblings(document, code) if isinstance(code, str) else None
    if found is None:
        raise DomainError(_l("The instrument has nothing with the code %(code)s.",
                             code=str(code)[:CODE_LENGTH]), field="code")
    siblings, index = found
    if action == "remove":
        del siblings[index]
    elif action in ("up", "down"):
        other = index - 1 if action == "up" else index + 1
        if not 0 <= other < len(siblings):
            raise DomainError(_l("%(code)s is already at that end.", code=code), field="code")
        siblings[index], siblings[other] = siblings[other], siblings[index]
    else:
        raise DomainError(_l("Choose to move or remove."), field="action")
    return document


def add_to_document(document: dict, kind: str, parent: str, code: str, texts: dict,
                    name: dict, factor_code: str, scale: str, reverse: bool) -> dict:
    """The document with a new item (in factor `parent`), factor (in part `parent`, with its
    first item), part (last, with its first factor and item) or open question (last).

    A new part's factor is named like the part, and its first item is coded `factor_code`.

    :raise DomainError: when the parent is not a factor or part of the document, or a name is
    missing.
    """
    import copy

    document = copy.deepcopy(document)
    item = {"code": code, "statement": texts, "scale": scale, "reverse": bool(reverse)}
    named = all(name.get(language) for language in LANGUAGES)
    if kind in ("factor", "part") and not named:
        raise DomainError(_l("Give the name of the new part or factor in bokmål, nynorsk and "
                             "English."), field="name_nb")
    if kind in ("factor", "part") and not factor_code:
        raise DomainError(_l("Give the code of the first item."), field="factor_code")
    if kind == "question":
        document["open_questions"].append({"code": code, "text": texts})
    elif kind == "part":
        factor = {"code": factor_code, "name": name,
                  "items": [{**item, "code": f"{factor_code}a"}]}
        document["parts"].append({"code": code, "name": name, "factors": [factor]})
    elif kind == "factor":
        part = next((p for p in document["parts"] if p["code"] == parent), None)
        if part is None:
            raise DomainError(_l("Choose the part the new factor joins."), field="parent")
        part["factors"].append({"code": code, "name": name,
                                "items": [{**item, "code": factor_code}]})
    elif kind == "item":
        factor = next((f for p in document["parts"] for f in p["factors"]
                       if f["code"] == parent), None)
        if factor is None:
            raise DomainError(_l("Choose the factor the new item joins."), field="parent")
        factor["items"].append(item)
    else:
        raise DomainError(_l("Choose what to add."), field="kind")
    return document
