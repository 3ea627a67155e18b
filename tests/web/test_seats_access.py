"""Access matrix of every training, Q&A and seat endpoint: role × endpoint → status, and no leaks.

Roles: the office, unit 甲 (``a``, the subject unit of ``{own}`` paths), unit 乙 (``b``, another unit
of the same campaign), a unit of another campaign (``stranger``), 甲's seat, and the public. The
campaign is in ``training``. Each request runs against a fresh world, so expectations don't depend on
order.
"""

from __future__ import annotations

import io

import pytest

from evalflow.extensions import db
from evalflow.shared.campaigns.models import Seat
from evalflow.training.models import FaqEntry
from tests.intake_world import PDF  # a real PDF: uploads are parsed (issue 8)
from tests.training_world import World, build

# (method, path, json payload or "file")  — {c} campaign, {own} 甲, {other_seat} 乙's seat, {faq} an
# answered entry, {open_faq} 乙's unanswered question, {mat} a training material, {seat} 甲's seat.
ENDPOINTS = [
    ("GET", "/api/v1/campaigns/{c}/training", None),
    ("PUT", "/api/v1/campaigns/{c}/training", {"place": "会议室"}),
    ("POST", "/api/v1/campaigns/{c}/training/materials", "file"),
    ("GET", "/api/v1/campaigns/{c}/training/materials/{mat}", None),
    ("DELETE", "/api/v1/campaigns/{c}/training/materials/{mat}", None),
    ("GET", "/api/v1/campaigns/{c}/attendance", None),
    ("POST", "/api/v1/campaigns/{c}/units/{own}/attendance", {"status": "attended"}),
    ("POST", "/api/v1/campaigns/{c}/training/checkin", {"minutes": 10}),
    ("DELETE", "/api/v1/campaigns/{c}/training/checkin", None),
    ("GET", "/api/v1/campaigns/{c}/faq", None),
    ("POST", "/api/v1/campaigns/{c}/faq", {"question": "问", "answer": "答"}),
    ("POST", "/api/v1/campaigns/{c}/faq/questions", {"question": "问"}),
    ("POST", "/api/v1/campaigns/{c}/faq/{faq}/answer", {"answer": "答"}),
    ("POST", "/api/v1/campaigns/{c}/units/{own}/seats", {"role": "cadre", "name": "陈静"}),
    ("GET", "/api/v1/campaigns/{c}/units/{own}/seats", None),
    ("GET", "/api/v1/campaigns/{c}/seats", None),
    ("PATCH", "/api/v1/campaigns/{c}/units/{own}/seats/{seat}", {"name": "张山"}),
    ("POST", "/api/v1/campaigns/{c}/units/{own}/seats/{seat}/reissue", None),
    ("POST", "/api/v1/campaigns/{c}/units/{own}/seats/cards", None),
    ("POST", "/api/v1/campaigns/{c}/seats/cards", None),
    ("GET", "/api/v1/seat", None),
]

EXPECTED = {
    #            tr  put mat dl  del att mark ci  cio faq add ask ans seat list all ren reis crd all  me
    "office": [
        200,
        200,
        201,
        200,
        200,
        200,
        200,
        200,
        200,
        200,
        201,
        403,
        200,
        201,
        200,
        200,
        200,
        200,
        200,
        200,
        403,
    ],
    "a": [
        200,
        403,
        403,
        200,
        403,
        403,
        403,
        403,
        403,
        200,
        403,
        201,
        403,
        201,
        200,
        403,
        200,
        200,
        200,
        403,
        403,
    ],
    "b": [
        200,
        403,
        403,
        200,
        403,
        403,
        403,
        403,
        403,
        200,
        403,
        201,
        403,
        403,
        403,
        403,
        403,
        403,
        403,
        403,
        403,
    ],
    "stranger": [
        404,
        404,
        404,
        404,
        404,
        404,
        404,
        404,
        404,
        404,
        404,
        404,
        404,
        404,
        404,
        404,
        404,
        404,
        404,
        404,
        403,
    ],
    "seat": [
        403,
        403,
        403,
        403,
        403,
        403,
        403,
        403,
        403,
        403,
        403,
        403,
        403,
        403,
        403,
        403,
        403,
        403,
        403,
        403,
        200,
    ],
    "public": [401] * len(ENDPOINTS),
}


@pytest.fixture
def world(client) -> World:
    return build(client)


def _fixtures(client, world: World) -> dict[str, int]:
    office = world.headers("office")
    cid = world.campaign.id
    mat = client.post(
        f"/api/v1/campaigns/{cid}/training/materials",
        data={"file": (io.BytesIO(PDF), "讲义.pdf")},
        headers=office,
    ).get_json()["id"]
    faq = client.post(
        f"/api/v1/campaigns/{cid}/faq", json={"question": "公开问", "answer": "公开答"}, headers=office
    )
    open_q = client.post(
        f"/api/v1/campaigns/{cid}/faq/questions", json={"question": "乙的私问"}, headers=world.headers("b")
    )
    seat = db.session.query(Seat).filter_by(unit_id=world.a.id).one()
    return {
        "c": cid,
        "own": world.a.id,
        "mat": mat,
        "faq": faq.get_json()["id"],
        "open_faq": open_q.get_json()["id"],
        "seat": seat.id,
    }


@pytest.mark.parametrize("role", list(EXPECTED))
@pytest.mark.parametrize("index", range(len(ENDPOINTS)))
def test_training_endpoint_access(client, world, role, index):
    method, template, payload = ENDPOINTS[index]
    ids = _fixtures(client, world)
    kwargs = {"data": {"file": (io.BytesIO(PDF), "材料.pdf")}} if payload == "file" else {"json": payload}
    response = client.open(template.format(**ids), method=method, headers=world.headers(role), **kwargs)
    assert response.status_code == EXPECTED[role][index], (
        role,
        method,
        template,
        response.get_data(as_text=True)[:300],
    )
    if response.status_code >= 400:
        assert response.get_json()["error"]["code"]
    response.close()


@pytest.mark.parametrize("role", ["a", "stranger", "seat", "public"])
def test_faq_private_question_never_leaks(client, world, role):
    ids = _fixtures(client, world)
    response = client.get(f"/api/v1/campaigns/{ids['c']}/faq", headers=world.headers(role))
    assert "乙的私问" not in response.get_data(as_text=True)
    if role == "a":
        assert [e["question"] for e in response.get_json()] == ["公开问"]


def test_faq_answer_of_invisible_question_is_404_for_office_never(client, world):
    ids = _fixtures(client, world)
    response = client.post(
        f"/api/v1/campaigns/{ids['c']}/faq/{ids['open_faq']}/answer",
        json={"answer": "答"},
        headers=world.headers("office"),
    )
    assert response.status_code == 200
    assert db.session.get(FaqEntry, ids["open_faq"]).answer == "答"


@pytest.mark.parametrize("who", ["a", "b"])
def test_seat_lists_never_show_another_units_seats(client, world, who):
    ids = _fixtures(client, world)
    response = client.get(
        f"/api/v1/campaigns/{ids['c']}/units/{world.a.id}/seats", headers=world.headers(who)
    )
    if who == "a":
        assert [s["name"] for s in response.get_json()] == ["张三"]
    else:
        assert response.status_code == 403 and "张三" not in response.get_data(as_text=True)
