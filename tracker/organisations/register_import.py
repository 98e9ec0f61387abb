"""Importing organisations from Enhetsregisteret's files: read, plan against the database, apply.

Three steps, each a plain function: `read_upload` reads a file as the register publishes it (the
bulk download as CSV or Excel, or the open API's JSON) into rows with their line numbers, or
refuses the whole file; `plan_import` compares every row with the saved organisations and sorts it
into new, changed, unchanged or bad; `apply_import` writes the rows the coordinator ticked.
Nothing here commits.

Matching: by organisation number first; else, or when no organisation has that number yet, by
Norwegian name compared without regard to case and spacing ("FINANSDEPARTEMENTET" is
Finansdepartementet), and a saved name that differs only so is kept as it is spelt here. An
organisation found by name gets the row's number if it had none. A blank or missing English name,
short name or number leaves what is saved: a register that does not know a value is no reason to
forget it. Kind always says what the organisation is; a blank parent means no owning ministry,
and a file without a parent column leaves owners as they are.

The parent column holds the parent's organisation number, or (where the register has none, as for
Finansdepartementet) its Norwegian name or short name. It is looked up in the file first, then
among the saved organisations.
"""
import csv
import hashlib
import io
import json
import os
import re
import secrets
from dataclasses import dataclass, field
from typing import Iterable, Iterator

import charset_normalizer
from flask import current_app
from flask_babel import LazyString, format_number
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tracker import bounds, clock
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.organisations.models import Organisation, OrganisationKind
from tracker.organisations.services import create_organisation, is_valid_org_number, name_key

# Each column the import reads, with the header names it accepts. Headers are compared by
# their letters and digits only, lower-cased: "overordnetEnhet", "overordnet_enhet" and
# "Overordnet enhet" are the same column, and so are the bulk download's
# "organisasjonsform.kode" and the API's {"organisasjonsform": {"kode": ...}}.
COLUMNS: dict[str, tuple[str, ...]] = {
    "org_number": ("org_number", "organisasjonsnummer", "orgnr", "org_nr", "organisation_number",
                   "organization_number", "organisasjonsnr"),
    "name_nb": ("name", "navn", "name_nb", "navn_nb", "norwegian_name"),
    "name_en": ("name_en", "engelsk_navn", "english_name", "navn_en"),
    "short_name": ("short_name", "kortnavn", "kortform", "forkortelse", "abbreviation"),
    "kind": ("kind", "type", "organisasjonsform", "organisasjonsform.kode", "organisation_form",
             "organisasjonsformkode"),
    "kind_description": ("organisasjonsform.beskrivelse", "organisasjonsformbeskrivelse"),
    "parent": ("parent_org_number", "overordnet_enhet", "overordnet", "parent",
               "parent_organisation", "owning_ministry"),
}
# Without these a row cannot become an organisation; the others are optional.
REQUIRED = ("name_nb", "kind")
COLUMN_NAMES = {
    "org_number": _l("organisation number"),
    "name_nb": _l("name"),
    "name_en": _l("English name"),
    "short_name": _l("short name"),
    "kind": _l("kind"),
    "kind_description": _l("kind"),
    "parent": _l("parent organisation"),
}
# Enhetsregisteret's organisation forms (code and description, lower-cased) and the words people
# write, with the kind each is here. The state's ministries are STAT, their agencies mostly ORGL
# and some SF; counties, municipalities, state-owned companies and foundations are "other".
KINDS: dict[str, OrganisationKind] = {
    "ministry": OrganisationKind.MINISTRY,
    "departement": OrganisationKind.MINISTRY,
    "stat": OrganisationKind.MINISTRY,
    "staten": OrganisationKind.MINISTRY,
    "directorate": OrganisationKind.DIRECTORATE,
    "direktorat": OrganisationKind.DIRECTORATE,
    "etat": OrganisationKind.DIRECTORATE,
    "agency": OrganisationKind.DIRECTORATE,
    "orgl": OrganisationKind.DIRECTORATE,
    "organisasjonsledd": OrganisationKind.DIRECTORATE,
    "sf": OrganisationKind.DIRECTORATE,
    "statsforetak": OrganisationKind.DIRECTORATE,
    "other": OrganisationKind.OTHER,
    "annen": OrganisationKind.OTHER,
    "annet": OrganisationKind.OTHER,
    "ados": OrganisationKind.OTHER,
    "administrativ enhet - offentlig sektor": OrganisationKind.OTHER,
    "fylk": OrganisationKind.OTHER,
    "fylkeskommune": OrganisationKind.OTHER,
    "komm": OrganisationKind.OTHER,
    "kommune": OrganisationKind.OTHER,
    "sær": OrganisationKind.OTHER,
    "annet foretak iflg. særskilt lov": OrganisationKind.OTHER,
    "asa": OrganisationKind.OTHER,
    "allmennaksjeselskap": OrganisationKind.OTHER,
    "as": OrganisationKind.OTHER,
    "aksjeselskap": OrganisationKind.OTHER,
    "sti": OrganisationKind.OTHER,
    "stiftelse": OrganisationKind.OTHER,
    "iks": OrganisationKind.OTHER,
    "interkommunalt selskap": OrganisationKind.OTHER,
    "kf": OrganisationKind.OTHER,
    "kommunalt foretak": OrganisationKind.OTHER,
    "fkf": OrganisationKind.OTHER,
    "fylkeskommunalt foretak": OrganisationKind.OTHER,
    "kirk": OrganisationKind.OTHER,
    "den norske kirke": OrganisationKind.OTHER,
}
# Forms the register has that are never a body of the state: a row of one is refused by name,
# not as an unknown kind (a bulk download of a whole region is full of them).
NOT_OF_THE_STATE = {
    "enk", "enkeltpersonforetak", "nuf", "norskregistrert utenlandsk foretak", "ans",
    "ansvarlig selskap", "da", "selskap med delt ansvar", "sa", "samvirkeforetak", "ba",
    "selskap med begrenset ansvar", "fli", "forening/lag/innretning", "bbl", "boligbyggelag",
    "brl", "borettslag", "esek", "eierseksjonssameie", "pk", "pensjonskasse", "spa", "sparebank",
    "gfs", "gjensidig forsikringsselskap", "ktrf", "kontorfellesskap", "bo", "andre bo", "konk",
    "konkursbo", "pers", "andre enkeltpersoner som registreres i tilknyttet register", "aafy",
    "underenhet til ikke-næringsdrivende", "bedr", "underenhet til næringsdrivende og offentlig "
    "forvaltning", "opmv", "særskilt oppdelt enhet, jf. mval. § 2-2", "vpfo", "verdipapirfond",
    "eofg", "europeisk økonomisk foretaksgruppe", "sam", "tingsrettslig sameie", "utla",
    "utenlandsk enhet", "prek", "pre", "partrederi", "ireg", "institusjon som skal registreres",
}
LIMITS = {"name_nb": 200, "name_en": 200, "short_name": 30}
# The columns a plan compares, in the order a preview shows them.
FIELDS = ("org_number", "name_nb", "name_en", "short_name", "kind", "owning_ministry")
FIELD_LABELS = {
    "org_number": _l("Organisation number"),
    "name_nb": _l("Name (Norwegian)"),
    "name_en": _l("Name (English)"),
    "short_name": _l("Short name"),
    "kind": _l("Kind"),
    "owning_ministry": _l("Owning ministry"),
}
# What a preview says the file was read as.
ENCODING_NAMES = {"utf-8-sig": "UTF-8 (BOM)", "utf-8": "UTF-8", "utf-16": "UTF-16",
                  "cp1252": "Windows-1252", "iso8859_15": "ISO-8859-15"}
# A text that is not UTF-8 is tried as these only: Excel's Norwegian "CSV (semikolondelt)" is
# Windows-1252, and a guess among every code page of the world would read it as Polish.
OTHER_ENCODINGS = ["cp1252", "iso8859_15"]
SAMPLE_BYTES = 256 * 1024


# Words that stay in capitals when a register name in capitals gets a readable spelling: the
# state's own abbreviations, and company forms. A row's own short name is kept so too.
ACRONYMS = frozenset({
    "NAV", "SSB", "DFØ", "NVE", "UDI", "UNE", "IMDI", "DSB", "NSM", "PST", "NRK", "NTNU", "NOKUT",
    "HK", "DIR", "KS", "IKT", "IT", "RHF", "HF", "IKS", "KF", "FKF", "AS", "ASA", "SF", "NORAD",
    "ØKOKRIM", "KRIPOS", "FHI", "NIBIO", "NINA", "NUPI", "SIVA", "EU", "EØS", "NATO", "FN",
})


def readable_name(name: str, short_name: str = "") -> str:
    """A name the register writes all in capitals, in sentence case ("STATENS VEGVESEN" is
    "Statens vegvesen"), known abbreviations kept ("NAV KONTROLL" is "NAV kontroll"); the part
    after a hyphen is a word of its own ("HK-DIR" stays, "NAV-KONTOR" is "NAV-kontor"). A name
    with any small letter is as its author spelt it and is left alone."""
    if not any(c.isalpha() for c in name) or name != name.upper():
        return name
    keep = ACRONYMS | ({short_name.upper()} if short_name else set())

    def part(word: str) -> str:
        return word if word.strip("().,&/") in keep else word.lower()

    words = [re.sub(r"[^\s\-]+", lambda m: part(m.group()), word) for word in name.split(" ")]
    spelt = " ".join(words)
    for index, letter in enumerate(spelt):
        if letter.isalpha():
            return spelt[:index] + letter.upper() + spelt[index + 1:]
    return spelt


def header_key(name: str) -> str:
    return re.sub(r"[\W_]+", "", name.lower())


HEADER_ALIASES = {header_key(alias): column for column, aliases in COLUMNS.items() for alias in aliases}


# Reading


@dataclass(frozen=True)
class RegisterRow:
    """One row of the file as written, with the line it starts on (the header is line 1; in a
    JSON file, the unit's place in its list)."""

    line: int
    org_number: str = ""
    name_nb: str = ""
    name_en: str = ""
    short_name: str = ""
    kind: str = ""
    kind_description: str = ""
    parent: str = ""


ROW_FIELDS = ("line", "org_number", "name_nb", "name_en", "short_name", "kind",
              "kind_description", "parent")


@dataclass(frozen=True)
class ParsedFile:
    rows: tuple[RegisterRow, ...] = ()
    error: str | LazyString | None = None
    # What the file was read as, for the preview: "CSV, Windows-1252", "Excel", "JSON".
    source: str = ""
    # The optional columns the file has; a column it lacks leaves saved values alone.
    columns: frozenset[str] = frozenset(COLUMNS)

    def dump(self) -> str:
        """The rows as compact JSON, to keep between preview and confirm (not the file itself)."""
        return json.dumps({
            "source": self.source,
            "columns": sorted(self.columns),
            "rows": [[getattr(row, name) for name in ROW_FIELDS] for row in self.rows],
        }, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def load(cls, text: str) -> "ParsedFile":
        kept = json.loads(text)
        rows = tuple(RegisterRow(**dict(zip(ROW_FIELDS, values))) for values in kept["rows"])
        return cls(rows=rows, source=kept["source"], columns=frozenset(kept["columns"]))


class Deadline:
    """Refuses a file that takes longer to read and compare than a worker may take: better a clear
    "split the file" than a request the server kills half-way."""

    def __init__(self, seconds: float | None = None):
        if seconds is None:
            seconds = float(current_app.config.get("REGISTER_IMPORT_SECONDS", 20))
        self.until = clock.monotonic() + seconds

    def check(self) -> None:
        if clock.monotonic() > self.until:
            raise DomainError(_l(
                "The file takes too long to read. Split it into smaller files, or keep only the "
                "state's organisations (organisation forms STAT, ORGL and SF), and upload again."),
                field="file")


def max_rows() -> int:
    return int(current_app.config.get("REGISTER_IMPORT_MAX_ROWS", 200_000))


def read_upload(data: bytes, deadline: Deadline | None = None) -> ParsedFile:
    """The register rows in an uploaded file, whatever the register's layout: an Excel workbook,
    the API's JSON, or CSV text in UTF-8 (with or without BOM), UTF-16 or Windows-1252.

    :raise DomainError: (field `file`) when the file cannot be read at all, or takes too long.
    """
    deadline = deadline or Deadline()
    if data.startswith(b"PK\x03\x04"):
        return read_workbook(data, deadline)
    start = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if start.startswith((b"{", b"[")):
        return read_json(data)
    text, encoding = decode_upload(data)
    parsed = parse_register_csv(text, deadline)
    if parsed.error:
        return parsed
    return ParsedFile(rows=parsed.rows, columns=parsed.columns,
                      source=f"CSV, {ENCODING_NAMES.get(encoding, encoding)}")


def decode_upload(data: bytes) -> tuple[str, str]:
    """An uploaded text's characters, and the encoding they were read in.

    :raise DomainError: (field `file`) when the bytes are no text in an encoding we know.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        encodings = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8"]
        if b"\x00" not in data[:SAMPLE_BYTES]:
            guess = charset_normalizer.from_bytes(
                data[:SAMPLE_BYTES], cp_isolation=OTHER_ENCODINGS).best()
            if guess is not None:
                encodings.append(guess.encoding)
    for encoding in encodings:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise DomainError(_l(
        "The file's characters are in an encoding the import does not know. Save it as "
        "“CSV UTF-8” or “CSV (semikolondelt)” from Excel, or as an Excel workbook, and upload "
        "that."), field="file")


def parse_register_csv(text: str, deadline: Deadline | None = None) -> ParsedFile:
    """The register rows in CSV `text`, or the reason the whole file cannot be read.

    The separator (comma, semicolon or tab) is the one the header row uses most. Rows are read
    one at a time; empty lines are skipped but counted, so every row keeps the line number a
    spreadsheet shows.
    """
    text = text.removeprefix("\ufeff")
    if "\x00" in text or any(ord(c) < 32 and c not in "\t\r\n" for c in text[:4096]):
        return ParsedFile(error=_l(
            "This is neither a CSV file, an Excel workbook nor the register's JSON. Upload the "
            "register's own file, or save the spreadsheet as CSV."))
    if not text.strip():
        return ParsedFile(error=_l("The file is empty."))
    stripped = text.lstrip()
    header_line = stripped[:stripped.find("\n")] if "\n" in stripped else stripped
    delimiter = max((",", ";", "\t"), key=header_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def cells_with_lines() -> Iterator[tuple[int, list]]:
        line_count = 0
        for cells in reader:
            yield line_count + 1, cells
            line_count = reader.line_num

    try:
        return rows_of_table(cells_with_lines(), deadline)
    except csv.Error as error:
        return ParsedFile(error=_l("The file cannot be read as CSV (line %(line)s: %(problem)s).",
                                   line=reader.line_num, problem=str(error)))


def read_workbook(data: bytes, deadline: Deadline) -> ParsedFile:
    """The rows of an Excel workbook's first sheet, read a row at a time with openpyxl's
    read-only mode (it streams the sheet instead of building it in memory: the bulk download's
    100,000 rows take about 14 s on the shared test machine, inside a worker's timeout; see
    bench/register_import.py, BENCH_FORMAT=xlsx). The deadline is checked while rows are read."""
    import zipfile

    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, IndexError, ValueError, TypeError, SyntaxError, OSError):
        # A zip without a workbook is a KeyError; a broken sheet's XML a SyntaxError (ParseError).
        return not_a_workbook()
    try:
        # The first sheet as its tabs show it (a workbook of charts only has no worksheet).
        sheet = book.worksheets[0]

        def cells_with_lines() -> Iterator[tuple[int, list]]:
            # Rows as the sheet numbers them; openpyxl pads a row's gaps with None.
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, [cell_text(value) for value in values]

        parsed = rows_of_table(cells_with_lines(), deadline)
    except (zipfile.BadZipFile, KeyError, IndexError, ValueError, TypeError, SyntaxError, OSError):
        return not_a_workbook()
    finally:
        book.close()
    if parsed.error:
        return parsed
    return ParsedFile(rows=parsed.rows, columns=parsed.columns, source="Excel")


def not_a_workbook() -> ParsedFile:
    return ParsedFile(error=_l(
        "The file is a zip archive but not an Excel workbook (.xlsx) the import can read. "
        "Open it in Excel and save it as “Excel-arbeidsbok”, or as CSV."))


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a CSV would hold: 972417882, not 972417882.0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_json(data: bytes) -> ParsedFile:
    """The units of the open API's answer ({"_embedded": {"enheter": [...]}} or
    "underenheter"), or of the bulk download's JSON (a list of units)."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return ParsedFile(error=_l("The file looks like JSON but cannot be read as JSON."))
    units = document
    if isinstance(document, dict):
        embedded = document.get("_embedded")
        units = None
        if isinstance(embedded, dict):
            units = embedded.get("enheter", embedded.get("underenheter"))
        elif "organisasjonsnummer" in document:
            units = [document]  # one unit, as /enheter/{number} answers
    if not isinstance(units, list) or not all(isinstance(unit, dict) for unit in units):
        return ParsedFile(error=_l(
            "The JSON is not the register's list of units: it must hold "
            "{\"_embedded\": {\"enheter\": [...]}} or a list of units."))
    if not units:
        return ParsedFile(error=_l("The file has a header but no organisations."))
    if len(units) > max_rows():
        return too_many_rows()
    rows = []
    for number, unit in enumerate(units, start=1):
        values = {}
        for key, value in flatten(unit):
            column = HEADER_ALIASES.get(header_key(key))
            if column and column not in values:
                values[column] = cell_text(value).strip()
        rows.append(RegisterRow(line=number, **values))
    if not any(row.name_nb for row in rows):
        return ParsedFile(error=missing_columns(["name_nb"]))
    return ParsedFile(rows=tuple(rows), source="JSON")


def flatten(unit: dict, prefix: str = "") -> Iterator[tuple[str, object]]:
    for key, value in unit.items():
        if isinstance(value, dict):
            yield from flatten(value, f"{prefix}{key}.")
        elif not isinstance(value, list):
            yield f"{prefix}{key}", value


def rows_of_table(cells_with_lines: Iterable[tuple[int, list]], deadline: Deadline | None) -> ParsedFile:
    """Rows from a table's lines: the first line with anything in it names the columns."""
    rows: list[RegisterRow] = []
    columns: dict[str, int] | None = None
    limit = max_rows()
    for line, cells in cells_with_lines:
        if not any(cell.strip() for cell in cells):
            continue
        if columns is None:
            columns, error = read_header(cells)
            if error:
                return ParsedFile(error=error)
            continue
        values = {
            column: cells[index].strip() if index < len(cells) else ""
            for column, index in columns.items()
        }
        rows.append(RegisterRow(line=line, **values))
        if len(rows) % 5000 == 0:
            if len(rows) > limit:
                return too_many_rows()
            if deadline:
                deadline.check()
    if len(rows) > limit:
        return too_many_rows()
    if not rows:
        return ParsedFile(error=_l("The file has a header but no organisations."))
    return ParsedFile(rows=tuple(rows), columns=frozenset(columns or ()))


def too_many_rows() -> ParsedFile:
    return ParsedFile(error=_l(
        "The file has more than %(limit)s rows. Split it, or keep only the state's organisations "
        "(organisation forms STAT, ORGL and SF), and upload again.", limit=format_number(max_rows())))


def read_header(cells: list[str]) -> tuple[dict[str, int], str | LazyString | None]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        column = HEADER_ALIASES.get(header_key(cell))
        if column is None:
            continue  # other columns (addresses, sector codes...) are allowed and ignored
        if column in columns:
            return {}, _l("Two columns of the file mean the %(column)s: keep one of them.",
                          column=COLUMN_NAMES[column])
        columns[column] = index
    if "kind_description" in columns and "kind" not in columns:
        columns["kind"] = columns.pop("kind_description")
    missing = [column for column in REQUIRED if column not in columns]
    if missing:
        return {}, missing_columns(missing)
    return columns, None


def missing_columns(missing: list[str]) -> LazyString:
    return _l(
        "The file lacks the column(s) %(columns)s. The first row must name the columns, "
        "as the register's own files do, for example: %(example)s.",
        columns=", ".join(str(COLUMN_NAMES[c]) for c in missing),
        example="organisasjonsnummer;navn;organisasjonsform.kode;overordnetEnhet",
    )


# Planning

Key = tuple[str, int]  # ("db", organisation id) or ("new", line of the row that creates it)


@dataclass(frozen=True)
class Change:
    field: str
    old: object
    new: object

    @property
    def label(self) -> str:
        return str(FIELD_LABELS[self.field])


@dataclass(eq=False)
class PlannedRow:
    """What the import does with one row: its final values, and how they differ from the saved ones."""

    line: int
    name_nb: str
    org_number: str | None = None
    name_en: str | None = None
    short_name: str | None = None
    kind: OrganisationKind | None = None
    parent: Key | None = None
    target: Organisation | None = None
    changes: list[Change] = field(default_factory=list)
    reasons: list[str | LazyString] = field(default_factory=list)

    @property
    def key(self) -> Key:
        return ("db", self.target.id) if self.target is not None else ("new", self.line)

    @property
    def action(self) -> str:
        if self.reasons:
            return "bad"
        if self.target is None:
            return "new"
        return "changed" if self.changes else "unchanged"


@dataclass
class ImportPlan:
    rows: list[PlannedRow]
    # Each organisation's name, by key, so a preview can name parents and owners.
    names: dict[Key, str] = field(default_factory=dict)
    source: str = ""

    def __post_init__(self) -> None:
        self._digest: str | None = None
        self.by_action: dict[str, list[PlannedRow]] = {
            action: [] for action in ("new", "changed", "unchanged", "bad")}
        for row in self.rows:
            self.by_action[row.action].append(row)

    @property
    def new(self) -> list[PlannedRow]:
        return self.by_action["new"]

    @property
    def changed(self) -> list[PlannedRow]:
        return self.by_action["changed"]

    @property
    def unchanged(self) -> list[PlannedRow]:
        return self.by_action["unchanged"]

    @property
    def bad(self) -> list[PlannedRow]:
        return self.by_action["bad"]

    @property
    def can_apply(self) -> bool:
        """Something to write."""
        return bool(self.new or self.changed)

    def shown(self, action: str) -> list[PlannedRow]:
        """The rows of one kind a preview lists: a page of 100,000 rows helps nobody, so it lists
        the first `REGISTER_PREVIEW_ROWS` of each; only listed rows can be ticked."""
        return self.by_action[action][:preview_rows()]

    def hidden(self, action: str) -> int:
        return max(0, len(self.by_action[action]) - preview_rows())

    @property
    def selectable(self) -> dict[int, PlannedRow]:
        """The rows that can be ticked, by line."""
        return {row.line: row for action in ("new", "changed") for row in self.shown(action)}

    @property
    def by_entry(self) -> bool:
        """A JSON file has entries (its units, counted from 1), not lines."""
        return self.source == "JSON"

    def name_of(self, key: Key | None) -> str:
        return self.names.get(key, "") if key else ""

    def show(self, change: Change, value: object) -> str:
        """A value of a change as a preview shows it."""
        if value is None or value == "":
            return "–"
        if change.field == "kind":
            return value.label
        if change.field == "owning_ministry":
            return self.name_of(value)
        return str(value)

    def digest(self) -> str:
        """A fingerprint of everything the plan would write and what it would overwrite.

        Two plans with the same digest make the same changes to the same saved values, so a
        confirm can check that the database has not moved since the preview. Computed once.
        """
        if self._digest is None:
            def plain(value: object) -> object:
                return value.name if isinstance(value, OrganisationKind) else value

            digest = hashlib.sha256()
            for row in self.rows:
                digest.update(repr((
                    row.line, row.action, row.key,
                    [plain(getattr(row, name)) for name in
                     ("org_number", "name_nb", "name_en", "short_name", "kind", "parent")],
                    [(c.field, plain(c.old), plain(c.new)) for c in row.changes],
                )).encode())
            self._digest = digest.hexdigest()
        return self._digest


def preview_rows() -> int:
    return int(current_app.config.get("REGISTER_PREVIEW_ROWS", 500))


class SavedIndex:
    """The saved organisations, looked up by number, by name (case and spacing aside) and by
    short name, each once."""

    def __init__(self, saved: list[Organisation]):
        self.saved = saved
        self.by_number = {o.org_number: o for o in saved if o.org_number}
        self.by_name: dict[str, list[Organisation]] = {}
        self.by_short: dict[str, list[Organisation]] = {}
        for organisation in saved:
            self.by_name.setdefault(name_key(organisation.name_nb), []).append(organisation)
            if organisation.short_name:
                self.by_short.setdefault(organisation.short_name.lower(), []).append(organisation)


def plan_import(parsed: ParsedFile, deadline: Deadline | None = None) -> ImportPlan:
    """Compare each row of a parsed file with the saved organisations, in a fixed number of
    queries and in time proportional to the rows (every lookup is a dictionary's)."""
    if parsed.error:
        raise DomainError(parsed.error, field="file")
    saved = db.session.scalars(select(Organisation).order_by(Organisation.id)).all()
    index = SavedIndex(saved)
    planned = [check_row(row) for row in parsed.rows]
    if deadline:
        deadline.check()
    # A JSON file's rows are entries of a list, counted from 1; its messages say so.
    entries = parsed.source == "JSON"
    find_duplicates(planned, entries)
    match_saved(planned, index, entries)
    for row, written in zip(planned, parsed.rows):
        if row.target is None and row.name_nb:
            # A new organisation is created as people read it, not as the register shouts it.
            row.name_nb = readable_name(row.name_nb, written.short_name)

    names: dict[Key, str] = {("db", o.id): o.name_nb for o in saved}
    kinds: dict[Key, OrganisationKind | None] = {("db", o.id): o.kind for o in saved}
    for row in planned:
        names[row.key] = row.target.name_nb if row.target is not None else row.name_nb
        kinds[row.key] = row.kind
    if "parent" in parsed.columns:
        resolve_parents(planned, parsed.rows, index, kinds)
    else:
        for row in planned:
            if row.target is not None and row.target.owning_ministry_id:
                row.parent = ("db", row.target.owning_ministry_id)
    refuse_children_of_bad_rows(planned, entries)
    keep_agencies_owned(planned, saved)
    if deadline:
        deadline.check()
    for row in planned:
        if not row.reasons and row.target is not None:
            row.changes = changes_of(row)
    return ImportPlan(rows=planned, names=names, source=parsed.source)


def check_row(row: RegisterRow) -> PlannedRow:
    """The row's own values, and what is wrong with them on their own."""
    planned = PlannedRow(line=row.line, name_nb=row.name_nb)
    # Anywhere in the file, not only at its start: a cell with a line break or a control
    # character would be a name no form takes and that breaks the files written from it.
    # (One search of the whole row first: a file of 100,000 rows has none in nearly all.)
    if bounds.has_control_characters("".join(getattr(row, column) for column in COLUMNS)):
        for column in COLUMNS:
            if bounds.has_control_characters(getattr(row, column)):
                planned.reasons.append(_l(
                    "The %(column)s holds a line break or a control character.",
                    column=COLUMN_NAMES[column]))
    number = row.org_number.replace(" ", "").replace("\u00a0", "")
    if number:
        if is_valid_org_number(number):
            planned.org_number = number
        else:
            planned.reasons.append(_l(
                "Organisation number %(number)s is not nine digits with a valid check digit.",
                number=row.org_number))
    if not row.name_nb:
        planned.reasons.append(_l("The name is missing."))
    planned.name_en = row.name_en or None
    planned.short_name = row.short_name or None
    for column, limit in LIMITS.items():
        if len(getattr(row, column)) > limit:
            planned.reasons.append(_l("The %(column)s is longer than %(limit)s characters.",
                                      column=COLUMN_NAMES[column], limit=limit))
    kind = kind_of(row.kind, row.kind_description)
    if isinstance(kind, OrganisationKind):
        planned.kind = kind
    else:
        planned.reasons.append(kind)
    return planned


def kind_of(code: str, description: str) -> OrganisationKind | LazyString:
    """The kind an organisation form (code, else description) is here, or why it is none."""
    for word in (code, description):
        if word.strip().lower() in KINDS:
            return KINDS[word.strip().lower()]
    written = code or description
    if not written:
        return _l("The kind is missing: write ministry, directorate or other, or the register's "
                  "organisation form (STAT, ORGL, SF...).")
    if written.strip().lower() in NOT_OF_THE_STATE or description.strip().lower() in NOT_OF_THE_STATE:
        return _l("Organisation form %(form)s is not a body of the state, so the programme does "
                  "not record it.", form=" – ".join(w for w in (code, description) if w))
    return _l("Unknown kind “%(kind)s”: write ministry, directorate or other, or the register's "
              "organisation form (STAT, ORGL, SF...).", kind=written)


def find_duplicates(rows: list[PlannedRow], entries: bool = False) -> None:
    """A number or name (case and spacing aside) may appear on one line of the file only."""
    first_with_number: dict[str, int] = {}
    first_with_name: dict[str, int] = {}
    for row in rows:
        if row.org_number:
            if row.org_number in first_with_number:
                number, line = row.org_number, first_with_number[row.org_number]
                row.reasons.append(
                    _l("Organisation number %(number)s is also in entry %(line)s.", number=number, line=line)
                    if entries else
                    _l("Organisation number %(number)s is also on line %(line)s.", number=number, line=line))
            else:
                first_with_number[row.org_number] = row.line
        if row.name_nb:
            key = name_key(row.name_nb)
            if key in first_with_name:
                name, line = row.name_nb, first_with_name[key]
                row.reasons.append(
                    _l("The name %(name)s is also in entry %(line)s.", name=name, line=line)
                    if entries else
                    _l("The name %(name)s is also on line %(line)s.", name=name, line=line))
            else:
                first_with_name[key] = row.line


def match_saved(rows: list[PlannedRow], index: SavedIndex, entries: bool = False) -> None:
    """Find the saved organisation each row describes, if any, and refuse a name already taken."""
    matched_on: dict[int, int] = {}
    for row in rows:
        holders = index.by_name.get(name_key(row.name_nb), []) if row.name_nb else []
        if row.org_number and row.org_number in index.by_number:
            target = index.by_number[row.org_number]
        elif holders:
            if len(holders) > 1:
                row.reasons.append(_l(
                    "Several saved organisations are called %(name)s: merge them first.",
                    name=row.name_nb))
                continue
            target = holders[0]
            if row.org_number and target.org_number:
                row.reasons.append(_l(
                    "Another organisation (number %(number)s) already has the name %(name)s.",
                    number=target.org_number, name=row.name_nb))
                continue
        else:
            continue
        if any(holder is not target for holder in holders):
            row.reasons.append(_l("Another organisation already has the name %(name)s.",
                                  name=row.name_nb))
            continue
        if target.id in matched_on:
            line = matched_on[target.id]
            row.reasons.append(
                _l("Describes the same organisation as entry %(line)s.", line=line) if entries else
                _l("Describes the same organisation as line %(line)s.", line=line))
            continue
        matched_on[target.id] = row.line
        row.target = target


def resolve_parents(
    rows: list[PlannedRow],
    written: Iterable[RegisterRow],
    index: SavedIndex,
    kinds: dict[Key, OrganisationKind | None],
) -> None:
    """Find each row's parent, in the file first, and check that it is a ministry."""
    file_by_number = {r.org_number: r for r in rows if r.org_number}
    file_by_name: dict[str, PlannedRow] = {}
    file_by_short: dict[str, set[Key]] = {}
    for r in rows:
        if r.name_nb:
            file_by_name.setdefault(name_key(r.name_nb), r)
        if r.short_name:
            file_by_short.setdefault(r.short_name.lower(), set()).add(r.key)
    row_of_target = {r.target.id: r for r in rows if r.target is not None}

    def key_of_saved(organisation: Organisation) -> Key:
        row = row_of_target.get(organisation.id)
        return row.key if row is not None else ("db", organisation.id)

    def find(reference: str) -> Key | None:
        number = reference.replace(" ", "").replace("\u00a0", "")
        if number.isdigit():
            if number in file_by_number:
                return file_by_number[number].key
            return key_of_saved(index.by_number[number]) if number in index.by_number else None
        key = name_key(reference)
        if key in file_by_name:
            return file_by_name[key].key
        if len(index.by_name.get(key, [])) == 1:
            return key_of_saved(index.by_name[key][0])
        short = reference.lower()
        found = set(file_by_short.get(short, ()))
        found |= {key_of_saved(o) for o in index.by_short.get(short, ())}
        return found.pop() if len(found) == 1 else None

    for row, original in zip(rows, written):
        reference = original.parent
        if not reference or (row.reasons and row.kind is None):
            continue
        if row.kind is OrganisationKind.MINISTRY:
            row.reasons.append(_l("A ministry has no parent organisation, but this row names %(parent)s.",
                                  parent=reference))
            continue
        parent = find(reference)
        if parent is None:
            row.reasons.append(_l(
                "The parent %(parent)s is neither in the file nor among the saved organisations.",
                parent=reference))
        elif parent == row.key:
            row.reasons.append(_l("An organisation cannot be its own parent."))
        elif kinds.get(parent) not in (OrganisationKind.MINISTRY, None):
            row.reasons.append(_l("The parent %(parent)s is not a ministry.", parent=reference))
        else:
            row.parent = parent


def refuse_children_of_bad_rows(rows: list[PlannedRow], entries: bool = False) -> None:
    """A row whose parent is a new row with errors cannot be imported either: its parent will not
    exist. (Only ministries are parents and they have none, so one pass finds them all.)"""
    bad_new = {row.key for row in rows if row.reasons and row.target is None}
    for row in rows:
        if row.parent in bad_new:
            row.reasons.append(
                _l("Its parent in entry %(line)s has errors.", line=row.parent[1]) if entries else
                _l("Its parent on line %(line)s has errors.", line=row.parent[1]))


def keep_agencies_owned(rows: list[PlannedRow], saved: list[Organisation]) -> None:
    """A ministry that would still own agencies after the import cannot become another kind."""
    row_of_target = {r.target.id: r for r in rows if r.target is not None}
    for row in rows:
        target = row.target
        if target is None or target.kind is not OrganisationKind.MINISTRY:
            continue
        if row.kind in (OrganisationKind.MINISTRY, None):
            continue
        still_owned = owned_after(target, row, saved, row_of_target)
        if still_owned:
            row.reasons.append(_l(
                "This ministry owns %(agencies)s, so it stays a ministry unless the file moves "
                "them to another.", agencies=", ".join(a.name_nb for a in still_owned)))


def owned_after(
    ministry: Organisation, row: PlannedRow, saved: Iterable[Organisation],
    row_of_target: dict[int, PlannedRow],
) -> list[Organisation]:
    """The saved agencies that `ministry` still owns once the rows in `row_of_target` are written."""
    return [
        agency for agency in saved
        if agency.owning_ministry_id == ministry.id
        and (agency.id not in row_of_target or row_of_target[agency.id].parent == row.key)
    ]


def changes_of(row: PlannedRow) -> list[Change]:
    target = row.target
    owner = ("db", target.owning_ministry_id) if target.owning_ministry_id else None
    final = {
        "org_number": row.org_number or target.org_number,
        # The register writes names in capitals; a name that differs only in case or spacing
        # keeps the spelling saved here.
        "name_nb": target.name_nb if name_key(row.name_nb) == name_key(target.name_nb)
        else readable_name(row.name_nb, row.short_name or ""),
        "name_en": row.name_en or target.name_en,
        "short_name": row.short_name or target.short_name,
        "kind": row.kind,
        "owning_ministry": row.parent,
    }
    current = {name: getattr(target, name) for name in FIELDS if name != "owning_ministry"}
    current["owning_ministry"] = owner
    return [Change(name, current[name], final[name]) for name in FIELDS if current[name] != final[name]]


# Applying


@dataclass(frozen=True)
class ImportResult:
    created: int
    changed: int


def chosen_rows(plan: ImportPlan, lines: Iterable[int]) -> list[PlannedRow]:
    """The rows a coordinator ticked, checked to make sense together.

    :raise DomainError: (field `rows`, naming the line) when none is ticked, a ticked line cannot
        be imported, or a ticked row needs a row left unticked.
    """
    selectable = plan.selectable
    entries = plan.by_entry
    chosen = []
    for line in sorted(set(lines)):
        if line not in selectable:
            raise DomainError(
                _l("Entry %(line)s cannot be imported: only new and changed entries shown in "
                   "the preview can.", line=line) if entries else
                _l("Line %(line)s cannot be imported: only new and changed rows shown in the "
                   "preview can.", line=line), field="rows")
        chosen.append(selectable[line])
    if not chosen:
        raise DomainError(_l("Tick at least one row to import."), field="rows")
    chosen_keys = {row.key for row in chosen}
    for row in chosen:
        if row.parent is not None and row.parent[0] == "new" and row.parent not in chosen_keys:
            line, parent = row.line, row.parent[1]
            raise DomainError(
                _l("Entry %(line)s has its owning ministry in entry %(parent)s, which is not "
                   "ticked: tick both or neither.", line=line, parent=parent) if entries else
                _l("Line %(line)s has its owning ministry on line %(parent)s, which is not "
                   "ticked: tick both or neither.", line=line, parent=parent), field="rows")
    row_of_target = {r.target.id: r for r in chosen if r.target is not None}
    for row in chosen:
        if row.target is not None and row.target.kind is OrganisationKind.MINISTRY \
                and row.kind is not OrganisationKind.MINISTRY:
            agencies = db.session.scalars(select(Organisation).where(
                Organisation.owning_ministry_id == row.target.id)).all()
            still = [a for a in agencies if a.id not in row_of_target
                     or row_of_target[a.id].parent == row.key]
            if still:
                owned = ", ".join(a.name_nb for a in still)
                raise DomainError(
                    _l("Entry %(line)s makes a ministry another kind, but it still owns "
                       "%(agencies)s: tick the entries that move them too.", line=row.line,
                       agencies=owned) if entries else
                    _l("Line %(line)s makes a ministry another kind, but it still owns "
                       "%(agencies)s: tick the rows that move them too.", line=row.line,
                       agencies=owned), field="rows")
    return chosen


def apply_import(plan: ImportPlan, lines: Iterable[int] | None = None) -> ImportResult:
    """Write the ticked rows of a plan (every new and changed row when `lines` is None): all of
    them, or (on any refusal) raise before anything is flushed.

    New ministries are created before the agencies that name them as parent. Flushes, never
    commits.

    :raise DomainError: when a ticked row cannot be imported (see `chosen_rows`).
    """
    if lines is None:
        lines = [row.line for row in plan.new + plan.changed]
    chosen = chosen_rows(plan, lines)
    new = [row for row in chosen if row.target is None]
    changed = [row for row in chosen if row.target is not None]
    created: dict[Key, Organisation] = {}

    def organisation(key: Key | None) -> Organisation | None:
        if key is None:
            return None
        if key[0] == "new":
            return created[key]
        return db.session.get(Organisation, key[1])

    def update(row: PlannedRow) -> None:
        for change in row.changes:
            if change.field == "owning_ministry":
                row.target.owning_ministry = organisation(change.new)
            else:
                setattr(row.target, change.field, change.new)

    # An organisation moving under a new ministry waits for it; nothing waits for such an
    # organisation in turn, since only ministries are parents and it is not one.
    waiting = [row for row in changed if row.parent is not None and row.parent[0] == "new"]
    for row in changed:
        if all(row is not other for other in waiting):
            update(row)
    db.session.flush()
    for ministries in (True, False):
        for row in new:
            if (row.kind is OrganisationKind.MINISTRY) is ministries:
                created[row.key] = create_organisation(
                    name_nb=row.name_nb,
                    name_en=row.name_en,
                    short_name=row.short_name,
                    org_number=row.org_number,
                    kind=row.kind,
                    owning_ministry=organisation(row.parent),
                )
        db.session.flush()
    for row in waiting:
        update(row)
    db.session.flush()
    return ImportResult(created=len(new), changed=len(changed))


# Keeping a previewed file's rows until they are confirmed
#
# The rows (not the file) wait on the server, in the instance folder, under a random token that
# only the previewing user's signed session knows: a hidden field would send up to 15 MB back
# and forth, and would have to be signed and re-checked anyway; a file under a token is never
# what a client chose, and is removed on confirm, on the next preview, or after a day.


# Previews nobody confirmed are removed after a day.
KEEP_SECONDS = 24 * 60 * 60
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


def upload_folder() -> str:
    folder = current_app.config.get("REGISTER_IMPORT_FOLDER") or os.path.join(
        current_app.instance_path, "register-imports")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    return folder


def _path(token: str) -> str | None:
    if not TOKEN.fullmatch(token or ""):
        return None  # never a path the client chose
    return os.path.join(upload_folder(), f"{token}.json")


def store_upload(parsed: ParsedFile) -> str:
    """Keep a previewed file's rows on the server; the returned token finds them again."""
    folder = upload_folder()
    now = clock.now().timestamp()
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        try:
            if now - os.path.getmtime(path) > KEEP_SECONDS:
                os.remove(path)
        except OSError:
            pass  # another worker removed it first
    token = secrets.token_urlsafe(32)
    descriptor = os.open(_path(token), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as file:
        file.write(parsed.dump())
    return token


def load_upload(token: str) -> ParsedFile | None:
    """The rows kept under `token`, or None when there are none (any more)."""
    path = _path(token)
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8", newline="") as file:
            return ParsedFile.load(file.read())
    except (OSError, ValueError, KeyError, TypeError):
        return None


def discard_upload(token: str) -> None:
    path = _path(token)
    if path is not None:
        try:
            os.remove(path)
        except OSError:
            pass
