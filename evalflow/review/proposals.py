"""The proposed list (拟表彰对象) built from the 综合测评: the baseline is every unit that qualifies
(:func:`evalflow.assessment.outcome.qualify`: not vetoed, complete, at or above its category's
threshold, within its category's quota with ties at the cut kept), in composite rank order. The
office may change it; every unit added below the cut or left off above it needs a written reason —
the tally's own rule (:func:`evalflow.tally.proposals.settle`), stored in the same list, audited.
Refused while the ballots or the composite's inputs differ from their seals (409 ``seal_broken``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from evalflow.review import seal, service
from evalflow.shared.access import Action, Actor
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.campaigns.service import require
from evalflow.shared.errors import Conflict, InvalidInput, NotFound
from evalflow.shared.messages import N_, msg
from evalflow.shared.phases import COMPOSITE_SEAL_BROKEN
from evalflow.tally import proposals as tally_proposals
from evalflow.tally.models import ProposalRule
from evalflow.tally.seal_check import require_intact
from evalflow.tally.service import seal_check


@dataclass(frozen=True)
class CompositeProposal:
    """What was stored: the chosen units (in rank order), the baseline, and the deviations' reasons."""

    unit_ids: list[int]
    baseline: list[int]
    reasons: dict[int, str]


def baseline(found: service.Composite) -> list[int]:
    """The units that qualify, in composite rank order."""
    return [r.unit_id for r in found.results if found.verdicts[r.unit_id].qualifies]


def propose(actor: Actor, campaign: Campaign, data: Mapping[str, Any]) -> CompositeProposal:
    """Set the proposed list from the composite (office, in review). ``unit_ids``: the office's list
    (default: the baseline); ``reasons``: ``{unit_id: text}`` for every deviation."""
    require(actor, Action.PROPOSAL_EDIT, campaign)
    found = service.composite_of(campaign)
    if found is None:
        raise NotFound(msg(N_("本次评选活动尚未设置测评体系。")))
    require_intact(seal_check(campaign))
    found_check = seal.check(found)
    if found_check is not None and not found_check.intact:
        raise Conflict(msg(COMPOSITE_SEAL_BROKEN), code="seal_broken")
    names = {r.unit_id: r.name for r in found.results}
    vetoed = {r.unit_id for r in found.results if r.vetoed}
    base = baseline(found)
    given = data.get("unit_ids")
    chosen = base if given is None else tally_proposals.unit_ids_of(given, set(names), vetoed, names)
    if not chosen:
        raise InvalidInput(fields={"unit_ids": [msg(N_("按此规则没有可列入的单位。"))]})
    order = [r.unit_id for r in found.results]
    chosen = sorted(chosen, key=order.index)
    reasons = tally_proposals.reasons_of(data.get("reasons"))
    choice = tally_proposals.Choice(ProposalRule.COMPOSITE)
    tally_proposals.settle(actor, campaign, choice, order, chosen, base, reasons, names)
    deviations = {u: reasons[u] for u in set(chosen) ^ set(base)}
    return CompositeProposal(chosen, base, deviations)
