"""The tally API (contract: *Tally*) on both databases: shape, figures, ties and shared ranks, access,
settings, the proposed list, the checks and the exports."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from evalflow.shared.campaigns.rules import SeatRole
from evalflow.shared.phases import Phase
from evalflow.tally.seal_rules import verify_export
from tests.tally_world import build, set_phase

NAMES = ["甲社区", "乙社区", "丙社区", "丁社区"]


def ladder(giver, role, unit):
    """甲 all 好; 乙 好 from reporters else 较好; 丙 all 较好; 丁 一般 (none from 甲's public seat)."""
    if unit == 0:
        return "好"
    if unit == 1:
        return "好" if role is SeatRole.REPORTER else "较好"
    if unit == 2:
        return "较好"
    return None if (giver, role) == (0, SeatRole.PUBLIC) else "一般"


@pytest.fixture
def world(app):
    return build(NAMES, ladder, tokens=True, paper=lambda giver, role, unit: role is SeatRole.CADRE)


def test_get_tally_contract_shape_and_figures(client, world):
    response = client.get(
        f"/api/v1/campaigns/{world.campaign.id}/tally?by_role=true", headers=world.headers("office")
    )
    assert response.status_code == 200
    data = response.get_json()
    assert data["method"] == "trimmed_mean"
    assert data["sealed"] is None
    units = data["units"]
    assert [(u["name"], u["rank"]) for u in units] == [
        ("甲社区", 1),
        ("乙社区", 2),
        ("丙社区", 3),
        ("丁社区", 4),
    ]
    second = units[1]
    assert {
        k: second[k] for k in ("unit_id", "counts", "ballots", "expected", "mean", "trimmed_mean", "score")
    } == {
        "unit_id": world.units[1].id,
        "counts": {"好": 3, "较好": 6, "一般": 0},
        "ballots": 9,
        "expected": 9,
        "mean": 86.67,
        "trimmed_mean": 85.71,
        "score": 85.71,
    }
    assert second["score_exact"] == "600/7"
    assert second["by_role"]["reporter"] == {
        "counts": {"好": 3, "较好": 0, "一般": 0},
        "ballots": 3,
        "mean": 100.0,
    }
    assert second["by_source"]["paper"]["ballots"] == 3
    assert (units[3]["ballots"], units[3]["expected"]) == (8, 9)
    plain = client.get(
        f"/api/v1/campaigns/{world.campaign.id}/tally", headers=world.headers("office")
    ).get_json()
    assert plain["units"][1]["by_role"] == {} and plain["units"][1]["counts"] == second["counts"]


def test_get_tally_ties_share_ranks_one_two_two_four(client, app):
    def grade_of(giver, role, unit):
        # 乙 and 丙: identical ballots → same score, same 好 and 较好 counts → shared rank 2
        return {0: "好", 1: "较好", 2: "较好", 3: "一般"}[unit]

    world = build(NAMES, grade_of, tokens=True)
    data = client.get(
        f"/api/v1/campaigns/{world.campaign.id}/tally", headers=world.headers("office")
    ).get_json()
    assert [(u["name"], u["score"], u["rank"]) for u in data["units"]] == [
        ("甲社区", 100.0, 1),
        ("乙社区", 80.0, 2),
        ("丙社区", 80.0, 2),
        ("丁社区", 60.0, 4),
    ]


def test_get_tally_equal_score_broken_by_more_hao(client, app):
    def grade_of(giver, role, unit):
        if unit == 0:  # 4 ballots only: 好 一般 好 一般 → mean 80, two 好
            return None if giver == 3 or role is SeatRole.PUBLIC else ["好", "一般"][giver % 2]
        return "较好"  # 乙 丙 丁: 9 × 较好 → 80, no 好

    world = build(NAMES, grade_of, tokens=True)
    data = client.get(
        f"/api/v1/campaigns/{world.campaign.id}/tally", headers=world.headers("office")
    ).get_json()
    first = data["units"][0]
    assert (first["name"], first["ballots"], first["trimmed_mean"], first["rank"]) == ("甲社区", 4, 80.0, 1)
    assert [u["rank"] for u in data["units"]] == [1, 2, 2, 2]


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [("unit", 403, "forbidden"), ("seat", 403, "forbidden"), ("public", 401, "unauthenticated")],
)
def test_tally_endpoints_refused_to_units_seats_public(client, world, who, status, code):
    cid = world.campaign.id
    for path in ("tally", "tally/checks", "proposed-list", "ballots/export", "tally.pdf", "tally.csv"):
        response = client.get(f"/api/v1/campaigns/{cid}/{path}", headers=world.headers(who))
        assert (response.status_code, response.get_json()["error"]["code"]) == (status, code), path


def test_get_tally_before_briefing_is_wrong_phase(client, world):
    set_phase(world.campaign, Phase.TRAINING)
    response = client.get(f"/api/v1/campaigns/{world.campaign.id}/tally", headers=world.headers("office"))
    assert (response.status_code, response.get_json()["error"]["code"]) == (409, "wrong_phase")


def test_put_settings_in_draft_then_method_applies_and_409_later(client, world):
    cid, headers = world.campaign.id, world.headers("office")
    set_phase(world.campaign, Phase.DRAFT)
    response = client.put(
        f"/api/v1/campaigns/{cid}/tally/settings",
        json={"method": "median", "downgrade_margin": 12.5},
        headers=headers,
    )
    assert response.status_code == 200
    assert response.get_json() == {"method": "median", "flat_min_ballots": 5, "reciprocity_margin": 15.0,
                                   "downgrade_margin": 12.5, "leading_units": 5}  # fmt: skip
    bad = client.put(
        f"/api/v1/campaigns/{cid}/tally/settings", json={"method": "max", "leading_units": 0}, headers=headers
    )
    assert bad.status_code == 400 and set(bad.get_json()["error"]["fields"]) == {"method", "leading_units"}
    set_phase(world.campaign, Phase.BRIEFING)
    data = client.get(f"/api/v1/campaigns/{cid}/tally", headers=headers).get_json()
    assert data["method"] == "median" and data["units"][1]["score"] == 80.0
    late = client.put(f"/api/v1/campaigns/{cid}/tally/settings", json={"method": "mean"}, headers=headers)
    assert (late.status_code, late.get_json()["error"]["code"]) == (409, "wrong_phase")


def test_proposed_list_put_and_get_with_reasons(client, world):
    cid, headers, u = world.campaign.id, world.headers("office"), world.units
    set_phase(world.campaign, Phase.REVIEW)
    early = client.get(f"/api/v1/campaigns/{cid}/proposed-list", headers=headers).get_json()
    assert early["unit_ids"] == [] and early["rule"] is None
    body = {"rule": "top_k", "k": 2, "unit_ids": [u[0].id, u[2].id]}
    refused = client.put(f"/api/v1/campaigns/{cid}/proposed-list", json=body, headers=headers)
    assert refused.status_code == 400
    assert len(refused.get_json()["error"]["fields"]["reasons"]) == 2
    body["reasons"] = {str(u[2].id): "群众测评第一", str(u[1].id): "整改未完成"}
    response = client.put(f"/api/v1/campaigns/{cid}/proposed-list", json=body, headers=headers)
    assert response.status_code == 200
    data = response.get_json()
    assert data["unit_ids"] == [u[0].id, u[2].id]
    assert [(e["name"], e["included"], e["deviation"], e["reason"]) for e in data["entries"]] == [
        ("甲社区", True, False, ""),
        ("乙社区", False, True, "整改未完成"),
        ("丙社区", True, True, "群众测评第一"),
    ]
    assert client.get(f"/api/v1/campaigns/{cid}/proposed-list", headers=headers).get_json() == data


def test_proposed_list_outside_review_is_409_and_bad_rule_400(client, world):
    cid, headers = world.campaign.id, world.headers("office")
    response = client.put(
        f"/api/v1/campaigns/{cid}/proposed-list", json={"rule": "top_k", "k": 1}, headers=headers
    )
    assert (response.status_code, response.get_json()["error"]["code"]) == (409, "wrong_phase")
    bad = client.put(f"/api/v1/campaigns/{cid}/proposed-list", json={"rule": "lottery"}, headers=headers)
    assert bad.status_code == 400 and "rule" in bad.get_json()["error"]["fields"]


def test_checks_name_missing_seats_and_exports_verify(client, world):
    cid, headers = world.campaign.id, world.headers("office")
    checks = client.get(f"/api/v1/campaigns/{cid}/tally/checks", headers=headers).get_json()
    assert checks["ballots"] == 35
    assert [(m["seat_unit_id"], m["role"], m["unit_ids"]) for m in checks["missing"]] == [
        (world.units[0].id, "public", [world.units[3].id])
    ]
    export = client.get(f"/api/v1/campaigns/{cid}/ballots/export", headers=headers)
    assert export.mimetype == "text/csv"
    result = verify_export(export.get_data(as_text=True))
    assert result.ok and result.digest == checks["digest"]
    pdf = client.get(f"/api/v1/campaigns/{cid}/tally.pdf", headers=headers)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "综合评定结果" in text and checks["digest"] in text and "乙社区" in text


def test_exports_never_turn_a_unit_name_into_a_formula(client, app):
    world = build(
        ['=HYPERLINK("http://x")', "@SUM(1)", "乙社区"], lambda giver, role, unit: "好", tokens=True
    )
    cid, headers = world.campaign.id, world.headers("office")
    text = client.get(f"/api/v1/campaigns/{cid}/tally.csv", headers=headers).get_data(as_text=True)
    assert ',"\'=HYPERLINK(""http://x"")",' in text and ",'@SUM(1)," in text
    book = load_workbook(io.BytesIO(client.get(f"/api/v1/campaigns/{cid}/tally.xlsx", headers=headers).data))
    names = [row[2] for row in book.worksheets[0].iter_rows(values_only=True) if isinstance(row[0], int)]
    assert sorted(names) == ['=HYPERLINK("http://x")', "@SUM(1)", "乙社区"]  # strings, no visible apostrophe
