"""audit chain head remembers the hash it held before its last move

``audit_chain_head.prev_hash`` (nullable): set by every move of the head to the hash the head held
before it. A single-statement append on PostgreSQL (a ballot: upsert, head move and sealed entry in
one ``WITH``) reads it back with ``RETURNING`` as the new entry's ``prev_hash`` — ``RETURNING``
sees only the row after the UPDATE. Existing heads keep NULL until their next move.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29

"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_chain_head", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("audit_chain_head", schema=None) as batch_op:
        batch_op.drop_column("prev_hash")
