"""The delivery task: one e-mail or SMS, enqueued in the transaction of the change it reports."""

from __future__ import annotations

from django_tasks import task


@task()
def delivery_send(delivery_id: int) -> str:
    from manassa.notifications.services import delivery_attempt

    return delivery_attempt(delivery_id=delivery_id)
