"""`flask --app tracker mail send` (for cron or a systemd timer) and `mail worker` (a
long-running sender): the two ways the outbox is delivered (tracker/outbox/delivery.py)."""
import signal
import time

import click
from flask.cli import AppGroup
from sqlalchemy import func, select
from sqlalchemy.exc import InterfaceError, OperationalError

from tracker.extensions import db
from tracker.mail import MailSettingsError
from tracker.outbox.delivery import Delivery, deliver
from tracker.outbox.models import OutboxMessage, OutboxStatus

mail_cli = AppGroup("mail", help="Deliver the outbox: every mail the tracker has queued.")


@mail_cli.command("send")
def send_command() -> None:
    """Send every mail that is due, then stop. Safe to run at the same time as another sender
    (each mail is claimed before it goes). Exits with status 1 when some mail was not accepted
    (it is tried again later, or given up and shown on the outbox page) or the database or the
    mail settings do not work."""
    result = _deliver_once()
    _report(result)
    if result.failed:
        raise click.exceptions.Exit(1)


@mail_cli.command("worker")
@click.option("--interval", default=10.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds to wait when nothing is due.")
def worker_command(interval: float) -> None:
    """Send mail as it is queued, until stopped (SIGTERM or Ctrl-C ends it between messages).
    A database or mail server that goes away is waited for, not a reason to stop."""
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    click.echo(f"Mail worker: sending what is due every {interval:g} s.")
    try:
        while not stopping:
            try:
                result = _deliver_once()
            except click.ClickException as error:
                click.echo(f"{error.message}; trying again in {interval:g} s.", err=True)
                result = Delivery()
            if result.sent or result.failed:
                _report(result)
            if not (result.sent or result.failed):
                time.sleep(interval)
    except KeyboardInterrupt:
        pass
    click.echo("Mail worker stopped.")


def _deliver_once() -> Delivery:
    try:
        return deliver()
    except MailSettingsError as error:
        raise click.ClickException(f"No mail sent: {error}") from None
    except (OperationalError, InterfaceError) as error:
        db.session.rollback()
        # Only the kind of error: the statement's parameters may hold names and addresses.
        raise click.ClickException(
            f"The database could not be reached ({type(error.orig).__name__}); the mail waits "
            "in the outbox.") from None


def _report(result: Delivery) -> None:
    for problem in result.problems:
        click.echo(f"Not sent: {problem}", err=True)
    waiting = db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                .where(OutboxMessage.status == OutboxStatus.PENDING))
    click.echo(f"Mail: {result.sent} sent, {result.retrying} to try again later, "
               f"{result.given_up} given up; {waiting} waiting.")
