"""Writes to working calendars. Every one is audited and gives the calendar a new revision in its transaction.

The new revision is what tells every process that its cached ``hours.Calendar``
is stale (see ``selectors.calendar_for``), so a write that skipped it would
leave SLAs computed against old hours until the process restarts.
"""

from __future__ import annotations

import uuid
from datetime import date as Date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from manassa.audit.services import audit_record, model_changes
from manassa.core.errors import InvalidInput, from_validation_error
from manassa.worktime.models import Holiday, WorkingCalendar

HOLIDAY_FIELDS = ["date", "name_ar", "name_en", "working_hours", "is_estimate"]
CALENDAR_PROFILE_FIELDS = ["name_ar", "name_en", "time_zone"]


def _clean(instance) -> None:
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise from_validation_error(exc) from exc


def _locked(calendar: WorkingCalendar) -> WorkingCalendar:
    # Every write to a calendar or its holidays takes this lock first, so two
    # edits of one calendar never interleave (the unique date check included).
    return WorkingCalendar.objects.select_for_update().get(pk=calendar.pk)


def _new_revision(calendar: WorkingCalendar) -> None:
    calendar.revision = uuid.uuid4()
    calendar.save(update_fields=["revision", "updated_at"])


@transaction.atomic
def calendar_create(
    *, actor, code: str, name_ar: str, name_en: str, time_zone: str = "Asia/Dubai", schedule: dict[str, Any]
) -> WorkingCalendar:
    calendar = WorkingCalendar(code=code, name_ar=name_ar, name_en=name_en, time_zone=time_zone, schedule=schedule)
    _clean(calendar)
    calendar.save()
    audit_record(
        actor=actor, action="worktime.calendar.created", obj=calendar,
        changes={"code": code, "name_ar": name_ar, "name_en": name_en, "time_zone": time_zone,
                 "schedule": calendar.schedule},
    )
    return calendar


@transaction.atomic
def calendar_update(*, actor, calendar: WorkingCalendar, **fields) -> WorkingCalendar:
    """Change a calendar's names or time zone; the weekly hours go through ``calendar_update_schedule``."""
    unknown = set(fields) - set(CALENDAR_PROFILE_FIELDS)
    if unknown:
        raise InvalidInput(fields={name: ["not editable"] for name in sorted(unknown)})
    calendar = _locked(calendar)
    before = {name: getattr(calendar, name) for name in CALENDAR_PROFILE_FIELDS}
    for name, value in fields.items():
        setattr(calendar, name, value)
    _clean(calendar)
    changes = model_changes(calendar, CALENDAR_PROFILE_FIELDS, before)
    if changes:
        calendar.revision = uuid.uuid4()
        calendar.save()
        audit_record(actor=actor, action="worktime.calendar.updated", obj=calendar, changes=changes)
    return calendar


@transaction.atomic
def calendar_update_schedule(*, actor, calendar: WorkingCalendar, schedule: dict[str, Any]) -> WorkingCalendar:
    """Replace the weekly hours. Periods are validated (HH:MM within 00:00–24:00, in order, no overlap)."""
    calendar = _locked(calendar)
    before = calendar.schedule
    calendar.schedule = schedule
    _clean(calendar)  # normalises: all seven days, touching periods merged
    if calendar.schedule != before:
        calendar.revision = uuid.uuid4()
        calendar.save(update_fields=["schedule", "revision", "updated_at"])
        audit_record(
            actor=actor, action="worktime.schedule.updated", obj=calendar,
            changes={"schedule": [before, calendar.schedule]},
        )
    return calendar


@transaction.atomic
def holiday_add(
    *,
    actor,
    calendar: WorkingCalendar,
    date: Date,
    name_ar: str,
    name_en: str,
    working_hours: list | None = None,
    is_estimate: bool = False,
) -> Holiday:
    """Close the offices on ``date`` (or, with ``working_hours``, open them for those hours only)."""
    calendar = _locked(calendar)
    holiday = Holiday(
        calendar=calendar, date=date, name_ar=name_ar, name_en=name_en,
        working_hours=working_hours or [], is_estimate=is_estimate,
    )
    _clean(holiday)  # includes the one-row-per-date constraint
    holiday.save()
    _new_revision(calendar)
    audit_record(
        actor=actor, action="worktime.holiday.added", obj=holiday,
        changes={"calendar": calendar.code, **{name: getattr(holiday, name) for name in HOLIDAY_FIELDS}},
    )
    return holiday


@transaction.atomic
def holiday_update(*, actor, holiday: Holiday, **fields) -> Holiday:
    """Correct a holiday, typically an estimated Hijri date once the moon is sighted."""
    unknown = set(fields) - set(HOLIDAY_FIELDS)
    if unknown:
        raise InvalidInput(fields={name: ["not editable"] for name in sorted(unknown)})
    calendar = _locked(holiday.calendar)
    holiday = Holiday.objects.get(pk=holiday.pk, calendar=calendar)
    before = {name: getattr(holiday, name) for name in HOLIDAY_FIELDS}
    for name, value in fields.items():
        setattr(holiday, name, value)
    _clean(holiday)
    changes = model_changes(holiday, HOLIDAY_FIELDS, before)
    if changes:
        holiday.save()
        _new_revision(calendar)
        audit_record(
            actor=actor, action="worktime.holiday.updated", obj=holiday,
            changes={"calendar": calendar.code, **changes},
        )
    return holiday


@transaction.atomic
def holiday_remove(*, actor, holiday: Holiday) -> None:
    calendar = _locked(holiday.calendar)
    # The row as stored, not the caller's copy, which may predate an update.
    holiday = Holiday.objects.filter(pk=holiday.pk, calendar=calendar).first()
    if holiday is None:
        return
    audit_record(
        actor=actor, action="worktime.holiday.removed", obj=holiday,
        changes={"calendar": calendar.code, "date": holiday.date, "name_ar": holiday.name_ar,
                 "name_en": holiday.name_en},
    )
    holiday.delete()
    _new_revision(calendar)
