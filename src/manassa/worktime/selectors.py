"""Reads of working calendars, and the per-process cache of built ``hours.Calendar`` values."""

from __future__ import annotations

import threading
from datetime import date

from django.db.models import QuerySet

from manassa.core.errors import NotFound
from manassa.worktime import hours
from manassa.worktime.models import Holiday, WorkingCalendar

_cache: dict[str, hours.Calendar] = {}
_cache_lock = threading.Lock()


def calendar_for(code: str) -> hours.Calendar:
    """The calendar ``code``, ready for the functions of ``hours``; one small query per call.

    The query reads only the calendar's revision. The holidays are read and
    the calendar built again only when the revision differs from the cached
    one, which every write changes to a new random value (services.py). A
    caller computing many deadlines calls this once and reuses the value: it
    is immutable and safe to share between threads.
    """
    revision = WorkingCalendar.objects.filter(code=code).values_list("revision", flat=True).first()
    if revision is None:
        raise NotFound()
    cached = _cache.get(code)
    if cached is not None and cached.revision == str(revision):
        return cached
    calendar = calendar_build(WorkingCalendar.objects.get(code=code))
    with _cache_lock:
        _cache[code] = calendar
    return calendar


def calendar_build(calendar: WorkingCalendar) -> hours.Calendar:
    """Build from the rows, uncached: two queries."""
    exceptions = {
        day: working_hours
        for day, working_hours in Holiday.objects.filter(calendar=calendar).values_list("date", "working_hours")
    }
    return hours.Calendar.from_schedule(
        code=calendar.code,
        time_zone=calendar.time_zone,
        schedule=calendar.schedule,
        exceptions=exceptions,
        revision=str(calendar.revision),
    )


def calendar_cache_clear() -> None:
    with _cache_lock:
        _cache.clear()


def calendar_list() -> QuerySet[WorkingCalendar]:
    return WorkingCalendar.objects.all()


def calendar_get(code: str) -> WorkingCalendar:
    calendar = WorkingCalendar.objects.filter(code=code).first()
    if calendar is None:
        raise NotFound()
    return calendar


def holidays_between(calendar: WorkingCalendar, start: date, end: date) -> QuerySet[Holiday]:
    """The calendar's holidays and special days with ``start <= date <= end``, in date order."""
    return Holiday.objects.filter(calendar=calendar, date__gte=start, date__lte=end).order_by("date")
