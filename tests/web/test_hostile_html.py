"""Hostile input through the HTML forms: every case is a clean 4xx (or a flashed refusal), nothing is
stored, on SQLite and PostgreSQL alike. The same rule as the API: evalflow.domain.text."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from flask_wtf import FlaskForm
from wtforms import Form

import evalflow.web
from evalflow.extensions import db
from evalflow.models import Application, ApplicationStatus, Campaign, Unit, User
from evalflow.web.forms import SafeForm, SafeSubForm
from tests.conftest import csrf_from
from tests.intake_world import UNIT_PASSWORD, build
from tests.web.test_html_auth import login

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
         {"username": "office\x00", "password": UNIT_PASSWORD}, BAD_CHARACTER, lambda: []),
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
        assert login(client, case.who, UNIT_PASSWORD).status_code == 302
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
    for module in pkgutil.iter_modules(evalflow.web.__path__):
        importlib.import_module(f"evalflow.web.{module.name}")
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
    assert login(client, "unit-a", UNIT_PASSWORD).status_code == 302
    for query in ("%00", "a%00b", "%ED%A0%80", "%C0%80"):
        response = client.get(f"/unit/faq?q={query}")
        assert response.status_code == 200, query
    office = client.application.test_client()
    assert login(office, "office", UNIT_PASSWORD).status_code == 302
    response = office.get(f"/office/campaigns/{world.campaign.id}/faq?q=%00")
    assert response.status_code == 200
