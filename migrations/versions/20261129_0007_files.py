"""files: a PDF's page count; one copy of the same contents per application's attachments

``stored_file.page_count`` INTEGER NULL (counted on upload; NULL for other types and older rows), and a
partial UNIQUE index on ``(application_id, sha256)`` for attachments. Should an existing database
hold the same attachment twice in one application, the upgrade stops and lists them: deleting a
unit's files is not a migration's call (remove one copy in the portal, then upgrade again).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29

"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

WHERE = "purpose = 'attachment'"


def upgrade():
    with op.batch_alter_table("stored_file", schema=None) as batch_op:
        batch_op.add_column(sa.Column("page_count", sa.Integer(), nullable=True))
    duplicates = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT application_id, sha256, COUNT(*) FROM stored_file "
                f"WHERE {WHERE} AND application_id IS NOT NULL GROUP BY application_id, sha256 HAVING COUNT(*) > 1"
            )
        )
        .fetchall()
    )
    if duplicates:
        listed = ", ".join(f"application {a}: {h[:12]}… x{n}" for a, h, n in duplicates)
        raise RuntimeError(f"identical attachments must be removed before this upgrade: {listed}")
    op.create_index(
        "uq_stored_file_attachment_sha256",
        "stored_file",
        ["application_id", "sha256"],
        unique=True,
        sqlite_where=sa.text(WHERE),
        postgresql_where=sa.text(WHERE),
    )


def downgrade():
    op.drop_index("uq_stored_file_attachment_sha256", table_name="stored_file")
    with op.batch_alter_table("stored_file", schema=None) as batch_op:
        batch_op.drop_column("page_count")
