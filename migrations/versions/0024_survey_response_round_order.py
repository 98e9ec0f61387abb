"""a round's responses indexed with their ids: round, then id

Revision ID: 0024_survey_response_round_order
Revises: 0023_list_order_indexes
Create Date: 2026-11-29 04:00:00

Issue 14: a survey comparison keys each round's sums by its responses' count and smallest and
largest id. With only the round indexed, PostgreSQL found the smallest id by walking the random
ids from the first: 2.5 s for the whole state's rounds at the bench's scale 10. Indexed on the
round and then the id, each is read off the index's first and last entry of the round.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024_survey_response_round_order'
down_revision = '0023_list_order_indexes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_response_round_id')
        batch_op.create_index('ix_survey_response_round_id', ['round_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_response_round_id')
        batch_op.create_index('ix_survey_response_round_id', ['round_id'], unique=False)
