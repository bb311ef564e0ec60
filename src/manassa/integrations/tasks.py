"""The webhook delivery task: one attempt per run; ``services.webhook_delivery_attempt`` decides what next."""

from django_tasks import task

from manassa.integrations.services import webhook_delivery_attempt


@task()
def webhook_deliver(delivery_id: int) -> str:
    return webhook_delivery_attempt(delivery_id=delivery_id)
