"""accounts people can run: one-time links, identities at OpenID providers, two-factor

Revision ID: 0009_accounts_sso_two_factor
Revises: 0008_hashed_feeds_cohort_info
Create Date: 2026-11-28 06:45:00

An account may now have no password (invited, or signing in only through an identity
provider). `account_link` holds invitation and password-reset links (hashed); `external_identity`
the identities at ID-porten or Entra ID linked to an account; `recovery_code` the hashed
one-time codes for a lost authenticator. A sign-in session remembers how the user proved who
they are and when they last did. Existing sessions count as checked when they began.
"""
import sqlalchemy as sa
from alembic import op

revision = '0009_accounts_sso_two_factor'
down_revision = '0008_hashed_feeds_cohort_info'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.alter_column('password_hash', existing_type=sa.String(length=255), nullable=True)
        batch_op.add_column(sa.Column('last_sign_in_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))

    # Accounts that have signed in before keep counting as active, not as "invited".
    op.execute(
        "UPDATE user_account SET last_sign_in_at = "
        "(SELECT max(s.created_at) FROM sign_in_session s WHERE s.user_id = user_account.id)"
    )

    with op.batch_alter_table('sign_in_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('method', sa.String(length=60), nullable=False,
                                      server_default='password'))
        batch_op.add_column(sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE sign_in_session SET checked_at = created_at")
    with op.batch_alter_table('sign_in_session', schema=None) as batch_op:
        batch_op.alter_column('checked_at', existing_type=sa.DateTime(timezone=True), nullable=False)

    op.create_table('account_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('INVITATION', 'PASSWORD_RESET', name='linkpurpose', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index(op.f('ix_account_link_user_id'), 'account_link', ['user_id'], unique=False)

    op.create_table('external_identity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('label', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('provider', 'subject', name='one_user_per_identity')
    )
    op.create_index(op.f('ix_external_identity_user_id'), 'external_identity', ['user_id'], unique=False)

    op.create_table('recovery_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_recovery_code_user_id'), 'recovery_code', ['user_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_recovery_code_user_id'), table_name='recovery_code')
    op.drop_table('recovery_code')
    op.drop_index(op.f('ix_external_identity_user_id'), table_name='external_identity')
    op.drop_table('external_identity')
    op.drop_index(op.f('ix_account_link_user_id'), table_name='account_link')
    op.drop_table('account_link')
    with op.batch_alter_table('sign_in_session', schema=None) as batch_op:
        batch_op.drop_column('checked_at')
        batch_op.drop_column('method')
    op.execute("UPDATE user_account SET password_hash = '!' WHERE password_hash IS NULL")
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_secret')
        batch_op.drop_column('last_sign_in_at')
        batch_op.alter_column('password_hash', existing_type=sa.String(length=255), nullable=False)
