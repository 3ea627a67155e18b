"""The office's view of the audit log: entries filtered, paginated, named, and streamed for export."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.intake.models import Application
from evalflow.shared.access import Action, Actor, can
from evalflow.shared.accounts.models import User
from evalflow.shared.audit.models import AuditEntry
from evalflow.shared.campaigns.models import Seat, Unit
from evalflow.shared.errors import Forbidden


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


@dataclass(frozen=True)
class LogFilter:
    actor: str = ""
    action: str = ""
    campaign_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None

    def apply(self, stmt: sa.Select[Any]) -> sa.Select[Any]:
        if self.actor:
            stmt = stmt.where(AuditEntry.actor_label.contains(self.actor, autoescape=True))
        if self.action:
            stmt = stmt.where(AuditEntry.action.startswith(self.action, autoescape=True))
        if self.campaign_id is not None:
            stmt = stmt.where(AuditEntry.campaign_id == self.campaign_id)
        if self.since is not None:
            stmt = stmt.where(AuditEntry.created_at >= self.since)
        if self.until is not None:
            stmt = stmt.where(AuditEntry.created_at < self.until)
        return stmt


def _require_view(actor: Actor) -> None:
    if not can(actor, Action.AUDIT_VIEW):
        raise Forbidden()


def search(actor: Actor, flt: LogFilter, page: int = 1, per_page: int = 50) -> tuple[list[AuditEntry], int]:
    """One page of matching entries, newest first, and the total number of matches."""
    _require_view(actor)
    total = db.session.scalar(flt.apply(sa.select(sa.func.count()).select_from(AuditEntry))) or 0
    stmt = flt.apply(sa.select(AuditEntry)).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    page = max(page, 1)
    rows = list(db.session.scalars(stmt.offset((page - 1) * per_page).limit(per_page)))
    return rows, int(total)


def iter_matching(actor: Actor, flt: LogFilter) -> Iterator[AuditEntry]:
    """Every matching entry, oldest first, streamed (the CSV export)."""
    _require_view(actor)
    stmt = flt.apply(sa.select(AuditEntry)).order_by(AuditEntry.created_at, AuditEntry.id)
    yield from db.session.scalars(stmt.execution_options(yield_per=500))


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).distinct().order_by(AuditEntry.action)))
