"""Tables to download, as CSV or as an Excel workbook.

CSV is what Norwegian Excel opens with a double click: UTF-8 with a byte-order mark (so æøå
survive), semicolons between fields (the comma is the decimal sign), CRLF line ends, a header
row, dates as yyyy-mm-dd and numbers with a decimal comma (-0,25). The workbook has typed cells
(numbers as numbers, a Decimal with its own number of decimals; dates as dates), a bold header
row that stays in view, and columns wide enough for what they hold.

Both are written as they are read (issue 14): the CSV row by row as a streamed response, the
workbook in openpyxl's write-only mode into a temporary file that is then streamed, so a download
of the whole state holds a few hundred rows in memory at a time, however many there are. A
table's rows may be a generator that runs its query only when the response is sent: that is
after the request's transaction has committed (tracker/transaction.py), so it reads in a new
transaction of its own, which ends when the response is closed (`stream_with_context` keeps the
request's context, and its session, open until then). Such a generator must not touch records
loaded before (the commit expired them: each would cost a query); the view builds the statement,
the generator executes it.

A stored text that begins like a formula (=, +, -, @) gets a leading apostrophe in the CSV and
is stored as text in the workbook, so a name or a note can never run as a formula (as OWASP advises
against CSV injection). Control characters are left out of both: a workbook cannot hold them at
all, and a note keeps only its tabs and line breaks.
"""
import csv
import io
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import chain, islice

from flask import Response, abort, stream_with_context
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from tracker import bounds
from tracker.i18n import current_language
from tracker.reports.services import AttendanceRow, ParticipationRow, SectorRow

FORMATS = ("csv", "xlsx")
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
DATE_FORMAT = "yyyy-mm-dd"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_COLUMN_WIDTH = 60
# How many rows go out in one piece of a streamed CSV.
CSV_ROWS_PER_CHUNK = 500
# A write-only sheet's column widths must be set before its first row: they are measured on the
# first this many rows (every row of most tables).
WIDTH_SAMPLE = 1000
# How much of the finished workbook goes out in one piece.
FILE_CHUNK = 64 * 1024

Value = str | int | float | Decimal | date | None


@dataclass(frozen=True)
class Table:
    """What to download: a title (the sheet's name), a file name without extension, a header
    and rows of plain values."""

    title: str
    filename: str
    header: Sequence[str]
    rows: Iterable[Sequence[Value]]  # a list, or a generator read once, as the file is written


def csv_chunks(table: Table) -> Iterator[bytes]:
    """The table as CSV, a few hundred rows at a time: the byte-order mark and the header first."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")  # the csv module ends lines with CRLF
    writer.writerow([_text(heading) for heading in table.header])
    yield _taken(out).encode("utf-8-sig")
    for number, row in enumerate(table.rows, start=1):
        writer.writerow([_csv_value(value) for value in row])
        if number % CSV_ROWS_PER_CHUNK == 0:
            yield _taken(out).encode("utf-8")
    rest = _taken(out)
    if rest:
        yield rest.encode("utf-8")


def _taken(out: io.StringIO) -> str:
    """What `out` holds, emptying it."""
    text = out.getvalue()
    out.seek(0)
    out.truncate()
    return text


def to_csv(table: Table) -> bytes:
    return b"".join(csv_chunks(table))


def _csv_value(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, str):
        value = _text(value)
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if isinstance(value, (Decimal, float)):
        # A number is ours, never stored text: its minus sign is not a formula's, and Norwegian
        # Excel reads "-0,25" as a number.
        return str(value).replace(".", ",")
    return str(value)


def _text(value: object) -> str:
    """A stored text as a file may hold it: no control characters but tabs and line breaks."""
    return bounds.printable(str(value), multiline=True)


def write_xlsx(table: Table, out) -> None:
    """The table as a workbook written into the file object `out`, in openpyxl's write-only
    mode: rows go to a temporary file as they come, so memory stays flat however many."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title(table.title))
    rows = iter(table.rows)
    sample = list(islice(rows, WIDTH_SAMPLE))
    widths = [len(str(heading)) for heading in table.header]
    for row in sample:
        for column, value in enumerate(row):
            widths[column] = max(widths[column], len(_csv_value(value)))
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(MAX_COLUMN_WIDTH, width + 2)
    sheet.freeze_panes = "A2"
    header = []
    for heading in table.header:
        cell = WriteOnlyCell(sheet, value=_text(heading))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in chain(sample, rows):
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    workbook.save(out)


def _xlsx_cell(sheet, value: Value):
    """A plain value where the cell needs nothing more; a cell with its number format for dates
    and Decimals, and text kept as text where it looks like a formula."""
    written = _xlsx_value(value)
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=written)
        cell.number_format = DATE_FORMAT
        return cell
    # A day gets openpyxl's own format for days, which is DATE_FORMAT, without a cell of its own.
    if isinstance(value, Decimal):
        cell = WriteOnlyCell(sheet, value=written)
        cell.number_format = _decimals(value)
        return cell
    if isinstance(written, str) and written.startswith("="):
        cell = WriteOnlyCell(sheet, value=written)
        cell.data_type = "s"  # text, not a formula
        return cell
    return written


def xlsx_chunks(table: Table) -> Iterator[bytes]:
    """The workbook, written to a temporary file first (a zip file is finished only at its end),
    then read out a piece at a time."""
    with tempfile.TemporaryFile() as out:
        write_xlsx(table, out)
        out.seek(0)
        while chunk := out.read(FILE_CHUNK):
            yield chunk


def to_xlsx(table: Table) -> bytes:
    return b"".join(xlsx_chunks(table))


def _decimals(value: Decimal) -> str:
    """The number format that shows a Decimal as it was given: "0.00" for 4.67."""
    places = -value.as_tuple().exponent if isinstance(value.as_tuple().exponent, int) else 0
    return "0." + "0" * places if places > 0 else "0"


def _xlsx_value(value: Value) -> Value:
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, Decimal):
        return float(value)  # a number cell; `_decimals` keeps its places on show
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no time zones; callers pass Oslo days
    return value


def sheet_title(title: str) -> str:
    """A name Excel accepts for a sheet: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", "-", bounds.printable(title))[:31] or "Sheet"


def download(table: Table, fmt: str) -> Response:
    """The table as a file to save, in `fmt` (csv or xlsx), streamed as it is written.

    :raise 404: for any other format.
    """
    if fmt not in FORMATS:
        abort(404)
    chunks = csv_chunks(table) if fmt == "csv" else xlsx_chunks(table)
    body = stream_with_context(chunks)
    # content_type, not mimetype: Werkzeug adds "; charset=utf-8" to a text/* mimetype itself,
    # and the CSV's already says it, so it came twice.
    response = Response(body, content_type=MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{table.filename}.{fmt}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def slug(text: str) -> str:
    """A file-name part: lower case ASCII words joined by hyphens ("Kull 3" -> "kull-3")."""
    text = text.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "x"


def _name(organisation) -> str | None:
    """An organisation's official (bokmål) name, the one the registers know, in either language."""
    return organisation.name_nb if organisation is not None else None


# The three downloads


class Words:
    """Each enumeration's word and each cohort's term worked out once per download: looked up
    in the catalogue for every cell, they were most of a large download's time."""

    def __init__(self):
        self._words: dict[object, str] = {}

    def __call__(self, member) -> str:
        if member not in self._words:
            self._words[member] = str(member.label)
        return self._words[member]

    def programme(self, programme) -> str:
        """The programme's name in the reader's language: a cohort's label ("Kull 3") is unique
        only within its programme, so every download that names a cohort names its programme."""
        key = ("programme", programme.id)
        if key not in self._words:
            self._words[key] = programme.name(current_language())
        return self._words[key]

    def term(self, cohort) -> str:
        key = ("term", cohort.id)
        if key not in self._words:
            self._words[key] = str(cohort.term)
        return self._words[key]


def sector_table(ministry, rows: Iterable[SectorRow]) -> Table:
    """One row per organisation of the sector (`sector_rows`): the state of its latest enrolment
    (the whole lifecycle: not started, invited, confirmed, taking part, completed, withdrawn) and
    whether it has completed at any time, as the overview counts them."""
    word, yes, no = Words(), _("Yes"), _("No")
    return Table(
        title=_("Sector overview"),
        filename="sektor-" + (slug(ministry.short_label("nb")) if ministry else "hele-staten"),
        header=[_("Organisation"), _("Organisation number"), _("Kind"), _("Owning ministry"),
                _("State"), _("Programme"), _("Cohort"), _("Course month"),
                _("Course length (months)"), _("Has completed"), _("Completed on"),
                _("Enrolments")],
        rows=(
            (row.name, row.org_number, word(row.kind), row.ministry_name, word(row.state),
             word.programme(row.programme) if row.cohort else None,
             row.cohort.label if row.cohort else None, row.month, row.course_length,
             yes if row.has_completed else no, row.completed_on, row.enrolments)
            for row in rows
        ),
    )


def attendance_table(cohort, rows: list[AttendanceRow], with_notes: bool) -> Table:
    """One row per person and held session; the note column only `with_notes`."""
    header = [_("Cohort"), _("Organisation"), _("Person"), _("Role"), _("Session date"),
              _("Module"), _("Status")]
    if with_notes:
        header.append(_("Note"))
    lines = []
    for row in rows:
        person = row.membership.person
        line = [
            cohort.label,
            _name(row.membership.enrolment.organisation),
            person.name or _("(erased)"),
            row.membership.role.label,
            row.day,
            row.session.module.name(current_language()),
            row.attendance.status.label if row.attendance else _("Not recorded"),
        ]
        if with_notes:
            line.append(row.attendance.note if row.attendance else "")
        lines.append(line)
    return Table(
        title=_("Attendance"),
        filename=f"{slug(cohort.label)}-oppmote",
        header=header,
        rows=lines,
    )


def participation_table(rows: Iterable[ParticipationRow], filename_part: str | None = None) -> Table:
    """Every enrolment given (`participation_rows`), one row each: its status as recorded, and
    its state as the sector overview counts it (a group confirmed for a cohort that has
    started is taking part; one active in a cohort that has ended has completed)."""
    word = Words()
    return Table(
        title=_("Participation history"),
        filename="deltakelse" + (f"-{filename_part}" if filename_part else ""),
        header=[_("Organisation"), _("Organisation number"), _("Owning ministry"),
                _("Programme"), _("Cohort"), _("Term"), _("Start"), _("Planned end"), _("Status"),
                _("Status since"),
                # Not "State" alone: in Norwegian both are "Status", two columns of one name.
                _("State in the sector")],
        rows=(
            (row.organisation_name, row.org_number, row.ministry_name,
             word.programme(row.programme), row.cohort.label,
             word.term(row.cohort), row.cohort.start_date, row.cohort.planned_end,
             word(row.status), row.status_since, word(row.state))
            for row in rows
        ),
    )
