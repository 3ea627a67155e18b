"""Helpers shared by tests: accounts, tokens, and moving a campaign along through the services."""

from __future__ import annotations

from typing import Any

from evalflow.domain.access import Actor, Role
from evalflow.extensions import db
from evalflow.models import Application, ApplicationStatus, Attendance, AttendanceStatus, Campaign, Unit
from evalflow.services import accounts

OFFICE_PASSWORD = "office-pass-123"


def make_office(username: str = "office") -> tuple[Any, Actor]:
    user = accounts.create_admin(username, OFFICE_PASSWORD)
    db.session.commit()
    return user, accounts.actor_for_user(user)


def office_token(client: Any, username: str = "office") -> str:
    make_office(username)
    response = client.post("/api/v1/auth/token", json={"username": username, "password": OFFICE_PASSWORD})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def add_unit(campaign: Campaign, name: str, status: ApplicationStatus | None = None) -> Unit:
    """A unit with (optionally) an application in *status*, written directly for guard tests."""
    unit = Unit(campaign_id=campaign.id, name=name)
    db.session.add(unit)
    db.session.flush()
    if status is not None:
        db.session.add(Application(unit_id=unit.id, status=status, report_title=name, report_text="报告"))
    db.session.flush()
    return unit


def attend(unit: Unit, status: AttendanceStatus = AttendanceStatus.ATTENDED, note: str = "") -> None:
    db.session.add(Attendance(unit_id=unit.id, status=status, note=note))
    db.session.flush()


def office_actor() -> Actor:
    return Actor(Role.OFFICE, user_id=None, label="test")
