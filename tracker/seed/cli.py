"""`flask --app tracker seed ...`: load the demo programme."""
import click
from flask.cli import AppGroup

from tracker.domain import DomainError

seed_cli = AppGroup("seed", help="Load data into the tracker.")


@seed_cli.command("demo")
@click.option(
    "--if-empty",
    is_flag=True,
    help="Load only into a database without a programme (for a first start).",
)
def demo_command(if_empty: bool) -> None:
    """Load the real programme (cohorts, organisations) with fictional people. Safe to repeat."""
    from tracker.seed.demo import database_has_programme, load_demo

    if if_empty and database_has_programme():
        click.echo("Skipped: the database already has a programme.")
        return
    try:
        load_demo(echo=click.echo)
    except DomainError as error:
        # Data already in the database that contradicts the demo's (say, a cohort with the
        # demo's number under another label): say what, without a traceback.
        raise click.ClickException(str(error)) from error
