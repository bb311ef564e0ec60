"""Reading surveys: who may see or change which survey, results, the CSV export, a person's invitations."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from itertools import chain

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from manassa.accounts.permissions import Perm, entity_ids_with, has_entity_perm, has_platform_perm
from manassa.core.csv_export import csv_line
from manassa.core.errors import Forbidden, NotAuthenticated, NotFound
from manassa.entities.models import Entity
from manassa.surveys.models import (
    Answer,
    Option,
    Question,
    QuestionKind,
    Response,
    Survey,
    SurveyInvitation,
    SurveyStatus,
)

# The permissions that govern surveys, named once here (see docs/surveys.md):
# entity staff read their entity's surveys, its service owners (admins) build them;
# the Digital Office reads every survey and its administrators build the Digital Office's own.
READ_ENTITY = Perm.BACKOFFICE
EDIT_ENTITY = Perm.CATALOG_EDIT
READ_ALL = Perm.DIGITAL_OFFICE
EDIT_DIGITAL_OFFICE = Perm.CATALOG_PUBLISH


# --- staff access ------------------------------------------------------------------------------------

def survey_can_read(user, survey: Survey) -> bool:
    if has_platform_perm(user, READ_ALL):
        return True
    return survey.entity_id is not None and survey.entity.is_active and has_entity_perm(
        user, survey.entity_id, READ_ENTITY)


def survey_can_edit(user, survey: Survey) -> bool:
    if survey.entity_id is None:
        return has_platform_perm(user, EDIT_DIGITAL_OFFICE)
    return survey.entity.is_active and has_entity_perm(user, survey.entity_id, EDIT_ENTITY)


def survey_staff_check(user) -> None:
    """401 for a visitor, 403 for a signed-in person who reads no survey at all."""
    if not user.is_authenticated:
        raise NotAuthenticated()
    if not (has_platform_perm(user, READ_ALL) or entity_ids_with(user, READ_ENTITY)):
        raise Forbidden()


def surveys_for(user) -> QuerySet[Survey]:
    """Every survey ``user`` may read: their entities' surveys, or all of them for the Digital Office."""
    surveys = Survey.objects.select_related("entity").annotate(response_count=Count("responses"))
    if has_platform_perm(user, READ_ALL):
        return surveys
    return surveys.filter(entity_id__in=entity_ids_with(user, READ_ENTITY), entity__is_active=True)


def access_survey(user, code: str, *, edit: bool = False) -> Survey:
    """The survey ``code`` if ``user`` may read it (and change it, with ``edit``).

    Missing and "another entity's" are the same 404; a reader asking to change
    a survey they can read gets 403.
    """
    survey = Survey.objects.select_related("entity").filter(code=code).first()
    if survey is None or not survey_can_read(user, survey):
        raise NotFound()
    if edit and not survey_can_edit(user, survey):
        raise Forbidden()
    return survey


def survey_owner_choices(user) -> list[Entity | None]:
    """Who ``user`` may create surveys for: their entities (as service owner) and the Digital Office (None)."""
    owners: list[Entity | None] = list(Entity.objects.filter(id__in=entity_ids_with(user, EDIT_ENTITY),
                                                             is_active=True).order_by("code"))
    if has_platform_perm(user, EDIT_DIGITAL_OFFICE):
        owners.insert(0, None)
    return owners


def survey_questions(survey: Survey) -> list[Question]:
    return list(survey.questions.prefetch_related(Prefetch("options", queryset=Option.objects.order_by("position"))))


def owner_services(entity: Entity | None):
    """The services a survey of this owner may be attached to (the Digital Office's: any, given by code)."""
    from manassa.catalog.models import Service

    services = Service.objects.order_by("code")
    return services.filter(entity=entity) if entity is not None else services


# --- answering -----------------------------------------------------------------------------------------

def today() -> date:
    return timezone.localdate()


def survey_is_open(survey: Survey, *, on: date | None = None) -> bool:
    on = on or today()
    return (survey.status == SurveyStatus.PUBLISHED
            and (survey.opens_on is None or survey.opens_on <= on)
            and (survey.closes_on is None or on <= survey.closes_on))


def respondent_hash(survey: Survey, user) -> str:
    """Who answered, as a value that is the same each time but says nothing without the site's secret key.

    Keyed by the survey too, so the hashes of one person in two surveys cannot be matched.
    """
    return salted_hmac("manassa.surveys.respondent", f"{survey.pk}:{user.pk}", algorithm="sha256").hexdigest()


def survey_answered_by(survey: Survey, user) -> bool:
    return Response.objects.filter(survey=survey, respondent_hash=respondent_hash(survey, user)).exists()


def survey_for_answering(*, code: str, user, key: str = "") -> Survey:
    """The published (or closed) survey ``code`` if this person may open it: with its link's key, or invited.

    Drafts, wrong keys and surveys the person was not invited to are the same 404.
    """
    survey = Survey.objects.select_related("entity").filter(
        code=code, status__in=[SurveyStatus.PUBLISHED, SurveyStatus.CLOSED]).first()
    if survey is None:
        raise NotFound()
    if survey.by_link and key and _same(key, survey.link_token):
        return survey
    if user.is_authenticated and SurveyInvitation.objects.filter(survey=survey, user=user).exists():
        return survey
    raise NotFound()


def _same(a: str, b: str) -> bool:
    from django.utils.crypto import constant_time_compare

    return constant_time_compare(a, b)


def invitations_for(user) -> QuerySet[SurveyInvitation]:
    """A person's invitations, the ones still to answer first."""
    return (SurveyInvitation.objects.filter(user=user, survey__status=SurveyStatus.PUBLISHED)
            .select_related("survey", "application", "application__service")
            .order_by("answered", "-created_at", "-id"))


def pending_invitations(user, *, application=None) -> list[SurveyInvitation]:
    """Invitations still to answer in open surveys (for a request's page: ``application``)."""
    invitations = invitations_for(user).filter(answered=False)
    if application is not None:
        invitations = invitations.filter(application=application)
    return [i for i in invitations if survey_is_open(i.survey)]


# --- results -------------------------------------------------------------------------------------------

def _percent(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal("0.0")
    return (Decimal(part * 100) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Bar:
    label: str
    count: int
    percent: Decimal
    # Where the bar starts from the left edge in a right-to-left chart (percent of the width).
    x_rtl: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        self.x_rtl = Decimal(100) - self.percent


@dataclass
class QuestionResult:
    question: Question
    answered: int
    bars: list[Bar] = field(default_factory=list)
    average: Decimal | None = None
    texts: list[str] = field(default_factory=list)

    @property
    def is_text(self) -> bool:
        return self.question.kind == QuestionKind.TEXT


@dataclass
class SurveyResults:
    responses: int
    questions: list[QuestionResult]


TEXT_SAMPLE = 5


def survey_results(survey: Survey) -> SurveyResults:
    """Counts and percentages per option and scale value, scale averages, the latest free-text answers.

    Percentages are of the people who answered the question; for a "several
    choices" question they may add up to more than 100.
    """
    questions = survey_questions(survey)
    answers = Answer.objects.filter(question__survey=survey)
    counts: dict[tuple[int, int | None, int | None], int] = {
        (row["question_id"], row["option_id"], row["number"]): row["n"]
        for row in answers.values("question_id", "option_id", "number").annotate(n=Count("id")).order_by()}
    answered = dict(answers.values("question_id").annotate(n=Count("response_id", distinct=True))
                    .order_by().values_list("question_id", "n"))
    results = []
    for question in questions:
        result = QuestionResult(question=question, answered=answered.get(question.pk, 0))
        if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            for option in question.options.all():
                n = counts.get((question.pk, option.pk, None), 0)
                result.bars.append(Bar(label=option.label, count=n, percent=_percent(n, result.answered)))
        elif question.kind == QuestionKind.SCALE:
            total = 0
            for value in question.scale_values:
                n = counts.get((question.pk, None, value), 0)
                total += n * value
                result.bars.append(Bar(label=str(value), count=n, percent=_percent(n, result.answered)))
            if result.answered:
                result.average = (Decimal(total) / Decimal(result.answered)).quantize(
                    Decimal("0.01"), rounding=ROUND_HALF_UP)
        else:
            result.texts = list(question.answers.exclude(text="").order_by("-id")
                                .values_list("text", flat=True)[:TEXT_SAMPLE])
        results.append(result)
    return SurveyResults(responses=survey.responses.count(), questions=results)


def text_answers(question: Question) -> QuerySet[Answer]:
    """Every free-text answer to a question, the latest first (paged by the view)."""
    return question.answers.exclude(text="").order_by("-id").only("id", "text")


# --- CSV -----------------------------------------------------------------------------------------------


def survey_csv_lines(survey: Survey, *, chunk_size: int = 500) -> Iterator[str]:
    """The survey's responses as CSV lines, one per response and one column per question.

    Starts with a byte-order mark so spreadsheet programs read UTF-8 (Arabic)
    correctly. An anonymous survey has no column that says who answered.
    The header and the labels are made now, in the request's language; the
    responses are read in chunks as the lines are sent, so memory stays flat.
    """
    questions = survey_questions(survey)
    option_labels = {o.pk: o.label for q in questions for o in q.options.all()}
    header = [_("Response"), _("Date")]
    if not survey.anonymous:
        header += [_("Respondent"), _("Request")]
    header += [f"{q.number}. {q.text}" for q in questions]
    return chain(["\ufeff" + csv_line(header)], _csv_rows(survey, questions, option_labels, chunk_size))


def _csv_rows(survey, questions, option_labels, chunk_size) -> Iterator[str]:
    responses = (Response.objects.filter(survey=survey).select_related("respondent", "application")
                 .prefetch_related(Prefetch("answers", queryset=Answer.objects.order_by("question_id", "option_id",
                                                                                         "id")))
                 .order_by("id"))
    for number, response in enumerate(responses.iterator(chunk_size=chunk_size), start=1):
        by_question: dict[int, list[str]] = {}
        for answer in response.answers.all():
            if answer.option_id is not None:
                value = option_labels.get(answer.option_id, "")
            elif answer.number is not None:
                value = str(answer.number)
            else:
                value = answer.text
            by_question.setdefault(answer.question_id, []).append(value)
        row = [str(number), response.submitted_on.isoformat()]
        if not survey.anonymous:
            row += [response.respondent.email if response.respondent else "",
                    (response.application.reference or "") if response.application else ""]
        row += ["; ".join(by_question.get(q.pk, [])) for q in questions]
        yield csv_line(row)


def surveys_attached_to(service_id: int, *, on: date | None = None) -> list[Survey]:
    """The open published surveys attached to a service."""
    on = on or today()
    return list(Survey.objects.filter(services=service_id, status=SurveyStatus.PUBLISHED)
                .filter(Q(closes_on__isnull=True) | Q(closes_on__gte=on)))
