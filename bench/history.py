"""A database of its own holding a generated history, for the benchmark and the statement-count test.

`database(kind, folder)` makes an empty database (a SQLite file in `folder`, or a PostgreSQL
database on the server `BENCH_DATABASE_URL` names) and drops it afterwards; `build(scale)`
upgrades it and fills it, inside an app context: with the synthetic generator
(`tracker.seed.synthetic.generate`) when it is there, else with the demo.
"""
from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def database(kind: str, folder: str, label: str, server_url: str | None = None):
    """Yield the URL of a new empty database; drop it (or its file) afterwards."""
    if kind == "sqlite":
        path = Path(folder) / f"{label}.sqlite"
        path.unlink(missing_ok=True)
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    from config import normalise_database_url

    server = make_url(normalise_database_url(server_url or os.environ["BENCH_DATABASE_URL"]))
    name = f"tracker_bench_{label}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def has_generator() -> bool:
    try:
        from tracker.seed import synthetic  # noqa: F401
    except ImportError:
        return False
    return hasattr(synthetic, "generate")


def build(scale: int, *, fraction: float | None = None) -> str:
    """Upgrade the app's database and fill it; return what it holds, in words. Inside an app
    context. `fraction` (tests only) asks the generator for that share of scale 1, when it
    offers such a knob."""
    from flask_migrate import upgrade

    upgrade()
    if has_generator():
        from tracker.seed import synthetic

        if fraction is not None:
            synthetic.build(scale, seed=1, fraction=fraction)  # the generator's knob for tests
        else:
            synthetic.generate(scale, seed=1)
        return f"synthetic history, scale {scale}" + (f" × {fraction}" if fraction else "")
    # Until the generator lands: the demo, and `scale - 1` copies of its people as bulk rows.
    from tracker.seed.demo import load_demo

    load_demo()
    extra = add_bulk_people((scale - 1) * 400)
    return f"demo (no generator yet) + {extra} extra people"


def add_bulk_people(count: int) -> int:
    """Stand-in for the generator: more people (organisations' staff, in no group) by one bulk
    insert, so the people list and searches see a longer table."""
    if count <= 0:
        return 0
    from sqlalchemy import insert, select

    from tracker.extensions import db
    from tracker.organisations.models import Organisation
    from tracker.people.models import Person

    organisation_ids = db.session.scalars(select(Organisation.id).order_by(Organisation.id)).all()
    db.session.execute(insert(Person), [
        {"name": f"Syntetisk person {n}", "email": f"bench.person{n}@example.org",
         "organisation_id": organisation_ids[n % len(organisation_ids)], "version": 1}
        for n in range(count)
    ])
    db.session.commit()
    return count
