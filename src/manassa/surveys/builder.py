"""The survey builder's state: what the back-office form shows and posts back, without JavaScript.

The whole draft travels in the posted form (``title_ar``, ``q0-text_en``,
``q0-o1-label_ar`` …). "Add", "remove" and "move" are submit buttons
(``_op=add_option:q0``) that draw the builder again without saving, like the
form editor of services; only "Save" calls the service, which checks
everything at once and reports each problem against its box.
"""

from __future__ import annotations

import re
from typing import Any

from manassa.surveys.models import CHOICE_KINDS, QuestionKind, Survey
from manassa.surveys.services import OPTIONS_MAX, QUESTIONS_MAX

SURVEY_TEXT = ("code", "title_ar", "title_en", "intro_ar", "intro_en", "opens_on", "closes_on")
QUESTION_TEXT = ("kind", "text_ar", "text_en", "scale_min", "scale_max", "min_label_ar", "min_label_en",
                 "max_label_ar", "max_label_en")
OPTION_TEXT = ("label_ar", "label_en")
_OP = re.compile(r"^(add_question|refresh|save|(?:remove|up|down|add_option):q(\d+)|"
                 r"(?:remove_option|option_up|option_down):q(\d+)-o(\d+))$")


def blank_option() -> dict:
    return dict.fromkeys(OPTION_TEXT, "")


def blank_question(kind: str = QuestionKind.SINGLE) -> dict:
    question = {**dict.fromkeys(QUESTION_TEXT, ""), "kind": kind, "required": False, "options": []}
    return normalise_question(question)


def normalise_question(question: dict) -> dict:
    """Give a question what its type needs to be drawn: two option rows, a 1–5 scale."""
    if question["kind"] in CHOICE_KINDS and not question["options"]:
        question["options"] = [blank_option(), blank_option()]
    if question["kind"] == QuestionKind.SCALE and not (question["scale_min"] or question["scale_max"]):
        question["scale_min"], question["scale_max"] = "1", "5"
    return question


def blank_state() -> dict:
    return {**dict.fromkeys(SURVEY_TEXT, ""), "anonymous": True, "by_link": True, "services": [],
            "questions": [blank_question()]}


def state_from_survey(survey: Survey) -> dict:
    state: dict[str, Any] = {key: "" if getattr(survey, key) is None else str(getattr(survey, key))
                             for key in SURVEY_TEXT}
    state["anonymous"], state["by_link"] = survey.anonymous, survey.by_link
    state["services"] = list(survey.services.order_by("code").values_list("code", flat=True))
    state["questions"] = []
    for question in survey.questions.prefetch_related("options"):
        row = {key: "" if getattr(question, key) is None else str(getattr(question, key)) for key in QUESTION_TEXT}
        row["required"] = question.required
        row["options"] = [{key: getattr(o, key) for key in OPTION_TEXT} for o in question.options.all()]
        state["questions"].append(row)
    return state


def _count(data, name: str, limit: int) -> int:
    try:
        return max(0, min(int(data.get(name, 0)), limit))
    except (TypeError, ValueError):
        return 0


def _posted(data, name: str) -> str:
    return (data.get(name) or "").replace("\r\n", "\n")


def state_from_post(data) -> dict:
    state: dict[str, Any] = {key: _posted(data, key) for key in SURVEY_TEXT}
    state["anonymous"] = data.get("anonymous") == "on"
    state["by_link"] = data.get("by_link") == "on"
    codes = list(data.getlist("services"))
    codes += re.split(r"[\s,،]+", data.get("service_codes", ""))
    state["services"] = [c.strip().upper() for c in dict.fromkeys(codes) if c.strip()]
    state["questions"] = []
    # One more than the limit, so the service can say there are too many.
    for i in range(_count(data, "question-count", QUESTIONS_MAX + 1)):
        row = {key: _posted(data, f"q{i}-{key}") for key in QUESTION_TEXT}
        row["required"] = data.get(f"q{i}-required") == "on"
        row["options"] = [{key: _posted(data, f"q{i}-o{j}-{key}") for key in OPTION_TEXT}
                          for j in range(_count(data, f"q{i}-option-count", OPTIONS_MAX + 1))]
        if row["kind"] not in CHOICE_KINDS:
            row["options"] = []
        state["questions"].append(row)
    return state


def _swap(items: list, i: int, j: int) -> bool:
    if 0 <= i < len(items) and 0 <= j < len(items):
        items[i], items[j] = items[j], items[i]
        return True
    return False


def apply_op(state: dict, op: str) -> str | None:
    """Change the state for a builder button; returns the id of the box to focus next (None: stay)."""
    match = _OP.match(op or "")
    if not match:
        return None
    questions = state["questions"]
    verb = op.split(":")[0]
    if verb == "add_question":
        if len(questions) < QUESTIONS_MAX:
            questions.append(blank_question())
        return f"sb-q{len(questions) - 1}-text_ar"
    if match.group(2) is not None:
        i = int(match.group(2))
        if not 0 <= i < len(questions):
            return None
        if verb == "remove":
            del questions[i]
            return "sb-questions"
        if verb == "up" and _swap(questions, i, i - 1):
            return f"sb-q{i - 1}"
        if verb == "down" and _swap(questions, i, i + 1):
            return f"sb-q{i + 1}"
        if verb == "add_option" and len(questions[i]["options"]) < OPTIONS_MAX:
            questions[i]["options"].append(blank_option())
            return f"sb-q{i}-o{len(questions[i]['options']) - 1}-label_ar"
        return None
    if match.group(3) is not None:
        i, j = int(match.group(3)), int(match.group(4))
        if not 0 <= i < len(questions) or not 0 <= j < len(questions[i]["options"]):
            return None
        options = questions[i]["options"]
        if verb == "remove_option":
            del options[j]
            return f"sb-q{i}-options"
        if verb == "option_up" and _swap(options, j, j - 1):
            return f"sb-q{i}-o{j - 1}-label_ar"
        if verb == "option_down" and _swap(options, j, j + 1):
            return f"sb-q{i}-o{j + 1}-label_ar"
    return None
