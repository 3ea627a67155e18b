"""The one door through which a campaign changes phase.

:func:`advance_phase` is the only writer of ``campaign.phase``. The rules of every move are pure
(:mod:`evalflow.shared.phases`); the facts they read and the side effects of a move belong to the
phases themselves, so each phase declares them in its own ``door.py`` with :func:`facts` and
:func:`on_move` — this module, which every phase imports, imports no phase:

========================  ================================================================
phase module              what it tells the door
========================  ================================================================
``intake/door.py``        facts: accepted units, applications still waiting for review
``training/door.py``      facts: accepted units without attendance
``briefing/door.py``      facts: units not yet presented, scoring still open;
                          training → briefing creates the presentations;
                          briefing → review closes presentations whose countdown ran out
``tally/door.py``         facts: whether the ballots still match their seal (office only);
                          briefing → review seals the ballot set (after the line above)
``review/door.py``        facts: in the briefing, the 综合测评's incomplete sources
                          (only when the office set a tree); in review and notice,
                          whether its inputs still match their seal;
                          briefing → review seals every composite input (after the tally)
``notice/door.py``        facts: the current notice and its open objections;
                          review → notice publishes the drafted notice;
                          notice → review withdraws it
========================  ================================================================

``tests/integration/test_phase_service.py`` checks that the registered effects are exactly these.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.shared import clock
from evalflow.shared.access import Action, Actor
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.campaigns.service import require
from evalflow.shared.errors import Conflict
from evalflow.shared.messages import N_, msg
from evalflow.shared.phases import CampaignFacts, Phase, TransitionOption, check_transition, options

FactsProvider = Callable[[Campaign], dict[str, Any]]
Effect = Callable[[Campaign], None]


@dataclass(frozen=True)
class Registered:
    """A side effect of one move, run in ``order`` (lower first) among the move's effects."""

    move: tuple[Phase, Phase]
    order: int
    effect: Effect


_PROVIDERS: dict[str, tuple[FactsProvider, bool]] = {}
_EFFECTS: dict[str, Registered] = {}


def facts(provider: FactsProvider | None = None, *, seal: bool = False) -> Any:
    """Declare a function that reads some of the :class:`CampaignFacts` fields of a campaign.
    ``seal=True``: it checks the sealed ballots (it reads every ballot; and only the office may
    know the result), so :func:`gather_facts` leaves it out when asked to (``check_seal=False``)."""

    def declare(fn: FactsProvider) -> FactsProvider:
        _PROVIDERS[f"{fn.__module__}.{fn.__qualname__}"] = (fn, seal)
        return fn

    return declare(provider) if provider is not None else declare


def on_move(source: Phase, target: Phase, *, order: int = 0) -> Callable[[Effect], Effect]:
    """Declare what happens, in the mover's transaction, when a campaign moves source → target."""

    def decorator(effect: Effect) -> Effect:
        _EFFECTS[f"{effect.__module__}.{effect.__qualname__}"] = Registered((source, target), order, effect)
        return effect

    return decorator


def effects(source: Phase, target: Phase) -> list[Effect]:
    """The declared side effects of one move, in their order."""
    found = sorted((r for r in _EFFECTS.values() if r.move == (source, target)), key=lambda r: r.order)
    return [r.effect for r in found]


def registered_effects() -> dict[tuple[Phase, Phase], list[str]]:
    """Every declared side effect by move, as ``module.function`` names (for tests and docs)."""
    out: dict[tuple[Phase, Phase], list[str]] = {}
    for r in sorted(_EFFECTS.values(), key=lambda r: r.order):
        out.setdefault(r.move, []).append(f"{r.effect.__module__}.{r.effect.__qualname__}")
    return out


def gather_facts(campaign: Campaign, *, check_seal: bool = True) -> CampaignFacts:
    """Read from the database everything the phase guards of *campaign* need. *check_seal* False
    leaves out the seal's check (it reads every ballot; and it is the office's to know): for showing
    the options to someone who is not the office."""
    values: dict[str, Any] = {
        "title": campaign.title,
        "scale_size": len(campaign.scale),
        "today": clock.today(),
    }
    for provider, seal in _PROVIDERS.values():
        if check_seal or not seal:
            values.update(provider(campaign))
    return CampaignFacts(**values)


def transition_options(campaign: Campaign, *, check_seal: bool = True) -> list[TransitionOption]:
    return options(campaign.phase, gather_facts(campaign, check_seal=check_seal))


def advance_phase(actor: Actor, campaign: Campaign, target: Phase, reason: str = "") -> Campaign:
    """Move *campaign* to *target* if the machine allows it and every guard holds.

    Side effects, all in the caller's transaction:
    - ``campaign.phase`` is set by a compare-and-set UPDATE on the phase read here; if another
      request changed it first, nothing is written and :class:`Conflict` (409) is raised;
    - the move's declared effects run (the table in this module's docstring): training → briefing
      creates a pending presentation for every accepted unit; briefing → review closes
      presentations whose countdown ran out, then seals the ballot set; review → notice publishes
      the drafted notice; notice → review marks the current notice withdrawn;
    - an audit entry records actor, time, from, to and reason.

    Raises :class:`InvalidTransition` for a move that is not an edge, :class:`TransitionBlocked`
    listing every unmet condition, :class:`Forbidden`/:class:`NotFound` for actors who may not.
    """
    require(actor, Action.CAMPAIGN_TRANSITION, campaign)
    current = campaign.phase
    check_transition(current, target, gather_facts(campaign))
    result = db.session.execute(
        sa.update(Campaign)
        .where(Campaign.id == campaign.id, Campaign.phase == current)
        .values(phase=target, updated_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(msg(N_("评选活动的阶段刚刚已被他人变更,请刷新后重试。")), code="wrong_phase")
    db.session.refresh(campaign)
    for effect in effects(current, target):
        effect(campaign)
    audit.record(
        actor,
        "campaign.transition",
        campaign_id=campaign.id,
        subject=("campaign", campaign.id),
        from_state=current.value,
        to_state=target.value,
        reason=(reason or "").strip()[:1000],
    )
    return campaign
