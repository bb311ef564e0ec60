"""The sandbox billers' own records: what a utility's billing system would hold, apart from the platform's.

The platform's bill code never reads these; it reaches them only over HTTP
through ``SandboxBillProvider``, as it would a real biller.
"""

from __future__ import annotations

from django.db import models


class SandboxBillerAccount(models.Model):
    provider = models.CharField(max_length=40)
    number = models.CharField(max_length=20)
    holder = models.CharField(max_length=200, blank=True)
    # normal | unavailable (answers 503) | slow (answers after MANASSA_SANDBOX_BILLERS_SLOW_SECONDS)
    behaviour = models.CharField(max_length=12, default="normal")

    class Meta:
        app_label = "bills"
        constraints = [models.UniqueConstraint(fields=["provider", "number"], name="sandbox_biller_account")]

    def __str__(self) -> str:
        return f"{self.provider}:{self.number}"


class SandboxBill(models.Model):
    account = models.ForeignKey(SandboxBillerAccount, on_delete=models.CASCADE, related_name="bills")
    reference = models.CharField(max_length=40, unique=True)
    period = models.CharField(max_length=7)
    due_date = models.DateField()
    amount = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3, default="AED")
    description_ar = models.CharField(max_length=200)
    description_en = models.CharField(max_length=200)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "bills"
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return self.reference


class SandboxBillPayment(models.Model):
    """A payment the platform posted to the biller; one per idempotency key."""

    bill = models.ForeignKey(SandboxBill, on_delete=models.PROTECT, related_name="payments")
    idempotency_key = models.CharField(max_length=80, unique=True)
    payment_reference = models.CharField(max_length=40)
    amount = models.PositiveBigIntegerField()
    confirmation = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "bills"

    def __str__(self) -> str:
        return self.confirmation
