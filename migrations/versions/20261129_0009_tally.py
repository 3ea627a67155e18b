"""tally: settings (method, bias thresholds, pseudonym salt), the sealed ballot set, the proposed list

``tally_settings`` one row per campaign (method trimmed_mean | mean | median, thresholds of the bias
signals, the salt of the seats' pseudonyms); ``tally_seal`` the digest, size and method of the
ballot set frozen at briefing → review; ``proposed_list`` the rule the office chose the proposed
list (拟表彰对象) by, ``proposed_entry`` its units and every deviation's written reason;
``ix_ballot_tally`` a covering index of ballot for the tally's aggregate queries.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():

    op.create_table(
        "proposed_list",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column(
            "rule",
            sa.Enum(
                "top_k",
                "threshold",
                "manual",
                name="proposal_rule",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("k", sa.Integer(), nullable=True),
        sa.Column("per_category", sa.Boolean(), nullable=False),
        sa.Column("threshold", sa.Numeric(precision=9, scale=4), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "rule <> 'threshold' OR threshold IS NOT NULL", name=op.f("ck_proposed_list_threshold_has_value")
        ),
        sa.CheckConstraint("rule <> 'top_k' OR k >= 1", name=op.f("ck_proposed_list_top_k_has_k")),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_proposed_list_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", name=op.f("pk_proposed_list")),
    )
    op.create_table(
        "tally_seal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("ballots", sa.Integer(), nullable=False),
        sa.Column(
            "method",
            sa.Enum(
                "trimmed_mean",
                "mean",
                "median",
                name="tally_seal_method",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(digest) = 64", name=op.f("ck_tally_seal_digest_length")),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_tally_seal_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tally_seal")),
        sa.UniqueConstraint("campaign_id", name=op.f("uq_tally_seal_campaign_id")),
    )
    op.create_table(
        "tally_settings",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column(
            "method",
            sa.Enum(
                "trimmed_mean",
                "mean",
                "median",
                name="tally_method",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("flat_min_ballots", sa.Integer(), nullable=False),
        sa.Column("reciprocity_margin", sa.Numeric(precision=7, scale=2), nullable=False),
        sa.Column("downgrade_margin", sa.Numeric(precision=7, scale=2), nullable=False),
        sa.Column("leading_units", sa.Integer(), nullable=False),
        sa.Column("pseudonym_salt", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("downgrade_margin > 0", name=op.f("ck_tally_settings_downgrade_margin_positive")),
        sa.CheckConstraint(
            "flat_min_ballots BETWEEN 1 AND 1000", name=op.f("ck_tally_settings_flat_min_ballots_range")
        ),
        sa.CheckConstraint(
            "leading_units BETWEEN 1 AND 1000", name=op.f("ck_tally_settings_leading_units_range")
        ),
        sa.CheckConstraint(
            "reciprocity_margin > 0", name=op.f("ck_tally_settings_reciprocity_margin_positive")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_tally_settings_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", name=op.f("pk_tally_settings")),
    )
    op.create_table(
        "proposed_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("included", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("deviation", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "NOT deviation OR length(reason) > 0", name=op.f("ck_proposed_entry_deviation_has_reason")
        ),
        sa.CheckConstraint("included OR deviation", name=op.f("ck_proposed_entry_left_off_is_deviation")),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_proposed_entry_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_proposed_entry_unit_id_unit"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposed_entry")),
        sa.UniqueConstraint("campaign_id", "unit_id", name=op.f("uq_proposed_entry_campaign_id_unit_id")),
    )
    op.create_index("ix_ballot_tally", "ballot", ["unit_id", "grade", "source", "seat_id"], unique=False)


def downgrade():
    op.drop_index("ix_ballot_tally", table_name="ballot")
    op.drop_table("proposed_entry")
    op.drop_table("tally_settings")
    op.drop_table("tally_seal")
    op.drop_table("proposed_list")
