"""Prometheus metrics of the HTTP layer, on a registry of our own (switched on by METRICS).

Each gunicorn process keeps its own counters; with several workers in one instance set
``PROMETHEUS_MULTIPROC_DIR`` (an empty directory) and the counts of all workers are summed.
The deployment in ``deploy/`` runs one instance per port; scrape each port.
"""

from __future__ import annotations

import os

from flask import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "evalflow_http_requests_total", "HTTP requests answered", ["method", "route", "status"], registry=REGISTRY
)
LATENCY = Histogram(
    "evalflow_http_request_duration_seconds",
    "Time spent answering HTTP requests",
    ["method", "route"],
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def observe(method: str, route: str, response: Response, seconds: float) -> None:
    REQUESTS.labels(method, route, str(response.status_code)).inc()
    LATENCY.labels(method, route).observe(seconds)


def render() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
