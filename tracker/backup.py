"""`flask --app tracker backup PATH` and `restore PATH`: the SQLite database, copied while it runs.

SQLite's own online backup copies the database page by page and starts again if a writer changes
it meanwhile, so the copy is the database as it stood at one moment, whatever the app is doing;
copying the file with `cp` while a request writes can give a copy that is neither before nor after.
The copy is written beside its final name and renamed once it is whole and checked, so a backup
that fails half-way leaves no file that looks like a backup.

PostgreSQL has its own tools (`pg_dump`, `pg_restore`): the README shows the commands.
"""
import errno
import os
import sqlite3
import tempfile

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

# Pages copied per step: small enough that the app's writers are never kept waiting long.
PAGES_PER_STEP = 256


def sqlite_path() -> str:
    """The file of the app's SQLite database.

    :raise click.ClickException: for PostgreSQL or an in-memory database.
    """
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(
            "The database is not SQLite: back up PostgreSQL with pg_dump and restore it with "
            "pg_restore (see the README's section on backups)."
        )
    if not url.database or url.database == ":memory:":
        raise click.ClickException("The database is in memory: there is no file to back up.")
    return url.database


def check_tracker_database(path: str) -> str:
    """The schema revision of the tracker database in `path`.

    :raise click.ClickException: when it is not a whole SQLite database of the tracker.
    """
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            if connection.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise click.ClickException(f"{path} is damaged (SQLite's integrity check fails).")
            revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as error:
        raise click.ClickException(f"{path} is not a tracker database ({error}).") from error
    if revision is None:
        raise click.ClickException(f"{path} is not a tracker database (it has no schema revision).")
    return revision[0]


def copy_database(source: str, target: str) -> None:
    """Copy the database `source` into the file `target` with SQLite's online backup."""
    with sqlite3.connect(source) as reader, sqlite3.connect(target) as writer:
        reader.backup(writer, pages=PAGES_PER_STEP)
    reader.close()
    writer.close()


def unusable_folder(folder: str, error: OSError | None = None) -> str | None:
    """Why no file can be made in `folder`, in the words of its own case, or None when nothing
    is known to be wrong; `error` is what making a file there raised.

    Each case needs something different of the reader (create the folder, fix its permissions,
    choose another disk), so none is said in another's words: /proc answers "No such file or
    directory" for a folder that plainly exists."""
    if os.path.lexists(folder) and not os.path.isdir(folder):
        return f"{folder} is a file, not a folder: give a path in a folder"
    if not os.path.isdir(folder):
        return (f"The folder {folder} does not exist: create it first, or give a path in a "
                "folder that exists")
    if error is None:
        if os.access(folder, os.W_OK):
            return None
        error = PermissionError(errno.EACCES, os.strerror(errno.EACCES))
    if error.errno in (errno.EACCES, errno.EPERM):
        return (f"The folder {folder} exists, but the user running this command may not write "
                "in it")
    if error.errno == errno.EROFS:
        return f"The folder {folder} is on a read-only file system: choose a folder on another disk"
    if error.errno == errno.ENOENT:
        return (f"The folder {folder} exists, but takes no files (a system folder such as /proc "
                "or /sys): choose a folder on a disk")
    return f"The folder {folder} cannot be written to: {error.strerror}"


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, resolve_path=True))
@with_appcontext
def backup_command(path: str) -> None:
    """Copy the running SQLite database to PATH, a new file."""
    source = sqlite_path()
    if os.path.lexists(path):
        raise click.ClickException(f"{path} already exists: give a new file name (nothing was written).")
    folder = os.path.dirname(path)
    if refusal := unusable_folder(folder):
        raise click.ClickException(f"{refusal} (nothing was written).")
    try:
        handle, partial = tempfile.mkstemp(prefix=".backup-", suffix=".partial", dir=folder)
    except OSError as error:
        raise click.ClickException(f"{unusable_folder(folder, error)} (nothing was written).") from error
    os.close(handle)
    try:
        copy_database(source, partial)
        revision = check_tracker_database(partial)
        # link, not rename: a file that appeared at `path` meanwhile is never replaced.
        os.link(partial, path)
    except FileExistsError as error:
        raise click.ClickException(f"{path} already exists: give a new file name.") from error
    except OSError as error:
        raise click.ClickException(f"The backup could not be written to {path}: {error.strerror}.") from error
    finally:
        os.unlink(partial)
    click.echo(f"Backed up {source} to {path} (schema {revision}, {os.path.getsize(path):,} bytes).")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, resolve_path=True))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database.")
@with_appcontext
def restore_command(path: str, yes: bool) -> None:
    """Put the backup in PATH back in place of the SQLite database (everything since is lost)."""
    from alembic.script import ScriptDirectory

    target = sqlite_path()
    if not os.path.isfile(path):
        raise click.ClickException(f"There is no backup at {path} (nothing was changed).")
    revision = check_tracker_database(path)
    scripts = ScriptDirectory.from_config(
        current_app.extensions["migrate"].migrate.get_config()
    )
    known = {script.revision for script in scripts.walk_revisions()}
    if revision not in known:
        raise click.ClickException(
            f"{path} was made by a newer version of the tracker (schema {revision}): "
            "restore it with that version (nothing was changed)."
        )
    if not yes:
        click.confirm(f"Replace {target} with {path}? Everything saved since the backup is lost",
                      abort=True)
    # Close the app's own connections first, so none holds a page of the old database.
    from tracker.extensions import db

    db.session.remove()
    db.engine.dispose()
    copy_database(path, target)
    click.echo(f"Restored {target} from {path} (schema {revision}).")
    if revision != scripts.get_current_head():
        click.echo("The backup's schema is older: run `flask --app tracker db upgrade` next.")
