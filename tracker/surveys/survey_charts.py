"""The group's survey results as a bar chart drawn on the server (inline SVG), in the house style
of tracker/assessments/charts.py: no script, no style attributes, presentation attributes only,
each bar with its value as text. The chart is one half of a `<figure>`: its figcaption says
what it shows, the SVG has `role="img"` and a short label, and the table beside it holds the
same numbers as the text alternative.

Per factor, grouped by part: the baseline mean and the final mean on the instrument's scale.
Baseline bars are the house blue, final bars dark orange, both over 3:1 against white; a
legend names them, and each bar's value is written beside it so colour is never the only cue.
"""

from flask_babel import gettext
from markupsafe import Markup, escape

from tracker.assessments.charts import AXIS, BAR, CHAR_WIDTH, FONT, GRID, HIGHLIGHT, TEXT, WIDTH, format_score
from tracker.i18n import current_language
from tracker.surveys.results import GroupResults

ROW, BAR_HEIGHT, HEADING, GAP, TOP, VALUE_SPACE = 16, 12, 24, 10, 44, 44


def _scale_of(results: GroupResults) -> tuple[int, int]:
    """The lowest and highest point of the scales the group's items use (1–5 in the programme)."""
    lows, highs = [], []
    for round_result in (results.baseline, results.final):
        if round_result is None:
            continue
        for item in round_result.version.items:
            lows.append(item.scale.lowest)
            highs.append(item.scale.highest)
    return (min(lows), max(highs)) if lows else (1, 5)


def group_survey_chart(results: GroupResults, id_prefix: str = "survey-chart") -> Markup:
    """Baseline and final means per factor, as SVG markup to put inside a figure."""
    language = current_language()
    low, high = _scale_of(results)
    labels = [row.factor.name(language) for row in results.rows]
    label_width = min(300, max(80, int(max(map(len, labels), default=0) * CHAR_WIDTH) + 12))
    left, right = label_width + 8, WIDTH - VALUE_SPACE

    def x(value: float) -> float:
        return round(left + (value - low) / (high - low) * (right - left), 1)

    series = [(gettext("Baseline"), BAR, "baseline"), (gettext("Final"), HIGHLIGHT, "final")]
    label = gettext("Bar chart of the survey results; the table has the same numbers.")
    height = TOP + sum(HEADING + len(rows) * (2 * ROW + GAP) for _part, rows in results.parts)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" aria-label="{escape(label)}" '
        f'font-family="{escape(FONT)}" font-size="12" fill="{TEXT}">',
    ]
    # Legend.
    legend_x = left
    for name, colour, _key in series:
        parts.append(f'<rect x="{legend_x}" y="4" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{legend_x + 16}" y="14">{escape(name)}</text>')
        legend_x += 16 + int(len(name) * CHAR_WIDTH) + 24
    # Scale.
    for value in range(low, high + 1):
        parts.append(f'<line x1="{x(value)}" y1="{TOP - 6}" x2="{x(value)}" y2="{height}" '
                     f'stroke="{AXIS if value == low else GRID}" stroke-width="1"/>')
        parts.append(f'<text x="{x(value)}" y="{TOP - 10}" text-anchor="middle">{value}</text>')
    y = TOP
    for part, rows in results.parts:
        parts.append(f'<text x="0" y="{y + HEADING - 8}" font-weight="bold">'
                     f"{escape(part.name(language))}</text>")
        y += HEADING
        for row in rows:
            parts.append(f'<text x="{label_width}" y="{y + ROW + 4}" text-anchor="end">'
                         f"{escape(row.factor.name(language))}</text>")
            for name, colour, key in series:
                score = getattr(row, key)
                middle = y + ROW / 2
                if score is None:
                    missing = gettext("%(round)s: no score", round=name)
                    parts.append(f'<text x="{x(low) + 6}" y="{middle + 4}" font-style="italic">'
                                 f"{escape(missing)}</text>")
                else:
                    end = x(float(score.mean))
                    parts.append(f'<rect x="{x(low)}" y="{middle - BAR_HEIGHT / 2}" '
                                 f'width="{max(end - x(low), 1)}" height="{BAR_HEIGHT}" fill="{colour}"/>')
                    parts.append(f'<text x="{end + 4}" y="{middle + 4}">'
                                 f"{escape(format_score(score.mean))}</text>")
                y += ROW
            y += GAP
    parts.append("</svg>")
    return Markup("\n".join(parts))


