"""verify-tally on a genuine export whose names hold line separators (stored before the text rule
refused them in names, or by any other door): the export verifies; an unreadable file is answered in
words, not with a traceback."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.campaigns.rules import SeatRole
from evalflow.tally import service as tally
from evalflow.tally.models import TallySeal
from tests.factories import office_actor
from tests.sealed_tally import sealed_world

SEPARATORS = ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1e", "\r", "\n"]


def grades(giver, role, unit):
    return "好" if role is SeatRole.REPORTER or unit == 0 else "较好"


def name_units(world, ch: str) -> None:
    """Store names (and the title) with *ch* directly, as data written before the rule would be."""
    db.session.execute(sa.update(Unit).where(Unit.id == world.units[0].id).values(name=f"五塔{ch}北街社区"))
    db.session.execute(sa.update(Unit).where(Unit.id == world.units[1].id).values(category=f"社{ch}区"))
    db.session.execute(
        sa.update(Campaign).where(Campaign.id == world.campaign.id).values(title=f"2026{ch}评选")
    )
    db.session.commit()
    db.session.expire_all()


@pytest.mark.parametrize("ch", SEPARATORS, ids=[f"U+{ord(c):04X}" for c in SEPARATORS])
def test_verify_tally_genuine_export_with_line_separator_in_a_name_is_ok(app, tmp_path, ch):
    world = sealed_world(["甲社区", "乙社区", "丙社区"], grades)
    name_units(world, ch)
    sealed = db.session.scalar(sa.select(TallySeal.digest))
    path = tmp_path / "ballots.csv"
    path.write_bytes(tally.export_ballots_csv(office_actor(), world.campaign).encode("utf-8"))
    result = app.test_cli_runner().invoke(args=["verify-tally", str(path), "--digest", sealed])
    assert result.exit_code == 0, result.output
    assert "verification OK" in result.output and f"digest:  {sealed}" in result.output


def test_verify_tally_file_not_utf8_says_so(app, tmp_path):
    path = tmp_path / "ballots.csv"
    path.write_bytes('# evalflow-ballots: "1"\n单位'.encode("gbk"))
    result = app.test_cli_runner().invoke(args=["verify-tally", str(path)])
    assert result.exit_code == 1
    assert "not UTF-8" in result.output and "Traceback" not in result.output
