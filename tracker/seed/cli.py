"""`flask --app tracker seed ...`: load the demo programme."""
import click
from flask.cli import AppGroup

from tracker.domain import DomainError
from tracker.seed.synthetic_data import EMAIL_DOMAIN, SCALE_MAX

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


@seed_cli.command("synthetic")
@click.option(
    "--scale",
    # A whole number, 1 to SCALE_MAX: click names --scale in its refusal of 0, -1, 1.5, "x"
    # or 10**9, before anything is read or written.
    type=click.IntRange(1, SCALE_MAX),
    default=1,
    show_default=True,
    help="How much history: 1 is two programmes with about 40 cohorts over ten years; "
    "N is N times that.",
)
@click.option("--seed", type=click.IntRange(0, 2**31 - 1), default=1, show_default=True,
              help="What the history is drawn from: the same seed on the same day gives the same data.")
@click.option(
    "--over-real-data",
    is_flag=True,
    help="Add the synthetic history to a database that holds other data (the demo, or real "
    "data). Without it such a database is refused.",
)
def synthetic_command(scale: int, seed: int, over_real_data: bool) -> None:
    """Generate a synthetic history (made-up, marked) for measuring the pages. Refuses a
    database that holds real data, or a synthetic history already."""
    from tracker.seed.synthetic import ACCOUNTS, Refused, build

    try:
        counts = build(scale, seed=seed, progress=True, over_real_data=over_real_data)
    except Refused as refusal:
        raise click.ClickException(str(refusal)) from refusal
    click.echo(f"Synthetic history at scale {scale} (seed {seed}) generated. Added:")
    for table, count in sorted(counts.items()):
        click.echo(f"  {table}: {count}")
    click.echo("Sign in as (a synthetic database only):")
    for local, role, password in ACCOUNTS:
        email = f"{local}@{EMAIL_DOMAIN}"
        click.echo(f"  {role.value:<12} {email:<46} password: {password}")
