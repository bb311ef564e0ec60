"""The resident's side of applying: form pages, check your answers, confirmation, my requests, request detail.

Views parse the request, call one selector or service and render; every
fetch is scoped to the signed-in person (404 for anyone else's draft or
request).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from manassa.applications.documents import (
    OTHER_DOCUMENT_TYPES,
    access_document,
    additional_document_add,
    answer_document_store,
    answer_documents,
    other_document_max_size,
    other_documents,
    unused_answer_documents_forget,
)
from manassa.applications.formdefs import (
    answers_apply_group_action,
    answers_as_input,
    answers_clean,
    answers_from_querydict,
    group_action_from_querydict,
    render_page,
    render_summary,
)
from manassa.applications.formdefs.answers import AnswerError
from manassa.applications.models import DocumentKind, Rating, RatingScore
from manassa.applications.selectors_customer import (
    access_own_draft,
    access_own_request,
    customer_actions,
    drafts_of,
    first_page_with_errors,
    form_of,
    last_request_comment,
    notices_of,
    pages_shown,
    requests_of,
    timeline_of,
    workflow_of,
)
from manassa.applications.services import (
    application_answers_save,
    application_rate,
    application_submit,
    application_transition,
    notices_mark_read,
)
from manassa.applications.workflow import TransitionNotAllowed
from manassa.core.downloads import file_response
from manassa.core.errors import InvalidInput
from manassa.core.files import EXTENSIONS
from manassa.core.i18n import pick
from manassa.payments.selectors import invoices_of_application

CHECK = "check"  # ?from=check: a "Change" link from "check your answers" returns there


def _crumbs(*items):
    """Breadcrumbs from (label, url) pairs; a third item True marks the label as data (a reference)."""
    return [{"label": item[0], "url": item[1], "literal": len(item) > 2 and item[2]} for item in items]


def _list_crumb():
    return (_("My requests"), reverse("requests:list"))


# --- form pages (a draft, or a submitted request waiting for the applicant) ----------------


def _form_page(request, application, page_key: str, *, page_url, after_last: str, before_first: str,
               editing_request: bool):
    definition = form_of(application)
    try:
        definition.page(page_key)
    except KeyError:
        raise Http404() from None
    stored = answers_as_input(definition, application.answers) if editing_request else dict(application.answers)
    values = stored
    errors = {}
    if request.method == "POST":
        posted = answers_from_querydict(definition, request.POST, page=page_key)
        upload_errors = _receive_files(request, application, definition, page_key, stored, posted)
        values = {**stored, **posted}
        action = group_action_from_querydict(definition, request.POST)
        if action is not None:
            values = answers_apply_group_action(definition, values, action)
        try:
            # What was typed is kept even when it has errors: nothing is lost when the person comes back.
            application = application_answers_save(actor=request.user, application=application,
                                                   answers=values if editing_request else
                                                   {k: values[k] for k in posted})
        except InvalidInput as exc:
            messages.error(request, exc.message)
            return redirect(before_first)
        unused_answer_documents_forget(application=application)
        if action is None:
            result = answers_clean(definition, values, page=page_key)
            if result.errors or upload_errors:
                # A file refused keeps the one given before (if any): show why, on the same page.
                errors = {**result.errors, **upload_errors}
            else:
                if request.GET.get("from") == CHECK:
                    return redirect(after_last)
                shown = result.pages_shown
                order = [p.key for p in definition.pages]
                later = [key for key in shown if order.index(key) > order.index(page_key)]
                return redirect(page_url(later[0]) if later else after_last)
    elif request.GET.get(CHECK):
        # Sent back from "check your answers" or from responding: show what needs correcting on this page.
        errors = answers_clean(definition, values, page=page_key).errors
    shown = pages_shown(application, definition, values)
    step = shown.index(page_key) + 1 if page_key in shown else None
    earlier = shown[:shown.index(page_key)] if page_key in shown else []
    back = page_url(earlier[-1]) if earlier else before_first
    if request.GET.get("from") == CHECK:
        back = after_last
    form_html = render_page(definition, page_key, values=values, errors=errors, request=request,
                            submit_label=_("Save and continue"))
    return render(request, "applications/customer/form_page.html", {
        "application": application,
        "title": pick(definition.page(page_key).title),
        "form_html": form_html,
        "has_errors": bool(errors),
        "step": step,
        "steps": len(shown),
        "back_url": back,
        "editing_request": editing_request,
        "breadcrumbs": _crumbs(_list_crumb(), (application.service.name, None)),
    })


def _receive_files(request, application, definition, page_key: str, stored: dict, posted: dict) -> dict:
    """Store the files sent with a page into ``posted`` (as their metadata); errors by path for refused ones.

    A file question with no new file keeps its earlier file (``<key>-clear``
    removes an optional one); group items keep theirs by position.
    """
    errors: dict[str, list[AnswerError]] = {}

    def receive(f, name: str, path: str):
        upload = request.FILES.get(name)
        if not upload:
            return None
        try:
            return answer_document_store(actor=request.user, application=application, field=f, path=path,
                                         upload=upload)
        except ValidationError as exc:
            errors[path] = [AnswerError(exc.code or "invalid", exc.message, exc.params)]
            return None

    for f in definition.page(page_key).fields:
        if f.type == "file":
            meta = receive(f, f.key, f.key)
            if meta is not None:
                posted[f.key] = meta
            elif request.POST.get(f"{f.key}-clear") and not f.required and f.key not in errors:
                posted[f.key] = None
        elif f.type == "group" and isinstance(posted.get(f.key), list):
            before = stored.get(f.key) if isinstance(stored.get(f.key), list) else []
            for index, item in enumerate(posted[f.key]):
                earlier = before[index] if index < len(before) and isinstance(before[index], dict) else {}
                for member in f.fields:
                    if member.type != "file":
                        continue
                    meta = receive(member, f"{f.key}-{index}-{member.key}", f"{f.key}[{index}].{member.key}")
                    if meta is not None:
                        item[member.key] = meta
                    elif earlier.get(member.key) is not None:
                        item[member.key] = earlier[member.key]
    return errors


@login_required
def draft_resume(request, pk: int):
    application = access_own_draft(request.user, pk)
    shown = pages_shown(application)
    return redirect("requests:draft_page", pk=application.pk, page_key=shown[0])


@login_required
def draft_page(request, pk: int, page_key: str):
    application = access_own_draft(request.user, pk)
    check_url = reverse("requests:draft_check", args=[application.pk])
    return _form_page(
        request, application, page_key,
        page_url=lambda key: reverse("requests:draft_page", args=[application.pk, key]),
        after_last=check_url,
        before_first=reverse("catalog:service_start", args=[application.service.slug]),
        editing_request=False,
    )


@login_required
def request_answers_page(request, reference: str, page_key: str):
    """Change the answers of a submitted request while the entity waits for the applicant."""
    application = access_own_request(request.user, reference)
    detail = reverse("requests:detail", args=[application.reference])
    if workflow_of(application).states[application.state].waiting_for != "customer":
        messages.error(request, _("This request can no longer be changed."))
        return redirect(detail)
    return _form_page(
        request, application, page_key,
        page_url=lambda key: reverse("requests:answers_page", args=[application.reference, key]),
        after_last=detail, before_first=detail, editing_request=True,
    )


# --- check your answers, submit, confirmation ----------------------------------------------


@login_required
def draft_check(request, pk: int):
    application = access_own_draft(request.user, pk)
    definition = form_of(application)
    if request.method == "POST":
        try:
            application = application_submit(actor=request.user, application=application)
        except InvalidInput as exc:
            page_key = first_page_with_errors(application, definition)
            if page_key is None:
                messages.error(request, exc.message)
                return redirect("requests:draft_check", pk=application.pk)
            messages.error(request, _("Some answers are missing or need correcting."))
            return redirect(reverse("requests:draft_page", args=[application.pk, page_key]) + f"?{CHECK}=1")
        return redirect("requests:submitted", reference=application.reference)
    values = answers_clean(definition, application.answers).values
    summary = render_summary(
        definition, values, request=request,
        change_url=lambda key: reverse("requests:draft_page", args=[application.pk, key]) + f"?from={CHECK}",
    )
    shown = pages_shown(application, definition)
    return render(request, "applications/customer/check.html", {
        "application": application,
        "summary": summary,
        "back_url": reverse("requests:draft_page", args=[application.pk, shown[-1]]),
        "breadcrumbs": _crumbs(_list_crumb(), (application.service.name, None)),
    })


@login_required
def submitted(request, reference: str):
    application = access_own_request(request.user, reference)
    return render(request, "applications/customer/submitted.html", {
        "application": application,
        "breadcrumbs": _crumbs(_list_crumb(), (application.reference, None, True)),
    })


# --- my requests and a request's page ------------------------------------------------------


@login_required
def request_list(request):
    return render(request, "applications/customer/list.html", {
        "rows": requests_of(request.user),
        "drafts": list(drafts_of(request.user)),
        "breadcrumbs": _crumbs((_("My requests"), None)),
    })


def _detail_context(request, application, **extra):
    workflow = workflow_of(application)
    state = workflow.states[application.state]
    waiting = state.waiting_for == "customer" and not state.terminal
    actions = customer_actions(workflow, application.state)
    first_page = pages_shown(application, form_of(application))[0] if waiting else None
    return {
        "application": application,
        "state": state,
        "state_label": pick(state.label),
        "waiting": waiting,
        "request_comment": last_request_comment(application) if waiting else "",
        "edit_url": reverse("requests:answers_page", args=[application.reference, first_page]) if first_page else "",
        "timeline": timeline_of(application, workflow),
        "actions": [{"key": a.key, "label": pick(a.label), "comment": a.comment} for a in actions],
        "notices": notices_of(request.user, application),
        "results": other_documents(application, DocumentKind.RESULT),
        "sent_documents": answer_documents(application) + other_documents(application, DocumentKind.ADDITIONAL),
        "document_types": ", ".join(EXTENSIONS[t].upper() for t in OTHER_DOCUMENT_TYPES),
        "document_max_size": other_document_max_size(),
        "rating": Rating.objects.filter(application=application).first() if application.closed_at else None,
        "rating_choices": RatingScore.choices,
        "invoice_rows": invoices_of_application(request.user, application),
        "breadcrumbs": _crumbs(_list_crumb(), (application.reference, None, True)),
        **extra,
    }


@login_required
def request_detail(request, reference: str):
    application = access_own_request(request.user, reference)
    context = _detail_context(request, application)
    context["unread"] = any(n.read_at is None for n in context["notices"])
    return render(request, "applications/customer/detail.html", context)


@login_required
def request_action(request, reference: str, action: str):
    """Confirm and take one of the applicant's workflow actions (respond, withdraw…)."""
    application = access_own_request(request.user, reference)
    workflow = workflow_of(application)
    found = next((a for a in customer_actions(workflow, application.state) if a.key == action), None)
    detail = reverse("requests:detail", args=[application.reference])
    if found is None:
        messages.error(request, str(TransitionNotAllowed.default_message))
        return redirect(detail)
    comment = request.POST.get("comment", "")[:4000] if request.method == "POST" else ""
    error, fix_url, status, comment_error = "", "", 200, False
    if request.method == "POST":
        try:
            application_transition(actor=request.user, application=application, action=found.key, comment=comment)
        except TransitionNotAllowed as exc:
            error, status = str(exc.message), 409
        except InvalidInput as exc:
            status = 400
            if "comment" in exc.fields:
                comment_error = True
                error = " ".join(str(m) for m in exc.fields["comment"])
            else:
                error = _("Some of your answers are missing or need correcting. Correct them, then send again.")
                page_key = first_page_with_errors(application, form_of(application))
                if page_key:
                    fix_url = reverse("requests:answers_page", args=[application.reference, page_key]) + f"?{CHECK}=1"
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": pick(found.label)})
            return redirect(detail)
    return render(request, "applications/customer/action.html", {
        "application": application,
        "action": {"key": found.key, "label": pick(found.label), "comment": found.comment},
        "final": workflow.states[found.target].terminal,
        "comment": comment,
        "comment_error": comment_error,
        "error": error,
        "fix_url": fix_url,
        "request_comment": last_request_comment(application),
        "detail_url": detail,
        "breadcrumbs": _crumbs(_list_crumb(), (application.reference, detail, True), (pick(found.label), None)),
    }, status=status)


# --- documents -------------------------------------------------------------------------------


@login_required
def draft_document(request, pk: int, ref: str):
    application = access_own_draft(request.user, pk)
    document = access_document(application, ref)
    return file_response(document.file, name=document.name, content_type=document.content_type,
                         inline=not request.GET.get("download"))


@login_required
def request_document(request, reference: str, ref: str):
    """A file of the person's own request: what they sent and what the entity issued."""
    application = access_own_request(request.user, reference)
    document = access_document(application, ref)
    return file_response(document.file, name=document.name, content_type=document.content_type,
                         inline=not request.GET.get("download"))


@login_required
@require_POST
def request_document_add(request, reference: str):
    """Add a document while the entity waits for the applicant."""
    application = access_own_request(request.user, reference)
    detail = reverse("requests:detail", args=[application.reference])
    upload = request.FILES.get("document")
    description = request.POST.get("description", "")
    error = ""
    if not upload:
        error = _("Choose a file to add.")
    else:
        try:
            additional_document_add(actor=request.user, application=application, upload=upload,
                                    description=description)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        except InvalidInput as exc:
            messages.error(request, exc.message)
            return redirect(detail)
    if error:
        context = _detail_context(request, application, document_error=error, document_description=description)
        return render(request, "applications/customer/detail.html", context, status=400)
    messages.success(request, _("The document was added."))
    return redirect(detail + "#documents")


@login_required
@require_POST
def notices_read(request, reference: str):
    application = access_own_request(request.user, reference)
    notices_mark_read(actor=request.user, application=application)
    return redirect(reverse("requests:detail", args=[application.reference]) + "#notices")



@login_required
@require_POST
def request_rate(request, reference: str):
    """The applicant's rating of a completed request: three faces and an optional comment."""
    application = access_own_request(request.user, reference)
    try:
        score = int(request.POST.get("score", ""))
    except ValueError:
        score = 0
    try:
        application_rate(actor=request.user, application=application, score=score,
                         comment=request.POST.get("comment", ""))
    except InvalidInput as exc:
        context = _detail_context(request, application, rating_error=" ".join(
            str(m) for msgs in exc.fields.values() for m in msgs) or str(exc.message),
            rating_comment=request.POST.get("comment", ""))
        return render(request, "applications/customer/detail.html", context, status=400)
    messages.success(request, _("Thank you for rating this service."))
    return redirect(reverse("requests:detail", args=[application.reference]) + "#rating")
