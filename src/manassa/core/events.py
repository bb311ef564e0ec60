"""Domain events: what happened, told to the parts of the platform that react (notifications, webhooks…).

A service that changes something calls ``emit(DomainEvent(...))`` inside its
transaction. Subscribers come in two kinds:

- **in the transaction** (``subscribe``): they run there and then, and what
  they write commits with the change or rolls back with it — for what must
  exist exactly when the change does (an issued certificate, an invoice);
- **after the commit** (``subscribe(..., deferred=True)``): ``emit`` writes
  one ``EventOutbox`` row in the change's transaction (one insert, whatever
  the number of subscribers), and ``events_dispatch`` — a periodic job of
  ``manassa scheduler``, every second — runs them later, in a transaction
  that also deletes the row. So a change that rolled back tells nobody, one
  that committed is told once, and the resident's request does not wait for
  texts to be rendered or deliveries to be queued. An event whose
  subscribers fail stays in the outbox and is tried again with back-off;
  its subscribers' writes of the failed try are rolled back with it.

Subscribers register in their app's ``ready()``::

    events.subscribe("application.", on_application_event)
    events.subscribe("application.", notify, deferred=True)

A deferred subscriber receives the event rebuilt from the outbox: the same
``id``, ``kind``, ``entity_code``, ``data`` and ``occurred_at``, the subject
read again from the database (it may have changed since: use ``data`` for
what was true at the time) and the actor.

Kinds are ``<subject>.<what>``: ``application.submitted``,
``application.state_changed``, ``application.document_added``,
``application.result_added``, ``application.sla_breached``,
``document.issued``, ``document.revoked``, ``invoice.created``,
``payment.succeeded``…
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone

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
    occurred_at: datetime = field(default_factory=timezone.now)


Subscriber = Callable[[DomainEvent], None]
_subscribers: list[tuple[str, Subscriber]] = []
_deferred: list[tuple[str, Subscriber]] = []

DISPATCH_BATCH = 200


def subscribe(prefix: str, subscriber: Subscriber, *, deferred: bool = False) -> None:
    """Call ``subscriber`` for every event whose kind starts with ``prefix`` ("" for all); idempotent.

    ``deferred``: after the commit, through the outbox (see the module's text), instead of in the transaction.
    """
    registry = _deferred if deferred else _subscribers
    if (prefix, subscriber) not in registry:
        registry.append((prefix, subscriber))


def unsubscribe(prefix: str, subscriber: Subscriber) -> None:
    for registry in (_subscribers, _deferred):
        if (prefix, subscriber) in registry:
            registry.remove((prefix, subscriber))


def _matching(registry: list[tuple[str, Subscriber]], kind: str) -> list[Subscriber]:
    return [subscriber for prefix, subscriber in list(registry) if kind.startswith(prefix)]


def emit(event: DomainEvent) -> None:
    """Tell the subscribers: those in the transaction now, the deferred ones through the outbox."""
    emit_many([event])


def emit_many(events: list[DomainEvent]) -> None:
    """``emit`` for several events of one transaction, in order; their outbox rows in one insert."""
    if not connection.in_atomic_block:
        raise RuntimeError("emit() must be called inside the transaction of the change it reports")
    rows = []
    for event in events:
        for subscriber in _matching(_subscribers, event.kind):
            subscriber(event)
        if _matching(_deferred, event.kind):
            rows.append(event)
    if rows:
        from manassa.core.models import EventOutbox

        EventOutbox.objects.bulk_create([
            EventOutbox(event_id=uuid.UUID(hex=event.id), kind=event.kind, entity_code=event.entity_code or "",
                        subject_type=event.subject._meta.label_lower, subject_id=str(event.subject.pk),
                        actor_id=getattr(event.actor, "pk", None), data=event.data, occurred_at=event.occurred_at)
            for event in rows])


def _rebuilt(row) -> DomainEvent | None:
    """The event again, its subject read with the relations its model names in ``EVENT_RELATED`` (one query)."""
    model = apps.get_model(row.subject_type)
    subject = (model._default_manager.select_related(*getattr(model, "EVENT_RELATED", ()))
               .filter(pk=row.subject_id).first())
    if subject is None:
        return None
    actor = None
    if row.actor_id is not None:
        from django.contrib.auth import get_user_model

        user_model = get_user_model()
        # Often the subject's own person (the applicant who submitted): no second read.
        actor = next((value for value in subject._state.fields_cache.values()
                      if isinstance(value, user_model) and value.pk == row.actor_id), None)
        if actor is None:
            actor = user_model._default_manager.filter(pk=row.actor_id).first()
    return DomainEvent(kind=row.kind, entity_code=row.entity_code, subject=subject, actor=actor, data=row.data,
                       id=row.event_id.hex, occurred_at=row.occurred_at)


def events_dispatch(*, limit: int = DISPATCH_BATCH, batch: int = 50, now=None) -> int:
    """Periodic job: run the deferred subscribers of the events in the outbox, oldest first; how many were told.

    Up to ``batch`` events per transaction (``SKIP LOCKED``: two dispatchers
    share the work), each in its own savepoint; the rows of the events told are
    deleted in that transaction, so they are told once. A failing event rolls
    back its own subscribers' writes and is tried again later with back-off.
    """
    from django.db.models import Q

    from manassa.core.models import EventOutbox
    from manassa.core.retry import failure_record

    now = now or timezone.now()
    told = 0
    failed: set[int] = set()
    while told < limit:
        with transaction.atomic():
            rows = list(EventOutbox.objects.select_for_update(skip_locked=True)
                        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
                        .exclude(pk__in=failed).order_by("id")[:min(batch, limit - told)])
            if not rows:
                break
            done = []
            for row in rows:
                try:
                    with transaction.atomic():
                        event = _rebuilt(row)
                        if event is None:  # the record was deleted since (a draft discarded): nothing to tell of
                            logger.warning("event subject gone", extra={"event": row.kind,
                                                                        "event_id": str(row.event_id)})
                        else:
                            for subscriber in _matching(_deferred, row.kind):
                                subscriber(event)
                    done.append(row.pk)
                except Exception as exc:  # noqa: BLE001 — the event stays; its writes rolled back with the savepoint
                    logger.exception("event subscribers failed", extra={"event": row.kind,
                                                                        "event_id": str(row.event_id)})
                    failed.add(row.pk)
                    failure_record(row, exc, now)
            EventOutbox.objects.filter(pk__in=done).delete()
        told += len(done)
    return told
