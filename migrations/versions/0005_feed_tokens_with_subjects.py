"""every group, cohort and person has its calendar feed token

Revision ID: 0005_feed_tokens_with_subjects
Revises: 0004_feeds_api_reminders
Create Date: 2026-11-28 01:50:00

Feed tokens used to be made the first time a page showed the feed, which made a page view
write. Now each group, cohort and person gets its token when it is saved; this gives one to
every existing record that has none yet. Existing tokens are kept, so no subscription breaks.
"""
import secrets
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '0005_feed_tokens_with_subjects'
down_revision = '0004_feeds_api_reminders'
branch_labels = None
depends_on = None

# The feed kinds by name, as the feed_token table stores them, and the table of each.
SUBJECT_TABLES = {"ENROLMENT": "enrolment", "COHORT": "cohort", "PERSON": "person"}


def upgrade():
    connection = op.get_bind()
    feed_token = sa.table(
        "feed_token",
        sa.column("kind", sa.String),
        sa.column("subject_id", sa.Integer),
        sa.column("token", sa.String),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(timezone.utc)
    for kind, table_name in SUBJECT_TABLES.items():
        subject = sa.table(table_name, sa.column("id", sa.Integer))
        have_token = sa.select(feed_token.c.subject_id).where(feed_token.c.kind == kind)
        ids = connection.scalars(
            sa.select(subject.c.id).where(subject.c.id.not_in(have_token))
        ).all()
        if ids:
            connection.execute(feed_token.insert(), [
                {"kind": kind, "subject_id": subject_id, "token": secrets.token_urlsafe(32),
                 "created_at": now}
                for subject_id in ids
            ])


def downgrade():
    # The tokens stay: they are valid addresses people may have subscribed to, and the older
    # code reads them as it would one it made itself.
    pass
