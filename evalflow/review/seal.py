"""The 综合测评's seal: taken with the tally's when the briefing moves to review, checked on every view.

- :func:`seal_composite` — the briefing → review effect (after the tally's seal, whose ballots digest
  it chains): stores the digest of every composite input (review/seal_rules.py);
- :func:`check` — the stored digest against the inputs the composite was just computed from: a sheet
  score, a decision, a closure or a setting changed after the seal shows as a mismatch;
- :func:`export_json` — the export an outsider verifies with ``flask verify-tally --composite``.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.review import seal_rules, sources
from evalflow.review.models import CompositeSeal
from evalflow.review.service import Composite, no_cycle_collection
from evalflow.shared import clock
from evalflow.shared.access import Actor, Role
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.i18n import tr
from evalflow.shared.messages import N_, msg
from evalflow.tally.service import current_seal

SYSTEM = Actor(Role.OFFICE, label="system")


def sealed_of(found: Composite) -> seal_rules.Sealed:
    """The seal's content for the composite as just computed."""
    tally_seal = current_seal(found.campaign.id)
    inputs = found.inputs
    units = sources.with_marks(found.campaign.id, inputs)  # the seal covers every single mark
    return seal_rules.sealed_of(
        inputs.tree, units, inputs.top_points, found.closed, tally_seal.digest if tally_seal else ""
    )


def stored(campaign_id: int) -> CompositeSeal | None:
    return db.session.scalar(sa.select(CompositeSeal).where(CompositeSeal.campaign_id == campaign_id))


def seal_composite(campaign: Campaign, found: Composite) -> CompositeSeal:
    """Store the digest of every composite input of *campaign*; audited."""
    content = sealed_of(found)
    row = CompositeSeal(
        campaign_id=campaign.id, digest=content.digest(), units=len(content.units),
        ballots_digest=content.ballots_digest, sealed_at=clock.now(),
    )  # fmt: skip
    db.session.add(row)
    db.session.flush()
    audit.record(
        SYSTEM, "composite.seal", campaign_id=campaign.id, subject=("campaign", campaign.id),
        data={"digest": row.digest, "units": row.units},
    )  # fmt: skip
    return row


@dataclass(frozen=True)
class Check:
    """The seal against the current inputs."""

    seal: CompositeSeal
    current: str

    @property
    def intact(self) -> bool:
        return self.seal.digest == self.current


def check(found: Composite) -> Check | None:
    """None before the seal; else the sealed digest against the inputs of *found*."""
    row = stored(found.campaign.id)
    if row is None:
        return None
    with no_cycle_collection():  # one JSON line per unit with every mark: see service
        return Check(row, sealed_of(found).digest())


def text(found_check: Check | None) -> str:
    """One line for the downloads: not sealed yet, or the digest and whether it still matches."""
    if found_check is None:
        return tr(msg(N_("尚未封存")))
    state = tr(msg(N_("一致"))) if found_check.intact else tr(msg(N_("不一致")))
    return f"{found_check.seal.digest}({state})"


def warning(found_check: Check | None) -> str:
    """The broken seal's warning in the reader's language; "" while it holds or before it."""
    if found_check is None or found_check.intact:
        return ""
    return tr(
        msg(
            N_(
                "测评数据与封存时不一致:封存摘要 %(sealed)s,当前摘要 %(current)s。封存后有评分表、裁定、关闭或设置被改动。"
            ),
            sealed=found_check.seal.digest,
            current=found_check.current,
        )
    )


def export_json(found: Composite) -> str:
    """The composite export: every input, the digest the seal states (or the current one before the
    seal) and each unit's exact total and rank."""
    content = sealed_of(found)
    row = stored(found.campaign.id)
    digest = row.digest if row else content.digest()
    return seal_rules.export(content, digest, found.results, row.sealed_at.isoformat() if row else "")
