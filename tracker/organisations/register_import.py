"""Importing organisations from a register export (CSV): parse, plan against the database, apply.

Three steps, each a plain function: `parse_register_csv` reads the text into rows with their
line numbers (or refuses the whole file), `plan_import` compares every row with the saved
organisations and sorts it into new, changed, unchanged or bad, and `apply_import` writes a plan
that has no bad rows. Nothing here commits.

Matching: by organisation number when the row has one; else, or when no organisation has that
number yet, by exact Norwegian name (an organisation found by name gets the row's number if it had
none). A blank English name, short name or organisation number leaves what is saved: a register
that does not know a value is no reason to forget it. Kind and parent always say what the
organisation is: a blank parent means no owning ministry.

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
from typing import Iterable

from flask import current_app
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tracker import bounds, clock
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.organisations.models import Organisation, OrganisationKind
from tracker.organisations.services import create_organisation, is_valid_org_number

# Each column the import reads, with the header names it accepts. Headers are compared by
# their letters and digits only, lower-cased: "overordnetEnhet", "overordnet_enhet" and
# "Overordnet enhet" are the same column.
COLUMNS: dict[str, tuple[str, ...]] = {
    "org_number": ("org_number", "organisasjonsnummer", "orgnr", "org_nr", "organisation_number",
                   "organization_number", "organisasjonsnr"),
    "name_nb": ("name", "navn", "name_nb", "navn_nb", "norwegian_name"),
    "name_en": ("name_en", "engelsk_navn", "english_name", "navn_en"),
    "short_name": ("short_name", "kortnavn", "kortform", "forkortelse", "abbreviation"),
    "kind": ("kind", "type", "organisasjonsform", "organisation_form"),
    "parent": ("parent_org_number", "overordnet_enhet", "overordnet", "parent",
               "parent_organisation", "owning_ministry"),
}
COLUMN_NAMES = {
    "org_number": _l("organisation number"),
    "name_nb": _l("name"),
    "name_en": _l("English name"),
    "short_name": _l("short name"),
    "kind": _l("kind"),
    "parent": _l("parent organisation"),
}
KINDS: dict[str, OrganisationKind] = {
    "ministry": OrganisationKind.MINISTRY,
    "departement": OrganisationKind.MINISTRY,
    "stat": OrganisationKind.MINISTRY,
    "directorate": OrganisationKind.DIRECTORATE,
    "direktorat": OrganisationKind.DIRECTORATE,
    "etat": OrganisationKind.DIRECTORATE,
    "orgl": OrganisationKind.DIRECTORATE,
    "agency": OrganisationKind.DIRECTORATE,
    "other": OrganisationKind.OTHER,
    "annen": OrganisationKind.OTHER,
    "annet": OrganisationKind.OTHER,
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


def header_key(name: str) -> str:
    return re.sub(r"[\W_]+", "", name.lower())


HEADER_ALIASES = {header_key(alias): column for column, aliases in COLUMNS.items() for alias in aliases}


# Parsing


@dataclass(frozen=True)
class RegisterRow:
    """One row of the file as written, with the line it starts on (the header is line 1)."""

    line: int
    org_number: str = ""
    name_nb: str = ""
    name_en: str = ""
    short_name: str = ""
    kind: str = ""
    parent: str = ""


@dataclass(frozen=True)
class ParsedFile:
    rows: tuple[RegisterRow, ...] = ()
    error: str | LazyString | None = None


def decode_upload(data: bytes) -> str:
    """An uploaded file's text: UTF-8, with or without a byte order mark.

    :raise DomainError: (field `file`) for any other encoding.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(_l(
            "The file is not UTF-8 text. In Excel, save it as “CSV UTF-8 (comma delimited)” "
            "and upload that."), field="file") from None


def parse_register_csv(text: str) -> ParsedFile:
    """The register rows in `text`, or the reason the whole file cannot be read.

    The separator (comma, semicolon or tab) is the one the header row uses most. Empty lines are
    skipped but counted, so every row keeps the line number a spreadsheet shows.
    """
    text = text.removeprefix("\ufeff")
    if "\x00" in text or any(ord(c) < 32 and c not in "\t\r\n" for c in text[:4096]):
        return ParsedFile(error=_l(
            "This is not a CSV file. Save the spreadsheet as CSV (UTF-8) and upload that."))
    if not text.strip():
        return ParsedFile(error=_l("The file is empty."))
    lines = text.splitlines()
    header_line = next(line for line in lines if line.strip())
    delimiter = max((",", ";", "\t"), key=header_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[RegisterRow] = []
    columns: dict[str, int] | None = None
    line_count = 0
    try:
        for cells in reader:
            line = line_count + 1
            line_count = reader.line_num
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
    except csv.Error as error:
        return ParsedFile(error=_l("The file cannot be read as CSV (line %(line)s: %(problem)s).",
                                   line=reader.line_num, problem=str(error)))
    if not rows:
        return ParsedFile(error=_l("The file has a header but no organisations."))
    return ParsedFile(rows=tuple(rows))


def read_header(cells: list[str]) -> tuple[dict[str, int], str | LazyString | None]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        column = HEADER_ALIASES.get(header_key(cell))
        if column is None:
            continue  # other columns are allowed and ignored
        if column in columns:
            return {}, _l("Two columns of the file mean the %(column)s: keep one of them.",
                          column=COLUMN_NAMES[column])
        columns[column] = index
    missing = [column for column in COLUMNS if column not in columns]
    if missing:
        return {}, _l(
            "The file lacks the column(s) %(columns)s. The first row must name the columns, "
            "for example: %(example)s.",
            columns=", ".join(str(COLUMN_NAMES[c]) for c in missing),
            example="organisasjonsnummer;navn;engelsk_navn;kortnavn;type;overordnet_enhet",
        )
    return columns, None


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

    def _of(self, action: str) -> list[PlannedRow]:
        return [row for row in self.rows if row.action == action]

    @property
    def new(self) -> list[PlannedRow]:
        return self._of("new")

    @property
    def changed(self) -> list[PlannedRow]:
        return self._of("changed")

    @property
    def unchanged(self) -> list[PlannedRow]:
        return self._of("unchanged")

    @property
    def bad(self) -> list[PlannedRow]:
        return self._of("bad")

    @property
    def can_apply(self) -> bool:
        """No bad rows, and something to write."""
        return not self.bad and bool(self.new or self.changed)

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
        confirm can check that the database has not moved since the preview.
        """
        def plain(value: object) -> object:
            if isinstance(value, OrganisationKind):
                return value.name
            if isinstance(value, tuple):
                return list(value)
            return value

        summary = [
            {
                "line": row.line,
                "action": row.action,
                "key": list(row.key),
                "values": [plain(getattr(row, name)) for name in
                           ("org_number", "name_nb", "name_en", "short_name", "kind", "parent")],
                "changes": [[c.field, plain(c.old), plain(c.new)] for c in row.changes],
            }
            for row in self.rows
        ]
        encoded = json.dumps(summary, ensure_ascii=False, sort_keys=True).encode()
        return hashlib.sha256(encoded).hexdigest()


def plan_import(parsed: ParsedFile) -> ImportPlan:
    """Compare each row of a parsed file with the saved organisations, in a fixed number of queries."""
    if parsed.error:
        raise DomainError(parsed.error, field="file")
    saved = db.session.scalars(select(Organisation).order_by(Organisation.id)).all()
    by_number = {o.org_number: o for o in saved if o.org_number}
    by_name = {o.name_nb: o for o in saved}
    planned = [check_row(row) for row in parsed.rows]
    find_duplicates(planned)
    match_saved(planned, by_number, by_name)

    names: dict[Key, str] = {("db", o.id): o.name_nb for o in saved}
    kinds: dict[Key, OrganisationKind | None] = {("db", o.id): o.kind for o in saved}
    for row in planned:
        names[row.key] = row.name_nb
        kinds[row.key] = row.kind
    resolve_parents(planned, parsed.rows, saved, by_number, by_name, kinds)
    keep_agencies_owned(planned, saved)
    for row in planned:
        if not row.reasons and row.target is not None:
            row.changes = changes_of(row)
    return ImportPlan(rows=planned, names=names)


def check_row(row: RegisterRow) -> PlannedRow:
    """The row's own values, and what is wrong with them on their own."""
    planned = PlannedRow(line=row.line, name_nb=row.name_nb)
    # Anywhere in the file, not only at its start: a cell with a line break or a control
    # character would be a name no form takes and that breaks the files written from it.
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
    if not row.kind:
        planned.reasons.append(_l("The kind is missing: write ministry, directorate or other."))
    elif row.kind.lower() not in KINDS:
        planned.reasons.append(_l(
            "Unknown kind “%(kind)s”: write ministry, directorate or other.", kind=row.kind))
    else:
        planned.kind = KINDS[row.kind.lower()]
    return planned


def find_duplicates(rows: list[PlannedRow]) -> None:
    """A number or name may appear on one line of the file only."""
    first_with_number: dict[str, int] = {}
    first_with_name: dict[str, int] = {}
    for row in rows:
        if row.org_number:
            if row.org_number in first_with_number:
                row.reasons.append(_l("Organisation number %(number)s is also on line %(line)s.",
                                      number=row.org_number, line=first_with_number[row.org_number]))
            else:
                first_with_number[row.org_number] = row.line
        if row.name_nb:
            if row.name_nb in first_with_name:
                row.reasons.append(_l("The name %(name)s is also on line %(line)s.",
                                      name=row.name_nb, line=first_with_name[row.name_nb]))
            else:
                first_with_name[row.name_nb] = row.line


def match_saved(
    rows: list[PlannedRow],
    by_number: dict[str, Organisation],
    by_name: dict[str, Organisation],
) -> None:
    """Find the saved organisation each row describes, if any, and refuse a name already taken."""
    matched_on: dict[int, int] = {}
    for row in rows:
        if row.org_number and row.org_number in by_number:
            target = by_number[row.org_number]
        elif row.name_nb in by_name:
            target = by_name[row.name_nb]
            if row.org_number and target.org_number:
                row.reasons.append(_l(
                    "Another organisation (number %(number)s) already has the name %(name)s.",
                    number=target.org_number, name=row.name_nb))
                continue
        else:
            continue
        holder = by_name.get(row.name_nb)
        if holder is not None and holder is not target:
            row.reasons.append(_l("Another organisation already has the name %(name)s.",
                                  name=row.name_nb))
            continue
        if target.id in matched_on:
            row.reasons.append(_l("Describes the same organisation as line %(line)s.",
                                  line=matched_on[target.id]))
            continue
        matched_on[target.id] = row.line
        row.target = target


def resolve_parents(
    rows: list[PlannedRow],
    written: Iterable[RegisterRow],
    saved: list[Organisation],
    by_number: dict[str, Organisation],
    by_name: dict[str, Organisation],
    kinds: dict[Key, OrganisationKind | None],
) -> None:
    """Find each row's parent, in the file first, and check that it is a ministry."""
    file_by_number = {r.org_number: r for r in rows if r.org_number}
    file_by_name = {r.name_nb: r for r in rows if r.name_nb}
    row_of_target = {r.target.id: r for r in rows if r.target is not None}

    def key_of_saved(organisation: Organisation) -> Key:
        row = row_of_target.get(organisation.id)
        return row.key if row is not None else ("db", organisation.id)

    def find(reference: str) -> Key | None:
        number = reference.replace(" ", "").replace("\u00a0", "")
        if number.isdigit():
            if number in file_by_number:
                return file_by_number[number].key
            return key_of_saved(by_number[number]) if number in by_number else None
        if reference in file_by_name:
            return file_by_name[reference].key
        if reference in by_name:
            return key_of_saved(by_name[reference])
        short = reference.lower()
        found = {r.key for r in rows if r.short_name and r.short_name.lower() == short}
        found |= {key_of_saved(o) for o in saved if o.short_name and o.short_name.lower() == short}
        return found.pop() if len(found) == 1 else None

    for row, original in zip(rows, written):
        reference = original.parent
        if not reference:
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


def keep_agencies_owned(rows: list[PlannedRow], saved: list[Organisation]) -> None:
    """A ministry that would still own agencies after the import cannot become another kind."""
    row_of_target = {r.target.id: r for r in rows if r.target is not None}
    for row in rows:
        target = row.target
        if target is None or target.kind is not OrganisationKind.MINISTRY:
            continue
        if row.kind in (OrganisationKind.MINISTRY, None):
            continue
        still_owned = []
        for agency in saved:
            if agency.owning_ministry_id != target.id:
                continue
            agency_row = row_of_target.get(agency.id)
            if agency_row is None or agency_row.parent == row.key:
                still_owned.append(agency.name_nb)
        if still_owned:
            row.reasons.append(_l(
                "This ministry owns %(agencies)s, so it stays a ministry unless the file moves "
                "them to another.", agencies=", ".join(still_owned)))


def changes_of(row: PlannedRow) -> list[Change]:
    target = row.target
    owner = ("db", target.owning_ministry_id) if target.owning_ministry_id else None
    final = {
        "org_number": row.org_number or target.org_number,
        "name_nb": row.name_nb,
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


def apply_import(plan: ImportPlan) -> ImportResult:
    """Write a plan: all of it, or (on any refusal) raise before the caller commits.

    New ministries are created before the agencies that name them as parent. Flushes, never
    commits.

    :raise DomainError: when the plan has bad rows.
    """
    if plan.bad:
        raise DomainError(_l("The file has rows with errors, so nothing is imported."), field="file")
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
    waiting = [row for row in plan.changed if row.parent is not None and row.parent[0] == "new"]
    for row in plan.changed:
        if all(row is not other for other in waiting):
            update(row)
    db.session.flush()
    for ministries in (True, False):
        for row in plan.new:
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
    return ImportResult(created=len(plan.new), changed=len(plan.changed))


# Keeping a previewed file until it is confirmed


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
    return os.path.join(upload_folder(), f"{token}.csv")


def store_upload(text: str) -> str:
    """Keep a previewed file's text on the server; the returned token finds it again."""
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
        file.write(text)
    return token


def load_upload(token: str) -> str | None:
    """The text kept under `token`, or None when there is none (any more)."""
    path = _path(token)
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8", newline="") as file:
            return file.read()
    except OSError:
        return None


def discard_upload(token: str) -> None:
    path = _path(token)
    if path is not None:
        try:
            os.remove(path)
        except OSError:
            pass
