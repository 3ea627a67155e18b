"""A small campaign in ``training`` for the training, Q&A and seat tests.

Two accepted units (甲, 乙) with unit accounts (甲 also has a reporter seat with a known token), a submitted unit (丙) that is not accepted, and a
stranger unit (外) of another campaign with its own account — to prove nothing leaks across units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from werkzeug.security import generate_password_hash

from evalflow.domain.access import Role
from evalflow.domain.phases import Phase
from evalflow.extensions import db
from evalflow.models import ApplicationStatus, Campaign, Seat, SeatRole, Unit, User
from evalflow.services import accounts

from .helpers import add_unit, bearer

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


# A cheap hash: these tests are about access, not about password hashing (tested elsewhere).
_HASH = generate_password_hash(UNIT_PASSWORD, method="pbkdf2:sha256:1000")


def make_user(username: str, role: Role, unit: Unit | None = None) -> User:
    user = User(username=username, password_hash=_HASH, role=role, unit_id=unit.id if unit else None)
    db.session.add(user)
    db.session.flush()
    return user


def _token(username: str, role: Role, unit: Unit | None = None) -> str:
    return accounts.issue_token(make_user(username, role, unit))


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
        "office": _token("office", Role.OFFICE),
        "a": _token("unit-a", Role.UNIT, a),
        "b": _token("unit-b", Role.UNIT, b),
        "stranger": _token("unit-x", Role.UNIT, stranger),
    }
    db.session.commit()
    return World(campaign, other, a, b, pending, stranger, tokens)
