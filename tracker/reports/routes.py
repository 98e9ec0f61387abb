"""The sector overview and the downloads: a ministry's sector, a cohort's attendance and the
participation history, as pages and as CSV or Excel files."""

from flask import Blueprint, abort, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField

from tracker import bounds, clock
from tracker.cohorts.services import get_cohort_or_404
from tracker.errors import render_error
from tracker.forms import Form
from tracker.fragments import fragment
from tracker.i18n import percent
from tracker.organisations.services import get_organisation_or_404
from tracker.reports.exports import (
    attendance_table,
    download,
    participation_table,
    sector_table,
    slug,
)
from tracker.reports.services import (
    chooses_sector,
    cohort_attendance,
    get_sector_or_404,
    organisation_page,
    page_count,
    participation_rows,
    participation_rows_query,
    sector_cohort_ids,
    sector_rows,
    sector_rows_query,
    sector_summary,
    sector_survey,
    shows_attendance_notes,
)
from tracker.reports.timeline import cohort_timeline

bp = Blueprint("reports", __name__)

# The download URLs end in one of these; any other answers 404.
FORMAT = "<any(csv, xlsx):fmt>"


class SectorForm(Form):
    """Which sector to show: a GET form, so the page's address says what it shows."""

    class Meta:
        csrf = False

    ministry = SelectField(
        _l("Sector"),
        description=_l("A ministry and the organisations it owns, or every organisation in "
                       "the state."),
    )

    def __init__(self, *args, ministries, **kwargs):
        """`ministries`: each one's id, name (bokmål) and short name, by name."""
        super().__init__(*args, **kwargs)
        self.ministry.choices = [("", str(_l("The whole state")))] + [
            (str(id_), name_nb + (f" ({short_name})" if short_name else ""))
            for id_, name_nb, short_name in ministries
        ]


@bp.get("/sector")
def sector():
    """The sector's summary (by state and, for the whole state, by ministry), then one page of
    its organisations: bounded however many organisations and cohorts there are."""
    ministry = get_sector_or_404(request.args.get("ministry"), current_user)
    number = bounds.page_number()
    # The whole body is kept for its sector, page and window (tracker/fragments.py); within it,
    # the two pieces that read the sector's whole history are kept on their own as well, for
    # its other pages.
    body = fragment("sector", ministry.id if ministry else None, number,
                    request.args.get("years_from"), render=lambda: sector_body(ministry, number))
    return render_template("reports/sector.html", ministry=ministry, number=number, body=body)


def sector_body(ministry, number: int) -> str:
    day = clock.today()
    summary = sector_summary(ministry, day, current_user)
    form = None
    if chooses_sector(current_user):
        # The summary has every ministry: no query of their own for the choices.
        form = SectorForm(formdata=None, data={"ministry": str(ministry.id) if ministry else ""},
                          ministries=[(row.ministry_id, row.name_nb, row.short_name)
                                      for row in summary.ministries if row.ministry_id])
    page = organisation_page(summary, number)
    if page is None:
        abort(make_response(render_error(404, detail=_(
            "There is no page %(page)s of this sector's organisations: it has %(pages)s.",
            page=number, pages=page_count(summary.total)))))
    ministry_arg = ministry.id if ministry and chooses_sector(current_user) else None
    sector_id = ministry.id if ministry else None

    def survey_section() -> str:
        return render_template("reports/_sector_survey.html", ministry_arg=ministry_arg,
                               survey=sector_survey(ministry, day, current_user))

    def timeline_section() -> str:
        timeline = cohort_timeline(day, current_user, cohort_ids=sector_cohort_ids(ministry))
        return render_template("reports/_timeline.html", timeline=timeline) if timeline.cohorts else ""

    return render_template(
        "reports/_sector_body.html",
        overview=summary,
        page=page,
        share=percent(summary.completed, summary.total),
        form=form,
        ministry_arg=ministry_arg,
        survey_section=fragment("sector-survey", sector_id, ministry_arg, render=survey_section),
        timeline_section=fragment("sector-timeline", sector_id,
                                  tuple(sorted(request.args.items(multi=True))),
                                  render=timeline_section),
    )


@bp.get(f"/sector.{FORMAT}")
def sector_export(fmt: str):
    ministry = get_sector_or_404(request.args.get("ministry"), current_user)
    # The statement is built now; it runs as the file is written, after the request's commit.
    query = sector_rows_query(ministry, current_user)
    return download(sector_table(ministry, sector_rows(query, clock.today())), fmt)


@bp.get(f"/cohorts/<int:cohort_id>/attendance.{FORMAT}")
def cohort_attendance_export(cohort_id: int, fmt: str):
    cohort = get_cohort_or_404(cohort_id, current_user)
    rows = cohort_attendance(cohort, current_user)
    return download(attendance_table(cohort, rows, shows_attendance_notes(current_user, rows)), fmt)


@bp.get(f"/participation.{FORMAT}")
def participation_export(fmt: str):
    organisation = ministry = None
    filename_part = None
    if request.args.get("organisation"):
        organisation_id = request.args["organisation"]
        if not organisation_id.isascii() or not organisation_id.isdigit():
            abort(404)
        number = bounds.bounded_int(organisation_id, minimum=1)
        if number is None:
            abort(404)
        organisation = get_organisation_or_404(number, current_user)
        filename_part = slug(organisation.short_label("nb"))
    elif request.args.get("ministry"):
        ministry = get_sector_or_404(request.args["ministry"], current_user)
        filename_part = slug(ministry.short_label("nb"))
    query = participation_rows_query(current_user, ministry=ministry, organisation=organisation)
    return download(participation_table(participation_rows(query, clock.today()), filename_part),
                    fmt)
