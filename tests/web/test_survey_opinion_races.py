"""征求意见 under races, on both engines: another request lands in the moment between a use case's
check and its write (it runs to its end on its own thread, session and connection, the first time the
use case reaches a function it calls there). A department's first opinion sent twice: the last answer
wins, as a resubmission does, and the evidence it replaced leaves the disk; a department added twice:
one 201, one 409 ``duplicate``; a case decided twice: one decision, the other 409 ``decided`` with no
veto record and no audit entry; an answer that meets a decision: 409 and its upload gone. Never a 500.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.intake.models import VetoIncident
from evalflow.shared.files.models import StoredFile
from evalflow.survey import departments
from evalflow.survey.models import Department, Opinion
from tests import factories
from tests.intake_world import PNG
from tests.survey_world import audit_entries, build, count_rows, files_on_disk

TOKEN = "dep-race-token-123456"


def _in_thread(work: Callable[[], Any]) -> Any:
    """*work* run to its end on a thread of its own (its own app context, session and connection)."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["value"] = work()
        except BaseException as exc:  # handed to the test's thread
            out["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "the competing request did not finish"
    if "error" in out:
        raise out["error"]
    return out["value"]


class _Meanwhile:
    """Stands for a module a use case holds (``departments.clock``, ``departments.files``): the first
    call of *name* runs *competitor* (another request) to its end before it goes on."""

    def __init__(self, real: Any, name: str, competitor: Callable[[], Any]) -> None:
        self.real, self.name, self.competitor, self.answers = real, name, competitor, []

    def __getattr__(self, attr: str) -> Any:
        value = getattr(self.real, attr)
        if attr != self.name:
            return value

        def first(*args: Any, **kwargs: Any) -> Any:
            if not self.answers:
                self.answers.append(None)
                self.answers[0] = _in_thread(self.competitor)
            return value(*args, **kwargs)

        return first


def _opinion_url(world: Any) -> str:
    return f"/api/v1/campaigns/{world.campaign.id}/units/{world.a.id}/opinion"


def _page_answer(app: Any, world: Any, text: str, content: bytes, name: str) -> Any:
    """The department's page: open it (CSRF) and send an answer on 甲 with an evidence file."""
    client = app.test_client()
    token = factories.csrf_from(client.get(f"/d/{TOKEN}").get_data(as_text=True))
    return client.post(f"/d/{TOKEN}/units/{world.a.id}", data={"csrf_token": token, "verdict": "problem",
                       "text": text, "evidence": (io.BytesIO(content), name)})  # fmt: skip


def _world() -> tuple[Any, Department]:
    world = build()
    department = factories.department(world.campaign, "公安局", TOKEN)
    db.session.commit()
    return world, department


def test_a_first_opinion_sent_twice_at_once_keeps_the_last_answer(app, client, monkeypatch):
    world, department = _world()
    url = _opinion_url(world)

    def competitor() -> Any:
        return app.test_client().put(url, json={"verdict": "none"}, headers=factories.bearer(TOKEN))

    meanwhile = _Meanwhile(departments.clock, "now", competitor)
    monkeypatch.setattr(departments, "clock", meanwhile)
    last = client.put(url, json={"verdict": "problem", "text": "后到的意见"}, headers=factories.bearer(TOKEN))
    assert meanwhile.answers[0].status_code == 200, meanwhile.answers[0].get_json()
    assert last.status_code == 200, last.get_json()
    assert (last.get_json()["verdict"], last.get_json()["text"]) == ("problem", "后到的意见")
    db.session.expire_all()
    row = db.session.get(Opinion, (department.id, world.a.id))
    assert (row.verdict, row.text, row.outcome) == ("problem", "后到的意见", None)
    assert count_rows(Opinion) == 1
    assert [a.data["verdict"] for a in audit_entries("survey.opinion")] == ["none", "problem"]


def test_a_first_opinion_with_evidence_sent_twice_at_once_keeps_the_last_file_only(app, client, monkeypatch):
    world, department = _world()
    first, second = PNG + b"first-evidence", PNG + b"second-evidence"
    meanwhile = _Meanwhile(
        departments.files, "store_upload", lambda: _page_answer(app, world, "先到的意见", first, "先.png")
    )
    monkeypatch.setattr(departments, "files", meanwhile)
    last = _page_answer(app, world, "后到的意见", second, "后.png")
    assert meanwhile.answers[0].status_code == 302
    assert last.status_code == 302, last.get_data(as_text=True)
    db.session.expire_all()
    row = db.session.get(Opinion, (department.id, world.a.id))
    stored = db.session.get(StoredFile, row.evidence_file_id)
    assert (row.text, stored.filename, stored.purpose) == ("后到的意见", "后.png", "veto_evidence")
    assert count_rows(StoredFile) == 1  # the first answer's file went with the answer it replaced
    assert files_on_disk(app) == [second]


def test_an_answer_that_meets_the_offices_decision_is_refused_and_leaves_no_file(
    app, client, auth, monkeypatch
):
    world, department = _world()
    factories.opinion(department, world.a, "problem", "存在消防隐患")
    db.session.commit()
    office = auth.headers(world.office)
    decision = (
        f"/api/v1/campaigns/{world.campaign.id}/departments/{department.id}/units/{world.a.id}/decision"
    )

    def competitor() -> Any:
        return app.test_client().post(
            decision, json={"outcome": "no_effect", "reason": "已整改"}, headers=office
        )

    meanwhile = _Meanwhile(departments.files, "store_upload", competitor)
    monkeypatch.setattr(departments, "files", meanwhile)
    late = _page_answer(app, world, "改为别的意见", PNG + b"late-evidence", "迟.png")
    assert meanwhile.answers[0].status_code == 200, meanwhile.answers[0].get_json()
    assert late.status_code == 409 and "文明办已对该意见作出处理,不能再修改。" in late.get_data(as_text=True)
    db.session.expire_all()
    row = db.session.get(Opinion, (department.id, world.a.id))
    assert (row.text, row.outcome, row.evidence_file_id) == ("存在消防隐患", "no_effect", None)
    assert count_rows(StoredFile) == 0 and files_on_disk(app) == []
    assert audit_entries("survey.opinion") == []


def test_a_department_added_twice_at_once_is_made_once_and_the_other_gets_duplicate(
    app, client, auth, monkeypatch
):
    world = build()
    office = auth.headers(world.office)
    url = f"/api/v1/campaigns/{world.campaign.id}/departments"

    def competitor() -> Any:
        return app.test_client().post(url, json={"name": "公安局"}, headers=office)

    meanwhile = _Meanwhile(departments.clock, "now", competitor)
    monkeypatch.setattr(departments, "clock", meanwhile)
    second = client.post(url, json={"name": "公安局"}, headers=office)
    assert meanwhile.answers[0].status_code == 201, meanwhile.answers[0].get_json()
    assert (second.status_code, second.get_json()["error"]["code"]) == (409, "duplicate")
    assert second.get_json()["error"]["message"] == "已有同名部门。"
    db.session.expire_all()
    assert db.session.scalars(sa.select(Department.name)).all() == ["公安局"]
    assert [a.data["name"] for a in audit_entries("survey.department_add")] == ["公安局"]


def test_a_case_decided_twice_at_once_has_one_decision(app, client, auth, monkeypatch):
    world, department = _world()
    factories.opinion(department, world.a, "problem", "发生重大安全事故")
    db.session.commit()
    office = auth.headers(world.office)
    url = f"/api/v1/campaigns/{world.campaign.id}/departments/{department.id}/units/{world.a.id}/decision"
    real_text, answers = departments._text, []

    def text_meanwhile(value: Any, name: str, *args: Any, **kwargs: Any) -> str:
        if name == "reason" and not answers:
            answers.append(None)
            answers[0] = _in_thread(
                lambda: app.test_client().post(
                    url, json={"outcome": "no_effect", "reason": "已整改"}, headers=office
                )
            )
        return real_text(value, name, *args, **kwargs)

    monkeypatch.setattr(departments, "_text", text_meanwhile)
    veto = client.post(url, json={"outcome": "veto", "reason": "经核实属实", "kind": "发生重大安全生产事故"},
                       headers=office)  # fmt: skip
    assert answers[0].status_code == 200 and answers[0].get_json()["outcome"] == "no_effect"
    assert (veto.status_code, veto.get_json()["error"]["code"]) == (409, "decided")
    db.session.expire_all()
    row = db.session.get(Opinion, (department.id, world.a.id))
    assert (row.outcome, row.outcome_reason, row.veto_id) == ("no_effect", "已整改", None)
    assert count_rows(VetoIncident) == 0
    assert [(a.data["outcome"], a.reason) for a in audit_entries("survey.case_decide")] == [
        ("no_effect", "已整改")
    ]
