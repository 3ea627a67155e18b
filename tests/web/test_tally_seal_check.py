"""The seal is checked, not just printed: once the ballot set is sealed, every view of the tally (page,
API, PDF/XLSX/CSV, the ballots export, the proposed list, the notice transition) compares the sealed
digest with the current ballots. A ballot changed behind the application's back (SQL) is flagged,
the export keeps the sealed digest so that verify-tally fails, and nothing is built on it."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from evalflow.extensions import db
from evalflow.shared.campaigns.rules import SeatRole
from evalflow.tally import service as tally
from evalflow.tally import settings
from evalflow.tally.seal_rules import digest, verify_export
from tests.factories import PASSWORD, csrf_from, login, office_actor
from tests.sealed_tally import delete_ballot, restore_grade, seal_of, sealed_world, tamper_grade

NAMES = ["甲社区", "乙社区", "丙社区"]
BROKEN = "封存校验未通过:选票在封存后被改动。"
INTACT = "封存校验通过:当前选票与封存摘要一致"
REFUSED = "选票在封存后被改动(当前选票与封存摘要不符),不能据此确定拟表彰对象或发布公示"


def grades(giver, role, unit):
    return "好" if role is SeatRole.REPORTER or unit == 0 else "较好"


@pytest.fixture
def world(app):
    return sealed_world(NAMES, grades)


def current_digest(world) -> str:
    salt = settings.settings_of(world.campaign).pseudonym_salt
    return digest(tally.sealed_ballots(world.campaign, salt))


def api(client, world, path):
    return client.get(f"/api/v1/campaigns/{world.campaign.id}/{path}", headers=world.headers("office"))


def page_of(client, world) -> str:
    assert login(client, "office", PASSWORD).status_code == 302
    return client.get(f"/office/campaigns/{world.campaign.id}/tally").get_data(as_text=True)


def pdf_text(data: bytes) -> str:
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))


# --- untouched ------------------------------------------------------------------------------------


def test_sealed_tally_untouched_is_intact_in_the_api(client, world):
    seal = seal_of(world)
    sealed = api(client, world, "tally").get_json()["sealed"]
    assert sealed["digest"] == seal.digest and sealed["ballots"] == seal.ballots == 18
    assert (sealed["intact"], sealed["current_digest"], sealed["current_ballots"]) == (True, seal.digest, 18)
    checks = api(client, world, "tally/checks").get_json()
    assert (checks["seal_intact"], checks["sealed_digest"], checks["digest"]) == (
        True,
        seal.digest,
        seal.digest,
    )
    assert api(client, world, "proposed-list").get_json()["seal_intact"] is True


def test_sealed_tally_untouched_page_says_the_check_passed(client, world):
    page = page_of(client, world)
    assert INTACT in page and BROKEN not in page
    assert f"<code>{seal_of(world).digest}</code>" in page


def test_sealed_tally_untouched_export_verifies_against_the_seal(client, world):
    text = api(client, world, "ballots/export").get_data(as_text=True)
    result = verify_export(text, seal_of(world).digest)
    assert result.ok, [p.render() for p in result.problems]
    assert result.digest == seal_of(world).digest


# --- tampered -------------------------------------------------------------------------------------


def test_tampered_ballot_is_flagged_in_the_api(client, world):
    seal = seal_of(world)
    tamper_grade(world)
    now = current_digest(world)
    assert now != seal.digest
    data = api(client, world, "tally").get_json()
    assert data["sealed"]["digest"] == seal.digest
    assert (data["sealed"]["intact"], data["sealed"]["current_digest"]) == (False, now)
    assert data["sealed"]["current_ballots"] == 18
    checks = api(client, world, "tally/checks").get_json()
    assert (checks["seal_intact"], checks["sealed_digest"], checks["digest"]) == (False, seal.digest, now)
    assert api(client, world, "proposed-list").get_json()["seal_intact"] is False


def test_tampered_ballot_is_shown_in_red_text_on_the_page(client, world):
    seal = seal_of(world)
    tamper_grade(world)
    page = page_of(client, world)
    alert = re.search(r'<div class="notice-box error seal-broken" role="alert"[^>]*>(.*?)</div>', page, re.S)
    assert alert is not None
    assert BROKEN in alert.group(1)
    assert seal.digest in alert.group(1) and current_digest(world) in alert.group(1)
    assert INTACT not in page
    # the proposed list cannot be chosen from it: the form is replaced by the reason
    assert f'action="/office/campaigns/{world.campaign.id}/tally/proposal"' not in page
    assert REFUSED in page


def test_tampered_export_keeps_the_sealed_digest_and_fails_verification(client, world, app, tmp_path):
    seal = seal_of(world)
    tamper_grade(world)
    text = api(client, world, "ballots/export").get_data(as_text=True)
    assert f'# digest: "{seal.digest}"' in text and "# ballots: 18" in text
    result = verify_export(text, seal.digest)
    messages = [p.render() for p in result.problems]
    assert not result.ok
    assert any(m.startswith("摘要不符:文件声明的封存摘要为 " + seal.digest) for m in messages), messages
    assert f"摘要与封存摘要 {seal.digest} 不符。" in messages
    path = tmp_path / "ballots.csv"
    path.write_text(text, encoding="utf-8")
    cli = app.test_cli_runner().invoke(args=["verify-tally", str(path), "--digest", seal.digest])
    assert cli.exit_code == 1
    assert "verification FAILED" in cli.output and "封存后选票被改动" in cli.output


def test_deleted_ballot_is_flagged_with_both_counts(client, world):
    seal = seal_of(world)
    delete_ballot(world)
    sealed = api(client, world, "tally").get_json()["sealed"]
    assert (sealed["intact"], sealed["ballots"], sealed["current_ballots"]) == (False, 18, 17)
    assert sealed["digest"] == seal.digest
    text = api(client, world, "ballots/export").get_data(as_text=True)
    messages = [p.render() for p in verify_export(text).problems]
    assert "选票张数不符:文件声明 18 张,实有 17 张。" in messages


def test_tampered_reports_pdf_xlsx_csv_carry_the_warning(client, world):
    seal = seal_of(world)
    tamper_grade(world)
    text = pdf_text(api(client, world, "tally.pdf").data)
    assert BROKEN in text and seal.digest in text
    book = load_workbook(io.BytesIO(api(client, world, "tally.xlsx").data))
    rows = {r[0]: r[1] for r in book.worksheets[0].iter_rows(values_only=True) if r and r[0]}
    assert rows["封存校验"].startswith(BROKEN)
    csv_text = api(client, world, "tally.csv").get_data(as_text=True).lstrip("\ufeff")
    first, header = list(csv.reader(io.StringIO(csv_text)))[:2]
    assert first[0].startswith(BROKEN) and seal.digest in first[0] and header[0] == "名次"


def test_untouched_reports_say_the_seal_holds(client, world):
    assert BROKEN not in pdf_text(api(client, world, "tally.pdf").data)
    book = load_workbook(io.BytesIO(api(client, world, "tally.xlsx").data))
    rows = {r[0]: r[1] for r in book.worksheets[0].iter_rows(values_only=True) if r and r[0]}
    assert rows["封存校验"] == "一致"
    assert api(client, world, "tally.csv").get_data(as_text=True).lstrip("\ufeff").startswith("名次,")


def test_tampered_tally_refuses_the_proposed_list(client, world):
    tamper_grade(world)
    response = client.put(
        f"/api/v1/campaigns/{world.campaign.id}/proposed-list",
        json={"rule": "top_k", "k": 1},
        headers=world.headers("office"),
    )
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "seal_broken" and error["message"].startswith(REFUSED)
    assert tally.proposed_unit_ids(world.campaign) == []


def test_tampered_tally_blocks_publishing_the_notice(client, world):
    tamper_grade(world)
    response = client.post(
        f"/api/v1/campaigns/{world.campaign.id}/transitions",
        json={"to": "notice"},
        headers=world.headers("office"),
    )
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "transition_blocked"
    assert any(r.startswith(REFUSED) for r in error["reasons"]), error["reasons"]
    db.session.expire_all()
    assert world.campaign.phase.value == "review"


def test_restored_ballot_is_intact_again(client, world):
    ballot_id, old = tamper_grade(world)
    assert api(client, world, "tally").get_json()["sealed"]["intact"] is False
    restore_grade(ballot_id, old)
    assert api(client, world, "tally").get_json()["sealed"]["intact"] is True
    proposal = tally.proposed_unit_ids(world.campaign)
    assert proposal == []
    response = client.put(
        f"/api/v1/campaigns/{world.campaign.id}/proposed-list",
        json={"rule": "top_k", "k": 1},
        headers=world.headers("office"),
    )
    assert response.status_code == 200 and response.get_json()["seal_intact"] is True


def test_seal_check_of_the_service_matches_the_full_digest(app, world):
    t = tally.compute_tally(office_actor(), world.campaign)
    assert t.check.intact and t.check.digest == current_digest(world) == t.seal.digest
    tamper_grade(world)
    t = tally.compute_tally(office_actor(), world.campaign)
    assert not t.check.intact and t.check.digest == current_digest(world) != t.seal.digest


def test_tampered_tally_shown_as_blocking_the_notice_to_the_office_only(client, world):
    tamper_grade(world)
    url = f"/api/v1/campaigns/{world.campaign.id}"
    seen = client.get(url, headers=world.headers("office")).get_json()
    notice = next(t for t in seen["transitions"] if t["to"] == "notice")
    assert notice["allowed"] is False and any(r.startswith(REFUSED) for r in notice["reasons"])
    unit = client.get(url, headers=world.headers("unit"))
    assert unit.status_code == 200
    assert all(not r.startswith(REFUSED) for t in unit.get_json()["transitions"] for r in t["reasons"])


def test_tampered_tally_proposal_form_post_is_refused_with_the_reason(client, world):
    tamper_grade(world)
    page = page_of(client, world)
    data = {"rule": "top_k", "k": "1", "csrf_token": csrf_from(page)}
    path = f"/office/campaigns/{world.campaign.id}/tally/proposal"
    after = client.post(path, data=data, follow_redirects=True).get_data(as_text=True)
    assert REFUSED in after and "拟表彰对象名单已保存。" not in after
    assert tally.proposed_unit_ids(world.campaign) == []
