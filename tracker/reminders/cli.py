"""`flask --app tracker reminders send`: the daily run, for cron, that queues what is due.

It queues in the outbox the session reminders due, one summary of the new attendance alerts to
each coordinator, survey invitations never sent and the survey reminders due, and opens the
evaluation of each joint gathering that has ended (queueing its invitations), each with its
record in one transaction, so two runs at once never queue the same mail. `flask mail send`
(or the mail worker) delivers them.
"""
from datetime import date, datetime

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import InterfaceError, OperationalError

from tracker import clock
from tracker.extensions import db
from tracker.mail import MailError
from tracker.outbox.models import MailKind
from tracker.outbox.services import queue
from tracker.reminders.services import (
    alert_summary_message,
    coordinators,
    due_reminders,
    new_alerts,
    note_alerts,
    queue_reminder,
    recipient_language,
    reminder_message,
    reminder_thresholds,
    start_of_day,
)
from tracker.schedule.attendance import attendance_threshold
from tracker.surveys.evaluations import open_due_evaluations
from tracker.surveys.mailing import due_reminders as due_survey_reminders
from tracker.surveys.mailing import invite, remind, uninvited
from tracker.surveys.mailing import reminder_days as survey_reminder_days
from tracker.surveys.responses import forget_drafts

reminders_cli = AppGroup("reminders", help="Queue reminders of sessions, attendance alerts and "
                                            "the survey's invitations and reminders.")


@reminders_cli.command("send")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Act as if it were the start of this day in Oslo (YYYY-MM-DD); "
                   "by default it is now.")
@click.option("--dry-run", is_flag=True, help="Print what would be queued; queue nothing.")
def send_command(today: datetime | None, dry_run: bool) -> None:
    """Queue the session reminders due (REMINDER_DAYS before each session), the new
    attendance alerts to coordinators, and the survey's invitations and reminders
    (SURVEY_REMINDER_DAYS before a round closes); `flask mail send` delivers them. Safe to run
    again: nobody gets the same mail twice.

    Exits with status 1 when a mail could not be written (an address no mail can carry), or
    the database could not be reached.
    """
    try:
        failed = run(today, dry_run)
    except (OperationalError, InterfaceError) as error:
        db.session.rollback()
        # Only the kind of error: the statement's parameters may hold names and addresses.
        raise click.ClickException(
            f"The database could not be reached ({type(error.orig).__name__}); the next run "
            "queues what this one did not.") from None
    if failed:
        click.echo(f"{failed} mail(s) could not be written; see above.", err=True)
        raise click.exceptions.Exit(1)


def run(today: datetime | None, dry_run: bool) -> int:
    """Queue everything due; return how many mails could not be written."""
    try:
        thresholds = reminder_thresholds(current_app.config["REMINDER_DAYS"])
        survey_days = survey_reminder_days(current_app.config["SURVEY_REMINDER_DAYS"])
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    if today is None:
        now = clock.now()
        day = clock.local_day(now)
    else:
        day = today.date()
        now = start_of_day(day)
    failed = queue_reminders(day, now, thresholds, dry_run)
    queue_alerts(day, attendance_threshold(), dry_run)
    queue_survey_mail(day, survey_days, dry_run)
    if not dry_run:
        # Gatherings that have ended get their evaluation, each invitation queued with it.
        for line in open_due_evaluations(day, now).lines():
            click.echo(f"Gatherings: {line}")
        db.session.commit()
    return failed


def queue_reminders(today: date, now: datetime, thresholds: tuple[int, ...], dry_run: bool) -> int:
    """Queue every session reminder due; return how many could not be written."""
    queued = skipped = failed = 0
    for due in due_reminders(today, now, thresholds):
        what = (f"reminder of session {due.session.id} on "
                f"{clock.local_day(due.session.starts_at).isoformat()} (in {due.days_until} day(s); "
                f"threshold {', '.join(map(str, due.thresholds))}) to {due.person.email}")
        if dry_run:
            click.echo(f"Would queue {what}")
            continue
        try:
            message = reminder_message(due, recipient_language(due.person))
        except ValueError as error:
            click.echo(f"Not queued: {what}: {error}", err=True)
            failed += 1
            continue
        if queue_reminder(due, message):
            queued += 1
        else:
            skipped += 1
    click.echo(f"Reminders: {queued} queued" + (f", {failed} could not be written" if failed else "")
               + (f", {skipped} queued by another run." if skipped else "."))
    return failed


def queue_alerts(today: date, threshold: float, dry_run: bool) -> None:
    """Queue one summary of the new attendance alerts to each coordinator."""
    alerts = new_alerts(today, threshold)
    if not alerts:
        click.echo("Attendance alerts: none new.")
        return
    recipients = db.session.scalars(coordinators()).all()
    if not recipients:
        click.echo(f"Attendance alerts: {len(alerts)} new, but there is no active coordinator "
                   "to tell; they are kept for the next run.", err=True)
        return
    if dry_run:
        for user in recipients:
            click.echo(f"Would queue {len(alerts)} attendance alert(s) to {user.email}")
        return
    alerts = note_alerts(alerts)
    if not alerts:
        click.echo("Attendance alerts: another run is telling of them.")
        return
    told = 0
    for user in recipients:
        try:
            queue(alert_summary_message(user, alerts, recipient_language(user)),
                  kind=MailKind.ATTENDANCE_ALERTS)
        except (ValueError, MailError) as error:
            # One address no mail can carry must not hold up the run, nor the others' summary.
            click.echo(f"Not queued: attendance alerts to {user.email}: {error}", err=True)
            continue
        told += 1
    click.echo(f"Attendance alerts: {len(alerts)} new, queued to {told} of {len(recipients)} "
               "coordinator(s).")


def queue_survey_mail(today: date, days: tuple[int, ...], dry_run: bool) -> None:
    """Queue the survey invitations never sent (their person had no address when the round
    opened, say) and the survey reminders due."""
    if not dry_run:
        # Saved answers of rounds that have closed can never be sent: they go. Closed by the
        # real day, not the day the run acts as: a `--today` ahead must not delete answers
        # respondents can still send.
        if forgotten := forget_drafts(closed_by=clock.today()):
            click.echo(f"Deleted {forgotten} unsent survey answers of closed rounds.")
    invited = reminded = 0
    for respondent in uninvited(today):
        if dry_run:
            click.echo(f"Would queue survey invitation (round {respondent.round_id}) to "
                       f"{respondent.person.email}")
        else:
            invited += invite(respondent)
    for respondent, key in due_survey_reminders(today, days):
        if dry_run:
            click.echo(f"Would queue survey reminder (round {respondent.round_id}) to "
                       f"{respondent.person.email}")
        else:
            reminded += remind(respondent, key)
    click.echo(f"Survey: {invited} invitation(s) and {reminded} reminder(s) queued.")
