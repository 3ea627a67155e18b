"""The digest of the current ballots read grouped in SQL (tally.seal_check.current_digest: seat ids
joined by group_concat / string_agg) equals the canonical digest over every ballot read as a row, on
both engines — the assumption the seal check's fast path rests on."""

from __future__ import annotations

from evalflow.shared.campaigns.rules import SeatRole
from evalflow.tally import checks, settings
from evalflow.tally import service as tally
from evalflow.tally.seal_check import current_digest
from evalflow.tally.seal_rules import digest
from tests.tally_world import build

NAMES = ["甲社区", "乙社区", "丙社区", "丁社区", "戊社区"]
GRADES = ["好", "较好", "一般", "好,很好", "e\u0301", "\u00e9"]


def grade_of(giver, role, unit):
    if (giver + unit) % 7 == 3 and role is SeatRole.PUBLIC:
        return None  # a seat that did not score this unit
    return GRADES[(giver * 3 + unit + list(SeatRole).index(role)) % len(GRADES)]


def test_current_digest_grouped_in_sql_equals_the_digest_of_every_row(app):
    world = build(NAMES, grade_of, paper=lambda giver, role, unit: (giver + unit) % 2 == 0)
    salt = settings.settings_of(world.campaign).pseudonym_salt
    ballots = tally.sealed_ballots(world.campaign, salt)
    unit_ids = [u.id for u in world.units]
    seats = checks._seats(world.campaign.id, salt)
    assert len(ballots) > 50 and {b.source for b in ballots} == {"online", "paper"}
    assert current_digest(unit_ids, seats, salt) == (digest(ballots), len(ballots))
    # a seat the pseudonym map does not hold gets its pseudonym from the salt, as in the export
    assert current_digest(unit_ids, {}, salt) == (digest(ballots), len(ballots))
    assert current_digest([], seats, salt) == (digest([]), 0)
