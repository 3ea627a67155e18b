"""Tally benchmark: a city-wide briefing — 100 units, 300 seats, 29,700 ballots — on SQLite and PostgreSQL.

Measures, in process (no HTTP), the median server-side time of:

- ``tally``: ``tally.service.compute_tally(by_role=False)`` — the contract's tally: one aggregate query
  over the covering index, plus the units, seat counts and settings;
- ``tally_roles``: the same with the per-role breakdown (a second aggregate query, joining the seats);
- ``api``: ``GET /api/v1/campaigns/{cid}/tally`` through the Flask test client (JSON included);
- ``report``: ``tally.service.tally_report(with_digest=False)`` — tally, participation, bias signals
  (aggregate queries only);
- ``digest``: the same plus the digest of the live ballot set (every ballot fetched as plain tuples);
- ``page_live`` / ``page_sealed``: ``GET /office/campaigns/{cid}/tally`` during the briefing (no digest)
  and in review (the sealed digest, checked against the current ballots);
- ``check``: ``tally.service.seal_check`` — the seal against the current ballots alone (every ballot
  read grouped, hashed), what every view of a sealed tally adds; ``api_sealed``: ``GET …/tally`` in review.

Run from the repository root:  ``.venv/bin/python bench/tally_bench.py [--engines sqlite,postgres] [--runs 30]``.
PostgreSQL: ``--pg-url`` or ``BENCH_PG_URL`` (default postgresql+psycopg://postgres@127.0.0.1:5432/test);
a dedicated schema is created and dropped. Prints a Markdown table; asserts nothing.

The ``postgres`` engine measures right after the bulk insert: no table has statistics and no page of
the ballot table is marked all-visible, as on a server whose autovacuum has not run since the ballots
arrived (the CI server runs with ``autovacuum = off``). That is the worst case and the default. The
extra engine ``postgres-vacuumed`` (``--engines postgres-vacuumed``) runs ``VACUUM (ANALYZE)`` on the
ballot, seat, unit and application tables after the load — what autovacuum (on by default in
production) leaves a minute or so after the last ballot: statistics, and a visibility map that lets
the covering index be read without the table. It is reported as its own row, never instead.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from evalflow import create_app
from evalflow.briefing.models import Ballot
from evalflow.extensions import db
from evalflow.intake.models import Application, ApplicationStatus
from evalflow.shared.access import Actor, Role
from evalflow.shared.accounts import service as accounts
from evalflow.shared.accounts.models import User
from evalflow.shared.campaigns.models import Campaign, Seat, Unit
from evalflow.shared.campaigns.rules import SeatRole
from evalflow.shared.phases import Phase
from evalflow.tally import checks
from evalflow.tally import service as tally

UNITS, ROLES = 100, list(SeatRole)
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def populate() -> int:
    campaign = Campaign(title="全市文明单位评选(压测)", phase=Phase.BRIEFING)
    db.session.add(campaign)
    db.session.flush()
    units = [
        Unit(campaign_id=campaign.id, name=f"第{i:03d}号单位", category=("社区", "企业", "机关")[i % 3])
        for i in range(UNITS)
    ]
    db.session.add_all(units)
    db.session.flush()
    db.session.execute(
        sa.insert(Application),
        [{"unit_id": u.id, "status": ApplicationStatus.ACCEPTED, "report_title": u.name} for u in units],
    )
    seat_rows = [
        {
            "unit_id": u.id,
            "role": r,
            "name": f"{u.name}{r.value}",
            "token_hash": uuid.uuid4().hex + uuid.uuid4().hex,
        }
        for u in units
        for r in ROLES
    ]
    db.session.execute(sa.insert(Seat), seat_rows)
    seats = db.session.execute(sa.select(Seat.id, Seat.unit_id)).all()
    rng = random.Random(7)
    quality = {u.id: rng.random() for u in units}
    ballots = []
    for seat_id, seat_unit in seats:
        for u in units:
            if u.id != seat_unit:
                x = rng.random()
                grade = "好" if x < quality[u.id] * 0.8 else ("较好" if x < 0.9 else "一般")
                ballots.append({"seat_id": seat_id, "unit_id": u.id, "grade": grade, "source": "online"})
    db.session.execute(sa.insert(Ballot), ballots)
    admin = User(username="bench", password_hash=accounts.hash_password("bench-pass-123"), role=Role.OFFICE)
    db.session.add(admin)
    db.session.commit()
    assert len(ballots) == 29_700, len(ballots)
    return campaign.id


def median_ms(fn: Callable[[], Any], runs: int) -> tuple[float, float, float]:
    """Median wall time, minimum wall time and median CPU time of this process, in ms. On a busy
    machine the CPU time is the better guide for SQLite (all its work is in this process); for
    PostgreSQL it leaves out the server's own work."""
    fn()  # warm-up
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), min(wall), statistics.median(cpu)


def vacuum_analyze() -> None:
    """What autovacuum would have done after the load (see the module docstring); PostgreSQL only."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM (ANALYZE) ballot, seat, unit, application"))


def statements(fn: Callable[[], Any]) -> int:
    """How many SQL statements one call of *fn* sends."""
    sent: list[str] = []

    def count(*_: Any) -> None:
        sent.append("")

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(sent)


def bench(url: str, runs: int, tmp: str, vacuum: bool = False) -> dict[str, Any]:
    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": uuid.uuid4().hex, "UPLOAD_DIR": tmp, "RATELIMIT_ENABLED": False,
         "PROXY_FIX": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
    )  # fmt: skip
    with app.app_context():
        db.create_all()
        cid = populate()
        if vacuum:
            vacuum_analyze()
        office = Actor(Role.OFFICE, label="bench")
        client = app.test_client()
        token = client.post(
            "/api/v1/auth/token", json={"username": "bench", "password": "bench-pass-123"}
        ).get_json()["token"]
        web = app.test_client()
        page_csrf = (
            web.get("/login")
            .get_data(as_text=True)
            .split('name="csrf_token" type="hidden" value="')[1]
            .split('"')[0]
        )
        web.post("/login", data={"username": "bench", "password": "bench-pass-123", "csrf_token": page_csrf})

        def campaign() -> Campaign:
            db.session.expire_all()
            return db.session.get(Campaign, cid)

        def api() -> None:
            response = client.get(
                f"/api/v1/campaigns/{cid}/tally", headers={"Authorization": f"Bearer {token}"}
            )
            assert response.status_code == 200 and len(response.get_json()["units"]) == UNITS

        def page() -> None:
            response = web.get(f"/office/campaigns/{cid}/tally")
            assert response.status_code == 200, response.status_code

        few = max(runs // 3, 3)
        results = {
            "tally": median_ms(lambda: tally.compute_tally(office, campaign(), by_role=False), runs),
            "tally_roles": median_ms(lambda: tally.compute_tally(office, campaign()), runs),
            "api": median_ms(api, runs),
            "report": median_ms(lambda: checks.tally_report(office, campaign(), with_digest=False), few),
            "digest": median_ms(lambda: checks.tally_report(office, campaign()), few),
            "page_live": median_ms(page, few),
            "statements_live": statements(page),
        }
        tally.seal(campaign())
        campaign().phase = Phase.REVIEW
        db.session.commit()
        results["page_sealed"] = median_ms(page, few)
        results["api_sealed"] = median_ms(api, runs)
        results["check"] = median_ms(lambda: tally.seal_check(campaign()), runs)
        results["statements_sealed"] = statements(page)
        db.session.remove()
        db.engine.dispose()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", PG_DEFAULT))
    args = parser.parse_args()
    rows = []
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="evalflow-tally-bench-") as tmp:
        for engine in args.engines.split(","):
            if engine == "sqlite":
                rows.append(("SQLite", bench(f"sqlite:///{tmp}/bench.sqlite3", args.runs, tmp)))
                continue
            if engine not in ("postgres", "postgres-vacuumed"):
                parser.error(f"unknown engine {engine!r}")
            vacuum = engine == "postgres-vacuumed"
            schema = "tally_bench_" + uuid.uuid4().hex[:8]
            admin = sa.create_engine(args.pg_url)
            with admin.begin() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            try:
                sep = "&" if "?" in args.pg_url else "?"
                name = "PostgreSQL, after VACUUM (ANALYZE)" if vacuum else "PostgreSQL"
                url = f"{args.pg_url}{sep}options=-csearch_path%3D{schema}"
                rows.append((name, bench(url, args.runs, tmp, vacuum)))
            finally:
                with admin.begin() as conn:
                    conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
    keys = ("tally", "tally_roles", "api", "report", "digest", "page_live", "page_sealed", "check", "api_sealed")  # fmt: skip
    print("| engine | " + " | ".join(keys) + " |")
    print("|---|" + "---|" * len(keys))
    for name, r in rows:
        cells = " | ".join(f"{r[k][0]:.0f} (min {r[k][1]:.0f}, cpu {r[k][2]:.0f})" for k in keys)
        print(f"| {name} | {cells} |")
    for name, r in rows:
        print(
            f"\n{name}: {r['statements_live']} SQL statements per page request live, {r['statements_sealed']} sealed"
        )
    print(
        f"\nload average at the start: {load_start:.2f}, at the end: {os.getloadavg()[0]:.2f} (2 CPU cores)"
    )
    print(
        f"\n100 units, 300 seats, 29,700 ballots; median of {args.runs} runs (report and page: {max(args.runs // 3, 3)})."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
