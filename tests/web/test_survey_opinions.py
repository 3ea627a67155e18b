"""征求意见 through the API: departments by token link, their opinions, who has not answered, and the
office's decisions on a reported problem — a veto in the existing veto records, a deduction from a
deduction leaf, or no effect — audited; only units that take part, evidence the office sees (and a
veto keeps), the deadline; on both engines. Races: tests/web/test_survey_opinion_races.py."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from evalflow.assessment.marks import Mark
from evalflow.extensions import db
from evalflow.intake.models import ApplicationStatus, VetoIncident
from evalflow.intake.rules import MAX_VETO_DESCRIPTION
from evalflow.intake.veto import vetoed_unit_ids
from evalflow.shared import clock
from evalflow.shared.audit.models import AuditEntry
from evalflow.shared.files.models import StoredFile
from evalflow.survey import rules
from evalflow.survey.models import Department, Opinion
from evalflow.survey.results import deduction_marks, opinion_gaps
from tests import factories
from tests.intake_world import PNG
from tests.survey_world import audit_entries, build, count_rows, files_on_disk


def _department(client: Any, auth: Any, world: Any, name: str = "公安局", **extra: Any) -> dict[str, Any]:
    response = client.post(f"/api/v1/campaigns/{world.campaign.id}/departments", json={"name": name, **extra},
                           headers=auth.headers(world.office))  # fmt: skip
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _opinion(client: Any, world: Any, token: str, unit: Any, body: dict[str, Any]) -> Any:
    return client.put(f"/api/v1/campaigns/{world.campaign.id}/units/{unit.id}/opinion", json=body,
                      headers=factories.bearer(token))  # fmt: skip


def test_a_department_gets_a_link_whose_token_is_only_hashed(app, client, auth):
    world = build()
    made = _department(client, auth, world, deadline="2026-12-20")
    assert made["name"] == "公安局" and made["deadline"] == "2026-12-20"
    assert made["url"].endswith(f"/d/{made['token']}")
    row = db.session.get(Department, made["id"])
    assert row.token_hash != made["token"] and len(row.token_hash) == 64
    again = client.post(f"/api/v1/campaigns/{world.campaign.id}/departments", json={"name": "公安局"},
                        headers=auth.headers(world.office))  # fmt: skip
    assert (again.status_code, again.get_json()["error"]["code"]) == (409, "duplicate")
    assert db.session.scalar(sa.select(AuditEntry.action).where(AuditEntry.action == "survey.department_add"))


def test_opinions_and_who_has_not_answered(app, client, auth):
    world = build()
    police = _department(client, auth, world)
    _department(client, auth, world, "市场监管局")
    assert _opinion(client, world, police["token"], world.a, {"verdict": "none"}).status_code == 200
    answered = _opinion(
        client, world, police["token"], world.b, {"verdict": "problem", "text": "存在消防隐患"}
    )
    assert answered.status_code == 200, answered.get_json()
    assert (answered.get_json()["verdict"], answered.get_json()["text"]) == ("problem", "存在消防隐患")
    rows = client.get(
        f"/api/v1/campaigns/{world.campaign.id}/opinions", headers=auth.headers(world.office)
    ).get_json()
    seen = sorted((r["department_name"], r["unit_id"], r["verdict"]) for r in rows)
    assert seen == sorted([("公安局", world.a.id, "none"), ("公安局", world.b.id, "problem"),
                           ("市场监管局", world.a.id, None), ("市场监管局", world.b.id, None)])  # fmt: skip
    gaps = opinion_gaps(world.campaign.id)
    assert "“市场监管局”尚未就“甲社区”反馈意见。" in [m.render() for m in gaps[world.a.id]]


def test_opinion_needs_a_valid_token_a_text_for_a_problem_and_its_own_campaign(app, client, auth):
    world = build()
    police = _department(client, auth, world)
    assert _opinion(client, world, "not-a-token", world.a, {"verdict": "none"}).status_code == 401
    assert client.put(f"/api/v1/campaigns/{world.campaign.id}/units/{world.a.id}/opinion",
                      json={"verdict": "none"}).status_code == 401  # fmt: skip
    bad = _opinion(client, world, police["token"], world.a, {"verdict": "problem"})
    assert (bad.status_code, list(bad.get_json()["error"]["fields"])) == (400, ["text"])
    assert _opinion(client, world, police["token"], world.a, {"verdict": "maybe"}).status_code == 400
    assert (
        _opinion(client, world, police["token"], world.a, {"verdict": "none", "text": "a\x00b"}).status_code
        == 400
    )
    other = factories.campaign("另一次评选")
    db.session.commit()
    wrong = client.put(f"/api/v1/campaigns/{other.id}/units/{world.a.id}/opinion", json={"verdict": "none"},
                       headers=factories.bearer(police["token"]))  # fmt: skip
    assert wrong.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Opinion)) == 0


def _problem(client: Any, auth: Any, world: Any) -> dict[str, Any]:
    police = _department(client, auth, world)
    assert (
        _opinion(
            client, world, police["token"], world.a, {"verdict": "problem", "text": "发生重大安全事故"}
        ).status_code
        == 200
    )
    return police


def _decide(client: Any, auth: Any, world: Any, department_id: int, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1/campaigns/{world.campaign.id}/departments/{department_id}/units/{world.a.id}/decision",
                       json=body, headers=auth.headers(world.office))  # fmt: skip


def test_a_problem_turned_into_a_veto_uses_the_veto_records(app, client, auth):
    world = build()
    police = _problem(client, auth, world)
    decided = _decide(client, auth, world, police["id"],
                      {"outcome": "veto", "reason": "经核实属实", "kind": "发生重大安全生产事故"})  # fmt: skip
    assert decided.status_code == 200, decided.get_json()
    assert decided.get_json()["outcome"] == "veto"
    assert vetoed_unit_ids(world.campaign.id) == {world.a.id}
    incident = db.session.scalar(sa.select(VetoIncident))
    assert incident.description.startswith("公安局反映:发生重大安全事故")
    assert (
        db.session.scalar(sa.select(AuditEntry.reason).where(AuditEntry.action == "survey.case_decide"))
        == "经核实属实"
    )
    again = _decide(client, auth, world, police["id"], {"outcome": "no_effect", "reason": "改变主意"})
    assert (again.status_code, again.get_json()["error"]["code"]) == (409, "decided")
    locked = _opinion(client, world, police["token"], world.a, {"verdict": "none"})
    assert (locked.status_code, locked.get_json()["error"]["code"]) == (409, "decided")


def test_a_problem_turned_into_a_deduction_gives_a_mark_on_the_deduction_leaf(app, client, auth):
    world = build()
    police = _problem(client, auth, world)
    too_much = _decide(
        client,
        auth,
        world,
        police["id"],
        {"outcome": "deduction", "reason": "属实", "code": "D1", "points": 6},
    )
    assert too_much.status_code == 400 and "points" in too_much.get_json()["error"]["fields"]
    not_a_deduction = _decide(
        client,
        auth,
        world,
        police["id"],
        {"outcome": "deduction", "reason": "属实", "code": "S1", "points": 1},
    )
    assert not_a_deduction.status_code == 400 and "code" in not_a_deduction.get_json()["error"]["fields"]
    done = _decide(
        client,
        auth,
        world,
        police["id"],
        {"outcome": "deduction", "reason": "属实", "code": "D1", "points": 2.5},
    )
    assert done.status_code == 200, done.get_json()
    marks = deduction_marks(world.campaign.id)
    assert marks == {
        world.a.id: {"D1": [Mark("公安局", Decimal("2.5"), f"opinion-{police['id']}-{world.a.id}")]}
    }
    assert vetoed_unit_ids(world.campaign.id) == set()


def test_no_effect_needs_a_reason_and_a_none_verdict_is_no_case(app, client, auth):
    world = build()
    police = _problem(client, auth, world)
    assert (
        _decide(client, auth, world, police["id"], {"outcome": "no_effect", "reason": ""}).status_code == 400
    )
    assert (
        _decide(
            client, auth, world, police["id"], {"outcome": "no_effect", "reason": "已整改到位"}
        ).status_code
        == 200
    )
    assert deduction_marks(world.campaign.id) == {} and vetoed_unit_ids(world.campaign.id) == set()
    other = _department(client, auth, world, "卫健委")
    assert _opinion(client, world, other["token"], world.a, {"verdict": "none"}).status_code == 200
    assert (
        _decide(client, auth, world, other["id"], {"outcome": "no_effect", "reason": "x"}).status_code == 404
    )


# --- units that take part, evidence, the veto's description, points, the deadline -------------------

TOKEN = "dep-opinion-token-123456"


def _page_answer(client: Any, unit: Any, text: str, evidence: tuple[bytes, str] | None = None) -> Any:
    token = factories.csrf_from(client.get(f"/d/{TOKEN}").get_data(as_text=True))
    data: dict[str, Any] = {"csrf_token": token, "verdict": "problem", "text": text}
    if evidence is not None:
        data["evidence"] = (io.BytesIO(evidence[0]), evidence[1])
    return client.post(f"/d/{TOKEN}/units/{unit.id}", data=data)


def test_a_unit_whose_application_is_not_accepted_takes_no_opinion_and_no_decision(app, client, auth):
    world = build()
    draft = factories.unit(world.campaign, "丙社区", ApplicationStatus.DRAFT)
    police = factories.department(world.campaign, "公安局", TOKEN)
    factories.opinion(police, draft, "problem", "此前记下的问题")
    db.session.commit()
    api = _opinion(client, world, TOKEN, draft, {"verdict": "problem", "text": "存在消防隐患"})
    assert (api.status_code, api.get_json()["error"]["code"]) == (404, "not_found")
    page = _page_answer(client, draft, "存在消防隐患")
    assert page.status_code == 404
    decided = client.post(f"/api/v1/campaigns/{world.campaign.id}/departments/{police.id}/units/{draft.id}/decision",
                          json={"outcome": "deduction", "reason": "属实", "code": "D1", "points": 2},
                          headers=auth.headers(world.office))  # fmt: skip
    assert (decided.status_code, decided.get_json()["error"]["code"]) == (404, "not_found")
    db.session.expire_all()
    row = db.session.get(Opinion, (police.id, draft.id))
    assert (row.text, row.outcome, row.deduction_points) == ("此前记下的问题", None, None)
    assert audit_entries("survey.opinion") == [] and audit_entries("survey.case_decide") == []
    assert deduction_marks(world.campaign.id) == {}


def test_a_new_evidence_file_replaces_the_old_one_on_disk_too(app, client):
    world = build()
    police = factories.department(world.campaign, "公安局", TOKEN)
    db.session.commit()
    for i in range(3):
        sent = _page_answer(
            client, world.a, f"第 {i + 1} 次反馈", (PNG + b"evidence-%d" % i, f"证据{i + 1}.png")
        )
        assert sent.status_code == 302, sent.get_data(as_text=True)
    assert _page_answer(client, world.a, "只改文字").status_code == 302  # no new file: the last one stays
    db.session.expire_all()
    row = db.session.get(Opinion, (police.id, world.a.id))
    stored = db.session.get(StoredFile, row.evidence_file_id)
    assert (row.text, stored.filename) == ("只改文字", "证据3.png")
    assert db.session.scalars(sa.select(StoredFile.filename)).all() == ["证据3.png"]
    assert files_on_disk(app) == [PNG + b"evidence-2"]
    assert "已附证明材料:证据3.png" in client.get(f"/d/{TOKEN}").get_data(as_text=True)


def test_a_veto_from_a_case_carries_the_departments_evidence(app, client, auth):
    world = build()
    police = factories.department(world.campaign, "公安局", TOKEN)
    db.session.commit()
    assert (
        _page_answer(client, world.a, "发生重大安全事故", (PNG + b"veto-proof", "事故通报.png")).status_code
        == 302
    )
    decided = _decide(client, auth, world, police.id,
                      {"outcome": "veto", "reason": "经核实属实", "kind": "发生重大安全生产事故"})  # fmt: skip
    assert decided.status_code == 200, decided.get_json()
    db.session.expire_all()
    incident = db.session.scalar(sa.select(VetoIncident))
    opinion = db.session.get(Opinion, (police.id, world.a.id))
    assert (opinion.veto_id, incident.evidence_file_id) == (incident.id, opinion.evidence_file_id)
    office = auth.headers(world.office)
    listed = client.get(f"/api/v1/campaigns/{world.campaign.id}/vetoes", headers=office).get_json()
    assert [i["evidence"]["filename"] for i in listed["incidents"]] == ["事故通报.png"]
    got = client.get(f"/api/v1/campaigns/{world.campaign.id}/vetoes/{incident.id}/evidence", headers=office)
    assert (got.status_code, got.data) == (200, PNG + b"veto-proof")
    got.close()


def test_the_office_sees_and_downloads_an_opinions_evidence(app, client, auth):
    world = build()
    police = factories.department(world.campaign, "公安局", TOKEN)
    db.session.commit()
    assert _page_answer(client, world.a, "无证经营", (PNG + b"shop-photo", "现场照片.png")).status_code == 302
    office = auth.headers(world.office)
    rows = client.get(f"/api/v1/campaigns/{world.campaign.id}/opinions", headers=office).get_json()
    shown = {(r["department_name"], r["unit_id"]): r for r in rows}
    assert shown[("公安局", world.a.id)]["evidence"]["filename"] == "现场照片.png"
    assert shown[("公安局", world.b.id)].get("evidence") is None
    browser = auth.browser(world.office)
    page = browser.get(f"/office/campaigns/{world.campaign.id}/survey").get_data(as_text=True)
    link = f"/office/campaigns/{world.campaign.id}/survey/cases/{police.id}/{world.a.id}/evidence"
    assert "证明材料:现场照片.png" in page and f'href="{link}"' in page
    got = browser.get(link)
    assert (got.status_code, got.data) == (200, PNG + b"shop-photo")
    got.close()
    assert "attachment" in got.headers["Content-Disposition"]
    assert (
        browser.get(
            f"/office/campaigns/{world.campaign.id}/survey/cases/{police.id}/{world.b.id}/evidence"
        ).status_code
        == 404
    )


def test_a_veto_keeps_the_offices_reason_whole(app, client, auth):
    world = build()
    police = _department(client, auth, world)
    long_text, reason = "隐" * rules.MAX_OPINION_TEXT, "核" * rules.MAX_REASON
    assert (
        _opinion(
            client, world, police["token"], world.a, {"verdict": "problem", "text": long_text}
        ).status_code
        == 200
    )
    decided = _decide(client, auth, world, police["id"],
                      {"outcome": "veto", "reason": reason, "kind": "发生重大安全生产事故"})  # fmt: skip
    assert decided.status_code == 200, decided.get_json()
    incident = db.session.scalar(sa.select(VetoIncident))
    assert incident.description == f"公安局反映:{long_text}\n{reason}"


def test_a_veto_cuts_the_departments_text_not_the_reason_to_fit(app, client, auth):
    world = build()
    police = factories.department(world.campaign, "公安局")
    factories.opinion(
        police, world.a, "problem", "甲" * (MAX_VETO_DESCRIPTION + 100)
    )  # stored before a limit
    db.session.commit()
    decided = _decide(client, auth, world, police.id,
                      {"outcome": "veto", "reason": "经核实属实", "kind": "发生重大安全生产事故"})  # fmt: skip
    assert decided.status_code == 200, decided.get_json()
    description = db.session.scalar(sa.select(VetoIncident.description))
    assert len(description) == MAX_VETO_DESCRIPTION
    assert description.startswith("公安局反映:甲甲") and description.endswith("甲…\n经核实属实")


def test_deduction_points_are_plain_ascii_numbers(app, client, auth):
    world = build()
    police = _problem(client, auth, world)
    for points in ("0_1", "３", "1e0", "+1", " ", "1.5.0", "0x1"):
        refused = _decide(client, auth, world, police["id"],
                          {"outcome": "deduction", "reason": "属实", "code": "D1", "points": points})  # fmt: skip
        assert refused.status_code == 400, points
        assert refused.get_json()["error"]["fields"]["points"] == ["扣分须大于 0 且不超过该项的 5 分。"], (
            points
        )
    assert db.session.get(Opinion, (police["id"], world.a.id)).outcome is None
    done = _decide(
        client,
        auth,
        world,
        police["id"],
        {"outcome": "deduction", "reason": "属实", "code": "D1", "points": "1.5"},
    )
    assert done.status_code == 200, done.get_json()
    db.session.expire_all()
    assert db.session.get(Opinion, (police["id"], world.a.id)).deduction_points == Decimal("1.5")


def test_a_reply_after_the_departments_deadline_is_refused(app, client, auth):
    world = build()
    police = factories.department(world.campaign, "公安局", TOKEN)
    police.deadline = clock.today() - timedelta(days=1)
    db.session.commit()
    api = _opinion(client, world, TOKEN, world.a, {"verdict": "none"})
    expected = f"反馈截止日期({police.deadline.isoformat()})已过,不能再提交或修改意见。"
    assert (api.status_code, api.get_json()["error"]["code"]) == (409, "deadline_passed")
    assert api.get_json()["error"]["message"] == expected
    page = client.get(f"/d/{TOKEN}").get_data(as_text=True)
    assert expected in page and '<button type="submit" class="btn primary" disabled>' in page
    sent = _page_answer(client, world.a, "存在消防隐患", (PNG + b"too-late", "迟到.png"))
    assert sent.status_code == 409 and expected in sent.get_data(as_text=True)
    assert count_rows(Opinion) == 0 and count_rows(StoredFile) == 0 and files_on_disk(app) == []
    assert audit_entries("survey.opinion") == []
    police.deadline = clock.today()  # the deadline day itself is still open
    db.session.commit()
    assert _opinion(client, world, TOKEN, world.a, {"verdict": "none"}).status_code == 200
    assert "disabled" not in client.get(f"/d/{TOKEN}").get_data(as_text=True)


def test_the_department_page_thanks_after_an_answer_and_keeps_a_refused_one(app, client):
    world = build()
    factories.department(world.campaign, "公安局", TOKEN)
    db.session.commit()
    sent = _page_answer(client, world.a, "存在消防隐患")
    assert sent.status_code == 302 and f"sent={world.a.id}" in sent.headers["Location"]
    thanked = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert thanked.count("已提交,谢谢。") == 1 and f'id="unit-{world.a.id}"' in thanked
    refused = _page_answer(client, world.b, "")  # 有问题 without the text it needs
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    text_box = page[page.index(f'id="text-{world.b.id}"') - 200 :]
    assert 'aria-invalid="true"' in text_box[:400] and f'id="text-{world.b.id}-error"' in page
    kept = page[page.index(f'id="unit-{world.b.id}"') :]
    assert 'value="problem" required checked' in kept and "已提交,谢谢。" not in page


def test_a_late_department_page_drops_the_may_change_line(app, client):
    world = build()
    police = factories.department(world.campaign, "公安局", TOKEN)
    police.deadline = clock.today() - timedelta(days=1)
    db.session.commit()
    page = client.get(f"/d/{TOKEN}").get_data(as_text=True)
    assert "提交后在文明办处理前可以修改" not in page and "已过,不能再提交或修改意见" in page


def test_the_office_case_form_preselects_no_decision(app, client, auth):
    world = build()
    police = _department(client, auth, world)
    _opinion(client, world, police["token"], world.a, {"verdict": "problem", "text": "存在消防隐患"})
    factories.login(client, "office")
    page = client.get(f"/office/campaigns/{world.campaign.id}/survey").get_data(as_text=True)
    form = page[page.index(f'id="outcome-{police["id"]}-{world.a.id}"') :]
    options = form[: form.index("</select>")]
    assert 'name="outcome" required><option value="" selected>请选择处理方式</option>' in options
    assert options.count("selected") == 1
