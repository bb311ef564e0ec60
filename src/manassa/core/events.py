"""Domain events: what happened, told to the parts of the platform that react (notifications, webhooks…).

A service that changes something calls ``emit(DomainEvent(...))`` inside its
transaction. Every subscriber runs there and then, so what it writes — task
rows in the database queue above all — commits with the change or rolls back
with it: no notification for a change that rolled back, none lost for one
that committed.

Subscribers register in their app's ``ready()``::

    events.subscribe("application.", on_application_event)

Kinds are ``<subject>.<what>``: ``application.submitted``,
``application.state_changed``, ``application.document_added``,
``application.result_added``, ``application.sla_breached``,
``document.issued``, ``document.revoked``, ``payment.succeeded``…
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DomainEvent:
    kind: str
    # The entity the event belongs to (its staff and its systems may hear of it).
    entity_code: str
    # The record the event is about (an Application, an IssuedDocument, a Payment…).
    subject: Any
    actor: Any = None
    # JSON-serialisable details, e.g. {"action": "approve", "from": "in_review", "to": "approved"}.
    data: dict[str, Any] = field(default_factory=dict)
    # One id per event: subscribers use it to act once per event (a delivery per event and recipient…).
    id: str = field(default_factory=lambda: uuid.uuid4().hex)


Subscriber = Callable[[DomainEvent], None]
_subscribers: list[tuple[str, Subscriber]] = []


def subscribe(prefix: str, subscriber: Subscriber) -> None:
    """Call ``subscriber`` for every event whose kind starts with ``prefix`` ("" for all); idempotent."""
    if (prefix, subscriber) not in _subscribers:
        _subscribers.append((prefix, subscriber))


def unsubscribe(prefix: str, subscriber: Subscriber) -> None:
    if (prefix, subscriber) in _subscribers:
        _subscribers.remove((prefix, subscriber))


def emit(event: DomainEvent) -> None:
    """Tell every subscriber, in the caller's transaction (which must be open)."""
    if not connection.in_atomic_block:
        raise RuntimeError("emit() must be called inside the transaction of the change it reports")
    for prefix, subscriber in list(_subscribers):
        if event.kind.startswith(prefix):
            subscriber(event)
