"""实地考察 through the API (the contract's section *实地考察*): scheduling with conflicts and notice,
idempotent sheets, sign-off and its lock, what the unit sees, and what the composite counts."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from evalflow.assessment.models import ScoreSheet, SheetScore
from evalflow.extensions import db
from evalflow.inspection import teams
from evalflow.inspection.models import InspectionConflict, InspectionTeam, Visit
from evalflow.inspection.results import signed_marks
from evalflow.shared.audit.models import AuditEntry
from tests import factories
from tests.inspection_world import World, build, later, visit_body


def _visit(client: Any, auth: Any, world: World, **extra: Any) -> dict[str, Any]:
    response = client.post(f"/api/v1/campaigns/{world.campaign.id}/visits", json=visit_body(world, **extra),
                           headers=auth.headers(world.office))  # fmt: skip
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _put(client: Any, auth: Any, who: Any, vid: int, body: dict[str, Any]) -> Any:
    return client.put(f"/api/v1/visits/{vid}/sheets/mine", json=body, headers=auth.headers(who))


def _audits(action: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.action == action)) or 0


FULL = {"scores": {"A2": 3.5, "G1": 6}, "comments": {"A2": "阵地整洁"}}


def _signed(client: Any, auth: Any, world: World, **extra: Any) -> int:
    vid = _visit(client, auth, world, **extra)["id"]
    for who, points in ((world.lead, 3.5), (world.mate, 3)):
        body = {"scores": {"A2": points, "G1": 6}, "submit": True}
        assert _put(client, auth, who, vid, body).status_code == 200
    assert client.post(f"/api/v1/visits/{vid}/sign", headers=auth.headers(world.lead)).status_code == 200
    return vid


def test_visit_create_answers_201_with_its_team_and_one_sheet_each(app, client, auth):
    world = build()
    made = _visit(client, auth, world)
    assert (made["unit_id"], made["status"], made["leader_id"]) == (world.a.id, "scheduled", world.lead.id)
    assert sorted((m["name"], m["leader"]) for m in made["inspectors"]) == [
        ("李组员", False),
        ("王组长", True),
    ]
    scorers = db.session.scalars(
        sa.select(ScoreSheet.scorer_id).where(ScoreSheet.visit_id == made["id"])
    ).all()
    assert sorted(scorers) == sorted([world.lead.id, world.mate.id])


def test_visit_create_refuses_an_inspector_who_works_for_the_unit(app, client, auth):
    world = build()
    body = visit_body(world, inspector_ids=[world.lead.id, world.insider.id])
    response = client.post(f"/api/v1/campaigns/{world.campaign.id}/visits", json=body,
                           headers=auth.headers(world.office))  # fmt: skip
    error = response.get_json()["error"]
    assert (response.status_code, error["code"]) == (409, "conflict")
    assert error["reasons"] == ["赵内部 在“甲社区”工作,须回避。"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0


def test_visit_create_refuses_a_conflict_the_office_declared(app, client, auth):
    world = build()
    declared = client.post(f"/api/v1/campaigns/{world.campaign.id}/inspection-conflicts",
                           json={"unit_id": world.b.id, "inspector_id": world.mate.id, "note": "配偶在该单位任职"},
                           headers=auth.headers(world.office))  # fmt: skip
    assert declared.status_code == 201
    response = client.post(f"/api/v1/campaigns/{world.campaign.id}/visits", json=visit_body(world, world.b),
                           headers=auth.headers(world.office))  # fmt: skip
    assert response.status_code == 409
    assert response.get_json()["error"]["reasons"] == ["李组员 与“乙社区”有登记的利益冲突:配偶在该单位任职"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InspectionConflict)) == 1


def test_visit_create_refuses_an_announced_visit_with_too_little_notice(app, client, auth):
    world = build()
    response = client.post(f"/api/v1/campaigns/{world.campaign.id}/visits",
                           json=visit_body(world, starts_at=later(hours=3)), headers=auth.headers(world.office))  # fmt: skip
    assert response.status_code == 400
    assert "至少提前 12 小时" in response.get_json()["error"]["fields"]["starts_at"][0]
    surprise = visit_body(world, starts_at=later(hours=1), announced=False)
    ok = client.post(
        f"/api/v1/campaigns/{world.campaign.id}/visits", json=surprise, headers=auth.headers(world.office)
    )
    assert (ok.status_code, ok.get_json()["announced"]) == (201, False)


def test_sheet_put_the_same_body_twice_changes_nothing(app, client, auth):
    world = build()
    vid = _visit(client, auth, world)["id"]
    first = _put(client, auth, world.lead, vid, FULL)
    stamps = db.session.scalars(sa.select(SheetScore.updated_at).order_by(SheetScore.id)).all()
    again = _put(client, auth, world.lead, vid, FULL)
    db.session.expire_all()
    assert first.status_code == again.status_code == 200
    assert again.get_json()["scores"] == {"A2": 3.5, "G1": 6}
    assert again.get_json()["grades"] == {"G1": "较好"}  # 8 × 75 %
    assert db.session.scalars(sa.select(SheetScore.updated_at).order_by(SheetScore.id)).all() == stamps
    assert _audits("inspection.sheet_save") == 1


def test_sheet_put_replayed_revision_is_answered_without_writing(app, client, auth):
    world = build()
    vid = _visit(client, auth, world)["id"]
    revision = "0b6f3c5e-8d2a-4f7b-9c1e-2a3b4c5d6e7f"
    body = {**FULL, "revision": revision, "submit": True}
    assert _put(client, auth, world.lead, vid, body).get_json()["submitted"] is True
    replay = _put(client, auth, world.lead, vid, body)
    other = _put(client, auth, world.lead, vid, {**FULL, "revision": revision.replace("0b6", "1b6")})
    assert (replay.status_code, replay.get_json()["revision"]) == (200, revision)
    assert (other.status_code, other.get_json()["error"]["code"]) == (409, "submitted")
    assert _audits("inspection.sheet_submit") == 1


def test_sheet_put_refuses_codes_that_are_not_inspection_leaves_and_points_too_high(app, client, auth):
    world = build()
    vid = _visit(client, auth, world)["id"]
    response = _put(client, auth, world.lead, vid, {"scores": {"A1": 2, "A2": 4.5, "G1": 7, "<x>": 1}})
    fields = response.get_json()["error"]["fields"]
    assert response.status_code == 400
    assert fields == {
        "scores.A1": ["“A1”不是本评分表的条目(实地考察)。"],
        "scores.A2": ["“A2”的得分须为 0 到 4 之间的数,最多两位小数。"],
        "scores.G1": ["“G1”按档次评分:得分须为某一档次的分值。"],
        "scores": ["条目编码格式不正确。"],
    }
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SheetScore)) == 0


def test_submit_refuses_a_sheet_with_base_leaves_unscored(app, client, auth):
    world = build()
    vid = _visit(client, auth, world)["id"]
    response = _put(client, auth, world.lead, vid, {"scores": {"A2": 3}, "submit": True})
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"]["submit"] == ["还有条目未评分,不能提交:G1。"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SheetScore)) == 0  # nothing half-saved


def test_sign_locks_the_sheets_and_the_composite_counts_them(app, client, auth):
    world = build()
    vid = _visit(client, auth, world)["id"]
    for who, points in ((world.lead, 3.5), (world.mate, 3)):
        assert (
            _put(client, auth, who, vid, {"scores": {"A2": points, "G1": 6}, "submit": True}).status_code
            == 200
        )
    assert signed_marks(world.campaign.id) == {}  # submitted is not signed
    by_member = client.post(f"/api/v1/visits/{vid}/sign", headers=auth.headers(world.mate))
    signed = client.post(f"/api/v1/visits/{vid}/sign", headers=auth.headers(world.lead))
    locked = _put(client, auth, world.mate, vid, FULL)
    assert by_member.status_code == 403
    assert (signed.status_code, signed.get_json()["status"]) == (200, "signed")
    assert (locked.status_code, locked.get_json()["error"]["code"]) == (409, "signed")
    marks = signed_marks(world.campaign.id)[world.a.id]
    assert {code: sorted(str(m.points) for m in found) for code, found in marks.items()} == {
        "A2": ["3", "3.5"], "G1": ["6", "6"]}  # fmt: skip
    results = client.get(
        f"/api/v1/campaigns/{world.campaign.id}/inspection-results", headers=auth.headers(world.office)
    )
    row = next(r for r in results.get_json() if r["unit_id"] == world.a.id)
    assert (row["points"], row["possible"], row["complete"]) == (9.25, 12, True)  # (3.5 + 3) / 2 + 6


def test_sign_before_everyone_submitted_names_who_is_missing(app, client, auth):
    world = build()
    vid = _visit(client, auth, world)["id"]
    _put(client, auth, world.lead, vid, {**FULL, "submit": True})
    response = client.post(f"/api/v1/visits/{vid}/sign", headers=auth.headers(world.lead))
    error = response.get_json()["error"]
    assert (response.status_code, error["code"], error["reasons"]) == (409, "not_submitted", ["李组员"])


def test_unit_sees_announced_visits_and_a_surprise_one_only_once_signed(app, client, auth):
    world = build()
    unit_login = factories.user("unit-a", of=world.a)
    announced = _visit(client, auth, world)["id"]
    surprise = _signed(client, auth, world, announced=False, starts_at=later(hours=1))
    hidden = _visit(client, auth, world, announced=False, inspector_ids=[world.lead.id], starts_at=later(1))[
        "id"
    ]
    url = f"/api/v1/campaigns/{world.campaign.id}/units/{world.a.id}/visits"
    seen = client.get(url, headers=auth.headers(unit_login)).get_json()
    office = client.get(url, headers=auth.headers(world.office)).get_json()
    assert sorted(v["id"] for v in seen) == sorted([announced, surprise])
    assert sorted(v["id"] for v in office) == sorted([announced, surprise, hidden])
    other = factories.user("unit-b", of=world.b)
    assert client.get(url, headers=auth.headers(other)).status_code in (403, 404)


def test_inspector_not_on_the_visit_is_told_it_does_not_exist(app, client, auth):
    world = build()
    vid = _visit(client, auth, world)["id"]
    response = _put(client, auth, world.stranger, vid, FULL)
    mine = client.get("/api/v1/visits/mine", headers=auth.headers(world.stranger))
    assert (response.status_code, response.get_json()["error"]["code"]) == (404, "not_found")
    assert (mine.status_code, mine.get_json()) == (200, [])


def test_office_changes_a_signed_sheet_only_with_a_reason_audited_old_to_new(app, client, auth):
    world = build()
    vid = _signed(client, auth, world)
    url = f"/api/v1/visits/{vid}/sheets/{world.mate.id}"
    no_reason = client.patch(
        url, json={"scores": {"A2": 4}, "reason": " "}, headers=auth.headers(world.office)
    )
    done = client.patch(
        url, json={"scores": {"A2": 4}, "reason": "复核照片后更正"}, headers=auth.headers(world.office)
    )
    assert no_reason.status_code == 400
    assert (done.status_code, done.get_json()["scores"]["A2"]) == (200, 4)
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "inspection.amend")).one()
    assert entry.reason == "复核照片后更正"
    assert (entry.data["old"], entry.data["new"]) == ({"A2": {"points": "3", "grade": None, "found": None}},
                                                      {"A2": {"points": "4", "grade": None, "found": None}})  # fmt: skip


def test_report_pdf_lists_the_unit_and_each_inspectors_points(app, client, auth):
    from io import BytesIO

    from pypdf import PdfReader

    world = build()
    vid = _visit(client, auth, world)["id"]
    before = client.get(f"/api/v1/visits/{vid}/report.pdf", headers=auth.headers(world.office))
    for who, points in ((world.lead, 3.5), (world.mate, 3)):
        _put(
            client, auth, who, vid, {"scores": {"A2": points, "G1": 6}, "summary": "台账齐全", "submit": True}
        )
    client.post(f"/api/v1/visits/{vid}/sign", headers=auth.headers(world.lead))
    response = client.get(f"/api/v1/visits/{vid}/report.pdf", headers=auth.headers(world.office))
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(response.data)).pages)
    assert before.status_code == 409
    assert response.mimetype == "application/pdf"
    for expected in ("实地考察测评表", "甲社区", "王组长", "李组员", "阵地建设", "3.5", "3.25", "台账齐全"):
        assert expected in text, expected


def test_visit_create_refuses_a_team_that_does_not_exist_or_is_another_campaigns(app, client, auth):
    world = build()
    other = factories.campaign(title="另一个评选")
    db.session.flush()
    foreign = teams.create_team(
        factories.office_actor(), other, "外部组", [world.lead.id, world.mate.id], world.lead.id
    )
    db.session.commit()
    for team_id in (2**31 - 1, foreign.id):
        body = visit_body(world, team_id=team_id)
        response = client.post(f"/api/v1/campaigns/{world.campaign.id}/visits", json=body,
                               headers=auth.headers(world.office))  # fmt: skip
        assert response.status_code == 400, response.get_json()
        assert response.get_json()["error"]["fields"] == {"team_id": ["考察组不存在。"]}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0


@pytest.mark.parametrize("bad", ["99999999999999999999", "abc", "-15", "١٥", "0"])
def test_office_forms_refuse_an_inspector_id_that_is_not_one_instead_of_dropping_it(app, client, auth, bad):
    world = build()
    factories.login(client)
    page = f"/office/campaigns/{world.campaign.id}/visits"
    token = factories.csrf(client, page)
    visit = {"csrf_token": token, "unit_id": world.a.id, "leader_id": world.lead.id, "starts_at": later()[:16],
             "announced": "1", "inspector_ids": [str(world.lead.id), bad]}  # fmt: skip
    sent = client.post(page, data=visit, follow_redirects=True)
    assert "编号须为" in sent.get_data(as_text=True)
    team = {"csrf_token": token, "name": "第一组", "leader_id": world.lead.id,
            "inspector_ids": [str(world.lead.id), bad]}  # fmt: skip
    made = client.post(
        f"/office/campaigns/{world.campaign.id}/inspection-teams", data=team, follow_redirects=True
    )
    assert "编号须为" in made.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InspectionTeam)) == 0
