"""Steps of the intake that several test modules take. Through the API: write and submit a report,
review it, record a veto. Through the pages (the test client as a browser): sign in as a unit or the
office, post a file with the form's CSRF token. Not a test module: tests import these, never each
other."""

from __future__ import annotations

import io
from typing import Any

from tests.factories import PASSWORD, csrf, login
from tests.intake_world import World

SECRET_TEXT = "甲社区的机密汇报正文"


def write_report(
    client: Any, world: World, who="a", unit=None, title="甲社区文明创建工作汇报", text=SECRET_TEXT
):
    return client.put(
        world.app_url(unit, ""), json={"report_title": title, "report_text": text}, headers=world.headers(who)
    )


def submit(client, world, who="a", unit=None):
    return client.post(world.app_url(unit, "/submit"), headers=world.headers(who))


def submitted(client, world, unit=None):
    who = "b" if unit is world.b else "a"
    assert write_report(client, world, who, unit).status_code == 200
    assert submit(client, world, who, unit).status_code == 200


def review(client, world, decision, comment="", who="office", unit=None):
    return client.post(
        world.app_url(unit, "/review"),
        json={"decision": decision, "comment": comment},
        headers=world.headers(who),
    )


def token_for(client, username, password):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


def record_veto(client, world, occurred_on, unit=None):
    unit = unit or world.a
    return client.post(
        f"/api/v1/campaigns/{world.campaign.id}/units/{unit.id}/vetoes",
        json={"kind": "申报材料弄虚作假", "occurred_on": occurred_on, "description": "伪造活动照片"},
        headers=world.headers("office"),
    )


# --- the pages ---------------------------------------------------------------------------------------


def as_unit(client: Any, username: str = "unit-a") -> Any:
    """*client* signed in as a unit login of :func:`tests.intake_world.build`."""
    assert login(client, username, PASSWORD).status_code == 302
    return client


def as_office(client: Any) -> Any:
    assert login(client, "office", PASSWORD).status_code == 302
    return client


def post_file(
    client: Any, url: str, content: bytes, name: str, page: str = "/unit/", field: str = "file", **extra: Any
) -> Any:
    """Post *content* as the file field of the form on *page* (its CSRF token read from that page)."""
    data = {field: (io.BytesIO(content), name), "csrf_token": csrf(client, page), **extra}
    return client.post(url, data=data, content_type="multipart/form-data", follow_redirects=True)
