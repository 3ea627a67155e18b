"""Paper fallback: the blank 评定表 per seat, and double entry by two clerks."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from evalflow.briefing.models import Ballot
from evalflow.extensions import db
from tests.briefing_world import BriefingWorld, build


@pytest.fixture
def world(client) -> BriefingWorld:
    return build(client)


def _sheet(w: BriefingWorld, unit: int, role: str = "reporter") -> str:
    return f"{w.cid}-{w.seat_ids[(unit, role)]}"


def _key(client, w: BriefingWorld, clerk: int, sheet: str, grades: dict[int, str]):
    return client.post(
        f"/api/v1/campaigns/{w.cid}/paper-entries",
        json={"clerk": clerk, "sheet": sheet, "grades": {str(k): v for k, v in grades.items()}},
        headers=w.office_headers(),
    )


def _paper(w: BriefingWorld) -> list[tuple[int, int, str, str]]:
    rows = db.session.execute(sa.select(Ballot.seat_id, Ballot.unit_id, Ballot.grade, Ballot.source)).all()
    return sorted((s, u, g, src.value) for s, u, g, src in rows)


def test_paper_sheet_pdf_lists_other_units_in_order_with_the_sheet_id(client, world):
    client.put(
        f"/api/v1/campaigns/{world.cid}/presentations/order",
        json={"unit_ids": [world.uid(2), world.uid(1), world.uid(0)]},
        headers=world.office_headers(),
    )
    seat = world.seat_ids[(0, "cadre")]
    response = client.get(
        f"/api/v1/campaigns/{world.cid}/scoring-sheets",
        query_string={"seat": seat},
        headers=world.office_headers(),
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert f"{world.cid}-{seat}" in text and "甲cadre" in text and "评定条件" in text
    assert text.index("丙社区") < text.index("乙社区")
    assert "1\n丙社区" in text and "2\n乙社区" in text and "甲社区\n" not in text.split("汇报单位")[-1]


def test_paper_matching_entries_are_recorded_as_paper_ballots(client, world):
    grades = {world.uid(1): "好", world.uid(2): "一般"}
    first = _key(client, world, 1, _sheet(world, 0), grades)
    assert first.status_code == 200 and first.get_json()["recorded"] == []
    second = _key(client, world, 2, _sheet(world, 0), grades).get_json()
    seat = world.seat_ids[(0, "reporter")]
    assert [(r["unit_id"], r["grade"]) for r in second["recorded"]] == [
        (world.uid(1), "好"),
        (world.uid(2), "一般"),
    ]
    assert _paper(world) == [(seat, world.uid(1), "好", "paper"), (seat, world.uid(2), "一般", "paper")]


def test_paper_mismatch_is_listed_until_corrected(client, world):
    seat = world.seat_ids[(0, "reporter")]
    _key(client, world, 1, _sheet(world, 0), {world.uid(1): "好", world.uid(2): "好"})
    second = _key(client, world, 2, _sheet(world, 0), {world.uid(1): "较好", world.uid(2): "好"}).get_json()
    assert second["mismatches"] == [
        {"seat_id": seat, "unit_id": world.uid(1), "first": "好", "second": "较好"}
    ]
    assert _paper(world) == [(seat, world.uid(2), "好", "paper")]
    _key(client, world, 2, _sheet(world, 0), {world.uid(1): "好"})
    report = client.get(f"/api/v1/campaigns/{world.cid}/paper-entries/report", headers=world.office_headers())
    assert report.get_json()["mismatches"] == []
    assert _paper(world) == [(seat, world.uid(1), "好", "paper"), (seat, world.uid(2), "好", "paper")]


def test_paper_never_replaces_an_online_ballot(client, world):
    client.post(
        f"/api/v1/campaigns/{world.cid}/presentations/{world.uid(1)}/open", headers=world.office_headers()
    )
    client.put(
        f"/api/v1/campaigns/{world.cid}/ballots/{world.uid(1)}",
        json={"grade": "较好"},
        headers=world.seat_headers(0),
    )
    seat = world.seat_ids[(0, "reporter")]
    for clerk in (1, 2):
        body = _key(client, world, clerk, _sheet(world, 0), {world.uid(1): "一般"}).get_json()
    assert body["conflicts"] == [
        {"seat_id": seat, "unit_id": world.uid(1), "paper": "一般", "online": "较好"}
    ]
    assert _paper(world) == [(seat, world.uid(1), "较好", "online")]


@pytest.mark.parametrize(
    ("sheet", "grades", "status"),
    [
        ("9999-1", {}, 404),
        (None, {}, 400),
        ("x-y", {}, 404),
        ("own", {"own": "好"}, 400),
        ("ok", {"other": "优秀"}, 400),
    ],
)
def test_paper_bad_entries_are_refused(client, world, sheet, grades, status):
    sheet_id = _sheet(world, 0) if sheet in ("own", "ok") else sheet
    mapping = {str(world.uid(0) if k == "own" else world.uid(1)): v for k, v in grades.items()}
    response = client.post(
        f"/api/v1/campaigns/{world.cid}/paper-entries",
        json={"clerk": 1, "sheet": sheet_id, "grades": mapping},
        headers=world.office_headers(),
    )
    assert response.status_code == status
    assert _paper(world) == []
