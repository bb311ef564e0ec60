"""What the platform remembers about bills it collected: the posting of each paid bill to its biller.

The bill itself lives at the biller; the platform's invoice for it is a
``payments.Invoice`` with ``bill_provider`` and ``bill_reference`` set.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from manassa.bills.sandbox.models import SandboxBill, SandboxBillerAccount, SandboxBillPayment  # noqa: F401


class PostingStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent to the biller")
    FAILED = "failed", _("Not accepted by the biller")


class BillPosting(models.Model):
    """Telling the biller a bill was paid: one per paid invoice, sent by a task, retried while the biller is down."""

    invoice = models.OneToOneField("payments.Invoice", on_delete=models.PROTECT, related_name="bill_posting")
    payment = models.ForeignKey("payments.Payment", on_delete=models.PROTECT, related_name="+")
    provider = models.CharField(max_length=40)
    bill_reference = models.CharField(max_length=80)
    amount = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3, default="AED")
    # The payment's reference: the biller records one payment per key, however often it is told.
    idempotency_key = models.CharField(max_length=80, unique=True)
    status = models.CharField(max_length=10, choices=PostingStatus.choices, default=PostingStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    confirmation = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("bill posting")
        verbose_name_plural = _("bill postings")
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=["pending", "sent", "failed"]),
                                   name="bill_posting_status_valid"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="bill_posting_status_idx")]

    def __str__(self) -> str:
        return f"{self.provider}:{self.bill_reference}"
