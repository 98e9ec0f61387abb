"""Notice of absence pages: "I cannot come" for a session (the participant, their contact
person, or staff on their behalf), withdrawing it, a coordinator's answer to a stand-in, and
the signed-in participant's upcoming sessions."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker import clock
from tracker.access import may
from tracker.bounds import bounded_int
from tracker.forms import form_status, save
from tracker.calendar.ics import build_calendar, session_filename
from tracker.mail import mail_language
from tracker.schedule.absence import (
    check_before_start,
    contact_sessions,
    decide_stand_in,
    get_notice_page_or_404,
    give_notice,
    notices_of,
    shows_reason_to,
    stand_in_candidates,
    upcoming_for,
    withdraw_notice,
)
from tracker.schedule.attendance_routes import roster_page
from tracker.schedule.absence_forms import NoticeChoiceForm, NoticeForm, StandInDecisionForm
from tracker.schedule.sessions import get_session_or_404
from tracker.domain import DomainError

bp = Blueprint("absences", __name__)


@bp.route("/absence/mine")
def mine():
    now = clock.now()
    return render_template("schedule/absence_mine.html", rows=upcoming_for(current_user, now),
                           contact=contact_sessions(current_user, now))


@bp.route("/sessions/<int:session_id>/absence", methods=["GET", "POST"])
def give(session_id: int):
    """:raise 404: for a session the user may not see. :raise 403: when the form names someone
    expected there whom the user may not speak for (`give_notice`)."""
    page = get_notice_page_or_404(session_id, current_user)
    session, notices = page.session, notices_of(page.session)
    form = _notice_form(page, notices)
    if form is not None and (saved := save(form, lambda: give_notice(
            session, form.person_id, user=current_user, reason=form.reason.data or "",
            stand_in_id=form.stand_in_id, new_stand_in=form.new_stand_in))):
        notice = saved.result
        if notice.stand_in is not None:
            flash(_("The notice of absence for %(name)s is given. A coordinator decides on the "
                    "stand-in, %(stand_in)s.", name=notice.person.name,
                    stand_in=notice.stand_in.name), "success")
        else:
            flash(_("The notice of absence for %(name)s is given.", name=notice.person.name),
                  "success")
        return redirect(url_for("absences.give", session_id=session.id))
    return _page(page, notices, form, NoticeChoiceForm(), form_status(form) if form else 200)


@bp.route("/sessions/<int:session_id>/absence/withdraw", methods=["POST"])
def withdraw(session_id: int):
    """:raise 404: for a session the user may not see. :raise 403: for a notice of someone the
    user may not speak for."""
    page = get_notice_page_or_404(session_id, current_user)
    session = page.session
    choice = NoticeChoiceForm()
    if saved := save(choice, lambda: withdraw_notice(session, choice.notice.data, user=current_user)):
        flash(_("The notice of absence is withdrawn: %(name)s is expected at the session again.",
                name=saved.result.name), "success")
        if request.form.get("from") == "roster" and may("schedule.attendance", session):
            return redirect(url_for("schedule.attendance", session_id=session.id))
        return redirect(url_for("absences.give", session_id=session.id))
    notices = notices_of(session)
    return _page(page, notices, _notice_form(page, notices, submitted=False), choice,
                 form_status(choice))


@bp.route("/sessions/<int:session_id>/absence/stand-in", methods=["POST"])
def decide(session_id: int):
    session = get_session_or_404(session_id, current_user)
    decision = StandInDecisionForm()
    if saved := save(decision, lambda: decide_stand_in(
            session, decision.notice.data, accept=decision.decision.data == "accept",
            calendar_file=_calendar_file(session))):
        notice = saved.result
        flash(_("%(name)s is accepted as stand-in and added to this session.",
                name=notice.stand_in.name) if decision.decision.data == "accept"
              else _("The stand-in %(name)s is declined.", name=notice.stand_in.name), "success")
        return redirect(url_for("schedule.attendance", session_id=session.id))
    return roster_page(session, decision_form=decision, status=form_status(decision))


def _calendar_file(session) -> tuple[str, bytes]:
    """The session as an iCalendar file for the stand-in's mail, in bokmål like the mail."""
    return (session_filename(session, mail_language()),
            build_calendar([session], session.cohort.programme.name(mail_language())))


def _notice_form(page, notices, *, submitted: bool = True) -> NoticeForm | None:
    """The form for the people the user may give notice for who have none yet; None, to show,
    when there is no one, or the session has started or is cancelled. A form sent is always
    read, so the rules answer it (`give_notice`), whatever the page showed."""
    session, speak = page.session, page.speakable
    posted = submitted and request.method == "POST"
    try:
        check_before_start(session, clock.now())
    except DomainError:
        if not posted:
            return None
    open_ = [s for s in speak if s.person.id not in notices]
    if not open_ and not posted:
        return None
    chosen = request.form.get("person") if posted else request.args.get("person")
    chosen_id = bounded_int(chosen, minimum=1) if chosen else None
    lines = [s for s in speak if s.person.id == chosen_id] or open_
    organisations = {s.line.membership.enrolment.organisation_id for s in lines}
    candidates = stand_in_candidates(session, organisations, register=page.register, notices=notices)
    kwargs = {} if posted or request.method != "POST" else {"formdata": None}
    if not posted and chosen_id in {s.person.id for s in open_}:
        kwargs["data"] = {"person": str(chosen_id)}
    return NoticeForm(speakable=open_, candidates=candidates, **kwargs)


def _page(page, notices, form, withdraw_form, status: int):
    session, speak = page.session, page.speakable
    mine = {s.person.id for s in speak}
    shown = [n for person_id, n in notices.items() if current_user.is_staff or person_id in mine]
    shown.sort(key=lambda n: (n.person.name or "", n.id))
    now = clock.now()
    return render_template(
        "schedule/absence_give.html", session=session, cohort=session.cohort, form=form,
        withdraw_form=withdraw_form, notices=shown, speakable=speak,
        reads_reason={n.id: shows_reason_to(n, current_user) for n in shown},
        started=session.starts_at <= now, cancelled=session.is_cancelled,
    ), status
