"""Helper of ``bench/run.py``: SQL statements and in-process time per request, without HTTP or load.

Run by ``run.py`` in a subprocess with the same ``EVALFLOW_*`` environment as the server (a database
that has been upgraded and loaded with the demo). Prints one JSON object on stdout.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from typing import Any

import sqlalchemy as sa

ADMIN = {"username": "admin", "password": "evalflow-demo"}


def main() -> int:
    from evalflow import create_app
    from evalflow.extensions import db

    app = create_app()
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    client = app.test_client()
    token = client.post("/api/v1/auth/token", json=ADMIN).get_json()["token"]
    auth = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    cid = client.get("/api/v1/campaigns", headers=auth).get_json()[0]["id"]
    out: dict[str, Any] = {}
    for name, path, headers in (
        ("healthz", "/healthz", {}),
        ("campaign_get", f"/api/v1/campaigns/{cid}", auth),
    ):
        client.get(path, headers=headers)  # warm caches (templates, translations, statement cache)
        statements.clear()
        resp = client.get(path, headers=headers)
        assert resp.status_code == 200, resp.status_code
        count = len(statements)
        times = []
        for _ in range(200):
            t0 = time.perf_counter()
            client.get(path, headers=headers)
            times.append(time.perf_counter() - t0)
        out[name] = {
            "sql_statements_per_request": count,
            "in_process_ms_median": round(statistics.median(times) * 1000, 2),
            "in_process_ms_p95": round(sorted(times)[int(0.95 * len(times)) - 1] * 1000, 2),
        }
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
