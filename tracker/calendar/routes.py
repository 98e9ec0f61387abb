from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import HiddenField

from tracker.calendar.ics import build_calendar, content_disposition
from tracker.calendar.models import FeedKind
from tracker.calendar.services import (
    FeedSection,
    called_off_in_feed,
    end_shared_address,
    feed_address,
    feed_content,
    feed_filename,
    feed_section,
    feed_sections,
    get_subject_or_404,
    make_address,
    open_feed,
    parse_kind,
    readers_of_shared_address,
    shared_address,
)
from tracker.forms import Form
from tracker.urls import is_own_path, safe_next

bp = Blueprint("calendar", __name__)


class FeedAddressForm(Form):
    """Making one's own address for a feed, or ending its shared one: nothing to fill in but
    the CSRF token, and the page to go back to."""

    next = HiddenField()


@bp.app_template_global("calendar_feed")
def calendar_feed(kind: str, subject: object) -> FeedSection | None:
    """A feed as the reader's page offers it, or None when they may not see it."""
    if not current_user.is_authenticated:
        return None
    return feed_section(current_user, FeedKind(kind), subject)


@bp.app_template_global("calendar_feeds")
def calendar_feeds(*feeds: tuple[str, object]) -> list[FeedSection | None]:
    """`calendar_feed` of each (kind, subject), in one statement: for a page offering several."""
    if not current_user.is_authenticated:
        return [None for _feed in feeds]
    return feed_sections(current_user, [(FeedKind(kind), subject) for kind, subject in feeds])


@bp.get("/<token>.ics")
def feed(token: str):
    opened = open_feed(token)
    if opened is None:
        abort(404)
    row, subject = opened
    sessions, name = feed_content(row.kind, subject)
    response = Response(build_calendar(sessions, name, called_off_in_feed(row.kind, subject, sessions)))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    # The address is the key: keep what it opens out of search engines (no cache keeps any
    # answer: tracker.security).
    response.headers["X-Robots-Tag"] = "noindex"
    if request.args.get("download"):
        response.headers["Content-Disposition"] = content_disposition(feed_filename(row.kind, subject))
    return response


@bp.post("/<kind>/<int:subject_id>/reset")
def reset(kind: str, subject_id: int):
    """Make the reader a new address of their own for the feed (ending only the one they had),
    and show it on this answer, once: it is stored only as a hash, and a flash message would
    keep it in the session cookie."""
    feed_kind = parse_kind(kind)
    subject = get_subject_or_404(feed_kind, subject_id, current_user)
    form = FeedAddressForm()
    if not form.validate_on_submit():
        abort(400)
    secret = make_address(current_user, feed_kind, subject)
    back = form.next.data if is_own_path(form.next.data) else _page_of(feed_kind, subject_id)
    # The answer holds the key; like every answer, no cache keeps it (tracker.security).
    return render_template("calendar/address.html", address=feed_address(secret), back=back)


@bp.route("/<kind>/<int:subject_id>/end-shared", methods=["GET", "POST"])
def end_shared(kind: str, subject_id: int):
    """End the feed's shared address (from before each reader had their own) for everyone.

    GET asks first: it says what ending does and who, as far as the app can tell, must then
    make an address of their own; the form it shows POSTs here."""
    feed_kind = parse_kind(kind)
    subject = get_subject_or_404(feed_kind, subject_id, current_user, to_end_shared=True)
    form = FeedAddressForm()
    if request.method == "GET":
        next_page = request.args.get("next", "")
        back = next_page if is_own_path(next_page) else _page_of(feed_kind, subject_id)
        return render_template(
            "calendar/end_shared.html", kind=feed_kind, subject=subject, back=back,
            has_shared=shared_address(feed_kind, subject.id) is not None,
            readers=readers_of_shared_address(feed_kind, subject))
    if not form.validate_on_submit():
        abort(400)
    if end_shared_address(current_user, feed_kind, subject):
        flash(_("The shared address no longer works. Everyone who subscribed with it must make "
                "an address of their own."), "success")
    else:
        flash(_("The calendar has no shared address any more."), "info")
    return redirect(safe_next(form.next.data) if form.next.data else _page_of(feed_kind, subject_id))


def _page_of(kind: FeedKind, subject_id: int) -> str:
    """The page that shows a feed, to go back to when the form did not say."""
    if kind is FeedKind.ENROLMENT:
        return url_for("groups.detail", enrolment_id=subject_id)
    if kind is FeedKind.COHORT:
        return url_for("cohorts.detail", cohort_id=subject_id)
    return url_for("groups.mine")
