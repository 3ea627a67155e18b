"""The contract's *Training* section through the API: attendance, the shared Q&A, schedule, check-in."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.shared.audit.models import AuditEntry
from evalflow.shared.files.models import StoredFile
from evalflow.shared.phases import Phase
from evalflow.training.models import Attendance, FaqEntry, Training
from tests.intake_world import PDF  # a real PDF: uploads are parsed (issue 8)
from tests.training_world import World, build, set_phase

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def world(client) -> World:
    return build(client)


def _attend(client, world: World, unit_id: int, payload: dict, who: str = "office"):
    return client.post(
        f"/api/v1/campaigns/{world.campaign.id}/units/{unit_id}/attendance",
        json=payload,
        headers=world.headers(who),
    )


# --- attendance -------------------------------------------------------------------------------


def test_attendance_attended_returns_the_mark(client, world):
    response = _attend(client, world, world.a.id, {"status": "attended"})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["unit_id"], body["status"], body["note"]) == (world.a.id, "attended", "")
    assert body["marked_at"]


def test_attendance_excused_with_note_is_stored_and_audited(client, world):
    response = _attend(client, world, world.a.id, {"status": "excused", "note": "外出学习"})
    assert response.status_code == 200
    row = db.session.scalar(sa.select(Attendance).where(Attendance.unit_id == world.a.id))
    assert (row.status.value, row.note) == ("excused", "外出学习")
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "attendance.mark"))
    assert (entry.subject_id, entry.to_state, entry.reason) == (world.a.id, "excused", "外出学习")


def test_attendance_excused_without_note_is_400_with_fields(client, world):
    response = _attend(client, world, world.a.id, {"status": "excused"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_input"
    assert list(error["fields"]) == ["note"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0


def test_attendance_unknown_status_is_400(client, world):
    response = _attend(client, world, world.a.id, {"status": "late"})
    assert response.status_code == 400
    assert "status" in response.get_json()["error"]["fields"]


def test_attendance_marked_twice_keeps_one_row_with_the_latest(client, world):
    _attend(client, world, world.a.id, {"status": "excused", "note": "病假"})
    response = _attend(client, world, world.a.id, {"status": "attended"})
    assert response.get_json()["status"] == "attended"
    rows = db.session.scalars(sa.select(Attendance).where(Attendance.unit_id == world.a.id)).all()
    assert [(r.status.value, r.note) for r in rows] == [("attended", "")]


@pytest.mark.parametrize("phase", [Phase.INTAKE, Phase.BRIEFING])
def test_attendance_outside_training_is_409_wrong_phase(client, world, phase):
    set_phase(world.campaign, phase)
    response = _attend(client, world, world.a.id, {"status": "attended"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "wrong_phase"


def test_attendance_of_unit_not_accepted_is_409(client, world):
    response = _attend(client, world, world.pending.id, {"status": "attended"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "not_accepted"


def test_attendance_of_unit_of_another_campaign_is_404(client, world):
    response = _attend(client, world, world.stranger.id, {"status": "attended"})
    assert response.status_code == 404


def test_attendance_summary_counts_trained_and_names_missing(client, world):
    _attend(client, world, world.a.id, {"status": "attended"})
    response = client.get(
        f"/api/v1/campaigns/{world.campaign.id}/attendance", headers=world.headers("office")
    )
    body = response.get_json()
    assert (body["total"], body["trained"], body["excused"], body["missing"]) == (2, 1, 0, ["乙社区"])
    assert [(u["name"], u["status"]) for u in body["units"]] == [("甲社区", "attended"), ("乙社区", None)]


def test_transition_to_briefing_blocked_until_everyone_marked(client, world):
    _attend(client, world, world.a.id, {"status": "attended"})
    path = f"/api/v1/campaigns/{world.campaign.id}/transitions"
    blocked = client.post(path, json={"to": "briefing"}, headers=world.headers("office"))
    assert blocked.status_code == 409
    assert "乙社区" in blocked.get_json()["error"]["reasons"][0]
    _attend(client, world, world.b.id, {"status": "excused", "note": "有会"})
    assert client.post(path, json={"to": "briefing"}, headers=world.headers("office")).status_code == 200


# --- shared Q&A -------------------------------------------------------------------------------


def _faq(client, world: World, who: str, q: str | None = None):
    query = {"q": q} if q is not None else None
    return client.get(
        f"/api/v1/campaigns/{world.campaign.id}/faq", query_string=query, headers=world.headers(who)
    )


def _post_faq(client, world: World, question: str, answer: str, who: str = "office"):
    return client.post(
        f"/api/v1/campaigns/{world.campaign.id}/faq",
        json={"question": question, "answer": answer},
        headers=world.headers(who),
    )


def test_faq_post_returns_201_with_the_entry(client, world):
    response = _post_faq(client, world, "材料交几份?", "一式三份。")
    assert response.status_code == 201
    body = response.get_json()
    assert (body["question"], body["answer"], body["answered"]) == ("材料交几份?", "一式三份。", True)


def test_faq_every_unit_and_office_see_the_same_list(client, world):
    _post_faq(client, world, "问一", "答一")
    _post_faq(client, world, "问二", "答二")
    lists = [_faq(client, world, who).get_json() for who in ("office", "a", "b")]
    assert lists[0] == lists[1] == lists[2]
    assert [e["question"] for e in lists[0]] == ["问二", "问一"]


def test_faq_missing_answer_is_400_and_saves_nothing(client, world):
    response = _post_faq(client, world, "问", "")
    assert response.status_code == 400
    assert list(response.get_json()["error"]["fields"]) == ["answer"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FaqEntry)) == 0


def test_faq_search_matches_question_or_answer(client, world):
    _post_faq(client, world, "汇报几分钟?", "每个单位八分钟。")
    _post_faq(client, world, "材料交几份?", "一式三份。")
    assert [e["question"] for e in _faq(client, world, "a", "八分钟").get_json()] == ["汇报几分钟?"]
    assert [e["question"] for e in _faq(client, world, "a", "材料").get_json()] == ["材料交几份?"]
    assert _faq(client, world, "a", "100%").get_json() == []


def test_faq_unit_question_hidden_from_other_units_until_answered(client, world):
    path = f"/api/v1/campaigns/{world.campaign.id}/faq/questions"
    asked = client.post(path, json={"question": "可以带照片吗?"}, headers=world.headers("a"))
    assert asked.status_code == 201
    fid = asked.get_json()["id"]
    assert [e["answered"] for e in _faq(client, world, "a").get_json()] == [False]
    assert _faq(client, world, "b").get_json() == []
    office_view = _faq(client, world, "office").get_json()
    assert [e["asked_by_unit_id"] for e in office_view] == [world.a.id]
    answered = client.post(
        f"/api/v1/campaigns/{world.campaign.id}/faq/{fid}/answer",
        json={"answer": "可以。"},
        headers=world.headers("office"),
    )
    assert answered.status_code == 200
    b_view = _faq(client, world, "b").get_json()
    assert [(e["question"], e["answer"], e["asked_by_unit_id"]) for e in b_view] == [
        ("可以带照片吗?", "可以。", None)
    ]
    assert _faq(client, world, "a").get_json() == b_view


def test_faq_unit_answering_is_403(client, world):
    fid = _post_faq(client, world, "问", "答").get_json()["id"]
    response = client.post(
        f"/api/v1/campaigns/{world.campaign.id}/faq/{fid}/answer",
        json={"answer": "改"},
        headers=world.headers("a"),
    )
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


# --- schedule, materials, check-in ------------------------------------------------------------


def test_training_defaults_to_the_six_topics_for_units(client, world):
    body = client.get(
        f"/api/v1/campaigns/{world.campaign.id}/training", headers=world.headers("a")
    ).get_json()
    assert body == {
        "starts_at": None,
        "place": "",
        "agenda": ["创建工作的意义", "申报评选流程", "听取汇报", "审核材料", "实地考察", "问卷调查"],
        "materials": [],
    }


def test_training_schedule_put_then_every_unit_sees_it(client, world):
    payload = {
        "starts_at": "2026-12-03T09:30",
        "place": "社区会议室",
        "agenda": ["创建工作的意义", "申报评选流程"],
    }
    response = client.put(
        f"/api/v1/campaigns/{world.campaign.id}/training", json=payload, headers=world.headers("office")
    )
    assert response.status_code == 200
    seen = client.get(
        f"/api/v1/campaigns/{world.campaign.id}/training", headers=world.headers("b")
    ).get_json()
    assert seen["starts_at"] == "2026-12-03T01:30:00+00:00"
    assert (seen["place"], seen["agenda"]) == ("社区会议室", ["创建工作的意义", "申报评选流程"])


def test_training_schedule_bad_input_is_400_and_changes_nothing(client, world):
    payload = {"starts_at": "明天", "agenda": []}
    response = client.put(
        f"/api/v1/campaigns/{world.campaign.id}/training", json=payload, headers=world.headers("office")
    )
    assert response.status_code == 400
    assert sorted(response.get_json()["error"]["fields"]) == ["agenda", "starts_at"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Training)) == 0


def test_training_material_upload_checked_by_content_and_downloadable_by_units(client, world):
    path = f"/api/v1/campaigns/{world.campaign.id}/training/materials"
    bad = client.post(
        path, data={"file": (io.BytesIO(b"MZ not a pdf"), "培训.pdf")}, headers=world.headers("office")
    )
    assert bad.status_code == 415
    good = client.post(
        path, data={"file": (io.BytesIO(PDF), "培训讲义.pdf")}, headers=world.headers("office")
    )
    assert good.status_code == 201, good.get_json()
    material = good.get_json()
    assert (material["filename"], material["content_type"]) == ("培训讲义.pdf", "application/pdf")
    download = client.get(material["url"], headers=world.headers("b"))
    assert (download.status_code, download.data) == (200, PDF)
    download.close()
    assert client.get(material["url"], headers=world.headers("stranger")).status_code == 404
    assert db.session.scalar(sa.select(StoredFile.purpose)) == "training"


def test_training_material_upload_by_unit_is_403(client, world):
    path = f"/api/v1/campaigns/{world.campaign.id}/training/materials"
    response = client.post(path, data={"file": (io.BytesIO(PNG), "x.png")}, headers=world.headers("a"))
    assert response.status_code == 403


def _open_checkin(client, world: World, minutes: int = 30):
    return client.post(
        f"/api/v1/campaigns/{world.campaign.id}/training/checkin",
        json={"minutes": minutes},
        headers=world.headers("office"),
    )


def test_checkin_code_marks_the_scanning_unit_attended(client, world):
    opened = _open_checkin(client, world).get_json()
    assert opened["url"].endswith(f"/unit/checkin/{opened['code']}")
    response = client.post("/api/v1/checkins", json={"code": opened["code"]}, headers=world.headers("a"))
    assert response.status_code == 200
    assert (response.get_json()["unit_id"], response.get_json()["status"]) == (world.a.id, "attended")
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "attendance.mark"))
    assert entry.data == {"via": "qr"}


def test_checkin_expired_code_is_409(client, world, app):
    code = _open_checkin(client, world, 1).get_json()["code"]
    training = db.session.scalar(sa.select(Training))
    training.checkin_expires_at = training.checkin_expires_at - timedelta(minutes=2)
    db.session.commit()
    response = client.post("/api/v1/checkins", json={"code": code}, headers=world.headers("a"))
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "checkin_closed"


def test_checkin_reopened_retires_the_old_code(client, world):
    old = _open_checkin(client, world, 30).get_json()["code"]
    new = _open_checkin(client, world, 60).get_json()["code"]
    assert old != new
    assert client.post("/api/v1/checkins", json={"code": old}, headers=world.headers("a")).status_code == 404
    assert client.post("/api/v1/checkins", json={"code": new}, headers=world.headers("a")).status_code == 200


def test_checkin_by_unit_of_another_campaign_is_404(client, world):
    code = _open_checkin(client, world).get_json()["code"]
    response = client.post("/api/v1/checkins", json={"code": code}, headers=world.headers("stranger"))
    assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0


def test_checkin_closed_code_is_404(client, world):
    code = _open_checkin(client, world).get_json()["code"]
    client.delete(f"/api/v1/campaigns/{world.campaign.id}/training/checkin", headers=world.headers("office"))
    assert client.post("/api/v1/checkins", json={"code": code}, headers=world.headers("a")).status_code == 404


@pytest.mark.parametrize("payload", [{}, {"code": ""}, {"code": 5}])
def test_checkin_without_code_is_400(client, world, payload):
    response = client.post("/api/v1/checkins", json=payload, headers=world.headers("a"))
    assert response.status_code == 400
    assert list(response.get_json()["error"]["fields"]) == ["code"]


def test_training_material_too_large_is_413_and_stores_nothing(client, world, app):
    app.config["MAX_FILE_MB"] = 1
    big = PDF + b"0" * (1024 * 1024)
    path = f"/api/v1/campaigns/{world.campaign.id}/training/materials"
    boundary = "training-test-boundary"  # a prebuilt body: the test client would spool its own temp file
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n\r\n'.encode()
    response = client.post(
        path,
        data=head + big + f"\r\n--{boundary}--\r\n".encode(),
        headers=world.headers("office"),
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile)) == 0


def test_openapi_documents_the_training_and_seat_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "post" in paths["/api/v1/campaigns/{cid}/units/{uid}/attendance"]
    assert (
        "multipart/form-data"
        in paths["/api/v1/campaigns/{cid}/training/materials"]["post"]["requestBody"]["content"]
    )
    assert set(paths["/api/v1/campaigns/{cid}/faq"]) == {"get", "post"}
    assert "post" in paths["/api/v1/campaigns/{cid}/units/{uid}/seats"]
