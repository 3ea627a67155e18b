"""accounts: usernames unique whatever their case

``user.username_key`` VARCHAR(80) NOT NULL UNIQUE, the username in lower case, filled from the
existing usernames. An installation that already holds two usernames differing only in case must
rename one before upgrading (the UNIQUE constraint refuses them).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29

"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("username_key", sa.String(length=80), nullable=True))
    op.execute(sa.text('UPDATE "user" SET username_key = lower(trim(username))'))
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.alter_column("username_key", existing_type=sa.String(length=80), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_user_username_key"), ["username_key"])


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_user_username_key"), type_="unique")
        batch_op.drop_column("username_key")
