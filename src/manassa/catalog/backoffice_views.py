"""Service owners' pages (entity back office) and the Digital Office's review of their changes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from manassa.accounts.permissions import Perm, has_entity_perm, has_platform_perm
from manassa.catalog.forms import ReviewForm, ServiceForm, SynonymForm
from manassa.catalog.models import Service
from manassa.catalog.selectors import (
    access_entity_revision,
    access_entity_service,
    access_revision_for_review,
    access_synonym_group,
    entity_open_revisions,
    entity_services,
    revision_changes,
    revisions_awaiting_review,
)
from manassa.catalog.services import (
    revision_actions_for,
    service_revision_data,
    service_revision_save,
    service_revision_transition,
)
from manassa.core.errors import Conflict, Forbidden, InvalidInput
from manassa.entities.selectors import access_entity


def _form_errors(form, exc: InvalidInput) -> None:
    for field, errors in exc.fields.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
    if not exc.fields:
        form.add_error(None, str(exc.message))


@login_required
def service_list(request, code):
    entity = access_entity(request.user, code, Perm.ENTITY_VIEW)
    return render(request, "catalog/backoffice/service_list.html", {
        "entity": entity,
        "services": entity_services(entity=entity),
        "revisions": entity_open_revisions(entity=entity),
        "can_edit": has_entity_perm(request.user, entity.id, Perm.CATALOG_EDIT),
    })


def _editor(request, entity, service: Service | None):
    if request.method == "POST":
        form = ServiceForm(request.POST)
        if form.is_valid():
            try:
                revision = service_revision_save(
                    actor=request.user, entity=entity, service=service,
                    code=form.cleaned_data.get("code", "").strip().upper(), data=form.revision_data(),
                )
            except InvalidInput as exc:
                _form_errors(form, exc)
            except Conflict as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("Your draft was saved. Submit it when it is ready for publication."))
                return redirect("backoffice_catalog:revision", code=entity.code, revision_id=revision.pk)
    else:
        form = ServiceForm(initial=ServiceForm.initial_from(service_revision_data(service)) if service else None)
    if service is not None:
        form.fields["code"].disabled = True
        form.initial["code"] = service.code
    return render(request, "catalog/backoffice/service_edit.html", {"entity": entity, "service": service,
                                                                   "form": form})


@login_required
def service_new(request, code):
    entity = access_entity(request.user, code, Perm.CATALOG_EDIT)
    return _editor(request, entity, None)


@login_required
def service_edit(request, code, service_code):
    entity, service = access_entity_service(request.user, code, service_code, Perm.CATALOG_EDIT)
    return _editor(request, entity, service)


@login_required
def revision_detail(request, code, revision_id):
    entity, revision = access_entity_revision(request.user, code, revision_id, Perm.ENTITY_VIEW)
    return render(request, "catalog/backoffice/revision_detail.html", {
        "entity": entity, "revision": revision, "changes": revision_changes(revision),
        "actions": revision_actions_for(request.user, revision),
    })


@login_required
@require_POST
def revision_submit(request, code, revision_id):
    entity, revision = access_entity_revision(request.user, code, revision_id, Perm.CATALOG_EDIT)
    try:
        service_revision_transition(actor=request.user, revision=revision, action="submit")
    except Conflict as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Sent to the Digital Office for publication."))
    return redirect("backoffice_catalog:revision", code=entity.code, revision_id=revision.pk)


@login_required
def review_queue(request):
    from manassa.accounts.selectors import require_platform_perm

    require_platform_perm(request.user, Perm.DIGITAL_OFFICE)
    return render(request, "catalog/review/queue.html", {"revisions": revisions_awaiting_review()})


@login_required
def review_detail(request, revision_id):
    revision = access_revision_for_review(request.user, revision_id)
    if request.method == "POST" and not has_platform_perm(request.user, Perm.CATALOG_PUBLISH):
        raise Forbidden()  # analysts may read the queue, not decide
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action", "")
        try:
            service_revision_transition(actor=request.user, revision=revision, action=action,
                                        comment=form.cleaned_data["comment"])
        except InvalidInput as exc:
            _form_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The service was published.") if action == "publish"
                             else _("The change was returned to the entity."))
            return redirect("digital_office_catalog:queue")
    return render(request, "catalog/review/detail.html", {
        "revision": revision, "changes": revision_changes(revision), "form": form,
        "actions": revision_actions_for(request.user, revision),
    })


@login_required
def synonym_list(request):
    from manassa.accounts.selectors import require_platform_perm
    from manassa.catalog.search.selectors import synonym_groups
    from manassa.catalog.search.services import synonym_group_create

    require_platform_perm(request.user, Perm.DIGITAL_OFFICE)
    can_edit = has_platform_perm(request.user, Perm.CATALOG_PUBLISH)
    form = SynonymForm(request.POST or None)
    if request.method == "POST":
        if not can_edit:
            raise Forbidden()
        if form.is_valid():
            try:
                synonym_group_create(actor=request.user, language=form.cleaned_data["language"],
                                     terms=form.cleaned_data["terms"], is_active=form.cleaned_data["is_active"])
            except InvalidInput as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("The synonym group was added. Searches use it at once."))
                return redirect("digital_office_catalog:synonyms")
    return render(request, "catalog/review/synonyms.html", {
        "groups": synonym_groups(), "form": form, "can_edit": can_edit,
    })


@login_required
def synonym_edit(request, synonym_id):
    from manassa.catalog.search.services import synonym_group_delete, synonym_group_update

    group = access_synonym_group(request.user, synonym_id)
    if request.method == "POST" and request.POST.get("delete"):
        synonym_group_delete(actor=request.user, synonym=group)
        messages.success(request, _("The synonym group was deleted."))
        return redirect("digital_office_catalog:synonyms")
    form = SynonymForm(request.POST or None, initial={
        "language": group.language, "terms": "\n".join(group.terms), "is_active": group.is_active,
    })
    if request.method == "POST" and form.is_valid():
        try:
            synonym_group_update(actor=request.user, synonym=group, language=form.cleaned_data["language"],
                                 terms=form.cleaned_data["terms"], is_active=form.cleaned_data["is_active"])
        except InvalidInput as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The synonym group was saved."))
            return redirect("digital_office_catalog:synonyms")
    return render(request, "catalog/review/synonym_edit.html", {"group": group, "form": form})
