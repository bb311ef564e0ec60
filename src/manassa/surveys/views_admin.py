"""Back-office survey pages: list, builder, preview, publish and close, results and their CSV."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from manassa.core.errors import Conflict, Forbidden, InvalidInput
from manassa.surveys import builder
from manassa.surveys.answering import answer_controls
from manassa.surveys.models import CHOICE_KINDS, QuestionKind, SurveyStatus
from manassa.surveys.selectors import (
    access_survey,
    owner_services,
    survey_can_edit,
    survey_csv_lines,
    survey_owner_choices,
    survey_questions,
    survey_results,
    survey_staff_check,
    surveys_for,
    text_answers,
)
from manassa.surveys.services import (
    survey_close,
    survey_create,
    survey_publish,
    survey_publish_problems,
    survey_update,
)

KIND_CHOICES = [(k.value, k.label) for k in QuestionKind]
TEXT_PAGE_SIZE = 20


def _owner_value(owner) -> str:
    return owner.code if owner is not None else "do"


@login_required
def survey_list(request):
    survey_staff_check(request.user)
    surveys = list(surveys_for(request.user))
    return render(request, "surveys/admin/list.html", {
        "surveys": surveys, "can_create": bool(survey_owner_choices(request.user)),
        "breadcrumbs": [{"label": _("Surveys")}],
    })


def _box_label(key: str) -> str:
    """The name of a builder box, for the list of problems at the top of the page."""
    names = {
        "code": _("Code"), "title_ar": _("Title in Arabic"), "title_en": _("Title in English"),
        "intro_ar": _("Introduction in Arabic"), "intro_en": _("Introduction in English"),
        "opens_on": _("Opens on"), "closes_on": _("Closes on"), "services": _("Services"),
        "questions": _("Questions"), "kind": _("Type"), "text_ar": _("Question in Arabic"),
        "text_en": _("Question in English"), "scale_min": _("Lowest value"), "scale_max": _("Highest value"),
        "min_label_ar": _("Label of the lowest value in Arabic"),
        "min_label_en": _("Label of the lowest value in English"),
        "max_label_ar": _("Label of the highest value in Arabic"),
        "max_label_en": _("Label of the highest value in English"),
        "label_ar": _("Arabic label"), "label_en": _("English label"),
    }
    parts = key.split("-")
    if not parts[0].startswith("q") or not parts[0][1:].isdigit():
        return names.get(key, key)
    label = _("Question %(number)d") % {"number": int(parts[0][1:]) + 1}
    if len(parts) == 3:
        label += " — " + _("option %(number)d") % {"number": int(parts[1][1:]) + 1}
    return label + (" — " + names.get(parts[-1], parts[-1]) if len(parts) > 1 else "")


def _builder(request, *, survey, owner, state, errors, focus=None, owners=None):
    questions = []
    count = len(state["questions"])
    for i, q in enumerate(state["questions"]):
        builder.normalise_question(q)
        prefix = f"q{i}"
        options = [{"prefix": f"{prefix}-o{j}", "number": j + 1, **o, "can_up": j > 0,
                    "can_down": j < len(q["options"]) - 1,
                    "errors": {k: errors.get(f"{prefix}-o{j}-{k}", []) for k in builder.OPTION_TEXT}}
                   for j, o in enumerate(q["options"])]
        questions.append({
            "prefix": prefix, "number": i + 1, "state": q, "options": options, "can_up": i > 0,
            "can_down": i < count - 1, "is_choice": q["kind"] in CHOICE_KINDS, "is_scale": q["kind"] == "scale",
            "own_errors": errors.get(prefix, []),
            "errors": {k: errors.get(f"{prefix}-{k}", []) for k in (*builder.QUESTION_TEXT, "required")},
        })
    summary = [{"anchor": f"sb-{key}", "text": f"{_box_label(key)}: {message}"}
               for key, messages_ in errors.items() for message in messages_]
    services = list(owner_services(owner).only("code", "name_ar", "name_en")) if owner is not None else []
    return render(request, "surveys/admin/builder.html", {
        "survey": survey, "owner": owner, "owners": [(_owner_value(o), o) for o in owners or []],
        "owner_value": _owner_value(owner), "state": state, "questions": questions, "errors": errors,
        "summary": summary, "focus": focus, "kind_choices": KIND_CHOICES, "entity_services": services,
        "service_codes": ", ".join(state["services"]),
        "breadcrumbs": [{"label": _("Surveys"), "url": reverse("surveys_admin:list")},
                        *([{"label": survey.code, "literal": True,
                            "url": reverse("surveys_admin:detail", args=[survey.code])}] if survey else []),
                        {"label": _("Edit the survey") if survey else _("New survey")}],
    }, status=400 if errors else 200)


def _handle_builder_post(request, *, survey, owner, owners=None):
    state = builder.state_from_post(request.POST)
    op = request.POST.get("_op", "save")
    if op != "save":
        focus = builder.apply_op(state, op)
        return _builder(request, survey=survey, owner=owner, state=state, errors={}, focus=focus, owners=owners)
    try:
        if survey is None:
            survey = survey_create(actor=request.user, owner=owner, state=state)
        else:
            survey = survey_update(actor=request.user, survey=survey, state=state)
    except InvalidInput as exc:
        return _builder(request, survey=survey, owner=owner, state=state, errors=exc.fields, owners=owners,
                        focus="sb-error-summary")
    except Conflict as exc:
        messages.error(request, str(exc.message))
        return redirect("surveys_admin:detail", code=survey.code)
    messages.success(request, _("The survey was saved."))
    return redirect("surveys_admin:detail", code=survey.code)


@login_required
def survey_new(request):
    survey_staff_check(request.user)
    owners = survey_owner_choices(request.user)
    if not owners:
        raise Forbidden()
    wanted = request.POST.get("owner") or request.GET.get("owner") or _owner_value(owners[0])
    owner = next((o for o in owners if _owner_value(o) == wanted), False)
    if owner is False:
        raise Http404()  # an owner not offered: another entity, or the Digital Office for an entity admin
    if request.method == "POST" and request.POST.get("_op") != "change_owner":
        return _handle_builder_post(request, survey=None, owner=owner, owners=owners)
    state = builder.state_from_post(request.POST) if request.method == "POST" else builder.blank_state()
    return _builder(request, survey=None, owner=owner, state=state, errors={}, owners=owners)


@login_required
def survey_edit(request, code):
    survey = access_survey(request.user, code, edit=True)
    if survey.status != SurveyStatus.DRAFT:
        messages.error(request, _("Only a draft survey can be changed."))
        return redirect("surveys_admin:detail", code=survey.code)
    if request.method == "POST":
        return _handle_builder_post(request, survey=survey, owner=survey.entity)
    return _builder(request, survey=survey, owner=survey.entity, state=builder.state_from_survey(survey), errors={})


@login_required
def survey_detail(request, code):
    survey = access_survey(request.user, code)
    can_edit = survey_can_edit(request.user, survey)
    link = None
    if survey.by_link and survey.status != SurveyStatus.DRAFT:
        link = request.build_absolute_uri(reverse("surveys:answer", args=[survey.code])) + f"?key={survey.link_token}"
    return render(request, "surveys/admin/detail.html", {
        "survey": survey, "can_edit": can_edit, "link": link,
        "questions": survey_questions(survey), "services": survey.services.order_by("code"),
        "problems": survey_publish_problems(survey) if survey.status == SurveyStatus.DRAFT else [],
        "response_count": survey.responses.count(),
        "breadcrumbs": [{"label": _("Surveys"), "url": reverse("surveys_admin:list")},
                        {"label": survey.code, "literal": True}],
    })


@login_required
def survey_preview(request, code):
    survey = access_survey(request.user, code)
    return render(request, "surveys/admin/preview.html", {
        "survey": survey, "controls": answer_controls(survey_questions(survey)),
        "breadcrumbs": [{"label": _("Surveys"), "url": reverse("surveys_admin:list")},
                        {"label": survey.code, "literal": True,
                         "url": reverse("surveys_admin:detail", args=[survey.code])},
                        {"label": _("Preview")}],
    })


@login_required
@require_POST
def survey_publish_view(request, code):
    survey = access_survey(request.user, code, edit=True)
    try:
        survey_publish(actor=request.user, survey=survey)
    except InvalidInput as exc:
        for problem in exc.fields.get("__all__", [str(exc.message)]):
            messages.error(request, problem)
    except Conflict as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The survey was published."))
    return redirect("surveys_admin:detail", code=survey.code)


@login_required
@require_POST
def survey_close_view(request, code):
    survey = access_survey(request.user, code, edit=True)
    try:
        survey_close(actor=request.user, survey=survey)
    except Conflict as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The survey was closed: it takes no more answers."))
    return redirect("surveys_admin:detail", code=survey.code)


@login_required
def survey_results_view(request, code):
    survey = access_survey(request.user, code)
    return render(request, "surveys/admin/results.html", {
        "survey": survey, "results": survey_results(survey),
        "breadcrumbs": [{"label": _("Surveys"), "url": reverse("surveys_admin:list")},
                        {"label": survey.code, "literal": True,
                         "url": reverse("surveys_admin:detail", args=[survey.code])},
                        {"label": _("Results")}],
    })


@login_required
def survey_text_answers(request, code, number):
    survey = access_survey(request.user, code)
    question = survey.questions.filter(position=number - 1, kind=QuestionKind.TEXT).first()
    if question is None:
        raise Http404()
    page = Paginator(text_answers(question), TEXT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "surveys/admin/text_answers.html", {
        "survey": survey, "question": question, "page_obj": page,
        "breadcrumbs": [{"label": _("Surveys"), "url": reverse("surveys_admin:list")},
                        {"label": survey.code, "literal": True,
                         "url": reverse("surveys_admin:detail", args=[survey.code])},
                        {"label": _("Results"), "url": reverse("surveys_admin:results", args=[survey.code])},
                        {"label": _("Question %(number)d") % {"number": question.number}}],
    })


@login_required
def survey_export(request, code):
    survey = access_survey(request.user, code)
    response = StreamingHttpResponse(survey_csv_lines(survey), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="survey-{survey.code}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response
