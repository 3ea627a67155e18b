"""问卷调查 and 征求意见's tables.

- ``survey``: a campaign's questionnaire (its JSON as :func:`.rules.Questionnaire.to_json` writes it);
- ``survey_code``: a one-time code of a unit (only its SHA-256), used once;
- ``survey_answer``: one respondent's answer to one unit — type, choices, the satisfied and chosen
  counts, the device (a hash of its signed cookie id), the client address, when the form was
  opened and sent; the office may invalidate it with a reason (never removed);
- ``survey_department``: a department asked for its opinion (only its token's SHA-256), a deadline;
- ``survey_opinion``: a department's verdict on a unit (无意见 / 有问题, text, optional evidence) and,
  for a problem, the office's decision on the case (veto, deduction, no effect, with a reason);
- ``survey_paper_entry``: each keying of a paper questionnaire (double entry), and the answer made
  when both passes agree.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from evalflow.extensions import db
from evalflow.shared.types import UTCDateTime, utcnow

__all__ = ["Department", "Opinion", "PaperEntry", "Survey", "SurveyAnswer", "SurveyCode"]


def _campaign_fk() -> sa.ForeignKey:
    return sa.ForeignKey("campaign.id", ondelete="CASCADE")


def _unit_fk() -> sa.ForeignKey:
    return sa.ForeignKey("unit.id", ondelete="CASCADE")


class Survey(db.Model):
    """A campaign's questionnaire: mode, sample per unit and type, the types asked, the questions."""

    __tablename__ = "survey"

    campaign_id: Mapped[int] = mapped_column(_campaign_fk(), primary_key=True)
    mode: Mapped[str] = mapped_column(sa.String(10))
    sample: Mapped[int] = mapped_column()
    content: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.CheckConstraint("mode IN ('open', 'coded')", name="mode_known"),)


class SurveyCode(db.Model):
    """A one-time code printed on a slip for one unit; ``used_at`` once it answered."""

    __tablename__ = "survey_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(_campaign_fk(), index=True)
    unit_id: Mapped[int] = mapped_column(_unit_fk(), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SurveyAnswer(db.Model):
    """One respondent's answer about one unit. ``device``: the SHA-256 of the phone's cookie id (open
    mode: one answer per device and unit); ``code_id``: the slip that answered (coded mode)."""

    __tablename__ = "survey_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(_campaign_fk(), index=True)
    unit_id: Mapped[int] = mapped_column(_unit_fk(), index=True)
    respondent: Mapped[str] = mapped_column(sa.String(10))
    choices: Mapped[list[Any]] = mapped_column(sa.JSON)
    satisfied: Mapped[int] = mapped_column()
    chosen: Mapped[int] = mapped_column()
    device: Mapped[str | None] = mapped_column(sa.String(64))
    address: Mapped[str] = mapped_column(sa.String(64), default="")
    code_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("survey_code.id", ondelete="SET NULL"), unique=True
    )
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    invalidated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    invalid_reason: Mapped[str] = mapped_column(sa.Text, default="")

    __table_args__ = (
        sa.UniqueConstraint("unit_id", "device"),
        sa.CheckConstraint("respondent IN ('staff', 'client', 'resident')", name="respondent_known"),
        sa.CheckConstraint("satisfied >= 0 AND chosen >= satisfied", name="counts_sane"),
    )


class Department(db.Model):
    """A department (纪检监察, 公安 …) asked for its opinion through a token link, by a deadline."""

    __tablename__ = "survey_department"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(_campaign_fk(), index=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    deadline: Mapped[date | None] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("campaign_id", "name"),)


class Opinion(db.Model):
    """A department's verdict on a unit and, for a problem, the office's decision on the case."""

    __tablename__ = "survey_opinion"

    department_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_department.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(_unit_fk(), primary_key=True, index=True)
    verdict: Mapped[str] = mapped_column(sa.String(10))
    text: Mapped[str] = mapped_column(sa.Text, default="")
    evidence_file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_file.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str | None] = mapped_column(sa.String(10))
    outcome_reason: Mapped[str] = mapped_column(sa.Text, default="")
    deduction_code: Mapped[str | None] = mapped_column(sa.String(16))
    deduction_points: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 2))
    veto_id: Mapped[int | None] = mapped_column(sa.ForeignKey("veto_incident.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.CheckConstraint("verdict IN ('none', 'problem')", name="verdict_known"),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('veto', 'deduction', 'no_effect')", name="outcome_known"
        ),
    )


class PaperEntry(db.Model):
    """One keying of a paper questionnaire (纸质问卷双录入): sheet *sheet* of a unit, pass 1 or 2. When
    both passes agree, the answer is made and both point at it; when they differ, the mismatch is
    listed until a pass is keyed again."""

    __tablename__ = "survey_paper_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(_campaign_fk(), index=True)
    unit_id: Mapped[int] = mapped_column(_unit_fk(), index=True)
    sheet: Mapped[str] = mapped_column(sa.String(20))
    pass_no: Mapped[int] = mapped_column()
    respondent: Mapped[str] = mapped_column(sa.String(10))
    choices: Mapped[list[Any]] = mapped_column(sa.JSON)
    keyed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    keyed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("survey_answer.id", ondelete="SET NULL"))

    __table_args__ = (
        sa.UniqueConstraint("unit_id", "sheet", "pass_no"),
        sa.CheckConstraint("pass_no IN (1, 2)", name="pass_known"),
    )
