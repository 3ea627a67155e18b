"""Issue 18, "no input gives a 500": ids past the id columns' range, sheet numbers with digits that are
not ASCII, dates and times no office could mean, and the audit log's filters — each answered with a
clear 4xx that says what is wrong and stores nothing, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import sqlalchemy as sa

from evalflow.briefing.models import Ballot, PaperEntry
from evalflow.extensions import db
from evalflow.notice.models import Notice, Objection
from evalflow.shared.audit.models import AuditEntry
from evalflow.training.models import Training
from tests import factories as make
from tests.briefing_world import build as briefing_world
from tests.factories import csrf_from
from tests.notice_world import CONTACT, published_world, review_world
from tests.training_world import build as training_world

BIG = 2**63
ID_RANGE = "编号须为 1 到 2147483647 之间的整数。"
DAY_RANGE = "日期须在 2000-01-01 到 2100-12-31 之间。"
OBJECTION = {"name": "张三", "phone": "13800138000", "content": "该单位去年发生过安全事故,情况属实。"}


def _count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- public: objections (JSON, upload, HTML form) and the seat's plain ballot form ------------------


def test_objection_json_with_unit_id_past_the_id_range_is_400(app, client):
    _, item = published_world(app)
    response = client.post(f"/api/v1/notices/{item.id}/objections", json={**OBJECTION, "unit_id": BIG})
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {"unit_id": [ID_RANGE]}
    assert _count(Objection) == 0


def test_objection_upload_with_unit_id_past_the_id_range_is_400(app, client):
    _, item = published_world(app)
    response = client.post(
        f"/api/v1/notices/{item.id}/objections/upload",
        data={**OBJECTION, "unit_id": str(BIG)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {"unit_id": [ID_RANGE]}
    assert _count(Objection) == 0


def test_objection_form_with_unit_id_past_the_id_range_shows_the_reason_and_keeps_the_input(app, client):
    _, item = published_world(app)
    url = f"/notices/{item.id}/objections/new"
    token = csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(
        url, data={**OBJECTION, "kind": "individual", "unit_id": str(BIG), "csrf_token": token}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert ID_RANGE in page and 'value="张三"' in page
    assert _count(Objection) == 0


def test_seat_plain_ballot_with_unit_id_past_the_id_range_records_nothing(client):
    world = briefing_world(client)
    client.post(
        f"/api/v1/campaigns/{world.cid}/presentations/{world.uid(1)}/open", headers=world.office_headers()
    )
    response = client.post(
        f"/s/{world.seats[(0, 'cadre')]}/ballot", data={"unit_id": str(BIG), "grade": "好"}
    )
    assert response.status_code == 302
    assert "failure=not_found" in response.headers["Location"]
    assert _count(Ballot) == 0


# --- office: paper sheet numbers, the notice, the training, the audit log -------------------------


def test_paper_sheet_number_with_non_ascii_digits_or_past_the_id_range_is_404(client):
    world = briefing_world(client)
    answers = []
    for seat in ("²", "٣", str(BIG), "9" * 30):
        sheet = f"{world.cid}-{seat}"
        response = client.post(
            f"/api/v1/campaigns/{world.cid}/paper-entries",
            json={"clerk": 1, "sheet": sheet, "grades": {}},
            headers=world.office_headers(),
        )
        answers.append((response.status_code, response.get_json()["error"]["message"]))
    assert answers == [
        (404, f"没有编号为“{world.cid}-²”的评定表。"),
        (404, f"没有编号为“{world.cid}-٣”的评定表。"),
        (404, f"没有编号为“{world.cid}-{BIG}”的评定表。"),
        (404, f"没有编号为“{world.cid}-{'9' * 30}”的评定表。"),
    ]
    assert _count(PaperEntry) == 0


def test_paper_page_sheet_number_with_non_ascii_digits_says_it_is_unknown(client, auth):
    world = briefing_world(client)
    auth.browser(make.office("clerk"))
    response = client.get(f"/office/campaigns/{world.cid}/briefing/paper?sheet={world.cid}-²")
    assert response.status_code == 200
    assert f"没有编号为“{world.cid}-²”的评定表。" in response.get_data(as_text=True)


def _draft_notice(client, world, headers, **extra):
    body = {"unit_ids": [world.a.id], "contact": CONTACT, **extra}
    return client.post(f"/api/v1/campaigns/{world.campaign.id}/notice", json=body, headers=headers)


def test_notice_with_unit_id_past_the_id_range_is_400(app, client, auth):
    world = review_world(app)
    headers = auth.headers(make.office("clerk"))
    response = _draft_notice(client, world, headers, unit_ids=[world.a.id, BIG])
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {"unit_ids": [ID_RANGE]}
    assert _count(Notice) == 0


def test_notice_starting_on_a_day_no_office_means_is_400(app, client, auth):
    world = review_world(app)
    headers = auth.headers(make.office("clerk"))
    answers = [_draft_notice(client, world, headers, starts_on=day) for day in ("9999-12-31", "2101-01-01")]
    assert [r.status_code for r in answers] == [400, 400]
    assert [r.get_json()["error"]["fields"] for r in answers] == [{"starts_on": [DAY_RANGE]}] * 2
    assert _count(Notice) == 0


def test_notice_form_with_unit_id_past_the_id_range_or_day_9999_keeps_the_input(app, client, auth):
    world = review_world(app)
    auth.browser(make.office("clerk"))
    url = f"/office/campaigns/{world.campaign.id}/notice"
    token = csrf_from(client.get(url).get_data(as_text=True))
    data = {
        "csrf_token": token,
        "unit_ids": [str(world.a.id), str(BIG)],
        "starts_on": "9999-12-31",
        **CONTACT,
    }
    response = client.post(url, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert ID_RANGE in page and DAY_RANGE in page and 'value="9999-12-31"' in page
    assert _count(Notice) == 0


def test_training_starting_in_year_1_or_9999_is_400(client):
    world = training_world(client)
    answers = [
        client.put(
            f"/api/v1/campaigns/{world.campaign.id}/training",
            json={"starts_at": moment},
            headers=world.headers("office"),
        )
        for moment in (
            "0001-01-01T00:00",
            "0001-01-01T00:00+08:00",
            "9999-12-31T23:59",
            "9999-12-31T23:59-12:00",
        )
    ]
    assert [r.status_code for r in answers] == [400] * 4
    assert [r.get_json()["error"]["fields"] for r in answers] == [{"starts_at": [DAY_RANGE]}] * 4
    assert _count(Training) == 0


def test_training_form_starting_in_year_1_says_why(client, auth):
    world = training_world(client)
    auth.browser(make.office("clerk"))
    page = f"/office/campaigns/{world.campaign.id}/training"
    token = csrf_from(client.get(page).get_data(as_text=True))
    response = client.post(
        f"{page}/schedule", data={"csrf_token": token, "starts_at": "0001-01-01T00:00"}, follow_redirects=True
    )
    assert response.status_code == 200
    assert DAY_RANGE in response.get_data(as_text=True)
    assert _count(Training) == 0


def _audit_world(auth) -> None:
    campaign = make.campaign()
    from evalflow.shared.access import Actor, Role
    from evalflow.shared.audit import record as audit

    audit.record(Actor(Role.OFFICE, label="alice"), "campaign.create", campaign_id=campaign.id, reason="第一")
    auth.browser(make.office("clerk"))


AUDIT_FILTERS = [
    ("since=0001-01-01", "since", DAY_RANGE),
    ("until=9999-12-31", "until", DAY_RANGE),
    (f"campaign={BIG}", "campaign", ID_RANGE),
    ("campaign=%C2%B2", "campaign", ID_RANGE),
    ("since=not-a-date", "since", "不是有效的日期值"),
]


def _field_errors(page: str, name: str) -> str:
    """The text of the field *name*'s block of the filter form (its input and its errors)."""
    start = page.index(f'id="{name}"')
    return page[start : page.index("</div>", start)]


def test_audit_page_filters_out_of_range_are_400_with_the_reason_on_the_field(client, auth):
    _audit_world(auth)
    for query, field, reason in AUDIT_FILTERS:
        response = client.get(f"/office/audit/?{query}")
        page = response.get_data(as_text=True)
        assert response.status_code == 400, query
        assert reason in _field_errors(page, field), query
        if field != "campaign":  # a typed date is kept as typed (the campaign is a list to choose from)
            assert f'value="{query.split("=")[1]}"' in _field_errors(page, field), query
        assert "第一" not in page, query


def test_audit_export_with_bad_filters_is_400_before_the_first_byte_never_the_whole_log(client, auth):
    _audit_world(auth)
    assert _count(AuditEntry) == 1
    for query, _field, reason in AUDIT_FILTERS:
        response = client.get(f"/office/audit/export.csv?{query}")
        body = response.get_data(as_text=True)
        assert response.status_code == 400, query
        assert response.headers["Content-Type"].startswith("text/html"), query
        assert reason in body and "第一" not in body and "entry_hash" not in body, query


# --- protected routes authenticate before they validate --------------------------------------------


def test_protected_route_anonymous_empty_body_is_401_not_field_errors(client):
    campaign = make.campaign()
    db.session.commit()
    response = client.post(f"/api/v1/campaigns/{campaign.id}/notice", json={})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthenticated"
    assert "fields" not in response.get_json()["error"]


def test_out_of_range_id_is_explained_in_english_under_lang_en(app, client):
    _, item = published_world(app)
    response = client.post(
        f"/api/v1/notices/{item.id}/objections?lang=en", json={**OBJECTION, "unit_id": BIG}
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {
        "unit_id": ["An id must be a whole number from 1 to 2147483647."]
    }


def test_nan_and_infinity_are_no_number(client, auth):
    campaign = make.campaign()
    headers = auth.headers(make.office("clerk"))
    answers = [
        client.put(
            f"/api/v1/campaigns/{campaign.id}/tally/settings",
            data=b'{"reciprocity_margin": %s}' % token,
            content_type="application/json",
            headers=headers,
        )
        for token in (b"NaN", b"Infinity", b"-Infinity")
    ]
    assert [r.status_code for r in answers] == [400, 400, 400]
    assert all("须为有限的数字。" in r.get_json()["error"]["fields"]["reciprocity_margin"] for r in answers)
