"""Every intake endpoint in the access matrix: each caller's status, and no data of another unit
in the body; every intake route is in the matrix."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.intake_steps import SECRET_TEXT, submitted, write_report
from tests.intake_world import (
    PDF,
    World,
    build,
    docx_bytes,
    upload,
)


@pytest.fixture
def world(app) -> World:
    return build()


# --- access matrix --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    url: Callable[[World, dict], str]
    expected: dict[str, int]
    prepare: Callable[[Any, World], dict] = lambda client, world: {}
    kwargs: Callable[[World], dict] = lambda world: {}


def _with_attachment(client, world):
    response = upload(client, world, "a", PDF)
    assert response.status_code == 201
    write_report(client, world)
    return {"aid": response.get_json()["id"]}


def _with_submission(client, world):
    submitted(client, world)
    return {}


def _pending_registration(client, world):
    response = client.post(
        f"/api/v1/campaigns/{world.campaign.id}/registrations",
        json={"name": "丁社区", "username": "dingshequ", "password": "ding-pass-123"},
    )
    return {"uid": response.get_json()["id"]}


def _recorded_veto(client, world):
    response = client.post(
        f"/api/v1/campaigns/{world.campaign.id}/units/{world.a.id}/vetoes",
        json={"kind": "发生群体性事件", "occurred_on": "2026-01-05", "description": SECRET_TEXT},
        headers=world.headers("office"),
    )
    assert response.status_code == 201
    return {"vid": response.get_json()["id"]}


def _multipart(content, name):
    return lambda world: {
        "data": {"file": (io.BytesIO(content), name)},
        "content_type": "multipart/form-data",
    }


C = "/api/v1/campaigns/{c}"
OFFICE_ONLY = {"office": 200, "a": 403, "b": 403, "stranger": 404, "seat": 403, "public": 401}
A_OR_OFFICE = {"office": 200, "a": 200, "b": 403, "stranger": 404, "seat": 403, "public": 401}
A_ONLY = {"office": 403, "a": 200, "b": 403, "stranger": 404, "seat": 403, "public": 401}

ENDPOINTS = [
    Endpoint("list units", "GET", lambda w, p: f"/api/v1/campaigns/{w.campaign.id}/units",
             {**A_OR_OFFICE, "b": 200}),
    Endpoint("create unit", "POST", lambda w, p: f"/api/v1/campaigns/{w.campaign.id}/units",
             {**OFFICE_ONLY, "office": 201}, kwargs=lambda w: {"json": {"name": "新单位"}}),
    Endpoint("import units", "POST", lambda w, p: f"/api/v1/campaigns/{w.campaign.id}/units/import",
             {**OFFICE_ONLY, "office": 201}, kwargs=_multipart("name\n新单位\n".encode(), "list.csv")),
    Endpoint("reset password", "POST", lambda w, p: f"/api/v1/campaigns/{w.campaign.id}/units/{w.a.id}/password",
             OFFICE_ONLY),
    Endpoint("decide registration", "POST",
             lambda w, p: f"/api/v1/campaigns/{w.campaign.id}/units/{p['uid']}/registration",
             OFFICE_ONLY, prepare=_pending_registration, kwargs=lambda w: {"json": {"approve": True}}),
    Endpoint("get application", "GET", lambda w, p: w.app_url(), A_OR_OFFICE),
    Endpoint("put application", "PUT", lambda w, p: w.app_url(), A_ONLY,
             kwargs=lambda w: {"json": {"report_title": "t", "report_text": "x"}}),
    Endpoint("add attachment", "POST", lambda w, p: w.app_url(None, "/attachments"), {**A_ONLY, "a": 201},
             kwargs=_multipart(PDF, "a.pdf")),
    Endpoint("download attachment", "GET", lambda w, p: w.app_url(None, f"/attachments/{p['aid']}"),
             A_OR_OFFICE, prepare=_with_attachment),
    Endpoint("delete attachment", "DELETE", lambda w, p: w.app_url(None, f"/attachments/{p['aid']}"),
             {**A_ONLY, "a": 204}, prepare=_with_attachment),
    Endpoint("import docx", "POST", lambda w, p: w.app_url(None, "/report-docx"), A_ONLY,
             kwargs=_multipart(docx_bytes("标题", "一、正文"), "r.docx")),
    Endpoint("submit", "POST", lambda w, p: w.app_url(None, "/submit"), A_ONLY, prepare=_with_attachment),
    Endpoint("review", "POST", lambda w, p: w.app_url(None, "/review"), OFFICE_ONLY, prepare=_with_submission,
             kwargs=lambda w: {"json": {"decision": "accept"}}),
    Endpoint("versions", "GET", lambda w, p: w.app_url(None, "/versions"), A_OR_OFFICE, prepare=_with_submission),
    Endpoint("diff", "GET", lambda w, p: w.app_url(None, "/diff?from=1&to=1"), A_OR_OFFICE,
             prepare=_with_submission),
    Endpoint("review queue", "GET", lambda w, p: f"/api/v1/campaigns/{w.campaign.id}/applications", OFFICE_ONLY,
             prepare=_with_submission),
    Endpoint("deadline", "PUT", lambda w, p: f"/api/v1/campaigns/{w.campaign.id}/intake-deadline", OFFICE_ONLY,
             kwargs=lambda w: {"json": {"deadline": "2026-12-31", "reason": "设定"}}),
    Endpoint("list vetoes", "GET", lambda w, p: f"/api/v1/campaigns/{w.campaign.id}/vetoes", OFFICE_ONLY),
    Endpoint("record veto", "POST", lambda w, p: f"/api/v1/campaigns/{w.campaign.id}/units/{w.a.id}/vetoes",
             {**OFFICE_ONLY, "office": 201},
             kwargs=lambda w: {"json": {"kind": "发生群体性事件", "occurred_on": "2026-01-05", "description": "事件"}}),
    Endpoint("withdraw veto", "POST", lambda w, p: f"/api/v1/campaigns/{w.campaign.id}/vetoes/{p['vid']}/withdraw",
             OFFICE_ONLY, prepare=_recorded_veto, kwargs=lambda w: {"json": {"reason": "录入错误"}}),
]  # fmt: skip
CALLERS = ["office", "a", "b", "stranger", "seat", "public"]


@pytest.mark.parametrize("who", CALLERS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_access_matrix_status_and_no_leak(client, world, endpoint, who):
    params = endpoint.prepare(client, world)
    response = client.open(
        endpoint.url(world, params),
        method=endpoint.method,
        headers=world.headers(who),
        **endpoint.kwargs(world),
    )
    text = response.get_data(as_text=True)
    response.close()
    assert response.status_code == endpoint.expected[who], text
    if response.status_code >= 400:
        body = response.get_json()
        assert set(body) == {"error"} and body["error"]["code"] and body["error"]["message"]
        assert SECRET_TEXT not in text
        assert "%PDF" not in text


def test_every_intake_route_is_in_the_matrix(app):
    from evalflow.shared.api.routes import SPEC_PATHS

    covered = {
        ("/campaigns/{cid}/units", "post"), ("/campaigns/{cid}/units", "get"),
        ("/campaigns/{cid}/units/import", "post"), ("/campaigns/{cid}/units/{uid}/password", "post"),
        ("/campaigns/{cid}/units/{uid}/registration", "post"), ("/campaigns/{cid}/applications", "get"),
        ("/campaigns/{cid}/intake-deadline", "put"), ("/campaigns/{cid}/vetoes", "get"),
        ("/campaigns/{cid}/units/{uid}/vetoes", "post"), ("/campaigns/{cid}/vetoes/{vid}/withdraw", "post"),
    }  # fmt: skip
    app_paths = {
        ("", "get"), ("", "put"), ("/attachments", "post"), ("/attachments/{aid}", "get"),
        ("/attachments/{aid}", "delete"), ("/report-docx", "post"), ("/submit", "post"), ("/review", "post"),
        ("/versions", "get"), ("/diff", "get"),
    }  # fmt: skip
    covered |= {(f"/campaigns/{{cid}}/units/{{uid}}/application{s}", m) for s, m in app_paths}
    # Public or evidence endpoints tested on their own below.
    covered |= {("/campaigns/{cid}/registrations", "post"), ("/campaigns/{cid}/vetoes/{vid}/evidence", "get")}
    mine = {
        (path.removeprefix("/api/v1"), method)
        for path, ops in SPEC_PATHS.items()
        for method, op in ops.items()
        if op["tags"][0] in {"units", "applications", "veto"}
    }
    assert mine == covered
