"""Changing surveys: build, publish, close; answer once per person; invite applicants on completion."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from manassa.audit.services import audit_record
from manassa.core.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated, storable_text
from manassa.entities.models import Entity
from manassa.surveys.models import (
    CHOICE_KINDS,
    SURVEY_CODE,
    Answer,
    Option,
    Question,
    QuestionKind,
    Response,
    Survey,
    SurveyInvitation,
    SurveyStatus,
)
from manassa.surveys.selectors import (
    owner_services,
    respondent_hash,
    survey_can_edit,
    survey_is_open,
    survey_owner_choices,
    surveys_attached_to,
    today,
)

QUESTIONS_MAX = 50
OPTIONS_MAX = 20
SCALE_LOWEST, SCALE_HIGHEST, SCALE_STEPS_MAX = 0, 10, 11
TEXT_ANSWER_MAX = 4000
# Words the survey addresses use for pages of their own.
RESERVED_CODES = {"mine", "new"}
LENGTHS = {"title": 200, "intro": 2000, "text": 500, "label": 200, "end_label": 100}


class AlreadyAnswered(Conflict):
    code = "already_answered"
    default_message = gettext_lazy("You have already answered this survey. Thank you.")


class SurveyClosed(Conflict):
    code = "survey_closed"
    default_message = gettext_lazy("This survey is not open for answers.")


# --- building --------------------------------------------------------------------------------------------

class _Checker:
    """Collects every problem of a draft at once, keyed by the builder's box names (``q0-o1-label_en``)."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)

    def text(self, state: dict, key: str, box: str, *, limit: int, required: bool = True) -> str:
        value = (state.get(key) or "").strip()
        if required and not value:
            self.add(box, _("Fill this in."))
        elif len(value) > limit:
            self.add(box, _("Use at most %(limit)d characters.") % {"limit": limit})
        elif not storable_text(value):
            self.add(box, _("This text contains characters that cannot be stored."))
        return value

    def day(self, state: dict, key: str) -> date | None:
        value = (state.get(key) or "").strip()
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.add(key, _("Enter a date as year-month-day, for example 2026-03-31."))
            return None

    def whole(self, value: str, box: str) -> int | None:
        value = (value or "").strip()
        try:
            number = int(value)
        except ValueError:
            self.add(box, _("Enter a whole number from %(low)d to %(high)d.")
                     % {"low": SCALE_LOWEST, "high": SCALE_HIGHEST})
            return None
        if not SCALE_LOWEST <= number <= SCALE_HIGHEST:
            self.add(box, _("Enter a whole number from %(low)d to %(high)d.")
                     % {"low": SCALE_LOWEST, "high": SCALE_HIGHEST})
            return None
        return number


def _clean_draft(*, owner: Entity | None, state: dict, survey: Survey | None) -> tuple[dict, list, list]:
    """The survey's fields, its questions and its services from the builder's state; InvalidInput lists all errors."""
    check = _Checker()
    fields: dict[str, Any] = {}
    if survey is None:
        code = (state.get("code") or "").strip().lower()
        try:
            SURVEY_CODE(code)
        except Exception as exc:  # noqa: BLE001 — the validator's ValidationError carries the message
            check.add("code", " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            if code in RESERVED_CODES:
                check.add("code", _("This code is reserved; choose another."))
            elif Survey.objects.filter(code=code).exists():
                check.add("code", _("Another survey already has this code."))
        fields["code"] = code
    for lang in ("ar", "en"):
        fields[f"title_{lang}"] = check.text(state, f"title_{lang}", f"title_{lang}", limit=LENGTHS["title"])
        fields[f"intro_{lang}"] = check.text(state, f"intro_{lang}", f"intro_{lang}", limit=LENGTHS["intro"],
                                             required=False)
    fields["anonymous"] = bool(state.get("anonymous"))
    fields["by_link"] = bool(state.get("by_link"))
    fields["opens_on"] = check.day(state, "opens_on")
    fields["closes_on"] = check.day(state, "closes_on")
    if fields["opens_on"] and fields["closes_on"] and fields["opens_on"] > fields["closes_on"]:
        check.add("closes_on", _("The closing day must be on or after the opening day."))

    codes = [c.strip().upper() for c in state.get("services") or [] if c.strip()]
    allowed = {s.code: s for s in owner_services(owner).filter(code__in=codes)}
    for code in codes:
        if code not in allowed:
            check.add("services", _("%(code)s is not a service this survey may be attached to.") % {"code": code}
                      if owner is not None else _("No service has the code %(code)s.") % {"code": code})
    services = [allowed[c] for c in dict.fromkeys(codes) if c in allowed]

    questions = []
    rows = state.get("questions") or []
    if len(rows) > QUESTIONS_MAX:
        check.add("questions", _("A survey has at most %(limit)d questions.") % {"limit": QUESTIONS_MAX})
    for i, row in enumerate(rows[:QUESTIONS_MAX]):
        p = f"q{i}"
        kind = row.get("kind") or ""
        if kind not in QuestionKind.values:
            check.add(f"{p}-kind", _("Choose a type of question."))
        q: dict[str, Any] = {"position": i, "kind": kind, "required": bool(row.get("required")), "options": []}
        for lang in ("ar", "en"):
            q[f"text_{lang}"] = check.text(row, f"text_{lang}", f"{p}-text_{lang}", limit=LENGTHS["text"])
        if kind in CHOICE_KINDS:
            options = row.get("options") or []
            if len(options) > OPTIONS_MAX:
                check.add(p, _("A question has at most %(limit)d options.") % {"limit": OPTIONS_MAX})
            for j, option in enumerate(options[:OPTIONS_MAX]):
                q["options"].append({"position": j, **{
                    f"label_{lang}": check.text(option, f"label_{lang}", f"{p}-o{j}-label_{lang}",
                                                limit=LENGTHS["label"]) for lang in ("ar", "en")}})
        elif kind == QuestionKind.SCALE:
            low = check.whole(row.get("scale_min", ""), f"{p}-scale_min")
            high = check.whole(row.get("scale_max", ""), f"{p}-scale_max")
            if low is not None and high is not None and low >= high:
                check.add(f"{p}-scale_max", _("The highest value must be above the lowest."))
            q["scale_min"], q["scale_max"] = low, high
            for end in ("min", "max"):
                for lang in ("ar", "en"):
                    q[f"{end}_label_{lang}"] = check.text(row, f"{end}_label_{lang}", f"{p}-{end}_label_{lang}",
                                                          limit=LENGTHS["end_label"])
        questions.append(q)
    if check.errors:
        raise InvalidInput(_("The survey was not saved: correct the problems listed."), fields=check.errors)
    return fields, questions, services


def _write_questions(survey: Survey, questions: list[dict]) -> None:
    # A draft has no answers yet: its questions are written afresh on each save.
    survey.questions.all().delete()
    for q in questions:
        options = q.pop("options")
        question = Question.objects.create(survey=survey, **q)
        Option.objects.bulk_create(Option(question=question, **o) for o in options)


@transaction.atomic
def survey_create(*, actor, owner: Entity | None, state: dict) -> Survey:
    """A new draft survey of ``owner`` (an entity, or the Digital Office when None)."""
    if owner not in survey_owner_choices(actor):
        raise Forbidden()
    fields, questions, services = _clean_draft(owner=owner, state=state, survey=None)
    try:
        with transaction.atomic():
            survey = Survey.objects.create(entity=owner, created_by=actor, link_token=secrets.token_urlsafe(24),
                                           **fields)
    except IntegrityError as exc:  # the same code saved at the same moment by someone else
        raise InvalidInput(fields={"code": [_("Another survey already has this code.")]}) from exc
    survey.services.set(services)
    _write_questions(survey, questions)
    audit_record(actor=actor, action="survey.created", obj=survey, entity_code=owner.code if owner else "",
                 changes={"code": survey.code, "questions": len(questions)})
    return survey


def _locked(survey: Survey) -> Survey:
    return Survey.objects.select_for_update(of=("self",)).select_related("entity").get(pk=survey.pk)


@transaction.atomic
def survey_update(*, actor, survey: Survey, state: dict) -> Survey:
    """Save the draft's texts, settings, services and questions; a published survey's questions stay as they are."""
    survey = _locked(survey)
    if not survey_can_edit(actor, survey):
        raise Forbidden()
    if survey.status != SurveyStatus.DRAFT:
        raise Conflict(_("Only a draft survey can be changed."), code="survey_not_draft")
    fields, questions, services = _clean_draft(owner=survey.entity, state=state, survey=survey)
    for name, value in fields.items():
        setattr(survey, name, value)
    survey.save()
    survey.services.set(services)
    _write_questions(survey, questions)
    audit_record(actor=actor, action="survey.updated", obj=survey, entity_code=_entity_code(survey),
                 changes={"questions": len(questions), "services": [s.code for s in services]})
    return survey


def _entity_code(survey: Survey) -> str:
    return survey.entity.code if survey.entity_id else ""


def survey_publish_problems(survey: Survey) -> list[str]:
    """Why the survey cannot be published yet (nothing: it can)."""
    problems = []
    questions = list(survey.questions.prefetch_related("options"))
    if not questions:
        problems.append(_("Add at least one question."))
    for question in questions:
        if question.kind in CHOICE_KINDS and len(question.options.all()) < 2:
            problems.append(_("Question %(number)d needs at least two options.") % {"number": question.number})
    if not survey.by_link and not survey.services.exists():
        problems.append(_("Choose how people reach the survey: by its link, or attached to at least one service."))
    if survey.closes_on and survey.closes_on < today():
        problems.append(_("The closing day has passed."))
    return problems


@transaction.atomic
def survey_publish(*, actor, survey: Survey) -> Survey:
    survey = _locked(survey)
    if not survey_can_edit(actor, survey):
        raise Forbidden()
    if survey.status != SurveyStatus.DRAFT:
        raise Conflict(_("Only a draft survey can be published."), code="survey_not_draft")
    problems = survey_publish_problems(survey)
    if problems:
        raise InvalidInput(_("The survey cannot be published yet."), fields={"__all__": problems})
    survey.status = SurveyStatus.PUBLISHED
    survey.published_at = timezone.now()
    survey.save(update_fields=["status", "published_at", "updated_at"])
    audit_record(actor=actor, action="survey.published", obj=survey, entity_code=_entity_code(survey),
                 changes={"status": [SurveyStatus.DRAFT, SurveyStatus.PUBLISHED]})
    return survey


@transaction.atomic
def survey_close(*, actor, survey: Survey) -> Survey:
    survey = _locked(survey)
    if not survey_can_edit(actor, survey):
        raise Forbidden()
    if survey.status != SurveyStatus.PUBLISHED:
        raise Conflict(_("Only a published survey can be closed."), code="survey_not_published")
    survey.status = SurveyStatus.CLOSED
    survey.closed_at = timezone.now()
    survey.save(update_fields=["status", "closed_at", "updated_at"])
    audit_record(actor=actor, action="survey.closed", obj=survey, entity_code=_entity_code(survey),
                 changes={"status": [SurveyStatus.PUBLISHED, SurveyStatus.CLOSED]})
    return survey


# --- answering -----------------------------------------------------------------------------------------

def _clean_answers(questions: list[Question], posted: dict[str, list[str]]) -> list[Answer]:
    """The answers as rows (not saved); InvalidInput keyed ``q<position>`` with every problem."""
    errors: dict[str, list[str]] = {}
    rows: list[Answer] = []
    for question in questions:
        name = f"q{question.position}"
        values = [v.strip() for v in posted.get(name, []) if v and v.strip()]
        if not values:
            if question.required:
                errors[name] = [_("Choose at least one option.") if question.kind == QuestionKind.MULTIPLE
                                else _("Choose an answer.") if question.kind != QuestionKind.TEXT
                                else _("Write an answer.")]
            continue
        if question.kind in CHOICE_KINDS:
            ids = {str(o.pk): o for o in question.options.all()}
            if any(v not in ids for v in values) or (question.kind == QuestionKind.SINGLE and len(values) > 1):
                errors[name] = [_("Choose from the options shown.")]
                continue
            rows += [Answer(question=question, option=ids[v]) for v in dict.fromkeys(values)]
        elif question.kind == QuestionKind.SCALE:
            try:
                number = int(values[0])
            except ValueError:
                number = None
            if len(values) > 1 or number not in question.scale_values:
                errors[name] = [_("Choose a value from %(low)d to %(high)d.")
                                % {"low": question.scale_min, "high": question.scale_max}]
                continue
            rows.append(Answer(question=question, number=number))
        else:
            text = values[0].replace("\r\n", "\n")
            if len(text) > TEXT_ANSWER_MAX:
                errors[name] = [_("Keep your answer to %(limit)d characters or fewer.") % {"limit": TEXT_ANSWER_MAX}]
                continue
            if not storable_text(text):
                errors[name] = [_("Your answer contains characters that cannot be stored.")]
                continue
            rows.append(Answer(question=question, text=text))
    if errors:
        raise InvalidInput(_("Some answers need your attention."), fields=errors)
    return rows


@transaction.atomic
def survey_respond(*, actor, survey: Survey, posted: dict[str, list[str]]) -> Response:
    """Record one person's answers, once.

    ``actor`` is the signed-in person, or None for someone answering an
    anonymous survey without signing in (the view counts those per browser).
    An anonymous survey stores neither the person nor their request, and no
    audit event names them: only the keyed hash that stops a second response.
    """
    from manassa.surveys.selectors import survey_questions

    signed_in = actor is not None and actor.is_authenticated
    if not survey_is_open(survey):
        raise SurveyClosed()
    if not survey.anonymous and not signed_in:
        raise NotAuthenticated()
    who = respondent_hash(survey, actor) if signed_in else ""
    if who and Response.objects.filter(survey=survey, respondent_hash=who).exists():
        raise AlreadyAnswered()
    rows = _clean_answers(survey_questions(survey), posted)
    invitations = SurveyInvitation.objects.filter(survey=survey, user=actor) if signed_in else None
    application = None
    if signed_in and not survey.anonymous:
        invitation = invitations.select_related("application").filter(answered=False).first()
        application = invitation.application if invitation else None
    try:
        with transaction.atomic():
            response = Response.objects.create(
                survey=survey, respondent=None if survey.anonymous else actor, respondent_hash=who,
                application=application, submitted_on=today())
    except IntegrityError as exc:  # the same person answering in two tabs at once
        raise AlreadyAnswered() from exc
    for row in rows:
        row.response = response
    Answer.objects.bulk_create(rows)
    if invitations is not None:
        invitations.filter(answered=False).update(answered=True)
    if not survey.anonymous:
        audit_record(actor=actor, action="survey.answered", obj=response, entity_code=_entity_code(survey),
                     changes={"survey": survey.code})
    return response


# --- invitations -----------------------------------------------------------------------------------------

def survey_invitations_on_completion(event) -> None:
    """Domain-event subscriber: invite the applicant of a completed request to the service's surveys.

    Runs inside the transition's transaction (``core/events.py``), which
    already audits the completion; a withdrawn request invites no one.
    """
    if event.kind != "application.state_changed" or not event.data.get("closed"):
        return
    if event.data.get("outcome") not in ("approved", "rejected"):
        return
    application = event.subject
    for survey in surveys_attached_to(application.service_id):
        if survey.opens_on and survey.opens_on > today():
            continue
        SurveyInvitation.objects.get_or_create(survey=survey, application=application,
                                               defaults={"user_id": application.applicant_id})
