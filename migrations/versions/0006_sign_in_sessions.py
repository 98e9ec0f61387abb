"""sign-in sessions in the database; API tokens may expire

Revision ID: 0006_sign_in_sessions
Revises: 0005_feed_tokens_with_subjects
Create Date: 2026-11-28 04:10:00

A sign-in is now a record (`sign_in_session`) that sign-out, a password change, deactivation
and the account page end, instead of a cookie that stayed valid until a per-user counter
(`user_account.session_version`) moved on. Cookies signed before this migration carry the old
"id:version" value, which opens no sign-in session, so everyone signs in once more. API tokens
get an optional expiry.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_sign_in_sessions'
down_revision = '0005_feed_tokens_with_subjects'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_in_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('device', sa.String(length=60), nullable=False),
    sa.Column('address', sa.String(length=45), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_sign_in_session_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_session')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_sign_in_session_secret_hash'))
    )
    with op.batch_alter_table('sign_in_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_session_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('expires_at')

    with op.batch_alter_table('sign_in_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_session_user_id'))

    op.drop_table('sign_in_session')
