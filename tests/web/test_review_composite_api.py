"""``GET /api/v1/campaigns/{cid}/composite`` (contract: *Assessment*) on both databases: the contract's
shape and hand-computed figures (tests/review_world.py), ranks, veto, the weighted mode's rounding,
access (the office, from the briefing on), and the ``briefing → review`` guard's reasons."""

from __future__ import annotations

from decimal import Decimal

import pytest

from evalflow.assessment.models import ScoreSheet
from evalflow.extensions import db
from evalflow.shared import clock
from evalflow.shared.phases import Phase
from tests import factories, review_world
from tests.review_world import EXPECTED, build


@pytest.fixture
def world(app):
    return build()


def url(world) -> str:
    return f"/api/v1/campaigns/{world.cid}/composite"


def test_composite_contract_shape_and_hand_computed_values(client, world):
    response = client.get(url(world), headers=world.headers("office"))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["mode"] == "points"
    names = {u.id: u.name for u in world.units}
    assert [names[u["unit_id"]] for u in body["units"]] == ["甲", "乙", "丙"]
    for unit in body["units"]:
        want = EXPECTED[names[unit["unit_id"]]]
        got = {k: unit[k] for k in ("sources", "bonus", "deductions", "total", "rank")}
        assert got == want
        assert unit["complete"] is True, unit["missing"]
        assert unit["vetoed"] is False and unit["qualifies"] is True
        assert unit["name"] == names[unit["unit_id"]]
        assert "trace" not in unit or unit["trace"] is None
    assert "总分" in body["formula"] or body["formula"]


def test_trace_reaches_each_reviewers_sheet(client, world):
    body = client.get(url(world) + "?trace=true", headers=world.headers("office")).get_json()
    first = body["units"][0]["trace"]
    assert first["total"] == {"value": 23.0, "exact": "23"}
    materials = next(s for s in first["sources"] if s["method"] == "materials")
    leaf = materials["leaves"][0]
    assert leaf["code"] == "A1" and leaf["value"] == 5.5 and leaf["basis"] == "mean"
    assert [(m["scorer"], m["points"]) for m in leaf["marks"]] == [("li", 6), ("zhang", 5)]
    sheet_ids = {m["sheet"] for m in leaf["marks"]}
    stored = db.session.scalars(db.select(ScoreSheet.id).where(ScoreSheet.unit_id == world.units[0].id))
    assert sheet_ids <= set(stored)
    briefing = next(s for s in first["sources"] if s["method"] == "briefing")
    assert briefing["leaves"][0]["factor"] == {"value": 100.0, "exact": "100"}
    assert first["bonus"]["before_cap"]["value"] == 5.0 and first["bonus"]["value"] == 4.0


def test_veto_leaves_the_ranking_and_the_rest_close_up(client, world):
    factories.veto(world.units[1], clock.today())
    db.session.commit()
    body = client.get(url(world), headers=world.headers("office")).get_json()
    ranks = {u["unit_id"]: (u["rank"], u["vetoed"], u["qualifies"]) for u in body["units"]}
    a, b, c = (u.id for u in world.units)
    assert ranks == {a: (1, False, True), b: (None, True, False), c: (2, False, True)}
    assert body["units"][-1]["unit_id"] == b


def test_weighted_mode_rounds_half_up(app, client):
    world = build(
        settings={"mode": "weighted", "weights": {"materials": 50, "inspection": 30, "briefing": 20}}
    )
    body = client.get(url(world), headers=world.headers("office")).get_json()
    first = body["units"][0]
    # 甲: 5.5/6×50 = 45.8333…, 3.5/4×30 = 26.25, 10/10×20 = 20; bonus 4 → 96.0833…
    assert first["sources"] == {"materials": 45.83, "inspection": 26.25, "briefing": 20.0}
    assert first["total"] == 96.08
    # 丙: 5/6×50 = 41.666…→41.67, 4/4×30 = 30, 7/10×20 = 14; +1 −2 → 84.67
    by_id = {u["unit_id"]: u for u in body["units"]}
    third = by_id[world.units[2].id]
    assert third["sources"]["materials"] == 41.67 and third["total"] == 84.67 and third["rank"] == 2
    # 乙: 4.5/6×50 = 37.5, 3/4×30 = 22.5, 8/10×20 = 16; +1.5 → 77.5, now third
    assert by_id[world.units[1].id]["total"] == 77.5 and by_id[world.units[1].id]["rank"] == 3


@pytest.mark.parametrize("who", ["zhang", "lin", "unit"])
def test_only_the_office_sees_the_composite(client, world, who):
    assert client.get(url(world), headers=world.headers(who)).status_code in (403, 404)


def test_before_the_briefing_the_composite_is_refused(client, world):
    world.campaign.phase = Phase.TRAINING
    db.session.commit()
    assert client.get(url(world), headers=world.headers("office")).status_code == 409


def test_without_a_tree_404(app, client):
    world = build(score=False)
    db.session.execute(db.text("DELETE FROM indicator"))
    db.session.execute(db.text("DELETE FROM assessment_settings"))
    db.session.commit()
    response = client.get(url(world), headers=world.headers("office"))
    assert response.status_code == 404


def _move(client, world):
    return client.post(
        f"/api/v1/campaigns/{world.cid}/transitions", json={"to": "review"}, headers=world.headers("office")
    )


def test_guard_lists_each_incomplete_source_in_plain_words(app, client):
    world = build(score=False)
    a, b, c = world.units
    users = world.users
    for unit, index in ((a, 0), (b, 1)):
        for who, marks in zip(("zhang", "li"), review_world.MATERIALS[index], strict=True):
            factories.submitted_sheet(unit, users[who], marks)
    factories.submitted_sheet(c, users["zhang"], {"A1": 5})
    factories.signed_visit(a, {users["lin"]: {"A2": 4}})
    factories.signed_visit(b, {users["lin"]: {"A2": 3}}, signed=False)
    db.session.commit()
    response = _move(client, world)
    assert response.status_code == 409
    assert response.get_json()["error"]["reasons"] == [
        "实地考察:以下单位还没有已签字的考察:乙、丙。",
        "材料审核:以下单位还有评审未提交评分表(份数):丙(1)。",
        "实地考察:以下单位还有考察未经组长签字(次数):乙(1)。",
    ]


def test_guard_passes_once_the_office_closes_the_source_with_a_reason(app, client):
    world = build(score=False)
    for index, unit in enumerate(world.units):
        for who, marks in zip(("zhang", "li"), review_world.MATERIALS[index], strict=True):
            factories.submitted_sheet(unit, world.users[who], marks)
    db.session.commit()
    blocked = _move(client, world)
    assert blocked.status_code == 409
    assert blocked.get_json()["error"]["reasons"] == ["实地考察:以下单位还没有已签字的考察:甲、乙、丙。"]
    closed = client.post(
        f"/api/v1/campaigns/{world.cid}/closures",
        json={"method": "inspection", "reason": "考察组因故未能成行"},
        headers=world.headers("office"),
    )
    assert closed.status_code in (200, 201), closed.get_json()
    moved = _move(client, world)
    assert moved.status_code == 200, moved.get_json()


def test_guard_complete_campaign_moves(client, world):
    assert _move(client, world).status_code == 200


def test_counted_marks_are_the_submitted_and_signed_sheets_marks(app, client):
    from evalflow.assessment.rules import Method
    from evalflow.assessment.sheets import submitted_marks
    from evalflow.inspection.results import signed_marks
    from evalflow.review.sources import counted_marks

    world = build()
    factories.signed_visit(world.units[0], {world.users["lin"]: {"A2": 1}}, signed=False)  # never counted
    db.session.commit()
    counted = counted_marks(world.cid)
    assert counted[Method.MATERIALS] == submitted_marks(world.cid, Method.MATERIALS)
    assert counted[Method.INSPECTION] == signed_marks(world.cid)
    assert counted[Method.OPINIONS] == submitted_marks(world.cid, Method.OPINIONS)


def test_counted_stats_are_the_counted_marks_aggregated_exactly(app, client):
    """The database's aggregates (count, sum, low, high in millionths) are the counted marks' — also
    for marks with six decimals, which neither engine may round (SQLite keeps them as floats)."""
    import sqlalchemy as sa

    from evalflow.assessment.marks import stats_of
    from evalflow.assessment.models import SheetScore
    from evalflow.review.sources import counted_marks, counted_stats

    world = build()
    factories.signed_visit(world.units[0], {world.users["lin"]: {"A2": 1}}, signed=False)  # never counted
    rows = db.session.scalars(
        sa.select(SheetScore).where(SheetScore.points > 0).order_by(SheetScore.id)
    ).all()
    assert len(rows) >= 3
    for row, step in zip(rows, ("0.000001", "0.333333", "0.1"), strict=False):
        row.points = row.points - Decimal(step)  # 4.999999, …: six decimals, still within the leaf
    db.session.commit()
    expected: dict[int, dict[str, object]] = {}
    for by_unit in counted_marks(world.cid).values():
        for unit_id, by_code in by_unit.items():
            expected.setdefault(unit_id, {}).update({c: stats_of(m) for c, m in by_code.items()})
    found = counted_stats(world.cid)
    assert found == expected
    assert any(s.total % 1_000_000 for by in found.values() for s in by.values())  # fractions of a point
