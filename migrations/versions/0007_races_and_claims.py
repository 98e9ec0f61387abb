"""a reminder or alert is claimed before its mail is sent, and marked sent after

Revision ID: 0007_races_and_claims
Revises: 0006_sign_in_sessions
Create Date: 2026-11-28 04:10:00

Two mail runs at the same time each sent every reminder: the record was written only after the
mail went. Now a run first claims it (a row with `claimed_at` and no `sent_at`, committed before
the mail server is called, whose unique key a second run cannot write again), and marks it sent
once the server accepted the mail. Rows already there were sent: their claim is their sending.
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_races_and_claims'
down_revision = '0006_sign_in_sessions'
branch_labels = None
depends_on = None

TABLES = ("reminder_sent", "alert_sent")


def upgrade():
    for name in TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))
        table = sa.table(name, sa.column("claimed_at", sa.DateTime(timezone=True)),
                         sa.column("sent_at", sa.DateTime(timezone=True)))
        op.execute(table.update().values(claimed_at=table.c.sent_at))
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.alter_column('claimed_at', existing_type=sa.DateTime(timezone=True),
                                  nullable=False)
            batch_op.alter_column('sent_at', existing_type=sa.DateTime(timezone=True),
                                  nullable=True)


def downgrade():
    for name in TABLES:
        table = sa.table(name, sa.column("sent_at", sa.DateTime(timezone=True)))
        # A claim whose mail never went is forgotten: the older code sends it again.
        op.execute(table.delete().where(table.c.sent_at.is_(None)))
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.alter_column('sent_at', existing_type=sa.DateTime(timezone=True),
                                  nullable=False)
            batch_op.drop_column('claimed_at')
