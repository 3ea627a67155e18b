"""The tally's checks for the office: participation, bias signals, and the ballot set's digest."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from evalflow.briefing.models import Ballot
from evalflow.extensions import db
from evalflow.shared.access import Action, Actor
from evalflow.shared.campaigns.models import Campaign, Seat
from evalflow.shared.campaigns.scale import Grade
from evalflow.shared.campaigns.service import require
from evalflow.tally import rules
from evalflow.tally.bias import (
    Aggregates,
    Signal,
    scale_factor,
    scaled_points,
    signals,
)
from evalflow.tally.models import TallySettings
from evalflow.tally.seal_check import current_digest
from evalflow.tally.service import Tally, _of_units, _seats, tally_of
from evalflow.tally.settings import settings_of, thresholds_of


@dataclass
class Report:
    tally: Tally
    settings: TallySettings
    ballots: int
    digest: str | None  # of the current ballot set; None when not asked for
    missing: list[rules.Missing]
    signals: list[Signal]

    @property
    def names(self) -> dict[int, str]:
        return {r.unit_id: r.name for r in self.tally.results}


def _seat_grades(unit_ids: list[int]) -> list[tuple[int, str, int]]:
    """Ballots per (seat, grade): at most seats × grades rows."""
    stmt = (
        sa.select(Ballot.seat_id, Ballot.grade, sa.func.count())
        .where(_of_units(unit_ids))
        .group_by(Ballot.seat_id, Ballot.grade)
    )
    return [tuple(row) for row in db.session.execute(stmt)]  # type: ignore[misc]


def _pair_sums(unit_ids: list[int], points: dict[str, int]) -> list[tuple[int, int, int, int]]:
    """Per (delegation, unit): the sum of points × factor and the number of ballots, in SQL."""
    value = sa.case(points, value=Ballot.grade, else_=None)
    stmt = (
        sa.select(Seat.unit_id, Ballot.unit_id, sa.func.sum(value), sa.func.count(value))
        .join(Seat, Seat.id == Ballot.seat_id)
        .where(_of_units(unit_ids))
        .group_by(Seat.unit_id, Ballot.unit_id)
    )
    return [(g, u, int(t or 0), n) for g, u, t, n in db.session.execute(stmt)]


def _cast_by(seat_ids: list[int]) -> list[tuple[int, int]]:
    if not seat_ids:
        return []
    stmt = sa.select(Ballot.seat_id, Ballot.unit_id).where(Ballot.seat_id.in_(seat_ids))
    return [tuple(row) for row in db.session.execute(stmt)]  # type: ignore[misc]


def _participation(
    tally: Tally, seats: dict[int, tuple[str, int, str]], per_seat: dict[int, int]
) -> list[rules.Missing]:
    """Only the seats that cast fewer ballots than units to score are looked at ballot by ballot."""
    unit_ids = [r.unit_id for r in tally.results]
    in_tally = set(unit_ids)
    short = [sid for sid, (_, unit, _) in seats.items() if per_seat.get(sid, 0) < len(in_tally - {unit})]
    cast = [(seats[sid][0], unit) for sid, unit in _cast_by(short)]
    return rules.participation([seats[sid] for sid in short], unit_ids, cast)


def _aggregates(
    unit_ids: list[int], scale: tuple[Grade, ...], seats: dict[int, tuple[str, int, str]]
) -> Aggregates:
    seat_grades: dict[str, tuple[int, dict[str, int]]] = {}
    for seat_id, grade, n in _seat_grades(unit_ids):
        if seat_id in seats:
            name, unit, _ = seats[seat_id]
            seat_grades.setdefault(name, (unit, {}))[1][grade] = n
    pairs = {(g, u): (t, n) for g, u, t, n in _pair_sums(unit_ids, scaled_points(scale)) if n}
    delegations: dict[int, list[str]] = {}
    for name, unit, _ in seats.values():
        delegations.setdefault(unit, []).append(name)
    return Aggregates(
        seat_grades, pairs, scale_factor(scale), {u: tuple(sorted(s)) for u, s in delegations.items()}
    )


def tally_report(actor: Actor, campaign: Campaign, *, with_digest: bool | None = True) -> Report:
    """The tally with participation and bias signals, from aggregate queries; the digest of the
    current ballot set (every ballot, fetched as plain tuples) only when *with_digest* — or, when it
    is None, only while the ballots are not sealed (the page then shows the sealed digest).

    The settings, the campaign's seats and the tally's unit ids are read once and shared by the
    tally, the signals, participation and the digest."""
    require(actor, Action.TALLY_VIEW, campaign)
    settings = settings_of(campaign)
    seats = _seats(campaign.id, settings.pseudonym_salt)
    per_unit: dict[int, int] = {}
    for _, unit, _ in seats.values():
        per_unit[unit] = per_unit.get(unit, 0) + 1
    tally = tally_of(campaign, settings=settings, seats=per_unit, pseudonyms=seats)
    unit_ids = [r.unit_id for r in tally.results]
    agg = _aggregates(unit_ids, tally.scale, seats)
    per_seat = {
        sid: sum(agg.seat_grades[name][1].values())
        for sid, (name, _, _) in seats.items()
        if name in agg.seat_grades
    }
    leading = [r.unit_id for r in tally.results if r.score is not None]
    found = signals(agg, leading, thresholds_of(settings))
    if with_digest is None:
        with_digest = tally.seal is None
    if tally.check is not None:
        digest_text: str | None = tally.check.digest  # taken for the seal's check anyway
    else:
        digest_text = current_digest(unit_ids, seats, settings.pseudonym_salt)[0] if with_digest else None
    ballots = sum(r.ballots for r in tally.results)
    return Report(tally, settings, ballots, digest_text, _participation(tally, seats, per_seat), found)
