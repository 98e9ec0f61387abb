"""evaluations of joint gatherings

Revision ID: 0018_evaluations
Revises: 0017_messages
Create Date: 2026-11-28 13:46:57

A joint gathering's evaluation is a survey round of its own kind (EVALUATION) that belongs to the
gathering's session instead of a group: `survey_round.enrolment_id` may now be empty, a new
`session_id` holds the gathering (one evaluation each), and a CHECK says a round is either a
group's (baseline, final) or a gathering's (evaluation), never both nor neither. An instrument
says whether it is the programme's evaluation (`is_evaluation`).

"""
from alembic import op
import sqlalchemy as sa

import tracker.db_types  # noqa: F401  (the house's column types, as in every migration)


# revision identifiers, used by Alembic.
revision = '0018_evaluations'
down_revision = '0017_messages'
branch_labels = None
depends_on = None

GROUP_OR_GATHERING = (
    "(enrolment_id IS NOT NULL AND session_id IS NULL AND kind != 'EVALUATION') OR "
    "(enrolment_id IS NULL AND session_id IS NOT NULL AND kind = 'EVALUATION')")


def upgrade():
    with op.batch_alter_table('survey_instrument', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_evaluation', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))

    with op.batch_alter_table('survey_round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_id', sa.Integer(), nullable=True))
        batch_op.alter_column('enrolment_id', existing_type=sa.INTEGER(), nullable=True)
        batch_op.alter_column(
            'kind',
            existing_type=sa.Enum('BASELINE', 'FINAL', name='roundkind', native_enum=False,
                                  create_constraint=True, length=32),
            type_=sa.Enum('BASELINE', 'FINAL', 'EVALUATION', name='roundkind', native_enum=False,
                          create_constraint=True, length=32),
            existing_nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_survey_round_session_id'), ['session_id'])
        batch_op.create_foreign_key(batch_op.f('fk_survey_round_session_id_session'), 'session',
                                    ['session_id'], ['id'], ondelete='CASCADE')
        batch_op.create_check_constraint('group_or_gathering', GROUP_OR_GATHERING)


def downgrade():
    op.execute("DELETE FROM survey_round WHERE kind = 'EVALUATION'")
    with op.batch_alter_table('survey_round', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_survey_round_group_or_gathering'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_survey_round_session_id_session'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_survey_round_session_id'), type_='unique')
        batch_op.alter_column(
            'kind',
            existing_type=sa.Enum('BASELINE', 'FINAL', 'EVALUATION', name='roundkind',
                                  native_enum=False, create_constraint=True, length=32),
            type_=sa.Enum('BASELINE', 'FINAL', name='roundkind', native_enum=False,
                          create_constraint=True, length=32),
            existing_nullable=False)
        batch_op.alter_column('enrolment_id', existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column('session_id')

    with op.batch_alter_table('survey_instrument', schema=None) as batch_op:
        batch_op.drop_column('is_evaluation')
