"""Sending SMS through the HTTP adapter to the sandbox gateway, a real server in another process."""

from datetime import timedelta

import pytest
import time_machine
from django_tasks_db.models import DBTaskResult

from manassa.notifications.models import Delivery, DeliveryAttempt
from manassa.notifications.services import delivery_attempt
from manassa.notifications.tests.conftest import submit


@pytest.fixture
def sms(people, service, sandbox):
    customer = people["customer"]
    customer.mobile, customer.notify_email, customer.preferred_language = "+971501234567", False, "en"
    customer.save()
    with time_machine.travel("2026-11-23 08:00:00+00:00", tick=False):
        submit(customer, service)
    return Delivery.objects.get(recipient=customer, channel="sms")


def _task_for(delivery):
    return DBTaskResult.objects.get(pk=delivery.task_id)


def test_429_then_500_then_200_is_retried_with_back_off_and_every_attempt_recorded(sms, sandbox):
    sandbox.control(fail=[{"status": 429, "retry_after": 120}, {"status": 500}])
    start = sms.next_attempt_at
    with time_machine.travel(start, tick=False):
        assert delivery_attempt(delivery_id=sms.pk) == "retrying"
    sms.refresh_from_db()
    # Retry-After (120 s) is longer than the first back-off (30 s ± 20 %), so it wins.
    assert sms.attempts == 1 and "HTTP 429" in sms.last_error and sms.next_attempt_at == start + timedelta(seconds=120)
    assert _task_for(sms).run_after == sms.next_attempt_at and _task_for(sms).status == "READY"

    second_start = sms.next_attempt_at
    with time_machine.travel(second_start, tick=False):
        assert delivery_attempt(delivery_id=sms.pk) == "retrying"
    sms.refresh_from_db()
    delay = (sms.next_attempt_at - second_start).total_seconds()
    assert sms.attempts == 2 and "HTTP 500" in sms.last_error and 48 <= delay <= 72  # 60 s ± 20 %
    assert _task_for(sms).run_after == sms.next_attempt_at

    with time_machine.travel(sms.next_attempt_at, tick=False):
        assert delivery_attempt(delivery_id=sms.pk) == "sent"
    sms.refresh_from_db()
    assert sms.status == "sent" and sms.attempts == 3 and sms.provider_message_id.startswith("sbx-")
    assert list(DeliveryAttempt.objects.filter(delivery=sms).values_list("number", "outcome")) == [
        (1, "retrying"), (2, "retrying"), (3, "sent")]
    [message] = sandbox.messages()
    assert message["to"] == "+971501234567" and message["text"].startswith("We received your request")
    assert message["idempotency_key"] == str(sms.key) and sandbox.requests() == 3


def test_a_task_that_comes_early_does_nothing(sms, sandbox):
    sandbox.control(fail=[{"status": 503}])
    with time_machine.travel(sms.next_attempt_at, tick=False):
        delivery_attempt(delivery_id=sms.pk)
    sms.refresh_from_db()
    assert delivery_attempt(delivery_id=sms.pk) == "not-yet" and sandbox.requests() == 1


def test_a_refusal_fails_at_once_and_repeated_errors_end_dead(sms, sandbox, settings):
    sandbox.control(fail=[{"status": 400}])
    assert delivery_attempt(delivery_id=sms.pk) == "failed"
    sms.refresh_from_db()
    assert sms.status == "failed" and sms.attempts == 1 and "HTTP 400" in sms.last_error
    assert DBTaskResult.objects.count() == 1  # the first task only: nothing was enqueued again

    settings.MANASSA_NOTIFY_MAX_ATTEMPTS = 2
    Delivery.objects.filter(pk=sms.pk).update(status="pending", attempts=0)
    sandbox.control(fail=[{"status": 500}, {"status": 502}])
    assert delivery_attempt(delivery_id=sms.pk) == "retrying"
    sms.refresh_from_db()
    with time_machine.travel(sms.next_attempt_at, tick=False):
        assert delivery_attempt(delivery_id=sms.pk) == "dead"
    assert sandbox.messages() == []


def test_an_unreachable_gateway_is_a_temporary_failure(sms, sandbox, settings):
    sandbox.stop()
    assert delivery_attempt(delivery_id=sms.pk) == "retrying"
    sms.refresh_from_db()
    assert "gateway unreachable" in sms.last_error


def test_the_gateway_honours_the_idempotency_key(sms, sandbox):
    from manassa.notifications.channels import channel_backend

    first = channel_backend("sms").send(sms)
    again = channel_backend("sms").send(sms)
    assert first == again and len(sandbox.messages()) == 1 and sandbox.requests() == 2


def test_without_a_gateway_sms_go_to_a_file(people, service, settings, tmp_path):
    import json

    settings.MANASSA_SMS_GATEWAY_URL = ""
    settings.MANASSA_SMS_FILE_PATH = str(tmp_path)
    customer = people["customer"]
    customer.mobile, customer.notify_email = "+971501234567", False
    customer.save()
    submit(customer, service)
    sms = Delivery.objects.get(channel="sms")
    assert delivery_attempt(delivery_id=sms.pk) == "sent"
    [line] = [json.loads(line) for f in tmp_path.iterdir() for line in f.read_text().splitlines()]
    assert line["to"] == "+971501234567" and line["reference"] == str(sms.key)
