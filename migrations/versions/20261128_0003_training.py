"""training schema additions: none needed

The initial schema (0001) already holds everything the training and the delegations use: ``training``
(schedule, agenda, hashed venue check-in code and its expiry), ``attendance`` (one row per unit, an
excuse needs a note), ``faq_entry`` (asked_by_unit_id, answered_at) and ``seat`` (hashed token, one
seat per role per unit). Training materials are ``stored_file`` rows with purpose ``training``.
This revision is kept so the chain stays 0001 → 0002 → 0003.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

"""

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
