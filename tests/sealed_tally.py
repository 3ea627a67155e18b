"""A tally sealed the way the application seals it (briefing → review through the phase service), and
ballots changed behind the application's back (plain SQL, as someone with database access would), for
the tests of the seal check (docs/tally.md, "The seal is checked")."""

from __future__ import annotations

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.shared.campaigns import transitions as phases
from evalflow.shared.phases import Phase
from evalflow.tally.models import TallySeal
from tests.factories import office_actor
from tests.tally_world import GradeOf, TallyWorld, build, present_all


def sealed_world(names: list[str], grade_of: GradeOf) -> TallyWorld:
    """A campaign built by :func:`tests.tally_world.build` (with tokens), every presentation closed,
    moved to review — which seals the ballot set — and committed."""
    world = build(names, grade_of, tokens=True)
    present_all(world)
    phases.advance_phase(office_actor(), world.campaign, Phase.REVIEW)
    db.session.commit()
    return world


def seal_of(world: TallyWorld) -> TallySeal:
    return db.session.scalar(sa.select(TallySeal).where(TallySeal.campaign_id == world.campaign.id))


def _ballot(world: TallyWorld, grade: str) -> int:
    """The id of the first ballot of the campaign whose grade is not *grade*."""
    stmt = sa.text(
        "SELECT ballot.id FROM ballot JOIN unit ON unit.id = ballot.unit_id"
        " WHERE unit.campaign_id = :cid AND ballot.grade <> :grade ORDER BY ballot.id LIMIT 1"
    )
    return db.session.execute(stmt, {"cid": world.campaign.id, "grade": grade}).scalar_one()


def tamper_grade(world: TallyWorld, grade: str = "好") -> tuple[int, str]:
    """``UPDATE ballot SET grade = …`` on one ballot graded otherwise; returns its id and old grade."""
    ballot_id = _ballot(world, grade)
    old = db.session.execute(
        sa.text("SELECT grade FROM ballot WHERE id = :id"), {"id": ballot_id}
    ).scalar_one()
    db.session.execute(
        sa.text("UPDATE ballot SET grade = :grade WHERE id = :id"), {"grade": grade, "id": ballot_id}
    )
    db.session.commit()
    db.session.expire_all()
    return ballot_id, old


def restore_grade(ballot_id: int, grade: str) -> None:
    db.session.execute(
        sa.text("UPDATE ballot SET grade = :grade WHERE id = :id"), {"grade": grade, "id": ballot_id}
    )
    db.session.commit()
    db.session.expire_all()


def delete_ballot(world: TallyWorld) -> None:
    """``DELETE FROM ballot`` of one ballot of the campaign."""
    ballot_id = _ballot(world, "")
    db.session.execute(sa.text("DELETE FROM ballot WHERE id = :id"), {"id": ballot_id})
    db.session.commit()
    db.session.expire_all()
