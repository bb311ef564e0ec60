"""Entity back office and the Digital Office overview. Every lookup is scoped by a selector."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from manassa.accounts.permissions import Perm, entity_role
from manassa.accounts.selectors import require_platform_perm
from manassa.core.errors import Forbidden, InvalidInput, NotFound
from manassa.entities.forms import ApiKeyForm, EntityProfileForm
from manassa.entities.selectors import access_entity, entities_for, entities_overview, entity_members
from manassa.entities.services import (
    EDITABLE_FIELDS,
    api_key_issue,
    api_key_revoke,
    api_key_rotate,
    entity_update,
    rotation_grace,
)


@login_required
def backoffice_home(request):
    entities = entities_for(request.user, Perm.BACKOFFICE)
    if not entities:
        raise Forbidden()
    return render(request, "entities/backoffice_home.html", {"entities": entities})


@login_required
def entity_detail(request, code):
    entity = access_entity(request.user, code, Perm.ENTITY_VIEW)
    return render(request, "entities/entity_detail.html", {
        "entity": entity,
        "members": entity_members(entity=entity),
        "my_role": entity_role(request.user, entity.id),
        "can_edit": entity_role(request.user, entity.id) == "admin",
    })


@login_required
def entity_edit(request, code):
    entity = access_entity(request.user, code, Perm.ENTITY_EDIT)
    if request.method == "POST":
        form = EntityProfileForm(request.POST)
        if form.is_valid():
            try:
                entity_update(actor=request.user, entity=entity, **form.cleaned_data)
            except InvalidInput as exc:
                for field, errors in exc.fields.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, _("The entity's details were saved."))
                return redirect("backoffice:entity", code=entity.code)
    else:
        form = EntityProfileForm(initial={name: getattr(entity, name) for name in EDITABLE_FIELDS})
    return render(request, "entities/entity_edit.html", {"entity": entity, "form": form})


def _api_keys_page(request, entity, *, form=None, new_token=None, rotated=None):
    now = timezone.now()
    keys = list(entity.api_keys.select_related("rotated_from").order_by("-created_at"))
    for key in keys:
        key.is_live_now = key.is_live(now)
    return render(request, "entities/api_keys.html", {
        "entity": entity,
        "keys": keys,
        "form": form or ApiKeyForm(),
        "new_token": new_token,
        "rotated": rotated,
        "now": now,
        "grace_hours": int(rotation_grace().total_seconds() // 3600),
    })


@login_required
def api_keys(request, code):
    entity = access_entity(request.user, code, Perm.APIKEYS_MANAGE)
    if request.method == "POST":
        form = ApiKeyForm(request.POST)
        if form.is_valid():
            _key, new_token = api_key_issue(actor=request.user, entity=entity, **form.cleaned_data)
            return _api_keys_page(request, entity, new_token=new_token)
        return _api_keys_page(request, entity, form=form)
    return _api_keys_page(request, entity)


def _entity_key(entity, prefix):
    key = entity.api_keys.filter(prefix=prefix).first()
    if key is None:
        raise NotFound()
    return key


@login_required
@require_POST
def api_key_revoke_view(request, code, prefix):
    entity = access_entity(request.user, code, Perm.APIKEYS_MANAGE)
    api_key_revoke(actor=request.user, key=_entity_key(entity, prefix))
    messages.success(request, _("The key was revoked."))
    return redirect("backoffice:api_keys", code=entity.code)


@login_required
@require_POST
def api_key_rotate_view(request, code, prefix):
    """A successor key, shown once on the answer (so no redirect); the old key works for the grace period."""
    entity = access_entity(request.user, code, Perm.APIKEYS_MANAGE)
    key = _entity_key(entity, prefix)
    try:
        new_key, new_token = api_key_rotate(actor=request.user, key=key)
    except InvalidInput as exc:
        messages.error(request, exc.message)
        return redirect("backoffice:api_keys", code=entity.code)
    key.refresh_from_db()
    return _api_keys_page(request, entity, new_token=new_token, rotated=key)


@login_required
def digital_office_home(request):
    require_platform_perm(request.user, Perm.DIGITAL_OFFICE)
    return render(request, "entities/digital_office_home.html", {"entities": entities_overview()})
