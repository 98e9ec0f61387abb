"""calendar feed addresses stored as hashes, one per reader; a cohort's information for participants

Revision ID: 0008_hashed_feeds_cohort_info
Revises: 0007_races_and_claims
Create Date: 2026-11-28 04:30:00

A feed's address was stored as it is, so anyone who read the table could open every calendar.
Now only its SHA-256 is kept; each existing address is hashed in place, so every subscription
keeps working. The existing addresses become shared ones (no owner): whoever was shown one may
have passed it on. New addresses belong to one reader each.

A cohort's notes are the coordinators' own; `participant_information` is what the groups see.
"""
import hashlib
import secrets
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = '0008_hashed_feeds_cohort_info'
down_revision = '0007_races_and_claims'
branch_labels = None
depends_on = None

SUBJECT_TABLES = {"ENROLMENT": "enrolment", "COHORT": "cohort", "PERSON": "person"}


def upgrade():
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.add_column(sa.Column('participant_information', sa.Text(), nullable=False,
                                      server_default=''))

    with op.batch_alter_table('feed_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('token_hash', sa.String(length=64), nullable=True))

    connection = op.get_bind()
    feed_token = sa.table("feed_token", sa.column("id", sa.Integer), sa.column("token", sa.String),
                          sa.column("token_hash", sa.String))
    rows = connection.execute(sa.select(feed_token.c.id, feed_token.c.token)).all()
    for row_id, token in rows:
        connection.execute(
            feed_token.update().where(feed_token.c.id == row_id)
            .values(token_hash=hashlib.sha256(token.encode()).hexdigest())
        )

    with op.batch_alter_table('feed_token', schema=None) as batch_op:
        batch_op.drop_constraint('uq_feed_token_token', type_='unique')
        batch_op.drop_constraint('uq_feed_token_kind_subject_id', type_='unique')
        batch_op.drop_column('token')
        batch_op.alter_column('token_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_feed_token_token_hash'), ['token_hash'])
        batch_op.create_unique_constraint(batch_op.f('uq_feed_token_kind_subject_id_user_id'),
                                          ['kind', 'subject_id', 'user_id'])
        batch_op.create_foreign_key(batch_op.f('fk_feed_token_user_id_user_account'),
                                    'user_account', ['user_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index(batch_op.f('ix_feed_token_user_id'), ['user_id'], unique=False)


def downgrade():
    # A hash cannot give its address back: going back makes a new address for each group,
    # cohort and person, as 0005 did, and every subscription must be made again.
    op.execute("DELETE FROM feed_token")
    with op.batch_alter_table('feed_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feed_token_user_id'))
        batch_op.drop_constraint(batch_op.f('fk_feed_token_user_id_user_account'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_feed_token_kind_subject_id_user_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_feed_token_token_hash'), type_='unique')
        batch_op.drop_column('token_hash')
        batch_op.drop_column('user_id')
        batch_op.add_column(sa.Column('token', sa.String(length=64), nullable=False))
        batch_op.create_unique_constraint('uq_feed_token_token', ['token'])
        batch_op.create_unique_constraint('uq_feed_token_kind_subject_id', ['kind', 'subject_id'])

    connection = op.get_bind()
    feed_token = sa.table("feed_token", sa.column("kind", sa.String), sa.column("subject_id", sa.Integer),
                          sa.column("token", sa.String), sa.column("created_at", sa.DateTime(timezone=True)))
    now = datetime.now(timezone.utc)
    for kind, table_name in SUBJECT_TABLES.items():
        subject = sa.table(table_name, sa.column("id", sa.Integer))
        ids = connection.scalars(sa.select(subject.c.id)).all()
        if ids:
            connection.execute(feed_token.insert(), [
                {"kind": kind, "subject_id": subject_id, "token": secrets.token_urlsafe(32),
                 "created_at": now}
                for subject_id in ids
            ])

    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.drop_column('participant_information')
