"""`flask backup PATH` / `flask restore PATH`: a consistent copy of a running SQLite database."""
import errno
import os
import sqlite3

import pytest

from config import TestConfig
from tracker import backup, create_app


def dump(path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return list(connection.iterdump())


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """An app on a SQLite file holding the demo programme."""
    folder = tmp_path_factory.mktemp("live")
    database = folder / "tracker.sqlite"

    class FileConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{database}"

    app = create_app(FileConfig)
    with app.app_context():
        from flask_migrate import upgrade

        from tracker.seed.demo import load_demo

        upgrade()
        load_demo()
    return app, database


def run(app, *args, input=None):
    # Its own app context: the suite's app may have one pushed already, and a command runs in
    # the app context it finds.
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args), input=input)


def test_backup_copies_the_database_as_it_stands(live, tmp_path):
    app, database = live
    target = tmp_path / "copy.sqlite"
    result = run(app, "backup", str(target))
    assert result.exit_code == 0, result.output
    assert "Backed up" in result.output
    assert dump(target) == dump(database)
    assert not list(tmp_path.glob(".backup-*")), "no partial file is left behind"


def test_backup_leaves_out_what_a_writer_has_not_committed(live, tmp_path):
    app, database = live
    writer = sqlite3.connect(database, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE programme SET description_en = 'half-way'")
        result = run(app, "backup", str(tmp_path / "during.sqlite"))
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert result.exit_code == 0, result.output
    with sqlite3.connect(tmp_path / "during.sqlite") as copy:
        assert "half-way" not in {row[0] for row in copy.execute("SELECT description_en FROM programme")}


def test_restore_puts_the_backup_back(live, tmp_path):
    app, database = live
    backup = tmp_path / "before.sqlite"
    assert run(app, "backup", str(backup)).exit_code == 0
    before = dump(database)
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE organisation SET name_nb = name_nb || ' (endret)'")
        connection.execute("DELETE FROM audit_entry")
    assert dump(database) != before
    result = run(app, "restore", str(backup), "--yes")
    assert result.exit_code == 0, result.output
    assert dump(database) == before
    # The app works on the restored database at once.
    with app.app_context():
        from sqlalchemy import func, select

        from tracker.extensions import db
        from tracker.organisations.models import Organisation

        assert db.session.scalar(select(func.count()).select_from(Organisation)) > 0
        db.session.remove()


def test_restore_asks_first_and_a_no_changes_nothing(live, tmp_path):
    app, database = live
    backup = tmp_path / "asked.sqlite"
    assert run(app, "backup", str(backup)).exit_code == 0
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE programme SET description_en = 'kept'")
    before = dump(database)
    result = run(app, "restore", str(backup), input="n\n")
    assert result.exit_code != 0
    assert dump(database) == before


# Each path a backup cannot use, and the words that say its case and no other's.
REFUSALS = {
    "exists": "already exists: give a new file name",
    "no folder": "does not exist: create it first",
    "folder is a file": "is a file, not a folder",
    "permission denied": "exists, but the user running this command may not write in it",
    "read-only": "is on a read-only file system",
    "takes no files": "exists, but takes no files",
    "other": "cannot be written to: No space left on device",
}


@pytest.mark.parametrize("case", REFUSALS)
def test_a_backup_path_that_cannot_be_used_is_refused_saying_why(live, tmp_path, monkeypatch,
                                                                  case):
    app, database = live
    (tmp_path / "a file").write_text("keep me")
    path = {
        "exists": tmp_path / "a file",
        "no folder": tmp_path / "missing" / "copy.sqlite",
        "folder is a file": tmp_path / "a file" / "copy.sqlite",
        # /proc exists, but making a file in it answers ENOENT ("No such file or directory").
        "takes no files": "/proc/copy.sqlite",
    }.get(case, tmp_path / "copy.sqlite")
    # The tests run as root, whom permissions do not stop: the refusal is the system's answer.
    raised = {"permission denied": errno.EACCES, "read-only": errno.EROFS,
              "other": errno.ENOSPC}.get(case)
    if raised:
        def refuse(*args, **kwargs):
            raise OSError(raised, os.strerror(raised))

        monkeypatch.setattr(backup.tempfile, "mkstemp", refuse)
    before = dump(database)
    result = run(app, "backup", str(path))
    assert result.exit_code == 1
    assert "Error:" in result.output and "(nothing was written)." in result.output
    assert [words for words in REFUSALS.values() if words in result.output] == [REFUSALS[case]]
    assert (tmp_path / "a file").read_text() == "keep me"
    assert dump(database) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a file"]


def test_a_folder_that_is_not_writable_is_refused_before_anything_is_made(live, tmp_path,
                                                                          monkeypatch):
    app, database = live
    monkeypatch.setattr(backup.os, "access", lambda path, mode: False)
    result = run(app, "backup", str(tmp_path / "copy.sqlite"))
    assert result.exit_code == 1
    assert REFUSALS["permission denied"] in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("case", ["missing", "not a database", "not the tracker's", "newer"])
def test_a_restore_from_something_that_is_not_a_backup_changes_nothing(live, tmp_path, case):
    app, database = live
    path = tmp_path / "source.sqlite"
    if case == "not a database":
        path.write_text("name;number\nDFØ;986252932\n")
    elif case == "not the tracker's":
        with sqlite3.connect(path) as other:
            other.execute("CREATE TABLE t (x)")
    elif case == "newer":
        assert run(app, "backup", str(path)).exit_code == 0
        with sqlite3.connect(path) as copy:
            copy.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    before = dump(database)
    result = run(app, "restore", str(path), "--yes")
    assert result.exit_code == 1
    assert "Error:" in result.output
    assert dump(database) == before


def test_an_in_memory_database_has_nothing_to_back_up(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "x.sqlite")])
    assert result.exit_code == 1
    assert "in memory" in result.output or "not SQLite" in result.output
