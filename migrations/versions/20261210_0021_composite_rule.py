"""proposed_list: the rule ``composite`` — a list set from the 综合测评

A proposed list built from the composite (``POST …/composite/proposal``) was stored with the rule
``manual``; it now says ``composite``, so the list tells where it came from.

- upgrade: the CHECK on ``proposed_list.rule`` admits ``composite`` (lists stored before keep ``manual``:
  which of them came from the composite is not recorded);
- downgrade: ``composite`` lists become ``manual`` (their entries and reasons are kept), then the CHECK
  goes back to the three rules.

Revision ID: 0021_composite_rule
Revises: 0020_review
Create Date: 2026-12-10

"""

from alembic import op

revision = "0021_composite_rule"
down_revision = "0020_review"
branch_labels = None
depends_on = None

RULES = ("top_k", "threshold", "manual", "composite")


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    with op.batch_alter_table("proposed_list", schema=None) as batch_op:
        batch_op.drop_constraint("proposal_rule", type_="check")
        batch_op.create_check_constraint("proposal_rule", _in("rule", RULES))


def downgrade():
    op.execute("UPDATE proposed_list SET rule = 'manual' WHERE rule = 'composite'")
    with op.batch_alter_table("proposed_list", schema=None) as batch_op:
        batch_op.drop_constraint("proposal_rule", type_="check")
        batch_op.create_check_constraint("proposal_rule", _in("rule", RULES[:3]))
