"""The entity's bill postings in its back office (``/<lang>/backoffice/entities/<code>/bills/``).

A paid bill is posted to its biller by a task (``bills.services``). A biller
that refuses a posting (a bill closed meanwhile, an amount it no longer
expects) leaves the money collected and the bill open at the biller: staff see
those here, mend the cause with the biller, and send the posting again.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from manassa.bills import selectors_backoffice as sel
from manassa.bills.models import PostingStatus
from manassa.bills.selectors import provider_label
from manassa.bills.services import bill_posting_resend
from manassa.core.errors import Conflict

TABS = [(PostingStatus.FAILED, gettext_lazy("Refused by the biller")),
        (PostingStatus.PENDING, gettext_lazy("Waiting to be sent")),
        (PostingStatus.SENT, gettext_lazy("Sent"))]


@login_required
@require_GET
def posting_list(request: HttpRequest, code: str) -> HttpResponse:
    entity = sel.postings_entity(request.user, code)
    status = request.GET.get("status", "")
    if status not in PostingStatus.values:
        status = PostingStatus.FAILED
    counts = sel.postings_counts(entity)
    return render(request, "bills/backoffice/posting_list.html", {
        "entity": entity, "status": status,
        "tabs": [{"status": value, "label": str(label), "count": counts[value], "current": value == status}
                 for value, label in TABS],
        "rows": [{"posting": posting, "provider": provider_label(posting.provider)}
                 for posting in sel.postings_of(entity, status)],
        "breadcrumbs": [
            {"label": _("Back office"), "url": reverse("backoffice:home")},
            {"label": entity.name, "url": reverse("backoffice:entity", args=[entity.code])},
            {"label": _("Payments"), "url": reverse("payments_admin:list", args=[entity.code])},
            {"label": _("Bill postings")}],
    })


@login_required
@require_POST
def posting_resend(request: HttpRequest, code: str, posting_id: int) -> HttpResponse:
    entity = sel.postings_entity(request.user, code)
    posting = sel.access_posting(entity, posting_id)
    try:
        bill_posting_resend(actor=request.user, posting=posting)
    except Conflict as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The payment of bill %(bill)s is being sent to the biller again.")
                         % {"bill": posting.bill_reference})
    # Back where the button was: the payment's page or the list (never an address taken from the request).
    if request.POST.get("back") == "payment":
        return redirect("payments_admin:payment", code=entity.code, reference=posting.payment.reference)
    return redirect(f"{reverse('bills_admin:postings', args=[entity.code])}?status={PostingStatus.FAILED}")
