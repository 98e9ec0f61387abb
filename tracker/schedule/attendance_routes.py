"""A session's attendance: the roster, everyone present, guests, and the sign-in sheet."""
from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from tracker import clock
from tracker.working_days import meeting_days
from tracker.forms import form_status, save
from tracker.i18n import current_language
from tracker.schedule.attendance import (
    add_guest,
    attendance_register,
    people_to_add,
    record_attendance,
    remove_guest,
    roster_by_group,
)
from tracker.schedule.absence import notices_of
from tracker.schedule.absence_forms import NoticeChoiceForm, StandInDecisionForm
from tracker.schedule.attendance_forms import (
    ROSTER_ORDER,
    AttendanceForm,
    FindPersonForm,
    GuestForm,
)
from tracker.schedule.routes import bp
from tracker.schedule.sessions import get_session_or_404


@bp.route("/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
def attendance(session_id: int):
    session = get_session_or_404(session_id, current_user)
    register = attendance_register(session, guests=True)
    form = AttendanceForm.for_register(register, notices=notices_of(session), record=session)
    everyone_present = "everyone_present" in request.form
    # A refused register saves nothing, not even part of it: save() rolls the whole form back.
    if save(
        form,
        lambda: record_attendance(session, version=form.version.data, marks=form.marks(request.form),
                                  everyone_present=everyone_present),
        _saved_register,
    ):
        flash(_("Everyone not marked is marked present, and the attendance is saved.")
              if everyone_present else _("The attendance is saved."), "success")
        return redirect(url_for("schedule.attendance", session_id=session.id))
    return _roster_page(session, register, form, GuestForm(), form_status(form))


@bp.route("/sessions/<int:session_id>/attendance/guests", methods=["POST"])
def add_guest_to_session(session_id: int):
    session = get_session_or_404(session_id, current_user)
    guest_form = GuestForm()
    if saved := save(guest_form, lambda: add_guest(session, guest_form.person.data)):
        flash(_("%(name)s is added to this session.", name=saved.result.person.name), "success")
        return redirect(url_for("schedule.attendance", session_id=session.id))
    register = attendance_register(session, guests=True)
    form = AttendanceForm.for_register(register, notices=notices_of(session), record=session)
    return _roster_page(session, register, form, guest_form, form_status(guest_form))


@bp.route("/sessions/<int:session_id>/attendance/guests/remove", methods=["POST"])
def remove_guest_from_session(session_id: int):
    session = get_session_or_404(session_id, current_user)
    guest_form = GuestForm()
    if save(guest_form, lambda: remove_guest(session, guest_form.person.data)):
        flash(_("The guest is taken off this session."), "success")
        return redirect(url_for("schedule.attendance", session_id=session.id))
    register = attendance_register(session, guests=True)
    form = AttendanceForm.for_register(register, notices=notices_of(session), record=session)
    return _roster_page(session, register, form, guest_form, form_status(guest_form))


@bp.route("/sessions/<int:session_id>/sign-in-sheet")
def sign_in_sheet(session_id: int):
    session = get_session_or_404(session_id, current_user)
    groups = roster_by_group(attendance_register(session, guests=True))
    days = session_days(session)
    pattern = "EEE d MMM" if current_language() == "en" else "EEE d. MMM"
    day_labels = [_("Day %(n)s (%(date)s)", n=number, date=format_date(day, pattern))
                  for number, day in enumerate(days, start=1)] if len(days) > 1 else []
    return render_template("schedule/sign_in_sheet.html", session=session, cohort=session.cohort,
                           groups=groups, day_labels=day_labels)


# More signature columns than this do not fit a sheet of paper.
SHEET_DAYS = 10


def session_days(session) -> list[date]:
    """The days a session runs on, in Norway's time: a gathering of two days is signed for on
    each (one that ends at midnight does not run on the next day)."""
    # The days it meets, as the planner counts them (no weekend or holiday between), and a sheet
    # of at most SHEET_DAYS columns whatever a mistyped end says.
    return meeting_days(session.starts_at, session.ends_at)[:SHEET_DAYS]


def roster_page(session, *, decision_form: StandInDecisionForm, status: int):
    """The roster again, with a refused answer to a stand-in (absence_routes.decide)."""
    register = attendance_register(session, guests=True)
    # The register as saved, not read from the decision's post.
    form = AttendanceForm.for_register(register, notices=notices_of(session), formdata=None)
    form.version.data = session.version
    return _roster_page(session, register, form, GuestForm(formdata=None), status,
                        decision_form=decision_form)


def _roster_page(session, register, form, guest_form, status: int, *,
                 decision_form: StandInDecisionForm | None = None):
    find = FindPersonForm(request.args)
    found = people_to_add(session, find.q.data or "") if find.q.data and find.validate() else []
    return render_template(
        "schedule/attendance.html", session=session, cohort=session.cohort, form=form,
        groups=roster_by_group(register), statuses=ROSTER_ORDER, guest_form=guest_form,
        find=find, found=found, started=session.starts_at <= clock.now(),
        notices=form.notices, decision_form=decision_form or StandInDecisionForm(formdata=None),
        withdraw_form=NoticeChoiceForm(formdata=None),
    ), status


def _saved_register(session) -> dict[str, str]:
    """What is recorded now, person by person, for a conflict to show."""
    saved = {}
    for line in attendance_register(session, guests=True):
        name = line.person.name or _("(erased)")
        if line.attendance is None:
            saved[name] = ""
        else:
            value = line.attendance.status.label
            saved[name] = f"{value} – {line.attendance.note}" if line.attendance.note else value
    saved[_("Session status")] = session.status.label
    return saved
