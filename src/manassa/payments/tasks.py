"""Background work of payments (``manassa worker`` runs it from the database queue)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from manassa.core.retry import DEFAULT_MAX_ATTEMPTS, backoff_delay
from manassa.payments.gateways.base import GatewayError


@task()
def refund_execute_task(*, refund_id: int, attempt: int = 1) -> str:
    """Execute an approved refund after the approval committed; retried with back-off while the gateway fails."""
    from manassa.payments.services import refund_execute

    try:
        return refund_execute(refund_id=refund_id).status
    except GatewayError:
        if attempt >= DEFAULT_MAX_ATTEMPTS:
            return "gave_up"
        refund_execute_task.using(run_after=timezone.now() + backoff_delay(attempt)).enqueue(
            refund_id=refund_id, attempt=attempt + 1)
        return "retrying"
