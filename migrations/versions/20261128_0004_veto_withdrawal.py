"""veto withdrawal: an incident recorded in error can be withdrawn by the office

``veto_incident.withdrawn_at`` (UTC timestamp, NULL while the incident stands) and
``veto_incident.withdrawal_reason`` (text, '' by default). A withdrawn incident is kept but no longer
counts towards the veto.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28

"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("veto_incident", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("withdrawal_reason", sa.Text(), server_default="", nullable=True))


def downgrade():
    with op.batch_alter_table("veto_incident", schema=None) as batch_op:
        batch_op.drop_column("withdrawal_reason")
        batch_op.drop_column("withdrawn_at")
