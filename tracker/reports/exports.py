"""Tables to download, as CSV or as an Excel workbook.

CSV is what Norwegian Excel opens with a double click: UTF-8 with a byte-order mark (so æøå
survive), semicolons between fields (the comma is the decimal sign), CRLF line ends, a header
row, dates as yyyy-mm-dd and numbers with a decimal comma (-0,25). The workbook has typed cells
(numbers as numbers, a Decimal with its own number of decimals; dates as dates), a bold header
row that stays in view, and columns wide enough for what they hold.

A stored text that begins like a formula (=, +, -, @) gets a leading apostrophe in the CSV and
is stored as text in the workbook, so a name or a note can never run as a formula (as OWASP advises
against CSV injection). Control characters are left out of both: a workbook cannot hold them at
all, and a note keeps only its tabs and line breaks.
"""
import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask import Response, abort
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from tracker import bounds
from tracker.i18n import current_language
from tracker.reports.services import AttendanceRow, SectorOverview

FORMATS = ("csv", "xlsx")
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
DATE_FORMAT = "yyyy-mm-dd"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_COLUMN_WIDTH = 60

Value = str | int | float | Decimal | date | None


@dataclass(frozen=True)
class Table:
    """What to download: a title (the sheet's name), a file name without extension, a header
    and rows of plain values."""

    title: str
    filename: str
    header: Sequence[str]
    rows: Sequence[Sequence[Value]]


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")  # the csv module ends lines with CRLF
    writer.writerow([_text(heading) for heading in table.header])
    for row in table.rows:
        writer.writerow([_csv_value(value) for value in row])
    return out.getvalue().encode("utf-8-sig")


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


def to_xlsx(table: Table) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title(table.title)
    sheet.append([_text(heading) for heading in table.header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(str(heading)) for heading in table.header]
    for row in table.rows:
        sheet.append([_xlsx_value(value) for value in row])
        for column, (cell, value) in enumerate(zip(sheet[sheet.max_row], row)):
            if isinstance(value, date):
                cell.number_format = DATE_FORMAT
            elif isinstance(value, Decimal):
                cell.number_format = _decimals(value)
            elif isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text, not a formula
            widths[column] = max(widths[column], len(_csv_value(value)))
    for column, width in enumerate(widths, start=1):
        letter = sheet.cell(row=1, column=column).column_letter
        sheet.column_dimensions[letter].width = min(MAX_COLUMN_WIDTH, width + 2)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


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
    """The table as a file to save, in `fmt` (csv or xlsx).

    :raise 404: for any other format.
    """
    if fmt not in FORMATS:
        abort(404)
    body = to_csv(table) if fmt == "csv" else to_xlsx(table)
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


def sector_table(overview: SectorOverview) -> Table:
    """One row per organisation of the sector: the state of its latest enrolment (the whole
    lifecycle: not started, invited, confirmed, taking part, completed, withdrawn) and whether
    it has completed at any time, as the overview counts them."""
    ministry = overview.ministry
    rows = []
    for row in overview.organisations:
        organisation = row.organisation
        rows.append((
            _name(organisation),
            organisation.org_number,
            organisation.kind.label,
            _name(organisation.owning_ministry),
            row.state.label,
            row.cohort.label if row.cohort else None,
            row.month,
            row.course_length,
            _("Yes") if row.has_completed else _("No"),
            row.completed_on,
            len(row.history),
        ))
    return Table(
        title=_("Sector overview"),
        filename="sektor-" + (slug(ministry.short_label("nb")) if ministry else "hele-staten"),
        header=[_("Organisation"), _("Organisation number"), _("Kind"), _("Owning ministry"),
                _("State"), _("Cohort"), _("Course month"), _("Course length (months)"),
                _("Has completed"), _("Completed on"), _("Enrolments")],
        rows=rows,
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


def participation_table(participations, filename_part: str | None = None) -> Table:
    """Every enrolment given (`Participation`s), one row each: its status as recorded, and
    its state as the sector overview counts it (a group confirmed for a cohort that has
    started is taking part; one active in a cohort that has ended has completed)."""
    rows = []
    for p in participations:
        organisation, cohort = p.enrolment.organisation, p.cohort
        rows.append((
            _name(organisation),
            organisation.org_number,
            _name(organisation.owning_ministry),
            cohort.label,
            cohort.term,
            cohort.start_date,
            cohort.planned_end,
            p.status.label,
            p.status_since,
            p.state.label,
        ))
    return Table(
        title=_("Participation history"),
        filename="deltakelse" + (f"-{filename_part}" if filename_part else ""),
        header=[_("Organisation"), _("Organisation number"), _("Owning ministry"), _("Cohort"),
                _("Term"), _("Start"), _("Planned end"), _("Status"), _("Status since"),
                _("State")],
        rows=rows,
    )
