"""Hostile input through the HTML forms: every case is a clean 4xx (or a flashed refusal), nothing is
stored, on SQLite and PostgreSQL alike. The same rule as the API: evalflow.shared.text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from flask_wtf import FlaskForm
from wtforms import DateTimeField, FieldList, Form, FormField, IntegerField
from wtforms.fields.choices import SelectFieldBase
from wtforms.validators import NumberRange

from evalflow.extensions import db
from evalflow.intake.models import Application, ApplicationStatus
from evalflow.shared.accounts.models import User
from evalflow.shared.bounds import MAX_ID
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.web.forms import (
    DayInRange,
    IdField,
    IdMultipleField,
    IdSelectField,
    SafeForm,
    SafeSubForm,
)
from tests import app_modules
from tests.factories import PASSWORD, csrf_from, login
from tests.intake_world import build

NUL = "标题\x00注入"
INVISIBLE = "\ufeff"
ZERO_WIDTH = "\u200b\u200c\u2060"
CONTROL = "正文\x1b[31m"
BAD_CHARACTER = "含有无法保存的字符"
ONLY_INVISIBLE = "不能只包含空白或不可见的字符"


@dataclass(frozen=True)
class Case:
    name: str
    who: str | None  # "office", "unit-a" or None (anonymous)
    page: str  # where the form (and its CSRF token) is
    url: str  # where it posts
    data: dict[str, str]
    message: str
    stored: Any  # () -> something that must not contain the hostile value


def _campaign_titles() -> list[str]:
    return list(db.session.scalars(sa.select(Campaign.title)))


def _application_a() -> tuple[str, str]:
    row = db.session.scalars(sa.select(Application).order_by(Application.id)).first()
    return row.report_title or "", row.report_text or ""


def _unit_names() -> list[str]:
    return list(db.session.scalars(sa.select(Unit.name))) + list(db.session.scalars(sa.select(User.username)))


def _review() -> tuple[str, str]:
    row = db.session.scalars(sa.select(Application).order_by(Application.id)).first()
    return row.status.value, row.review_comment or ""


REGISTER = {"name": "丁社区", "username": "ding", "password": "ding-pass-1234"}
CASES = [
    Case("campaign title with NUL", "office", "/office/campaigns/new", "/office/campaigns/new",
         {"title": NUL, "notice_working_days": "5"}, BAD_CHARACTER, _campaign_titles),
    Case("campaign title only BOM", "office", "/office/campaigns/new", "/office/campaigns/new",
         {"title": INVISIBLE, "notice_working_days": "5"}, ONLY_INVISIBLE, _campaign_titles),
    Case("campaign title zero-width", "office", "/office/campaigns/new", "/office/campaigns/new",
         {"title": ZERO_WIDTH, "notice_working_days": "5"}, ONLY_INVISIBLE, _campaign_titles),
    Case("campaign description with escape", "office", "/office/campaigns/new", "/office/campaigns/new",
         {"title": "好标题", "description": CONTROL, "notice_working_days": "5"}, BAD_CHARACTER,
         _campaign_titles),
    Case("report title only BOM", "unit-a", "/unit/", "/unit/application",
         {"report_title": INVISIBLE, "report_text": "正文"}, ONLY_INVISIBLE, _application_a),
    Case("report text with NUL", "unit-a", "/unit/", "/unit/application",
         {"report_title": "标题", "report_text": NUL}, BAD_CHARACTER, _application_a),
    Case("registration name with NUL", None, "/unit/register", "/unit/register",
         {**REGISTER, "name": NUL}, BAD_CHARACTER, _unit_names),
    Case("registration username with NUL", None, "/unit/register", "/unit/register",
         {**REGISTER, "username": "ding\x00"}, BAD_CHARACTER, _unit_names),
    Case("registration name invisible", None, "/unit/register", "/unit/register",
         {**REGISTER, "name": ZERO_WIDTH}, ONLY_INVISIBLE, _unit_names),
    Case("login username with NUL", None, "/login", "/login",
         {"username": "office\x00", "password": PASSWORD}, BAD_CHARACTER, lambda: []),
    Case("review comment with NUL", "office", "/office/", "/office/campaigns/{cid}/units/{uid}/application/review",
         {"decision": "return", "comment": NUL}, BAD_CHARACTER, _review),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_form_input_is_refused_and_not_stored(client, case):
    world = build()
    application = db.session.scalar(sa.select(Application).where(Application.unit_id == world.a.id))
    application.status = ApplicationStatus.SUBMITTED if "review" in case.name else ApplicationStatus.DRAFT
    db.session.commit()
    if case.who:
        assert login(client, case.who, PASSWORD).status_code == 302
    url = case.url.format(cid=world.campaign.id, uid=world.a.id)
    data = dict(case.data)
    if "campaign" not in data and "register" in url:
        data["campaign"] = str(world.campaign.id)
    data["csrf_token"] = csrf_from(client.get(case.page).get_data(as_text=True))
    response = client.post(url, data=data, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 400), page[:300]  # a flashed refusal after a redirect, or 400
    assert case.message in page
    hostile = [v for v in case.data.values() if v not in ("5", "return") and v not in REGISTER.values()]
    assert not any(h in str(case.stored()) for h in hostile)
    if "login" in case.name:
        assert response.status_code == 400 and "退出" not in page


def _all_subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _all_subclasses(sub)
    return found


def test_every_form_of_the_app_checks_its_text():
    """A form added later that forgets SafeForm fails here (its text fields would take NUL bytes)."""
    assert len(app_modules.import_all("forms", "pages")) > 10
    ours = [
        f
        for f in _all_subclasses(FlaskForm) | _all_subclasses(Form)
        if f.__module__.startswith("evalflow.") and f not in (SafeForm, SafeSubForm)
    ]
    assert ours, "no form found"
    missing = [f.__qualname__ for f in ours if not issubclass(f, SafeForm | SafeSubForm)]
    assert missing == []
    assert {"LoginForm", "ReviewForm", "ScheduleForm", "SeatForm", "GradeForm"} <= {f.__name__ for f in ours}


def test_faq_search_with_nul_or_surrogate_is_not_a_500(client):
    from tests.training_world import build as training_build

    world = training_build(client)
    assert login(client, "unit-a", PASSWORD).status_code == 302
    for query in ("%00", "a%00b", "%ED%A0%80", "%C0%80"):
        response = client.get(f"/unit/faq?q={query}")
        assert response.status_code == 200, query
    office = client.application.test_client()
    assert login(office, "office", PASSWORD).status_code == 302
    response = office.get(f"/office/campaigns/{world.campaign.id}/faq?q=%00")
    assert response.status_code == 200


def _bound_fields(form: Any) -> list[Any]:
    found = []
    for field in form:
        if isinstance(field, FieldList | FormField):
            found += _bound_fields(field)
        else:
            found.append(field)
    return found


def test_every_form_bounds_its_ids_numbers_and_dates(app):
    """The same bounds as the API (shared/bounds.py): an id field is an IdField or IdSelectField, any
    other whole number has an upper bound, every date field gets DayInRange (through SafeForm)."""
    assert len(app_modules.import_all("forms", "pages")) > 10
    forms = [f for f in _all_subclasses(SafeForm) if f.__module__.startswith("evalflow.")]
    problems, dates, ids = [], 0, 0
    with app.test_request_context():
        for form_class in forms:
            for field in _bound_fields(form_class(meta={"csrf": False})):
                name = f"{form_class.__name__}.{field.name}"
                if isinstance(field, DateTimeField):
                    dates += 1
                    if not any(isinstance(v, DayInRange) for v in field.validators):
                        problems.append(name)
                if isinstance(field, SelectFieldBase) and getattr(field, "coerce", None) is int:
                    problems.append(name)  # int() takes 2**63: use IdSelectField / IdMultipleField
                if isinstance(field, IdField | IdSelectField | IdMultipleField):
                    ids += 1
                elif isinstance(field, IntegerField) and not any(
                    isinstance(v, NumberRange) and v.max is not None and v.max <= MAX_ID
                    for v in field.validators
                ):
                    problems.append(name)
    assert problems == []
    assert dates >= 5 and ids >= 4


# --- ids and dates no office could mean, through the pages ------------------------------------------

BIG = str(2**63)
ID_RANGE = "编号须为 1 到 2147483647 之间的整数。"
DAY_RANGE = "日期须在 2000-01-01 到 2100-12-31 之间。"


def _world(app: Any, client: Any, kind: str) -> dict[str, Any]:
    """The ids a case's URLs need, in a campaign of the phase the form belongs to."""
    from tests import briefing_world, intake_world, notice_world, training_world

    if kind == "notice":
        world, item = notice_world.published_world(app)
        return {"cid": world.campaign.id, "nid": item.id, "uid": world.a.id}
    if kind == "review":
        world = notice_world.review_world(app)
        return {"cid": world.campaign.id, "uid": world.a.id}
    if kind == "briefing":
        b = briefing_world.build(client)
        return {"cid": b.cid, "uid": b.uid(1), "token": b.seats[(0, "cadre")], "office": b.office_headers()}
    if kind == "training":
        t = training_world.build(client)
        return {"cid": t.campaign.id, "uid": t.a.id}
    i = intake_world.build()
    return {"cid": i.campaign.id, "uid": i.a.id}


def _rows() -> tuple[int, ...]:
    from evalflow.briefing.models import Ballot
    from evalflow.intake.models import VetoIncident
    from evalflow.notice.models import CalendarDay, Notice, Objection
    from evalflow.training.models import Training

    count = lambda model: db.session.scalar(sa.select(sa.func.count()).select_from(model))  # noqa: E731
    starts = db.session.scalar(sa.select(sa.func.count()).where(Training.starts_at.is_not(None)))
    return tuple(count(m) for m in (Ballot, CalendarDay, Notice, Objection, VetoIncident)) + (starts,)


@dataclass(frozen=True)
class Bound:
    name: str
    world: str
    office: bool
    page: str  # the form's page (its CSRF token), "" for a form without one
    url: str
    data: dict[str, Any]
    status: int  # after following redirects
    message: str  # in the page, or in the redirect's address when status is 302


OBJECTION = {"kind": "individual", "name": "张三", "phone": "13800138000", "content": "该单位存在违规情况。"}
NOTICE = {"phone": "0591-87654321", "email": "wmb@example.gov.cn", "address": "福州市鼓楼区示例路1号",
          "postcode": "350001"}  # fmt: skip
BOUNDS = [
    *[Bound(f"objection unit {v!r}", "notice", False, "/notices/{nid}/objections/new",
            "/notices/{nid}/objections/new", {**OBJECTION, "unit_id": v}, 400, ID_RANGE)
      for v in (BIG, "-1", "²", "٣", "1.5", "0")],
    *[Bound(f"seat ballot unit {v!r}", "briefing", False, "", "/s/{token}/ballot",
            {"unit_id": v, "grade": "好"}, 302, "failure=not_found") for v in (BIG, "²", "-1")],
    Bound("notice unit past the range", "review", True, "/office/campaigns/{cid}/notice",
          "/office/campaigns/{cid}/notice", {**NOTICE, "unit_ids": ["{uid}", BIG]}, 400, ID_RANGE),
    *[Bound(f"notice starts {v}", "review", True, "/office/campaigns/{cid}/notice",
            "/office/campaigns/{cid}/notice", {**NOTICE, "unit_ids": ["{uid}"], "starts_on": v}, 400, DAY_RANGE)
      for v in ("0001-01-01", "9999-12-31", "2101-01-01")],
    *[Bound(f"calendar day {v}", "review", True, "/office/calendar", "/office/calendar",
            {"day": v, "is_workday": "1"}, 400, DAY_RANGE) for v in ("0001-01-01", "9999-12-31")],
    Bound("training starts in year 9999", "training", True, "/office/campaigns/{cid}/training",
          "/office/campaigns/{cid}/training/schedule", {"starts_at": "9999-12-31T23:59"}, 200, DAY_RANGE),
    Bound("check-in minutes of 5000 digits", "training", True, "/office/campaigns/{cid}/training",
          "/office/campaigns/{cid}/training/checkin", {"minutes": "9" * 5000}, 400, "有效时间须为"),
    Bound("registration campaign past the range", "intake", False, "/unit/register", "/unit/register",
          {"campaign": BIG, "name": "丁社区", "username": "ding", "password": "ding-pass-1234"}, 400, ID_RANGE),
    Bound("intake deadline in year 9999", "intake", True, "/office/campaigns/{cid}/review",
          "/office/campaigns/{cid}/deadline", {"deadline": "9999-12-31"}, 200, DAY_RANGE),
    Bound("veto in year 1", "intake", True, "/office/campaigns/{cid}/units/{uid}/application",
          "/office/campaigns/{cid}/units/{uid}/vetoes",
          {"kind": "发生群体性事件", "occurred_on": "0001-01-01", "description": "事件"}, 200, DAY_RANGE),
    Bound("paper sheet with a superscript", "briefing", True, "/office/campaigns/{cid}/briefing/paper",
          "/office/campaigns/{cid}/briefing/paper", {"clerk": "1", "sheet": "{cid}-²"}, 200, "没有编号为"),
]  # fmt: skip


@pytest.mark.parametrize("case", BOUNDS, ids=[c.name for c in BOUNDS])
def test_ids_and_days_out_of_bounds_are_refused_with_the_reason_and_not_stored(app, client, case):
    ids = _world(app, client, case.world)
    if case.office:
        assert login(client, "office", PASSWORD).status_code == 302
    data = {
        k: [x.format(**ids) for x in v] if isinstance(v, list) else v.format(**ids)
        for k, v in case.data.items()
    }
    if case.page:
        data["csrf_token"] = csrf_from(client.get(case.page.format(**ids)).get_data(as_text=True))
    before = _rows()
    response = client.post(case.url.format(**ids), data=data, follow_redirects=case.status != 302)
    text = response.headers.get("Location", "") if case.status == 302 else response.get_data(as_text=True)
    assert response.status_code == case.status, text[:300]
    assert case.message in text
    assert _rows() == before


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/notices/{nid}/objections/new?unit=²", 200),
        ("/notices/{nid}/objections/new?unit=" + BIG, 200),
        ("/office/campaigns/{cid}/units/{uid}/application/diff?to=²&from=" + BIG, 404),
        ("/office/audit/?page=²", 400),
        ("/office/audit/?page=" + "9" * 5000, 400),
        ("/notices/%C2%B2", 404),
        ("/office/campaigns/%D9%A3", 404),
        ("/office/campaigns/-1", 404),
        ("/office/campaigns/" + "9" * 30, 404),
    ],
)
def test_hostile_query_strings_and_paths_of_pages_are_not_500(app, client, path, status):
    ids = _world(app, client, "notice")
    assert login(client, "office", PASSWORD).status_code == 302
    response = client.get(path.format(**ids))
    assert response.status_code == status, response.get_data(as_text=True)[:300]


def test_paper_sheets_pdf_with_a_seat_past_the_range_says_why(app, client):
    ids = _world(app, client, "briefing")
    assert login(client, "office", PASSWORD).status_code == 302
    response = client.get(
        f"/office/campaigns/{ids['cid']}/briefing/paper/sheets.pdf?seat={BIG}", follow_redirects=True
    )
    assert response.status_code == 200 and ID_RANGE in response.get_data(as_text=True)
