"""The survey's results as files: the same numbers as the pages, under the same rules (they are
made from the same `tracker.surveys.results` objects, so nothing below the minimum and no open
answers a page would not show).

CSV as the house exports write it (tracker/reports/exports.py: UTF-8 with BOM, semicolons,
CRLF), with decimals written with a comma as Norwegian Excel reads them. The workbook is
written by openpyxl in write-only mode: numbers as numbers with two decimals, a bold header.
"""
import io
from decimal import Decimal

from flask import Response, abort
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from tracker.i18n import current_language
from tracker.reports.exports import FORMATS, MIMETYPES, Table, _text, sheet_title, slug, to_csv
from tracker.surveys.results import Comparison, GroupResults, ProgrammeComparison

NUMBER_FORMAT = "0.00"


def download(table: Table, fmt: str) -> Response:
    """The table as a file to save, in `fmt` (csv or xlsx).

    :raise 404: for any other format.
    """
    if fmt not in FORMATS:
        abort(404)
    body = _csv(table) if fmt == "csv" else _xlsx(table)
    response = Response(body, mimetype=MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{table.filename}.{fmt}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _csv(table: Table) -> bytes:
    def comma(value):
        return str(value).replace(".", ",") if isinstance(value, Decimal) else value

    return to_csv(Table(table.title, table.filename, table.header,
                        [[comma(v) for v in row] for row in table.rows]))


def _xlsx(table: Table) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title(table.title))
    header = []
    for heading in table.header:
        cell = WriteOnlyCell(sheet, value=_text(heading))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in table.rows:
        cells = []
        for value in row:
            if isinstance(value, Decimal):
                cell = WriteOnlyCell(sheet, value=float(value))
                cell.number_format = NUMBER_FORMAT
            elif isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=_text(value))
                cell.data_type = "s"  # text, never a formula
            else:
                cell = WriteOnlyCell(sheet, value=value)
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _comparison_header() -> list[str]:
    return [_("Factor code"), _("Factor"), _("Groups compared"), _("Groups improved"),
            _("Share improved"), _("Baseline mean"), _("Final mean"), _("Change")]


def _comparison_rows(comparison: Comparison, first: list) -> list[list]:
    language = current_language()
    return [[*first, f.code, f.factor.name(language), f.groups, f.improved, f.share_improved,
             f.baseline, f.final, f.change] for f in comparison.factors]


def group_table(results: GroupResults) -> Table:
    """Per factor: each round's respondents, mean and spread, and the change; then the open
    answers where the reader may see them (in the shuffled order the page shows too)."""
    language = current_language()
    rows = []
    for row in results.rows:
        line = [row.part.name(language), row.factor.code, row.factor.name(language)]
        for score in (row.baseline, row.final):
            line += [score.respondents, score.mean, score.spread] if score else [None, None, None]
        line.append(row.change)
        rows.append(line)
    kinds = {"baseline": _("Baseline"), "final": _("Final")}
    for kind, answers in (results.open_answers or {}).items():
        for answers_to in answers:
            for text in answers_to.texts:
                rows.append([kinds[kind], answers_to.question.code,
                             answers_to.question.question(language), *[None] * 7, text])
    organisation = results.enrolment.organisation
    header = [_("Part"), _("Factor code"), _("Factor"),
              _("Baseline respondents"), _("Baseline mean"), _("Baseline spread (SD)"),
              _("Final respondents"), _("Final mean"), _("Final spread (SD)"), _("Change")]
    if results.open_answers:
        header.append(_("Open answer"))
    return Table(
        title=_("Survey results"),
        filename=f"{slug(organisation.short_label('nb'))}-{slug(results.enrolment.cohort.label)}-undersokelse",
        header=header,
        rows=rows,
    )


def cohort_table(cohort, comparison: Comparison) -> Table:
    return Table(title=_("Survey results"), filename=f"{slug(cohort.label)}-undersokelse",
                 header=[_("Cohort"), *_comparison_header()],
                 rows=_comparison_rows(comparison, [cohort.label]))


def programme_table(programme, found: ProgrammeComparison) -> Table:
    rows = []
    for cohort, comparison in found.per_cohort:
        rows += _comparison_rows(comparison, [cohort.label])
    rows += _comparison_rows(found.total, [_("All cohorts")])
    return Table(title=_("Survey results"),
                 filename=f"{slug(programme.name('nb'))}-undersokelse",
                 header=[_("Cohort"), *_comparison_header()], rows=rows)


def sector_table(ministry, comparison: Comparison) -> Table:
    """The sector's figures; no rows at all below `results.LEAST_GROUPS` groups, and never an
    open answer."""
    name = ministry.short_label("nb") if ministry else "hele-staten"
    return Table(title=_("Survey results"), filename=f"sektor-{slug(name)}-undersokelse",
                 header=_comparison_header(), rows=_comparison_rows(comparison, []))
