"""The entity back office for applications: work queue, one application, supervisor's overview.

Views parse the request, look things up through scoped selectors (another
entity's application is a 404, also for POSTs), call one service and render.
Every POST ends in a redirect (with a message) unless a form must be shown
again with its errors.
"""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from manassa.accounts.permissions import Perm, has_entity_perm
from manassa.applications.documents import (
    EVENT_TITLES,
    OTHER_DOCUMENT_TYPES,
    access_document,
    answer_documents,
    other_document_max_size,
    other_documents,
    result_document_add,
)
from manassa.applications.formdefs.render import render_summary
from manassa.applications.models import Application, DocumentKind
from manassa.applications.selectors import QueueFilters, access_application, work_queue, workflow_of
from manassa.applications.selectors_backoffice import (
    access_staff_member,
    application_history,
    entity_overview,
    entity_staff,
    open_state_choices,
    queue_entities_for,
    queue_services_for,
    supervised_entities_for,
    workflows_for,
)
from manassa.applications.services import (
    application_assign,
    application_note_add,
    application_transition,
    roles_on,
)
from manassa.applications.workflow import TransitionNotAllowed
from manassa.core.downloads import file_response
from manassa.core.errors import Forbidden, InvalidInput, NotFound
from manassa.core.files import EXTENSIONS
from manassa.core.i18n import pick

# --- forms -------------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    entity = forms.ChoiceField(label=gettext_lazy("Entity"), required=False)
    service = forms.TypedChoiceField(label=gettext_lazy("Service"), required=False, coerce=int, empty_value=None)
    state = forms.ChoiceField(label=gettext_lazy("State"), required=False)
    assignee = forms.ChoiceField(label=gettext_lazy("Assigned to"), required=False, choices=[
        ("", gettext_lazy("Anyone")), ("me", gettext_lazy("Me")), ("unassigned", gettext_lazy("No one"))])
    sla = forms.ChoiceField(label=gettext_lazy("Deadline"), required=False, choices=[
        ("", gettext_lazy("Any")), ("overdue", gettext_lazy("Overdue")), ("on_time", gettext_lazy("On time"))])

    def __init__(self, data, *, entities, services, states):
        super().__init__(data, auto_id="filter-%s")
        self.fields["entity"].choices = [("", _("All my entities"))] + [(e.code, e.name) for e in entities]
        if len(entities) < 2:
            del self.fields["entity"]
        self.fields["service"].choices = [("", _("All services"))] + [(s.id, s.name) for s in services]
        self.fields["state"].choices = [("", _("Any open state"))] + [(k, pick(label)) for k, label in states]


class NoteForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Internal note"), max_length=4000,
                           help_text=gettext_lazy("Only the entity's staff see internal notes."),
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="note-%s", **kwargs)


class ActionForm(forms.Form):
    """One workflow action: its comment box (when the action takes one) and the state the page showed."""

    comment = forms.CharField(label=gettext_lazy("Comment"), required=False, max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, action, language_label, **kwargs):
        super().__init__(*args, auto_id=f"act-{action.key}-%s", **kwargs)
        self.action = action
        self.label = language_label
        field = self.fields["comment"]
        if action.comment == "none":
            del self.fields["comment"]
        elif action.comment == "required":
            field.required = True
            field.help_text = _("A comment is required for this action.")
        else:
            field.help_text = _("Optional.")


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(label=gettext_lazy("Assign to"), required=False)

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, auto_id="assign-%s", **kwargs)
        self.fields["assignee"].choices = [("", _("No one"))] + [
            (str(m.user_id), f"{m.user.name or m.user.email} ({m.get_role_display()})") for m in staff]


# --- helpers -----------------------------------------------------------------------------


def sla_countdown(due: datetime | None, now: datetime) -> dict | None:
    """"due in 3 h" / "overdue by 2 h" in clock time to the step's deadline (itself set in working time)."""
    if due is None:
        return None
    seconds = (due - now).total_seconds()
    overdue = seconds < 0
    minutes = int(abs(seconds) // 60)
    if minutes < 60:
        amount = ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    elif minutes < 48 * 60:
        hours = minutes // 60
        amount = ngettext("%(n)d h", "%(n)d h", hours) % {"n": hours}
    else:
        days = minutes // (24 * 60)
        amount = ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    text = (_("overdue by %(time)s") if overdue else _("due in %(time)s")) % {"time": amount}
    return {"text": text, "overdue": overdue}


def _state_label(workflow, key: str) -> str:
    state = workflow.states.get(key) if workflow else None
    return pick(state.label) if state else key


def _queue_url(request) -> str:
    """Back to the queue with the filters the person came from, if they came from it."""
    target = request.POST.get("next") or ""
    queue = reverse("workqueue:queue")
    if target.startswith(queue) and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return ""


def _with_reference(template: str, reference: str, **params) -> str:
    """A translated message naming a request, its reference marked as data (read left to right)."""
    values = {key: conditional_escape(value) for key, value in params.items()}
    values["reference"] = format_html('<span class="literal" dir="ltr">{}</span>', reference)
    return mark_safe(conditional_escape(template) % values)  # noqa: S308 (every part escaped above)


def _page(request, reference):
    return redirect("workqueue:application", reference=reference)


# --- the queue ---------------------------------------------------------------------------


@login_required
def queue(request):
    entities = queue_entities_for(request.user)
    if not entities:
        raise Forbidden()
    workflows = workflows_for(request.user)
    form = QueueFilterForm(request.GET or None, entities=entities, services=queue_services_for(request.user),
                           states=open_state_choices(workflows))
    data = form.cleaned_data if form.is_valid() else {}
    entity_ids = None
    if data.get("entity"):
        entity_ids = tuple(e.id for e in entities if e.code == data["entity"])
    now = timezone.now()
    filters = QueueFilters(
        entity_ids=entity_ids, service_id=data.get("service"), state=data.get("state") or None,
        assignee_id=request.user.pk if data.get("assignee") == "me" else None,
        unassigned=data.get("assignee") == "unassigned",
        breached={"overdue": True, "on_time": False}.get(data.get("sla") or ""),
    )
    cursor = request.GET.get("cursor") or None
    page = work_queue(request.user, filters, cursor=cursor, now=now)
    rows = [{
        "application": app,
        "state_label": _state_label(workflows.get(app.workflow_id), app.state),
        "countdown": sla_countdown(app.state_due_at, now),
        "mine": app.assignee_id == request.user.pk,
    } for app in page.items]
    return render(request, "applications/backoffice/queue.html", {
        "form": form, "rows": rows, "next_cursor": page.next_cursor, "cursor": cursor,
        "filtered": any(v not in (None, "") for v in data.values()),
        "can_overview": bool(supervised_entities_for(request.user)),
        "here": request.get_full_path(),
        "breadcrumbs": [{"label": _("Back office"), "url": reverse("backoffice:home")},
                        {"label": _("Work queue")}],
    })


@login_required
@require_POST
def claim(request, reference):
    application = access_application(request.user, reference)
    if application.assignee_id == request.user.pk:
        messages.info(request, _("This request is already assigned to you."))
    else:
        try:
            application_assign(actor=request.user, application=application, assignee=request.user)
        except InvalidInput as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _with_reference(_("Request %(reference)s is now assigned to you."), reference))
    return redirect(_queue_url(request) or reverse("workqueue:application", kwargs={"reference": reference}))


# --- one application -----------------------------------------------------------------------


def _detail(request, application: Application, *, note_form=None, failed_action=None, assign_form=None,
            status=200, result_error="", result_description=""):
    user = request.user
    workflow = workflow_of(application)
    supervises = has_entity_perm(user, application.entity_id, Perm.APPLICATIONS_SUPERVISE)
    now = timezone.now()
    action_forms = []
    for action in workflow.available_actions(application.state, roles_on(user, application)):
        if failed_action is not None and failed_action.action.key == action.key:
            action_forms.append(failed_action)
        else:
            action_forms.append(ActionForm(action=action, language_label=pick(action.label)))
    staff = list(entity_staff(entity_id=application.entity_id)) if supervises else []
    if staff and assign_form is None:
        assign_form = AssignForm(staff=staff, initial={"assignee": str(application.assignee_id or "")})
    events = []
    for event in application_history(application=application):
        if event.action == "submit":
            label = _("Request submitted")
        elif event.action == "note":
            label = _("Internal note")
        elif event.action in EVENT_TITLES:
            label = str(EVENT_TITLES[event.action])
        else:
            found = workflow.actions.get(event.action)
            label = pick(found.label) if found else event.action
        events.append({"event": event, "label": label,
                       "to_label": _state_label(workflow, event.to_state) if event.to_state else ""})
    return render(request, "applications/backoffice/application.html", {
        "application": application,
        "state_label": _state_label(workflow, application.state),
        "closed": workflow.states[application.state].terminal if application.state in workflow.states else False,
        "countdown": sla_countdown(application.state_due_at, now),
        "summary": render_summary(application.form.definition, application.answers, request=request),
        "events": events,
        "action_forms": action_forms,
        "note_form": note_form or NoteForm(),
        "assign_form": assign_form if supervises else None,
        "can_claim": application.assignee_id != user.pk and application.closed_at is None,
        "answer_documents": answer_documents(application),
        "added_documents": other_documents(application, DocumentKind.ADDITIONAL),
        "results": other_documents(application, DocumentKind.RESULT),
        "result_error": result_error,
        "result_description": result_description,
        "result_types": ", ".join(EXTENSIONS[t].upper() for t in OTHER_DOCUMENT_TYPES),
        "result_max_size": other_document_max_size(),
        "breadcrumbs": [{"label": _("Back office"), "url": reverse("backoffice:home")},
                        {"label": _("Work queue"), "url": reverse("workqueue:queue")},
                        {"label": application.reference, "literal": True}],
    }, status=status)


@login_required
def application_detail(request, reference):
    application = access_application(request.user, reference)
    return _detail(request, application)


@login_required
@require_POST
def transition(request, reference):
    application = access_application(request.user, reference)
    workflow = workflow_of(application)
    key = request.POST.get("action", "")
    stale = request.POST.get("state", "") != application.state
    action = workflow.actions.get(key)
    if action is None or stale or action not in workflow.available_actions(application.state,
                                                                            roles_on(request.user, application)):
        # Someone else moved the request since the page was drawn (or the action was never possible).
        messages.error(request, TransitionNotAllowed.default_message)
        return _page(request, reference)
    form = ActionForm(request.POST, action=action, language_label=pick(action.label))
    if not form.is_valid():
        return _detail(request, application, failed_action=form)
    try:
        application_transition(actor=request.user, application=application, action=key,
                               comment=form.cleaned_data.get("comment", ""), expected_state=request.POST["state"])
    except TransitionNotAllowed as exc:
        messages.error(request, str(exc.message))
        return _page(request, reference)
    except InvalidInput as exc:
        for field, errors in exc.fields.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
        if not exc.fields:
            form.add_error(None, str(exc.message))
        return _detail(request, application, failed_action=form)
    messages.success(request, _("Done: %(action)s.") % {"action": pick(action.label)})
    return _page(request, reference)


@login_required
def document(request, reference, ref):
    """A file of the request, shown in the page (PDF and images) or downloaded (``?download=1``)."""
    application = access_application(request.user, reference)
    found = access_document(application, ref)
    return file_response(found.file, name=found.name, content_type=found.content_type,
                         inline=not request.GET.get("download"))


@login_required
@require_POST
def result_add(request, reference):
    """Give the applicant a result document (a permit, a letter)."""
    application = access_application(request.user, reference)
    upload = request.FILES.get("document")
    description = request.POST.get("description", "")
    if not upload:
        return _detail(request, application, result_error=_("Choose a file to add."),
                       result_description=description, status=400)
    try:
        result_document_add(actor=request.user, application=application, upload=upload, description=description)
    except ValidationError as exc:
        return _detail(request, application, result_error=" ".join(exc.messages), result_description=description,
                       status=400)
    except InvalidInput as exc:
        return _detail(request, application, result_error=str(exc.message), result_description=description,
                       status=400)
    messages.success(request, _("The result was added and the applicant was told."))
    return redirect(reverse("workqueue:application", args=[application.reference]) + "#documents")


@login_required
@require_POST
def note(request, reference):
    application = access_application(request.user, reference)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            application_note_add(actor=request.user, application=application, text=form.cleaned_data["text"])
        except InvalidInput as exc:
            for errors in exc.fields.values():
                for error in errors:
                    form.add_error("text", error)
        else:
            messages.success(request, _("The internal note was added."))
            return _page(request, reference)
    return _detail(request, application, note_form=form)


@login_required
@require_POST
def assign(request, reference):
    application = access_application(request.user, reference)
    if not has_entity_perm(request.user, application.entity_id, Perm.APPLICATIONS_SUPERVISE):
        raise Forbidden()  # officers claim requests for themselves only
    staff = list(entity_staff(entity_id=application.entity_id))
    form = AssignForm(request.POST, staff=staff)
    if not form.is_valid():
        return _detail(request, application, assign_form=form)
    chosen = form.cleaned_data["assignee"]
    member = access_staff_member(entity_id=application.entity_id, user_id=chosen) if chosen else None
    try:
        application_assign(actor=request.user, application=application, assignee=member.user if member else None)
    except InvalidInput as exc:
        for errors in exc.fields.values():
            for error in errors:
                form.add_error("assignee", error)
        return _detail(request, application, assign_form=form)
    if member:
        messages.success(request, _with_reference(_("Request %(reference)s is now assigned to %(name)s."), reference,
                                                  name=member.user.name or member.user.email))
    else:
        messages.success(request, _with_reference(_("Request %(reference)s is no longer assigned."), reference))
    return _page(request, reference)


# --- supervisor's overview -----------------------------------------------------------------


@login_required
def overview(request):
    entities = supervised_entities_for(request.user)
    if not entities:
        raise Forbidden()
    code = request.GET.get("entity")
    entity = next((e for e in entities if e.code == code), None) if code else entities[0]
    if entity is None:
        raise NotFound()
    now = timezone.now()
    data = entity_overview(request.user, entity=entity, now=now)
    return render(request, "applications/backoffice/overview.html", {
        "overview": data,
        "entities": entities,
        "by_state": [(pick(data.labels[k]) if k in data.labels else k, n) for k, n in data.by_state],
        "breached": [{"application": app, "state_label": pick(data.labels[app.state]) if app.state in data.labels
                      else app.state, "countdown": sla_countdown(app.state_due_at, now)} for app in data.breached],
        "total": sum(n for _k, n in data.by_state),
        "breadcrumbs": [{"label": _("Back office"), "url": reverse("backoffice:home")},
                        {"label": _("Work queue"), "url": reverse("workqueue:queue")},
                        {"label": _("Overview")}],
    })
