from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import HiddenField

from tracker.calendar.ics import build_calendar
from tracker.calendar.models import FeedKind
from tracker.calendar.services import (
    FeedLinks,
    feed_content,
    feed_filename,
    feed_links,
    find_feed,
    get_subject_to_reset_or_404,
    parse_kind,
    reset_feed,
)
from tracker.forms import Form
from tracker.urls import safe_next

bp = Blueprint("calendar", __name__)


class ResetFeedForm(Form):
    """Resetting a feed's address: nothing to fill in but the CSRF token, and the page to go
    back to."""

    next = HiddenField()


@bp.app_template_global("calendar_feed")
def calendar_feed(kind: str, subject: object) -> FeedLinks | None:
    """A feed's links for the reader, or None when they may not see it; for pages to show."""
    if not current_user.is_authenticated:
        return None
    return feed_links(current_user, FeedKind(kind), subject)


@bp.app_template_global("reset_feed_form")
def reset_feed_form() -> ResetFeedForm:
    return ResetFeedForm(formdata=None, data={"next": request.full_path.rstrip("?")})


@bp.get("/<token>.ics")
def feed(token: str):
    row = find_feed(token)
    content = feed_content(row) if row is not None else None
    if content is None:
        abort(404)
    sessions, name = content
    response = Response(build_calendar(sessions, name))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    # The address is the key: keep it and what it opens out of caches and search engines.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    if request.args.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="{feed_filename(row)}"'
    return response


@bp.post("/<kind>/<int:subject_id>/reset")
def reset(kind: str, subject_id: int):
    feed_kind = parse_kind(kind)
    get_subject_to_reset_or_404(feed_kind, subject_id, current_user)
    form = ResetFeedForm()
    if not form.validate_on_submit():
        abort(400)
    reset_feed(feed_kind, subject_id)
    flash(
        _("The calendar has a new address. Subscribe again with it: the old address no longer "
          "works."),
        "success",
    )
    return redirect(safe_next(form.next.data) if form.next.data else _page_of(feed_kind, subject_id))


def _page_of(kind: FeedKind, subject_id: int) -> str:
    """The page that shows a feed, to go back to when the form did not say."""
    if kind is FeedKind.ENROLMENT:
        return url_for("groups.detail", enrolment_id=subject_id)
    if kind is FeedKind.COHORT:
        return url_for("cohorts.detail", cohort_id=subject_id)
    return url_for("groups.mine")
