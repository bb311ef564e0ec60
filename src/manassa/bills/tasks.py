"""Background work of bills (``manassa worker`` runs it from the database queue)."""

from __future__ import annotations

from django_tasks import task


@task()
def bill_posting_send_task(*, posting_id: int) -> str:
    """Tell the biller a bill was paid; ``bill_posting_send`` enqueues the next try itself while the biller is down."""
    from manassa.bills.services import bill_posting_send

    return bill_posting_send(posting_id=posting_id).status
