"""A name with a line separator (U+2028 and its kin) is refused at the door, with a clear message, by
the API, the HTML forms and the list import alike — it would otherwise split the lines of every
export that carries it. Multi-line texts keep their line breaks."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.shared.campaigns.models import Campaign, Unit
from tests.factories import PASSWORD, csrf_from, login
from tests.intake_world import build

ONE_LINE = "须写在一行内:不能包含换行符、制表符或 Unicode 行/段分隔符(此处含 %s)。"
REGISTER = {"category": "社区", "username": "dingshequ", "password": "ding-pass-123"}


@pytest.fixture
def world(app):
    return build()


def names() -> list[str]:
    return list(db.session.scalars(sa.select(Unit.name)))


@pytest.mark.parametrize(("ch", "shown"), [("\u2028", "U+2028"), ("\u2029", "U+2029"), ("\t", "制表符 TAB")])
def test_registration_api_name_with_line_separator_is_refused(client, world, ch, shown):
    response = client.post(
        f"/api/v1/campaigns/{world.campaign.id}/registrations", json={**REGISTER, "name": f"丁{ch}社区"}
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"]["name"] == [ONE_LINE % shown]
    assert f"丁{ch}社区" not in names()


def test_registration_form_name_with_u2028_is_refused(client, world):
    data = {**REGISTER, "campaign": str(world.campaign.id), "name": "丁\u2028社区",
            "csrf_token": csrf_from(client.get("/unit/register").get_data(as_text=True))}  # fmt: skip
    response = client.post("/unit/register", data=data)
    assert response.status_code == 400
    assert ONE_LINE % "U+2028" in response.get_data(as_text=True)
    assert "丁\u2028社区" not in names()


def test_office_unit_form_and_api_refuse_a_category_with_u2029(client, world):
    api = client.post(
        f"/api/v1/campaigns/{world.campaign.id}/units",
        json={"name": "丙社区", "category": "社\u2029区"},
        headers=world.headers("office"),
    )
    assert api.status_code == 400 and api.get_json()["error"]["fields"]["category"] == [ONE_LINE % "U+2029"]
    assert login(client, "office", PASSWORD).status_code == 302
    url = f"/office/campaigns/{world.campaign.id}/units"
    data = {
        "name": "丙社区",
        "category": "社\u2029区",
        "csrf_token": csrf_from(client.get(url).get_data(as_text=True)),
    }
    page = client.post(url, data=data).get_data(as_text=True)
    assert ONE_LINE % "U+2029" in page
    assert "丙社区" not in names()


def test_unit_list_import_row_with_u2028_is_refused_and_nothing_imported(client, world):
    content = "单位名称,类别\n丙社区,社区\n丁\u2028社区,社区\n".encode()
    response = client.post(
        f"/api/v1/campaigns/{world.campaign.id}/units/import",
        data={"file": (io.BytesIO(content), "list.csv")},
        headers=world.headers("office"),
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    reasons = response.get_json()["error"]["reasons"]
    assert len(reasons) == 1 and reasons[0].startswith("第 3 行") and ONE_LINE % "U+2028" in reasons[0]
    assert "丙社区" not in names()


def test_campaign_title_and_scale_label_refuse_line_breaks_description_keeps_them(client, world):
    headers = world.headers("office")
    bad = client.post("/api/v1/campaigns", json={"title": "评选\u2028活动"}, headers=headers)
    assert bad.status_code == 400 and bad.get_json()["error"]["fields"]["title"] == [ONE_LINE % "U+2028"]
    scale = [{"label": "好\t", "points": 100}, {"label": "一般", "points": 60}]
    label = client.post("/api/v1/campaigns", json={"title": "评选活动", "scale": scale}, headers=headers)
    assert label.status_code == 400
    assert [ONE_LINE % "制表符 TAB"] in label.get_json()["error"]["fields"].values()
    ok = client.post(
        "/api/v1/campaigns",
        json={"title": "评选活动", "description": "第一段\n第二段\u2028第三段"},
        headers=headers,
    )
    assert ok.status_code == 201, ok.get_json()
    assert db.session.get(Campaign, ok.get_json()["id"]).description == "第一段\n第二段\u2028第三段"
