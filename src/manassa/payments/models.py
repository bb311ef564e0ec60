"""Fees, invoices, payments, refunds and the append-only ledger of money that moved.

Money is an integer count of fils (``manassa.core.money``). A payment's status
only moves forward (created → pending → succeeded | failed, succeeded →
refunded; a late success may still follow "failed"): ``services`` is the one
place that changes it, under a row lock.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from manassa.payments.sandbox.models import SandboxCharge, SandboxRefund, SandboxSwitch  # noqa: F401


class FeeKind(models.TextChoices):
    SERVICE = "service", _("Service fee")
    KNOWLEDGE = "knowledge", _("Knowledge fee")
    INNOVATION = "innovation", _("Innovation fee")
    URGENT = "urgent", _("Urgent processing fee")
    OTHER = "other", _("Other fee")


class FeeSchedule(models.Model):
    """The fees of one version of a service; the newest active version is charged."""

    service = models.ForeignKey("catalog.Service", on_delete=models.PROTECT, related_name="fee_schedules",
                                verbose_name=_("service"))
    version = models.PositiveIntegerField(_("version"))
    currency = models.CharField(_("currency"), max_length=3, default="AED")
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("fee schedule")
        verbose_name_plural = _("fee schedules")
        constraints = [models.UniqueConstraint(fields=["service", "version"], name="fee_schedule_service_version")]

    def __str__(self) -> str:
        return f"{self.service_id} v{self.version}"


class FeeLine(models.Model):
    """A fixed amount, or an expression over the form's numeric answers (``payments.fees``)."""

    schedule = models.ForeignKey(FeeSchedule, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=12, choices=FeeKind.choices, default=FeeKind.SERVICE)
    label_ar = models.CharField(_("label (Arabic)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200)
    amount = models.PositiveBigIntegerField(_("amount (fils)"), null=True, blank=True)
    expression = models.CharField(_("expression"), max_length=500, blank=True)
    # An answer that must be true (a yes/no question such as "urgent") for the line to be charged.
    condition = models.CharField(_("charged when this answer is yes"), max_length=80, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(amount__isnull=False, expression="")
                           | models.Q(amount__isnull=True) & ~models.Q(expression="")),
                name="fee_line_amount_or_expression"),
        ]

    def __str__(self) -> str:
        return self.label_en


class InvoiceStatus(models.TextChoices):
    OPEN = "open", _("Waiting for payment")
    PAID = "paid", _("Paid")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


class Invoice(models.Model):
    number = models.CharField(_("invoice number"), max_length=32, unique=True)
    # What is paid for: a request (one invoice per request and step), or an entity's bill fetched from its
    # bill provider (``bill_provider`` and ``bill_reference`` set, no request).
    application = models.ForeignKey("applications.Application", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="invoices", verbose_name=_("request"))
    bill_provider = models.CharField(max_length=40, blank=True)
    bill_reference = models.CharField(_("bill number"), max_length=80, blank=True)
    # What the resident sees it is for, e.g. {"ar": "فاتورة الكهرباء …", "en": "Electricity bill …"}; empty for a
    # request's invoice, whose service and reference say it.
    title = models.JSONField(default=dict, blank=True)
    entity = models.ForeignKey("entities.Entity", on_delete=models.PROTECT, related_name="invoices")
    payer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invoices")
    # "submission" or the workflow state that waits for the payment: one invoice per request and step.
    step = models.CharField(max_length=40)
    # The workflow action taken by the system once paid (empty: nothing to move on).
    on_paid_action = models.CharField(max_length=40, blank=True)
    # [{"kind", "label": {"ar", "en"}, "amount"}] — what was charged, frozen at creation.
    lines = models.JSONField(default=list)
    total = models.PositiveBigIntegerField(_("total (fils)"))
    currency = models.CharField(max_length=3, default="AED")
    status = models.CharField(_("status"), max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("pay before"))
    reminded_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey("Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.UniqueConstraint(fields=["application", "step"], name="invoice_application_step"),
            # One live invoice per bill: an expired or cancelled one may be followed by another.
            models.UniqueConstraint(fields=["bill_provider", "bill_reference"], name="invoice_bill_live",
                                    condition=~models.Q(bill_provider="") & models.Q(status__in=["open", "paid"])),
            models.CheckConstraint(condition=models.Q(application__isnull=False) | ~models.Q(bill_provider=""),
                                   name="invoice_for_request_or_bill"),
            models.CheckConstraint(condition=models.Q(status__in=["open", "paid", "expired", "cancelled"]),
                                   name="invoice_status_valid"),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="invoice_status_expiry_idx"),
            models.Index(fields=["payer", "-created_at"], name="invoice_payer_idx"),
            models.Index(fields=["entity", "status", "-id"], name="invoice_entity_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    def portal_path(self) -> str:
        """The payer's page of the invoice (in the active language), where they pay it."""
        from django.urls import reverse

        return reverse("payments:invoice", args=[self.number])


class PaymentStatus(models.TextChoices):
    CREATED = "created", _("Started")
    PENDING = "pending", _("Processing")
    SUCCEEDED = "succeeded", _("Paid")
    FAILED = "failed", _("Failed")
    REFUNDED = "refunded", _("Refunded")


class Payment(models.Model):
    reference = models.CharField(_("payment reference"), max_length=32, unique=True)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    entity = models.ForeignKey("entities.Entity", on_delete=models.PROTECT, related_name="payments")
    payer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments")
    gateway = models.CharField(_("gateway"), max_length=20)
    idempotency_key = models.CharField(max_length=80, unique=True)
    gateway_reference = models.CharField(max_length=80, blank=True)
    redirect_url = models.URLField(max_length=500, blank=True)
    amount = models.PositiveBigIntegerField(_("amount (fils)"))
    currency = models.CharField(max_length=3, default="AED")
    status = models.CharField(_("status"), max_length=10, choices=PaymentStatus.choices,
                              default=PaymentStatus.CREATED)
    failure_code = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.UniqueConstraint(fields=["gateway", "gateway_reference"], condition=~models.Q(gateway_reference=""),
                                    name="payment_gateway_reference"),
            models.CheckConstraint(
                condition=models.Q(status__in=["created", "pending", "succeeded", "failed", "refunded"]),
                name="payment_status_valid"),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="payment_status_idx"),
            models.Index(fields=["payer", "-created_at"], name="payment_payer_idx"),
            models.Index(fields=["entity", "-id"], name="payment_entity_idx"),
        ]

    def __str__(self) -> str:
        return self.reference


class LedgerKind(models.TextChoices):
    CHARGE = "charge", _("Charge")
    REFUND = "refund", _("Refund")


class LedgerEntry(models.Model):
    """Money that moved at a gateway, written once and never changed (see ``payments.db_guard``).

    ``amount`` is signed: a charge is positive, a refund negative, so the sum
    over an invoice, an entity or a gateway is what is held.
    ``gateway_event_id`` is the gateway's id of the movement: a callback told
    twice, or told and then found again by a status query, writes one row.
    """

    kind = models.CharField(max_length=10, choices=LedgerKind.choices)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="AED")
    gateway = models.CharField(max_length=20)
    gateway_event_id = models.CharField(max_length=120, unique=True)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="ledger_entries")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="ledger_entries")
    entity = models.ForeignKey("entities.Entity", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [models.Index(fields=["entity", "gateway", "at"], name="ledger_entity_gateway_idx"),
                   # The daily reconciliation reads a gateway's day across every entity.
                   models.Index(fields=["gateway", "at"], name="ledger_gateway_at_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="charge", amount__gt=0) | models.Q(kind="refund", amount__lt=0),
                name="ledger_sign_matches_kind"),
        ]

    def __str__(self) -> str:
        return self.gateway_event_id

    def save(self, *args, **kwargs):
        # Append-only in the model layer too (the database triggers cover raw SQL and other clients).
        if self.pk is not None and not kwargs.get("force_insert"):
            raise TypeError("ledger entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("ledger entries are append-only")


class CallbackInbox(models.Model):
    """A gateway's notification, its signature checked, waiting to be settled (``services.payments_inbox_settle``).

    The callback view answers the gateway once the row is written (one
    insert); a worker settles the rows in batches, in the same locked path as
    a status query. ``(gateway, event_id)`` is unique, so a notification told
    twice before it is settled is kept once. A row whose settling fails stays,
    with its error, and is tried again later.
    """

    gateway = models.CharField(max_length=20)
    event_id = models.CharField(max_length=120)
    # Read by the view (a notification of an unknown payment is refused there). No index of their own: the
    # rows live for a second or two and are read by id only.
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="+", db_index=False)
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="+", db_index=False)
    # What the gateway said: the fields of ``gateways.base.ChargeStatus``.
    status = models.JSONField()
    received_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("gateway notification")
        verbose_name_plural = _("gateway notifications")
        constraints = [models.UniqueConstraint(fields=["gateway", "event_id"], name="callback_inbox_event")]

    def __str__(self) -> str:
        return f"{self.gateway}:{self.event_id}"


class RefundStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    EXECUTED = "executed", _("Refunded")
    REJECTED = "rejected", _("Rejected")
    FAILED = "failed", _("Refund failed")


class Refund(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.PositiveBigIntegerField(_("amount (fils)"))
    reason = models.TextField(_("reason"), max_length=1000)
    status = models.CharField(_("status"), max_length=10, choices=RefundStatus.choices,
                              default=RefundStatus.REQUESTED)
    # Raised by the platform itself (a double payment), not by a person.
    automatic = models.BooleanField(default=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    executed_at = models.DateTimeField(null=True, blank=True)
    gateway_refund_id = models.CharField(max_length=80, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(status__in=["requested", "approved", "executed", "rejected", "failed"]),
                name="refund_status_valid"),
        ]
        indexes = [models.Index(fields=["status", "-id"], name="refund_status_idx")]

    def __str__(self) -> str:
        return f"{self.payment_id}: {self.amount}"


class ReconciliationReport(models.Model):
    """One run of reconciliation for a day and a gateway: our ledger against the gateway's settlement report.

    A re-run of the same day and gateway replaces its rows (``payments.reconciliation``).
    """

    day = models.DateField(_("day"))
    gateway = models.CharField(_("gateway"), max_length=20)
    ran_at = models.DateTimeField(_("reconciled at"))
    # False when the gateway gave no report (unreachable, or no reports at all): the rows hold only the ledger.
    report_received = models.BooleanField(default=True)
    difference_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("reconciliation report")
        verbose_name_plural = _("reconciliation reports")
        constraints = [models.UniqueConstraint(fields=["day", "gateway"], name="reconciliation_day_gateway")]
        indexes = [models.Index(fields=["-day", "gateway"], name="reconciliation_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.gateway}"


class ReconciliationRow(models.Model):
    """One entity's part of a report (``entity`` empty: what the gateway settled for no payment we know)."""

    report = models.ForeignKey(ReconciliationReport, on_delete=models.CASCADE, related_name="rows")
    entity = models.ForeignKey("entities.Entity", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(max_length=3, default="AED")
    expected_total = models.BigIntegerField(default=0)
    expected_count = models.PositiveIntegerField(default=0)
    settled_total = models.BigIntegerField(default=0)
    settled_count = models.PositiveIntegerField(default=0)
    # [{"problem": "missing_in_ledger" | "missing_at_gateway" | "amount_mismatch", "kind", "event_id",
    #   "payment", "gateway_reference", "ledger_amount", "gateway_amount"}]
    differences = models.JSONField(default=list)
    difference_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("reconciliation row")
        verbose_name_plural = _("reconciliation rows")
        indexes = [models.Index(fields=["entity", "report"], name="reconciliation_row_entity_idx")]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.entity_id}"
