"""Satisfaction surveys of an entity or of the Digital Office, their questions and the answers people give.

A survey reaches people two ways: by a link carrying its secret ``link_token``
and, when it is attached to services, by an invitation made for the applicant
when one of their requests for those services is completed.

One response per person: a signed-in person's response carries
``respondent_hash`` (an HMAC of the survey and the user id keyed with the
site's secret), unique per survey; an anonymous survey never stores who
answered, only that hash. People answering an anonymous survey without
signing in are counted once per browser (a signed cookie), which is honest
about what it cannot prevent (see docs/surveys.md).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from manassa.core.i18n import BilingualText

SURVEY_CODE = RegexValidator(r"^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$",
                             _("Use 3–40 lowercase letters, digits or hyphens, starting and ending with a letter "
                               "or digit."))


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")


class Survey(models.Model):
    # The owner: an entity, or the Digital Office when empty.
    entity = models.ForeignKey("entities.Entity", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="surveys", verbose_name=_("entity"))
    code = models.CharField(_("code"), max_length=40, unique=True, validators=[SURVEY_CODE])
    title_ar = models.CharField(_("title (Arabic)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    intro_ar = models.TextField(_("introduction (Arabic)"), blank=True, max_length=2000)
    intro_en = models.TextField(_("introduction (English)"), blank=True, max_length=2000)
    anonymous = models.BooleanField(_("anonymous"), default=True)
    status = models.CharField(_("status"), max_length=12, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT)
    # Days in the platform's time zone, both included; empty means "from publication" / "until closed".
    opens_on = models.DateField(_("opens on"), null=True, blank=True)
    closes_on = models.DateField(_("closes on"), null=True, blank=True)
    by_link = models.BooleanField(_("anyone with the link may answer"), default=False)
    link_token = models.CharField(max_length=43, unique=True)
    services = models.ManyToManyField("catalog.Service", blank=True, related_name="surveys",
                                      verbose_name=_("services"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    title = BilingualText()
    intro = BilingualText()

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["entity", "status"], name="survey_entity_status_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(opens_on__isnull=True) | models.Q(closes_on__isnull=True)
                                   | models.Q(opens_on__lte=models.F("closes_on")), name="survey_dates_order"),
        ]

    def __str__(self) -> str:
        return self.code


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("One choice")
    MULTIPLE = "multiple", _("Several choices")
    SCALE = "scale", _("Rating scale")
    TEXT = "text", _("Free text")


CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(_("type"), max_length=12, choices=QuestionKind.choices)
    text_ar = models.CharField(_("question (Arabic)"), max_length=500)
    text_en = models.CharField(_("question (English)"), max_length=500)
    required = models.BooleanField(_("an answer is required"), default=False)
    scale_min = models.SmallIntegerField(null=True, blank=True)
    scale_max = models.SmallIntegerField(null=True, blank=True)
    min_label_ar = models.CharField(max_length=100, blank=True)
    min_label_en = models.CharField(max_length=100, blank=True)
    max_label_ar = models.CharField(max_length=100, blank=True)
    max_label_en = models.CharField(max_length=100, blank=True)

    text = BilingualText()
    min_label = BilingualText()
    max_label = BilingualText()

    class Meta:
        ordering = ["survey", "position"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "position"], name="survey_question_position_unique"),
            models.CheckConstraint(
                condition=~models.Q(kind="scale")
                | models.Q(scale_min__isnull=False, scale_max__isnull=False, scale_min__lt=models.F("scale_max")),
                name="survey_question_scale_range"),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id} #{self.position}"

    @property
    def number(self) -> int:
        return self.position + 1

    @property
    def scale_values(self) -> list[int]:
        if self.kind != QuestionKind.SCALE or self.scale_min is None or self.scale_max is None:
            return []
        return list(range(self.scale_min, self.scale_max + 1))


class Option(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField()
    label_ar = models.CharField(max_length=200)
    label_en = models.CharField(max_length=200)

    label = BilingualText()

    class Meta:
        ordering = ["question", "position"]
        constraints = [models.UniqueConstraint(fields=["question", "position"], name="survey_option_position_unique")]

    def __str__(self) -> str:
        return self.label_en


class Response(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    # Who answered: empty for an anonymous survey, always.
    respondent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    # HMAC of the survey and the signed-in person: one response each without saying who; empty when signed out.
    respondent_hash = models.CharField(max_length=64, blank=True)
    # The request that brought the invitation; empty for an anonymous survey.
    application = models.ForeignKey("applications.Application", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    # The day only, for every survey: an exact time could be matched with an invitation or a server log.
    submitted_on = models.DateField()

    class Meta:
        ordering = ["survey", "id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "respondent_hash"], condition=~models.Q(respondent_hash=""),
                                    name="survey_response_once_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}: {self.pk}"


class Answer(models.Model):
    """One answer to one question: a chosen option (one row per option ticked), a number on a scale, or text."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    option = models.ForeignKey(Option, null=True, blank=True, on_delete=models.CASCADE, related_name="answers")
    number = models.SmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True, max_length=4000)

    class Meta:
        ordering = ["response", "question", "option"]
        indexes = [
            models.Index(fields=["question", "option"], name="survey_answer_option_idx"),
            models.Index(fields=["question", "id"], name="survey_answer_question_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.response_id}/{self.question_id}"


class SurveyInvitation(models.Model):
    """An applicant's invitation to answer a survey attached to the service of a completed request."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="survey_invitations")
    application = models.ForeignKey("applications.Application", on_delete=models.CASCADE,
                                    related_name="survey_invitations")
    created_at = models.DateTimeField(auto_now_add=True)
    # A flag, not a time: the time would tie an anonymous survey's response to this person.
    answered = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "answered"], name="survey_invitation_user_idx")]
        constraints = [
            models.UniqueConstraint(fields=["survey", "application"], name="survey_invitation_once_per_request"),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id} → {self.user_id}"
