"""the outbox: every mail written with the change that causes it, sent afterwards

Revision ID: 0014_outbox
Revises: 0013_surveys
Create Date: 2026-11-28 13:42:33

Every mail is written to the outbox in the transaction of the change that causes it; `flask mail
send` delivers it, claimed so two senders never send the same one, tried again with a growing
pause, and given up (shown to admins) after a number of tries. The claims the daily run used to
keep itself (on reminders, alerts and survey respondents) go: a reminder's record is now
written with its queued mail, so it is when it was queued.

"""
from alembic import op
import sqlalchemy as sa

import tracker.db_types


# revision identifiers, used by Alembic.
revision = '0014_outbox'
down_revision = '0013_surveys'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('SESSION_REMINDER', 'ATTENDANCE_ALERTS', 'SURVEY_INVITATION', 'SURVEY_REMINDER', 'ACCOUNT_INVITATION', 'PASSWORD_RESET', 'PASSWORD_CHANGED', 'CHANGE_NOTICE', 'MESSAGE', 'ABSENCE_NOTICE', 'EVALUATION', 'MEMBER_PROPOSAL', name='mailkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=True),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('status', sa.Enum('PENDING', 'SENT', 'FAILED', name='outboxstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_at', tracker.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', tracker.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claim', sa.String(length=32), nullable=True),
    sa.Column('claimed_at', tracker.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', tracker.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message')),
    sa.UniqueConstraint('key', name=op.f('uq_outbox_message_key'))
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_message_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_recipient'), ['recipient'], unique=False)

    for table in ('reminder_sent', 'alert_sent'):
        # A claim a run held but never marked sent stood for mail that did not go: forgotten,
        # so the next run queues it.
        op.execute(f"DELETE FROM {table} WHERE sent_at IS NULL")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('claimed_at', new_column_name='queued_at')
            batch_op.drop_column('sent_at')
    with op.batch_alter_table('survey_respondent', schema=None) as batch_op:
        batch_op.drop_column('invitation_claimed_at')
        batch_op.drop_column('reminder_claimed_at')



def downgrade():
    with op.batch_alter_table('survey_respondent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_claimed_at', tracker.db_types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('invitation_claimed_at', tracker.db_types.UTCDateTime(timezone=True), nullable=True))
    for table in ('reminder_sent', 'alert_sent'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('sent_at', tracker.db_types.UTCDateTime(timezone=True), nullable=True))
            batch_op.alter_column('queued_at', new_column_name='claimed_at')
        # What was queued counts as sent.
        op.execute(f"UPDATE {table} SET sent_at = claimed_at")
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_message_recipient'))
        batch_op.drop_index('ix_outbox_message_due')

    op.drop_table('outbox_message')
