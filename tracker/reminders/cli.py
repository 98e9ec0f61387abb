"""`flask --app tracker reminders send`: the daily mail run, for cron.

Each mail is claimed before it is sent: its record is committed, unsent, before the mail
server is called, and marked sent once the server accepted the mail. Two runs at the same time
(a cron job and someone by hand) therefore never send the same mail: the second cannot claim
what the first holds, skips it and exits cleanly. A mail that was not accepted is reported,
its claim is released so the next run tries it again, the run goes on with the others, and the
command exits with status 1. A run that stops halfway has recorded exactly what went out; one
killed between claim and record leaves a claim the next run takes over after an hour.
"""
from datetime import date, datetime

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import InterfaceError, OperationalError

from tracker import clock
from tracker.extensions import db
from tracker.mail import MailError, MailSettingsError, send
from tracker.reminders.services import (
    alert_summary_message,
    claim_alerts,
    claim_reminder,
    coordinators,
    due_reminders,
    new_alerts,
    recipient_language,
    record_alerts,
    record_reminder,
    release_alerts,
    release_expired_claims,
    release_reminder,
    reminder_message,
    reminder_thresholds,
    start_of_day,
)
from tracker.schedule.attendance import attendance_threshold
from tracker.surveys.responses import forget_drafts
from tracker.surveys.mailing import (
    claim_invitation,
    due_invitations,
    invitation_message,
    record_invitation,
    release_invitation,
)
from tracker.surveys.mailing import claim_reminder as claim_survey_reminder
from tracker.surveys.mailing import due_reminders as due_survey_reminders
from tracker.surveys.mailing import record_reminder as record_survey_reminder
from tracker.surveys.mailing import release_reminder as release_survey_reminder
from tracker.surveys.mailing import reminder_days as survey_reminder_days
from tracker.surveys.mailing import reminder_message as survey_reminder_message

reminders_cli = AppGroup("reminders", help="Mail reminders of sessions, attendance alerts and "
                                            "the survey's invitations and reminders.")


@reminders_cli.command("send")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Act as if it were the start of this day in Oslo (YYYY-MM-DD); "
                   "by default it is now.")
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send and record nothing.")
def send_command(today: datetime | None, dry_run: bool) -> None:
    """Send the session reminders due (REMINDER_DAYS before each session), the new
    attendance alerts to coordinators, and the survey's invitations and reminders
    (SURVEY_REMINDER_DAYS before a round closes). Safe to run again: nobody gets the same mail twice.

    Exits with status 1 when a mail was not accepted, or the database could not be reached;
    the next run tries again.
    """
    try:
        run_mail(today, dry_run)
    except (OperationalError, InterfaceError) as error:
        db.session.rollback()
        # Only the kind of error: the statement's parameters may hold names and addresses.
        raise click.ClickException(
            f"The database could not be reached ({type(error.orig).__name__}); the next run "
            "sends what this one did not.") from None


def run_mail(today: datetime | None, dry_run: bool) -> None:
    try:
        thresholds = reminder_thresholds(current_app.config["REMINDER_DAYS"])
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    if today is None:
        now = clock.now()
        day = clock.local_day(now)
    else:
        day = today.date()
        now = start_of_day(day)
    if not dry_run and (released := release_expired_claims()):
        click.echo(f"Took over {released} claim(s) left by a run that stopped; sending them now.")
    db.session.commit()
    failed = send_reminders(day, now, thresholds, dry_run)
    failed += send_alerts(day, attendance_threshold(), dry_run)
    failed += send_survey_mail(day, dry_run)
    if failed:
        click.echo(f"{failed} mail(s) not sent; the next run tries them again.", err=True)
        raise click.exceptions.Exit(1)


def send_reminders(today: date, now: datetime, thresholds: tuple[int, ...], dry_run: bool) -> int:
    """Send every reminder due; return how many were not accepted."""
    # Every message is made before the first commit, which would expire what they show.
    outgoing = []
    failed = 0
    for due in due_reminders(today, now, thresholds):
        what = (f"reminder of session {due.session.id} on "
                f"{clock.local_day(due.session.starts_at).isoformat()} (in {due.days_until} day(s); "
                f"threshold {', '.join(map(str, due.thresholds))}) to {due.person.email}")
        try:
            message = reminder_message(due, recipient_language(due.person))
        except ValueError as error:
            click.echo(f"Not sent: {what}: {error}", err=True)
            failed += 1
            continue
        outgoing.append((what, message, (due.session.id, due.person.id, due.thresholds)))
    return failed + deliver(
        "Reminders", outgoing, claim=lambda key: claim_reminder(*key), record=lambda key: record_reminder(*key),
        release=lambda key: release_reminder(*key), dry_run=dry_run)


def deliver(label: str, outgoing: list, *, claim, record, release, dry_run: bool) -> int:
    """Send each (what, message, key) of `outgoing`, the one way every mail of the run goes:
    claimed (`claim(key)`, committed) before the mail server is called, recorded sent once it
    accepted the message, released when it did not, so the next run tries again; a mail
    another run holds is left to it. Return how many were not accepted.

    :raise click.ClickException: when the mail settings cannot work (no message would go).
    """
    sent = elsewhere = failed = 0
    for what, message, key in outgoing:
        if dry_run:
            click.echo(f"Would send {what}")
            continue
        if not claim(key):
            elsewhere += 1
            click.echo(f"Skipped {what}: another run is sending it or has sent it")
            continue
        try:
            send(message)
        except BaseException as error:
            release(key)
            db.session.commit()
            if isinstance(error, MailSettingsError):
                raise click.ClickException(f"No mail sent: {error}") from None
            if not isinstance(error, MailError):
                raise
            click.echo(f"Not sent: {what}: {error}", err=True)
            failed += 1
            continue
        record(key)
        db.session.commit()
        sent += 1
        click.echo(f"Sent {what}")
    if dry_run:
        click.echo(f"{label}: {len(outgoing)} due; dry run, nothing sent.")
    else:
        click.echo(f"{label}: {sent} sent, {failed} not sent"
                   + (f", {elsewhere} left to another run." if elsewhere else "."))
    return failed


def send_alerts(today: date, threshold: float, dry_run: bool) -> int:
    """Mail each coordinator one summary of the new attendance alerts; return how many
    summaries were not accepted.

    The alerts count as told once any coordinator's summary was accepted: a coordinator whose
    mail failed is reported, and not sent the same alerts again and again.
    """
    alerts = new_alerts(today, threshold)
    if not alerts:
        click.echo("Attendance alerts: none new.")
        return 0
    recipients = db.session.scalars(coordinators()).all()
    if not recipients:
        click.echo(f"Attendance alerts: {len(alerts)} new, but there is no active coordinator "
                   "to tell; they are kept for the next run.", err=True)
        return 0
    if dry_run:
        for user in recipients:
            click.echo(f"Would send {len(alerts)} attendance alert(s) to {user.email}")
        return 0
    # The summaries are made before the claim commits (which would expire what they show),
    # and made again only for the alerts claimed when another run took some of them.
    outgoing = [(user.email, alert_summary_message(user, alerts, recipient_language(user)))
                for user in recipients]
    identities = claim_alerts([alert.identity for alert in alerts])
    if len(identities) < len(alerts):
        alerts = [alert for alert in alerts if alert.identity in set(identities)]
        click.echo(f"Attendance alerts: another run is telling of the rest; {len(alerts)} "
                   "left to this one.")
        if not alerts:
            return 0
        outgoing = [(user.email, alert_summary_message(user, alerts, recipient_language(user)))
                    for user in db.session.scalars(coordinators())]
    told, failed = 0, 0
    try:
        for email, message in outgoing:
            try:
                send(message)
            except MailSettingsError as error:
                raise click.ClickException(f"No mail sent: {error}") from None
            except MailError as error:
                click.echo(f"Not sent: attendance alerts to {email}: {error}", err=True)
                failed += 1
                continue
            if not told:
                record_alerts(identities)
                db.session.commit()
            told += 1
            click.echo(f"Sent {len(alerts)} attendance alert(s) to {email}")
    finally:
        if not told:
            release_alerts(identities)
            db.session.commit()
    click.echo(f"Attendance alerts: {len(alerts)} new, sent to {told} of {len(outgoing)} coordinator(s).")
    return failed


def send_survey_mail(today: date, dry_run: bool) -> int:
    """Send the survey invitations not yet sent and the survey reminders due
    (SURVEY_REMINDER_DAYS before each round's closing day, or asked for by a coordinator);
    return how many were not accepted."""
    try:
        days = survey_reminder_days(current_app.config["SURVEY_REMINDER_DAYS"])
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    # Claims are times of the real clock, whatever day the run acts as: a claim's age is what
    # tells a run that died from one at work.
    now = clock.now()
    failed = 0
    if not dry_run:
        # Saved answers of rounds that have closed can never be sent: they go. Closed by the
        # real day, not the day the run acts as: a `--today` ahead must not delete answers
        # respondents can still send.
        forgotten = forget_drafts(closed_by=clock.today())
        db.session.commit()
        if forgotten:
            click.echo(f"Deleted {forgotten} unsent survey answers of closed rounds.")
    for kind, found, build, claim, record, release in (
        ("invitation", due_invitations(today, now), invitation_message, claim_invitation,
         lambda mail, at: record_invitation(mail.respondent_id, at),
         lambda mail, at: release_invitation(mail.respondent_id, at)),
        ("reminder", due_survey_reminders(today, now, days), survey_reminder_message,
         claim_survey_reminder, lambda mail, at: record_survey_reminder(mail.respondent_id, at),
         release_survey_reminder),
    ):
        # Every message is made before the first commit, which would expire what they show.
        outgoing = []
        for mail in found:
            respondent = mail.respondent
            what = (f"survey {kind} (round {respondent.round_id}) to {respondent.person.email}")
            try:
                message = build(respondent, recipient_language(respondent.person))
            except ValueError as error:
                click.echo(f"Not sent: {what}: {error}", err=True)
                failed += 1
                continue
            outgoing.append((what, message, mail))
        # A claim is stamped with its time, which recording and releasing it must name.
        claims: dict[int, datetime] = {}

        def claimed(mail, claim=claim) -> bool:
            claims[id(mail)] = clock.now()
            return claim(mail, claims[id(mail)])

        failed += deliver(
            "Survey invitations" if kind == "invitation" else "Survey reminders", outgoing,
            claim=claimed, record=lambda mail, record=record: record(mail, claims[id(mail)]),
            release=lambda mail, release=release: release(mail, claims[id(mail)]),
            dry_run=dry_run)
    return failed
