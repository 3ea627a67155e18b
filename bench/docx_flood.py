"""Does a crafted .docx still freeze the site? ``/healthz`` latency during concurrent hostile uploads.

Run from the repository root:  ``.venv/bin/python bench/docx_flood.py``

It starts ``gunicorn --workers 2 wsgi:app`` on a temporary SQLite database with the demo data (as
``bench/run.py`` does), signs in as the demo unit ``chengguan`` (its application is editable), and
then, for ``--rounds`` rounds, four threads upload at once a crafted file (``tests/word_docs.py``: about 50 KB
that unpacks to 1.4 million empty paragraphs) to ``POST …/application/report-docx`` while a fifth
thread asks for ``/healthz`` every 50 ms. It reports the upload statuses and times, the
``/healthz`` latencies, whether a gunicorn worker was replaced (killed) and the server log's
errors; JSON goes to ``bench/out/docx-flood-latest.json``.

Target: ``/healthz`` < 1 s throughout, no worker killed, every upload a 4xx.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

import loadgen  # bench/ is not a package: imported from sys.path[0]
import run as bench  # the server helpers of the main benchmark

from tests.word_docs import flood_docx

UNIT = {"username": "chengguan", "password": bench.ADMIN["password"]}


def multipart(content: bytes, name: str) -> tuple[bytes, str]:
    boundary = "evalflow-bench-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def upload(port: int, path: str, token: str, body: bytes, ctype: str) -> tuple[int, float, str]:
    conn = loadgen.connection(bench.HOST, port, timeout=120)
    start = time.perf_counter()
    try:
        conn.request(
            "POST", path, body=body, headers={"Authorization": f"Bearer {token}", "Content-Type": ctype}
        )
        resp = conn.getresponse()
        text = resp.read().decode("utf-8", "replace")
        return resp.status, time.perf_counter() - start, text[:300]
    except OSError as exc:
        return 0, time.perf_counter() - start, repr(exc)
    finally:
        conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--out", type=Path, default=bench.BENCH_DIR / "out")
    args = parser.parse_args()
    src = bench.default_src()
    cleanup = bench.Cleanup()
    try:
        tmp = Path(tempfile.mkdtemp(prefix="evalflow-docx-flood-"))
        cleanup.push(lambda: __import__("shutil").rmtree(tmp, ignore_errors=True))
        db_file = tmp / "bench.sqlite"
        env = bench.app_env(src, f"sqlite:///{db_file}", tmp / "uploads")
        bench.flask_cli(src, env, "db", "upgrade")
        bench.flask_cli(src, env, "demo")
        port, master = bench.start_gunicorn(src, env, 2, tmp / "gunicorn.log", cleanup)
        workers_before = sorted(bench.children(master))
        with sqlite3.connect(db_file) as conn:
            unit_id, campaign_id = conn.execute(
                "SELECT unit.id, unit.campaign_id FROM unit JOIN user ON user.unit_id = unit.id WHERE user.username = ?",
                (UNIT["username"],),
            ).fetchone()
        conn = loadgen.connection(bench.HOST, port)
        token = loadgen.send(conn, "POST", "/api/v1/auth/token", payload=UNIT).json()["token"]
        conn.close()
        path = f"/api/v1/campaigns/{campaign_id}/units/{unit_id}/application/report-docx"
        crafted = flood_docx()
        body, ctype = multipart(crafted, "crafted.docx")
        bench.log(f"crafted .docx: {len(crafted)} bytes; {args.rounds} rounds x {args.concurrency} uploads")

        stop = threading.Event()
        health: list[float] = []
        health_errors: list[str] = []

        def probe() -> None:
            while not stop.is_set():
                c = loadgen.connection(bench.HOST, port, timeout=60)
                r = loadgen.send(c, "GET", "/healthz")
                c.close()
                (
                    health.append(r.seconds)
                    if r.status == 200
                    else health_errors.append(f"{r.status} {r.error}")
                )
                time.sleep(0.05)

        prober = threading.Thread(target=probe, daemon=True)
        prober.start()
        uploads: list[tuple[int, float, str]] = []
        lock = threading.Lock()
        for _ in range(args.rounds):
            barrier = threading.Barrier(args.concurrency)

            def one(barrier: threading.Barrier = barrier) -> None:
                barrier.wait()
                result = upload(port, path, token, body, ctype)
                with lock:
                    uploads.append(result)

            threads = [threading.Thread(target=one) for _ in range(args.concurrency)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        time.sleep(0.3)
        stop.set()
        prober.join()
        workers_after = sorted(bench.children(master))
        log = bench.scan_server_log(tmp / "gunicorn.log")
        health_sorted = sorted(health)
        times = sorted(u[1] for u in uploads)
        report = {
            "crafted_bytes": len(crafted),
            "uploads": len(uploads),
            "upload_statuses": sorted({u[0] for u in uploads}),
            "upload_message": uploads[0][2] if uploads else "",
            "upload_s": {"median": round(times[len(times) // 2], 3), "max": round(times[-1], 3)},
            "healthz_requests": len(health),
            "healthz_errors": health_errors,
            "healthz_ms": {
                "p50": round(1000 * loadgen.percentile(health_sorted, 50), 1),
                "p95": round(1000 * loadgen.percentile(health_sorted, 95), 1),
                "max": round(1000 * health_sorted[-1], 1),
            },
            "workers_replaced": workers_before != workers_after,
            "server_log": {k: v for k, v in log.items() if k != "tail"},
            "machine": bench.machine_info(),
            "git": bench.git_state(src),
        }
        report["target_met"] = (
            report["healthz_ms"]["max"] < 1000
            and not report["workers_replaced"]
            and not health_errors
            and all(400 <= u[0] < 500 for u in uploads)
        )
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "docx-flood-latest.json").write_text(
            json.dumps(report, indent=2, ensure_ascii=False) + "\n"
        )
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0 if report["target_met"] else 1
    finally:
        cleanup.run()


if __name__ == "__main__":
    sys.exit(main())
