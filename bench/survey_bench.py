"""Survey benchmark: open-survey submissions under gunicorn, and the poster PDF for 300 units.

Run from the repository root:  ``.venv/bin/python bench/survey_bench.py``

For each engine (a temp SQLite file; a dedicated PostgreSQL database dropped at the end) it runs
``flask db upgrade`` and ``flask demo`` (which loads the 问卷调查 demo: an open questionnaire in the
training phase), starts ``gunicorn --workers 2 wsgi:app`` and measures at concurrency C (64):

1. ``GET /healthz``                                                 (baseline, same run)
2. ``POST /api/v1/campaigns/<cid>/units/<uid>/survey-answers`` round robin over the demo's units, no
   cookie sent back — each answer is a new phone (a device cookie is made and set every time)

1 and 2 alternate in ``--rounds`` rounds and the ratio compares their totals. Then, when wrk is
installed, the same two with wrk (2 threads, keep-alive as wrk does it, ``--wrk-seconds`` each) in
``--wrk-rounds`` rounds, with the server's CPU per request: the project's generator is Python and
limits a request as cheap as ``/healthz`` (it reaches about two thirds of wrk's rate there), which
flatters every ratio to it. The rate limit is off
(``EVALFLOW_RATELIMIT_ENABLED=false``, as for every benchmark): all load comes from 127.0.0.1. It
checks afterwards that every 201 left exactly one row (and no more rows than that, bar the answers
wrk had in flight when it stopped: written, their 201 never counted). Then, in this process, it builds the poster PDF
of 300 units (``evalflow.survey.pdf.build_posters``) ``--pdf-runs`` times and reports the times.
"""

from __future__ import annotations

import argparse
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
import wrk_bench
from briefing_bench import _merge

DEMO_TITLE = "2026年度社区文明单位评选(问卷调查演示)"
DEFAULT_PG_SOCKET = "/var/run/postgresql"


def _scalar(db_url: str, sql: str, **params: Any) -> Any:
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        value = conn.execute(sa.text(sql), params).all()
    engine.dispose()
    return value


def survey_facts(db_url: str) -> tuple[int, list[int]]:
    cid = _scalar(db_url, "SELECT id FROM campaign WHERE title = :t", t=DEMO_TITLE)[0][0]
    units = [u for (u,) in _scalar(db_url, "SELECT unit_id FROM application JOIN unit ON unit.id = unit_id "
                                           "WHERE unit.campaign_id = :c AND status = 'accepted' ORDER BY unit_id", c=cid)]  # fmt: skip
    return cid, units


def run_answers(
    port: int, cid: int, units: list[int], total: int, concurrency: int, cap: float
) -> loadgen.Stats:
    """*total* answer POSTs from *concurrency* threads, round robin over *units*."""
    stats = loadgen.Stats(planned=total, concurrency=concurrency)
    lock = threading.Lock()
    counter = 0
    gate = threading.Barrier(concurrency + 1)
    deadline = 0.0

    def take() -> int | None:
        nonlocal counter
        with lock:
            if counter >= total or time.perf_counter() > deadline:
                stats.capped |= counter < total
                return None
            counter += 1
            return counter - 1

    def worker() -> None:
        conn = loadgen.connection(run.HOST, port)
        local = []
        gate.wait()
        while (i := take()) is not None:
            body = {"respondent": ("staff", "resident")[i % 2], "choices": [i % 3, (i // 3) % 3, None]}
            local.append(loadgen.send(conn, "POST", f"/api/v1/campaigns/{cid}/units/{units[i % len(units)]}/survey-answers",
                                      None, body))  # fmt: skip
        conn.close()
        with lock:
            for r in local:
                stats.latencies.append(r.seconds)
                stats.statuses[r.status] += 1
                if r.error:
                    stats.transport_errors[r.error.split(":")[0]] += 1
                if r.status != 201:
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


WRK_ANSWERS = r"""
units = {%UNITS%}
local counter = 0
local threads = {}
c201, cother = 0, 0

function setup(thread)
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  local respondent = (counter % 2 == 0) and "staff" or "resident"
  local body = '{"respondent":"' .. respondent .. '","choices":[' .. (counter % 3) .. ',' ..
    (math.floor(counter / 3) % 3) .. ',null]}'
  local path = "/api/v1/campaigns/%CID%/units/" .. units[(counter % #units) + 1] .. "/survey-answers"
  return wrk.format("POST", path, {["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
  if status == 201 then c201 = c201 + 1 else cother = cother + 1 end
end

function done(s, lat, req)
  local a, c = 0, 0
  for _, t in ipairs(threads) do a = a + t:get("c201"); c = c + t:get("cother") end
  io.write(string.format('WRKJSON {"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p99_ms": %.2f, ' ..
    '"max_ms": %.2f, "s201": %d, "other": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d}\n',
    s.requests, s.duration / 1e6, lat:percentile(50) / 1000, lat:percentile(99) / 1000, lat.max / 1000,
    a, c, s.errors.connect, s.errors.read, s.errors.write, s.errors.timeout))
end
"""


def wrk_rounds(
    facts: dict[str, Any], cid: int, units: list[int], args: argparse.Namespace, tmp: Path
) -> list[dict[str, Any]]:
    """``/healthz`` then answers with wrk, ``--wrk-rounds`` times (each answer a new phone, as above)."""
    if args.wrk_rounds < 1 or shutil.which("wrk") is None:
        return []
    answers = tmp / "answers.lua"
    answers.write_text(WRK_ANSWERS.replace("%UNITS%", ", ".join(map(str, units))).replace("%CID%", str(cid)))
    healthz = wrk_bench.lua(tmp, "healthz", "GET", "/healthz", [""], [])
    out = []
    for _ in range(args.wrk_rounds):
        h = wrk_bench.measured_wrk(facts, healthz, args.concurrency, args.wrk_seconds)
        a = wrk_bench.measured_wrk(facts, answers, args.concurrency, args.wrk_seconds)
        by_cpu = round(h["server_cpu_ms"] / a["server_cpu_ms"], 2) if a["server_cpu_ms"] else None
        out.append(
            {"healthz": h, "answers": a, "ratio": round(a["rps"] / h["rps"], 2), "ratio_by_cpu": by_cpu}
        )
        run.log(f"wrk: healthz {h['rps']} rps, answers {a['rps']} rps (ratio {out[-1]['ratio']}, "
                f"by CPU {by_cpu}), answer p99 {a['p99_ms']} ms")  # fmt: skip
    return out


def bench_engine(engine: str, args: argparse.Namespace, cleanup: run.Cleanup) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix=f"evalflow-survey-{engine}-"))
    cleanup.push(shutil.rmtree, tmp, True)
    result: dict[str, Any] = {"engine": engine, "workers": args.workers}
    pg_pids = None
    if engine == "sqlite":
        db_url = f"sqlite:///{tmp / 'bench.sqlite3'}"
        result["server_version"] = sqlite3.sqlite_version
    else:
        db_url, result["server_version"] = run.pg_create_database(args.pg_url, cleanup)
        name = db_url.rsplit("/", 1)[1]
        if args.pg_socket:
            db_url += f"?host={args.pg_socket}"
        pg_pids = lambda: run.pg_backend_pids(args.pg_url, name)  # noqa: E731
    env = run.app_env(args.src, db_url, tmp / "uploads")
    run.flask_cli(args.src, env, "db", "upgrade")
    run.flask_cli(args.src, env, "demo")
    cid, units = survey_facts(db_url)
    before = _scalar(db_url, "SELECT count(*) FROM survey_answer")[0][0]
    port, master = run.start_gunicorn(args.src, env, args.workers, tmp / "gunicorn.log", cleanup)
    loadgen.run_fixed(run.HOST, port, "GET", "/healthz", total=args.warmup, concurrency=args.concurrency,
                      time_cap=args.time_cap)  # fmt: skip
    warm = run_answers(port, cid, units, args.warmup, args.concurrency, args.time_cap)
    per_round = max(args.requests // args.rounds, 1)
    healthz_all = loadgen.Stats(planned=per_round * args.rounds, concurrency=args.concurrency)
    answers_all = loadgen.Stats(planned=per_round * args.rounds, concurrency=args.concurrency)
    rounds = []
    for _ in range(args.rounds):
        quiet = run.wait_for_quiet(args.quiet_wait, args.quiet_threshold)
        with run.CpuProbe(master, pg_pids) as probe:
            h = loadgen.run_fixed(run.HOST, port, "GET", "/healthz", total=per_round, concurrency=args.concurrency,
                                  time_cap=args.time_cap)  # fmt: skip
        h_cpu = probe.summary(len(h.latencies))
        with run.CpuProbe(master, pg_pids) as probe:
            a = run_answers(port, cid, units, per_round, args.concurrency, args.time_cap)
        hs, as_ = h.summary(), a.summary()
        rounds.append({"healthz_rps": hs["throughput_rps"], "answer_rps": as_["throughput_rps"],
                       "answer_p99_ms": as_["latency_ms"]["p99"], "before": quiet,
                       "cpu": {"healthz": h_cpu, "answers": probe.summary(len(a.latencies))}})  # fmt: skip
        _merge(healthz_all, h)
        _merge(answers_all, a)
    result["scenarios"] = {
        "healthz": healthz_all.summary(),
        "survey_answer": answers_all.summary(),
        "rounds": rounds,
    }
    h, a = (
        result["scenarios"]["healthz"]["throughput_rps"],
        result["scenarios"]["survey_answer"]["throughput_rps"],
    )
    result["ratio_answer_to_healthz"] = round(a / h, 2) if h and a else None
    facts = {"port": port, "master": master, "pg_pids": pg_pids}
    result["wrk"] = wrk_rounds(facts, cid, units, args, tmp)
    stored = _scalar(db_url, "SELECT count(*) FROM survey_answer")[0][0] - before
    created = answers_all.statuses.get(201, 0) + warm.statuses.get(201, 0)
    created += sum(r["answers"]["s201"] for r in result["wrk"])
    # wrk stops with up to one request per connection in flight: written, but its 201 never counted
    in_flight = args.concurrency * len(result["wrk"])
    result["answers_stored"] = {"created_201": created, "rows": stored, "uncounted_at_most": in_flight}
    result["server_log"] = run.scan_server_log(tmp / "gunicorn.log")
    return result


def poster_times(runs: int, units: int = 300) -> dict[str, Any]:
    """Build the poster PDF of *units* units *runs* times in this process (the fonts loaded once first)."""
    sys.path.insert(0, str(run.default_src()))
    from evalflow.survey.pdf import Poster, build_posters

    posters = [Poster("2026年度社区文明单位评选", f"第{i + 1}社区居民委员会", f"https://wmb.example.cn/survey/12/{1000 + i}")
               for i in range(units)]  # fmt: skip
    build_posters(posters[:1])
    times, size = [], 0
    for _ in range(runs):
        t0 = time.perf_counter()
        size = len(build_posters(posters))
        times.append(round(time.perf_counter() - t0, 3))
    return {"units": units, "seconds": times, "best": min(times), "worst": max(times), "bytes": size}


def table(results: list[dict[str, Any]]) -> str:
    lines = ["| engine | healthz rps | answer POST rps | ratio | answer p50 / p99 ms | non-201 | 201 / rows |",
             "|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in results:
        if "error" in r:
            lines.append(f"| {r['engine']} | error: {r['error']} ||||||")
            continue
        h, a = r["scenarios"]["healthz"], r["scenarios"]["survey_answer"]
        non201 = {k: v for k, v in a["statuses"].items() if k != "201"}
        lines.append(f"| {r['engine']} | {h['throughput_rps']} | {a['throughput_rps']} | {r['ratio_answer_to_healthz']} | "
                     f"{a['latency_ms']['p50']} / {a['latency_ms']['p99']} | {non201 or 0} | "
                     f"{r['answers_stored']['created_201']} / {r['answers_stored']['rows']} |")  # fmt: skip
    wrk_lines = [f"| {r['engine']} | {w['healthz']['rps']} | {w['answers']['rps']} | {w['ratio']} | {w['ratio_by_cpu']} | "
                 f"{w['answers']['p50_ms']} / {w['answers']['p99_ms']} | {w['answers']['other']} |"
                 for r in results if "error" not in r for w in r["wrk"]]  # fmt: skip
    if wrk_lines:
        lines += ["", "wrk, same servers:", "",
                  "| engine | healthz rps | answer POST rps | ratio | ratio by server CPU | answer p50 / p99 ms | non-201 |",
                  "|---|---|---|---|---|---|---|", *wrk_lines]  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--engines", default="sqlite,postgres")
    p.add_argument("--pg-url", default=run.DEFAULT_PG_URL)
    p.add_argument("--pg-socket", default="auto")
    p.add_argument("--src", type=Path, default=run.default_src())
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--requests", type=int, default=3000, help="per scenario, over all rounds")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--warmup", type=int, default=100)
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--time-cap", type=float, default=90.0)
    p.add_argument("--quiet-wait", type=float, default=30.0)
    p.add_argument("--quiet-threshold", type=float, default=35.0)
    p.add_argument("--pdf-runs", type=int, default=3)
    p.add_argument("--wrk-rounds", type=int, default=2, help="0: no wrk runs")
    p.add_argument("--wrk-seconds", type=float, default=6.0)
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
            stored = res["answers_stored"]
            failed |= (
                bool(res["scenarios"]["survey_answer"]["errors"])
                or not stored["created_201"]
                <= stored["rows"]
                <= stored["created_201"] + stored["uncounted_at_most"]
                or any(w["answers"]["other"] for w in res["wrk"])
            )
        except Exception as exc:
            failed = True
            run.log(f"{engine}: FAILED: {exc}")
            report["results"].append({"engine": engine, "error": f"{type(exc).__name__}: {exc}"})
        finally:
            cleanup.run()
    report["posters"] = poster_times(args.pdf_runs)
    report["table_markdown"] = table(report["results"])
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "survey-latest.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(report["table_markdown"])
    print(f"poster PDF, {report['posters']['units']} units: {report['posters']['seconds']} s "
          f"({report['posters']['bytes']} bytes)")  # fmt: skip
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
