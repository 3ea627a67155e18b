"""review (综合测评): the seal of every composite source

- ``composite_seal``: per campaign, the digest of every composite input (the tree and settings,
  every counted mark, decisions, closures, veto, tally scores) taken when the briefing moved to
  review, with the number of units and the ballots digest it chains.

Revision ID: 0020_review
Revises: 0019_objection_state
Create Date: 2026-12-09

"""

import sqlalchemy as sa
from alembic import op

revision = "0020_review"
down_revision = "0019_objection_state"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "composite_seal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("ballots_digest", sa.String(length=64), nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(digest) = 64", name=op.f("ck_composite_seal_digest_length")),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_composite_seal_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_composite_seal")),
        sa.UniqueConstraint("campaign_id", name=op.f("uq_composite_seal_campaign_id")),
    )


def downgrade():
    op.drop_table("composite_seal")
