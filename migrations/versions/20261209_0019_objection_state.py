"""objection: one ``state`` column instead of ``status`` + a derived string

An objection had a ``status`` (open, upheld, dismissed) and, read from ``investigating_at``, a separate
state (received, investigating, upheld, dismissed). Now the column ``state`` holds the one state:

- upgrade: ``open`` becomes ``investigating`` where ``investigating_at`` is set, else ``received``;
  ``upheld`` and ``dismissed`` stay; the CHECKs follow (resolved ⇔ ``resolved_at``; investigating
  has ``investigating_at``);
- downgrade: ``received`` and ``investigating`` become ``open`` (``investigating_at`` was kept, so
  nothing is lost either way).

Revision ID: 0019_objection_state
Revises: 0018_survey
Create Date: 2026-12-09

"""

import sqlalchemy as sa
from alembic import op

revision = "0019_objection_state"
down_revision = "0018_survey"
branch_labels = None
depends_on = None

STATES = ("received", "investigating", "upheld", "dismissed")
STATUSES = ("open", "upheld", "dismissed")
RESOLVED_CONSISTENT = (
    "(state IN ('received', 'investigating') AND resolved_at IS NULL)"
    " OR (state IN ('upheld', 'dismissed') AND resolved_at IS NOT NULL)"
)
INVESTIGATING_SINCE = "state <> 'investigating' OR investigating_at IS NOT NULL"
OLD_RESOLVED_CONSISTENT = (
    "(status = 'open' AND resolved_at IS NULL) OR (status <> 'open' AND resolved_at IS NOT NULL)"
)


def _enum(values, name):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=False, length=20)


def upgrade():
    with op.batch_alter_table("objection", schema=None) as batch_op:
        batch_op.add_column(sa.Column("state", _enum(STATES, "objection_state"), nullable=True))
    op.execute(
        "UPDATE objection SET state = CASE"
        " WHEN status = 'open' AND investigating_at IS NOT NULL THEN 'investigating'"
        " WHEN status = 'open' THEN 'received' ELSE status END"
    )
    with op.batch_alter_table("objection", schema=None) as batch_op:
        batch_op.drop_constraint("objection_resolved_consistent", type_="check")
        batch_op.drop_constraint("objection_status", type_="check")
        batch_op.drop_column("status")
        batch_op.alter_column("state", existing_type=_enum(STATES, "objection_state"), nullable=False)
        batch_op.create_check_constraint("objection_state", sa.text(_in("state", STATES)))
        batch_op.create_check_constraint("objection_resolved_consistent", sa.text(RESOLVED_CONSISTENT))
        batch_op.create_check_constraint("objection_investigating_since", sa.text(INVESTIGATING_SINCE))


def downgrade():
    with op.batch_alter_table("objection", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", _enum(STATUSES, "objection_status"), nullable=True))
    op.execute(
        "UPDATE objection SET status = CASE WHEN state IN ('received', 'investigating') THEN 'open'"
        " ELSE state END"
    )
    with op.batch_alter_table("objection", schema=None) as batch_op:
        batch_op.drop_constraint("objection_investigating_since", type_="check")
        batch_op.drop_constraint("objection_resolved_consistent", type_="check")
        batch_op.drop_constraint("objection_state", type_="check")
        batch_op.drop_column("state")
        batch_op.alter_column("status", existing_type=_enum(STATUSES, "objection_status"), nullable=False)
        batch_op.create_check_constraint("objection_status", sa.text(_in("status", STATUSES)))
        batch_op.create_check_constraint("objection_resolved_consistent", sa.text(OLD_RESOLVED_CONSISTENT))


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"
