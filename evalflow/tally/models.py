"""The tally (综合评定): its settings, the sealed ballot set and the proposed list (拟表彰对象)."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from evalflow.briefing.models import Ballot
from evalflow.extensions import db
from evalflow.shared.types import UTCDateTime, str_enum, utcnow
from evalflow.tally.rules import TallyMethod


class ProposalRule(enum.StrEnum):
    TOP_K = "top_k"
    THRESHOLD = "threshold"
    MANUAL = "manual"
    COMPOSITE = "composite"  # from the 综合测评 (review.proposals), never chosen on the tally's own form


class TallySettings(db.Model):
    """A campaign's tally method and bias thresholds (changeable only in draft), and the salt of
    its seats' pseudonyms. One row per campaign, created on first use."""

    __tablename__ = "tally_settings"

    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True
    )
    method: Mapped[TallyMethod] = mapped_column(
        str_enum(TallyMethod, "tally_method"), default=TallyMethod.TRIMMED_MEAN
    )
    flat_min_ballots: Mapped[int] = mapped_column(default=5)
    reciprocity_margin: Mapped[Decimal] = mapped_column(sa.Numeric(7, 2), default=Decimal(15))
    downgrade_margin: Mapped[Decimal] = mapped_column(sa.Numeric(7, 2), default=Decimal(15))
    leading_units: Mapped[int] = mapped_column(default=5)
    pseudonym_salt: Mapped[str] = mapped_column(sa.String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.CheckConstraint("flat_min_ballots BETWEEN 1 AND 1000", name="flat_min_ballots_range"),
        sa.CheckConstraint("leading_units BETWEEN 1 AND 1000", name="leading_units_range"),
        sa.CheckConstraint("reciprocity_margin > 0", name="reciprocity_margin_positive"),
        sa.CheckConstraint("downgrade_margin > 0", name="downgrade_margin_positive"),
    )


class TallySeal(db.Model):
    """The ballot set frozen when the briefing moved to review: its digest, size and method."""

    __tablename__ = "tally_seal"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"), unique=True)
    digest: Mapped[str] = mapped_column(sa.String(64))
    ballots: Mapped[int] = mapped_column()
    method: Mapped[TallyMethod] = mapped_column(str_enum(TallyMethod, "tally_seal_method"))
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.CheckConstraint("length(digest) = 64", name="digest_length"),)


class ProposedList(db.Model):
    """How the office chose the proposed list (拟表彰对象) of a campaign."""

    __tablename__ = "proposed_list"

    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True
    )
    rule: Mapped[ProposalRule] = mapped_column(str_enum(ProposalRule, "proposal_rule"))
    k: Mapped[int | None] = mapped_column()
    per_category: Mapped[bool] = mapped_column(default=False)
    threshold: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 4))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.CheckConstraint("rule <> 'top_k' OR k >= 1", name="top_k_has_k"),
        sa.CheckConstraint("rule <> 'threshold' OR threshold IS NOT NULL", name="threshold_has_value"),
    )


class ProposedEntry(db.Model):
    """A unit on the proposed list (``included``), or one the ranking put there and the office left
    off. Every deviation from the ranking carries the office's written reason."""

    __tablename__ = "proposed_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"))
    included: Mapped[bool] = mapped_column()
    position: Mapped[int] = mapped_column()
    deviation: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(sa.Text, default="")

    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "unit_id"),
        sa.CheckConstraint("NOT deviation OR length(reason) > 0", name="deviation_has_reason"),
        sa.CheckConstraint("included OR deviation", name="left_off_is_deviation"),
    )


# The tally's aggregate queries read only these ballot columns: a covering index lets them scan the
# index alone, in unit order (declared here, with the feature that needs it).
sa.Index("ix_ballot_tally", Ballot.unit_id, Ballot.grade, Ballot.source, Ballot.seat_id)
