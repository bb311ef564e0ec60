"""Webhooks in the entity's back office: endpoints, the delivery log, "retry now". Entity admins only.

Every lookup is scoped by ``access_entity`` and then by the entity
(``access_endpoint`` / ``access_delivery``): another entity's endpoint or
delivery is a 404, through any entity code.
"""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from manassa.accounts.permissions import Perm
from manassa.core.errors import InvalidInput
from manassa.entities.selectors import access_entity
from manassa.integrations.forms import DeliveryFilterForm, EndpointEditForm, EndpointForm
from manassa.integrations.models import EVENT_KINDS
from manassa.integrations.selectors import access_delivery, access_endpoint, deliveries_of, endpoints_of
from manassa.integrations.services import (
    webhook_delivery_retry,
    webhook_endpoint_create,
    webhook_endpoint_ping,
    webhook_endpoint_secret_roll,
    webhook_endpoint_update,
)


def _entity(request, code):
    return access_entity(request.user, code, Perm.APIKEYS_MANAGE)


def _form_errors(form, exc: InvalidInput) -> None:
    if not exc.fields:
        form.add_error(None, str(exc.message))
    for field, errors in exc.fields.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


def _event_labels(kinds) -> list[str]:
    return [str(EVENT_KINDS[kind]) for kind in kinds if kind in EVENT_KINDS]


@login_required
def webhooks(request, code):
    entity = _entity(request, code)
    new_secret = created = None
    form = EndpointForm()
    if request.method == "POST":
        form = EndpointForm(request.POST)
        if form.is_valid():
            try:
                created, new_secret = webhook_endpoint_create(actor=request.user, entity=entity,
                                                              **form.cleaned_data)
            except InvalidInput as exc:
                _form_errors(form, exc)
            else:
                form = EndpointForm()
    endpoints = list(endpoints_of(entity=entity))
    for endpoint in endpoints:
        endpoint.event_labels = _event_labels(endpoint.events)
    return render(request, "integrations/webhooks.html", {
        "entity": entity, "endpoints": endpoints, "form": form, "new_secret": new_secret, "created": created,
    })


@login_required
def endpoint_edit(request, code, endpoint_id):
    entity = _entity(request, code)
    endpoint = access_endpoint(entity=entity, endpoint_id=endpoint_id)
    if request.method == "POST":
        form = EndpointEditForm(request.POST)
        if form.is_valid():
            try:
                webhook_endpoint_update(actor=request.user, endpoint=endpoint, **form.cleaned_data)
            except InvalidInput as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("The endpoint was saved."))
                return redirect("integrations:webhooks", code=entity.code)
    else:
        form = EndpointEditForm(initial={"url": endpoint.url, "description": endpoint.description,
                                         "events": endpoint.events, "is_active": endpoint.is_active})
    return render(request, "integrations/endpoint.html", {"entity": entity, "endpoint": endpoint, "form": form})


@login_required
@require_POST
def endpoint_secret(request, code, endpoint_id):
    """A new signing secret, shown once on the answer (so no redirect)."""
    entity = _entity(request, code)
    endpoint = access_endpoint(entity=entity, endpoint_id=endpoint_id)
    new_secret = webhook_endpoint_secret_roll(actor=request.user, endpoint=endpoint)
    endpoint.refresh_from_db()
    form = EndpointEditForm(initial={"url": endpoint.url, "description": endpoint.description,
                                     "events": endpoint.events, "is_active": endpoint.is_active})
    return render(request, "integrations/endpoint.html", {"entity": entity, "endpoint": endpoint, "form": form,
                                                          "new_secret": new_secret})


@login_required
@require_POST
def endpoint_ping(request, code, endpoint_id):
    entity = _entity(request, code)
    endpoint = access_endpoint(entity=entity, endpoint_id=endpoint_id)
    try:
        webhook_endpoint_ping(actor=request.user, endpoint=endpoint)
    except InvalidInput as exc:
        messages.error(request, str(exc.message))
        return redirect("integrations:webhooks", code=entity.code)
    messages.success(request, _("A test event (ping) is on its way. Its delivery is at the top of the log."))
    return redirect(f"{reverse('integrations:deliveries', kwargs={'code': entity.code})}?endpoint={endpoint.pk}")


@login_required
def deliveries(request, code):
    entity = _entity(request, code)
    endpoints = list(endpoints_of(entity=entity))
    form = DeliveryFilterForm(request.GET or None, endpoints=endpoints)
    before = request.GET.get("before", "")
    before = int(before) if before.isdigit() and len(before) < 19 else None
    if form.is_bound and not form.is_valid():
        # A filter naming nothing of this entity's (another entity's endpoint) matches nothing.
        rows, next_before, filtered = [], None, True
    else:
        filters = form.cleaned_data if form.is_bound else {}
        filtered = bool(filters.get("status") or filters.get("endpoint"))
        rows, next_before = deliveries_of(entity=entity, status=filters.get("status") or None,
                                          endpoint_id=filters.get("endpoint"), before=before)
    query = request.GET.copy()
    query.pop("before", None)
    return render(request, "integrations/deliveries.html", {
        "entity": entity, "form": form, "rows": rows, "next_before": next_before, "before": before,
        "filtered": filtered, "query": query.urlencode(),
    })


@login_required
def delivery_detail(request, code, delivery_id):
    entity = _entity(request, code)
    delivery = access_delivery(entity=entity, delivery_id=delivery_id)
    try:
        body = json.dumps(json.loads(delivery.body), ensure_ascii=False, indent=2)
    except ValueError:
        body = delivery.body
    return render(request, "integrations/delivery.html", {
        "entity": entity, "delivery": delivery, "body": body, "attempts": delivery.attempt_log.all(),
        "can_retry": delivery.status != "sent" and delivery.endpoint.is_active,
    })


@login_required
@require_POST
def delivery_retry(request, code, delivery_id):
    entity = _entity(request, code)
    delivery = access_delivery(entity=entity, delivery_id=delivery_id)
    try:
        webhook_delivery_retry(actor=request.user, delivery=delivery)
    except InvalidInput as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The delivery will be tried again now."))
    return redirect("integrations:delivery", code=entity.code, delivery_id=delivery.pk)
