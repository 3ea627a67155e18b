"""User text is data, never a translation key: a ``%`` or markup in it is shown as typed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import g

from tests.factories import PASSWORD, csrf_from, login
from tests.training_world import build

TEMPLATES = Path(__file__).parents[2] / "templates"
# _() / tr() of something that is not a string literal is allowed only for the labels of fixed
# values (phases, statuses, roles), which are N_() constants of the code.
CONSTANT_ARGUMENT = re.compile(r"^(\w+\.)*label$|^\w*labels\[[\w.]+\]$|^status_label$|^r$|^m$")
# Template variables known to hold an N_() constant of the code (name: where it comes from).
KNOWN_CONSTANTS = {"refused": "notice/rules.py: ANONYMOUS_REFUSED"}


def _client(app, username):
    client = app.test_client()
    g.pop("csrf_token", None)
    assert login(client, username, PASSWORD).status_code == 302
    return client


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_training_agenda_with_percent_and_markup_is_shown_as_typed(app, client, lang):
    world = build(client)
    office = _client(app, "office")
    page = f"/office/campaigns/{world.campaign.id}/training"
    token = csrf_from(office.get(page).get_data(as_text=True))
    agenda = "完成率 100%\n<b>%(name)s</b> 讲话\n申报评选流程"
    saved = office.post(f"{page}/schedule", data={"agenda": agenda, "place": "礼堂", "csrf_token": token})
    assert saved.status_code == 302
    unit_page = _client(app, "unit-a").get("/unit/training", query_string={"lang": lang})
    office_page = office.get(page, query_string={"lang": lang})
    text = unit_page.get_data(as_text=True)
    assert unit_page.status_code == 200
    assert "<li>完成率 100%</li><li>&lt;b&gt;%(name)s&lt;/b&gt; 讲话</li>" in text
    default_topic = "Application and selection process" if lang == "en" else "申报评选流程"
    assert f"<li>{default_topic}</li>" in text
    form = office_page.get_data(as_text=True)  # the office edits the agenda as typed
    assert office_page.status_code == 200
    assert "完成率 100%\n&lt;b&gt;%(name)s&lt;/b&gt; 讲话\n" in form and "<b>%(name)s</b>" not in form


def test_templates_translate_only_constants():
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) > 40, f"the walk should see every template under {TEMPLATES}"
    offenders = []
    for path in templates:
        for match in re.finditer(r"\b(?:_|tr|gettext)\(\s*([^'\"\s)][^)]*)\)", path.read_text()):
            argument = match.group(1).strip()
            if not CONSTANT_ARGUMENT.match(argument) and argument not in KNOWN_CONSTANTS:
                offenders.append(f"{path.relative_to(TEMPLATES)}: {match.group(0)}")
    assert offenders == []
