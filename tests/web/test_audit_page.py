"""The office's audit log page: filters, pages, CSV export, and nobody else may read it."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from evalflow.extensions import db
from evalflow.shared.access import Actor, Role
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.clock import today
from evalflow.shared.phases import Phase
from tests import factories
from tests.factories import login


def _world(n_extra: int = 0) -> tuple[int, int]:
    factories.admin()
    first, second = factories.campaign("甲活动", Phase.DRAFT), factories.campaign("乙活动", Phase.DRAFT)
    audit.record(Actor(Role.OFFICE, label="alice"), "campaign.create", campaign_id=first.id, reason="第一")
    audit.record(Actor(Role.OFFICE, label="bob"), "campaign.edit", campaign_id=second.id, reason="第二")
    for i in range(n_extra):
        audit.record(Actor(Role.OFFICE, label="carol"), "faq.add", campaign_id=first.id, reason=f"问答{i}")
    db.session.commit()
    return first.id, second.id


def _rows(page: str) -> list[str]:
    body = page.split('id="audit-log"', 1)[1].split("</table>", 1)[0] if 'id="audit-log"' in page else ""
    return [cell.split("</td>")[0] for cell in body.split("<td>")[1:] if cell.startswith(("第", "问答"))]


def test_audit_page_lists_and_filters_entries(client):
    first, second = _world()
    login(client)
    assert set(_rows(client.get("/office/audit/").get_data(as_text=True))) == {"第一", "第二"}
    assert _rows(client.get("/office/audit/?actor=ali").get_data(as_text=True)) == ["第一"]
    assert _rows(client.get("/office/audit/?action=campaign.edit").get_data(as_text=True)) == ["第二"]
    assert _rows(client.get(f"/office/audit/?campaign={second}").get_data(as_text=True)) == ["第二"]
    day = today()
    assert len(_rows(client.get(f"/office/audit/?since={day}&until={day}").get_data(as_text=True))) == 2
    assert _rows(client.get(f"/office/audit/?since={day + timedelta(days=1)}").get_data(as_text=True)) == []
    assert _rows(client.get(f"/office/audit/?until={day - timedelta(days=1)}").get_data(as_text=True)) == []


def test_audit_page_invalid_filter_shows_error(client):
    _world()
    login(client)
    response = client.get("/office/audit/?since=not-a-date")
    assert response.status_code == 400
    assert 'class="field  has-error"' in response.get_data(as_text=True)


def test_audit_page_paginates_newest_first(client):
    _world(n_extra=60)
    login(client)
    first = _rows(client.get("/office/audit/?actor=carol").get_data(as_text=True))
    second = _rows(client.get("/office/audit/?actor=carol&page=2").get_data(as_text=True))
    assert (len(first), len(second)) == (50, 10)
    assert first[0] == "问答59" and second[-1] == "问答0"
    assert "第 2 / 2 页" in client.get("/office/audit/?actor=carol&page=2").get_data(as_text=True)


def test_audit_export_csv_has_filtered_entries_with_hashes(client):
    first, _ = _world()
    audit.record(Actor(Role.OFFICE, label="=cmd|' /C calc'!A0"), "x.y", campaign_id=first, reason="-1+1")
    db.session.commit()
    login(client)
    response = client.get(f"/office/audit/export.csv?campaign={first}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [r["reason"] for r in rows] == ["第一", "'-1+1"]
    assert rows[1]["actor_label"].startswith("'=")
    assert [(r["chain"], r["seq"]) for r in rows] == [(str(first), "1"), (str(first), "2")]
    assert rows[1]["prev_hash"] == rows[0]["entry_hash"] and len(rows[0]["entry_hash"]) == 64


def test_audit_page_refuses_a_unit_account_and_anonymous(client):
    first, _ = _world()
    campaign = db.session.get(Campaign, first)
    user = factories.user("unit1", Role.UNIT, factories.unit(campaign, "某单位", None))
    db.session.commit()
    assert client.get("/office/audit/").status_code == 302
    assert client.get("/office/audit/export.csv").status_code == 302
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    assert client.get("/office/audit/").status_code == 403
    assert client.get("/office/audit/export.csv").status_code == 403


def test_campaign_page_links_to_its_filtered_audit_log(client):
    first, _ = _world()
    login(client)
    page = client.get(f"/office/campaigns/{first}").get_data(as_text=True)
    assert f'href="/office/audit/?campaign={first}"' in page
