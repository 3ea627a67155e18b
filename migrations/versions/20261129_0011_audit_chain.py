"""audit chain: hash-chained, append-only audit log

``audit_entry`` gains ``chain`` (campaign id, 0 outside campaigns), ``seq``, ``prev_hash`` and
``entry_hash`` with ``UNIQUE (chain, seq)``; ``audit_chain_head`` keeps the last link of each chain.
Existing entries are chained in id order. On PostgreSQL a trigger refuses UPDATE and DELETE on
``audit_entry`` (TRUNCATE too), except the UPDATE that seals a new entry at commit; SQLite has no such guard (see docs/audit.md).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29

"""

import sqlalchemy as sa
from alembic import op

from evalflow.shared.audit.chain import GENESIS, chain_of, entry_hash

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

PG_GUARD = """
CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The one UPDATE allowed: sealing an unsealed entry (chain fields only, content unchanged).
    IF TG_OP = 'UPDATE' THEN
        IF OLD.entry_hash IS NULL AND NEW.entry_hash IS NOT NULL
           AND (NEW.id, NEW.chain, NEW.campaign_id, NEW.actor_user_id, NEW.actor_label, NEW.action,
                NEW.subject_type, NEW.subject_id, NEW.from_state, NEW.to_state, NEW.reason,
                NEW.data::text, NEW.created_at)
               IS NOT DISTINCT FROM
               (OLD.id, OLD.chain, OLD.campaign_id, OLD.actor_user_id, OLD.actor_label, OLD.action,
                OLD.subject_type, OLD.subject_id, OLD.from_state, OLD.to_state, OLD.reason,
                OLD.data::text, OLD.created_at) THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit_entry is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_entry_append_only
    BEFORE UPDATE OR DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();
CREATE TRIGGER audit_entry_no_truncate
    BEFORE TRUNCATE ON audit_entry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only();
"""

PG_UNGUARD = """
DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_entry;
DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry;
DROP FUNCTION IF EXISTS audit_entry_append_only();
"""


def _chain_existing(conn: sa.Connection) -> dict[int, tuple[int, str]]:
    entry = sa.table(
        "audit_entry",
        *(
            sa.column(name)
            for name in (
                "id", "campaign_id", "actor_user_id", "actor_label", "action", "subject_type",
                "subject_id", "from_state", "to_state", "reason", "data", "created_at",
                "chain", "seq", "prev_hash", "entry_hash",
            )
        ),
    )  # fmt: skip
    entry.c.data.type = sa.JSON()
    entry.c.created_at.type = sa.DateTime(timezone=True)
    heads: dict[int, tuple[int, str]] = {}
    rows = conn.execute(sa.select(entry).order_by(entry.c.id)).mappings().all()
    for row in rows:
        fields = dict(row)
        created = fields["created_at"]
        if isinstance(created, str):  # SQLite without type processing
            from datetime import datetime

            created = datetime.fromisoformat(created)
        if created.tzinfo is None:
            from datetime import UTC

            created = created.replace(tzinfo=UTC)
        fields["created_at"] = created
        chain = chain_of(fields["campaign_id"])
        seq, prev = heads.get(chain, (0, GENESIS))
        fields.update(chain=chain, seq=seq + 1, prev_hash=prev)
        digest = entry_hash(fields)
        conn.execute(
            sa.update(entry)
            .where(entry.c.id == fields["id"])
            .values(chain=chain, seq=seq + 1, prev_hash=prev, entry_hash=digest)
        )
        heads[chain] = (seq + 1, digest)
    return heads


def upgrade():
    head = op.create_table(
        "audit_chain_head",
        sa.Column("chain", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("chain", name=op.f("pk_audit_chain_head")),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("entry_hash", sa.String(length=64), nullable=True))
    conn = op.get_bind()
    heads = _chain_existing(conn)
    if heads:
        op.bulk_insert(head, [{"chain": c, "seq": s, "hash": h} for c, (s, h) in heads.items()])
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.alter_column("chain", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_audit_entry_chain_seq"), ["chain", "seq"])
        batch_op.create_check_constraint("seq_positive", "seq >= 1")
        batch_op.create_check_constraint(
            "sealed_whole",
            "(seq IS NULL AND prev_hash IS NULL AND entry_hash IS NULL)"
            " OR (seq IS NOT NULL AND prev_hash IS NOT NULL AND entry_hash IS NOT NULL)",
        )
    if conn.dialect.name == "postgresql":
        op.execute(PG_GUARD)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_UNGUARD)
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_constraint("sealed_whole", type_="check")
        batch_op.drop_constraint("seq_positive", type_="check")
        batch_op.drop_constraint(batch_op.f("uq_audit_entry_chain_seq"), type_="unique")
        batch_op.drop_column("entry_hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
        batch_op.drop_column("chain")
    op.drop_table("audit_chain_head")
