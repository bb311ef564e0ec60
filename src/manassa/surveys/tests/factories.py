"""Surveys for tests: a ready survey with one question of each kind, and the permission matrix's surveys."""

from __future__ import annotations

from manassa.surveys.models import SurveyStatus
from manassa.surveys.services import survey_create, survey_publish

QUESTIONS = [
    {"kind": "single", "text_ar": "هل حصلت على ما طلبت؟", "text_en": "Did you get what you asked for?",
     "required": True, "options": [{"label_ar": "نعم", "label_en": "Yes"}, {"label_ar": "لا", "label_en": "No"}]},
    {"kind": "multiple", "text_ar": "ما الذي أعجبك؟", "text_en": "What did you like?", "required": False,
     "options": [{"label_ar": "السرعة", "label_en": "Speed"}, {"label_ar": "الوضوح", "label_en": "Clarity"},
                 {"label_ar": "اللطف", "label_en": "Courtesy"}]},
    {"kind": "scale", "text_ar": "ما مدى رضاك؟", "text_en": "How satisfied are you?", "required": True,
     "scale_min": "1", "scale_max": "5", "min_label_ar": "غير راضٍ", "min_label_en": "Unhappy",
     "max_label_ar": "راضٍ جداً", "max_label_en": "Very happy"},
    {"kind": "text", "text_ar": "ملاحظات أخرى", "text_en": "Anything else?", "required": False},
]


def survey_state(code: str = "satisfaction", **changes) -> dict:
    state = {"code": code, "title_ar": "استبيان الرضا", "title_en": "Satisfaction survey",
             "intro_ar": "", "intro_en": "", "anonymous": True, "by_link": True, "opens_on": "", "closes_on": "",
             "services": [], "questions": [dict(q, options=[dict(o) for o in q.get("options", [])])
                                            for q in QUESTIONS]}
    state.update(changes)
    return state


def make_survey(*, actor, owner, code: str = "satisfaction", publish: bool = True, **changes):
    survey = survey_create(actor=actor, owner=owner, state=survey_state(code, **changes))
    if publish:
        survey = survey_publish(actor=actor, survey=survey)
    return survey


def matrix_surveys(*, entity_a, entity_b) -> dict[str, str]:
    """The surveys the permission matrix's rows name: published and draft ones of ENT-A, ENT-B and the Digital Office.

    Made without an actor's permission check (``survey_create`` checks it), so by the bare model layer.
    """
    import secrets

    from manassa.surveys.models import Option, Question, Survey

    codes = {}
    for key, entity, status in (("matrix-a", entity_a, SurveyStatus.PUBLISHED),
                                ("matrix-b", entity_b, SurveyStatus.PUBLISHED),
                                ("matrix-a-draft", entity_a, SurveyStatus.DRAFT),
                                ("matrix-b-draft", entity_b, SurveyStatus.DRAFT),
                                ("matrix-do", None, SurveyStatus.PUBLISHED),
                                ("matrix-do-draft", None, SurveyStatus.DRAFT)):
        survey = Survey.objects.create(entity=entity, code=key, title_ar="استبيان", title_en="Survey",
                                       status=status, by_link=True, link_token=secrets.token_urlsafe(24))
        single = Question.objects.create(survey=survey, position=0, kind="single", text_ar="س", text_en="Q",
                                         required=True)
        Option.objects.bulk_create([Option(question=single, position=0, label_ar="نعم", label_en="Yes"),
                                    Option(question=single, position=1, label_ar="لا", label_en="No")])
        Question.objects.create(survey=survey, position=1, kind="text", text_ar="ملاحظات", text_en="Notes")
        codes[key] = key
    return codes
