"""The tally (综合评定): computed live from the ballots, sealed at briefing → review, exported.

- :func:`compute_tally` — the contract's tally: one aggregate query over the ballots (grouped by unit,
  seat role, source and grade), plus the units and seat counts; the arithmetic is the domain's.
- :func:`tally_report` — the tally plus participation, bias signals and the digest of the ballot
  set (ballots read grouped, never as ORM objects: tally.seal_check.current_digest).
- :func:`seal` — called by :func:`shared.campaigns.transitions.advance_phase` on briefing → review.
- :func:`seal_check` — once sealed, the sealed digest against the current ballots, on every view of
  the tally (:attr:`Tally.check`; tally.seal_check).
- :func:`update_settings` — method and thresholds, office only, only in draft.
- :func:`proposed_unit_ids` — the proposed list (拟表彰对象) for the notice.

Only the office sees any of this, from the briefing on (``Action.TALLY_VIEW``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from evalflow.briefing.models import Ballot
from evalflow.briefing.rules import BallotSource
from evalflow.briefing.seats import seats_per_unit
from evalflow.extensions import db
from evalflow.intake.models import Application, ApplicationStatus
from evalflow.shared import clock
from evalflow.shared.access import Action, Actor, Role
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns.models import Campaign, Seat, Unit
from evalflow.shared.campaigns.rules import SeatRole
from evalflow.shared.campaigns.scale import Grade
from evalflow.shared.campaigns.service import require
from evalflow.tally import rules
from evalflow.tally.models import ProposedEntry, TallySeal, TallySettings
from evalflow.tally.seal_check import check_against, current_digest
from evalflow.tally.seal_check_rules import SealCheck
from evalflow.tally.seal_rules import ExportHeader, SealedBallot, digest, export_csv, pseudonym
from evalflow.tally.settings import settings_of

ROLES = [r.value for r in SeatRole]
SOURCES = [s.value for s in BallotSource]
SYSTEM = Actor(Role.OFFICE, label="system")


# --- settings ----------------------------------------------------------------------------------


# --- the tally ---------------------------------------------------------------------------------


@dataclass
class Tally:
    campaign: Campaign
    method: rules.TallyMethod
    scale: tuple[Grade, ...]
    results: list[rules.UnitResult]
    breakdown: rules.Breakdown
    seal: TallySeal | None
    check: SealCheck | None = None  # once sealed: the seal against the current ballots


def _units(campaign_id: int) -> list[tuple[int, str, str]]:
    """The units in the tally: the campaign's units whose application was accepted, by id."""
    stmt = (
        sa.select(Unit.id, Unit.name, Unit.category)
        .join(Application, Application.unit_id == Unit.id)
        .where(Unit.campaign_id == campaign_id, Application.status == ApplicationStatus.ACCEPTED)
        .order_by(Unit.id)
    )
    return [(i, n, c or "") for i, n, c in db.session.execute(stmt)]


def _of_units(unit_ids: list[int]) -> sa.ColumnElement[bool]:
    """The ballots for the tally's units, filtered by the ids already read with the units rather
    than by a sub-select of them. With a sub-select, PostgreSQL estimates it returns one unit when
    the unit and application tables have no statistics yet (new tables, or autovacuum not yet
    caught up after the briefing's inserts) and plans a nested loop: one bitmap scan of the ballots
    per unit, each visiting nearly every page of the table (ballots arrive seat by seat, so one
    unit's are spread over all pages), so each aggregate reads the table once per unit (the plans
    and their cost: docs/tally.md, Performance). With the list of ids it reads the ballots once (seq scan or index scan) in every
    case. One statement less to plan, too; a campaign's units are a few hundred ids at most."""
    return Ballot.unit_id.in_(unit_ids)


# Plain text columns: the values are only compared and printed, so skip the enum conversion.
_ROLE = sa.type_coerce(Seat.role, sa.String)
_SOURCE = sa.type_coerce(Ballot.source, sa.String)


def _counts(unit_ids: list[int]) -> list[tuple[int, str, str, int]]:
    """The tally's aggregate query: ballots per (unit, source, grade) of the tally units — the
    covering index ``ix_ballot_tally`` holds every column it reads, no join."""
    stmt = (
        sa.select(Ballot.unit_id, _SOURCE, Ballot.grade, sa.func.count())
        .where(_of_units(unit_ids))
        .group_by(Ballot.unit_id, Ballot.grade, _SOURCE)
    )
    return [tuple(row) for row in db.session.execute(stmt)]  # type: ignore[misc]


def _role_counts(unit_ids: list[int]) -> list[tuple[int, str, str, int]]:
    """Ballots per (unit, seat role, grade): the per-role breakdown (joins the seats)."""
    stmt = (
        sa.select(Ballot.unit_id, _ROLE, Ballot.grade, sa.func.count())
        .join(Seat, Seat.id == Ballot.seat_id)
        .where(_of_units(unit_ids))
        .group_by(Ballot.unit_id, _ROLE, Ballot.grade)
    )
    return [tuple(row) for row in db.session.execute(stmt)]  # type: ignore[misc]


def _unit_infos(units: list[tuple[int, str, str]], seats: Mapping[int, int]) -> list[rules.UnitInfo]:
    total = sum(seats.values())
    return [rules.UnitInfo(u, name, cat, total - seats.get(u, 0)) for u, name, cat in units]


def unit_infos(campaign_id: int) -> list[rules.UnitInfo]:
    """The units in the tally (accepted ones) with their expected ballots: the seats of the other
    units of the campaign (as the briefing's presentations count them)."""
    return _unit_infos(_units(campaign_id), seats_per_unit(campaign_id))


def current_seal(campaign_id: int) -> TallySeal | None:
    return db.session.scalar(sa.select(TallySeal).where(TallySeal.campaign_id == campaign_id))


def compute_tally(actor: Actor, campaign: Campaign, *, by_role: bool = True) -> Tally:
    """The ranked tally (office, from the briefing on). *by_role* adds the per-role breakdown (one
    more aggregate query, joining the seats)."""
    require(actor, Action.TALLY_VIEW, campaign)
    return tally_of(campaign, by_role=by_role)


def tally_of(
    campaign: Campaign,
    *,
    by_role: bool = True,
    settings: TallySettings | None = None,
    seats: Mapping[int, int] | None = None,
    pseudonyms: Mapping[int, tuple[str, int, str]] | None = None,
    check_seal: bool = True,
) -> Tally:
    """The tally without the access check (for other services that checked already). *settings*,
    *seats* (seats per unit) and *pseudonyms* (:func:`_seats`) save reading them again when the
    caller has them at hand. Once sealed, the tally carries the seal's check against the current
    ballots (:func:`seal_check`) unless *check_seal* is False (the caller checks it itself)."""
    settings = settings or settings_of(campaign)
    units = _units(campaign.id)
    unit_ids = [u for u, _, _ in units]
    infos = _unit_infos(units, seats_per_unit(campaign.id) if seats is None else seats)
    rows = _counts(unit_ids)
    role_rows = _role_counts(unit_ids) if by_role else []
    scale = rules.ordered(campaign.scale)
    results = rules.compute(scale, infos, rules.unit_counts(rows), settings.method)
    breakdown = rules.breakdown(rows, role_rows, scale, ROLES, SOURCES)
    seal = current_seal(campaign.id)
    check = None
    if seal is not None and check_seal:
        salt = settings.pseudonym_salt
        names = _seats(campaign.id, salt) if pseudonyms is None else pseudonyms
        check = check_against(seal, current_digest(unit_ids, names, salt))
    return Tally(campaign, settings.method, scale, results, breakdown, seal, check)


# --- the full report: participation, signals, digest -----------------------------------------------


def _ballot_rows(
    unit_ids: list[int], seats: dict[int, tuple[str, int, str]], salt: str
) -> list[tuple[int, str, str, str, str]]:
    """Every ballot of *unit_ids* as ``(unit_id, pseudonym, grade, source, role)`` — plain tuples
    from one query of plain columns; *seats* is :func:`_seats` of the campaign."""
    stmt = sa.select(Ballot.unit_id, Ballot.seat_id, Ballot.grade, _SOURCE).where(_of_units(unit_ids))
    out = []
    for unit_id, seat_id, grade, source in db.session.execute(stmt):
        name, _, role = seats.get(seat_id) or (pseudonym(salt, seat_id), 0, "")
        out.append((unit_id, name, grade, source, role))
    return out


def _ballot_tuples(campaign: Campaign, salt: str) -> list[tuple[int, str, str, str, str]]:
    """Every ballot of the tally units (see :func:`_ballot_rows`)."""
    unit_ids = [u for u, _, _ in _units(campaign.id)]
    return _ballot_rows(unit_ids, _seats(campaign.id, salt), salt)


def seal_check(campaign: Campaign) -> SealCheck | None:
    """The seal against the current ballots (None before the seal), without the tally."""
    seal = current_seal(campaign.id)
    if seal is None:
        return None
    salt = settings_of(campaign).pseudonym_salt
    unit_ids = [u for u, _, _ in _units(campaign.id)]
    return check_against(seal, current_digest(unit_ids, _seats(campaign.id, salt), salt))


def sealed_ballots(campaign: Campaign, salt: str) -> list[SealedBallot]:
    """Every ballot of the tally units as a :class:`SealedBallot` (pseudonymous seat, with its role)."""
    return [SealedBallot(*row) for row in _ballot_tuples(campaign, salt)]


def export_ballots_csv(actor: Actor, campaign: Campaign) -> str:
    """The ballots (seats pseudonymized) with the scale, method, digest and tally, for verify-tally."""
    require(actor, Action.TALLY_VIEW, campaign)
    tally = tally_of(campaign, check_seal=False)  # the file states the seal; verify-tally checks the rows
    ballots = sealed_ballots(campaign, settings_of(campaign).pseudonym_salt)
    seal = tally.seal
    header = ExportHeader(
        campaign_id=campaign.id,
        title=campaign.title,
        method=tally.method,
        scale=tally.scale,
        # Once sealed, the file states what was sealed — never a digest recomputed from rows that
        # may have changed since: verify-tally then fails on a ballot changed after the seal.
        digest=seal.digest if seal else digest(ballots),
        ballots=seal.ballots if seal else None,
        sealed_at=seal.sealed_at.isoformat() if seal else "",
        units=tuple(unit_infos(campaign.id)),
        scores={r.unit_id: (rules.exact_text(r.score), r.rank) for r in tally.results},
    )
    return export_csv(header, ballots)


# --- sealing -----------------------------------------------------------------------------------


def seal(campaign: Campaign) -> TallySeal:
    """Freeze the ballot set: store its digest, size and the method (briefing → review hook)."""
    settings = settings_of(campaign)
    ballots = sealed_ballots(campaign, settings.pseudonym_salt)
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
    """The units on the proposed list (拟表彰对象), in list order; empty until the office chose.
    A unit vetoed after the list was chosen is left out here too."""
    from evalflow.intake.veto import vetoed_unit_ids

    stmt = (
        sa.select(ProposedEntry.unit_id)
        .where(ProposedEntry.campaign_id == campaign.id, ProposedEntry.included.is_(True))
        .order_by(ProposedEntry.position, ProposedEntry.unit_id)
    )
    vetoed = vetoed_unit_ids(campaign.id)
    return [u for u in db.session.scalars(stmt) if u not in vetoed]


def _seats(campaign_id: int, salt: str) -> dict[int, tuple[str, int, str]]:
    """seat id → (pseudonym, the seat's unit, role) for every seat of the campaign."""
    stmt = (
        sa.select(Seat.id, Seat.unit_id, _ROLE)
        .join(Unit, Unit.id == Seat.unit_id)
        .where(Unit.campaign_id == campaign_id)
    )
    return {i: (pseudonym(salt, i), u, r) for i, u, r in db.session.execute(stmt)}
