"""The bench's own app: the tracker as built by `create_app`, plus a floor route `/_floor` that
renders the base layout after one query. Every figure the bench prints is also given as a
ratio to the floor measured in the same run, so a slow machine and a slow page can be told
apart. The floor exists only here, never in production.

As a WSGI entry for gunicorn: `gunicorn bench.floor:app` with BENCH_APP_DATABASE_URL set.
"""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import Config, normalise_database_url  # noqa: E402

FLOOR_ENDPOINT = "bench_floor"
FLOOR_URL = "/_floor"


class BenchConfig(Config):
    """Like development, with a fixed key (the bench signs in in one process and sends the
    cookie to gunicorn's) and no rate limits (wrk's 16 connections from one address must not
    be counted as an attack: the numbers would be 429s)."""

    TESTING = False
    SECRET_KEY = "bench-only-not-secret"
    REQUIRE_STAFF_2FA = False
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_STORAGE_OPTIONS: dict = {}
    # Sign-in sessions must outlast a long run (the defaults are 30 minutes idle, 12 hours).
    SESSION_IDLE_MINUTES = 24 * 60
    SQLALCHEMY_DATABASE_URI = normalise_database_url(os.environ.get("BENCH_APP_DATABASE_URL"))
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024


def make_app(config: type[Config] = BenchConfig):
    from flask import render_template_string
    from sqlalchemy import select

    from tracker import create_app
    from tracker.access import ACCESS, SIGNED_IN, Rule
    from tracker.extensions import db
    from tracker.programmes.models import Programme

    app = create_app(config)
    # Signed in, like the pages it is the floor of (the sign-in session and user are loaded).
    ACCESS.setdefault(FLOOR_ENDPOINT, Rule(SIGNED_IN))

    def floor():
        name = db.session.scalar(select(Programme.name_nb).order_by(Programme.id).limit(1))
        return render_template_string(
            '{% extends "base.html" %}{% block title %}Floor{% endblock %}'
            '{% block content %}<h1>{{ name }}</h1>{% endblock %}', name=name)

    app.add_url_rule(FLOOR_URL, FLOOR_ENDPOINT, floor)
    return app


if os.environ.get("BENCH_APP_DATABASE_URL"):
    app = make_app()
