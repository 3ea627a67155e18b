"""The audit trail: every state change of the product is recorded here, in the same transaction."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ..domain.access import Actor
from ..extensions import db
from ..models import AuditEntry


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


def entries(campaign_id: int, limit: int = 200) -> list[AuditEntry]:
    stmt = (
        sa.select(AuditEntry)
        .where(AuditEntry.campaign_id == campaign_id)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))
