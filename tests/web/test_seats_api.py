"""The contract's seat part of *Seats and the briefing*: delegates, credentials, reissue."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.shared.audit.models import AuditEntry
from evalflow.shared.campaigns.models import Seat
from evalflow.shared.phases import Phase
from tests.training_world import World, build, set_phase


@pytest.fixture
def world(client) -> World:
    return build(client)


def _seats_path(world: World, unit_id: int) -> str:
    return f"/api/v1/campaigns/{world.campaign.id}/units/{unit_id}/seats"


def _create(client, world: World, unit_id: int, role: str, name: str, who: str = "office"):
    return client.post(
        _seats_path(world, unit_id), json={"role": role, "name": name}, headers=world.headers(who)
    )


def test_seat_create_returns_201_with_token_and_url(client, world):
    response = _create(client, world, world.b.id, "cadre", "王芳")
    assert response.status_code == 201
    body = response.get_json()
    assert (body["role"], body["name"], body["unit_id"], body["role_label"]) == (
        "cadre",
        "王芳",
        world.b.id,
        "中层干部代表",
    )
    assert len(body["token"]) >= 40
    assert body["url"] == f"http://localhost/s/{body['token']}"
    stored = db.session.get(Seat, body["id"])
    assert stored.token_hash != body["token"] and len(stored.token_hash) == 64


def test_seat_url_opens_the_ballot_page_without_password(client, world):
    body = _create(client, world, world.b.id, "public", "李娜").get_json()
    page = client.get(urlsplit(body["url"]).path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "李娜" in html and "乙社区" in html and "群众代表" in html and "评分尚未开始" in html
    assert page.headers["Cache-Control"] == "no-store"


def test_seat_token_authenticates_as_that_seat(client, world):
    body = _create(client, world, world.b.id, "reporter", "赵磊").get_json()
    me = client.get("/api/v1/seat", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert (me.get_json()["id"], me.get_json()["unit_name"]) == (body["id"], "乙社区")


def test_seat_unit_names_its_own_delegate(client, world):
    response = _create(client, world, world.a.id, "cadre", "陈静", who="a")
    assert response.status_code == 201
    assert response.get_json()["name"] == "陈静"


def test_seat_second_of_same_role_is_409_duplicate(client, world):
    _create(client, world, world.b.id, "cadre", "王芳")
    response = _create(client, world, world.b.id, "cadre", "另一人")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "duplicate"
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(Seat).where(Seat.unit_id == world.b.id)) == 1
    )


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"role": "boss", "name": "王"}, ["role"]),
        ({"role": "cadre", "name": ""}, ["name"]),
        ({"role": "cadre", "name": "名" * 61}, ["name"]),
        ({}, ["name", "role"]),
    ],
)
def test_seat_bad_input_is_400_with_fields(client, world, payload, fields):
    response = client.post(_seats_path(world, world.b.id), json=payload, headers=world.headers("office"))
    assert response.status_code == 400
    assert sorted(response.get_json()["error"]["fields"]) == fields


def test_seat_for_another_unit_is_403_and_creates_nothing(client, world):
    response = _create(client, world, world.b.id, "cadre", "冒名", who="a")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(Seat).where(Seat.unit_id == world.b.id)) == 0
    )


def test_seat_unit_cannot_change_seats_once_briefing_started(client, world):
    set_phase(world.campaign, Phase.BRIEFING)
    response = _create(client, world, world.a.id, "cadre", "陈静", who="a")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "wrong_phase"


def test_seat_office_may_change_seats_during_briefing_and_it_is_audited(client, world):
    set_phase(world.campaign, Phase.BRIEFING)
    response = _create(client, world, world.a.id, "cadre", "陈静")
    assert response.status_code == 201
    sid = response.get_json()["id"]
    renamed = client.patch(
        f"{_seats_path(world, world.a.id)}/{sid}", json={"name": "陈晶"}, headers=world.headers("office")
    )
    assert renamed.get_json()["name"] == "陈晶"
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.subject_id == sid)).all()
    assert actions == ["seat.create", "seat.rename"]


def test_seat_reissue_old_token_stops_working_at_once(client, world):
    first = _create(client, world, world.b.id, "reporter", "赵磊").get_json()
    reissued = client.post(
        f"{_seats_path(world, world.b.id)}/{first['id']}/reissue", headers=world.headers("office")
    )
    assert reissued.status_code == 200
    new = reissued.get_json()
    assert new["id"] == first["id"] and new["token"] != first["token"]
    old_auth = client.get("/api/v1/seat", headers={"Authorization": f"Bearer {first['token']}"})
    assert old_auth.status_code == 401
    assert old_auth.get_json()["error"]["code"] == "unauthenticated"
    assert client.get(urlsplit(first["url"]).path).status_code == 404
    assert client.get("/api/v1/seat", headers={"Authorization": f"Bearer {new['token']}"}).status_code == 200


def test_seat_list_has_no_tokens_and_is_in_role_order(client, world):
    _create(client, world, world.b.id, "public", "李娜")
    _create(client, world, world.b.id, "reporter", "赵磊")
    listed = client.get(_seats_path(world, world.b.id), headers=world.headers("b")).get_json()
    assert [(s["role"], s["name"]) for s in listed] == [("reporter", "赵磊"), ("public", "李娜")]
    assert all("token" not in s and "url" not in s for s in listed)


def test_seat_public_base_url_is_respected(client, world, app):
    app.config["PUBLIC_BASE_URL"] = "https://pingxuan.example.cn/"
    body = _create(client, world, world.b.id, "reporter", "赵磊").get_json()
    assert body["url"] == f"https://pingxuan.example.cn/s/{body['token']}"


def _me(client, token: str) -> int:
    return client.get("/api/v1/seat", headers={"Authorization": f"Bearer {token}"}).status_code


def test_seat_cards_printed_again_keep_earlier_cards_valid(client, world):
    first = _create(client, world, world.b.id, "reporter", "赵磊", who="b").get_json()
    for _ in range(2):  # a jammed printer: print the unit's cards twice
        response = client.post(f"{_seats_path(world, world.b.id)}/cards", headers=world.headers("b"))
        assert response.status_code == 200
        assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    assert _me(client, first["token"]) == 200


def test_seat_cards_reprint_after_reissue_keeps_the_new_card_only(client, world):
    first = _create(client, world, world.b.id, "reporter", "赵磊").get_json()
    new = client.post(
        f"{_seats_path(world, world.b.id)}/{first['id']}/reissue", headers=world.headers("office")
    ).get_json()
    client.post(f"/api/v1/campaigns/{world.campaign.id}/seats/cards", headers=world.headers("office"))
    assert (_me(client, first["token"]), _me(client, new["token"])) == (401, 200)
    seat = db.session.get(Seat, first["id"])
    db.session.refresh(seat)
    assert seat.token_version == 2


def test_seat_token_is_not_stored_and_depends_on_the_secret_key(client, world, app):
    first = _create(client, world, world.b.id, "reporter", "赵磊").get_json()
    stored = db.session.get(Seat, first["id"])
    assert first["token"] not in (stored.token_hash, str(stored.token_version))
    app.config["SECRET_KEY"] = "rotated-" + app.config["SECRET_KEY"]
    assert _me(client, first["token"]) == 200  # rotating the key alone keeps printed cards working
    client.post(f"{_seats_path(world, world.b.id)}/cards", headers=world.headers("office"))
    assert _me(client, first["token"]) == 401  # the next print derives the new key's card


def test_seat_of_rejected_unit_is_refused(client, world):
    from evalflow.intake.models import Application, ApplicationStatus

    app_row = db.session.scalar(sa.select(Application).where(Application.unit_id == world.pending.id))
    app_row.status = ApplicationStatus.REJECTED
    db.session.commit()
    response = _create(client, world, world.pending.id, "reporter", "某人")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "not_accepted"


def test_seat_page_after_briefing_says_scoring_is_over(client, world):
    set_phase(world.campaign, Phase.REVIEW)
    text = client.get(f"/s/{world.tokens['seat']}").get_data(as_text=True)
    assert "评分已结束" in text and "评分尚未开始" not in text
