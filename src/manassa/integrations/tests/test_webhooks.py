"""Webhook deliveries against a real HTTP receiver: signature, payload, retries, giving up, the log, rollback."""

import json
import socket
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from manassa.applications.services import application_transition
from manassa.core.errors import InvalidInput
from manassa.core.events import events_dispatch
from manassa.integrations.models import WebhookDelivery, WebhookEndpoint
from manassa.integrations.services import (
    webhook_delivery_attempt,
    webhook_delivery_retry,
    webhook_endpoint_create,
    webhook_endpoint_update,
)
from manassa.integrations.signing import secret_decrypt, signature
from manassa.integrations.tests.conftest import bearer, run_tasks, time_passes, webhook_tasks

STATE_CHANGED = ["application.state_changed"]


@pytest.fixture
def endpoint(people, entity_a, receiver):
    endpoint, secret = webhook_endpoint_create(actor=people["admin"], entity=entity_a, url=receiver.url,
                                               events=STATE_CHANGED)
    endpoint.plain_secret = secret
    return endpoint


def _act(people, application, action="start_review"):
    """An officer's action, and the platform telling of it (the event outbox dispatched, as the scheduler does)."""
    application = application_transition(actor=people["officer"], application=application, action=action)
    events_dispatch()
    return application


def test_delivered_with_a_valid_signature_and_a_minimal_payload(people, apps, endpoint, receiver):
    _act(people, apps["a1"])
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and webhook_tasks().filter(status="READY").count() == 1
    assert run_tasks() == 1
    (request,) = receiver.received
    header = request.headers["Manassa-Signature"]
    parts = dict(part.split("=", 1) for part in header.split(","))
    assert parts["v1"] == signature(endpoint.plain_secret, int(parts["t"]), request.body)
    assert abs(int(parts["t"]) - timezone.now().timestamp()) < 10
    assert request.headers["Manassa-Event-Id"] == str(delivery.event_id)
    assert request.headers["Manassa-Event-Type"] == "application.state_changed"
    assert request.headers["Content-Type"].startswith("application/json")
    event = request.json()
    assert set(event) == {"id", "type", "created", "entity", "data"}
    assert event["id"] == str(delivery.event_id) and event["entity"] == "ENT-A"
    assert event["data"]["reference"] == apps["a1"].reference and event["data"]["to_state"] == "in_review"
    # Never the answers, the applicant or anything but references and states.
    assert "First" not in request.body.decode() and "customer@example.test" not in request.body.decode()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("sent", 1, 200)
    assert delivery.delivered_at and delivery.next_attempt_at is None and delivery.locked_until is None
    assert list(delivery.attempt_log.values_list("status_code", flat=True)) == [200]


def test_secret_is_stored_encrypted(endpoint):
    stored = WebhookEndpoint.objects.get(pk=endpoint.pk).secret_encrypted
    assert endpoint.plain_secret not in stored and secret_decrypt(stored) == endpoint.plain_secret


def test_only_subscribed_active_endpoints_of_the_entity_get_the_event(people, apps, entity_a, entity_b, receiver,
                                                                      officer_b):
    submitted_only, _ = webhook_endpoint_create(actor=None, entity=entity_a, url=receiver.url + "/submitted",
                                                events=["application.submitted"])
    inactive, _ = webhook_endpoint_create(actor=None, entity=entity_a, url=receiver.url + "/off",
                                          events=STATE_CHANGED)
    webhook_endpoint_update(actor=None, endpoint=inactive, url=inactive.url, events=STATE_CHANGED, is_active=False)
    other, _ = webhook_endpoint_create(actor=None, entity=entity_b, url=receiver.url + "/b", events=STATE_CHANGED)
    _act(people, apps["a1"])
    assert not WebhookDelivery.objects.exists()
    application_transition(actor=officer_b, application=apps["b1"], action="start_review")
    events_dispatch()
    assert list(WebhookDelivery.objects.values_list("endpoint_id", "entity__code")) == [(other.pk, "ENT-B")]


def test_500_then_200_is_retried_with_back_off_and_logged(client, people, apps, endpoint, receiver):
    receiver.answer((500, b"database is down"))
    _act(people, apps["a1"])
    run_tasks()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("retrying", 1, 500)
    assert delivery.last_response == "database is down"
    # core.retry: 30 s ± 20 % after the first failure; the retry task waits as long.
    wait = delivery.next_attempt_at - timezone.now()
    assert timedelta(seconds=20) < wait <= timedelta(seconds=36)
    task = webhook_tasks().get(status="READY")
    assert abs(task.run_after - delivery.next_attempt_at) < timedelta(seconds=1)
    assert run_tasks() == 0  # not due yet
    time_passes()
    assert run_tasks() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("sent", 2, 200)
    first, second = receiver.received
    assert first.body == second.body and first.headers["Manassa-Event-Id"] == second.headers["Manassa-Event-Id"]
    assert (first.headers["Manassa-Delivery-Attempt"], second.headers["Manassa-Delivery-Attempt"]) == ("1", "2")
    # In the log page, the delivery's page and the system API.
    client.force_login(people["admin"])
    log = client.get("/en/backoffice/entities/ENT-A/integrations/deliveries/").content.decode()
    assert "application.state_changed" in log and "HTTP 200" in log and "Delivered" in log
    page = client.get(f"/en/backoffice/entities/ENT-A/integrations/deliveries/{delivery.pk}/").content.decode()
    assert "HTTP 500" in page and "HTTP 200" in page and "database is down" in page
    client.logout()
    from manassa.entities.services import api_key_issue

    _key, token = api_key_issue(actor=None, entity=apps["a1"].entity, name="monitor")
    items = client.get("/api/v1/system/webhooks/deliveries", **bearer(token)).json()["items"]
    assert [(a["number"], a["status_code"]) for a in items[0]["attempt_log"]] == [(1, 500), (2, 200)]
    assert items[0]["status"] == "sent" and items[0]["attempts"] == 2


def test_final_answers_are_not_retried(people, apps, endpoint, receiver):
    receiver.answer(410)
    _act(people, apps["a1"])
    run_tasks()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code, delivery.next_attempt_at) == ("failed", 410, None)
    assert not webhook_tasks().filter(status="READY").exists()
    time_passes()
    assert run_tasks() == 0 and len(receiver.received) == 1


def test_429_is_retried_no_sooner_than_retry_after(people, apps, endpoint, receiver):
    receiver.answer((429, b"slow down", {"Retry-After": "600"}))
    _act(people, apps["a1"])
    run_tasks()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == ("retrying", 429)
    assert timedelta(seconds=590) < delivery.next_attempt_at - timezone.now() <= timedelta(seconds=600)


def test_unreachable_and_slow_receivers_are_retried(settings, people, apps, entity_a, receiver):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    webhook_endpoint_create(actor=None, entity=entity_a, url=f"http://127.0.0.1:{closed_port}/x",
                            events=STATE_CHANGED)
    _act(people, apps["a1"])
    run_tasks()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "retrying" and delivery.last_status_code is None
    assert "Connection" in delivery.last_error or "refused" in delivery.last_error.lower()
    assert delivery.attempt_log.get().error == delivery.last_error


def test_gives_up_after_the_last_attempt_and_retry_now_delivers(settings, people, apps, endpoint, receiver):
    settings.MANASSA_WEBHOOK_MAX_ATTEMPTS = 3
    receiver.answer(503, 502, 500)
    _act(people, apps["a1"])
    run_tasks()
    for _ in range(2):
        time_passes()
        run_tasks()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("dead", 3, None)
    assert list(delivery.attempt_log.values_list("status_code", flat=True)) == [503, 502, 500]
    assert not webhook_tasks().filter(status="READY").exists()
    webhook_delivery_retry(actor=people["admin"], delivery=delivery)
    run_tasks()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 4)
    with pytest.raises(InvalidInput):
        webhook_delivery_retry(actor=people["admin"], delivery=delivery)


def test_retry_now_overtakes_the_scheduled_retry_without_a_second_send(people, apps, endpoint, receiver):
    receiver.answer(500)
    _act(people, apps["a1"])
    run_tasks()
    delivery = WebhookDelivery.objects.get()
    webhook_delivery_retry(actor=people["admin"], delivery=delivery)
    assert run_tasks() == 1  # the "retry now" task; the scheduled one is not due
    time_passes()
    assert run_tasks() == 1  # the scheduled task runs, finds it delivered, sends nothing
    assert len(receiver.received) == 2
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    assert webhook_delivery_attempt(delivery_id=delivery.pk) == "skipped"


def test_a_deactivated_endpoint_gets_nothing_more(people, apps, endpoint, receiver):
    _act(people, apps["a1"])
    webhook_endpoint_update(actor=None, endpoint=endpoint, url=endpoint.url, events=STATE_CHANGED, is_active=False)
    run_tasks()
    assert receiver.received == []
    assert WebhookDelivery.objects.get().status == "failed"


def test_key_actions_name_the_key_in_the_event(client, people, apps, endpoint, receiver):
    from manassa.entities.services import api_key_issue

    key, token = api_key_issue(actor=None, entity=apps["a1"].entity, name="licensing", scope="write")
    response = client.post(f"/api/v1/system/applications/{apps['a1'].reference}/transitions",
                           data=json.dumps({"action": "start_review"}), content_type="application/json",
                           **bearer(token))
    assert response.status_code == 200
    run_tasks()
    assert receiver.received[0].json()["data"]["via"] == key.prefix


def test_endpoint_addresses_must_be_https_except_allowed_hosts(settings, entity_a):
    for url in ("http://example.ae/hook", "ftp://example.ae/x", "https://user:pw@example.ae/x"):
        with pytest.raises(InvalidInput) as exc:
            webhook_endpoint_create(actor=None, entity=entity_a, url=url, events=STATE_CHANGED)
        assert "url" in exc.value.fields
    with pytest.raises(InvalidInput) as exc:
        webhook_endpoint_create(actor=None, entity=entity_a, url="https://example.ae/x", events=["nope"])
    assert "events" in exc.value.fields
    webhook_endpoint_create(actor=None, entity=entity_a, url="https://example.ae/x", events=STATE_CHANGED)
    settings.MANASSA_WEBHOOK_HTTP_HOSTS = []
    with pytest.raises(InvalidInput):
        webhook_endpoint_create(actor=None, entity=entity_a, url="http://127.0.0.1:9/x", events=STATE_CHANGED)


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_sends_nothing(people, apps, endpoint):
    assert not webhook_tasks().exists()

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        _act(people, apps["a1"])
        assert WebhookDelivery.objects.count() == 1  # written, inside the transaction…
        raise Abort
    assert not WebhookDelivery.objects.exists() and not webhook_tasks().exists()  # …and gone with it
    _act(people, apps["a1"])
    assert WebhookDelivery.objects.count() == 1 and webhook_tasks().count() == 1


@pytest.mark.parametrize(("url", "refused"), [
    ("https://10.1.2.3/hook", True),
    ("https://127.0.0.1/hook", True),
    ("https://[::1]/hook", True),
    ("https://169.254.169.254/latest/meta-data", True),
    ("https://192.168.0.10/hook", True),
    ("https://93.184.216.34/hook", False),
])
def test_webhooks_never_reach_the_platforms_own_network(settings, url, refused):
    from manassa.integrations.services import destination_refused

    settings.MANASSA_WEBHOOK_HTTP_HOSTS = []
    assert bool(destination_refused(url)) is refused
