"""A small campaign in ``training`` for the training, Q&A and seat tests.

Two accepted units (甲, 乙) with unit accounts (甲 also has a reporter seat with a known token), a submitted unit (丙) that is not accepted, and a
stranger unit (外) of another campaign with its own account — to prove nothing leaks across units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evalflow.domain.access import Role
from evalflow.domain.phases import Phase
from evalflow.extensions import db
from evalflow.models import ApplicationStatus, Campaign, Seat, SeatRole, Unit
from evalflow.services import accounts

from .helpers import add_unit, bearer, office_token

UNIT_PASSWORD = "unit-pass-1234"


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


def _unit_token(client: Any, unit: Unit, username: str) -> str:
    accounts.create_user(username, UNIT_PASSWORD, Role.UNIT, unit_id=unit.id)
    db.session.commit()
    response = client.post("/api/v1/auth/token", json={"username": username, "password": UNIT_PASSWORD})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def set_phase(campaign: Campaign, phase: Phase) -> None:
    campaign.phase = phase
    db.session.commit()


def build(client: Any, phase: Phase = Phase.TRAINING) -> World:
    campaign = Campaign(title="2026年度评选", phase=phase)
    other = Campaign(title="另一次评选", phase=phase)
    db.session.add_all([campaign, other])
    db.session.flush()
    a = add_unit(campaign, "甲社区", ApplicationStatus.ACCEPTED)
    b = add_unit(campaign, "乙社区", ApplicationStatus.ACCEPTED)
    pending = add_unit(campaign, "丙社区", ApplicationStatus.SUBMITTED)
    stranger = add_unit(other, "外社区", ApplicationStatus.ACCEPTED)
    db.session.commit()
    seat_token = accounts.new_secret()
    db.session.add(
        Seat(unit_id=a.id, role=SeatRole.REPORTER, name="张三", token_hash=accounts.token_digest(seat_token))
    )
    db.session.commit()
    tokens = {
        "seat": seat_token,
        "office": office_token(client),
        "a": _unit_token(client, a, "unit-a"),
        "b": _unit_token(client, b, "unit-b"),
        "stranger": _unit_token(client, stranger, "unit-x"),
    }
    return World(campaign, other, a, b, pending, stranger, tokens)
