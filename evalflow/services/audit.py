"""The audit trail: every state change of the product is recorded here, in the same transaction."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ..domain.access import Actor
from ..extensions import db
from ..models import Application, AuditEntry, Seat, Unit, User


def record(
    actor: Actor,
    action: str,
    *,
    campaign_id: int | None = None,
    subject: tuple[str, int | None] = ("", None),
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        campaign_id=campaign_id,
        actor_user_id=actor.user_id,
        actor_label=actor.label or actor.role.value,
        action=action,
        subject_type=subject[0],
        subject_id=subject[1],
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        data=data or {},
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def record_row(
    actor: Actor,
    action: str,
    *,
    campaign_id: int | None = None,
    subject: tuple[str, int | None] = ("", None),
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    """The same entry as :func:`record`, written by one Core INSERT without the ORM's unit of work —
    for hot paths (a ballot per tap at the briefing). Same transaction, nothing returned."""
    db.session.execute(
        sa.insert(AuditEntry.__table__),
        {
            "campaign_id": campaign_id,
            "actor_user_id": actor.user_id,
            "actor_label": actor.label or actor.role.value,
            "action": action,
            "subject_type": subject[0],
            "subject_id": subject[1],
            "from_state": from_state,
            "to_state": to_state,
            "reason": reason,
            "data": data or {},
        },
    )


def entries(campaign_id: int, limit: int = 200) -> list[AuditEntry]:
    stmt = (
        sa.select(AuditEntry)
        .where(AuditEntry.campaign_id == campaign_id)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def _names(stmt: sa.Select) -> dict[int, str]:
    return {row[0]: row[1] for row in db.session.execute(stmt)}


def subject_names(log: list[AuditEntry]) -> dict[tuple[str, int], str]:
    """Readable names of what the entries acted on: the unit of an application or seat, a unit,
    an account. Three queries at most, whatever the length of the log."""
    ids: dict[str, set[int]] = {}
    for entry in log:
        if entry.subject_id is not None:
            ids.setdefault(entry.subject_type, set()).add(entry.subject_id)
    found: dict[tuple[str, int], str] = {}
    lookups = {
        "application": sa.select(Application.id, Unit.name).join(Unit, Unit.id == Application.unit_id),
        "unit": sa.select(Unit.id, Unit.name),
        "seat": sa.select(Seat.id, Unit.name).join(Unit, Unit.id == Seat.unit_id),
        "user": sa.select(User.id, User.username),
    }
    for kind, stmt in lookups.items():
        if ids.get(kind):
            key = stmt.selected_columns[0]
            found.update({(kind, i): n for i, n in _names(stmt.where(key.in_(ids[kind]))).items()})
    return found
