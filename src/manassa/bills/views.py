"""The resident's "Pay a bill" pages: choose the biller, type the account, pick a bill, pay it on its invoice."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from manassa.bills.selectors import bills_outstanding, providers_available
from manassa.bills.services import bill_invoice_create
from manassa.core.errors import ApplicationError
from manassa.core.i18n import pick


def _page(request, *, typed: dict, status: int = 200, **context):
    providers = providers_available()
    if not typed.get("provider") and len(providers) == 1:
        typed = {**typed, "provider": providers[0].code}
    return render(request, "bills/start.html", {
        "providers": providers, "typed": typed, "errors": {}, "alert": "",
        "breadcrumbs": [{"label": _("Pay a bill")}], **context}, status=status)


def _typed(request) -> dict:
    return {"provider": request.POST.get("provider", "")[:40], "account": request.POST.get("account", "")[:40]}


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def bill_start(request):
    """GET: the form. POST: ask the biller what the account owes and list it under the form."""
    if request.method == "GET":
        return _page(request, typed={})
    typed = _typed(request)
    try:
        config, account, bills = bills_outstanding(provider_code=typed["provider"], account=typed["account"])
    except ApplicationError as exc:
        return _page(request, typed=typed, status=exc.status if not exc.fields else 200,
                     errors=exc.fields, alert="" if exc.fields else exc.message)
    rows = [{"reference": b.reference, "text": pick(b.description), "due_date": b.due_date, "amount": b.amount,
             "currency": b.currency} for b in bills]
    return _page(request, typed=typed, looked_up=True, provider=config, account=account, bills=rows)


@login_required
@require_POST
def bill_pay(request):
    """Raise (or reuse) the invoice of the chosen bill and send the resident to pay it."""
    typed = _typed(request)
    try:
        invoice = bill_invoice_create(actor=request.user, provider_code=typed["provider"], account=typed["account"],
                                      bill_reference=request.POST.get("bill", "")[:80])
    except ApplicationError as exc:
        return _page(request, typed=typed, status=exc.status if not exc.fields else 200, errors=exc.fields,
                     alert="" if exc.fields else exc.message)
    return redirect("payments:invoice", number=invoice.number)
