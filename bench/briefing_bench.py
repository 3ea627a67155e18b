"""Briefing benchmark: ballot submissions and the control panel's refresh under gunicorn.

Run from the repository root:  ``.venv/bin/python bench/briefing_bench.py``

For each engine (a temp SQLite file; a dedicated PostgreSQL database dropped at the end) it runs
``flask db upgrade`` and ``flask demo`` (which loads a campaign in the middle of its briefing, one unit
open for scoring), starts ``gunicorn --workers 2 wsgi:app`` and measures at concurrency C (64):

1. ``GET /healthz``                                    (baseline, same run)
2. ``PUT /api/v1/campaigns/<cid>/ballots/<open unit>`` from every eligible seat, round robin, the
   grade changing every round (inserts, duplicates and changes; each a single-statement upsert with
   an audit entry when the grade changes)
3. meanwhile the control panel's ``GET …/briefing/live`` every 0.5 s with ``If-None-Match``

1 and 2 alternate in ``--rounds`` rounds (3), and the ratio compares their totals, so a slow spell of
the (virtual) machine weighs on both; each round's figures are kept in the JSON. It checks afterwards that the open unit holds exactly one ballot per eligible seat. The seat tokens
are derived from the secret key given to the server (as the credential cards are). Reuses the
helpers of ``bench/run.py`` (process groups, cleanup, CPU accounting).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadgen  # bench/ is not a package: imported from sys.path[0]
import run  # the shared helpers of the main benchmark

GRADES = ("好", "较好", "一般")
DEFAULT_PG_SOCKET = "/var/run/postgresql"
DEMO_TITLE = "2025年度社区文明单位评选(集中汇报演示)"


def seat_token(secret: str, seat_id: int, version: int) -> str:
    mac = hmac.new(secret.encode(), f"evalflow-seat:{seat_id}:{version}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def briefing_facts(db_url: str) -> tuple[int, int, list[tuple[int, int]]]:
    """(campaign id, open unit id, [(seat id, token version)] of the seats that may score it)."""
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        cid = conn.execute(
            sa.text("SELECT id FROM campaign WHERE title = :t"), {"t": DEMO_TITLE}
        ).scalar_one()
        uid = conn.execute(
            sa.text("SELECT unit_id FROM presentation WHERE campaign_id = :c AND status = 'open'"), {"c": cid}
        ).scalar_one()
        seats = conn.execute(
            sa.text(
                "SELECT seat.id, seat.token_version FROM seat JOIN unit ON unit.id = seat.unit_id "
                "WHERE unit.campaign_id = :c AND seat.unit_id <> :u ORDER BY seat.id"
            ),
            {"c": cid, "u": uid},
        ).all()
        ballots_before = conn.execute(
            sa.text("SELECT count(*) FROM ballot WHERE unit_id = :u"), {"u": uid}
        ).scalar()
    engine.dispose()
    run.log(f"demo briefing: campaign {cid}, open unit {uid}, {len(seats)} seats, {ballots_before} ballots")
    return cid, uid, [(s, v) for s, v in seats]


def count_ballots(db_url: str, uid: int) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        n = conn.execute(sa.text("SELECT count(*) FROM ballot WHERE unit_id = :u"), {"u": uid}).scalar()
    engine.dispose()
    return int(n)


def run_ballots(
    port: int, path: str, tokens: list[str], total: int, concurrency: int, cap: float
) -> loadgen.Stats:
    """*total* ballot PUTs from *concurrency* threads: seat i % n, grade changing every round."""
    stats = loadgen.Stats(planned=total, concurrency=concurrency)
    lock = threading.Lock()
    counter = 0
    gate = threading.Barrier(concurrency + 1)
    deadline = 0.0

    def take() -> int | None:
        nonlocal counter
        with lock:
            if counter >= total:
                return None
            if time.perf_counter() > deadline:
                stats.capped = True
                return None
            counter += 1
            return counter - 1

    def worker() -> None:
        conn = loadgen.connection(run.HOST, port)
        local = []
        gate.wait()
        while (i := take()) is not None:
            token = tokens[i % len(tokens)]
            grade = GRADES[(i // len(tokens)) % len(GRADES)]
            local.append(
                loadgen.send(conn, "PUT", path, {"Authorization": f"Bearer {token}"}, {"grade": grade})
            )
        conn.close()
        with lock:
            for r in local:
                stats.latencies.append(r.seconds)
                stats.statuses[r.status] += 1
                if r.error:
                    stats.transport_errors[r.error.split(":")[0]] += 1
                if r.status != 200:
                    stats.errors += 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    deadline = time.perf_counter() + cap
    t0 = time.perf_counter()
    gate.wait()
    for t in threads:
        t.join(cap + 60)
    stats.wall_seconds = time.perf_counter() - t0
    return stats


class PanelPoller:
    """The control panel: GET live with If-None-Match every *interval* s while the burst runs."""

    def __init__(self, port: int, path: str, token: str, interval: float = 0.5) -> None:
        self.port, self.path, self.token, self.interval = port, path, token, interval
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        etag = None
        while not self.stop.is_set():
            conn = loadgen.connection(run.HOST, self.port)
            headers = {"Authorization": f"Bearer {self.token}"}
            if etag:
                headers["If-None-Match"] = etag
            start = time.perf_counter()
            conn.request("GET", self.path, headers=headers)
            resp = conn.getresponse()
            resp.read()
            self.latencies.append(time.perf_counter() - start)
            self.statuses[resp.status] = self.statuses.get(resp.status, 0) + 1
            etag = resp.getheader("ETag") or etag
            conn.close()
            self.stop.wait(self.interval)

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies)
        return {
            "refreshes": len(lat),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "p50_ms": round(loadgen.percentile(lat, 50) * 1000, 1) if lat else None,
            "p99_ms": round(loadgen.percentile(lat, 99) * 1000, 1) if lat else None,
        }


def bench_engine(engine: str, args: argparse.Namespace, cleanup: run.Cleanup) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix=f"evalflow-briefing-{engine}-"))
    cleanup.push(shutil.rmtree, tmp, True)
    result: dict[str, Any] = {"engine": engine, "workers": args.workers, "threads": args.threads}
    pg_pids = None
    if engine == "sqlite":
        db_url = f"sqlite:///{tmp / 'bench.sqlite3'}"
        result["server_version"] = sqlite3.sqlite_version
    else:
        db_url, result["server_version"] = run.pg_create_database(args.pg_url, cleanup)
        name = db_url.rsplit("/", 1)[1]
        if args.pg_socket:  # the app reaches PostgreSQL through its Unix socket, not TCP loopback
            db_url += f"?host={args.pg_socket}"
            result["pg_socket"] = args.pg_socket
        pg_pids = lambda: run.pg_backend_pids(args.pg_url, name)  # noqa: E731
    env = run.app_env(args.src, db_url, tmp / "uploads")
    run.flask_cli(args.src, env, "db", "upgrade")
    run.flask_cli(args.src, env, "demo")
    cid, uid, seats = briefing_facts(db_url)
    tokens = [seat_token(env["EVALFLOW_SECRET_KEY"], s, v) for s, v in seats]
    logfile = tmp / "gunicorn.log"
    port, master = run.start_gunicorn(args.src, env, args.workers, logfile, cleanup, args.threads)
    office = run.api(port, "POST", "/api/v1/auth/token", payload=run.ADMIN)["token"]
    ballot_path = f"/api/v1/campaigns/{cid}/ballots/{uid}"

    scenarios: dict[str, Any] = {}
    loadgen.run_fixed(run.HOST, port, "GET", "/healthz", total=args.warmup, concurrency=args.concurrency,
                      time_cap=args.time_cap)  # fmt: skip
    run_ballots(port, ballot_path, tokens, args.warmup, args.concurrency, args.time_cap)
    # Alternate the two scenarios in rounds and compare the totals: a virtual machine that slows
    # down for a while (every process's CPU per request up by a fifth) then weighs on both alike.
    per_round = max(args.requests // args.rounds, 1)
    healthz_all = loadgen.Stats(planned=per_round * args.rounds, concurrency=args.concurrency)
    ballots_all = loadgen.Stats(planned=per_round * args.rounds, concurrency=args.concurrency)
    rounds: list[dict[str, Any]] = []
    panel_latencies: list[float] = []
    panel_statuses: dict[int, int] = {}
    for _ in range(args.rounds):
        quiet_h = run.wait_for_quiet(args.quiet_wait, args.quiet_threshold)
        with run.CpuProbe(master, pg_pids) as probe:
            h = loadgen.run_fixed(run.HOST, port, "GET", "/healthz", total=per_round,
                                  concurrency=args.concurrency, time_cap=args.time_cap)  # fmt: skip
        h_cpu = probe.summary(len(h.latencies))
        quiet_b = run.wait_for_quiet(args.quiet_wait, args.quiet_threshold)
        poller = PanelPoller(port, f"/api/v1/campaigns/{cid}/briefing/live", office)
        poller.thread.start()
        with run.CpuProbe(master, pg_pids) as probe:
            b = run_ballots(port, ballot_path, tokens, per_round, args.concurrency, args.time_cap)
        poller.stop.set()
        poller.thread.join(10)
        panel_latencies += poller.latencies
        for status, n in poller.statuses.items():
            panel_statuses[status] = panel_statuses.get(status, 0) + n
        hs, bs = h.summary(), b.summary()
        rounds.append(
            {
                "healthz_rps": hs["throughput_rps"],
                "ballot_rps": bs["throughput_rps"],
                "ratio": round(bs["throughput_rps"] / hs["throughput_rps"], 2)
                if hs["throughput_rps"] and bs["throughput_rps"]
                else None,
                "ballot_p99_ms": bs["latency_ms"]["p99"],
                "cpu": {"healthz": h_cpu, "ballot_put": probe.summary(len(b.latencies))},
                "before": {"healthz": quiet_h, "ballot_put": quiet_b},
            }
        )
        _merge(healthz_all, h)
        _merge(ballots_all, b)
    scenarios["healthz"] = healthz_all.summary()
    scenarios["ballot_put"] = ballots_all.summary()
    scenarios["rounds"] = rounds
    panel = PanelPoller(port, "", office)
    panel.latencies, panel.statuses = panel_latencies, panel_statuses
    scenarios["panel_refresh_during_burst"] = panel.summary()
    result["scenarios"] = scenarios
    result["ballots_on_open_unit"] = {"expected": len(tokens), "found": count_ballots(db_url, uid)}
    healthz, ballots = scenarios["healthz"]["throughput_rps"], scenarios["ballot_put"]["throughput_rps"]
    result["ratio_ballot_to_healthz"] = round(ballots / healthz, 2) if healthz and ballots else None
    result["server_log"] = run.scan_server_log(logfile)
    return result


def _merge(total: loadgen.Stats, part: loadgen.Stats) -> None:
    total.wall_seconds += part.wall_seconds
    total.latencies += part.latencies
    total.statuses.update(part.statuses)
    total.transport_errors.update(part.transport_errors)
    total.errors += part.errors
    total.capped |= part.capped
    total.connections_opened += part.connections_opened


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| engine | healthz rps | ballot PUT rps | ratio | ballot p50 / p99 ms | non-200 | panel refresh p50 / p99 ms "
        "(200/304) | ballots found / expected | db locked |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['engine']} | error: {r['error']} |||||||")
            continue
        s = r["scenarios"]
        h, b, p = s["healthz"], s["ballot_put"], s["panel_refresh_during_burst"]
        non200 = {k: v for k, v in b["statuses"].items() if k != "200"}
        lines.append(
            f"| {r['engine']}{' (socket)' if r.get('pg_socket') else ''} | {h['throughput_rps']} | {b['throughput_rps']} | {r['ratio_ballot_to_healthz']} | "
            f"{b['latency_ms']['p50']} / {b['latency_ms']['p99']} | {non200 or 0} | "
            f"{p['p50_ms']} / {p['p99_ms']} ({p['statuses']}) | "
            f"{r['ballots_on_open_unit']['found']} / {r['ballots_on_open_unit']['expected']} | "
            f"{r['server_log']['database_locked']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--engines", default="sqlite,postgres")
    p.add_argument("--pg-url", default=run.DEFAULT_PG_URL)
    p.add_argument(
        "--pg-socket",
        default="auto",
        help="the app reaches PostgreSQL through this Unix-socket directory, as docs/deployment.md sets it "
        "up (auto: /var/run/postgresql when its socket is there; '' for TCP on 127.0.0.1)",
    )
    p.add_argument("--src", type=Path, default=run.default_src())
    p.add_argument("--workers", type=int, default=2)
    p.add_argument(
        "--threads", type=int, default=1, help="threads per worker (> 1: gunicorn's gthread worker)"
    )
    p.add_argument("--requests", type=int, default=3000, help="per scenario, over all rounds")
    p.add_argument("--rounds", type=int, default=3, help="healthz and ballot bursts alternate this often")
    p.add_argument("--warmup", type=int, default=100)
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--time-cap", type=float, default=90.0)
    p.add_argument("--quiet-wait", type=float, default=30.0)
    p.add_argument("--quiet-threshold", type=float, default=35.0)
    p.add_argument("--out", type=Path, default=run.BENCH_DIR / "out")
    args = p.parse_args(argv)
    if args.pg_socket == "auto":
        args.pg_socket = DEFAULT_PG_SOCKET if Path(DEFAULT_PG_SOCKET, ".s.PGSQL.5432").exists() else ""
    report: dict[str, Any] = {"machine": run.machine_info(), "source": run.git_state(args.src), "results": []}
    failed = False
    for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
        cleanup = run.Cleanup()
        try:
            res = bench_engine(engine, args, cleanup)
            report["results"].append(res)
            found = res["ballots_on_open_unit"]
            failed |= bool(res["scenarios"]["ballot_put"]["errors"]) or found["found"] != found["expected"]
        except Exception as exc:
            failed = True
            run.log(f"{engine}: FAILED: {exc}")
            report["results"].append({"engine": engine, "error": f"{type(exc).__name__}: {exc}"})
        finally:
            cleanup.run()
    report["table_markdown"] = table(report["results"])
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "briefing-latest.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(report["table_markdown"])
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
