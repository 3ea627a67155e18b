"""综合测评 benchmark: 300 units × 60 leaves × 6 scorers (108,000 scores) on SQLite and PostgreSQL.

The tree has 30 材料审核 leaves and 30 实地考察 leaves (plus nothing else: the briefing's tally has its
own bench, bench/tally_bench.py). Every unit has six submitted 材料审核 sheets (six reviewers, each
scoring the 30 materials leaves) and one signed visit of six inspectors (each scoring the 30
inspection leaves): 300 × (6 × 30 + 6 × 30) = 108,000 scores. Measures, in process (no HTTP), the
median server-side time of:

- ``compute``: ``review.service.composite_of`` — every source gathered (one query each) and every
  composite computed exactly, ranked and qualified;
- ``api``: ``GET /api/v1/campaigns/{cid}/composite`` through the Flask test client (JSON included);
- ``page``: ``GET /office/campaigns/{cid}/composite`` (the results page, 300 rows);
- ``trace``: ``GET /office/campaigns/{cid}/composite/units/{uid}`` (one unit, every leaf and sheet);
- ``page_sealed``: the results page once sealed (the seal's digest recomputed on every view);
- ``healthz``: ``GET /healthz`` in the same run, as the baseline of the machine's state.

Run from the repository root:  ``.venv/bin/python bench/composite_bench.py [--engines sqlite,postgres] [--runs 15]``.
PostgreSQL: ``--pg-url`` or ``BENCH_PG_URL`` (default postgresql+psycopg://postgres@127.0.0.1:5432/test);
a dedicated schema is created and dropped. Prints a Markdown table and the load average; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from bench.tally_bench import PG_DEFAULT, median_ms, statements
from evalflow import create_app
from evalflow.assessment.models import ScoreSheet, SheetScore
from evalflow.assessment.parse import parse_tree
from evalflow.assessment.rules import Method
from evalflow.assessment.tree_rows import indicator_ids, write_tree
from evalflow.extensions import db
from evalflow.inspection.models import Visit
from evalflow.intake.models import Application, ApplicationStatus
from evalflow.review import seal, service
from evalflow.shared import clock
from evalflow.shared.access import Role
from evalflow.shared.accounts import service as accounts
from evalflow.shared.accounts.models import User
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.phases import Phase

UNITS, PER_METHOD, SCORERS = 300, 30, 6


def tree_data() -> dict[str, Any]:
    leaves = [
        {"code": f"M{i:02d}", "title": f"材料{i}", "points": 2, "method": "materials"}
        for i in range(PER_METHOD)
    ]
    leaves += [
        {"code": f"I{i:02d}", "title": f"实地{i}", "points": 1, "method": "inspection"}
        for i in range(PER_METHOD)
    ]
    return {"mode": "points", "threshold": 60, "items": leaves}


def _users(prefix: str, role: Role) -> list[int]:
    made = [User(username=f"{prefix}{i}", password_hash="x", role=role, display_name=f"{prefix}{i}")
            for i in range(SCORERS)]  # fmt: skip
    db.session.add_all(made)
    db.session.flush()
    return [u.id for u in made]


def _sheets(
    cid: int, unit_ids: list[int], reviewers: list[int], inspectors: list[int]
) -> list[tuple[int, str, int]]:
    """Six materials sheets and a signed visit of six per unit; (sheet id, method, unit id) of each."""
    now = clock.now()
    db.session.execute(sa.insert(Visit), [
        {"campaign_id": cid, "unit_id": u, "leader_id": inspectors[0], "starts_at": now, "announced": False,
         "signed_at": now, "signed_by": inspectors[0]} for u in unit_ids])  # fmt: skip
    visits = dict(
        db.session.execute(sa.select(Visit.unit_id, Visit.id).where(Visit.campaign_id == cid)).all()
    )
    rows = [{"campaign_id": cid, "unit_id": u, "method": Method.MATERIALS, "scorer_id": r, "submitted_at": now}
            for u in unit_ids for r in reviewers]  # fmt: skip
    rows += [{"campaign_id": cid, "unit_id": u, "method": Method.INSPECTION, "scorer_id": i, "visit_id": visits[u],
              "submitted_at": now} for u in unit_ids for i in inspectors]  # fmt: skip
    db.session.execute(sa.insert(ScoreSheet), rows)
    stmt = sa.select(ScoreSheet.id, ScoreSheet.method, ScoreSheet.unit_id).where(
        ScoreSheet.campaign_id == cid
    )
    return [(i, m.value if hasattr(m, "value") else m, u) for i, m, u in db.session.execute(stmt)]


def populate() -> tuple[int, int]:
    campaign = Campaign(title="全市文明单位综合测评(压测)", phase=Phase.BRIEFING)
    db.session.add(campaign)
    db.session.flush()
    units = [Unit(campaign_id=campaign.id, name=f"第{i:03d}号单位", category=("社区", "企业", "机关")[i % 3])
             for i in range(UNITS)]  # fmt: skip
    db.session.add_all(units)
    db.session.flush()
    db.session.execute(sa.insert(Application), [
        {"unit_id": u.id, "status": ApplicationStatus.ACCEPTED, "report_title": u.name} for u in units])  # fmt: skip
    write_tree(campaign.id, parse_tree(tree_data()))
    ids = indicator_ids(campaign.id)
    codes = {
        "materials": [c for c in ids if c.startswith("M")],
        "inspection": [c for c in ids if c.startswith("I")],
    }
    top = {"materials": Decimal(2), "inspection": Decimal(1)}
    rng = random.Random(20)
    quality = {u.id: 0.55 + 0.4 * rng.random() for u in units}
    sheets = _sheets(
        campaign.id,
        [u.id for u in units],
        _users("pingshen", Role.REVIEWER),
        _users("kaocha", Role.INSPECTOR),
    )
    scores = [
        {"sheet_id": sid, "indicator_id": ids[code],
         "points": (top[method] * Decimal(str(round(quality[unit] + rng.uniform(-0.05, 0.05), 2)))).quantize(Decimal("0.1"))}
        for sid, method, unit in sheets for code in codes[method]
    ]  # fmt: skip
    db.session.execute(sa.insert(SheetScore), scores)
    admin = User(username="bench", password_hash=accounts.hash_password("bench-pass-123"), role=Role.OFFICE)
    db.session.add(admin)
    db.session.commit()
    assert len(scores) == UNITS * PER_METHOD * 2 * SCORERS == 108_000, len(scores)
    return campaign.id, units[0].id


def _clients(app: Any) -> tuple[Any, str, Any]:
    client = app.test_client()
    token = client.post(
        "/api/v1/auth/token", json={"username": "bench", "password": "bench-pass-123"}
    ).get_json()["token"]
    web = app.test_client()
    page = web.get("/login").get_data(as_text=True)
    csrf = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    web.post("/login", data={"username": "bench", "password": "bench-pass-123", "csrf_token": csrf})
    return client, token, web


def bench(url: str, runs: int, tmp: str) -> dict[str, Any]:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": uuid.uuid4().hex, "UPLOAD_DIR": tmp, "RATELIMIT_ENABLED": False,
                      "PROXY_FIX": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})  # fmt: skip
    with app.app_context():
        db.create_all()
        cid, first = populate()
        client, token, web = _clients(app)

        def campaign() -> Campaign:
            db.session.expire_all()
            return db.session.get(Campaign, cid)

        def get(who: Any, path: str, **kw: Any) -> None:
            response = who.get(path, **kw)
            assert response.status_code == 200, (path, response.status_code)

        def api() -> None:
            get(client, f"/api/v1/campaigns/{cid}/composite", headers={"Authorization": f"Bearer {token}"})

        def page() -> None:
            get(web, f"/office/campaigns/{cid}/composite")

        found = service.composite_of(campaign())
        assert found is not None and all(r.complete for r in found.results), "every composite complete"
        results = {
            "healthz": median_ms(lambda: get(client, "/healthz"), runs),
            "compute": median_ms(lambda: service.composite_of(campaign()), runs),
            "api": median_ms(api, runs),
            "page": median_ms(page, runs),
            "trace": median_ms(lambda: get(web, f"/office/campaigns/{cid}/composite/units/{first}"), runs),
            "statements": statements(page),
        }
        seal.seal_composite(campaign(), service.composite_of(campaign()))
        campaign().phase = Phase.REVIEW
        db.session.commit()
        results["page_sealed"] = median_ms(page, runs)
        results["healthz_after"] = median_ms(lambda: get(client, "/healthz"), runs)
        db.session.remove()
        db.engine.dispose()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", PG_DEFAULT))
    args = parser.parse_args()
    rows = []
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="evalflow-composite-bench-") as tmp:
        for engine in args.engines.split(","):
            if engine == "sqlite":
                rows.append(("SQLite", bench(f"sqlite:///{tmp}/bench.sqlite3", args.runs, tmp)))
                continue
            if engine != "postgres":
                parser.error(f"unknown engine {engine!r}")
            schema = "composite_bench_" + uuid.uuid4().hex[:8]
            admin = sa.create_engine(args.pg_url)
            with admin.begin() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            try:
                sep = "&" if "?" in args.pg_url else "?"
                rows.append(
                    (
                        "PostgreSQL",
                        bench(f"{args.pg_url}{sep}options=-csearch_path%3D{schema}", args.runs, tmp),
                    )
                )
            finally:
                with admin.begin() as conn:
                    conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
    keys = ("compute", "api", "page", "page_sealed", "trace", "healthz", "healthz_after")
    print("| engine | " + " | ".join(keys) + " |")
    print("|---|" + "---|" * len(keys))
    for name, r in rows:
        print(
            f"| {name} | "
            + " | ".join(f"{r[k][0]:.0f} (min {r[k][1]:.0f}, cpu {r[k][2]:.0f})" for k in keys)
            + " |"
        )
    for name, r in rows:
        print(f"\n{name}: {r['statements']} SQL statements per results page")
    end = os.getloadavg()
    print(
        f"\nload average (1, 5, 15 min) at the start: {load_start}, at the end: {end} (2 CPU cores, shared)"
    )
    print(
        f"\n{UNITS} units × {2 * PER_METHOD} leaves × {SCORERS} scorers = 108,000 scores; median of {args.runs} runs, ms."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
