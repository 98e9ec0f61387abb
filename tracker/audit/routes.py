from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tracker import bounds
from tracker.bounds import LIKE_ESCAPE, contains
from tracker.audit.forms import LogFilterForm
from tracker.audit.services import LogPage, log_page
from tracker.audit.words import UNTOLD_TABLES, told_actions
from tracker.cohorts.models import Cohort
from tracker.cohorts.services import get_cohort_or_404
from tracker.fragments import fragment
from tracker.roles import programme_limit
from tracker.groups.services import get_enrolment_or_404
from tracker.i18n import current_language
from tracker.people.models import Membership, Person
from tracker.schedule.models import Attendance, SessionGuest

bp = Blueprint("audit", __name__)

# Actions on a page: each tells up to SHOWN_ROWS of its changes in sentences, so fifty made pages
# of a thousand lines that took a third of a second to word; twenty read as one screenful or two.
PER_PAGE = 20


def person_records(name: str) -> list:
    """The own records, memberships, attendance marks and guest places of the people whose
    name holds `name` (any case): what "about this person" means."""
    people = select(Person.id).where(Person.name.ilike(contains(name), escape=LIKE_ESCAPE),
                                     Person.erased_at.is_(None))
    return [
        ("person", people),
        ("membership", select(Membership.id).where(Membership.person_id.in_(people))),
        ("attendance", select(Attendance.id).where(Attendance.person_id.in_(people))),
        ("session_guest", select(SessionGuest.id).where(SessionGuest.person_id.in_(people))),
    ]


def render_log(heading: str, **scope):
    """One page of the log, one entry per action, filtered by the query string. A page starts
    below the row id `?before=` (the "older changes" link), the newest when not given; a
    `before` that cannot be a row id, or below which nothing matches, is a 404 saying so.
    A filter it cannot read (a cohort not offered, a date of 20166, a control character) is
    a 400 naming the field, listing nothing."""
    form = LogFilterForm(formdata=request.args, scope=scope, reader=current_user)
    # Only the filter's own fields go on into the page links (url_for would take "endpoint",
    # "_anchor" and the like as its own arguments).
    arguments = {key: value for key, value in request.args.items(multi=False)
                 if key in form._fields}
    if request.args and not form.validate():
        return render_template("audit/log.html", heading=heading, page=LogPage([], None),
                               before=None, form=form, actions=[], scoped=scope, body=None,
                               arguments={**request.view_args, **arguments}), 400
    before = None
    if "before" in request.args:
        before = bounds.bounded_int(request.args["before"], minimum=1)
        if before is None:
            bounds.no_such_page(
                _("“%(before)s” is not a place in the log: follow its links to older changes.",
                  before=bounds.printable(request.args["before"])[:20]),
                (_("Go to the newest changes"), {"before": None}))

    def log_body() -> str:
        filters = form.filters()
        filters.update({key: value for key, value in scope.items() if value is not None})
        # A coordinator limited to some programmes reads the rows about their cohorts and those
        # about no cohort (organisations, people, accounts), never another programme's.
        filters["cohort_ids"] = (Cohort.ids_visible_to(current_user)
                                 if programme_limit(current_user) is not None else None)
        searched = form.person_search()
        if searched is not None:
            filters["records"] = person_records(searched)
        page = log_page(before, PER_PAGE, **filters, leave_out=UNTOLD_TABLES)
        if before is not None and not page.change_ids:
            bounds.no_such_page(_("There are no older changes in the log."),
                                (_("Go to the newest changes"), {"before": None}))
        return render_template(
            "audit/_log_body.html", heading=heading, page=page, before=before, form=form,
            actions=told_actions(page.change_ids, cohort_id=filters["cohort_id"],
                                 enrolment_id=filters["enrolment_id"],
                                 records=filters.get("records"),
                                 enrolment_ids=filters["enrolment_ids"],
                                 cohort_ids=filters["cohort_ids"]),
            scoped=scope, arguments={**request.view_args, **arguments})

    # The page for its place and query, kept while nothing changes (tracker/fragments.py).
    body = fragment("change log", request.endpoint, tuple(sorted(request.view_args.items())),
                    tuple(sorted(request.args.items(multi=True))), render=log_body)
    return render_template("audit/log.html", heading=heading, before=before, body=body)


@bp.get("/")
def programme():
    return render_log(_("Change log"))


@bp.get("/cohorts/<int:cohort_id>")
def cohort(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id, current_user)
    return render_log(_("Change log: %(cohort)s", cohort=cohort.label), cohort_id=cohort.id)


@bp.get("/groups/<int:enrolment_id>")
def enrolment(enrolment_id: int):
    enrolment = get_enrolment_or_404(enrolment_id, current_user)
    heading = _("Change log: %(organisation)s in %(cohort)s",
                organisation=enrolment.organisation.name(current_language()),
                cohort=enrolment.cohort.label)
    return render_log(heading, enrolment_id=enrolment.id)
