"""The tally (综合评定): computed live from the ballots, sealed at briefing → review, exported.

- :func:`compute_tally` — the contract's tally: one aggregate query over the ballots (grouped by unit,
  seat role, source and grade), plus the units and seat counts; the arithmetic is the domain's.
- :func:`tally_report` — the tally plus participation, bias signals and the digest of the ballot
  set (ballots fetched as plain tuples, never as ORM objects).
- :func:`seal` — called by :func:`services.phases.advance_phase` on briefing → review.
- :func:`update_settings` — method and thresholds, office only, only in draft.
- :func:`proposed_unit_ids` — the proposed list (拟表彰对象) for the notice.

Only the office sees any of this, from the briefing on (``Action.TALLY_VIEW``).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..domain import tally as rules
from ..domain.access import Action, Actor, Role
from ..domain.briefing import BallotSource
from ..domain.scale import Grade
from ..domain.tally_bias import Signal, Thresholds, Vote, parse_thresholds, signals
from ..domain.tally_seal import ExportHeader, SealedBallot, digest, export_csv, pseudonym
from ..domain.training import SeatRole
from ..extensions import db
from ..models import (
    Application,
    ApplicationStatus,
    Ballot,
    Campaign,
    ProposedEntry,
    Seat,
    TallySeal,
    TallySettings,
    Unit,
)
from . import audit, clock
from .campaigns import require

ROLES = [r.value for r in SeatRole]
SOURCES = [s.value for s in BallotSource]
SYSTEM = Actor(Role.OFFICE, label="system")


# --- settings ----------------------------------------------------------------------------------


def settings_of(campaign: Campaign) -> TallySettings:
    """The campaign's tally settings, created with the defaults (one statement) on first use."""
    insert = sqlite_insert if db.session.get_bind().dialect.name == "sqlite" else pg_insert
    stmt = insert(TallySettings).values(
        campaign_id=campaign.id,
        method=rules.Method.TRIMMED_MEAN,
        flat_min_ballots=5,
        reciprocity_margin=Decimal(15),
        downgrade_margin=Decimal(15),
        leading_units=5,
        pseudonym_salt=secrets.token_hex(16),
        updated_at=clock.now(),
    )
    db.session.execute(stmt.on_conflict_do_nothing(index_elements=[TallySettings.campaign_id]))
    return db.session.scalar(
        sa.select(TallySettings)
        .where(TallySettings.campaign_id == campaign.id)
        .execution_options(populate_existing=True)
    )  # type: ignore[return-value]


def thresholds_of(settings: TallySettings) -> Thresholds:
    return Thresholds(
        flat_min_ballots=settings.flat_min_ballots,
        reciprocity_margin=Decimal(settings.reciprocity_margin),
        downgrade_margin=Decimal(settings.downgrade_margin),
        leading_units=settings.leading_units,
    )


def get_settings(actor: Actor, campaign: Campaign) -> TallySettings:
    require(actor, Action.CAMPAIGN_EDIT, campaign)
    return settings_of(campaign)


def update_settings(actor: Actor, campaign: Campaign, data: Mapping[str, Any]) -> TallySettings:
    """Change the method and/or the bias thresholds (office, draft only); audited."""
    require(actor, Action.TALLY_SETTINGS, campaign)
    settings = settings_of(campaign)
    method = rules.parse_method(data["method"]) if data.get("method") is not None else settings.method
    thresholds = parse_thresholds(data, thresholds_of(settings))
    values = {"method": method, **thresholds.__dict__}
    before = {
        "method": settings.method.value,
        **{k: str(v) for k, v in thresholds_of(settings).__dict__.items()},
    }
    for key, value in values.items():
        setattr(settings, key, value)
    db.session.flush()
    after = {"method": method.value, **{k: str(v) for k, v in thresholds.__dict__.items()}}
    audit.record(
        actor, "tally.settings", campaign_id=campaign.id, subject=("campaign", campaign.id),
        data={"before": before, "after": after},
    )  # fmt: skip
    return settings


# --- the tally ---------------------------------------------------------------------------------


@dataclass
class Tally:
    campaign: Campaign
    method: rules.Method
    scale: tuple[Grade, ...]
    results: list[rules.UnitResult]
    breakdown: rules.Breakdown
    seal: TallySeal | None


def _units(campaign_id: int) -> list[tuple[int, str, str]]:
    stmt = (
        sa.select(Unit.id, Unit.name, Unit.category)
        .join(Application, Application.unit_id == Unit.id)
        .where(Unit.campaign_id == campaign_id, Application.status == ApplicationStatus.ACCEPTED)
        .order_by(Unit.id)
    )
    return [(i, n, c or "") for i, n, c in db.session.execute(stmt)]


def _seat_counts(unit_ids: list[int]) -> dict[int, int]:
    if not unit_ids:
        return {}
    stmt = sa.select(Seat.unit_id, sa.func.count()).where(Seat.unit_id.in_(unit_ids)).group_by(Seat.unit_id)
    return {u: n for u, n in db.session.execute(stmt)}


def _aggregate(campaign_id: int) -> list[tuple[int, str, str, str, int]]:
    """The one aggregate query: ballots per (unit, seat role, source, grade)."""
    stmt = (
        sa.select(Ballot.unit_id, Seat.role, Ballot.source, Ballot.grade, sa.func.count())
        .join(Seat, Seat.id == Ballot.seat_id)
        .join(Unit, Unit.id == Ballot.unit_id)
        .where(Unit.campaign_id == campaign_id)
        .group_by(Ballot.unit_id, Seat.role, Ballot.source, Ballot.grade)
    )
    return [(u, str(r), str(s), g, n) for u, r, s, g, n in db.session.execute(stmt)]


def unit_infos(campaign_id: int) -> list[rules.UnitInfo]:
    """The units in the tally (accepted ones) with their expected ballots: the other units' seats."""
    units = _units(campaign_id)
    seats = _seat_counts([u for u, _, _ in units])
    total = sum(seats.values())
    return [rules.UnitInfo(u, name, cat, total - seats.get(u, 0)) for u, name, cat in units]


def current_seal(campaign_id: int) -> TallySeal | None:
    return db.session.scalar(sa.select(TallySeal).where(TallySeal.campaign_id == campaign_id))


def compute_tally(actor: Actor, campaign: Campaign) -> Tally:
    require(actor, Action.TALLY_VIEW, campaign)
    return tally_of(campaign)


def tally_of(campaign: Campaign) -> Tally:
    method = settings_of(campaign).method
    rows = _aggregate(campaign.id)
    infos = unit_infos(campaign.id)
    ids = {u.unit_id for u in infos}
    rows = [r for r in rows if r[0] in ids]
    scale = rules.ordered(campaign.scale)
    results = rules.compute(scale, infos, rules.unit_counts(rows), method)
    return Tally(
        campaign,
        method,
        scale,
        results,
        rules.breakdown(rows, scale, ROLES, SOURCES),
        current_seal(campaign.id),
    )


# --- the full report: participation, signals, digest -----------------------------------------------


@dataclass
class Report:
    tally: Tally
    settings: TallySettings
    ballots: list[SealedBallot]
    digest: str
    missing: list[rules.Missing]
    signals: list[Signal]
    seat_units: dict[str, int] = field(default_factory=dict)

    @property
    def names(self) -> dict[int, str]:
        return {r.unit_id: r.name for r in self.tally.results}


def _ballot_rows(campaign_id: int) -> list[tuple[int, int, int, str, str, str]]:
    """Every ballot as a tuple (unit_id, seat_id, seat's unit_id, role, grade, source)."""
    stmt = (
        sa.select(Ballot.unit_id, Ballot.seat_id, Seat.unit_id, Seat.role, Ballot.grade, Ballot.source)
        .join(Seat, Seat.id == Ballot.seat_id)
        .join(Unit, Unit.id == Ballot.unit_id)
        .where(Unit.campaign_id == campaign_id)
    )
    return [(u, s, su, str(r), g, str(src)) for u, s, su, r, g, src in db.session.execute(stmt)]


def _seats(unit_ids: list[int]) -> list[tuple[int, int, str]]:
    if not unit_ids:
        return []
    stmt = sa.select(Seat.id, Seat.unit_id, Seat.role).where(Seat.unit_id.in_(unit_ids))
    return [(i, u, str(r)) for i, u, r in db.session.execute(stmt)]


def sealed_ballots(campaign: Campaign, salt: str) -> tuple[list[SealedBallot], dict[str, int]]:
    ids = {u.unit_id for u in unit_infos(campaign.id)}
    names: dict[int, str] = {}
    ballots, seat_units = [], {}
    for unit_id, seat_id, seat_unit, role, grade, source in _ballot_rows(campaign.id):
        if unit_id not in ids:
            continue
        name = names.get(seat_id) or names.setdefault(seat_id, pseudonym(salt, seat_id))
        seat_units[name] = seat_unit
        ballots.append(SealedBallot(unit_id, name, grade, source, role))
    return ballots, seat_units


def tally_report(actor: Actor, campaign: Campaign) -> Report:
    require(actor, Action.TALLY_VIEW, campaign)
    tally = tally_of(campaign)
    settings = settings_of(campaign)
    ballots, seat_units = sealed_ballots(campaign, settings.pseudonym_salt)
    unit_ids = [r.unit_id for r in tally.results]
    seats = [(pseudonym(settings.pseudonym_salt, i), u, r) for i, u, r in _seats(unit_ids)]
    missing = rules.participation(seats, unit_ids, [(b.seat, b.unit_id) for b in ballots])
    votes = [Vote(b.seat, seat_units[b.seat], b.unit_id, b.grade) for b in ballots]
    leading = [r.unit_id for r in tally.results if r.score is not None]
    found = signals(votes, tally.scale, leading, thresholds_of(settings))
    return Report(tally, settings, ballots, digest(ballots), missing, found, seat_units)


def export_ballots_csv(actor: Actor, campaign: Campaign) -> str:
    """The ballots (seats pseudonymized) with the scale, method, digest and tally, for verify-tally."""
    report = tally_report(actor, campaign)
    seal = report.tally.seal
    header = ExportHeader(
        campaign_id=campaign.id,
        title=campaign.title,
        method=report.tally.method,
        scale=report.tally.scale,
        digest=report.digest,
        sealed_at=seal.sealed_at.isoformat() if seal else "",
        units=tuple(unit_infos(campaign.id)),
        scores={r.unit_id: (rules.exact_text(r.score), r.rank) for r in report.tally.results},
    )
    return export_csv(header, report.ballots)


# --- sealing -----------------------------------------------------------------------------------


def seal(campaign: Campaign) -> TallySeal:
    """Freeze the ballot set: store its digest, size and the method (briefing → review hook)."""
    settings = settings_of(campaign)
    ballots, _ = sealed_ballots(campaign, settings.pseudonym_salt)
    record = TallySeal(
        campaign_id=campaign.id, digest=digest(ballots), ballots=len(ballots),
        method=settings.method, sealed_at=clock.now(),
    )  # fmt: skip
    db.session.add(record)
    db.session.flush()
    audit.record(
        SYSTEM, "tally.seal", campaign_id=campaign.id, subject=("campaign", campaign.id),
        data={"digest": record.digest, "ballots": record.ballots, "method": record.method.value},
    )  # fmt: skip
    return record


# --- the proposed list, for the notice ------------------------------------------------------------


def proposed_unit_ids(campaign: Campaign) -> list[int]:
    """The units on the proposed list (拟表彰对象), in list order; empty until the office chose."""
    stmt = (
        sa.select(ProposedEntry.unit_id)
        .where(ProposedEntry.campaign_id == campaign.id, ProposedEntry.included.is_(True))
        .order_by(ProposedEntry.position, ProposedEntry.unit_id)
    )
    return list(db.session.scalars(stmt))
