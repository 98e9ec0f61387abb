"""guests at one session: a stand-in or a guest on a session's attendance roster

Revision ID: 0011_attendance_roster
Revises: 0010_cancellation_reason
Create Date: 2026-11-28 07:10:00

A coordinator adds someone who is not a member of the session's groups (a stand-in for a
leader, a guest) to that one session, so their attendance can be recorded there.
"""
import sqlalchemy as sa
from alembic import op

revision = '0011_attendance_roster'
down_revision = '0010_cancellation_reason'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('session_guest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['session.id'], name=op.f('fk_session_guest_session_id_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_session_guest_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_guest')),
    sa.UniqueConstraint('session_id', 'person_id', name=op.f('uq_session_guest_session_id_person_id'))
    )
    op.create_index(op.f('ix_session_guest_session_id'), 'session_guest', ['session_id'], unique=False)
    op.create_index(op.f('ix_session_guest_person_id'), 'session_guest', ['person_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_session_guest_person_id'), table_name='session_guest')
    op.drop_index(op.f('ix_session_guest_session_id'), table_name='session_guest')
    op.drop_table('session_guest')
