"""`flask --app tracker materials sweep`: remove files no material names any more."""
from datetime import timedelta

import click

from tracker.extensions import db
from tracker.materials import storage
from tracker.materials.routes import bp


@bp.cli.command("sweep")
@click.option("--older-than-minutes", default=60, show_default=True, type=click.IntRange(0, 10**6),
              help="Leave younger files alone: they may be uploads not committed yet.")
def sweep(older_than_minutes: int) -> None:
    """Remove the files in MATERIALS_FOLDER that no material names (left by a crash, or by a
    bulk delete that went around the session)."""
    removed = storage.sweep_orphans(db.session, timedelta(minutes=older_than_minutes))
    click.echo(f"Removed {len(removed)} file(s) no material names.")
