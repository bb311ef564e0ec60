"""Answering a survey: by its link or by invitation, once per person; a person's invitations."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from manassa.core.errors import InvalidInput, NotAuthenticated
from manassa.surveys.answering import answer_controls
from manassa.surveys.selectors import (
    invitations_for,
    survey_answered_by,
    survey_for_answering,
    survey_is_open,
    survey_questions,
)
from manassa.surveys.services import AlreadyAnswered, SurveyClosed, survey_respond

# People answering an anonymous survey without signing in are counted once per browser by this signed cookie.
COOKIE_SALT = "manassa.surveys.answered"
COOKIE_AGE = 365 * 24 * 3600


def _cookie_name(survey) -> str:
    return f"manassa_survey_{survey.pk}"


def _browser_answered(request, survey) -> bool:
    return request.get_signed_cookie(_cookie_name(survey), default="", salt=COOKIE_SALT) == survey.code


def _already(request, survey):
    return render(request, "surveys/already.html", {"survey": survey, "breadcrumbs": _crumbs(survey)})


def _crumbs(survey):
    return [{"label": survey.title}]


def survey_answer(request, code):
    survey = survey_for_answering(code=code, user=request.user, key=request.GET.get("key", ""))
    if not survey_is_open(survey):
        return render(request, "surveys/closed.html", {"survey": survey, "breadcrumbs": _crumbs(survey)})
    if not survey.anonymous and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.user.is_authenticated and survey_answered_by(survey, request.user):
        return _already(request, survey)
    if not request.user.is_authenticated and _browser_answered(request, survey):
        return _already(request, survey)
    questions = survey_questions(survey)
    errors = {}
    if request.method == "POST":
        posted = {name: request.POST.getlist(name) for name in request.POST if name.startswith("q")}
        actor = request.user if request.user.is_authenticated else None
        try:
            survey_respond(actor=actor, survey=survey, posted=posted)
        except InvalidInput as exc:
            errors = exc.fields
        except AlreadyAnswered:
            return _already(request, survey)
        except SurveyClosed:
            return render(request, "surveys/closed.html", {"survey": survey, "breadcrumbs": _crumbs(survey)})
        except NotAuthenticated:
            return redirect_to_login(request.get_full_path())
        else:
            response = redirect("surveys:thanks", code=survey.code)
            if actor is None:
                response.set_signed_cookie(_cookie_name(survey), survey.code, salt=COOKIE_SALT, max_age=COOKIE_AGE,
                                           httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
            return response
    controls = answer_controls(questions, request.POST if request.method == "POST" else None, errors)
    return render(request, "surveys/answer.html", {
        "survey": survey, "controls": controls, "errors": errors,
        "summary": [{"anchor": c.anchor, "text": f"{c.question.text}: {' '.join(c.errors)}"}
                    for c in controls if c.errors],
        "action": request.get_full_path(), "breadcrumbs": _crumbs(survey),
    }, status=400 if errors else 200)


def survey_thanks(request, code):
    return render(request, "surveys/thanks.html", {"breadcrumbs": [{"label": _("Thank you")}]})


@login_required
def my_invitations(request):
    invitations = [(i, survey_is_open(i.survey)) for i in invitations_for(request.user)]
    return render(request, "surveys/mine.html", {"invitations": invitations,
                                                 "breadcrumbs": [{"label": _("My surveys")}]})
