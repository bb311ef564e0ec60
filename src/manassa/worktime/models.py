"""Working calendars: the office hours and holidays against which SLAs are measured in working time.

The arithmetic lives in ``hours.py`` and works on an immutable
``hours.Calendar``; ``selectors.calendar_for`` builds one from these rows and
keeps it per process until ``WorkingCalendar.revision`` changes.
"""

import uuid

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from manassa.core.i18n import BilingualText
from manassa.worktime import hours

CALENDAR_CODE_VALIDATOR = RegexValidator(
    r"^[A-Z0-9-]{2,32}$", _("Use 2–32 capital letters, digits or hyphens.")
)


def default_schedule() -> dict[str, list[list[str]]]:
    # Monday to Thursday 07:30–15:30: the common part of UAE government hours.
    return {str(day): ([["07:30", "15:30"]] if day <= 4 else []) for day in range(1, 8)}


class WorkingCalendar(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True, validators=[CALENDAR_CODE_VALIDATOR])
    name_ar = models.CharField(_("name (Arabic)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Dubai")
    # {"1": [["07:30", "15:30"]], …, "7": []}: ISO weekday (1 = Monday) to local working periods.
    schedule = models.JSONField(_("weekly schedule"), default=default_schedule)
    # A fresh random value on every write to the calendar or its holidays. A
    # counter could come back to an old value after a rolled-back write and let
    # a process keep a calendar built from rows that never committed.
    revision = models.UUIDField(default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    name = BilingualText()

    class Meta:
        ordering = ["code"]
        verbose_name = _("working calendar")
        verbose_name_plural = _("working calendars")
        constraints = [
            models.CheckConstraint(condition=~models.Q(time_zone=""), name="worktime_calendar_has_time_zone"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        errors = {}
        try:
            hours.parse_zone(self.time_zone)
        except hours.ScheduleError as exc:
            errors["time_zone"] = [exc.message]
        try:
            self.schedule = hours.format_week(hours.parse_week(self.schedule))
        except hours.ScheduleError as exc:
            errors["schedule"] = [exc.message]
        if errors:
            raise ValidationError(errors)


class Holiday(models.Model):
    """A date on which a calendar departs from its weekly schedule.

    With no ``working_hours`` the offices are closed all day (a public
    holiday). With hours, they replace the weekly ones for that date: a half
    day, or a weekend day declared a working day.
    """

    calendar = models.ForeignKey(
        WorkingCalendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField(_("date"))
    name_ar = models.CharField(_("name (Arabic)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    # [] = closed; else [["07:30", "12:00"], …] replacing the weekly periods.
    working_hours = models.JSONField(_("working hours"), default=list, blank=True)
    # Dates of Hijri holidays are forecasts until the moon is sighted.
    is_estimate = models.BooleanField(_("estimated date"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    name = BilingualText()

    class Meta:
        ordering = ["calendar", "date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="worktime_holiday_one_per_day"),
            models.CheckConstraint(
                condition=~models.Q(name_ar="") & ~models.Q(name_en=""), name="worktime_holiday_named_in_both"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.name}"

    @property
    def is_closed(self) -> bool:
        return not self.working_hours

    def clean(self) -> None:
        try:
            self.working_hours = hours.format_intervals(
                hours.parse_intervals(self.working_hours or [], day=str(self.date or ""))
            )
        except hours.ScheduleError as exc:
            raise ValidationError({"working_hours": [exc.message]}) from exc
