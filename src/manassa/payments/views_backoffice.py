"""Payments in the back office.

The entity (``/<lang>/backoffice/entities/<code>/payments/``): its payments and
one payment's invoice, history, ledger and refunds (any of its staff); asking
for a refund (any of its staff); refunds to approve and reconciliation
(supervisors and administrators). A person working for several entities picks
the entity on the back-office home, as for the other entity pages.

The Digital Office (``/<lang>/digital-office/payments/``): reconciliation of
every entity and gateway (``do_admin``, ``do_analyst``).

Views parse, authorise through ``selectors_backoffice``, call one service and
render; another entity's payment or refund is a 404 through any entity code.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from manassa.bills.selectors_backoffice import failed_postings_count, posting_of_invoice
from manassa.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from manassa.core.i18n import pick
from manassa.core.money import format_money, money_parse, money_plain
from manassa.payments import selectors_backoffice as sel
from manassa.payments.gateways import gateway_label
from manassa.payments.models import LedgerKind, PaymentStatus, RefundStatus
from manassa.payments.services import refund_decide, refund_request

# --- forms ----------------------------------------------------------------------------------------


class PaymentFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Reference"), required=False, max_length=80,
                        help_text=gettext_lazy("Payment, invoice, request or gateway reference, or bill number."))
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    gateway = forms.ChoiceField(label=gettext_lazy("Gateway"), required=False)
    date_from = forms.DateField(label=gettext_lazy("From"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data, *, gateways):
        super().__init__(data, auto_id="filter-%s")
        self.fields["status"].choices = [("", _("Any status"))] + list(PaymentStatus.choices)
        self.fields["gateway"].choices = [("", _("Any gateway"))] + [(code, gateway_label(code)) for code in gateways]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


class RefundForm(forms.Form):
    amount = forms.CharField(label=gettext_lazy("Amount to refund (AED)"), max_length=20,
                             widget=forms.TextInput(attrs={"inputmode": "decimal", "dir": "ltr",
                                                           "autocomplete": "off"}))
    reason = forms.CharField(label=gettext_lazy("Reason for the refund"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, refundable: int, **kwargs):
        super().__init__(*args, auto_id="refund-%s", **kwargs)
        self.refundable = refundable
        self.fields["amount"].help_text = _(
            "Up to %(amount)s, in dirhams with up to two decimals. The full amount is filled in; change it for "
            "a partial refund.") % {"amount": format_money(refundable)}

    def clean_amount(self) -> int:
        try:
            fils = money_parse(self.cleaned_data["amount"], positive=True)
        except ValueError:
            raise forms.ValidationError(_("Enter an amount in dirhams, such as 150 or 150.50.")) from None
        if fils > self.refundable:
            raise forms.ValidationError(_("The amount is more than what can be refunded (%(amount)s).")
                                        % {"amount": format_money(self.refundable)})
        return fils


class RangeForm(forms.Form):
    date_from = forms.DateField(label=gettext_lazy("From"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data):
        super().__init__(data, auto_id="range-%s")

    def range(self) -> tuple[date, date]:
        default_from, default_to = sel.default_range()
        data = self.cleaned_data if self.is_valid() else {}
        date_from, date_to = data.get("date_from") or default_from, data.get("date_to") or default_to
        return (date_to, date_from) if date_from > date_to else (date_from, date_to)


def _add_errors(form: forms.Form, exc: InvalidInput) -> None:
    for name, errors in exc.fields.items():
        for error in errors:
            form.add_error(name if name in form.fields else None, str(error))
    if not exc.fields:
        form.add_error(None, str(exc.message))


# --- display helpers ------------------------------------------------------------------------------

HISTORY_LABELS = {
    "payments.payment_started": gettext_lazy("Payment started"),
    "payments.payment_succeeded": gettext_lazy("Paid"),
    "payments.payment_failed": gettext_lazy("Payment failed"),
    "payments.amount_mismatch": gettext_lazy("The gateway reported another amount; the payment was not accepted"),
    "payments.double_payment": gettext_lazy("Double payment: the invoice was already paid"),
}


def signed_money(amount: int | None, currency: str = "AED") -> str:
    if amount is None:
        return "—"
    return format_money(amount, currency)


def _crumbs(entity, *items):
    base = [{"label": _("Back office"), "url": reverse("backoffice:home")},
            {"label": entity.name, "url": reverse("backoffice:entity", args=[entity.code])}]
    return base + [{"label": label, "url": url, "literal": literal} for label, url, literal in items]


def _payments_crumb(entity):
    return (_("Payments"), reverse("payments_admin:list", args=[entity.code]), False)


def _differences(row) -> list[dict]:
    return [{**sel.difference_view(d), "ledger_text": signed_money(d.get("ledger_amount"), row.currency),
             "gateway_text": signed_money(d.get("gateway_amount"), row.currency)} for d in row.differences]


def _csv_response(lines, name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- the entity's payments ------------------------------------------------------------------------


@login_required
@require_GET
def payment_list(request: HttpRequest, code: str) -> HttpResponse:
    entity = sel.payments_entity(request.user, code)
    form = PaymentFilterForm(request.GET or None, gateways=sel.gateways_of(entity))
    data = form.cleaned_data if form.is_valid() else {}
    filters = sel.PaymentFilters(status=data.get("status") or "", gateway=data.get("gateway") or "",
                                 date_from=data.get("date_from"), date_to=data.get("date_to"),
                                 search=data.get("q") or "")
    try:
        after = int(request.GET.get("after", "")) or None
    except ValueError:
        after = None
    rows, next_after = sel.payments_page(entity, filters, after=after)
    return render(request, "payments/backoffice/payment_list.html", {
        "entity": entity, "form": form, "rows": rows, "next_after": next_after, "after": after,
        "filtered": any(v not in (None, "") for v in data.values()),
        "may_decide": sel.may_decide_refunds(request.user, entity),
        # An entity that collects bills (a biller's entity) has its bill postings page.
        "postings_failed": failed_postings_count(entity),
        "breadcrumbs": _crumbs(entity, (_("Payments"), None, False)),
    })


def _detail(request, entity, payment, *, refund_form=None, status=200) -> HttpResponse:
    refundable = sel.payment_refundable(payment)
    if refund_form is None and refundable:
        refund_form = RefundForm(initial={"amount": money_plain(refundable)}, refundable=refundable)
    invoice = payment.invoice
    ledger = list(payment.ledger_entries.order_by("at", "id"))
    return render(request, "payments/backoffice/payment_detail.html", {
        "entity": entity, "payment": payment, "invoice": invoice,
        "lines": [{"label": pick(line.get("label") or {}), "amount": line.get("amount")} for line in invoice.lines],
        "history": [{"at": event.created_at, "label": HISTORY_LABELS.get(event.action, event.action),
                     "actor": event.actor_label if event.actor_id else _("The platform")}
                    for event in sel.payment_history(payment)],
        "ledger": [{"entry": e, "amount_text": signed_money(e.amount, e.currency),
                    "is_refund": e.kind == LedgerKind.REFUND} for e in ledger],
        "ledger_total": signed_money(sum(e.amount for e in ledger), payment.currency),
        "refunds": sel.payment_refunds(payment),
        "posting": posting_of_invoice(invoice),
        "refundable": refundable,
        "refund_form": refund_form if refundable else None,
        "may_decide": sel.may_decide_refunds(request.user, entity),
        "breadcrumbs": _crumbs(entity, _payments_crumb(entity), (payment.reference, None, True)),
    }, status=status)


@login_required
@require_GET
def payment_detail(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    entity = sel.payments_entity(request.user, code)
    return _detail(request, entity, sel.access_payment(entity, reference))


@login_required
@require_POST
def payment_refund(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    entity = sel.payments_entity(request.user, code)
    payment = sel.access_payment(entity, reference)
    refundable = sel.payment_refundable(payment)
    if not refundable:
        messages.error(request, _("This payment cannot be refunded: it did not succeed or is refunded already."))
        return redirect("payments_admin:payment", code=entity.code, reference=payment.reference)
    form = RefundForm(request.POST, refundable=refundable)
    if not form.is_valid():
        return _detail(request, entity, payment, refund_form=form, status=400)
    try:
        refund_request(actor=request.user, payment=payment, amount=form.cleaned_data["amount"],
                       reason=form.cleaned_data["reason"])
    except InvalidInput as exc:
        _add_errors(form, exc)
        return _detail(request, entity, payment, refund_form=form, status=400)
    except Conflict as exc:
        form.add_error(None, str(exc.message))
        return _detail(request, entity, payment, refund_form=form, status=409)
    messages.success(request, _("The refund was asked for. A supervisor of the entity, other than you, approves "
                                "it before any money is sent back."))
    return redirect("payments_admin:payment", code=entity.code, reference=payment.reference)


# --- refunds to approve -------------------------------------------------------------------------


def _refunds_page(request, entity, *, status=200) -> HttpResponse:
    return render(request, "payments/backoffice/refund_list.html", {
        "entity": entity,
        "pending": [{"refund": r, "own": r.requested_by_id == request.user.pk} for r in sel.refunds_to_decide(entity)],
        "decided": sel.refunds_recently_decided(entity),
        "breadcrumbs": _crumbs(entity, _payments_crumb(entity), (_("Refunds to approve"), None, False)),
    }, status=status)


@login_required
@require_GET
def refund_list(request: HttpRequest, code: str) -> HttpResponse:
    return _refunds_page(request, sel.finance_entity(request.user, code))


@login_required
@require_POST
def refund_decision(request: HttpRequest, code: str, refund_id: int) -> HttpResponse:
    entity = sel.finance_entity(request.user, code)
    refund = sel.access_refund(entity, refund_id)
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        messages.error(request, _("Choose to approve or to reject the refund."))
        return _refunds_page(request, entity, status=400)
    if refund.requested_by_id == request.user.pk:
        messages.error(request, _("You asked for this refund, so someone else must approve or reject it."))
        return _refunds_page(request, entity, status=403)
    try:
        refund = refund_decide(actor=request.user, refund=refund, approve=decision == "approve")
    except Conflict as exc:
        messages.info(request, str(exc.message))
        return redirect("payments_admin:refunds", code=entity.code)
    except Forbidden as exc:
        messages.error(request, str(exc.message))
        return _refunds_page(request, entity, status=403)
    if refund.status == RefundStatus.APPROVED:
        messages.success(request, _("Refund approved. The money is sent back to the payer now; the payment "
                                    "page shows when it is done."))
    else:
        messages.success(request, _("Refund rejected."))
    return redirect("payments_admin:refunds", code=entity.code)


# --- reconciliation: the entity -------------------------------------------------------------------


@login_required
@require_GET
def reconciliation(request: HttpRequest, code: str) -> HttpResponse:
    entity = sel.finance_entity(request.user, code)
    form = RangeForm(request.GET or None)
    date_from, date_to = form.range()
    rows = list(sel.reconciliation_rows_of(entity, date_from=date_from, date_to=date_to)[:200])
    return render(request, "payments/backoffice/reconciliation_entity.html", {
        "entity": entity, "form": form, "date_from": date_from, "date_to": date_to,
        "rows": [{"row": row, "expected": signed_money(row.expected_total, row.currency),
                  "settled": signed_money(row.settled_total, row.currency)} for row in rows],
        "breadcrumbs": _crumbs(entity, _payments_crumb(entity), (_("Reconciliation"), None, False)),
    })


@login_required
@require_GET
def reconciliation_row(request: HttpRequest, code: str, row_id: int) -> HttpResponse:
    entity = sel.finance_entity(request.user, code)
    row = sel.access_reconciliation_row(entity, row_id)
    return render(request, "payments/backoffice/reconciliation_row.html", {
        "entity": entity, "row": row, "report": row.report, "differences": _differences(row),
        "expected": signed_money(row.expected_total, row.currency),
        "settled": signed_money(row.settled_total, row.currency),
        "breadcrumbs": _crumbs(entity, _payments_crumb(entity),
                               (_("Reconciliation"), reverse("payments_admin:reconciliation", args=[entity.code]),
                                False), (row.report.day.isoformat(), None, True)),
    })


@login_required
@require_GET
def reconciliation_csv(request: HttpRequest, code: str) -> StreamingHttpResponse:
    entity = sel.finance_entity(request.user, code)
    date_from, date_to = RangeForm(request.GET or None).range()
    rows = sel.reconciliation_rows_of(entity, date_from=date_from, date_to=date_to)
    return _csv_response(sel.reconciliation_csv_lines(rows),
                         f"reconciliation-{entity.code}-{date_from.isoformat()}-{date_to.isoformat()}.csv")


# --- reconciliation: the Digital Office ---------------------------------------------------------


def _do_crumbs(*items):
    base = [{"label": _("Digital Office"), "url": reverse("digital_office:home")}]
    return base + [{"label": label, "url": url, "literal": literal} for label, url, literal in items]


@login_required
@require_GET
def do_reconciliation(request: HttpRequest) -> HttpResponse:
    sel.require_digital_office(request.user)
    form = RangeForm(request.GET or None)
    date_from, date_to = form.range()
    reports = sel.reconciliation_reports(date_from=date_from, date_to=date_to)
    return render(request, "payments/backoffice/reconciliation_do.html", {
        "form": form, "date_from": date_from, "date_to": date_to,
        "reports": [{**item, "totals": [{"expected_text": signed_money(t["expected"], t["currency"]),
                                         "settled_text": signed_money(t["settled"], t["currency"])}
                                        for t in item["totals"]]} for item in reports],
        "breadcrumbs": _do_crumbs((_("Payments reconciliation"), None, False)),
    })


@login_required
@require_GET
def do_report(request: HttpRequest, day: str, gateway: str) -> HttpResponse:
    sel.require_digital_office(request.user)
    try:
        report = sel.access_report(date.fromisoformat(day), gateway)
    except ValueError:
        raise NotFound() from None
    rows = sel.report_rows(report)
    return render(request, "payments/backoffice/reconciliation_report.html", {
        "report": report,
        "rows": [{"row": row, "expected": signed_money(row.expected_total, row.currency),
                  "settled": signed_money(row.settled_total, row.currency), "differences": _differences(row),
                  "caption_id": f"row-{row.pk}-caption"}
                 for row in rows],
        "breadcrumbs": _do_crumbs((_("Payments reconciliation"), reverse("payments_do:reconciliation"), False),
                                  (f"{report.day.isoformat()} · {report.gateway}", None, True)),
    })


@login_required
@require_GET
def do_reconciliation_csv(request: HttpRequest) -> StreamingHttpResponse:
    sel.require_digital_office(request.user)
    date_from, date_to = RangeForm(request.GET or None).range()
    rows = sel.all_reconciliation_rows(date_from=date_from, date_to=date_to)
    return _csv_response(sel.reconciliation_csv_lines(rows),
                         f"reconciliation-{date_from.isoformat()}-{date_to.isoformat()}.csv")
