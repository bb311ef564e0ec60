"""Real worker processes (``manassa db_worker``) sending what committed changes enqueued."""

from email import message_from_bytes
from pathlib import Path

import pytest
from django_tasks_db.models import DBTaskResult

from manassa.notifications.models import Delivery, DeliveryAttempt
from manassa.notifications.services import deliveries_recover
from manassa.notifications.tests.conftest import kill, submit, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def _message_ids(outbox: Path) -> list[str]:
    """The Message-ID of every e-mail the file backend wrote (one file per connection, messages separated)."""
    ids = []
    for path in outbox.iterdir():
        for chunk in path.read_bytes().split(b"-" * 79):
            if chunk.strip():
                ids.append(message_from_bytes(chunk.strip()).get("Message-ID"))
    return ids


def _reach_all(people, service, count: int):
    customer = people["customer"]
    customer.mobile = "+971501234567"
    customer.save()
    return [submit(customer, service) for _ in range(count)]


def test_what_a_committed_change_enqueued_is_sent_once_by_the_worker(people, service, sandbox, shared_db, tmp_path):
    outbox = tmp_path / "outbox"
    [application] = _reach_all(people, service, 1)
    assert DBTaskResult.objects.filter(status="READY").count() == 2
    shared_db.push()
    worker = shared_db.worker(outbox=outbox, MANASSA_SMS_GATEWAY_URL=sandbox.url)
    assert worker.wait(timeout=60) == 0
    shared_db.pull()
    email, sms = Delivery.objects.filter(channel__in=["email", "sms"]).order_by("channel")
    assert (email.status, email.attempts, sms.status, sms.attempts) == ("sent", 1, "sent", 1)
    assert _message_ids(outbox) == [email.provider_message_id]
    [message] = sandbox.messages()
    assert application.reference in message["text"] and message["idempotency_key"] == str(sms.key)
    # A second worker finds nothing left to do.
    shared_db.push()
    assert shared_db.worker(outbox=outbox, MANASSA_SMS_GATEWAY_URL=sandbox.url).wait(timeout=60) == 0
    assert len(_message_ids(outbox)) == 1 and len(sandbox.messages()) == 1


def test_a_worker_killed_while_the_gateway_answers_loses_nothing_and_sends_once(people, service, sandbox, shared_db,
                                                                                tmp_path):
    customer = people["customer"]
    customer.mobile, customer.notify_email = "+971501234567", False
    customer.save()
    submit(customer, service)
    sandbox.control(delay=60)  # the gateway takes the message, then keeps the worker waiting
    shared_db.push()
    worker = shared_db.worker(outbox=tmp_path, batch=False, MANASSA_SMS_GATEWAY_URL=sandbox.url,
                              MANASSA_NOTIFY_LEASE_SECONDS="1", MANASSA_SMS_TIMEOUT="90")
    wait_for(lambda: len(sandbox.messages()) == 1, what="the worker to reach the gateway")
    kill(worker)
    shared_db.pull()
    sms = Delivery.objects.get(channel="sms")
    assert (sms.status, sms.attempts) == ("sending", 1)
    assert DBTaskResult.objects.get(pk=sms.task_id).status == "RUNNING"  # claimed by the dead worker, forever

    # The recovery job (a periodic job of the scheduler) sees the expired lease and enqueues it again.
    sandbox.control(delay=0)
    wait_for(lambda: deliveries_recover() == 1, seconds=5, what="the lease to expire")
    assert deliveries_recover() == 0  # its new task is waiting: nothing more to do
    shared_db.push()
    assert shared_db.worker(outbox=tmp_path, MANASSA_SMS_GATEWAY_URL=sandbox.url).wait(timeout=60) == 0
    shared_db.pull()
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == ("sent", 2)
    # Sent twice to the gateway with the same idempotency key, so received once.
    assert len(sandbox.messages()) == 1 and sandbox.requests() == 2
    assert list(DeliveryAttempt.objects.filter(delivery=sms).values_list("number", "outcome")) == [(2, "sent")]


def test_two_workers_share_the_queue_and_send_nothing_twice(people, service, sandbox, shared_db, tmp_path):
    outbox = tmp_path / "outbox"
    _reach_all(people, service, 8)
    shared_db.push()
    workers = [shared_db.worker(outbox=outbox, MANASSA_SMS_GATEWAY_URL=sandbox.url) for _ in range(2)]
    assert [worker.wait(timeout=120) for worker in workers] == [0, 0]
    shared_db.pull()
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    assert set(Delivery.objects.exclude(channel="in_app").values_list("attempts", flat=True)) == {1}
    ids = _message_ids(outbox)
    assert len(ids) == len(set(ids)) == 8
    keys = [message["idempotency_key"] for message in sandbox.messages()]
    assert len(keys) == len(set(keys)) == 8 and sandbox.requests() == 8
