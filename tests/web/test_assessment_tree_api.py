"""The indicator tree's API (contract: *Assessment*): PUT/GET as JSON and as XLSX, copying an earlier
campaign's tree, starting from a default, the freeze once a source has a score, and hostile input."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from evalflow.assessment.defaults import default_data
from evalflow.assessment.models import Indicator
from evalflow.assessment.parse import parse_tree
from evalflow.assessment.tree_json import tree_to_json
from evalflow.assessment.tree_rows import load_tree
from evalflow.extensions import db
from evalflow.shared.audit.models import AuditEntry
from evalflow.shared.phases import Phase
from tests import assessment_world, factories
from tests.assessment_trees import small_data

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def world(app):
    return assessment_world.build(Phase.DRAFT, with_tree=False)


def url(world, tail: str = "") -> str:
    return f"/api/v1/campaigns/{world.cid}/indicators{tail}"


def put(client, world, body, who: str = "office"):
    return client.put(url(world), json=body, headers=world.headers(who))


def workbook(client, world) -> bytes:
    response = client.get(url(world, ".xlsx"), headers=world.headers("office"))
    assert response.status_code == 200
    assert response.mimetype == XLSX
    return response.data


def upload(client, world, content: bytes, name: str = "测评体系.xlsx"):
    body, content_type = assessment_world.multipart(content, name)
    return client.put(
        url(world, ".xlsx"), data=body, headers=world.headers("office"), content_type=content_type
    )


def test_indicators_put_stores_the_tree_and_answers_its_totals(client, world):
    body = small_data(threshold=20, tie_break=["materials", "bonus"])
    body["items"][0]["children"][0]["criteria"] = "制度健全,台账完整。"
    response = put(client, world, body)
    assert response.status_code == 200, response.get_json()
    got = response.get_json()
    assert (got["total"], got["bonus_total"], got["deduction_total"]) == (30, 6, 2)
    assert got["totals"]["methods"] == {"materials": 6, "inspection": 4, "survey": 10, "briefing": 10}
    assert got["totals"]["items"]["A"] == 10
    assert got["items"][0]["children"][0] == {
        "code": "A1", "title": "制度", "criteria": "制度健全,台账完整。", "points": 6, "bonus": False,
        "deduction": False, "method": "materials", "evidence": False,
    }  # fmt: skip
    assert (got["threshold"], got["bonus_cap"], got["tie_break"]) == (20, 4, ["materials", "bonus"])
    assert client.get(url(world), headers=world.headers("office")).get_json() == got
    assert put(client, world, got).get_json() == got  # the answer sent back is the same tree
    assert load_tree(world.cid) == parse_tree(body)
    rows = db.session.scalars(sa.select(Indicator.code).order_by(Indicator.position)).all()
    assert rows == ["A", "A1", "A2", "B", "C", "T", "T1", "T2", "F"]


def test_indicators_put_reports_every_problem_keyed_by_code(client, world):
    body = small_data(weights={"materials": 100})
    body["items"][0]["children"][0]["points"] = 0
    body["items"][0]["children"][1]["method"] = "telepathy"
    body["items"][1]["code"] = "A1"
    response = put(client, world, body)
    assert response.status_code == 400
    fields = response.get_json()["error"]["fields"]
    assert sorted(fields) == ["A1", "A2", "weights"]
    assert any("分值须为大于 0" in reason for reason in fields["A1"])
    assert any("重复" in reason for reason in fields["A1"])
    assert load_tree(world.cid) is None  # nothing half-saved


def test_indicators_get_without_a_tree_is_404(client, world):
    response = client.get(url(world), headers=world.headers("office"))
    assert response.status_code == 404
    assert "还没有测评体系" in response.get_json()["error"]["message"]


@pytest.mark.parametrize(("who", "status"), [("unit", 403), ("zhang", 404)])
def test_indicators_only_the_office_may_set_them(client, world, who, status):
    response = put(client, world, small_data(), who=who)
    assert response.status_code == status
    assert load_tree(world.cid) is None


def test_indicators_after_the_briefing_are_wrong_phase(client, world):
    assessment_world.set_phase(world, Phase.REVIEW)
    response = put(client, world, small_data())
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "wrong_phase"


def _mark(world) -> None:
    factories.sheet_marks(world.a, world.users["zhang"], {"A1": 5})
    db.session.commit()


def test_indicators_are_frozen_once_a_sheet_has_a_mark(client, world):
    assessment_world.set_phase(world, Phase.TRAINING)
    assert put(client, world, small_data()).status_code == 200
    _mark(world)
    response = put(client, world, small_data(threshold=10))
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "frozen"
    assert error["reasons"] == ["已有评分表打分或填写意见。"]
    assert load_tree(world.cid).settings.threshold is None


def test_indicators_are_frozen_by_ballots_only_with_briefing_leaves(client, world):
    assessment_world.set_phase(world, Phase.BRIEFING)
    seat, _ = factories.seat(world.b)
    factories.ballots([{"seat_id": seat.id, "unit_id": world.a.id, "grade": "好"}])
    db.session.commit()
    no_briefing = default_data("社区")
    no_briefing["items"] = [i for i in small_data()["items"] if i["code"] in ("A", "C")]
    no_briefing.pop("tie_break")
    no_briefing["threshold"] = 10
    assert put(client, world, no_briefing).status_code == 200
    response = put(client, world, small_data())  # adds 集中汇报互评 leaf B after ballots were cast
    assert response.status_code == 409
    assert response.get_json()["error"]["reasons"] == ["集中汇报互评已有投票,而测评体系含集中汇报互评条目。"]


def test_indicators_save_is_audited_with_its_source(client, world):
    put(client, world, small_data())
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "indicators.save")).one()
    assert entry.campaign_id == world.cid
    assert entry.data == {"source": "api", "items": 9, "total": "30", "bonus_total": "6", "mode": "points"}


def test_indicators_xlsx_round_trip_and_template(client, world):
    empty = load_workbook(io.BytesIO(workbook(client, world)))
    assert empty.sheetnames == ["测评体系", "计分设置", "填写说明"]
    put(client, world, small_data(threshold=25))
    exported = workbook(client, world)
    db.session.execute(sa.delete(Indicator))
    db.session.commit()
    response = upload(client, world, exported)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == tree_to_json(parse_tree(small_data(threshold=25)))
    template = client.get("/api/v1/indicators/template.xlsx", headers=world.headers("office"))
    assert template.status_code == 200
    assert load_workbook(io.BytesIO(template.data))["测评体系"]["A1"].value == "编码"
    assert client.get("/api/v1/indicators/template.xlsx", headers=world.headers("unit")).status_code == 403


def test_indicators_xlsx_errors_name_sheet_row_and_column(client, world):
    put(client, world, small_data())
    book = load_workbook(io.BytesIO(workbook(client, world)))
    book["测评体系"]["D3"] = -1
    out = io.BytesIO()
    book.save(out)
    response = upload(client, world, out.getvalue())
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert list(error["fields"]) == ["测评体系!D3"]
    assert error["reasons"][0].startswith("工作表“测评体系”第 3 行 D 列:")


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        (b"plain text, not a workbook", 415, "unsupported_type"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, 415, "unsupported_type"),
        (b"PK\x03\x04" + b"\0" * 100, 400, "invalid_input"),
        (b"PK\x03\x04" + b"x" * (2 * 1024 * 1024 + 10), 413, "too_large"),
    ],
)
def test_indicators_xlsx_hostile_files_are_refused(client, world, content, status, code):
    response = upload(client, world, content)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert load_tree(world.cid) is None


def test_indicators_xlsx_without_a_file_is_400(client, world):
    response = client.put(url(world, ".xlsx"), data={}, headers=world.headers("office"))
    assert response.status_code == 400
    assert list(response.get_json()["error"]["fields"]) == ["file"]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"items": [{"code": "A", "title": "x", "points": NaN, "method": "materials"}]}', "A"),
        ('{"items": [{"code": "A", "title": "x", "points": 1e308, "method": "materials"}]}', "A"),
        (
            '{"items": [{"code": "A", "title": "x", "points": 99999999999999999999999, "method": "materials"}]}',
            "A",
        ),
        ('{"items": [{"code": "A\\u0000", "title": "x", "points": 1, "method": "materials"}]}', "items[0]"),
        ('{"items": [{"code": "A", "title": "\\u0000", "points": 1, "method": "materials"}]}', "A"),
        ('{"items": "all of them"}', "items"),
        ('{"mode": ["points"], "items": []}', "items"),
    ],
)
def test_indicators_hostile_json_is_a_clear_400(client, world, raw, field):
    response = client.put(
        url(world), data=raw, content_type="application/json", headers=world.headers("office")
    )
    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]


def test_indicators_lone_surrogate_and_huge_body_are_refused(client, world):
    raw = '{"items": [{"code": "\\ud800", "title": "x"}]}'
    response = client.put(
        url(world), data=raw, content_type="application/json", headers=world.headers("office")
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == "请求体不是有效的 JSON。"
    huge = json.dumps({"items": [{"code": "A", "title": "x" * (3 * 1024 * 1024)}]})
    response = client.put(
        url(world), data=huge, content_type="application/json", headers=world.headers("office")
    )
    assert response.status_code == 413
    far = client.get(f"/api/v1/campaigns/{2**63}/indicators", headers=world.headers("office"))
    assert far.status_code == 404


def test_indicators_copy_from_an_earlier_campaign_and_from_a_default(client, world):
    put(client, world, small_data(threshold=25))
    later = factories.campaign("下一年度", phase=Phase.DRAFT)
    db.session.commit()
    headers = world.headers("office")
    copied = client.post(
        f"/api/v1/campaigns/{later.id}/indicators/copy", json={"campaign_id": world.cid}, headers=headers
    )
    assert copied.status_code == 200
    assert copied.get_json() == tree_to_json(parse_tree(small_data(threshold=25)))
    missing = client.post(
        f"/api/v1/campaigns/{world.cid}/indicators/copy", json={"campaign_id": later.id + 1}, headers=headers
    )
    assert missing.status_code == 404
    started = client.post(url(world, "/default"), json={"category": "企业"}, headers=headers)
    assert started.status_code == 200
    assert started.get_json()["total"] == 100
    assert started.get_json() == tree_to_json(parse_tree(default_data("企业")))
    unknown = client.post(url(world, "/default"), json={"category": "学校"}, headers=headers)
    assert unknown.status_code == 400
    assert list(unknown.get_json()["error"]["fields"]) == ["category"]
    sources = db.session.scalars(
        sa.select(AuditEntry.data).where(AuditEntry.action == "indicators.save")
    ).all()
    assert [s["source"] for s in sources] == ["api", f"campaign:{world.cid}", "default:企业"]
