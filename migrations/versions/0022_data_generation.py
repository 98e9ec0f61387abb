"""the data's generation: one row whose token every change to the programme's data replaces

Revision ID: 0022_data_generation
Revises: 0021_coordinator_programmes
Create Date: 2026-11-28 20:40:00

Issue 14: pieces of pages are kept between requests while the data stays the same
(tracker/fragments.py); this token, shared by every instance, says when it changed.

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022_data_generation'
down_revision = '0021_coordinator_programmes'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table('data_generation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_generation'))
    )
    op.bulk_insert(table, [{'id': 1, 'token': secrets.token_hex(16)}])


def downgrade():
    op.drop_table('data_generation')
