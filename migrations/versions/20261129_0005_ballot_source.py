"""ballot source: online (phone) or paper (keyed from a 评定表)

``ballot.source`` VARCHAR(20) with a CHECK of its values, 'online' for existing rows.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29

"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("ballot", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "source",
                sa.Enum(
                    "online",
                    "paper",
                    name="ballot_source",
                    native_enum=False,
                    create_constraint=True,
                    length=20,
                ),
                server_default="online",
                nullable=False,
            )
        )


def downgrade():
    with op.batch_alter_table("ballot", schema=None) as batch_op:
        batch_op.drop_constraint("ballot_source", type_="check")
        batch_op.drop_column("source")
