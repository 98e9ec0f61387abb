
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from flask_login import current_user

from tracker import bounds, clock
from tracker.assessments.services import dimensions_of
from tracker.attention.services import attention_list
from tracker.cohorts.services import (
    cohort_summaries,
    count_programmes,
    finished_cohorts,
    pages_of_programmes,
    programme_cohorts,
    programme_counts,
)
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.forms import form_status, save
from tracker.fragments import fragment
from tracker.programmes.forms import (
    EditModuleForm,
    ModuleForm,
    MoveModuleForm,
    ProgrammeForm,
)
from tracker.programmes.services import (
    add_module,
    course_plan,
    get_module_or_404,
    get_programme_or_404,
    programmes_for,
    move_module,
    update_module,
    update_programme,
)
from tracker.cohorts.models import Cohort
from tracker.programmes.models import Programme
from tracker.reports.timeline import cohort_timeline
from tracker.users.services import create_programme_for

bp = Blueprint("programmes", __name__)


# The most programmes the home page gives a section each.
SECTIONS_UP_TO = 3


@bp.get("/")
def home():
    # An agency leader's home is their own group.
    if current_user.home_is_own_group:
        return redirect(url_for("groups.mine"))
    # Its query's page and window are the piece's own arguments; a junk one is refused while
    # drawing (nothing is kept of a refusal).
    body = fragment("home", request.args.get("page"), request.args.get("years_from"),
                    render=home_body)
    return render_template("programmes/home.html", body=body)


def home_body() -> str:
    today = clock.today()
    # A section per programme for a few; past that, one table of counts a page at a time, so
    # the page stays the same size however many programmes there are (each programme's own
    # page has its cohorts). Two statements either way.
    total = count_programmes(current_user)
    programmes, table = [], None
    if total <= SECTIONS_UP_TO:
        programmes = programme_cohorts(today, current_user)
    else:
        page = bounds.page_within(pages_of_programmes(total))
        table = programme_counts(today, current_user, page=page, total=total)
    return render_template(
        "programmes/_home_body.html",
        programmes=programmes,
        table=table,
        attention=attention_list(today, current_user, name_programmes=total > 1)
        if current_user.is_staff else None,
        timeline=cohort_timeline(today, current_user),
    )


@bp.get("/programmes/")
def index():
    return render_template(
        "programmes/index.html",
        programmes=db.session.scalars(
            programmes_for(current_user).options(selectinload(Programme.responsible_organisation))
        ).all(),
    )


@bp.route("/programmes/new", methods=["GET", "POST"])
def create():
    form = ProgrammeForm(data={"course_length_months": 10, "groups_per_cohort": 4})
    if saved := save(form, lambda: create_programme_for(current_user, **form.values())):
        flash(_("The programme is added. Its course plan is next."), "success")
        return redirect(url_for("programmes.detail", programme_id=saved.result.id))
    return render_template("programmes/edit.html", programme=None, form=form), form_status(form)


FINISHED_PAGE = 25


@bp.get("/programmes/<int:programme_id>/finished")
def finished(programme_id: int):
    """The programme's cohorts that are over, the latest first, a page at a time: the home page
    shows only the current and upcoming ones."""
    programme = get_programme_or_404(programme_id, current_user)
    page = bounds.page_of(finished_cohorts(programme, clock.today(), current_user), FINISHED_PAGE)
    return render_template("programmes/finished.html", programme=programme, page=page)


@bp.get("/programmes/<int:programme_id>")
def detail(programme_id: int):
    programme = get_programme_or_404(programme_id, current_user)
    # The course plan holds forms and is drawn every time; the overview above it is kept for
    # the page's window (tracker/fragments.py).
    overview = fragment("programme overview", programme.id, request.args.get("years_from"),
                        render=lambda: programme_overview(programme))
    return render_template(
        "programmes/detail.html",
        programme=programme,
        modules=db.session.scalars(course_plan(programme)).all(),
        dimensions=dimensions_of(programme.id),
        overview=overview,
    )


def programme_overview(programme: Programme) -> str:
    """Its headline figures, its cohorts running or to come, and its own timeline: every
    programme's cohorts are one click from the home page's table."""
    today = clock.today()
    finished = finished_cohorts(programme, today, current_user).order_by(None)
    return render_template(
        "programmes/_overview.html",
        programme=programme,
        current=cohort_summaries(today, current_user, current_only=True, programme=programme),
        finished=db.session.scalar(select(func.count()).select_from(finished.subquery())),
        timeline=cohort_timeline(
            today, current_user,
            cohort_ids=select(Cohort.id).where(Cohort.programme_id == programme.id)),
    )


def _yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


@bp.route("/programmes/<int:programme_id>/edit", methods=["GET", "POST"])
def edit(programme_id: int):
    programme = get_programme_or_404(programme_id, current_user)
    form = ProgrammeForm(
        record=programme,
        data={
            "name_nb": programme.name_nb,
            "name_en": programme.name_en,
            "responsible_organisation": str(programme.responsible_organisation_id),
            "course_length_months": programme.course_length_months,
            "groups_per_cohort": programme.groups_per_cohort,
            "description_nb": programme.description_nb,
            "description_en": programme.description_en,
        },
    )
    if save(
        form,
        lambda: update_programme(programme, version=form.version.data, **form.values()),
        lambda record: {
            form.name_nb.label.text: programme.name_nb,
            form.name_en.label.text: programme.name_en,
            form.responsible_organisation.label.text: programme.responsible_organisation.name_nb,
            form.course_length_months.label.text: programme.course_length_months,
            form.groups_per_cohort.label.text: programme.groups_per_cohort,
            form.description_nb.label.text: programme.description_nb,
            form.description_en.label.text: programme.description_en,
        },
    ):
        flash(_("The programme is saved."), "success")
        return redirect(url_for("programmes.detail", programme_id=programme.id))
    return render_template("programmes/edit.html", programme=programme, form=form), form_status(
        form
    )


def _module_conflict_values(form: ModuleForm, module) -> dict:
    return {
        form.name_nb.label.text: module.name_nb,
        form.name_en.label.text: module.name_en,
        form.kind.label.text: module.kind.label,
        form.is_joint.label.text: _yes_no(module.is_joint),
        form.offset_weeks.label.text: module.offset_weeks,
        form.duration_days.label.text: module.duration_days,
        form.hours_per_day.label.text: module.hours_per_day,
    }


@bp.route("/programmes/<int:programme_id>/modules/new", methods=["GET", "POST"])
def new_module(programme_id: int):
    programme = get_programme_or_404(programme_id, current_user)
    form = ModuleForm(data={"duration_days": 1, "hours_per_day": 6})
    if saved := save(form, lambda: add_module(programme, **form.values())):
        module = saved.result
        flash(
            _("Module %(position)s is added to the course plan.", position=module.position),
            "success",
        )
        return redirect(
            url_for("programmes.detail", programme_id=programme.id, _anchor="course-plan")
        )
    return render_template(
        "programmes/module_form.html", programme=programme, module=None, form=form
    ), form_status(form)


@bp.route("/programmes/<int:programme_id>/modules/<int:module_id>/edit", methods=["GET", "POST"])
def edit_module(programme_id: int, module_id: int):
    programme = get_programme_or_404(programme_id, current_user)
    module = get_module_or_404(programme, module_id)
    form = EditModuleForm(
        record=module,
        data={
            "name_nb": module.name_nb,
            "name_en": module.name_en,
            "kind": module.kind.name,
            "is_joint": module.is_joint,
            "offset_weeks": module.offset_weeks,
            "duration_days": module.duration_days,
            "hours_per_day": module.hours_per_day,
        },
    )
    if save(
        form,
        lambda: update_module(module, version=form.version.data, **form.values()),
        lambda record: _module_conflict_values(form, record),
    ):
        flash(_("The module is saved."), "success")
        return redirect(
            url_for("programmes.detail", programme_id=programme.id, _anchor="course-plan")
        )
    return render_template(
        "programmes/module_form.html", programme=programme, module=module, form=form
    ), form_status(form)


@bp.post("/programmes/<int:programme_id>/modules/<int:module_id>/move", endpoint="move_module")
def move(programme_id: int, module_id: int):
    programme = get_programme_or_404(programme_id, current_user)
    module = get_module_or_404(programme, module_id)
    form = MoveModuleForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        move_module(module, form.direction.data)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        flash(_("The course plan's order is saved."), "success")
    return redirect(url_for("programmes.detail", programme_id=programme.id, _anchor="course-plan"))
