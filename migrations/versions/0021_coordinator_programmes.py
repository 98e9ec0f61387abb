"""coordinators limited to some programmes: a coordinator with no row sees every programme

Revision ID: 0021_coordinator_programmes
Revises: 0020_absence_notices
Create Date: 2026-11-28 17:10:00

Issue 14: the tracker serves several programmes. A coordinator with rows here sees and changes
only those programmes' cohorts and what stands on them; one without (every existing account)
sees all, as before.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021_coordinator_programmes'
down_revision = '0020_absence_notices'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('coordinator_programme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_coordinator_programme_programme_id_programme'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_coordinator_programme_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coordinator_programme')),
    sa.UniqueConstraint('user_id', 'programme_id', name=op.f('uq_coordinator_programme_user_id_programme_id'))
    )
    with op.batch_alter_table('coordinator_programme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coordinator_programme_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_coordinator_programme_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('coordinator_programme', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coordinator_programme_user_id'))
        batch_op.drop_index(batch_op.f('ix_coordinator_programme_programme_id'))

    op.drop_table('coordinator_programme')
