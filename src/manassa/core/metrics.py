"""Prometheus metrics of the web process, and the depth of the platform's queues.

With several worker processes (gunicorn) set PROMETHEUS_MULTIPROC_DIR so the
client aggregates across them; see docs/operations.md.

The queues (the event outbox, the payment callback inbox…) are tables that a
scheduler job empties; apps register theirs with ``queue_register`` and every
scrape reads how many rows wait, how many of them failed a try, and how old
the oldest is. A backlog that keeps growing is a scheduler that is down.
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
from prometheus_client.core import GaugeMetricFamily

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

# name → (model, the field of the time a row began to wait); each model has ``attempts``.
_QUEUES: dict[str, tuple[type, str]] = {}


def queue_register(name: str, model: type, since_field: str) -> None:
    """Report ``model``'s rows as the queue ``name`` (in the app's ``ready()``); idempotent."""
    _QUEUES[name] = (model, since_field)


class _QueueCollector:
    """Read at each scrape: rows waiting per queue (``waiting``/``failing``), and the oldest one's age."""

    def collect(self):
        from django.db.models import Count, Min, Q
        from django.utils import timezone

        rows = GaugeMetricFamily("manassa_queue_rows", "Rows waiting in a queue of the platform; 'failing' ones "
                                 "failed a try and wait for their back-off.", labels=["queue", "state"])
        oldest = GaugeMetricFamily("manassa_queue_oldest_seconds", "Age of the oldest row waiting in a queue.",
                                   labels=["queue"])
        now = timezone.now()
        for name, (model, since_field) in sorted(_QUEUES.items()):
            found = model._default_manager.aggregate(total=Count("pk"), failing=Count("pk", filter=Q(attempts__gt=0)),
                                                     since=Min(since_field))
            rows.add_metric([name, "waiting"], found["total"] - found["failing"])
            rows.add_metric([name, "failing"], found["failing"])
            oldest.add_metric([name], (now - found["since"]).total_seconds() if found["since"] else 0.0)
        yield rows
        yield oldest


def render() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = DEFAULT_REGISTRY
    # The queues are the database's, not the process's: read once per scrape, beside the process's own metrics.
    queues = CollectorRegistry()
    queues.register(_QueueCollector())
    return generate_latest(registry) + generate_latest(queues), CONTENT_TYPE_LATEST
