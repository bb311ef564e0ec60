"""Case handling in the back office (``/<lang>/backoffice/cases/``): the entity's staff, and the Digital
Office's triage. Every case is looked up through ``access_case`` (another entity's case is a 404)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from manassa.accounts.models import User
from manassa.accounts.permissions import Perm, has_entity_perm, has_platform_perm
from manassa.complaints.models import CaseKind, CaseState, Category
from manassa.complaints.selectors import (
    access_attachment,
    access_case,
    case_history,
    case_list,
    duplicate_candidates,
    is_digital_office,
    may_use_case_backoffice,
    triage_queue,
)
from manassa.complaints.services import (
    ACTIONS,
    actions_for,
    case_assign,
    case_merge,
    case_note_add,
    case_transfer,
    case_transition,
    is_case_staff,
    may_transfer,
)
from manassa.complaints.views_public import EVENT_TITLES
from manassa.core.downloads import file_response
from manassa.core.errors import ApplicationError, Forbidden
from manassa.entities.models import Entity, Membership


def _staff_only(request):
    if not may_use_case_backoffice(request.user):
        raise Forbidden()


def _message(exc: ApplicationError) -> str:
    return " ".join(str(m) for msgs in exc.fields.values() for m in msgs) or str(exc.message)


@login_required
def case_list_view(request):
    _staff_only(request)
    filters = {"state": request.GET.get("state", "open"), "kind": request.GET.get("kind", ""),
               "mine": request.GET.get("mine") == "1", "overdue": request.GET.get("overdue") == "1"}
    if filters["state"] not in ("", "open", *CaseState.values):
        filters["state"] = "open"
    if filters["kind"] not in ("", *CaseKind.values):
        filters["kind"] = ""
    cases = case_list(request.user, **filters)[:200]
    return render(request, "complaints/admin/list.html", {
        "cases": cases, "filters": filters, "states": CaseState.choices, "kinds": CaseKind.choices,
        "is_do": is_digital_office(request.user)})


@login_required
def triage(request):
    if not is_digital_office(request.user):
        raise Forbidden()
    return render(request, "complaints/admin/triage.html", {"cases": triage_queue()[:200]})


def _detail_context(request, case, **extra):
    user = request.user
    staff = is_case_staff(user, case)
    supervise = staff and has_entity_perm(user, case.entity_id, Perm.APPLICATIONS_SUPERVISE)
    colleagues = (Membership.objects.filter(entity_id=case.entity_id).select_related("user").order_by("user__email")
                  if supervise else [])
    return {
        "case": case, "staff": staff, "supervise": supervise, "colleagues": colleagues,
        "actions": actions_for(case, staff=True) if staff else [],
        "timeline": [{"event": e, "title": EVENT_TITLES.get(e.action, e.action)}
                     for e in case_history(case, internal=True)],
        "attachments": case.attachments.all(),
        "duplicates": duplicate_candidates(case) if staff else [],
        "may_transfer": may_transfer(user, case) and case.is_open,
        "may_note": staff or has_platform_perm(user, Perm.ENTITIES_MANAGE),
        "entities": Entity.objects.filter(is_active=True).order_by("code"),
        "categories": Category.objects.filter(is_active=True, entity__is_active=True).select_related("entity"),
        "errors": {}, **extra,
    }


@login_required
def case_detail(request, reference: str):
    case = access_case(request.user, reference)
    return render(request, "complaints/admin/case.html", _detail_context(request, case))


def _fail(request, case, key: str, exc: ApplicationError):
    context = _detail_context(request, case, errors={key: _message(exc)})
    return render(request, "complaints/admin/case.html", context, status=400)


@login_required
@require_POST
def case_act(request, reference: str):
    case = access_case(request.user, reference)
    action = request.POST.get("action", "")
    if not is_case_staff(request.user, case):
        raise Forbidden()
    if action not in ACTIONS or ACTIONS[action].by != "staff":
        return _fail(request, case, "action", ApplicationError(_("This action is not possible now.")))
    try:
        case_transition(actor=request.user, case=case, action=action, comment=request.POST.get("comment", ""),
                        expected_state=request.POST.get("state") or None)
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        return _fail(request, case, "action", exc)
    messages.success(request, _("Done: %(action)s.") % {"action": ACTIONS[action].label})
    return redirect("cases_admin:case", reference=case.reference)


@login_required
@require_POST
def case_assign_view(request, reference: str):
    case = access_case(request.user, reference)
    raw = request.POST.get("assignee", "me")
    if raw == "me":
        assignee = request.user
    elif raw == "":
        assignee = None
    else:
        assignee = User.objects.filter(pk=raw).first() if raw.isdigit() else None
        if assignee is None:
            return _fail(request, case, "assign", ApplicationError(_("Choose someone who works for this entity.")))
    try:
        case_assign(actor=request.user, case=case, assignee=assignee)
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        return _fail(request, case, "assign", exc)
    messages.success(request, _("The case was assigned."))
    return redirect("cases_admin:case", reference=case.reference)


@login_required
@require_POST
def case_note(request, reference: str):
    case = access_case(request.user, reference)
    try:
        case_note_add(actor=request.user, case=case, text=request.POST.get("text", ""))
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        return _fail(request, case, "note", exc)
    messages.success(request, _("The note was added."))
    return redirect("cases_admin:case", reference=case.reference)


@login_required
@require_POST
def case_transfer_view(request, reference: str):
    case = access_case(request.user, reference)
    if not may_transfer(request.user, case):
        raise Forbidden()
    entity = Entity.objects.filter(code=request.POST.get("entity", ""), is_active=True).first()
    category = Category.objects.filter(code=request.POST.get("category", "")).first() \
        if request.POST.get("category") else None
    try:
        case_transfer(actor=request.user, case=case, entity=entity, category=category,
                      reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        return _fail(request, case, "transfer", exc)
    messages.success(request, _("The case was sent to %(entity)s.") % {"entity": entity.name})
    if is_case_staff(request.user, case) or is_digital_office(request.user):
        return redirect("cases_admin:case", reference=case.reference)
    return redirect("cases_admin:list")


@login_required
@require_POST
def case_merge_view(request, reference: str):
    case = access_case(request.user, reference)
    if not is_case_staff(request.user, case):
        raise Forbidden()
    into = access_case(request.user, request.POST.get("into", "").strip()) if request.POST.get("into") else None
    if into is None:
        return _fail(request, case, "merge", ApplicationError(_("Choose the case to keep.")))
    try:
        case_merge(actor=request.user, duplicate=case, into=into)
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        return _fail(request, case, "merge", exc)
    messages.success(request, _("The case was merged into %(reference)s.") % {"reference": into.reference})
    return redirect("cases_admin:case", reference=into.reference)


@login_required
def attachment(request, reference: str, ref: str):
    case = access_case(request.user, reference)
    item = access_attachment(case, ref)
    return file_response(item.file, name=item.name, content_type=item.content_type,
                         inline=request.GET.get("download") != "1")
