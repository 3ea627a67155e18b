"""inspection (实地考察): teams, declared conflicts, visits, their members, photos and thumbnails

- ``inspection_team`` and ``inspection_team_member``: a campaign's 考察组 with its leader;
- ``inspection_conflict``: an inspector the office keeps away from a unit, with its note;
- ``visit`` (a team's visit to a unit: time, announced or 暗访, signed) and ``visit_member`` (each
  inspector on it: arrival, departure, people met, summary, the device's last sheet revision,
  submitted);
- ``visit_photo`` (a re-encoded photo for one leaf: capture time and GPS from EXIF, the receipt time,
  the device's id) and ``visit_photo_thumbnail``, each naming its file with its size and SHA-256;
- ``score_sheet.visit_id`` gets its foreign key (a visit's sheets go with it).

The downgrade drops the key and the tables, and deletes the inspection sheets that belonged to
visits (their marks go with them).

Revision ID: 0017_inspection
Revises: 0014_assessment
Create Date: 2026-12-08

"""

import sqlalchemy as sa
from alembic import op

revision = "0017_inspection"
down_revision = "0014_assessment"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "inspection_conflict",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(note) > 0", name=op.f("ck_inspection_conflict_has_note")),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_inspection_conflict_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["inspector_id"],
            ["user.id"],
            name=op.f("fk_inspection_conflict_inspector_id_user"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_inspection_conflict_unit_id_unit"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_conflict")),
        sa.UniqueConstraint(
            "unit_id", "inspector_id", name=op.f("uq_inspection_conflict_unit_id_inspector_id")
        ),
    )
    with op.batch_alter_table("inspection_conflict", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspection_conflict_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_inspection_conflict_inspector_id"), ["inspector_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_inspection_conflict_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "inspection_team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("leader_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_inspection_team_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["leader_id"], ["user.id"], name=op.f("fk_inspection_team_leader_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_team")),
        sa.UniqueConstraint("campaign_id", "name", name=op.f("uq_inspection_team_campaign_id_name")),
    )
    with op.batch_alter_table("inspection_team", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspection_team_campaign_id"), ["campaign_id"], unique=False)

    op.create_table(
        "inspection_team_member",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspector_id"],
            ["user.id"],
            name=op.f("fk_inspection_team_member_inspector_id_user"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["inspection_team.id"],
            name=op.f("fk_inspection_team_member_team_id_inspection_team"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("team_id", "inspector_id", name=op.f("pk_inspection_team_member")),
    )
    with op.batch_alter_table("inspection_team_member", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspection_team_member_inspector_id"), ["inspector_id"], unique=False
        )

    op.create_table(
        "visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("leader_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("announced", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_visit_campaign_id_campaign"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["leader_id"], ["user.id"], name=op.f("fk_visit_leader_id_user")),
        sa.ForeignKeyConstraint(
            ["signed_by"], ["user.id"], name=op.f("fk_visit_signed_by_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["inspection_team.id"],
            name=op.f("fk_visit_team_id_inspection_team"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_visit_unit_id_unit"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit")),
    )
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_visit_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "visit_member",
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=False),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("people_met", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("revision", sa.String(length=36), nullable=True),
        sa.Column("started", sa.Boolean(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "left_at IS NULL OR arrived_at IS NULL OR left_at >= arrived_at",
            name=op.f("ck_visit_member_left_after"),
        ),
        sa.ForeignKeyConstraint(
            ["inspector_id"], ["user.id"], name=op.f("fk_visit_member_inspector_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visit.id"], name=op.f("fk_visit_member_visit_id_visit"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("visit_id", "inspector_id", name=op.f("pk_visit_member")),
    )
    with op.batch_alter_table("visit_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_member_inspector_id"), ["inspector_id"], unique=False)

    op.create_table(
        "visit_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=True),
        sa.Column("stored_name", sa.String(length=80), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("latitude", sa.Numeric(precision=9, scale=6), nullable=True),
        sa.Column("longitude", sa.Numeric(precision=9, scale=6), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(latitude IS NULL) = (longitude IS NULL)", name=op.f("ck_visit_photo_position_whole")
        ),
        sa.CheckConstraint("size >= 0", name=op.f("ck_visit_photo_size_nonnegative")),
        sa.ForeignKeyConstraint(
            ["indicator_id"], ["indicator.id"], name=op.f("fk_visit_photo_indicator_id_indicator")
        ),
        sa.ForeignKeyConstraint(["inspector_id"], ["user.id"], name=op.f("fk_visit_photo_inspector_id_user")),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visit.id"], name=op.f("fk_visit_photo_visit_id_visit"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_photo")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_visit_photo_stored_name")),
        sa.UniqueConstraint("visit_id", "client_id", name=op.f("uq_visit_photo_visit_id_client_id")),
    )
    with op.batch_alter_table("visit_photo", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_photo_indicator_id"), ["indicator_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_visit_photo_inspector_id"), ["inspector_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_visit_photo_visit_id"), ["visit_id"], unique=False)

    op.create_table(
        "visit_photo_thumbnail",
        sa.Column("photo_id", sa.Integer(), nullable=False),
        sa.Column("stored_name", sa.String(length=80), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["photo_id"],
            ["visit_photo.id"],
            name=op.f("fk_visit_photo_thumbnail_photo_id_visit_photo"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("photo_id", name=op.f("pk_visit_photo_thumbnail")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_visit_photo_thumbnail_stored_name")),
    )
    with op.batch_alter_table("score_sheet", schema=None) as batch_op:
        batch_op.create_foreign_key(
            "fk_score_sheet_visit_id_visit", "visit", ["visit_id"], ["id"], ondelete="CASCADE"
        )


def downgrade():
    op.execute("DELETE FROM score_sheet WHERE visit_id IS NOT NULL")
    with op.batch_alter_table("score_sheet", schema=None) as batch_op:
        batch_op.drop_constraint("fk_score_sheet_visit_id_visit", type_="foreignkey")

    op.drop_table("visit_photo_thumbnail")
    with op.batch_alter_table("visit_photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_photo_visit_id"))
        batch_op.drop_index(batch_op.f("ix_visit_photo_inspector_id"))
        batch_op.drop_index(batch_op.f("ix_visit_photo_indicator_id"))

    op.drop_table("visit_photo")
    with op.batch_alter_table("visit_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_member_inspector_id"))

    op.drop_table("visit_member")
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_unit_id"))
        batch_op.drop_index(batch_op.f("ix_visit_campaign_id"))

    op.drop_table("visit")
    with op.batch_alter_table("inspection_team_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_team_member_inspector_id"))

    op.drop_table("inspection_team_member")
    with op.batch_alter_table("inspection_team", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_team_campaign_id"))

    op.drop_table("inspection_team")
    with op.batch_alter_table("inspection_conflict", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_conflict_unit_id"))
        batch_op.drop_index(batch_op.f("ix_inspection_conflict_inspector_id"))
        batch_op.drop_index(batch_op.f("ix_inspection_conflict_campaign_id"))

    op.drop_table("inspection_conflict")
