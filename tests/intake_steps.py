"""Steps through the intake API that several test modules take: write and submit a report,
review it, record a veto. Not a test module: tests import these, never each other."""

from __future__ import annotations

from typing import Any

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
