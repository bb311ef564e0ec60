"""Entity back office and the Digital Office overview. Every lookup is scoped by a selector."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from manassa.accounts.permissions import Perm, entity_role
from manassa.accounts.selectors import require_platform_perm
from manassa.core.errors import Forbidden, InvalidInput, NotFound
from manassa.entities.forms import ApiKeyForm, EntityProfileForm
from manassa.entities.selectors import access_entity, entities_for, entities_overview, entity_members
from manassa.entities.services import EDITABLE_FIELDS, api_key_issue, api_key_revoke, entity_update


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


@login_required
def api_keys(request, code):
    entity = access_entity(request.user, code, Perm.APIKEYS_MANAGE)
    new_token = None
    form = ApiKeyForm()
    if request.method == "POST":
        form = ApiKeyForm(request.POST)
        if form.is_valid():
            _key, new_token = api_key_issue(actor=request.user, entity=entity, name=form.cleaned_data["name"])
            form = ApiKeyForm()
    return render(request, "entities/api_keys.html", {
        "entity": entity,
        "keys": entity.api_keys.order_by("-created_at"),
        "form": form,
        "new_token": new_token,
    })


@login_required
@require_POST
def api_key_revoke_view(request, code, prefix):
    entity = access_entity(request.user, code, Perm.APIKEYS_MANAGE)
    key = entity.api_keys.filter(prefix=prefix).first()
    if key is None:
        raise NotFound()
    api_key_revoke(actor=request.user, key=key)
    messages.success(request, _("The key was revoked."))
    return redirect("backoffice:api_keys", code=entity.code)


@login_required
def digital_office_home(request):
    require_platform_perm(request.user, Perm.DIGITAL_OFFICE)
    return render(request, "entities/digital_office_home.html", {"entities": entities_overview()})
