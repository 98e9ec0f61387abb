"""The survey's results as files: the same numbers as the pages, under the same rules (they are
made from the same `tracker.surveys.results` objects, so nothing below the minimum and no open
answers a page would not show).

Written by the house exports (tracker/reports/exports.py): means, spreads and changes go in as
Decimals, so the CSV has them as numbers with a decimal comma and the workbook as number cells
with two decimals; only stored text (names, open answers) is guarded against formulas.
"""
from flask_babel import gettext as _

from tracker.i18n import current_language
from tracker.reports.exports import Table, slug
from tracker.surveys.results import Comparison, GroupResults, ProgrammeComparison


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
