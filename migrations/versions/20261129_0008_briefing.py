"""briefing: presentation order and countdown, the drawing of lots, seat token versions, paper entry

- ``presentation.position`` (agenda place, unique per campaign) and ``presentation.closes_at``
  (optional server-side deadline of scoring);
- ``ballot.previous_grade`` (set by the upsert, so the audit records the exact change);
- ``seat.token_version`` (the card's token is derived from the secret key, the seat id and this);
- ``briefing_draw``: the seed and algorithm of a campaign's drawing of lots;
- ``paper_entry``: two clerks' independent keying of the paper 评定表.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29

"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("presentation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("position", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint("uq_presentation_position", ["campaign_id", "position"])
        batch_op.create_check_constraint(
            "presentation_position_positive", "position IS NULL OR position >= 1"
        )
    with op.batch_alter_table("ballot", schema=None) as batch_op:
        batch_op.add_column(sa.Column("previous_grade", sa.String(length=20), nullable=True))
    with op.batch_alter_table("seat", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token_version", sa.Integer(), server_default="1", nullable=False))
    op.create_table(
        "briefing_draw",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("seed", sa.String(length=64), nullable=False),
        sa.Column("algorithm", sa.String(length=40), nullable=False),
        sa.Column("unit_ids", sa.JSON(), nullable=False),
        sa.Column("drawn_by", sa.String(length=120), nullable=False),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id"),
    )
    op.create_table(
        "paper_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seat_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("clerk", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(length=20), nullable=False),
        sa.Column("entered_by", sa.String(length=120), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("clerk IN (1, 2)", name="paper_entry_clerk"),
        sa.ForeignKeyConstraint(["seat_id"], ["seat.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("seat_id", "unit_id", "clerk", name="uq_paper_entry"),
    )


def downgrade():
    op.drop_table("paper_entry")
    op.drop_table("briefing_draw")
    with op.batch_alter_table("seat", schema=None) as batch_op:
        batch_op.drop_column("token_version")
    with op.batch_alter_table("ballot", schema=None) as batch_op:
        batch_op.drop_column("previous_grade")
    with op.batch_alter_table("presentation", schema=None) as batch_op:
        batch_op.drop_constraint("presentation_position_positive", type_="check")
        batch_op.drop_constraint("uq_presentation_position", type_="unique")
        batch_op.drop_column("closes_at")
        batch_op.drop_column("position")
