"""the change log by action; programme texts in nynorsk

Revision ID: 0012_audit_actions
Revises: 0011_attendance_roster
Create Date: 2026-11-28 07:15:00

`audit_entry.change_id` ties together the rows one request (one transaction) wrote, so the log
shows one entry per action. Rows written before it each stand alone. Course modules and
assessment dimensions get a nynorsk name (empty: the page falls back to bokmål).
"""
import sqlalchemy as sa
from alembic import op

revision = '0012_audit_actions'
down_revision = '0011_attendance_roster'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('change_id', sa.String(length=32), nullable=True))
    # Older rows each stand alone: their own id as their action's id.
    op.execute("UPDATE audit_entry SET change_id = 'e' || CAST(id AS VARCHAR(20))")
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.alter_column('change_id', existing_type=sa.String(length=32), nullable=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_change_id'), ['change_id'], unique=False)

    with op.batch_alter_table('course_module', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_nn', sa.String(length=200), nullable=False, server_default=''))
    with op.batch_alter_table('assessment_dimension', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_nn', sa.String(length=200), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('assessment_dimension', schema=None) as batch_op:
        batch_op.drop_column('name_nn')
    with op.batch_alter_table('course_module', schema=None) as batch_op:
        batch_op.drop_column('name_nn')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_change_id'))
        batch_op.drop_column('change_id')
