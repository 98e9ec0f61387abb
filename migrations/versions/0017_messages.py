"""messages to a cohort: the copy kept of each message a coordinator sends, and who got it

Revision ID: 0017_messages
Revises: 0016_materials
Create Date: 2026-11-28 13:48:35.271068

A coordinator writes to (some of) a cohort's groups; each recipient's mail goes through the
outbox, and the message is kept with the groups chosen and each recipient (with the address
used then, forgotten when the person is erased), so the cohort's page shows who received it.

"""
from alembic import op
import sqlalchemy as sa

import tracker.db_types


# revision identifiers, used by Alembic.
revision = '0017_messages'
down_revision = '0016_materials'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cohort_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('audience', sa.Enum('EVERYONE', 'TOP_LEADERS', 'CONTACTS', name='audience', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('whole_cohort', sa.Boolean(), nullable=False),
    sa.Column('sent_at', tracker.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('preview_key', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohort.id'], name=op.f('fk_cohort_message_cohort_id_cohort'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sender_id'], ['user_account.id'], name=op.f('fk_cohort_message_sender_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_message')),
    sa.UniqueConstraint('preview_key', name=op.f('uq_cohort_message_preview_key'))
    )
    with op.batch_alter_table('cohort_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_message_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cohort_message_sender_id'), ['sender_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cohort_message_sent_at'), ['sent_at'], unique=False)

    op.create_table('cohort_message_group',
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_cohort_message_group_enrolment_id_enrolment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['cohort_message.id'], name=op.f('fk_cohort_message_group_message_id_cohort_message'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('message_id', 'enrolment_id', name=op.f('pk_cohort_message_group'))
    )
    op.create_table('message_recipient',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('enrolment_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('outbox_key', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_message_recipient_enrolment_id_enrolment'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['message_id'], ['cohort_message.id'], name=op.f('fk_message_recipient_message_id_cohort_message'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_message_recipient_person_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_recipient')),
    sa.UniqueConstraint('message_id', 'person_id', name=op.f('uq_message_recipient_message_id_person_id'))
    )
    with op.batch_alter_table('message_recipient', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_recipient_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_recipient_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_recipient_person_id'), ['person_id'], unique=False)



def downgrade():
    with op.batch_alter_table('message_recipient', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_recipient_person_id'))
        batch_op.drop_index(batch_op.f('ix_message_recipient_message_id'))
        batch_op.drop_index(batch_op.f('ix_message_recipient_enrolment_id'))

    op.drop_table('message_recipient')
    op.drop_table('cohort_message_group')
    with op.batch_alter_table('cohort_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_message_sent_at'))
        batch_op.drop_index(batch_op.f('ix_cohort_message_sender_id'))
        batch_op.drop_index(batch_op.f('ix_cohort_message_cohort_id'))

    op.drop_table('cohort_message')
