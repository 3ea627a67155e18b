"""问卷调查 and 征求意见 pages: the public form without JavaScript (a second answer from the same phone
refused kindly, in Chinese), coded slips, the department's page, and the
office's pages (questionnaire, results, signals, invalidation, cases) — on both engines."""

from __future__ import annotations

import html
import io
import re
import time
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from itsdangerous import URLSafeSerializer

from evalflow.extensions import db
from evalflow.intake.veto import vetoed_unit_ids
from evalflow.shared import clock
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.files.models import StoredFile
from evalflow.shared.phases import Phase
from evalflow.survey import rules, signals
from evalflow.survey.models import Opinion, Survey, SurveyAnswer
from evalflow.survey.pdf import Poster, build_posters
from tests import factories
from tests.survey_world import OPTIONS, build, survey_body


def _form(world: Any, unit: Any = None) -> str:
    return f"/survey/{world.campaign.id}/{(unit or world.a).id}"


def _post(client: Any, url: str, **fields: str) -> Any:
    page = client.get(url).get_data(as_text=True)
    opened = page.split('name="opened" value="', 1)[1].split('"', 1)[0]
    return client.post(url, data={"csrf_token": factories.csrf_from(page), "opened": opened, **fields})


def test_the_form_asks_who_first_then_each_question_without_script(app, client):
    world = build()
    page = client.get(_form(world)).get_data(as_text=True)
    assert page.index('name="respondent"') < page.index('name="q0"') < page.index('name="q1"')
    assert "<script" not in page.split("<main", 1)[1]
    assert "职工" in page and "居民" in page and "服务对象" not in page  # only the types asked


def test_a_phone_answers_once_per_unit_and_is_thanked_the_second_time(app, client):
    world = build()
    done = _post(client, _form(world), respondent="staff", q0="0", q1="1")
    assert done.status_code == 201
    assert "提交成功,感谢您的参与!" in done.get_data(as_text=True)
    shown_again = client.get(_form(world)).get_data(as_text=True)
    assert "您已为该单位填写过问卷" in shown_again and 'name="q0"' not in shown_again
    again = _post(client, _form(world, world.b), respondent="staff", q0="2")
    assert again.status_code == 201  # another unit: fine
    row = db.session.scalar(sa.select(SurveyAnswer).where(SurveyAnswer.unit_id == world.a.id))
    assert (row.respondent, row.choices, row.satisfied, row.chosen) == ("staff", [0, 1], 2, 2)
    assert row.opened_at is not None and row.created_at >= row.opened_at


def test_a_second_post_from_the_same_phone_is_refused_kindly(app, client):
    world = build()
    page = client.get(_form(world)).get_data(as_text=True)
    token, opened = factories.csrf_from(page), page.split('name="opened" value="', 1)[1].split('"', 1)[0]
    body = {"csrf_token": token, "opened": opened, "respondent": "staff", "q0": "0", "q1": "0"}
    assert client.post(_form(world), data=body).status_code == 201
    refused = client.post(_form(world), data=body)
    assert refused.status_code == 409
    assert "您已为该单位填写过问卷,感谢参与!每部手机对每个单位只能作答一次。" in refused.get_data(
        as_text=True
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyAnswer)) == 1


def test_the_form_keeps_choices_and_names_what_is_missing(app, client):
    world = build()
    refused = _post(client, _form(world), q0="1", q1="9")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "请选择您的身份。" in text and 'value="1" checked' in text


def test_a_coded_slip_answers_once_on_the_form(app, client, auth):
    world = build(mode="coded")
    made = client.post(f"/api/v1/campaigns/{world.campaign.id}/units/{world.a.id}/survey-codes", json={"count": 1},
                       headers=auth.headers(world.office)).get_json()["codes"][0]  # fmt: skip
    assert (
        _post(client, _form(world), respondent="resident", q0="0", q1="0", code="WRONGCODE").status_code
        == 403
    )
    assert _post(client, _form(world), respondent="resident", q0="0", q1="0", code=made).status_code == 201
    used = _post(app.test_client(), _form(world), respondent="resident", q0="1", q1="1", code=made)
    assert used.status_code == 409 and "该调查码已使用过" in used.get_data(as_text=True)


def test_the_department_page_answers_each_unit(app, client):
    world = build()
    department = factories.department(world.campaign, "公安局", "dep-token-123456")
    department.deadline = clock.today() + timedelta(days=3)
    db.session.commit()
    page = client.get("/d/dep-token-123456")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "甲社区" in text and "乙社区" in text and "反馈截止日期" in text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    token = factories.csrf_from(text)
    missing = client.post(
        f"/d/dep-token-123456/units/{world.a.id}", data={"csrf_token": token, "verdict": "problem"}
    )
    assert missing.status_code == 400 and "必填" in missing.get_data(as_text=True)
    sent = client.post(f"/d/dep-token-123456/units/{world.a.id}",
                       data={"csrf_token": token, "verdict": "problem", "text": "存在消防隐患"})  # fmt: skip
    assert sent.status_code == 302
    row = db.session.get(Opinion, (department.id, world.a.id))
    assert (row.verdict, row.text) == ("problem", "存在消防隐患")
    assert client.get("/d/not-the-token").status_code == 401


def test_the_office_sets_the_questionnaire_as_text(app, client, auth):
    world = build(mode=None)
    browser = auth.browser(world.office)
    url = f"/office/campaigns/{world.campaign.id}/survey"
    token = factories.csrf(browser, url)
    text = "服务是否满意?\n- 满意 = 10 *\n- 不满意 = 0\n环境是否满意?\n- 好 = 5 *\n- 差 = 0"
    saved = browser.post(url, data={"csrf_token": token, "mode": "coded", "sample": "20",
                                    "respondents": ["resident", "client"], "questions": text})  # fmt: skip
    assert saved.status_code == 302
    stored = rules.from_json(db.session.get(Survey, world.campaign.id).content)
    assert (stored.mode, stored.sample, stored.respondents) == (rules.SurveyMode.CODED, 20,
                                                                 (rules.Respondent.RESIDENT, rules.Respondent.CLIENT))  # fmt: skip
    assert [o.label for o in stored.questions[1].options] == ["好", "差"]
    page = browser.get(url).get_data(as_text=True)
    assert "问卷已保存。" in page and "- 好 = 5 *" in page


def test_the_office_sees_results_signals_and_invalidates_with_a_reason(app, client, auth):
    world = build()
    start = clock.now()
    for i in range(5):
        factories.survey_answer(world.a, "staff", [0, 0], satisfied=2, chosen=2, address=f"10.1.1.{i}",
                                at=start + timedelta(seconds=i), opened_at=start)  # fmt: skip
    factories.survey_answer(world.a, "resident", [2, 2], satisfied=0, chosen=2, at=start - timedelta(hours=1))
    db.session.commit()
    browser = auth.browser(world.office)
    overview = browser.get(f"/office/campaigns/{world.campaign.id}/survey").get_data(as_text=True)
    assert "83.33%" in overview  # 10 satisfied of 12 choices
    assert "5 份问卷在 10 分钟内答案完全相同。" in overview
    unit_page = browser.get(f"/office/campaigns/{world.campaign.id}/survey/units/{world.a.id}").get_data(
        as_text=True
    )
    assert "作答过快" in unit_page and "<svg" in unit_page
    answer_id = db.session.scalar(sa.select(SurveyAnswer.id).order_by(SurveyAnswer.id))
    token = factories.csrf_from(unit_page)
    done = browser.post(f"/office/campaigns/{world.campaign.id}/survey/answers/{answer_id}/invalidate",
                        data={"csrf_token": token, "reason": "同一批提交", "unit_id": str(world.a.id)})  # fmt: skip
    assert done.status_code == 302
    assert db.session.get(SurveyAnswer, answer_id).invalid_reason == "同一批提交"
    overview = browser.get(f"/office/campaigns/{world.campaign.id}/survey").get_data(as_text=True)
    assert "80.00%" in overview  # 8 of 10


def test_the_office_turns_a_reported_problem_into_a_veto(app, client, auth):
    world = build()
    department = factories.department(world.campaign, "公安局")
    factories.opinion(department, world.a, "problem", "发生重大安全事故")
    db.session.commit()
    browser = auth.browser(world.office)
    url = f"/office/campaigns/{world.campaign.id}/survey"
    page = browser.get(url).get_data(as_text=True)
    assert "发生重大安全事故" in page and "尚未反馈" in page
    decided = browser.post(f"{url}/cases/{department.id}/{world.a.id}", data={
        "csrf_token": factories.csrf_from(page), "outcome": "veto", "kind": "发生重大安全生产事故", "reason": "经核实"})  # fmt: skip
    assert decided.status_code == 302
    assert vetoed_unit_ids(world.campaign.id) == {world.a.id}
    assert db.session.get(Opinion, (department.id, world.a.id)).outcome == "veto"


def test_the_department_attaches_evidence_checked_by_content(app, client):
    world = build()
    department = factories.department(world.campaign, "市场监管局", "dep-evidence-token")
    db.session.commit()
    token = factories.csrf_from(client.get("/d/dep-evidence-token").get_data(as_text=True))
    url = f"/d/dep-evidence-token/units/{world.b.id}"
    fake = client.post(url, data={"csrf_token": token, "verdict": "problem", "text": "无证经营",
                                  "evidence": (io.BytesIO(b"MZ not a pdf"), "report.pdf")})  # fmt: skip
    assert fake.status_code == 415 and db.session.get(Opinion, (department.id, world.b.id)) is None
    pdf = build_posters([Poster("评选", "乙社区", "https://example.cn/")])
    sent = client.post(url, data={"csrf_token": token, "verdict": "problem", "text": "无证经营",
                                  "evidence": (io.BytesIO(pdf), "report.pdf")})  # fmt: skip
    assert sent.status_code == 302
    row = db.session.get(Opinion, (department.id, world.b.id))
    stored = db.session.get(StoredFile, row.evidence_file_id)
    assert (stored.filename, stored.purpose) == ("report.pdf", "veto_evidence")


def test_the_export_shows_invalidated_answers_with_their_reason_and_signals(app, client, auth):
    world = build()
    start = clock.now()
    for i in range(5):
        factories.survey_answer(world.a, "staff", [0, None], satisfied=1, chosen=1, address=f"10.2.2.{i}",
                                at=start + timedelta(seconds=i), invalid="重复提交" if i == 0 else "")  # fmt: skip
    factories.survey_answer(
        world.b, "resident", [2, 1], satisfied=1, chosen=2, address="", at=start + timedelta(minutes=1)
    )
    db.session.commit()
    browser = auth.browser(world.office)
    response = browser.get(f"/office/campaigns/{world.campaign.id}/survey/answers.csv")
    assert response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0] == "编号,单位,身份,Q1,Q2,提交时间,来源,状态,作废理由,异常提示"
    assert lines[1].startswith("1,甲社区,职工,满意,,") and lines[1].endswith(",10.2.2.0,已作废,重复提交,")
    assert lines[2].endswith(",10.2.2.1,有效,,")  # four valid identical answers: under the signal's five
    assert lines[6].startswith("6,乙社区,居民,不满意,基本满意,") and ",纸质问卷,有效," in lines[6]


# --- the questionnaire's text round-trips; the unit page reads as words; the form says when it is closed


def _textarea(page: str) -> str:
    found = re.search(r'<textarea id="questions"[^>]*>(.*?)</textarea>', page, re.S)
    assert found is not None
    return html.unescape(found.group(1))


def test_saving_the_questionnaire_page_unchanged_changes_nothing(app, client, auth):
    world = build(mode=None)
    body = survey_body()
    body["questions"] = [
        {"text": "服务是否满意?", "options": OPTIONS},
        {"text": "-环境是否满意?", "options": OPTIONS},
        {"text": r"\-|1 = 2 * C:\路径\u2028", "options": [{"label": "- 好 = 5 *", "points": 5, "satisfied": True},
                                                             {"label": r"差\\", "points": 0.5, "satisfied": False}]},
    ]  # fmt: skip
    url = f"/office/campaigns/{world.campaign.id}/survey"
    assert (
        client.put(
            f"/api/v1{url.removeprefix('/office')}", json=body, headers=auth.headers(world.office)
        ).status_code
        == 200
    )
    before = db.session.get(Survey, world.campaign.id).content
    browser = auth.browser(world.office)
    page = browser.get(url).get_data(as_text=True)
    text = _textarea(page)
    assert text.splitlines()[4] == r"\-环境是否满意?"
    saved = browser.post(url, data={"csrf_token": factories.csrf_from(page), "mode": "open", "sample": "2",
                                    "respondents": ["staff", "resident"], "questions": text})  # fmt: skip
    assert saved.status_code == 302
    assert "问卷已保存。" in browser.get(url).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Survey, world.campaign.id).content == before
    assert [q["text"] for q in before["questions"]] == [
        "服务是否满意?",
        "-环境是否满意?",
        r"\-|1 = 2 * C:\路径\u2028",
    ]


def test_the_unit_page_shows_each_answer_and_paper_keying_in_words(app, client, auth):
    world = build()
    factories.survey_answer(world.a, "resident", [0, None], satisfied=1, chosen=1)
    db.session.commit()
    paper_url = f"/api/v1/campaigns/{world.campaign.id}/units/{world.a.id}/survey-paper"
    for pass_no, choices in ((1, [1, None]), (2, [1, 2])):
        keyed = client.post(paper_url, json={"sheet": "R1", "pass_no": pass_no, "respondent": "staff", "choices": choices},
                            headers=auth.headers(world.office))  # fmt: skip
        assert keyed.status_code == 201
    page = auth.browser(world.office).get(f"/office/campaigns/{world.campaign.id}/survey/units/{world.a.id}")
    text = page.get_data(as_text=True)
    assert "<td>1. 满意 · 2. 未答</td>" in text
    assert (
        "第 R1 号问卷两遍录入不一致。第一遍:职工:1. 基本满意 · 2. 未答;第二遍:职工:1. 基本满意 · 2. 不满意"
        in text
    )
    assert "None" not in text and "staff" not in text.split('id="paper-respondent"')[0]


def _set_phase(world: Any, phase: Phase) -> None:
    db.session.execute(sa.update(Campaign).where(Campaign.id == world.campaign.id).values(phase=phase))
    db.session.commit()


def test_the_form_says_kindly_when_the_campaign_takes_no_answers(app, client):
    world = build()
    token = factories.csrf_from(client.get(_form(world)).get_data(as_text=True))
    for phase, words in ((Phase.INTAKE, "问卷调查尚未开始,请在调查开始后再来填写。感谢您的关注!"),
                         (Phase.REVIEW, "问卷调查已经结束,不再接受填写。感谢您的关注!")):  # fmt: skip
        _set_phase(world, phase)
        shown = client.get(_form(world))
        assert shown.status_code == 409 and words in shown.get_data(as_text=True)
        assert 'name="q0"' not in shown.get_data(as_text=True)
        sent = client.post(
            _form(world), data={"csrf_token": token, "respondent": "staff", "q0": "0", "q1": "0"}
        )
        assert sent.status_code == 409 and words in sent.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyAnswer)) == 0


def test_a_form_post_without_a_valid_opening_time_is_taken_and_flagged(app, client, auth):
    world = build()
    stale = URLSafeSerializer(app.secret_key, salt="survey-opened").dumps(time.time() - 2 * 86400)
    for opened in (None, "garbage", stale, "fresh"):
        phone = app.test_client()
        page = phone.get(_form(world)).get_data(as_text=True)
        fields = {"csrf_token": factories.csrf_from(page), "respondent": "staff", "q0": "0", "q1": "1"}
        if opened == "fresh":
            opened = page.split('name="opened" value="', 1)[1].split('"', 1)[0]
        assert (
            phone.post(_form(world), data={**fields, **({"opened": opened} if opened else {})}).status_code
            == 201
        )
    api = app.test_client().post(f"/api/v1/campaigns/{world.campaign.id}/units/{world.a.id}/survey-answers",
                                 json={"respondent": "resident", "choices": [0, 0]})  # fmt: skip
    assert api.status_code == 201
    rows = db.session.scalars(sa.select(SurveyAnswer).order_by(SurveyAnswer.id)).all()
    unknown = [row.opened_at == signals.OPENED_UNKNOWN for row in rows]
    assert unknown == [True, True, True, False, False]
    assert rows[3].opened_at is not None and rows[4].opened_at is None  # a form is timed, the API is not
    browser = auth.browser(world.office)
    unit_page = browser.get(f"/office/campaigns/{world.campaign.id}/survey/units/{world.a.id}")
    cells = [
        cell for cell in re.findall(r"<td>([^<]*)</td>", unit_page.get_data(as_text=True)) if "作答" in cell
    ]
    assert cells == ["作答时间未知", "作答时间未知", "作答时间未知", "作答过快"]
    overview = browser.get(f"/office/campaigns/{world.campaign.id}/survey").get_data(as_text=True)
    assert overview.count("<strong>作答时间未知</strong>") == 3
