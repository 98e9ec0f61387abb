"""The cohorts of a window of years on one time axis, drawn on the server as inline SVG.

The window is three years (by default last year, this year and next year, so every running
ten-month course and the next intake are on it whole); a page moves it with `?years_from=`, and
only the cohorts that overlap it are loaded and drawn, so the page stays the same size however
many years of history there are.

No script, no style attributes (the CSP allows neither): presentation attributes only; the
text is in the page's font, which inline SVG inherits. It prints: every shape has a dark outline or is a dark
line, so nothing depends on a fill or a background colour. Colours keep at least 3:1 contrast
against white (bars #1e6fb4 5.3:1, completed bars #595959 7:1, today #a35200 5.6:1, text and
outlines #1a1a1a 17:1). A page that shows the chart puts a table with the same facts after it
(templates/reports/_timeline.html).
"""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask import has_request_context, request, url_for
from flask_babel import format_date, gettext
from markupsafe import Markup, escape
from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import contains_eager

from tracker import bounds, clock
from tracker.cohorts.models import Cohort, CohortStatus
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.i18n import current_language
from tracker.i18n import day as house_day
from tracker.programmes.models import CourseModule, ModuleKind, Programme
from tracker.schedule.models import Session, SessionStatus
from tracker.users.models import User

WIDTH = 960
TEXT = "#1a1a1a"
RUNNING = "#1e6fb4"
COMPLETED = "#595959"
PLANNED = "#ffffff"  # outlined only, with a dashed edge
TODAY = "#a35200"
YEAR_LINE = "#595959"
MONTH_TICK = "#8a8a8a"
CHAR_WIDTH = 7.2  # a generous average for 12px sans-serif
TOP = 22  # the today label's line
YEARS_Y, MONTHS_Y, AXIS_Y = 40, 56, 62
ROW, BAR_HEIGHT = 30, 14
LEGEND = 36
# Month labels ("Jan") where each month gets this much room, their initials ("J") where it gets
# the narrower room, ticks alone otherwise.
MONTH_LABEL_ROOM, MONTH_INITIAL_ROOM = 26, 12
# The years a timeline shows at once, and the query argument that says the first of them.
WINDOW_YEARS = 3
# The most cohorts a window draws: with many programmes a window holds a hundred or more, and
# the page would grow with them. Those nearest today are drawn; the rest are counted, and each
# programme's page has its own timeline.
MAX_COHORTS = 24
YEARS_FROM = "years_from"


@dataclass(frozen=True)
class TimelineCohort:
    cohort: Cohort
    status: CohortStatus
    gatherings: list[date]  # the first day (Oslo) of each joint gathering not cancelled


@dataclass(frozen=True)
class Timeline:
    today: date
    cohorts: list[TimelineCohort]  # those overlapping the window, by start date
    first: date  # the axis runs from 1 January of the window's first year...
    last: date  # ...to 1 January after its last
    # The `years_from` of the window that ends with the nearest cohort before this one's first
    # year, and of the one that starts with the nearest cohort after its last; None when there
    # is none. Empty years in between are skipped, so a link never leads to an empty axis.
    earlier_from: int | None = None
    later_from: int | None = None
    moved: bool = False  # the window was asked for (`years_from`): offer the way back to today's
    # How many cohorts overlap the window but are not drawn (past MAX_COHORTS), and the
    # programmes with cohorts left out (some of theirs drawn or none) with how many, the most
    # first.
    not_drawn: int = 0
    programmes_not_drawn: tuple[tuple[Programme, int], ...] = ()

    @property
    def several_programmes(self) -> bool:
        """The cohorts drawn are of more than one programme: their labels are unique only within
        a programme, so each says its programme's name."""
        return len({row.cohort.programme_id for row in self.cohorts}) > 1

    def svg(self, id_prefix: str = "timeline") -> Markup:
        return render_timeline(self, id_prefix=id_prefix)

    @property
    def years(self) -> list[int]:
        return list(range(self.first.year, self.last.year))

    @property
    def first_year(self) -> int:
        return self.first.year

    @property
    def last_year(self) -> int:
        return self.last.year - 1

    @property
    def years_label(self) -> str:
        """The window's years as a heading says them: "2025–2027"."""
        return window_label(self.first_year)

    def label_of(self, years_from: int) -> str:
        return window_label(years_from)

    def url(self, years_from: int | None) -> str:
        """This page with the window starting in `years_from` (None: the window around today),
        its other arguments kept."""
        return window_url(years_from)


def window_label(years_from: int) -> str:
    """The years of the window that starts in `years_from`: "2025–2027" (one year at 2200)."""
    last_year = _window_end(years_from)
    return str(years_from) if last_year == years_from else f"{years_from}–{last_year}"


def window_url(years_from: int | None) -> str:
    """The current page with `?years_from=` set (or removed for None), its path arguments and
    other query arguments kept, opened at the timeline."""
    arguments = request.args.to_dict(flat=False)
    arguments.pop(YEARS_FROM, None)
    arguments.update(request.view_args or {})
    if years_from is not None:
        arguments[YEARS_FROM] = years_from
    return url_for(request.endpoint, _anchor="timeline-heading", **arguments)


def requested_years_from() -> int | None:
    """The page's `?years_from=`: the first year of the timeline's window, None when not given
    (or outside a request).

    :raise DomainError: (a 400 page) for anything but a year from 1900 to 2200.
    """
    if not has_request_context():
        return None
    value = request.args.get(YEARS_FROM, "")
    if value == "":
        return None
    year = bounds.bounded_int(value, minimum=bounds.EARLIEST.year, maximum=bounds.LATEST.year)
    if year is None:
        raise DomainError(
            gettext("%(field)s: enter a year from %(earliest)s to %(latest)s.",
                    field=gettext("First year of the timeline"),
                    earliest=bounds.EARLIEST.year, latest=bounds.LATEST.year),
            field=YEARS_FROM,
        )
    return year


def cohort_timeline(
    today: date, for_user: User | None = None, cohort_ids: Iterable[int] | Select | None = None,
    years_from: int | None = None,
) -> Timeline:
    """The cohorts (those the user may see; only `cohort_ids` when given) that overlap a window
    of `WINDOW_YEARS` years, with their joint gatherings, and where the nearest cohorts before
    and after the window lie. In two queries, however many cohorts there are (three when the
    window around today is empty and the nearest cohorts are shown instead).

    The window starts in `years_from`, else in the page's `?years_from=`
    (`requested_years_from`, which refuses junk with a DomainError), else the year before
    today's. A today outside the window is drawn at the axis's edge.
    """
    scope: list[ColumnElement[bool]] = []
    if for_user is not None:
        scope.append(Cohort.visible_to(for_user))
    if cohort_ids is not None:
        scope.append(Cohort.id.in_(cohort_ids))
    chosen = years_from if years_from is not None else requested_years_from()
    first_year = _window_start(chosen if chosen is not None else today.year - 1)
    before, after, inside = _neighbours(scope, first_year)
    if chosen is None and not inside and (before or after):
        # Nothing around today (a sector whose cohorts are long over, a programme whose first
        # intake is years away): show the nearest cohorts rather than an empty axis.
        nearest_later = after is not None and (before is None or after - today <= today - before)
        first_year = _window_start(after.year if nearest_later else before.year - WINDOW_YEARS + 1)
        before, after, inside = _neighbours(scope, first_year)
    last_year = _window_end(first_year)
    first, last = date(first_year, 1, 1), date(last_year + 1, 1, 1)

    # At most MAX_COHORTS of the window's cohorts, those nearest today: the ones running or to
    # come, the soonest first, then the ones over, the latest first. Each with how many of its
    # programme's overlap the window. Beside them, the nearest cohort of each programme that has
    # none among them, not drawn: its programme is named under the chart with a link to its own
    # timeline, as is every programme with cohorts left out.
    to_come = Cohort.planned_end >= today
    nearest_first = (case((to_come, 0), else_=1), case((to_come, Cohort.start_date)),
                     case((~to_come, Cohort.planned_end)).desc(), Cohort.ordinal, Cohort.id)
    ranked = (
        select(Cohort.id.label("id"),
               func.count().over(partition_by=Cohort.programme_id).label("in_programme"),
               func.row_number().over(order_by=nearest_first).label("place"),
               func.row_number().over(partition_by=Cohort.programme_id,
                                      order_by=nearest_first).label("place_in_programme"))
        .where(*scope, Cohort.start_date < last, Cohort.planned_end >= first)
        .subquery()
    )
    # Named up to MAX_COHORTS such programmes, so the rows stay bounded however many there are.
    chosen_ids = (select(ranked.c.id, ranked.c.in_programme, ranked.c.place)
                  .where(or_(ranked.c.place <= MAX_COHORTS, ranked.c.place_in_programme == 1))
                  .order_by(ranked.c.place).limit(2 * MAX_COHORTS)
                  .subquery())
    drawn_row = chosen_ids.c.place <= MAX_COHORTS
    # One row per cohort and joint gathering (a cohort without one once, with None).
    joint = select(CourseModule.id).where(CourseModule.kind == ModuleKind.JOINT_GATHERING)
    rows = db.session.execute(
        select(Cohort, chosen_ids.c.in_programme, drawn_row, Session.starts_at)
        .join(chosen_ids, chosen_ids.c.id == Cohort.id)
        .join(Cohort.programme)
        .outerjoin(Session, and_(drawn_row, Session.cohort_id == Cohort.id,
                                 Session.module_id.in_(joint),
                                 Session.status != SessionStatus.CANCELLED))
        .options(contains_eager(Cohort.programme))
        .order_by(Cohort.start_date, Cohort.ordinal, Cohort.id, Session.starts_at)
    ).all()
    cohorts: dict[int, Cohort] = {}
    gatherings: dict[int, list[date]] = {}
    in_programme: dict[int, int] = {}
    programmes: dict[int, Programme] = {}
    for cohort, overlapping, is_drawn, starts_at in rows:
        in_programme[cohort.programme_id] = overlapping
        programmes[cohort.programme_id] = cohort.programme
        if not is_drawn:
            continue
        cohorts.setdefault(cohort.id, cohort)
        days = gatherings.setdefault(cohort.id, [])
        if starts_at is not None and clock.local_day(starts_at) not in days:
            days.append(clock.local_day(starts_at))
    drawn = dict.fromkeys(programmes, 0)
    for cohort in cohorts.values():
        drawn[cohort.programme_id] += 1
    left_out = sorted(
        ((programmes[key], in_programme[key] - drawn[key]) for key in programmes
         if in_programme[key] > drawn[key]),
        key=lambda pair: (-pair[1], pair[0].id))

    earlier_from = _window_start(before.year - WINDOW_YEARS + 1) if before else None
    later_from = _window_start(after.year) if after else None
    return Timeline(
        today=today,
        cohorts=[TimelineCohort(c, c.status(today), gatherings[c.id]) for c in cohorts.values()],
        first=first,
        last=last,
        # A cohort stored outside the years a form takes (year 1, year 9999) is not reachable
        # by a window (they stay within 1900–2200): no link that would lead back here.
        earlier_from=earlier_from if earlier_from is not None and earlier_from < first_year else None,
        later_from=later_from if later_from is not None and later_from > first_year else None,
        moved=chosen is not None,
        not_drawn=max(0, inside - len(cohorts)),
        programmes_not_drawn=tuple(left_out),
    )


def _window_start(year: int) -> int:
    return min(max(year, bounds.EARLIEST.year), bounds.LATEST.year)


def _window_end(first_year: int) -> int:
    # The axis's last 1 January stays a date a calendar can add to.
    return min(first_year + WINDOW_YEARS - 1, bounds.LATEST.year)


def _neighbours(scope: list[ColumnElement[bool]], first_year: int) -> tuple[date | None, date | None, int]:
    """For the window starting in `first_year`: the latest planned end before it, the earliest
    start after it, and how many cohorts overlap it; in one query."""
    first, last = date(first_year, 1, 1), date(_window_end(first_year) + 1, 1, 1)
    before, after, inside = db.session.execute(
        select(
            func.max(Cohort.planned_end).filter(Cohort.planned_end < first),
            func.min(Cohort.start_date).filter(Cohort.start_date >= last),
            func.count().filter(Cohort.start_date < last, Cohort.planned_end >= first),
        ).where(*scope)
    ).one()
    return before, after, inside


def render_timeline(timeline: Timeline, *, id_prefix: str = "timeline") -> Markup:
    """The timeline as SVG markup to embed inline: a bar per cohort from its start to its planned
    end with its label on the left, a diamond for each joint gathering, a line for today.

    `id_prefix` makes the title and description ids unique on the page.
    """
    labels = [row.cohort.label for row in timeline.cohorts]
    label_width = min(220, max(80, int(max(map(len, labels), default=0) * CHAR_WIDTH) + 16))
    if timeline.several_programmes:
        label_width = 220  # room for the programme's name under each label
    left, right = label_width, WIDTH - 12
    span = (timeline.last - timeline.first).days

    def x(day: date) -> float:
        day = min(max(day, timeline.first), timeline.last)
        return round(left + (day - timeline.first).days / span * (right - left), 1)

    rows_top = AXIS_Y + 10
    height = rows_top + ROW * max(1, len(timeline.cohorts)) + LEGEND
    # Messages outside the f-strings: `pybabel extract` does not look inside them.
    title = gettext("Timeline of the cohorts")
    parts = [
        (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" '
         f'width="100%" aria-labelledby="{id_prefix}-title {id_prefix}-desc" '
         f'font-size="12" fill="{TEXT}" class="timeline">'),
        f'<title id="{id_prefix}-title">{escape(title)}</title>',
        f'<desc id="{id_prefix}-desc">{escape(_description(timeline))}</desc>',
    ]
    parts += _axis(timeline, x, left, right, height - LEGEND)
    y = rows_top
    language = current_language()
    for row in timeline.cohorts:
        programme = row.cohort.programme.name(language) if timeline.several_programmes else None
        parts += _cohort_row(row, x, y, label_width, programme)
        y += ROW
    if not timeline.cohorts:
        elsewhere = timeline.earlier_from is not None or timeline.later_from is not None
        nothing = gettext("No cohorts in these years.") if elsewhere else gettext("No cohorts yet.")
        parts.append(f'<text x="{left + 6}" y="{y + ROW / 2 + 4}" font-style="italic">'
                     f'{escape(nothing)}</text>')
    parts += _today(timeline, x, rows_top, height - LEGEND)
    parts += _legend(height - LEGEND + 8)
    parts.append("</svg>")
    return Markup("\n".join(parts))


def _description(timeline: Timeline) -> str:
    return gettext(
        "One bar per cohort from its start to its planned end, on a time axis from %(first)s "
        "to %(last)s; diamonds mark the joint gatherings and a vertical line marks today, "
        "%(today)s. The table after the chart has the same facts.",
        first=timeline.first.year, last=timeline.last.year - 1,
        today=house_day(timeline.today),
    )


def _axis(timeline: Timeline, x, left: float, right: float, bottom: float) -> list[str]:
    parts = [f'<line x1="{left}" y1="{AXIS_Y}" x2="{right}" y2="{AXIS_Y}" stroke="{TEXT}"/>']
    months = len(timeline.years) * 12
    room = (right - left) / months
    pattern = "MMM" if room >= MONTH_LABEL_ROOM else "MMMMM" if room >= MONTH_INITIAL_ROOM else None
    for year in timeline.years:
        start = date(year, 1, 1)
        next_year = date(year + 1, 1, 1)
        parts.append(
            f'<line x1="{x(start)}" y1="{YEARS_Y - 12}" x2="{x(start)}" y2="{bottom}" '
            f'stroke="{YEAR_LINE}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{round((x(start) + x(next_year)) / 2, 1)}" y="{YEARS_Y}" '
            f'text-anchor="middle" font-weight="bold">{year}</text>'
        )
        for month in range(2, 13):
            tick = x(date(year, month, 1))
            parts.append(f'<line x1="{tick}" y1="{AXIS_Y - 5}" x2="{tick}" y2="{AXIS_Y}" '
                         f'stroke="{MONTH_TICK}"/>')
        if pattern:
            for month in range(1, 13):
                middle = round((x(date(year, month, 1)) + x(_month_after(year, month))) / 2, 1)
                name = format_date(date(year, month, 1), pattern)
                parts.append(f'<text x="{middle}" y="{MONTHS_Y}" text-anchor="middle" '
                             f'font-size="10">{escape(name)}</text>')
    end = x(timeline.last)
    parts.append(f'<line x1="{end}" y1="{YEARS_Y - 12}" x2="{end}" y2="{bottom}" '
                 f'stroke="{YEAR_LINE}"/>')
    return parts


def _month_after(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1)


def _cohort_row(row: TimelineCohort, x, y: float, label_width: float,
                programme: str | None = None) -> list[str]:
    """A cohort's label, bar and gatherings; `programme`, its programme's name, goes under the
    label in smaller type (shortened to fit) where cohorts of several programmes are drawn."""
    cohort = row.cohort
    middle = y + ROW / 2
    start, end = x(cohort.start_date), x(cohort.planned_end)
    fill = {CohortStatus.RUNNING: RUNNING, CohortStatus.COMPLETED: COMPLETED}.get(row.status, PLANNED)
    dashed = ' stroke-dasharray="4 3"' if row.status is CohortStatus.PLANNED else ""
    if programme is None:
        label = f'<text x="{label_width - 8}" y="{middle + 4}" text-anchor="end">{escape(cohort.label)}</text>'
    else:
        room = int((label_width - 16) / (CHAR_WIDTH * 10 / 12))
        short = programme if len(programme) <= room else programme[:room - 1].rstrip() + "…"
        label = (f'<text x="{label_width - 8}" y="{middle - 1}" text-anchor="end">{escape(cohort.label)}'
                 f'<tspan x="{label_width - 8}" dy="12" font-size="10">{escape(short)}</tspan></text>')
    parts = [
        f'<g class="timeline-cohort" data-cohort="{cohort.id}">',
        label,
        (f'<rect class="timeline-bar" x="{start}" y="{middle - BAR_HEIGHT / 2}" '
         f'width="{max(end - start, 2)}" height="{BAR_HEIGHT}" fill="{fill}" stroke="{TEXT}" '
         f'stroke-width="1"{dashed}><title>{escape(_bar_title(cohort, programme))}</title></rect>'),
    ]
    for day in row.gatherings:
        cx, size = x(day), 6
        points = (f"{cx},{middle - size} {cx + size},{middle} {cx},{middle + size} "
                  f"{cx - size},{middle}")
        marker = gettext("Joint gathering, %(day)s", day=house_day(day))
        parts.append(
            f'<polygon class="timeline-gathering" points="{points}" fill="#ffffff" '
            f'stroke="{TEXT}" stroke-width="1.5"><title>'
            f'{escape(marker)}'
            f"</title></polygon>"
        )
    parts.append("</g>")
    return parts


def _bar_title(cohort: Cohort, programme: str | None = None) -> str:
    name = cohort.label if programme is None else f"{cohort.label} ({programme})"
    return gettext("%(cohort)s: %(start)s to %(end)s", cohort=name,
                   start=house_day(cohort.start_date),
                   end=house_day(cohort.planned_end))


def _today(timeline: Timeline, x, top: float, bottom: float) -> list[str]:
    at = x(timeline.today)
    inside = timeline.first <= timeline.today < timeline.last
    label = gettext("Today, %(day)s", day=house_day(timeline.today))
    if not inside:
        label = ("← " + label) if timeline.today < timeline.first else (label + " →")
    middle = (x(timeline.first) + x(timeline.last)) / 2
    anchor = "end" if at > middle else "start"
    shift = -4 if anchor == "end" else 4
    return [
        (f'<line class="timeline-today" x1="{at}" y1="{TOP + 4}" x2="{at}" y2="{bottom}" '
         f'stroke="{TODAY}" stroke-width="2"/>'),
        (f'<text x="{at + shift}" y="{TOP}" text-anchor="{anchor}" fill="{TODAY}" '
         f'font-weight="bold">{escape(label)}</text>'),
    ]


def _legend(y: float) -> list[str]:
    running, completed, planned = gettext("Running"), gettext("Completed"), gettext("Planned")
    gathering, today = gettext("Joint gathering"), gettext("Today")
    return [
        '<g class="timeline-legend" font-size="11">',
        f'<rect x="0" y="{y}" width="24" height="10" fill="{RUNNING}" stroke="{TEXT}"/>',
        f'<text x="30" y="{y + 9}">{escape(running)}</text>',
        f'<rect x="110" y="{y}" width="24" height="10" fill="{COMPLETED}" stroke="{TEXT}"/>',
        f'<text x="140" y="{y + 9}">{escape(completed)}</text>',
        (f'<rect x="240" y="{y}" width="24" height="10" fill="{PLANNED}" stroke="{TEXT}" '
         f'stroke-dasharray="4 3"/>'),
        f'<text x="270" y="{y + 9}">{escape(planned)}</text>',
        (f'<polygon points="376,{y - 1} 382,{y + 5} 376,{y + 11} 370,{y + 5}" fill="#ffffff" '
         f'stroke="{TEXT}" stroke-width="1.5"/>'),
        f'<text x="390" y="{y + 9}">{escape(gathering)}</text>',
        f'<line x1="510" y1="{y - 2}" x2="510" y2="{y + 12}" stroke="{TODAY}" stroke-width="2"/>',
        f'<text x="518" y="{y + 9}">{escape(today)}</text>',
        "</g>",
    ]
