"""The office's posters: each accepted unit's questionnaire link as a QR code on an A4 page.

The link is absolute (``PUBLIC_BASE_URL`` wins over the request's host), so a poster printed from
an office machine opens the public server on a resident's phone.
"""

from __future__ import annotations

from flask import current_app, has_request_context, url_for
from flask_babel import gettext

from evalflow.shared.access import Action, Actor
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.campaigns.service import require
from evalflow.shared.errors import Conflict
from evalflow.shared.messages import N_, msg
from evalflow.survey.pdf import Poster, PosterText, build_posters
from evalflow.survey.questionnaire import stored, survey_unit, survey_units


def public_url(endpoint: str, **values: object) -> str:
    """An absolute URL of a public page (``PUBLIC_BASE_URL`` wins over the request's host)."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if has_request_context():
        if not base:
            return url_for(endpoint, _external=True, **values)
        return base.rstrip("/") + url_for(endpoint, **values)
    adapter = current_app.url_map.bind(current_app.config.get("SERVER_NAME") or "localhost")
    return (base or "http://localhost").rstrip("/") + adapter.build(endpoint, values)


def answer_url(campaign_id: int, unit_id: int) -> str:
    """The absolute URL of a unit's questionnaire (what its poster's QR opens)."""
    return public_url("survey_public.answer_form", cid=campaign_id, uid=unit_id)


def department_url(token: str) -> str:
    """The absolute URL of a department's page (its token in the path, no account)."""
    return public_url("survey_departments.page", token=token)


def _text() -> PosterText:
    return PosterText(
        heading=gettext("问卷调查"),
        instruction=gettext(
            "请用手机扫描二维码,匿名填写满意度问卷,约需一分钟。每部手机对本单位只能作答一次。感谢您的参与!"
        ),
    )


def posters(actor: Actor, campaign: Campaign, unit_id: int | None = None) -> bytes:
    """The poster of one unit taking part (*unit_id*; 404 otherwise) or of every accepted unit, as one PDF."""
    require(actor, Action.SURVEY_VIEW, campaign)
    if stored(campaign.id) is None:
        raise Conflict(msg(N_("请先设置问卷。")), code="no_survey")
    units = [survey_unit(campaign.id, unit_id)] if unit_id is not None else survey_units(campaign.id)
    items = [Poster(campaign.title, u.name, answer_url(campaign.id, u.id)) for u in units]
    return build_posters(items, _text(), title=gettext("问卷调查"))
