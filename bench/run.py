"""Load benchmark of evalflow under gunicorn, on SQLite and on PostgreSQL.

Run from the repository root:  ``.venv/bin/python bench/run.py``  (or ``make bench``).

For each engine it creates a fresh database (a temp SQLite file; a dedicated PostgreSQL database
that is dropped at the end), runs ``flask db upgrade`` and ``flask demo``, starts
``gunicorn --workers 2 wsgi:app`` on a free loopback port and measures:

1. ``GET /healthz``                                   (baseline: no database, no auth)
2. ``GET /api/v1/campaigns/<demo id>`` with a bearer token (token lookup + campaign + phase guards)
3. ``POST /api/v1/campaigns/<id>/transitions`` contention: C clients released together by a barrier
   all try ``draft -> intake`` on the same fresh campaign, for N campaigns; exactly one 200 and C-1
   409 are expected per campaign, and the database must hold exactly one transition audit entry each.

It prints a Markdown table and writes JSON to ``bench/out/``. Everything it starts (gunicorn, temp
files, the PostgreSQL database) is removed in ``finally`` blocks and on SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadgen  # bench/ is not a package: imported from sys.path[0]

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
HOST = "127.0.0.1"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ADMIN = {"username": "admin", "password": "evalflow-demo"}


# --------------------------------------------------------------------------- helpers


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def default_src() -> Path:
    """The checkout to benchmark: the first PYTHONPATH entry holding ``wsgi.py``, else this repo."""
    for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep):
        if entry and (Path(entry) / "wsgi.py").is_file():
            return Path(entry).resolve()
    return REPO_ROOT


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def git_state(src: Path) -> dict[str, Any]:
    def git(*args: str) -> str:
        out = subprocess.run(["git", "-C", str(src), *args], capture_output=True, text=True, timeout=30)
        return out.stdout.strip()

    with contextlib.suppress(Exception):
        dirty = [line for line in git("status", "--porcelain").splitlines() if line]
        return {"commit": git("rev-parse", "HEAD"), "dirty_paths": len(dirty)}
    return {}


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {
        "nproc": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "kernel": platform.release(),
    }
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["mem_total_mib"] = int(line.split()[1]) // 1024
                break
    with contextlib.suppress(Exception):
        from importlib.metadata import version

        info["gunicorn"] = version("gunicorn")
        info["flask"] = version("flask")
        info["sqlalchemy"] = version("sqlalchemy")
    return info


class Cleanup:
    """A stack of undo actions run once, in reverse, even on errors and signals."""

    def __init__(self) -> None:
        self._stack = contextlib.ExitStack()
        self._lock = threading.Lock()

    def push(self, fn: Any, *args: Any) -> None:
        self._stack.callback(fn, *args)

    def run(self) -> None:
        """Undo everything; a second Ctrl-C or SIGTERM cannot interrupt this half-way."""
        previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            with self._lock:
                self._stack.close()
        except Exception as exc:  # report, never mask the original error
            log(f"cleanup error: {exc!r}")
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


# --------------------------------------------------------------------------- databases


def pg_admin_url(url: str) -> str:
    """The libpq form of a SQLAlchemy URL (``postgresql+psycopg://`` -> ``postgresql://``)."""
    return "postgresql://" + url.split("://", 1)[1]


def pg_create_database(base_url: str, cleanup: Cleanup) -> tuple[str, str]:
    """Create a dedicated database next to *base_url*; return (SQLAlchemy URL, server version)."""
    import psycopg

    name = f"evalflow_bench_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(pg_admin_url(base_url), autocommit=True, connect_timeout=10) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        conn.execute(f'CREATE DATABASE "{name}"')
    cleanup.push(pg_drop_database, base_url, name)
    log(f"created PostgreSQL database {name}")
    prefix, _, _ = base_url.rpartition("/")
    return f"{prefix}/{name}", version


def pg_backend_pids(base_url: str, name: str) -> list[int]:
    """Server processes currently connected to database *name* (the gunicorn workers' pools)."""
    import psycopg

    with psycopg.connect(pg_admin_url(base_url), autocommit=True, connect_timeout=10) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (name,)
        ).fetchall()
    return [r[0] for r in rows]


def pg_drop_database(base_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(pg_admin_url(base_url), autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    log(f"dropped PostgreSQL database {name}")


# --------------------------------------------------------------------------- the server


def app_env(src: Path, db_url: str, upload_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVALFLOW_")}
    env.update(
        {
            "PYTHONPATH": str(src),
            "FLASK_APP": "evalflow",
            "EVALFLOW_DATABASE_URL": db_url,
            "EVALFLOW_SECRET_KEY": secrets.token_urlsafe(32),
            "EVALFLOW_RATELIMIT_ENABLED": "false",
            "EVALFLOW_UPLOAD_DIR": str(upload_dir),
            "EVALFLOW_DEMO_PASSWORD": ADMIN["password"],
        }
    )
    return env


def flask_cli(src: Path, env: dict[str, str], *args: str) -> None:
    cmd = [sys.executable, "-m", "flask", "--app", "evalflow", *args]
    out = subprocess.run(cmd, cwd=src, env=env, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")


def stop_process_group(proc: subprocess.Popen, name: str) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    log(f"stopped {name} (pid {proc.pid})")


def start_gunicorn(
    src: Path, env: dict[str, str], workers: int, logfile: Path, cleanup: Cleanup, threads: int = 1
) -> tuple[int, int]:
    """Start gunicorn in its own process group; return (port, master pid) once /healthz answers.

    *threads* > 1 selects gunicorn's threaded worker (gthread) with that many threads per worker."""
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        *(["--threads", str(threads)] if threads > 1 else []),
        "--bind",
        f"{HOST}:{port}",
        # gunicorn >= 24 opens a control socket at ~/.gunicorn/gunicorn.ctl by default; that path is
        # shared with any other gunicorn on the machine (e.g. a developer's `make run`), so skip it.
        "--no-control-socket",
        "wsgi:app",
    ]
    with open(logfile, "wb") as fh:
        proc = subprocess.Popen(
            cmd, cwd=src, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
        )
    cleanup.push(stop_process_group, proc, "gunicorn")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({proc.returncode}):\n{logfile.read_text()[-3000:]}")
        conn = loadgen.connection(HOST, port, timeout=2)
        r = loadgen.send(conn, "GET", "/healthz")
        conn.close()
        if r.status == 200:
            log(f"gunicorn up on {HOST}:{port} (pid {proc.pid}, {workers} workers)")
            return port, proc.pid
        time.sleep(0.25)
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


def scan_server_log(logfile: Path) -> dict[str, Any]:
    text = logfile.read_text(errors="replace") if logfile.exists() else ""
    lines = text.splitlines()
    return {
        "tracebacks": text.count("Traceback (most recent call last)"),
        "error_lines": sum("[ERROR]" in line for line in lines),
        "critical_lines": sum("[CRITICAL]" in line for line in lines),
        "worker_timeouts": text.count("WORKER TIMEOUT"),
        "database_locked": text.count("database is locked"),
        "tail": lines[-15:],
    }


# --------------------------------------------------------------------------- CPU accounting

CLK_TCK = os.sysconf("SC_CLK_TCK")


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies over all CPUs since boot, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    total = sum(fields[:8])  # user nice system idle iowait irq softirq steal (guest is in user)
    return total - idle, total


def process_ticks(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def wait_for_quiet(max_wait: float, threshold_pct: float, window: float = 2.0) -> dict[str, Any]:
    """Wait (at most *max_wait* s) until the machine is below *threshold_pct* busy over *window* s.

    This host is shared (test suites, browsers); starting a scenario while it is saturated measures the
    neighbours, not the app. The outcome is recorded with the scenario either way.
    """
    start = time.monotonic()
    busy_pct = 100.0
    while True:
        b0, t0 = machine_ticks()
        time.sleep(window)
        b1, t1 = machine_ticks()
        busy_pct = 100 * (b1 - b0) / max(1, t1 - t0)
        waited = time.monotonic() - start
        if busy_pct < threshold_pct or waited >= max_wait:
            return {"waited_s": round(waited, 1), "busy_pct_before": round(busy_pct, 1),
                    "quiet": busy_pct < threshold_pct}  # fmt: skip
        if int(waited) // 10 != int(waited - window) // 10:  # about every 10 s
            log(f"machine {busy_pct:.0f}% busy; waiting for it to quieten ({waited:.0f}/{max_wait:.0f} s)")


class CpuProbe:
    """Where the CPU went during one scenario: load generator, gunicorn workers, PostgreSQL, others.

    The benchmark shares this machine's cores with whatever else runs; "others" makes that visible.
    """

    def __init__(self, gunicorn_pid: int, pg_pids: Any = None) -> None:
        self.gunicorn_pid = gunicorn_pid
        self.pg_pids = pg_pids or (lambda: [])

    def _groups(self) -> dict[str, list[int]]:
        return {"gunicorn_workers": children(self.gunicorn_pid), "postgres_backends": list(self.pg_pids())}

    def __enter__(self) -> CpuProbe:
        self.pids = self._groups()
        self.t0 = time.perf_counter()
        self.machine0 = machine_ticks()
        self.self0 = sum(os.times()[:2])
        self.proc0 = {g: {p: process_ticks(p) for p in pids} for g, pids in self.pids.items()}
        return self

    def __exit__(self, *exc: Any) -> None:
        self.seconds = time.perf_counter() - self.t0
        busy1, total1 = machine_ticks()
        self.busy_s = (busy1 - self.machine0[0]) / CLK_TCK
        self.capacity_s = (total1 - self.machine0[1]) / CLK_TCK
        self.client_s = sum(os.times()[:2]) - self.self0
        self.groups_s = {
            g: sum(process_ticks(p) - t for p, t in ticks.items()) / CLK_TCK
            for g, ticks in self.proc0.items()
        }

    def summary(self, requests: int) -> dict[str, Any]:
        accounted = self.client_s + sum(self.groups_s.values())

        def per_req(seconds: float) -> float | None:
            return round(seconds * 1000 / requests, 3) if requests else None

        return {
            "machine_busy_pct": round(100 * self.busy_s / self.capacity_s, 1) if self.capacity_s else None,
            "cpu_seconds": {
                "load_generator": round(self.client_s, 2),
                **{g: round(v, 2) for g, v in self.groups_s.items()},
                "everything_else": round(max(0.0, self.busy_s - accounted), 2),
            },
            "cpu_ms_per_request": {
                "load_generator": per_req(self.client_s),
                **{g: per_req(v) for g, v in self.groups_s.items()},
            },
        }


# --------------------------------------------------------------------------- scenarios


def api(port: int, method: str, path: str, token: str | None = None, payload: Any = None) -> Any:
    """One untimed set-up call; raises unless it returns 2xx."""
    conn = loadgen.connection(HOST, port)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = loadgen.send(conn, method, path, headers, payload)
    conn.close()
    if not 200 <= r.status < 300:
        raise RuntimeError(f"{method} {path} -> {r.status} {r.error} {r.body[:500]!r}")
    return r.json()


def error_code(r: loadgen.Response) -> str:
    if r.status == 0:
        return "transport:" + r.error.split(":")[0]
    if r.status == 200:
        return "ok"
    try:
        return str(r.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return "unparsed"


def run_contention(
    port: int, token: str, campaign_ids: list[int], clients: int, time_cap: float
) -> dict[str, Any]:
    """Per campaign, *clients* threads pass a barrier together and each POSTs draft -> intake once."""
    headers = {"Authorization": f"Bearer {token}"}
    stop = threading.Event()
    deadline = time.perf_counter() + time_cap

    def check_deadline() -> None:  # run by one thread each time the barrier opens
        if time.perf_counter() > deadline:
            stop.set()

    barrier = threading.Barrier(clients, action=check_deadline)
    lock = threading.Lock()
    outcomes: dict[int, list[tuple[int, str, float]]] = {cid: [] for cid in campaign_ids}
    stats = loadgen.Stats(planned=len(campaign_ids) * clients, concurrency=clients)

    def worker() -> None:
        conn = loadgen.connection(HOST, port)
        for cid in campaign_ids:
            try:
                barrier.wait(timeout=time_cap + 60)
            except threading.BrokenBarrierError:
                break
            if stop.is_set():
                break
            r = loadgen.send(conn, "POST", f"/api/v1/campaigns/{cid}/transitions", headers, {"to": "intake"})
            with lock:
                outcomes[cid].append((r.status, error_code(r), r.seconds))
        conn.close()

    opened_before = loadgen.CountingConnection.opened
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(time_cap + 120)
    stats.wall_seconds = time.perf_counter() - t0
    stats.connections_opened = loadgen.CountingConnection.opened - opened_before
    stats.capped = stop.is_set()

    codes: Counter = Counter()
    good_campaigns = 0
    bad: dict[int, list[Any]] = {}
    for cid, results in outcomes.items():
        if not results:
            continue
        statuses = Counter(s for s, _, _ in results)
        for status, code, seconds in results:
            stats.latencies.append(seconds)
            stats.statuses[status] += 1
            codes[f"{status} {code}"] += 1
            if status not in (200, 409):
                stats.errors += 1
        if statuses[200] == 1 and statuses[409] == clients - 1:
            good_campaigns += 1
        else:
            bad[cid] = sorted(Counter((s, c) for s, c, _ in results).items())
    attempted = sum(1 for r in outcomes.values() if r)
    summary = stats.summary()
    summary["contention"] = {
        "campaigns_attempted": attempted,
        "clients_per_campaign": clients,
        "campaigns_exactly_one_200_rest_409": good_campaigns,
        "outcomes_by_status_and_code": dict(sorted(codes.items())),
        "campaigns_not_as_expected": {str(k): [f"{s} {c} x{n}" for (s, c), n in v] for k, v in bad.items()},
    }
    return summary


def verify_transitions(db_url: str, port: int, token: str, campaign_ids: list[int]) -> dict[str, Any]:
    """After the race: each campaign is in intake and has exactly one transition audit entry."""
    phases = Counter(api(port, "GET", f"/api/v1/campaigns/{cid}", token)["phase"] for cid in campaign_ids)
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT campaign_id, count(*) FROM audit_entry "
                    "WHERE action = 'campaign.transition' GROUP BY campaign_id"
                )
            ).all()
    finally:
        engine.dispose()
    per_campaign = {cid: n for cid, n in rows}
    counts = Counter(per_campaign.get(cid, 0) for cid in campaign_ids)
    return {
        "phase_after": dict(phases),
        "transition_audit_entries_per_campaign": {str(k): v for k, v in sorted(counts.items())},
        "ok": phases == Counter({"intake": len(campaign_ids)}) and counts == Counter({1: len(campaign_ids)}),
    }


def bench_engine(engine: str, args: argparse.Namespace, cleanup: Cleanup) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix=f"evalflow-bench-{engine}-"))
    cleanup.push(shutil.rmtree, tmp, True)
    result: dict[str, Any] = {"engine": engine}
    pg_pids = None
    if engine == "sqlite":
        db_url = f"sqlite:///{tmp / 'bench.sqlite3'}"
        result["server_version"] = sqlite3.sqlite_version
    elif engine == "postgres":
        db_url, result["server_version"] = pg_create_database(args.pg_url, cleanup)
        db_name = db_url.rsplit("/", 1)[1]
        pg_pids = lambda: pg_backend_pids(args.pg_url, db_name)  # noqa: E731
    else:
        raise ValueError(f"unknown engine {engine!r} (sqlite or postgres)")
    env = app_env(args.src, db_url, tmp / "uploads")
    log(f"{engine}: db upgrade + demo")
    flask_cli(args.src, env, "db", "upgrade")
    flask_cli(args.src, env, "demo")
    wait_for_quiet(args.quiet_wait, args.quiet_threshold)
    out = subprocess.run(
        [sys.executable, str(BENCH_DIR / "query_count.py")],
        cwd=args.src, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(f"query_count.py failed:\n{out.stderr[-3000:]}")
    result["in_process"] = json.loads(out.stdout)
    log(f"{engine}: in-process (no HTTP, one thread): {result['in_process']}")
    logfile = tmp / "gunicorn.log"
    port, master = start_gunicorn(args.src, env, args.workers, logfile, cleanup)

    token = api(port, "POST", "/api/v1/auth/token", payload=ADMIN)["token"]
    auth = {"Authorization": f"Bearer {token}"}
    campaigns = api(port, "GET", "/api/v1/campaigns", token)
    demo_id = campaigns[0]["id"]
    demo = api(port, "GET", f"/api/v1/campaigns/{demo_id}", token)
    result["demo_campaign"] = {"id": demo_id, "phase": demo["phase"], "transitions": len(demo["transitions"])}

    scenarios: dict[str, Any] = {}
    fixed = [
        ("healthz", "/healthz", {}, lambda r: r.status == 200),
        (
            "campaign_get",
            f"/api/v1/campaigns/{demo_id}",
            auth,
            lambda r: r.status == 200 and b'"transitions"' in r.body,
        ),
    ]
    for name, path, headers, ok in fixed:
        if args.warmup:
            loadgen.run_fixed(
                HOST, port, "GET", path, total=args.warmup, concurrency=args.concurrency,
                time_cap=args.time_cap, headers=headers, ok=ok,
            )  # fmt: skip
        quiet = wait_for_quiet(args.quiet_wait, args.quiet_threshold)
        log(f"{engine}: {name}: {args.requests} requests at concurrency {args.concurrency}")
        with CpuProbe(master, pg_pids) as probe:
            stats = loadgen.run_fixed(
                HOST, port, "GET", path, total=args.requests, concurrency=args.concurrency,
                time_cap=args.time_cap, headers=headers, ok=ok,
            )  # fmt: skip
        scenarios[name] = {**stats.summary(), "cpu": probe.summary(len(stats.latencies)), "before": quiet}

    log(f"{engine}: creating {args.campaigns} draft campaigns (untimed)")
    ids = [
        api(port, "POST", "/api/v1/campaigns", token, {"title": f"bench race {i}"})["id"]
        for i in range(args.campaigns)
    ]
    quiet = wait_for_quiet(args.quiet_wait, args.quiet_threshold)
    log(f"{engine}: transition race: {args.campaigns} campaigns x {args.clients} clients")
    with CpuProbe(master, pg_pids) as probe:
        race = run_contention(port, token, ids, args.clients, args.time_cap)
    race["cpu"] = probe.summary(race["completed_requests"])
    race["before"] = quiet
    race["verification"] = verify_transitions(db_url, port, token, ids)
    scenarios["transition_race"] = race
    result["scenarios"] = scenarios
    result["server_log"] = scan_server_log(logfile)
    return result


# --------------------------------------------------------------------------- report


def markdown_table(results: list[dict[str, Any]]) -> str:
    head = (
        "| Engine | Scenario | Requests | Conc. | req/s | p50 ms | p95 ms | p99 ms | Errors "
        "| Server CPU ms/req | Notes |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    )
    rows = [head]
    labels = {
        "healthz": "1 `GET /healthz`",
        "campaign_get": "2 `GET /api/v1/campaigns/{id}`",
        "transition_race": "3 `POST .../transitions` race",
    }
    for res in results:
        names = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
        version = str(res.get("server_version", "")).split(" ")[0]
        engine = f"{names.get(res['engine'], res['engine'])} {version}".strip()
        if "error" in res:
            rows.append(f"| {engine} | (failed) | | | | | | | | | {res['error'].splitlines()[0][:120]} |")
            continue
        for key, label in labels.items():
            s = res["scenarios"].get(key)
            if not s:
                continue
            lat = s["latency_ms"]
            notes = []
            if s["hit_time_cap"]:
                notes.append("hit time cap")
            if key == "transition_race":
                c = s["contention"]
                v = s["verification"]
                notes.append(
                    f"{c['campaigns_exactly_one_200_rest_409']}/{c['campaigns_attempted']} campaigns: "
                    f"exactly one 200 + {c['clients_per_campaign'] - 1}x409; "
                    f"DB check {'ok' if v['ok'] else 'FAILED'}"
                )
            cpu = s.get("cpu", {})
            per_req = cpu.get("cpu_ms_per_request", {})
            server_ms = round(sum(v or 0 for k, v in per_req.items() if k != "load_generator"), 2)
            foreign = cpu.get("cpu_seconds", {}).get("everything_else", 0)
            if not s.get("before", {}).get("quiet", True):
                notes.append(f"started on a busy machine ({s['before']['busy_pct_before']}%)")
            if s["wall_seconds"] and foreign > 0.1 * s["wall_seconds"]:
                notes.append(f"other processes used {foreign:.1f} CPU-s during the run")
            others = {k: n for k, n in s["statuses"].items() if k not in ("200", "409")}
            if others:
                notes.append("other statuses " + ", ".join(f"{k}x{n}" for k, n in others.items()))
            rows.append(
                f"| {engine} | {label} | {s['completed_requests']} | {s['concurrency']} | "
                f"{s['throughput_rps']} | {lat['p50']} | {lat['p95']} | {lat['p99']} | {s['errors']} | "
                f"{server_ms} | {'; '.join(notes)} |"
            )
    return "\n".join(rows)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--engines", default="sqlite,postgres", help="comma list of sqlite, postgres")
    p.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL))
    p.add_argument("--src", type=Path, default=default_src(), help="checkout to serve (has wsgi.py)")
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    p.add_argument("--requests", type=int, default=2000, help="measured requests per GET scenario")
    p.add_argument("--warmup", type=int, default=100, help="unmeasured requests before each GET scenario")
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--campaigns", type=int, default=50, help="campaigns raced in scenario 3")
    p.add_argument("--clients", type=int, default=8, help="racing clients per campaign in scenario 3")
    p.add_argument("--time-cap", type=float, default=120.0, help="seconds per scenario at most")
    p.add_argument("--quiet-wait", type=float, default=60.0, help="max s to wait for an idle machine")
    p.add_argument("--quiet-threshold", type=float, default=25.0, help="idle means below this busy %%")
    p.add_argument("--target-p95-ms", type=float, default=100.0, help="target for scenario 2")
    p.add_argument("--out", type=Path, default=BENCH_DIR / "out")
    args = p.parse_args(argv)
    args.src = args.src.resolve()
    if not (args.src / "wsgi.py").is_file():
        p.error(f"{args.src} has no wsgi.py")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def on_signal(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    started = dt.datetime.now(dt.UTC)
    report: dict[str, Any] = {
        "started_at": started.isoformat(timespec="seconds"),
        "command": " ".join([sys.executable, *sys.argv]),
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "source": {"path": str(args.src), **git_state(args.src)},
        "machine": machine_info(),
        "results": [],
    }
    failed = False
    for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
        cleanup = Cleanup()
        try:
            report["results"].append(bench_engine(engine, args, cleanup))
        except Exception as exc:
            failed = True
            log(f"{engine}: FAILED: {exc}")
            report["results"].append({"engine": engine, "error": f"{type(exc).__name__}: {exc}"})
        finally:
            cleanup.run()

    for res in report["results"]:
        if res.get("engine") == "postgres" and "server_version" in res:
            report["machine"]["postgresql"] = res["server_version"]
        s = res.get("scenarios", {})
        if "campaign_get" in s:
            p95 = s["campaign_get"]["latency_ms"]["p95"]
            res["target_campaign_get_p95_ms"] = {"target": args.target_p95_ms, "p95": p95}
            res["target_met"] = p95 < args.target_p95_ms and s["campaign_get"]["errors"] == 0
        race = s.get("transition_race")
        if race and not (race["verification"]["ok"] and race["errors"] == 0):
            failed = True
        if any(x.get("errors") for x in s.values()):
            failed = True

    table = markdown_table(report["results"])
    report["table_markdown"] = table
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    for path in (args.out / f"results-{stamp}.json", args.out / "latest.json"):
        path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(table)
    print()
    for res in report["results"]:
        if "target_met" in res:
            t = res["target_campaign_get_p95_ms"]
            verdict = "MET" if res["target_met"] else "NOT MET"
            print(f"- {res['engine']}: scenario 2 p95 {t['p95']} ms vs target < {t['target']} ms: {verdict}")
    print(f"\nJSON: {args.out / f'results-{stamp}.json'}")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt as exc:
        log(f"interrupted ({exc}); everything started has been cleaned up")
        sys.exit(130)
