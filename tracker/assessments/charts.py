"""Bar charts of assessment changes, drawn on the server as inline SVG.

No script, no style attributes (the CSP allows neither), no web fonts: presentation attributes
only. Every bar carries its value as text, the chart has a title and a description for assistive
technology, and every page that shows a chart puts a table with the same numbers right after it.
Colours keep at least 3:1 contrast against the white background (the bars 5.3:1 and 5.6:1, the
text 17:1).
"""
from dataclasses import dataclass
from decimal import Decimal
from math import ceil, floor

from typing import TYPE_CHECKING

from flask_babel import format_decimal, gettext
from markupsafe import Markup, escape

from tracker.i18n import current_language

if TYPE_CHECKING:
    from tracker.assessments.services import CohortResults, GroupResults

WIDTH = 720
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
TEXT = "#1a1a1a"
BAR = "#1e6fb4"
HIGHLIGHT = "#a35200"
AXIS = "#595959"
GRID = "#c8c8c8"
ROW, BAR_HEIGHT, HEADING, GAP, TOP = 20, 13, 24, 8, 26
CHAR_WIDTH = 7.2  # a generous average for 12px sans-serif, bold included
VALUE_SPACE = 52


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal | None
    highlight: bool = False  # drawn in the second colour with a bold label (the average)


@dataclass(frozen=True)
class Section:
    heading: str | None
    bars: list[Bar]


def format_change(value: Decimal | None) -> str:
    """A change with its sign and two decimals in the reader's language: +0.45, −0.20, 0.00."""
    if value is None:
        return ""
    if value == 0:
        return format_decimal(Decimal(0), "0.00")
    return format_decimal(value, "+0.00;\u22120.00")


def format_score(value: Decimal | None) -> str:
    return "" if value is None else format_decimal(value, "0.00")


def _ticks(values: list[Decimal]) -> tuple[float, float, float]:
    """A domain that holds zero and every value, on whole steps, and the step."""
    low = min([0.0, *map(float, values)])
    high = max([0.0, *map(float, values)])
    span = high - low
    step = 0.25 if span <= 1 else 0.5 if span <= 2.5 else 1.0
    low, high = floor(low / step) * step, ceil(high / step) * step
    if high == low:
        high = low + step
    return low, high, step


def change_chart(
    sections: list[Section], *, title: str, description: str, id_prefix: str, no_data: str
) -> Markup:
    """A horizontal bar chart of changes around a zero line, as SVG markup to embed inline.

    `id_prefix` makes the title and description ids unique on the page; `no_data` is what a bar
    without a value says instead.
    """
    values = [bar.value for section in sections for bar in section.bars if bar.value is not None]
    low, high, step = _ticks(values)
    labels = [bar.label for section in sections for bar in section.bars]
    label_width = min(300, max(80, int(max(map(len, labels), default=0) * CHAR_WIDTH) + 12))
    left, right = label_width + VALUE_SPACE, WIDTH - VALUE_SPACE

    def x(value: float) -> float:
        return round(left + (value - low) / (high - low) * (right - left), 1)

    rows = sum((HEADING if s.heading else 0) + ROW * len(s.bars) + GAP for s in sections)
    height = TOP + rows
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" aria-labelledby="{id_prefix}-title {id_prefix}-desc" '
        f'font-family="{escape(FONT)}" font-size="12" fill="{TEXT}">',
        f'<title id="{id_prefix}-title">{escape(title)}</title>',
        f'<desc id="{id_prefix}-desc">{escape(description)}</desc>',
    ]
    # Grid and scale.
    tick_count = round((high - low) / step)
    for n in range(tick_count + 1):
        value = low + n * step
        parts.append(
            f'<line x1="{x(value)}" y1="{TOP - 6}" x2="{x(value)}" y2="{height}" '
            f'stroke="{AXIS if value == 0 else GRID}" stroke-width="{1.5 if value == 0 else 1}"/>'
        )
        parts.append(
            f'<text x="{x(value)}" y="{TOP - 10}" text-anchor="middle">'
            f"{escape(format_change(Decimal(str(value))))}</text>"
        )
    y = TOP
    for section in sections:
        if section.heading:
            parts.append(
                f'<text x="0" y="{y + HEADING - 8}" font-weight="bold">{escape(section.heading)}</text>'
            )
            y += HEADING
        for bar in section.bars:
            middle = y + ROW / 2
            weight = ' font-weight="bold"' if bar.highlight else ""
            parts.append(
                f'<text x="{label_width}" y="{middle + 4}" text-anchor="end"{weight}>'
                f"{escape(bar.label)}</text>"
            )
            if bar.value is None:
                parts.append(
                    f'<text x="{x(0) + 6}" y="{middle + 4}" font-style="italic">{escape(no_data)}</text>'
                )
            else:
                value = float(bar.value)
                start, end = sorted((x(0), x(value)))
                parts.append(
                    f'<rect x="{start}" y="{middle - BAR_HEIGHT / 2}" width="{max(end - start, 1)}" '
                    f'height="{BAR_HEIGHT}" fill="{HIGHLIGHT if bar.highlight else BAR}"/>'
                )
                if value < 0:
                    text = f'<text x="{start - 4}" y="{middle + 4}" text-anchor="end"{weight}>'
                else:
                    text = f'<text x="{end + 4}" y="{middle + 4}"{weight}>'
                parts.append(f"{text}{escape(format_change(bar.value))}</text>")
            y += ROW
        y += GAP
    parts.append("</svg>")
    return Markup("\n".join(parts))


def _group_name(results: "GroupResults") -> str:
    organisation = results.enrolment.organisation
    return organisation.short_label(current_language())


def cohort_chart(results: "CohortResults") -> Markup:
    """Per dimension: each group's change from baseline to final, then the cohort's average."""
    compared = results.compared
    sections = [
        Section(
            heading=dimension.name(current_language()),
            bars=[Bar(_group_name(g), g.change(dimension.id)) for g in compared]
            + [Bar(gettext("Cohort average"), average, highlight=True)],
        )
        for dimension, average in results.averages
    ]
    return change_chart(
        sections,
        title=gettext("Change from baseline to final assessment in %(cohort)s",
                      cohort=results.cohort.label),
        description=gettext(
            "For each dimension, one bar per group assessed both before and after (%(groups)s), "
            "then the cohort's average. Bars to the right of zero show improvement. The table "
            "after the chart has the same numbers.",
            groups=", ".join(_group_name(g) for g in compared),
        ),
        id_prefix="cohort-chart",
        no_data=gettext("no score"),
    )


def group_chart(results: "GroupResults") -> Markup:
    """The group's change per dimension from baseline to final."""
    return change_chart(
        [Section(None, [Bar(r.dimension.name(current_language()), r.change) for r in results.rows])],
        title=gettext("Change per dimension for %(group)s", group=_group_name(results)),
        description=gettext(
            "One bar per dimension: the final score minus the baseline score. Bars to the right "
            "of zero show improvement. The table after the chart has the same numbers."
        ),
        id_prefix=f"group-chart-{results.enrolment.id}",
        no_data=gettext("no score"),
    )
