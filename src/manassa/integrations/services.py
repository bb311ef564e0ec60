"""Webhook endpoints, deliveries and their attempts; what an entity's system does through its key.

A domain event (``core/events.py``) becomes one delivery per subscribed
endpoint of its entity, and one task per delivery, in the transaction of the
change: a rolled-back change sends nothing. The task (``tasks.py``) makes one
attempt and, on a temporary failure, enqueues itself again after
``core.retry.backoff_delay`` until the last attempt. docs/webhooks.md is the
receiver's side of the contract.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from manassa.applications.documents import result_document_add
from manassa.applications.models import Application, ApplicationDocument
from manassa.audit.services import audit_record
from manassa.core.errors import InvalidInput, from_validation_error
from manassa.core.events import DomainEvent
from manassa.core.retry import DEFAULT_MAX_ATTEMPTS, backoff_delay, parse_retry_after
from manassa.entities.models import Entity, EntityApiKey
from manassa.integrations.models import (
    EVENT_KINDS,
    OPEN_STATUSES,
    PING,
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from manassa.integrations.signing import secret_decrypt, secret_encrypt, secret_new, signature_header

# What of an event's data a webhook carries: references and states only. The entity's system reads
# the rest (answers, the applicant) through the API, with its key.
PAYLOAD_DATA_KEYS = ("reference", "state", "action", "from_state", "to_state", "outcome", "closed", "document",
                     "via", "payment", "invoice", "amount", "currency", "request", "double_payment", "automatic")
RESPONSE_SNIPPET = 500
USER_AGENT = "Manassa-Webhooks/1"


def delivery_timeout() -> float:
    return float(getattr(settings, "MANASSA_WEBHOOK_TIMEOUT", 10))


def max_attempts() -> int:
    return int(getattr(settings, "MANASSA_WEBHOOK_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))


def http_hosts() -> set[str]:
    """Hosts that may be called over plain http (a receiver on the developer's machine); https elsewhere."""
    default = ("localhost", "127.0.0.1", "::1") if settings.DEBUG else ()
    return set(getattr(settings, "MANASSA_WEBHOOK_HTTP_HOSTS", default))


def url_allowed(url: str) -> bool:
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    if not host or parts.username or parts.password:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and host in http_hosts())


def _check_endpoint(*, url: str, events: list[str]) -> list[str]:
    fields = {}
    if not url_allowed(url):
        fields["url"] = [_("Use an https:// address without a user name or password.")]
    given = set(events or ())
    kept = [kind for kind in EVENT_KINDS if kind in given]
    if not kept or given - set(EVENT_KINDS):
        fields["events"] = [_("Choose at least one event.")]
    if fields:
        raise InvalidInput(fields=fields)
    return kept


def _clean(instance) -> None:
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise from_validation_error(exc) from exc


# --- endpoints ---------------------------------------------------------------------------


@transaction.atomic
def webhook_endpoint_create(*, actor, entity: Entity, url: str, events: list[str],
                            description: str = "") -> tuple[WebhookEndpoint, str]:
    """A new endpoint; its signing secret is returned once (stored encrypted, never shown again)."""
    events = _check_endpoint(url=url, events=events)
    secret = secret_new()
    endpoint = WebhookEndpoint(entity=entity, url=url, description=description.strip(), events=events,
                               secret_encrypted=secret_encrypt(secret), secret_hint=secret[:10],
                               created_by=actor)
    _clean(endpoint)
    endpoint.save()
    audit_record(actor=actor, action="webhook.endpoint_created", obj=endpoint, entity_code=entity.code,
                 changes={"url": url, "events": events})
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_update(*, actor, endpoint: WebhookEndpoint, url: str, events: list[str],
                            description: str = "", is_active: bool = True) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.select_for_update().select_related("entity").get(pk=endpoint.pk)
    events = _check_endpoint(url=url, events=events)
    before = {"url": endpoint.url, "events": endpoint.events, "description": endpoint.description,
              "is_active": endpoint.is_active}
    after = {"url": url, "events": events, "description": description.strip(), "is_active": is_active}
    changes = {name: [before[name], value] for name, value in after.items() if before[name] != value}
    if changes:
        for name, value in after.items():
            setattr(endpoint, name, value)
        _clean(endpoint)
        endpoint.save()
        audit_record(actor=actor, action="webhook.endpoint_updated", obj=endpoint,
                     entity_code=endpoint.entity.code, changes=changes)
    return endpoint


@transaction.atomic
def webhook_endpoint_secret_roll(*, actor, endpoint: WebhookEndpoint) -> str:
    """A new signing secret, at once (deliveries after this are signed with it); returned once."""
    endpoint = WebhookEndpoint.objects.select_for_update().select_related("entity").get(pk=endpoint.pk)
    secret = secret_new()
    endpoint.secret_encrypted = secret_encrypt(secret)
    endpoint.secret_hint = secret[:10]
    endpoint.save(update_fields=["secret_encrypted", "secret_hint", "updated_at"])
    audit_record(actor=actor, action="webhook.secret_rolled", obj=endpoint, entity_code=endpoint.entity.code,
                 changes={"hint": endpoint.secret_hint})
    return secret


def _payload(*, event_id: uuid.UUID, kind: str, created, entity_code: str, data: dict) -> str:
    kept = {key: data[key] for key in PAYLOAD_DATA_KEYS
            if key in data and isinstance(data[key], (str, int, bool, type(None)))}
    payload = {"id": str(event_id), "type": kind,
               "created": created.astimezone(UTC).isoformat().replace("+00:00", "Z"),
               "entity": entity_code, "data": kept}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def _deliveries_create(*, endpoints, kind: str, entity_code: str, data: dict, event_id: uuid.UUID | None = None,
                       created=None) -> list[WebhookDelivery]:
    from manassa.integrations.tasks import webhook_deliver

    now = timezone.now()
    event_id = event_id or uuid.uuid4()
    body = _payload(event_id=event_id, kind=kind, created=created or now, entity_code=entity_code, data=data)
    deliveries = []
    for endpoint in endpoints:
        delivery = WebhookDelivery.objects.create(endpoint=endpoint, entity_id=endpoint.entity_id,
                                                  event_id=event_id, kind=kind, body=body, next_attempt_at=now)
        webhook_deliver.enqueue(delivery.pk)
        deliveries.append(delivery)
    return deliveries


def webhook_event_fanout(event: DomainEvent) -> None:
    """The domain-event subscriber: one delivery and one task per active endpoint subscribed to the kind.

    Deferred (``core.events``): it runs after the change committed, from the
    outbox, in the transaction that removes the event from it — so the
    deliveries exist once per event and endpoint, and the payload's ``id`` is
    the domain event's own id.
    """
    if event.kind not in EVENT_KINDS:
        return
    endpoints = [endpoint for endpoint in WebhookEndpoint.objects.filter(entity__code=event.entity_code,
                                                                           is_active=True)
                 if event.kind in endpoint.events]
    if endpoints:
        _deliveries_create(endpoints=endpoints, kind=event.kind, entity_code=event.entity_code, data=event.data,
                           event_id=uuid.UUID(hex=event.id), created=event.occurred_at)


@transaction.atomic
def webhook_endpoint_ping(*, actor, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A ``ping`` event to this endpoint alone, to test the receiver and its signature check."""
    endpoint = WebhookEndpoint.objects.select_related("entity").get(pk=endpoint.pk)
    if not endpoint.is_active:
        raise InvalidInput(_("This endpoint is deactivated."), code="endpoint_inactive")
    (delivery,) = _deliveries_create(endpoints=[endpoint], kind=PING, entity_code=endpoint.entity.code, data={})
    audit_record(actor=actor, action="webhook.pinged", obj=endpoint, entity_code=endpoint.entity.code,
                 changes={"event_id": str(delivery.event_id)})
    return delivery


# --- deliveries ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status_code: int | None = None
    error: str = ""
    response: str = ""
    duration_ms: int = 0
    retry_after: timedelta | None = None
    refused: bool = False  # the platform refused to call the address (a private network): final

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def temporary(self) -> bool:
        """Worth another attempt: no answer at all (network, timeout), 408, 429 and 5xx. Other answers are final."""
        if self.refused:
            return False
        return self.status_code is None or self.status_code in (408, 429) or self.status_code >= 500


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect would re-send the body elsewhere (or drop it): the endpoint's URL must be the real one.
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _text(raw: bytes, limit: int) -> str:
    # PostgreSQL text cannot hold NUL.
    return raw[:limit].decode("utf-8", "replace").replace("\x00", "")


def destination_refused(url: str) -> str:
    """Why the platform will not call ``url`` (empty when it may).

    An entity's webhook must not reach the platform's own network: every
    address the host name resolves to must be public, unless the host is one
    of ``MANASSA_WEBHOOK_HTTP_HOSTS`` (a receiver on a developer's machine).
    """
    host = urlsplit(url).hostname or ""
    if host in http_hosts():
        return ""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return ""  # an unknown host: the attempt itself fails and reports it
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if not address.is_global or address.is_multicast:
            return f"address {address} is not on the public internet"
    return ""


def _post(*, url: str, secret: str, delivery: WebhookDelivery, attempt: int) -> Outcome:
    refused = destination_refused(url)
    if refused:
        return Outcome(error=_text(f"Refused: {refused}".encode(), 300), refused=True)
    body = delivery.body.encode()
    # The scheme is https (or http to an allowed host): url_allowed() checked it on the way here.
    request = urllib.request.Request(url, data=body, method="POST", headers={  # noqa: S310
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "Manassa-Event-Id": str(delivery.event_id),
        "Manassa-Event-Type": delivery.kind,
        "Manassa-Delivery-Attempt": str(attempt),
        "Manassa-Signature": signature_header(secret, int(time.time()), body),
    })
    started = time.monotonic()
    try:
        with _opener.open(request, timeout=delivery_timeout()) as response:  # noqa: S310
            snippet = response.read(RESPONSE_SNIPPET)
            return Outcome(status_code=response.status, response=_text(snippet, RESPONSE_SNIPPET),
                           duration_ms=_ms(started))
    except urllib.error.HTTPError as exc:
        try:
            snippet = exc.read(RESPONSE_SNIPPET)
        except OSError:
            snippet = b""
        return Outcome(status_code=exc.code, error=f"HTTP {exc.code}", response=_text(snippet, RESPONSE_SNIPPET),
                       duration_ms=_ms(started), retry_after=parse_retry_after(exc.headers.get("Retry-After")))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Outcome(error=_text(f"{type(reason).__name__}: {reason}".encode(), 300), duration_ms=_ms(started))


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def webhook_delivery_attempt(*, delivery_id: int) -> str:
    """One attempt at one delivery (the task's body); the new status, or ``skipped``.

    Claimed with a conditional update rather than a row lock held across the
    HTTP call (which on SQLite would hold the whole database): a second task
    for the same delivery — a scheduled retry overtaken by "retry now" — finds
    it claimed, or not yet due, or already sent, and does nothing.
    """
    now = timezone.now()
    claimed = (WebhookDelivery.objects
               .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now),
                       Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + timedelta(seconds=5)),
                       pk=delivery_id, status__in=OPEN_STATUSES)
               .update(locked_until=now + timedelta(seconds=delivery_timeout() + 60)))
    if not claimed:
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.is_active or not url_allowed(endpoint.url):
        WebhookDelivery.objects.filter(pk=delivery_id).update(
            status=DeliveryStatus.FAILED, next_attempt_at=None, locked_until=None,
            last_error=str(_("The endpoint is deactivated or its address is no longer allowed.")))
        return DeliveryStatus.FAILED
    outcome = _post(url=endpoint.url, secret=secret_decrypt(endpoint.secret_encrypted), delivery=delivery,
                    attempt=delivery.attempts + 1)
    return _attempt_record(delivery_id=delivery_id, at=now, outcome=outcome)


@transaction.atomic
def _attempt_record(*, delivery_id: int, at, outcome: Outcome) -> str:
    from manassa.integrations.tasks import webhook_deliver

    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
    delivery.attempts += 1
    WebhookAttempt.objects.create(delivery=delivery, number=delivery.attempts, at=at,
                                  status_code=outcome.status_code, error=outcome.error,
                                  response=outcome.response, duration_ms=outcome.duration_ms)
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error
    delivery.last_response = outcome.response
    delivery.last_duration_ms = outcome.duration_ms
    delivery.locked_until = None
    if outcome.ok:
        delivery.status, delivery.next_attempt_at, delivery.delivered_at = DeliveryStatus.SENT, None, timezone.now()
    elif not outcome.temporary:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
    elif delivery.attempts >= max_attempts():
        delivery.status, delivery.next_attempt_at = DeliveryStatus.DEAD, None
    else:
        delay = backoff_delay(delivery.attempts)
        if outcome.retry_after is not None:
            delay = max(delay, outcome.retry_after)
        delivery.status, delivery.next_attempt_at = DeliveryStatus.RETRYING, timezone.now() + delay
        webhook_deliver.using(run_after=delivery.next_attempt_at).enqueue(delivery.pk)
    delivery.save()
    return delivery.status


@transaction.atomic
def webhook_delivery_retry(*, actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """"Retry now": one attempt at once, whatever the schedule; a temporary failure is retried again as usual
    while attempts remain (a delivery that had none left gets this one attempt)."""
    from manassa.integrations.tasks import webhook_deliver

    delivery = WebhookDelivery.objects.select_for_update().select_related("endpoint", "entity").get(pk=delivery.pk)
    if delivery.status == DeliveryStatus.SENT:
        raise InvalidInput(_("This event was already delivered."), code="already_delivered")
    if not delivery.endpoint.is_active:
        raise InvalidInput(_("This endpoint is deactivated."), code="endpoint_inactive")
    delivery.status = DeliveryStatus.RETRYING if delivery.attempts else DeliveryStatus.PENDING
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "next_attempt_at"])
    webhook_deliver.enqueue(delivery.pk)
    audit_record(actor=actor, action="webhook.delivery_retried", obj=delivery, entity_code=delivery.entity.code,
                 changes={"event_id": str(delivery.event_id), "attempts": delivery.attempts})
    return delivery


# --- what an entity's system does through its key -----------------------------------------------


@transaction.atomic
def system_result_add(*, key: EntityApiKey, application: Application, upload,
                      description: str = "") -> ApplicationDocument:
    """A result document uploaded by the entity's system; the audit trail names the key."""
    try:
        document = result_document_add(actor=None, application=application, upload=upload, description=description)
    except ValidationError as exc:
        raise InvalidInput(fields={"file": list(exc.messages)}) from exc
    audit_record(actor=None, action="apikey.result_uploaded", obj=application, entity_code=key.entity.code,
                 changes={"reference": application.reference, "document": document.ref, "via": key.prefix})
    return document
