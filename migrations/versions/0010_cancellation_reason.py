"""why a session was cancelled

Revision ID: 0010_cancellation_reason
Revises: 0009_accounts_sso_two_factor
Create Date: 2026-11-28 07:15:00

Cancelling a session now asks for a reason, shown wherever the cancelled session is; sessions
cancelled before have none (an empty text).
"""
import sqlalchemy as sa
from alembic import op

revision = '0010_cancellation_reason'
down_revision = '0009_accounts_sso_two_factor'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancellation_reason', sa.Text(), nullable=False,
                                      server_default=''))


def downgrade():
    with op.batch_alter_table('session', schema=None) as batch_op:
        batch_op.drop_column('cancellation_reason')
