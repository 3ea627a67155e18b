"""notice and objections: draft notices, the office's calendar table, objection details and files

- ``calendar_day``: the office's table of extra holidays / make-up working days (date, is_workday, note);
- ``notice.published_at`` becomes nullable (a draft is unpublished) and ``notice.starts_on_default``
  marks a notice whose period starts on the day it is published;
- ``objection``: who objects (``kind`` individual/unit, ``contact_name``, ``email``), the office's
  ``investigating_at`` and ``reply_due_on``, and a CHECK that resolved objections have ``resolved_at``;
- ``objection_file``: the objecting unit's seal image and evidence files.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29

"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "calendar_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("is_workday", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_day")),
    )
    op.create_table(
        "objection_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("objection_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "seal",
                "evidence",
                name="objection_file_role",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("stored_name", sa.String(length=80), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["objection_id"],
            ["objection.id"],
            name=op.f("fk_objection_file_objection_id_objection"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objection_file")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_objection_file_stored_name")),
    )
    with op.batch_alter_table("objection_file", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_objection_file_objection_id"), ["objection_id"], unique=False)

    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("starts_on_default", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.alter_column("published_at", existing_type=sa.DateTime(timezone=True), nullable=True)

    with op.batch_alter_table("objection", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sa.Enum(
                    "individual",
                    "unit",
                    name="objector_kind",
                    native_enum=False,
                    create_constraint=True,
                    length=20,
                ),
                server_default="individual",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column("contact_name", sa.String(length=60), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("email", sa.String(length=120), server_default="", nullable=False))
        batch_op.add_column(sa.Column("investigating_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reply_due_on", sa.Date(), nullable=True))
        batch_op.create_check_constraint(
            "objection_resolved_consistent",
            "(status = 'open' AND resolved_at IS NULL) OR (status <> 'open' AND resolved_at IS NOT NULL)",
        )


def downgrade():
    with op.batch_alter_table("objection", schema=None) as batch_op:
        batch_op.drop_constraint("objection_resolved_consistent", type_="check")
        batch_op.drop_constraint("objector_kind", type_="check")
        batch_op.drop_column("reply_due_on")
        batch_op.drop_column("investigating_at")
        batch_op.drop_column("email")
        batch_op.drop_column("contact_name")
        batch_op.drop_column("kind")

    # Draft notices were never public; they are dropped rather than given a false publication time.
    op.execute("DELETE FROM notice WHERE published_at IS NULL")
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.alter_column("published_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.drop_column("starts_on_default")

    with op.batch_alter_table("objection_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_objection_file_objection_id"))

    op.drop_table("objection_file")
    op.drop_table("calendar_day")
