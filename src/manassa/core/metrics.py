"""Prometheus metrics of the web process.

With several worker processes (gunicorn) set PROMETHEUS_MULTIPROC_DIR so the
client aggregates across them; see docs/operations.md.
"""

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client import REGISTRY as DEFAULT_REGISTRY

HTTP_REQUESTS = Counter(
    "manassa_http_requests_total",
    "HTTP requests handled, by route and status class.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "manassa_http_request_duration_seconds",
    "Time to produce a response, by route.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
AUDIT_EVENTS = Counter("manassa_audit_events_total", "Audit events written, by action.", ["action"])


def render() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = DEFAULT_REGISTRY
    return generate_latest(registry), CONTENT_TYPE_LATEST
