"""The briefing's load in one run: ``/healthz``, the phone's poll answering 304, and ballots, with wrk
and with the project's own load generator, then ``briefing_bench.py`` before and after.

Run from the repository root (wrk must be installed: ``apt-get install -y wrk``)::

    .venv/bin/python bench/wrk_bench.py --before-src /tmp/evalflow-before

For each engine (a temp SQLite file with the poll's numbers in the instance folder's mmap'd file;
a dedicated PostgreSQL database with the numbers in Redis, ``--redis-url``) it loads the demo
(``flask demo``: a campaign mid-briefing, one unit open), starts gunicorn with 2 sync workers and,
in ``--rounds`` rounds, at 16 and 64 connections:

1. ``GET /healthz`` (the baseline of the same run);
2. ``GET /api/v1/campaigns/<cid>/briefing/current`` from every eligible seat in turn, each with
   its own bearer token and the ETag its last answer gave (fetched just before: ballots move a
   seat's number) — nothing changes meanwhile, so every answer should be 304;
3. ``PUT /api/v1/campaigns/<cid>/ballots/<open unit>`` from every seat in turn, each wrk thread
   with its own seats (:func:`plan`), the grade changing every pass (inserts, then changes, each
   with its audit entry); the share of ballots that changed a grade is counted from the audit
   entries written during the run.

wrk runs each for ``--seconds`` with 2 threads and a Lua script per scenario (written to the temp
folder), and records the server's CPU per request (gunicorn workers, PostgreSQL backends) and how
busy the machine was during it; the project's generator (``bench/loadgen.py``, one thread per
connection) sends a fixed number of requests. Afterwards the open unit must hold exactly one ballot per seat. With
``--before-src`` it then runs ``bench/briefing_bench.py`` on that checkout and on this one,
alternating (``--ab-rounds``), and reports each run's ballot/healthz ratio. Prints a Markdown table;
the JSON goes to ``bench/out/wrk-latest.json``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import briefing_bench  # bench/ is not a package: imported from sys.path[0]
import loadgen
import run

LUA = r"""
local tokens = {%TOKENS%}
local etags = {%ETAGS%}
local method, path = "%METHOD%", "%PATH%"
local plans = {%PLANS%}  -- per wrk thread: its steps {seat, grade} (plan() in wrk_bench.py)
local i = 0
local steps = nil
c200, c304, cother = 0, 0, 0
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  steps = plans[((id or 0) % #plans) + 1]
end

function request()
  i = i + 1
  local step = steps[(i % #steps) + 1]
  local k = step[1]
  local h = {}
  if tokens[k] ~= "" then h["Authorization"] = "Bearer " .. tokens[k] end
  local body = nil
  if method == "PUT" then
    h["Content-Type"] = "application/json"
    body = '{"grade":"' .. step[2] .. '"}'
  elseif #etags > 0 then
    h["If-None-Match"] = etags[k]
  end
  return wrk.format(method, path, h, body)
end

function response(status, headers, body)
  if status == 200 then c200 = c200 + 1 elseif status == 304 then c304 = c304 + 1 else cother = cother + 1 end
end

function done(s, lat, req)
  local a, b, c = 0, 0, 0
  for _, t in ipairs(threads) do a = a + t:get("c200"); b = b + t:get("c304"); c = c + t:get("cother") end
  io.write(string.format('WRKJSON {"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p99_ms": %.2f, ' ..
    '"max_ms": %.2f, "s200": %d, "s304": %d, "other": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"timeout": %d}\n', s.requests, s.duration / 1e6, lat:percentile(50) / 1000, lat:percentile(99) / 1000,
    lat.max / 1000, a, b, c, s.errors.connect, s.errors.read, s.errors.write, s.errors.timeout))
end
"""


GRADES = ("好", "较好", "一般")
WRK_THREADS = 2


def plan(seats: int, threads: int) -> list[list[tuple[int, str]]]:
    """Each wrk thread's steps, (seat number from 1, grade), which the thread repeats in a loop.

    A thread takes its own seats (seat k goes to thread (k - 1) % threads; all seats when there are
    fewer seats than threads) and sends each of them the three grades in turn, one pass over its seats
    per grade: every ballot after a seat's first changes its grade, as the project's generator does
    (``briefing_bench.run_ballots``). When both threads walked all the seats, each with its own
    counter, whether a ballot repeated the other thread's last grade for that seat (no change, no
    audit entry) or changed it depended on how far apart the two counters drifted: 50 % to 100 % of
    the ballots were changes from one run to the next, and a change costs more than a repeat
    (bench/README.md, *Ballots at 16 and 64 connections*)."""
    out = []
    for t in range(threads):
        mine = [k for k in range(1, seats + 1) if (k - 1) % threads == t] or list(range(1, seats + 1))
        out.append([(k, grade) for grade in GRADES for k in mine])
    return out


def lua(folder: Path, name: str, method: str, path: str, tokens: list[str], etags: list[str]) -> Path:
    """Write one scenario's wrk script: its request, the seats' tokens and ETags, each thread's plan."""
    plans = ", ".join(
        "{" + ", ".join(f'{{{k}, "{g}"}}' for k, g in steps) + "}" for steps in plan(len(tokens), WRK_THREADS)
    )
    text = (
        LUA.replace("%TOKENS%", ", ".join(f'"{t}"' for t in tokens))
        .replace("%ETAGS%", ", ".join(f"'{e}'" for e in etags))
        .replace("%METHOD%", method)
        .replace("%PATH%", path)
        .replace("%PLANS%", plans)
    )
    script = folder / f"{name}.lua"
    script.write_text(text)
    return script


def wrk(port: int, script: Path, connections: int, seconds: float) -> dict[str, Any]:
    """One wrk run (2 threads, keep-alive as wrk does it); its summary with requests per second."""
    cmd = [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{connections}",
        f"-d{int(seconds)}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
    ]
    out = subprocess.run(
        [*cmd, f"http://{run.HOST}:{port}/"], capture_output=True, text=True, timeout=seconds + 60
    )
    line = next((x for x in out.stdout.splitlines() if x.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk said: {out.stdout}\n{out.stderr}")
    found = json.loads(line.removeprefix("WRKJSON "))
    found["rps"] = round(found["requests"] / found["seconds"], 1)
    return found


def etags_of(port: int, path: str, tokens: list[str]) -> list[str]:
    """Each seat's current ETag for the poll (one GET each)."""
    import http.client

    found = []
    for token in tokens:
        conn = http.client.HTTPConnection(run.HOST, port, timeout=30)
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        resp = conn.getresponse()
        resp.read()
        conn.close()
        if resp.status != 200:
            raise RuntimeError(f"poll answered {resp.status}")
        found.append(resp.getheader("ETag") or "")
    return found


def loadgen_poll(port: int, path: str, token: str, etag: str, total: int, conc: int) -> loadgen.Stats:
    """The project's generator for the poll: every thread polls as one seat with its ETag."""
    headers = {"Authorization": f"Bearer {token}", "If-None-Match": etag}
    return loadgen.run_fixed(
        run.HOST, port, "GET", path, total=total, concurrency=conc, time_cap=90, headers=headers,
        ok=lambda r: r.status == 304,
    )  # fmt: skip


def _summary(stats: loadgen.Stats) -> dict[str, Any]:
    s = stats.summary()
    return {
        "rps": s["throughput_rps"],
        "p50_ms": s["latency_ms"]["p50"],
        "p99_ms": s["latency_ms"]["p99"],
        "statuses": s["statuses"],
        "errors": s["errors"],
    }


def setup_engine(engine: str, args: argparse.Namespace, tmp: Path, cleanup: run.Cleanup) -> dict[str, Any]:
    """A database with the demo, gunicorn serving it; the facts the scenarios need."""
    if engine == "sqlite":
        db_url, version = f"sqlite:///{tmp / 'bench.sqlite3'}", sqlite3.sqlite_version
    else:
        db_url, version = run.pg_create_database(args.pg_url, cleanup)
        if args.pg_socket:
            db_url += f"?host={args.pg_socket}"
    env = run.app_env(args.src, db_url, tmp / "uploads")
    if engine != "sqlite":
        env["EVALFLOW_REDIS_URL"] = args.redis_url  # several servers: the numbers in Redis
    run.flask_cli(args.src, env, "db", "upgrade")
    run.flask_cli(args.src, env, "demo")
    cid, uid, seats = briefing_bench.briefing_facts(db_url)
    tokens = [briefing_bench.seat_token(env["EVALFLOW_SECRET_KEY"], s, v) for s, v in seats]
    port, master = run.start_gunicorn(args.src, env, 2, tmp / "gunicorn.log", cleanup)
    name = db_url.split("?")[0].rpartition("/")[2]
    pg_pids = (lambda: run.pg_backend_pids(args.pg_url, name)) if engine != "sqlite" else None
    return {"db_url": db_url, "version": version, "cid": cid, "uid": uid, "tokens": tokens, "port": port,
            "master": master, "pg_pids": pg_pids}  # fmt: skip


def ballot_entries(db_url: str) -> int:
    """How many ballot audit entries (``ballot.cast``/``ballot.change``) the database holds: one per
    ballot that changed a grade, so the difference across a run tells the run's share of changes."""
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        n = conn.execute(
            sa.text("SELECT count(*) FROM audit_entry WHERE action IN ('ballot.cast', 'ballot.change')")
        ).scalar()
    engine.dispose()
    return int(n)


def measured_wrk(facts: dict[str, Any], script: Path, conc: int, seconds: float) -> dict[str, Any]:
    """:func:`wrk`, plus the server's CPU per request (gunicorn workers and PostgreSQL backends) and
    how busy the machine was: on a shared machine the CPU per request is the figure that does not
    depend on what the neighbours did during these seconds."""
    with run.CpuProbe(facts["master"], facts["pg_pids"]) as probe:
        found = wrk(facts["port"], script, conc, seconds)
    cpu = probe.summary(found["requests"])
    per = cpu["cpu_ms_per_request"]
    found["server_cpu_ms"] = round(
        (per.get("gunicorn_workers") or 0) + (per.get("postgres_backends") or 0), 3
    )
    found["machine_busy_pct"] = cpu["machine_busy_pct"]
    found["cpu"] = cpu
    return found


def round_at(facts: dict[str, Any], conc: int, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """healthz, poll, ballots at *conc* connections: with wrk, then with the project's generator."""
    port, tokens = facts["port"], facts["tokens"]
    poll = f"/api/v1/campaigns/{facts['cid']}/briefing/current"
    ballot = f"/api/v1/campaigns/{facts['cid']}/ballots/{facts['uid']}"
    out: dict[str, Any] = {"connections": conc}
    out["wrk_healthz"] = measured_wrk(
        facts, lua(tmp, "healthz", "GET", "/healthz", [""], []), conc, args.seconds
    )
    etags = etags_of(port, poll, tokens)
    out["wrk_poll"] = measured_wrk(facts, lua(tmp, "poll", "GET", poll, tokens, etags), conc, args.seconds)
    entries = ballot_entries(facts["db_url"])
    out["wrk_ballot"] = measured_wrk(facts, lua(tmp, "ballot", "PUT", ballot, tokens, []), conc, args.seconds)
    changed = ballot_entries(facts["db_url"]) - entries
    out["wrk_ballot"]["changed_share"] = round(changed / max(out["wrk_ballot"]["s200"], 1), 3)
    n = args.requests
    h = loadgen.run_fixed(run.HOST, port, "GET", "/healthz", total=n, concurrency=conc, time_cap=90)
    etags = etags_of(port, poll, tokens)
    p = loadgen_poll(port, poll, tokens[0], etags[0], n, conc)
    b = briefing_bench.run_ballots(port, ballot, tokens, n, conc, 90)
    out["py_healthz"], out["py_poll"], out["py_ballot"] = _summary(h), _summary(p), _summary(b)
    for kind in ("wrk", "py"):
        base = out[f"{kind}_healthz"]["rps"]
        out[f"{kind}_ratios"] = {
            "poll": round(out[f"{kind}_poll"]["rps"] / base, 2),
            "ballot": round(out[f"{kind}_ballot"]["rps"] / base, 2),
        }
    h_cpu, b_cpu = out["wrk_healthz"]["server_cpu_ms"], out["wrk_ballot"]["server_cpu_ms"]
    out["wrk_ratios"]["ballot_by_cpu"] = round(h_cpu / b_cpu, 2) if b_cpu else None
    run.log(
        f"c{conc}: wrk {out['wrk_ratios']} p99 ballot {out['wrk_ballot']['p99_ms']} ms, "
        f"changed {out['wrk_ballot']['changed_share']}; py {out['py_ratios']}"
    )
    return out


def bench_engine(engine: str, args: argparse.Namespace) -> dict[str, Any]:
    """Every round of one engine, and the ballots found afterwards."""
    cleanup = run.Cleanup()
    tmp = Path(tempfile.mkdtemp(prefix=f"evalflow-wrk-{engine}-"))
    cleanup.push(shutil.rmtree, tmp, True)
    try:
        facts = setup_engine(engine, args, tmp, cleanup)
        rounds = [round_at(facts, conc, args, tmp) for _ in range(args.rounds) for conc in (16, 64)]
        found = briefing_bench.count_ballots(facts["db_url"], facts["uid"])
        return {
            "engine": engine,
            "server_version": facts["version"],
            "store": "file" if engine == "sqlite" else "redis",
            "seats": len(facts["tokens"]),
            "rounds": rounds,
            "ballots_found": [found, len(facts["tokens"])],
            "server_log": run.scan_server_log(tmp / "gunicorn.log"),
        }
    finally:
        cleanup.run()


def before_after(args: argparse.Namespace) -> list[dict[str, Any]]:
    """``briefing_bench.py`` on the before checkout and on this one, alternating."""
    runs = []
    for i in range(args.ab_rounds):
        for label, src in (("before", args.before_src), ("after", args.src)):
            out = Path(tempfile.mkdtemp(prefix="evalflow-ab-"))
            cmd = [
                sys.executable,
                str(run.BENCH_DIR / "briefing_bench.py"),
                "--src",
                str(src),
                "--out",
                str(out),
            ]
            cmd += ["--requests", str(args.ab_requests), "--quiet-wait", "5"]
            subprocess.run(cmd, env={**_clean_env(), "PYTHONPATH": str(src)}, timeout=1800, check=False)
            report = json.loads((out / "briefing-latest.json").read_text())
            shutil.rmtree(out, True)
            for r in report["results"]:
                b = r.get("scenarios", {}).get("ballot_put", {})
                commit = report["source"].get("commit", "")[:7] or (
                    args.before_label if label == "before" else ""
                )
                runs.append({"pass": i + 1, "version": label, "commit": commit,
                             "engine": r["engine"], "ratio": r.get("ratio_ballot_to_healthz"),
                             "ballot_rps": b.get("throughput_rps"), "p99_ms": b.get("latency_ms", {}).get("p99"),
                             "error": r.get("error")})  # fmt: skip
    return runs


def _clean_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("EVALFLOW_")}


def table(results: list[dict[str, Any]]) -> str:
    """One line per engine, round and connection count."""
    lines = [
        "| engine | conns | tool | healthz rps | poll rps (304 share) | ballot rps | poll / healthz | ballot / healthz "
        "| ballot p50 / p99 ms | ballots changing a grade | server CPU ms/req healthz / ballot (ratio) | machine busy % healthz / ballot |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        for x in r["rounds"]:
            w = x["wrk_poll"]
            share = round(w["s304"] / max(w["requests"], 1), 3)
            lines.append(
                f"| {r['engine']} ({r['store']}) | {x['connections']} | wrk | {x['wrk_healthz']['rps']} | "
                f"{w['rps']} ({share}) | {x['wrk_ballot']['rps']} | {x['wrk_ratios']['poll']} | "
                f"{x['wrk_ratios']['ballot']} | {x['wrk_ballot']['p50_ms']} / {x['wrk_ballot']['p99_ms']} | "
                f"{x['wrk_ballot'].get('changed_share', '')} | {x['wrk_healthz'].get('server_cpu_ms', '')} / "
                f"{x['wrk_ballot'].get('server_cpu_ms', '')} ({x['wrk_ratios'].get('ballot_by_cpu', '')}) | "
                f"{x['wrk_healthz'].get('machine_busy_pct', '')} / {x['wrk_ballot'].get('machine_busy_pct', '')} |"
            )
            lines.append(
                f"| {r['engine']} ({r['store']}) | {x['connections']} | loadgen | {x['py_healthz']['rps']} | "
                f"{x['py_poll']['rps']} | {x['py_ballot']['rps']} | {x['py_ratios']['poll']} | "
                f"{x['py_ratios']['ballot']} | {x['py_ballot']['p50_ms']} / {x['py_ballot']['p99_ms']} | | | |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--engines", default="sqlite,postgres")
    p.add_argument("--pg-url", default=run.DEFAULT_PG_URL)
    p.add_argument("--pg-socket", default="auto", help="as in briefing_bench.py ('' for TCP)")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    p.add_argument("--src", type=Path, default=run.default_src())
    p.add_argument("--before-src", type=Path, help="a checkout of the code before (briefing_bench A/B)")
    p.add_argument("--before-label", default="", help="its commit, when --before-src is an export")
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--seconds", type=float, default=8.0, help="per wrk run")
    p.add_argument("--requests", type=int, default=1500, help="per loadgen run")
    p.add_argument("--ab-rounds", type=int, default=1)
    p.add_argument("--ab-requests", type=int, default=3000)
    p.add_argument("--out", type=Path, default=run.BENCH_DIR / "out")
    args = p.parse_args(argv)
    if args.pg_socket == "auto":
        sock = briefing_bench.DEFAULT_PG_SOCKET
        args.pg_socket = sock if Path(sock, ".s.PGSQL.5432").exists() else ""
    report: dict[str, Any] = {"machine": run.machine_info(), "source": run.git_state(args.src), "results": []}
    report["uptime_before"] = Path("/proc/loadavg").read_text().strip()
    for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
        report["results"].append(bench_engine(engine, args))
    report["uptime_after_wrk"] = Path("/proc/loadavg").read_text().strip()
    if args.before_src:
        report["briefing_bench_before_after"] = before_after(args)
    report["table_markdown"] = table(report["results"])
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "wrk-latest.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(report["table_markdown"])
    for row in report.get("briefing_bench_before_after", []):
        print(row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
