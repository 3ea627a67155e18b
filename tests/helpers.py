"""Older name of a few factories (``tests/factories.py``), kept importable for tests not yet moved."""

from __future__ import annotations

from typing import Any

from evalflow.extensions import db
from evalflow.intake.models import ApplicationStatus
from evalflow.shared.access import Actor, Role
from evalflow.shared.accounts import actors
from evalflow.shared.accounts import service as accounts
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.training.models import Attendance, AttendanceStatus
from tests import factories
from tests.factories import PASSWORD as OFFICE_PASSWORD
from tests.factories import bearer

__all__ = ["OFFICE_PASSWORD", "add_unit", "attend", "bearer", "make_office", "office_actor", "office_token"]


def make_office(username: str = "office") -> tuple[Any, Actor]:
    """An office login created as ``create-admin`` does (real hashing settings)."""
    user = accounts.create_admin(username, OFFICE_PASSWORD)
    db.session.commit()
    return user, actors.actor_for_user(user)


def office_token(client: Any, username: str = "office") -> str:
    make_office(username)
    response = client.post("/api/v1/auth/token", json={"username": username, "password": OFFICE_PASSWORD})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def add_unit(campaign: Campaign, name: str, status: ApplicationStatus | None = None) -> Unit:
    """A unit with (optionally) an application in *status* with a report, for guard tests."""
    return factories.unit(campaign, name, status, category="", report=True)


def attend(unit: Unit, status: AttendanceStatus = AttendanceStatus.ATTENDED, note: str = "") -> None:
    db.session.add(Attendance(unit_id=unit.id, status=status, note=note))
    db.session.flush()


def office_actor() -> Actor:
    return Actor(Role.OFFICE, user_id=None, label="test")
