"""The migration that stores feed addresses as hashes keeps every existing address working."""
import secrets

from flask_migrate import upgrade
from sqlalchemy import text

from config import TestConfig
from tests.test_migrations import databases
from tracker import create_app
from tracker.auth.tokens import hash_token
from tracker.extensions import db


def test_an_address_made_before_the_hashing_still_opens_its_feed(tmp_path):
    for name, url in databases(tmp_path):
        class Config(TestConfig):
            SQLALCHEMY_DATABASE_URI = url

        app = create_app(Config)
        token = secrets.token_urlsafe(32)
        with app.app_context():
            upgrade(revision="0005_feed_tokens_with_subjects")
            with db.engine.begin() as conn:
                conn.execute(text("INSERT INTO person (id, name, email, version) "
                                  "VALUES (1, 'Kari Nordmann', 'kari@example.org', 1)"))
                conn.execute(text("INSERT INTO feed_token (kind, subject_id, token, created_at) "
                                  "VALUES ('PERSON', 1, :token, CURRENT_TIMESTAMP)"), {"token": token})
            upgrade()
            with db.engine.connect() as conn:
                rows = conn.execute(text("SELECT user_id, token_hash FROM feed_token")).all()
            assert rows == [(None, hash_token(token))], name
            response = app.test_client().get(f"/calendar/{token}.ics")
            assert response.status_code == 200, name
            assert b"BEGIN:VCALENDAR" in response.data
            db.engine.dispose()
