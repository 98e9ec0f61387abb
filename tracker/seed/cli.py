"""`flask --app tracker seed ...`: load the demo programme."""
import click
from flask.cli import AppGroup

seed_cli = AppGroup("seed", help="Load data into the tracker.")


@seed_cli.command("demo")
def demo_command() -> None:
    """Load the real programme (cohorts, organisations) with fictional people. Safe to repeat."""
    from tracker.seed.demo import load_demo

    load_demo(echo=click.echo)
