"""A small campaign in ``training`` for the training, Q&A and seat tests.

Two accepted units (甲, 乙) with unit accounts (甲 also has a reporter seat with a known token), a submitted unit (丙) that is not accepted, and a
stranger unit (外) of another campaign with its own account — to prove nothing leaks across units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evalflow.extensions import db
from evalflow.intake.models import ApplicationStatus
from evalflow.shared.access import Role
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.phases import Phase
from tests import factories
from tests.factories import bearer


@dataclass
class World:
    campaign: Campaign
    other: Campaign
    a: Unit
    b: Unit
    pending: Unit
    stranger: Unit
    tokens: dict[str, str]

    def headers(self, who: str) -> dict[str, str]:
        """``office``, ``a``, ``b``, ``stranger``, ``seat`` (of 甲) or ``public`` (no header)."""
        return bearer(self.tokens[who]) if who in self.tokens else {}


def set_phase(campaign: Campaign, phase: Phase) -> None:
    campaign.phase = phase
    db.session.commit()


def build(client: Any, phase: Phase = Phase.TRAINING) -> World:
    """Built with ``tests.factories`` (this module is the training tests' older entry point)."""
    campaign = factories.campaign(phase=phase)
    other = factories.campaign("另一次评选", phase=phase)
    a = factories.unit(campaign, "甲社区", ApplicationStatus.ACCEPTED)
    b = factories.unit(campaign, "乙社区", ApplicationStatus.ACCEPTED)
    pending = factories.unit(campaign, "丙社区", ApplicationStatus.SUBMITTED)
    stranger = factories.unit(other, "外社区", ApplicationStatus.ACCEPTED)
    _, seat_token = factories.seat(a)
    tokens = {
        "seat": seat_token,
        "office": factories.token(factories.office()),
        "a": factories.token(factories.user("unit-a", Role.UNIT, a)),
        "b": factories.token(factories.user("unit-b", Role.UNIT, b)),
        "stranger": factories.token(factories.user("unit-x", Role.UNIT, stranger)),
    }
    db.session.commit()
    return World(campaign, other, a, b, pending, stranger, tokens)
