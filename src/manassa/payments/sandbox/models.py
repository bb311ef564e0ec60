"""The sandbox gateway's own records: what a bank would hold, kept apart from the platform's payments.

Nothing here is read by the platform's payment code; it reaches the sandbox
only through the ``SandboxGateway`` adapter, as it would a real gateway.
"""

from __future__ import annotations

from django.db import models


class SandboxCharge(models.Model):
    reference = models.CharField(max_length=40, unique=True)
    idempotency_key = models.CharField(max_length=80, unique=True)
    merchant_reference = models.CharField(max_length=40)
    amount = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    description = models.CharField(max_length=200, blank=True)
    # pending → succeeded | failed; a success can be refunded in part or in full (see SandboxRefund).
    status = models.CharField(max_length=10, default="pending")
    failure_code = models.CharField(max_length=40, blank=True)
    challenge = models.BooleanField(default=False)
    return_url = models.URLField(max_length=500)
    callback_url = models.URLField(max_length=500)
    # normal | delay | duplicate | drop — copied from the switch when the charge is made.
    callback_mode = models.CharField(max_length=10, default="normal")
    callback_delay = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "payments"

    def __str__(self) -> str:
        return self.reference


class SandboxRefund(models.Model):
    charge = models.ForeignKey(SandboxCharge, on_delete=models.PROTECT, related_name="refunds")
    reference = models.CharField(max_length=40, unique=True)
    idempotency_key = models.CharField(max_length=80, unique=True)
    amount = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "payments"

    def __str__(self) -> str:
        return self.reference


class SandboxSwitch(models.Model):
    """One row: how the sandbox sends callbacks for the charges made from now on."""

    callback_mode = models.CharField(max_length=10, default="normal")
    callback_delay = models.PositiveIntegerField(default=30)

    class Meta:
        app_label = "payments"

    def __str__(self) -> str:
        return self.callback_mode
