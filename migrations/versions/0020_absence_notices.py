"""notices of absence: someone expected at a session says before it starts that they cannot come

Revision ID: 0020_absence_notices
Revises: 0019_member_proposals
Create Date: 2026-11-28 13:50:20

A notice keeps who gave it (the participant, their contact person or staff), an optional reason
and an optional stand-in of the same organisation with the coordinator's decision; the register
counts the absence as excused in advance, and an accepted stand-in is a session guest.

"""
from alembic import op
import sqlalchemy as sa

import tracker.db_types


# revision identifiers, used by Alembic.
revision = '0020_absence_notices'
down_revision = '0019_member_proposals'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('absence_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('given_as', sa.Enum('PERSON', 'CONTACT', 'STAFF', name='noticegiver', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('given_by_id', sa.Integer(), nullable=True),
    sa.Column('given_at', tracker.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('stand_in_id', sa.Integer(), nullable=True),
    sa.Column('stand_in_decision', sa.Enum('PENDING', 'ACCEPTED', 'DECLINED', name='standindecision', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('decided_at', tracker.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('stand_in_id IS NULL OR stand_in_id <> person_id', name=op.f('ck_absence_notice_stand_in_is_someone_else')),
    sa.ForeignKeyConstraint(['given_by_id'], ['user_account.id'], name=op.f('fk_absence_notice_given_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_absence_notice_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['session.id'], name=op.f('fk_absence_notice_session_id_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['stand_in_id'], ['person.id'], name=op.f('fk_absence_notice_stand_in_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_absence_notice')),
    sa.UniqueConstraint('session_id', 'person_id', name=op.f('uq_absence_notice_session_id_person_id'))
    )
    with op.batch_alter_table('absence_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_absence_notice_given_by_id'), ['given_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_absence_notice_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_absence_notice_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_absence_notice_stand_in_id'), ['stand_in_id'], unique=False)



def downgrade():
    with op.batch_alter_table('absence_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_absence_notice_stand_in_id'))
        batch_op.drop_index(batch_op.f('ix_absence_notice_session_id'))
        batch_op.drop_index(batch_op.f('ix_absence_notice_person_id'))
        batch_op.drop_index(batch_op.f('ix_absence_notice_given_by_id'))

    op.drop_table('absence_notice')
