"""the people list's order as an index: by name, then id

Revision ID: 0023_list_order_indexes
Revises: 0022_data_generation
Create Date: 2026-11-29 00:00:00

Issue 14: the people list sorted every person (18,000 at ten times the history) to show fifty.
With this index a page of it is read off in order, on SQLite and PostgreSQL alike.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023_list_order_indexes'
down_revision = '0022_data_generation'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index('ix_person_name', ['name', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index('ix_person_name')
