"""survey (问卷调查) and opinions (征求意见): the questionnaire, one-time codes, answers, departments, opinions

- ``survey``: a campaign's questionnaire (mode open/coded, sample per unit and type, the questions);
- ``survey_code``: a unit's one-time codes, only their SHA-256, used once;
- ``survey_answer``: one respondent's answer (type, choices, counts, device hash, address, slip),
  which the office may invalidate with a reason;
- ``survey_department`` (a department asked by token link, only the token's SHA-256, a deadline) and
  ``survey_opinion`` (its verdict per unit, and the office's decision on a reported problem);
- ``survey_paper_entry``: each keying (pass 1 or 2) of a paper questionnaire, and the answer made
  when both passes agree.

The downgrade drops the six tables.

Revision ID: 0018_survey
Revises: 0017_inspection
Create Date: 2026-12-09

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018_survey"
down_revision = "0017_inspection"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "survey",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("sample", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("mode IN ('open', 'coded')", name=op.f("ck_survey_mode_known")),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_survey_campaign_id_campaign"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("campaign_id", name=op.f("pk_survey")),
    )
    op.create_table(
        "survey_department",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_survey_department_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_department")),
        sa.UniqueConstraint("campaign_id", "name", name=op.f("uq_survey_department_campaign_id_name")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_survey_department_token_hash")),
    )
    with op.batch_alter_table("survey_department", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_department_campaign_id"), ["campaign_id"], unique=False)

    op.create_table(
        "survey_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_survey_code_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_survey_code_unit_id_unit"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_code")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_survey_code_code_hash")),
    )
    with op.batch_alter_table("survey_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_code_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_survey_code_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "survey_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("respondent", sa.String(length=10), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("satisfied", sa.Integer(), nullable=False),
        sa.Column("chosen", sa.Integer(), nullable=False),
        sa.Column("device", sa.String(length=64), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("invalidated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("invalid_reason", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "respondent IN ('staff', 'client', 'resident')", name=op.f("ck_survey_answer_respondent_known")
        ),
        sa.CheckConstraint(
            "satisfied >= 0 AND chosen >= satisfied", name=op.f("ck_survey_answer_counts_sane")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_survey_answer_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["code_id"],
            ["survey_code.id"],
            name=op.f("fk_survey_answer_code_id_survey_code"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_survey_answer_unit_id_unit"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_answer")),
        sa.UniqueConstraint("code_id", name=op.f("uq_survey_answer_code_id")),
        sa.UniqueConstraint("unit_id", "device", name=op.f("uq_survey_answer_unit_id_device")),
    )
    with op.batch_alter_table("survey_answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_answer_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_survey_answer_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_survey_answer_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "survey_opinion",
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("evidence_file_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("outcome_reason", sa.Text(), nullable=False),
        sa.Column("deduction_code", sa.String(length=16), nullable=True),
        sa.Column("deduction_points", sa.Numeric(precision=9, scale=2), nullable=True),
        sa.Column("veto_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('veto', 'deduction', 'no_effect')",
            name=op.f("ck_survey_opinion_outcome_known"),
        ),
        sa.CheckConstraint("verdict IN ('none', 'problem')", name=op.f("ck_survey_opinion_verdict_known")),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["survey_department.id"],
            name=op.f("fk_survey_opinion_department_id_survey_department"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["evidence_file_id"],
            ["stored_file.id"],
            name=op.f("fk_survey_opinion_evidence_file_id_stored_file"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_survey_opinion_unit_id_unit"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["veto_id"],
            ["veto_incident.id"],
            name=op.f("fk_survey_opinion_veto_id_veto_incident"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("department_id", "unit_id", name=op.f("pk_survey_opinion")),
    )
    with op.batch_alter_table("survey_opinion", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_opinion_unit_id"), ["unit_id"], unique=False)
    op.create_table(
        "survey_paper_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("sheet", sa.String(length=20), nullable=False),
        sa.Column("pass_no", sa.Integer(), nullable=False),
        sa.Column("respondent", sa.String(length=10), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("keyed_by", sa.Integer(), nullable=True),
        sa.Column("keyed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("pass_no IN (1, 2)", name=op.f("ck_survey_paper_entry_pass_known")),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["survey_answer.id"],
            name=op.f("fk_survey_paper_entry_answer_id_survey_answer"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_survey_paper_entry_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["keyed_by"], ["user.id"], name=op.f("fk_survey_paper_entry_keyed_by_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_survey_paper_entry_unit_id_unit"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_paper_entry")),
        sa.UniqueConstraint(
            "unit_id", "sheet", "pass_no", name=op.f("uq_survey_paper_entry_unit_id_sheet_pass_no")
        ),
    )
    with op.batch_alter_table("survey_paper_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_paper_entry_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_survey_paper_entry_unit_id"), ["unit_id"], unique=False)


def downgrade():
    with op.batch_alter_table("survey_paper_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_paper_entry_unit_id"))
        batch_op.drop_index(batch_op.f("ix_survey_paper_entry_campaign_id"))

    op.drop_table("survey_paper_entry")
    with op.batch_alter_table("survey_opinion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_opinion_unit_id"))

    op.drop_table("survey_opinion")
    with op.batch_alter_table("survey_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_answer_unit_id"))
        batch_op.drop_index(batch_op.f("ix_survey_answer_created_at"))
        batch_op.drop_index(batch_op.f("ix_survey_answer_campaign_id"))

    op.drop_table("survey_answer")
    with op.batch_alter_table("survey_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_code_unit_id"))
        batch_op.drop_index(batch_op.f("ix_survey_code_campaign_id"))

    op.drop_table("survey_code")
    with op.batch_alter_table("survey_department", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_department_campaign_id"))

    op.drop_table("survey_department")
    op.drop_table("survey")
