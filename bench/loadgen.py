"""A small, bounded HTTP load generator: threads + ``http.client``, loopback only.

Every worker thread owns one ``HTTPConnection`` and reuses it while the server keeps it open
(gunicorn's sync workers answer ``Connection: close``, so in practice each request reconnects;
the number of TCP connections opened is counted and reported). Latency is measured per request
from just before the request is written to just after the whole response body has been read.
"""

from __future__ import annotations

import http.client
import json
import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class CountingConnection(http.client.HTTPConnection):
    """An ``HTTPConnection`` that counts the TCP connections it opens."""

    opened = 0
    _lock = threading.Lock()

    def connect(self) -> None:
        super().connect()
        with CountingConnection._lock:
            CountingConnection.opened += 1


def connection(host: str, port: int, timeout: float = 30.0) -> CountingConnection:
    if host not in LOOPBACK:
        raise ValueError(f"refusing to send load to {host!r}: loopback only")
    return CountingConnection(host, port, timeout=timeout)


@dataclass
class Response:
    status: int  # 0 when the request failed at the transport level
    body: bytes
    seconds: float
    error: str = ""

    def json(self) -> Any:
        return json.loads(self.body)


def send(
    conn: http.client.HTTPConnection,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    payload: Any = None,
) -> Response:
    """One request on *conn*; transport errors are returned (status 0), never raised."""
    hdrs = {"Accept": "application/json", **(headers or {})}
    data = None
    if payload is not None:
        data = json.dumps(payload).encode()
        hdrs["Content-Type"] = "application/json"
    start = time.perf_counter()
    try:
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        body = resp.read()
        elapsed = time.perf_counter() - start
        if resp.will_close:
            conn.close()
        return Response(resp.status, body, elapsed)
    except (OSError, http.client.HTTPException) as exc:
        elapsed = time.perf_counter() - start
        conn.close()
        return Response(0, b"", elapsed, f"{type(exc).__name__}: {exc}")


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list (no interpolation)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass
class Stats:
    """Latencies and outcomes of one measured scenario."""

    planned: int
    concurrency: int
    wall_seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    transport_errors: Counter = field(default_factory=Counter)
    errors: int = 0
    capped: bool = False
    connections_opened: int = 0

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies)
        done = len(lat)
        return {
            "planned_requests": self.planned,
            "completed_requests": done,
            "concurrency": self.concurrency,
            "wall_seconds": round(self.wall_seconds, 3),
            "throughput_rps": round(done / self.wall_seconds, 1) if self.wall_seconds else None,
            "latency_ms": {
                "min": _ms(lat[0]) if lat else None,
                "mean": _ms(sum(lat) / done) if lat else None,
                "p50": _ms(percentile(lat, 50)),
                "p95": _ms(percentile(lat, 95)),
                "p99": _ms(percentile(lat, 99)),
                "max": _ms(lat[-1]) if lat else None,
            },
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "transport_errors": dict(self.transport_errors),
            "errors": self.errors,
            "hit_time_cap": self.capped,
            "tcp_connections_opened": self.connections_opened,
        }


def run_fixed(
    host: str,
    port: int,
    method: str,
    path: str,
    *,
    total: int,
    concurrency: int,
    time_cap: float,
    headers: dict[str, str] | None = None,
    payload: Any = None,
    ok: Callable[[Response], bool] = lambda r: r.status == 200,
) -> Stats:
    """Send exactly *total* requests (fewer if *time_cap* seconds run out) from *concurrency* threads."""
    stats = Stats(planned=total, concurrency=concurrency)
    lock = threading.Lock()
    issued = 0
    start_gate = threading.Barrier(concurrency + 1)
    deadline = 0.0

    def take() -> bool:
        nonlocal issued
        with lock:
            if issued >= total:
                return False
            if time.perf_counter() > deadline:
                stats.capped = True
                return False
            issued += 1
            return True

    def worker() -> None:
        conn = connection(host, port)
        local: list[Response] = []
        start_gate.wait()
        while take():
            local.append(send(conn, method, path, headers, payload))
        conn.close()
        with lock:
            for r in local:
                stats.latencies.append(r.seconds)
                stats.statuses[r.status] += 1
                if r.error:
                    stats.transport_errors[r.error.split(":")[0]] += 1
                if not ok(r):
                    stats.errors += 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    opened_before = CountingConnection.opened
    deadline = time.perf_counter() + time_cap
    t0 = time.perf_counter()
    start_gate.wait()
    for t in threads:
        t.join(time_cap + 60)
    stats.wall_seconds = time.perf_counter() - t0
    stats.connections_opened = CountingConnection.opened - opened_before
    return stats
