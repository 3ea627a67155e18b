"""Every CSV the app writes goes through one writer (evalflow.shared.files.csvfile): no cell a spreadsheet would
run as a formula, ``Content-Type: text/csv; charset=utf-8`` once; the sealed ballot export still
verifies with formula-like unit names and grade labels."""

from __future__ import annotations

import csv
import io
import zipfile

import sqlalchemy as sa

from evalflow.briefing.models import Ballot
from evalflow.extensions import db
from evalflow.shared.campaigns import transitions as phases
from evalflow.shared.phases import Phase
from evalflow.tally import service as tally
from evalflow.tally.models import TallySeal
from tests.backup_world import final_world
from tests.factories import login, office_actor
from tests.tally_world import build, present_all

FORMULAS = ['=HYPERLINK("http://x")', "+1", "@a", "-2", 'x,=HYPERLINK("y")']
SCALE = [{"label": "=好", "points": "100"}, {"label": "+较好", "points": "80"},
         {"label": "'@一般", "points": "60"}, {"label": "-差", "points": "0"}]  # fmt: skip


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]


def _formula_like(cells: list[str]) -> list[str]:
    return [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_office_archive_csvs_never_start_a_cell_with_a_formula(app, client):
    final = final_world(app, unit_name='=HYPERLINK("http://x","点击")', reply="-2 分:经核查属实,=1+1")
    assert login(client, "office").status_code == 302
    response = client.get(f"/office/campaigns/{final.world.campaign.id}/archive.zip")
    assert response.status_code == 200
    bundle = zipfile.ZipFile(io.BytesIO(response.data))
    for name in ("units.csv", "objections.csv", "audit_log.csv", "tally.csv"):
        data = bundle.read(name)
        assert data.startswith("\ufeff".encode()), name
        cells = _cells(data.decode("utf-8"))
        assert _formula_like(cells) == [], name
    units = list(csv.DictReader(io.StringIO(bundle.read("units.csv").decode("utf-8-sig"))))
    assert units[0]["name"] == '\'=HYPERLINK("http://x","点击")'
    objections = list(csv.DictReader(io.StringIO(bundle.read("objections.csv").decode("utf-8-sig"))))
    assert sorted(o["unit"] for o in objections) == ['\'=HYPERLINK("http://x","点击")', "乙单位"]
    assert "'-2 分:经核查属实,=1+1" in [o["reply"] for o in objections]


def _sealed_world_with_formula_cells():
    world = build(FORMULAS, lambda giver, role, unit: SCALE[(giver + unit + role.value.__len__()) % 4]["label"],
                  tokens=True)  # fmt: skip
    world.campaign.scale_json = SCALE
    present_all(world)
    phases.advance_phase(office_actor(), world.campaign, Phase.REVIEW)
    db.session.commit()
    return world


def test_ballot_export_with_formula_like_names_and_grades_verifies(app, client, tmp_path):
    world = _sealed_world_with_formula_cells()
    grades = set(db.session.scalars(sa.select(Ballot.grade)))
    assert grades == {g["label"] for g in SCALE}
    sealed = db.session.scalar(sa.select(TallySeal.digest))
    response = client.get(
        f"/api/v1/campaigns/{world.campaign.id}/ballots/export", headers=world.headers("office")
    )
    text = response.get_data(as_text=True)
    assert text == tally.export_ballots_csv(office_actor(), world.campaign)
    assert _formula_like(_cells(text)) == []
    path = tmp_path / "ballots.csv"
    path.write_bytes(response.data)
    result = app.test_cli_runner().invoke(args=["verify-tally", str(path), "--digest", sealed])
    assert result.exit_code == 0, result.output
    assert f"digest:  {sealed}" in result.output and "verification OK" in result.output
    for name in FORMULAS:
        assert f"  {name}  " in result.output


def test_csv_downloads_say_text_csv_utf8_once(app, client):
    world = _sealed_world_with_formula_cells()
    cid, headers = world.campaign.id, world.headers("office")
    answers = [
        client.get(f"/api/v1/campaigns/{cid}/ballots/export", headers=headers),
        client.get(f"/api/v1/campaigns/{cid}/tally.csv", headers=headers),
    ]
    assert login(client, "office").status_code == 302
    for path in (f"/office/campaigns/{cid}/tally.csv", f"/office/campaigns/{cid}/ballots.csv",
                 f"/office/audit/export.csv?campaign={cid}"):  # fmt: skip
        answers.append(client.get(path))
    for response in answers:
        assert response.status_code == 200, response.request.path
        assert response.headers.getlist("Content-Type") == ["text/csv; charset=utf-8"], response.request.path
        assert _formula_like(_cells(response.get_data(as_text=True))) == [], response.request.path


def test_tally_xlsx_keeps_formula_like_text_as_strings_without_apostrophe(app, client):
    from openpyxl import load_workbook

    world = _sealed_world_with_formula_cells()
    response = client.get(
        f"/api/v1/campaigns/{world.campaign.id}/tally.xlsx", headers=world.headers("office")
    )
    book = load_workbook(io.BytesIO(response.data))
    cells = [
        c for sheet in book.worksheets for row in sheet.iter_rows() for c in row if isinstance(c.value, str)
    ]
    formula_like = [c for c in cells if c.value[:1] in ("=", "+", "-", "@")]
    assert {c.value for c in formula_like} >= set(FORMULAS[:4]) | {"=好", "+较好", "-差"}
    assert all(c.data_type == "s" and c.quotePrefix for c in formula_like)
    assert not [c.value for c in cells if c.value.startswith("'") and c.value != "'@一般"]
