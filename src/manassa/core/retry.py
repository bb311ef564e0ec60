"""Retrying deliveries to the outside world (e-mail, SMS gateways, entity webhooks) with back-off.

The convention every delivery record follows: ``status`` (pending → sent |
failed | retrying → … → sent | dead), ``attempts``, ``next_attempt_at`` and
``last_error``. A delivery is one task (``django_tasks``, database queue) that
is enqueued in the same transaction as the change it reports; when an attempt
fails with a temporary error it enqueues itself again with
``run_after=now + backoff_delay(attempts)``, until ``max_attempts``.

Workers that die mid-run lose nothing: the task row stays and is picked up
again, and the delivery record's status tells the task whether the message
already left (so it is never sent twice when the record says sent).
"""

from __future__ import annotations

import random
from datetime import timedelta

# 30 s, 1 min, 2 min, 4 min … capped at 1 hour; about a day in all with the default attempts.
BASE_SECONDS = 30
CAP_SECONDS = 3600
DEFAULT_MAX_ATTEMPTS = 8


def backoff_delay(attempts: int, *, base: float = BASE_SECONDS, cap: float = CAP_SECONDS,
                  jitter: float = 0.2, rng: random.Random | None = None) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt (1 for the first failure).

    Exponential, capped, with ±``jitter`` so many failed deliveries do not all
    come back at the same second. ``retry_after`` from a server (HTTP 429/503)
    should win when it is longer: use ``max(backoff_delay(n), retry_after)``.
    """
    attempts = max(1, attempts)
    delay = min(cap, base * 2 ** (attempts - 1))
    spread = (rng or random).uniform(-jitter, jitter) * delay
    return timedelta(seconds=max(1.0, delay + spread))


def parse_retry_after(value: str | None, *, cap: float = CAP_SECONDS) -> timedelta | None:
    """A ``Retry-After`` header given in seconds (the HTTP-date form is ignored), capped."""
    if not value:
        return None
    value = value.strip()
    if not value.isdigit():
        return None
    return timedelta(seconds=min(cap, int(value)))


def failure_record(row, exc: BaseException, now) -> None:
    """A queued row's try failed: one more ``attempts``, the error in ``last_error``, ``next_attempt_at`` backed off.

    For the rows of the platform's queues that are tried again in place (the
    event outbox, the payment callback inbox): they carry ``attempts``,
    ``last_error`` and ``next_attempt_at``; the row is saved.
    """
    row.attempts += 1
    row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    row.next_attempt_at = now + backoff_delay(row.attempts)
    row.save(update_fields=["attempts", "last_error", "next_attempt_at"])
