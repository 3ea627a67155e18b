"""材料审核 sheets over the API (contract: *Assessment*): a reviewer marks an assigned unit's materials
leaves, saved as it goes; submitting locks; nobody else writes or reads it; bad marks are a 400."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from evalflow.assessment.sheets import submitted_marks
from evalflow.extensions import db
from evalflow.shared.audit.models import AuditEntry
from evalflow.shared.phases import Phase
from tests import assessment_world
from tests.assessment_trees import small_data


@pytest.fixture
def world(app):
    return assessment_world.build(Phase.TRAINING)


def put(client, world, body, who="zhang", unit=None):
    return client.put(world.sheet_url(unit), json=body, headers=world.headers(who))


def test_sheet_saves_as_it_goes_and_answers_the_whole_sheet(client, world):
    first = put(client, world, {"scores": {"A1": 5}})
    assert first.status_code == 200
    assert first.get_json() == {
        "scores": {"A1": 5}, "submitted": False, "submitted_at": None, "comments": {}, "grades": {}, "found": {},
    }  # fmt: skip
    second = put(client, world, {"scores": {"T1": 2.5}, "comments": {"A1": "台账齐全"}})
    assert second.get_json()["scores"] == {"A1": 5, "T1": 2.5}
    assert second.get_json()["comments"] == {"A1": "台账齐全"}
    cleared = put(client, world, {"scores": {"T1": None}})
    assert cleared.get_json()["scores"] == {"A1": 5}
    mine = client.get(world.sheet_url(), headers=world.headers("zhang"))
    assert mine.get_json() == cleared.get_json()


def test_sheet_submit_locks_it_and_feeds_the_marks(client, world):
    done = put(client, world, {"scores": {"A1": 5.5, "T1": 3}, "submit": True})
    assert done.status_code == 200
    body = done.get_json()
    assert body["submitted"] is True and body["submitted_at"].endswith("+00:00")
    again = put(client, world, {"scores": {"A1": 1}})
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "submitted"
    marks = submitted_marks(world.cid)
    assert {
        code: [(m.scorer, str(m.points)) for m in found] for code, found in marks[world.a.id].items()
    } == {
        "A1": [("zhang", "5.5")],
        "T1": [("zhang", "3")],
    }


def test_sheet_submit_needs_every_base_leaf(client, world):
    response = put(client, world, {"scores": {"T1": 3}, "submit": True})
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {"submit": ["还有条目未评分,不能提交:A1。"]}
    assert client.get(world.sheet_url(), headers=world.headers("zhang")).get_json()["submitted"] is False


@pytest.mark.parametrize(
    ("scores", "field", "reason"),
    [
        ({"A1": -1}, "scores.A1", "得分须为 0 到 6 之间的数"),
        ({"A1": 6.01}, "scores.A1", "得分须为 0 到 6 之间的数"),
        ({"A1": 1.005}, "scores.A1", "最多两位小数"),
        ({"A1": 1e308}, "scores", "不能大于 1000000000"),
        ({"A1": 10**30}, "scores", "不能大于 1000000000"),
        ({"A1": -(10**30)}, "scores", "不能小于 -1000000000"),
        ({"A1": -(10**8)}, "scores.A1", "得分须为 0 到 6 之间的数"),
        ({"A2": 1}, "scores.A2", "不是本评分表的条目(材料审核)"),
        ({"B": 1}, "scores.B", "不是本评分表的条目"),
        ({"NOPE": 1}, "scores.NOPE", "不是本评分表的条目"),
        ({"A1\u0000": 1}, "scores", "条目编码格式不正确"),
    ],
)
def test_sheet_bad_marks_are_400_and_nothing_is_saved(client, world, scores, field, reason):
    response = put(client, world, {"scores": {**scores, "T1": 1}})
    assert response.status_code == 400
    fields = response.get_json()["error"]["fields"]
    assert list(fields) == [field]
    assert reason in fields[field][0]
    assert client.get(world.sheet_url(), headers=world.headers("zhang")).get_json()["scores"] == {}


@pytest.mark.parametrize(
    "raw",
    [
        '{"scores": {"A1": NaN}}',
        '{"scores": {"A1": Infinity}}',
        '{"scores": {"A1": "5"}}',
        '{"scores": {"\\ud800": 1}}',
        '{"scores": [5]}',
        '{"comments": {"A1": 5}}',
    ],
)
def test_sheet_hostile_bodies_are_400(client, world, raw):
    response = client.put(
        world.sheet_url(), data=raw, content_type="application/json", headers=world.headers("zhang")
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_input"


@pytest.mark.parametrize("who", ["li", "office", "unit", "wang"])
def test_sheet_of_another_is_never_seen_nor_written(client, world, who):
    put(client, world, {"scores": {"A1": 5}})
    read = client.get(world.sheet_url(), headers=world.headers(who))
    if who == "li":  # assigned too: sees their own, empty sheet
        assert read.status_code == 200 and read.get_json()["scores"] == {}
    else:
        assert read.status_code == 403
    if who != "li":
        assert put(client, world, {"scores": {"A1": 1}}, who=who).status_code == 403


def test_sheet_of_a_unit_not_assigned_is_403(client, world):
    db.session.execute(sa.text("DELETE FROM reviewer_assignment WHERE unit_id = :u"), {"u": world.b.id})
    db.session.commit()
    response = put(client, world, {"scores": {"A1": 5}}, unit=world.b)
    assert response.status_code == 403
    assert response.get_json()["error"]["message"] == "您不是该单位的评审专家。"


@pytest.mark.parametrize("phase", [Phase.INTAKE, Phase.REVIEW, Phase.FINAL])
def test_sheet_outside_training_and_briefing_is_409(client, world, phase):
    assessment_world.set_phase(world, phase)
    response = put(client, world, {"scores": {"A1": 5}})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "wrong_phase"
    assert client.get(world.sheet_url(), headers=world.headers("zhang")).status_code == 200


def test_sheet_rubric_grades_and_deductions(app, client):
    data = small_data()
    leaf = data["items"][0]["children"][0]
    leaf["rubric"] = {
        "grades": [
            {"label": "A", "fraction": 1},
            {"label": "B", "fraction": 0.75},
            {"label": "C", "fraction": 0.3333},
        ]
    }
    data["items"][3]["children"][0]["rubric"] = {
        "deductions": [{"label": "无台账", "points": 1}, {"label": "无照片", "points": 0.5}]
    }
    world = assessment_world.build(Phase.BRIEFING, data)
    graded = put(client, world, {"grades": {"A1": "C"}, "found": {"T1": ["无照片", "无台账"]}})
    assert graded.status_code == 200, graded.get_json()
    body = graded.get_json()
    assert body["scores"] == {"A1": 1.9998, "T1": 1.5}
    assert (body["grades"], body["found"]) == ({"A1": "C"}, {"T1": ["无台账", "无照片"]})
    by_points = put(client, world, {"scores": {"A1": 4.5}})  # B's points: 6 × 0.75
    assert by_points.get_json()["grades"] == {"A1": "B"}
    off_grade = put(client, world, {"scores": {"A1": 5}})
    assert off_grade.status_code == 400
    assert "按档次评分" in off_grade.get_json()["error"]["fields"]["scores.A1"][0]
    unknown = put(client, world, {"grades": {"A1": "Z"}, "found": {"T1": ["缺"]}})
    assert sorted(unknown.get_json()["error"]["fields"]) == ["found.T1", "grades.A1"]


def test_sheet_writes_are_audited(client, world):
    put(client, world, {"scores": {"A1": 5}, "comments": {"T1": "有特色"}})
    put(client, world, {"scores": {"A1": 5}, "submit": True})
    entries = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action.like("sheet.%")).order_by(AuditEntry.id)
    ).all()
    assert [(e.action, e.data["scores"], e.data["comments"]) for e in entries] == [
        ("sheet.save", {"A1": "5"}, ["T1"]),
        ("sheet.submit", {"A1": "5"}, []),
    ]
    assert {e.campaign_id for e in entries} == {world.cid}


def test_office_reads_every_sheet_and_a_reviewer_their_assignments(client, world):
    put(client, world, {"scores": {"A1": 5}, "submit": True})
    put(client, world, {"scores": {"A1": 3}}, who="li")
    sheets = client.get(
        f"/api/v1/campaigns/{world.cid}/units/{world.a.id}/materials-sheets", headers=world.headers("office")
    )
    assert [(s["scorer"], s["name"], s["scores"], s["submitted"]) for s in sheets.get_json()] == [
        ("li", "李评审", {"A1": 3}, False),
        ("zhang", "张评审", {"A1": 5}, True),
    ]
    assert (
        client.get(
            f"/api/v1/campaigns/{world.cid}/units/{world.a.id}/materials-sheets",
            headers=world.headers("zhang"),
        ).status_code
        == 404
    )
    mine = client.get("/api/v1/reviews/mine", headers=world.headers("zhang")).get_json()
    assert [(m["unit"], m["started"], m["submitted"], m["phase"]) for m in mine] == [
        ("乙社区", False, False, "training"),
        ("甲社区", True, True, "training"),
    ]
    assert client.get("/api/v1/reviews/mine", headers=world.headers("office")).status_code == 403


def test_sheet_without_materials_leaves_is_409(app, client):
    data = small_data()
    data["items"] = [i for i in data["items"] if i["code"] in ("B", "C")]
    world = assessment_world.build(Phase.TRAINING, data)
    response = put(client, world, {"scores": {}})
    assert response.status_code == 409
    assert response.get_json()["error"]["message"] == "测评体系中没有材料审核条目。"
