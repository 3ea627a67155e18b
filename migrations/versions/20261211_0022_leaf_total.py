"""leaf_total: the counted marks per unit and leaf, kept by the database

The 综合测评 read 108,000 marks and aggregated them into 18,000 groups on every view; the database now
keeps those figures (count, sum, lowest, highest in millionths of a point) in ``leaf_total``, updated
by triggers whenever a unit's counted marks change (evalflow/review/leaf_totals.py says which changes
and how PostgreSQL serialises them).

- upgrade: the table, the triggers (and on PostgreSQL their functions), then the figures of every
  counted mark already stored;
- downgrade: the triggers and functions, then the table (nothing else reads it).

The trigger SQL comes from evalflow.review.leaf_totals, as 0011 takes the audit chain's hash from the
code: the statements are generated from the same query the application reads with.

Revision ID: 0022_leaf_total
Revises: 0021_composite_rule
Create Date: 2026-12-11

"""

import sqlalchemy as sa
from alembic import op

from evalflow.review import leaf_totals

revision = "0022_leaf_total"
down_revision = "0021_composite_rule"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "leaf_total",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("marks", sa.Integer(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("low", sa.BigInteger(), nullable=False),
        sa.Column("high", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("marks > 0", name=op.f("ck_leaf_total_marks_positive")),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_leaf_total_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicator.id"],
            name=op.f("fk_leaf_total_indicator_id_indicator"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_leaf_total_unit_id_unit"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("unit_id", "indicator_id", name=op.f("pk_leaf_total")),
    )
    with op.batch_alter_table("leaf_total", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_leaf_total_campaign_id"), ["campaign_id"], unique=False)
    conn = op.get_bind()
    leaf_totals.install(conn)
    leaf_totals.refresh_all(conn)


def downgrade():
    conn = op.get_bind()
    for statement in leaf_totals.drop_statements(conn.dialect):
        conn.exec_driver_sql(statement)
    with op.batch_alter_table("leaf_total", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_leaf_total_campaign_id"))
    op.drop_table("leaf_total")
