"""a session's calendar sequence: the revision of its calendar event

Revision ID: 0015_session_sequence
Revises: 0014_outbox
Create Date: 2026-11-28 13:47:17

Change notices (METHOD:REQUEST or CANCEL) must carry a SEQUENCE higher than the event a
calendar already has, and the feeds and reminders must carry the same number. Until now the
feeds wrote the session's version less one; a session's sequence starts there, so no
calendar sees an event go back to an older revision, and from now on rises only when the
session's time, place or being cancelled changes.

"""
from alembic import op
import sqlalchemy as sa

import tracker.db_types  # noqa: F401  (the app's column types, as every migration imports)


# revision identifiers, used by Alembic.
revision = '0015_session_sequence'
down_revision = '0014_outbox'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequence', sa.Integer(), server_default='0', nullable=False))
    session = sa.table('session', sa.column('sequence', sa.Integer), sa.column('version', sa.Integer))
    op.execute(session.update().where(session.c.version > 1).values(sequence=session.c.version - 1))
    with op.batch_alter_table('session', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_session_sequence_not_negative'), 'sequence >= 0')


def downgrade():
    with op.batch_alter_table('session', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_session_sequence_not_negative'), type_='check')
        batch_op.drop_column('sequence')
