"""Two office requests racing on the same answer or the same paper sheet, on both engines: the
competing request is made to run at the worst moment — inside the first request, right after it read
what it checks (a function the use case calls is wrapped) — in another thread with its own session
and connection, as a second server process would.

When the first request holds a lock by then (the fix), the competing request waits for it and the
first one goes on after a short wait; without the lock the competing request finishes first and the
first one acts on what it read before."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.shared.audit.models import AuditEntry
from evalflow.survey import answers, paper
from evalflow.survey.models import PaperEntry, SurveyAnswer
from tests.races import Meanwhile
from tests.survey_world import answer_url, build


def _invalidations() -> list[str]:
    stmt = (
        sa.select(AuditEntry.reason).where(AuditEntry.action == "survey.invalidate").order_by(AuditEntry.id)
    )
    return list(db.session.scalars(stmt))


def test_two_invalidations_of_one_answer_at_once_one_wins_and_one_entry_is_audited(
    app, client, auth, monkeypatch
):
    world = build()
    assert client.post(answer_url(world), json={"respondent": "staff", "choices": [2, 2]}).status_code == 201
    answer_id = db.session.scalar(sa.select(SurveyAnswer.id))
    url = f"/api/v1/campaigns/{world.campaign.id}/survey-answers/{answer_id}/invalidate"
    headers = auth.headers(world.office)
    other = Meanwhile(app, lambda c: c.post(url, json={"reason": "乙:同一人重复填写"}, headers=headers))
    # the competing request runs after the first one found the answer valid and before it writes
    monkeypatch.setattr(answers, "text_problem", other.wrap(answers.text_problem, after=False))
    first = client.post(url, json={"reason": "甲:测试数据"}, headers=headers)
    second = other.result()
    assert second[0] == 200, second
    assert (first.status_code, first.get_json()["error"]["code"]) == (409, "already_invalid")
    db.session.expire_all()
    row = db.session.get(SurveyAnswer, answer_id)
    assert (row.invalidated_at is not None, row.invalid_reason) == (True, "乙:同一人重复填写")
    assert _invalidations() == ["乙:同一人重复填写"]


def _paper(world: Any, headers: dict[str, str], pass_no: int, choices: list[Any]) -> Callable[[Any], Any]:
    url = f"/api/v1/campaigns/{world.campaign.id}/units/{world.a.id}/survey-paper"
    body = {"sheet": "R0", "pass_no": pass_no, "respondent": "staff", "choices": choices}
    return lambda c: c.post(url, json=body, headers=headers)


def _entries() -> list[tuple[int, list[Any], int | None]]:
    stmt = sa.select(PaperEntry.pass_no, PaperEntry.choices, PaperEntry.answer_id).order_by(
        PaperEntry.pass_no
    )
    return [tuple(row) for row in db.session.execute(stmt)]  # type: ignore[misc]


def test_the_same_pass_keyed_twice_at_once_is_keyed_again_never_a_500(app, client, auth, monkeypatch):
    world = build()
    headers = auth.headers(world.office)
    other = Meanwhile(app, _paper(world, headers, 1, [1, 1]))
    # the competing keying runs after the first one read the sheet's passes
    monkeypatch.setattr(paper, "_entries", other.wrap(paper._entries, after=True))
    first = _paper(world, headers, 1, [0, None])(client)
    second = other.result()
    assert (first.status_code, first.get_json()["status"]) == (201, "waiting"), first.get_json()
    assert (second[0], second[1]["status"]) == (201, "waiting"), second
    db.session.expire_all()
    assert _entries() == [(1, [1, 1], None)]  # one row: the last keying
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyAnswer)) == 0
    statuses = db.session.scalars(
        sa.select(AuditEntry.data).where(AuditEntry.action == "survey.paper_key").order_by(AuditEntry.id)
    )
    assert [(d["pass"], d["status"]) for d in statuses] == [(1, "waiting"), (1, "waiting")]


def test_both_passes_keyed_at_once_one_sees_the_other_and_the_sheet_matches(app, client, auth, monkeypatch):
    world = build()
    headers = auth.headers(world.office)
    other = Meanwhile(app, _paper(world, headers, 1, [0, None]))
    monkeypatch.setattr(paper, "_entries", other.wrap(paper._entries, after=True))
    first = _paper(world, headers, 2, [0, None])(client)
    second = other.result()
    assert sorted([first.get_json()["status"], second[1]["status"]]) == ["matched", "waiting"], (
        first,
        second,
    )
    db.session.expire_all()
    answer = db.session.scalars(sa.select(SurveyAnswer)).one()
    assert (answer.unit_id, answer.respondent, answer.choices, answer.device) == (
        world.a.id,
        "staff",
        [0, None],
        None,
    )
    assert _entries() == [(1, [0, None], answer.id), (2, [0, None], answer.id)]
    mismatches = client.get(f"/api/v1/campaigns/{world.campaign.id}/survey-paper/mismatches", headers=headers)
    assert mismatches.get_json() == []
