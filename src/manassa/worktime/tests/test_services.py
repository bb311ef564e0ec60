from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from manassa.audit.models import AuditEvent
from manassa.core.errors import InvalidInput
from manassa.worktime import defaults
from manassa.worktime.hours import add_working_time
from manassa.worktime.models import Holiday, WorkingCalendar
from manassa.worktime.selectors import calendar_for
from manassa.worktime.services import (
    calendar_create,
    calendar_update,
    calendar_update_schedule,
    holiday_add,
    holiday_remove,
    holiday_update,
)

DUBAI = ZoneInfo("Asia/Dubai")
H = timedelta(hours=1)


def dubai(*args) -> datetime:
    return datetime(*args, tzinfo=DUBAI)


def sla_due(code: str, hours: int) -> datetime:
    """What a future domain does: a deadline N working hours from now."""
    return add_working_time(calendar_for(code), timezone.now(), hours * H)


@pytest.fixture
def sharjah(default_calendars):
    return default_calendars[defaults.SHARJAH]


# --- The specification's examples, through the database and the cache --------------------------


def test_sla_examples_against_the_installed_calendars(default_calendars):
    with time_machine.travel(dubai(2026, 1, 8, 14, 0), tick=False):  # Thursday afternoon
        assert sla_due(defaults.SHARJAH, 16) == dubai(2026, 1, 13, 14, 0)
        assert sla_due(defaults.FEDERAL, 8) == dubai(2026, 1, 12, 9, 30)  # Friday half day
    with time_machine.travel(dubai(2026, 11, 30, 10, 0), tick=False):  # before 1–3 December
        assert sla_due(defaults.SHARJAH, 16) == dubai(2026, 12, 8, 10, 0)
    with time_machine.travel(dubai(2026, 5, 27, 9, 0), tick=False):  # on Eid al-Adha
        assert sla_due(defaults.SHARJAH, 8) == dubai(2026, 6, 1, 15, 30)
    with time_machine.travel(dubai(2026, 1, 5, 7, 30), tick=False):
        assert sla_due(defaults.SHARJAH, 30 * 8) == dubai(2026, 2, 24, 15, 30)


# --- Holidays: audited, and in effect at once through the cache --------------------------------


def test_holiday_edits_are_audited_and_take_effect_through_the_cache(sharjah, people):
    actor = people["admin"]
    with time_machine.travel(dubai(2026, 1, 8, 14, 0), tick=False):
        assert sla_due(defaults.SHARJAH, 16) == dubai(2026, 1, 13, 14, 0)
        revision = WorkingCalendar.objects.get(pk=sharjah.pk).revision

        monday = holiday_add(actor=actor, calendar=sharjah, date=date(2026, 1, 12),
                             name_ar="عطلة رسمية", name_en="Official holiday")
        assert WorkingCalendar.objects.get(pk=sharjah.pk).revision != revision
        assert sla_due(defaults.SHARJAH, 16) == dubai(2026, 1, 14, 14, 0)

        holiday_update(actor=actor, holiday=monday, date=date(2026, 1, 13))
        assert sla_due(defaults.SHARJAH, 16) == dubai(2026, 1, 14, 14, 0)
        holiday_update(actor=actor, holiday=monday, working_hours=[["07:30", "12:00"]])  # a half day instead
        assert sla_due(defaults.SHARJAH, 16) == dubai(2026, 1, 14, 9, 30)

        holiday_remove(actor=actor, holiday=monday)
        assert sla_due(defaults.SHARJAH, 16) == dubai(2026, 1, 13, 14, 0)

    events = list(AuditEvent.objects.filter(action__startswith="worktime.holiday").order_by("id"))
    assert [e.action for e in events] == [
        "worktime.holiday.added", "worktime.holiday.updated", "worktime.holiday.updated", "worktime.holiday.removed",
    ]
    assert all(e.actor_id == actor.pk and e.changes["calendar"] == defaults.SHARJAH for e in events)
    assert events[0].changes["date"] == "2026-01-12" and events[0].changes["name_ar"] == "عطلة رسمية"
    assert events[1].changes == {"calendar": defaults.SHARJAH, "date": ["2026-01-12", "2026-01-13"]}
    assert events[2].changes["working_hours"] == [[], [["07:30", "12:00"]]]
    assert events[3].changes["date"] == "2026-01-13"


def test_an_estimated_eid_is_moved_after_the_moon_sighting(sharjah):
    eid = Holiday.objects.filter(calendar=sharjah, date__year=2026, name_en__startswith="Eid al-Fitr").order_by("date")
    assert [h.is_estimate for h in eid] == [True, True, True]
    # Ramadan completes 30 days: every day moves one later and is no longer an estimate.
    for holiday in reversed(list(eid)):
        holiday_update(actor=None, holiday=holiday, date=holiday.date + timedelta(days=1), is_estimate=False)
    moved = Holiday.objects.filter(calendar=sharjah, name_en__startswith="Eid al-Fitr", date__year=2026)
    assert sorted(h.date for h in moved) == [date(2026, 3, 21), date(2026, 3, 22), date(2026, 3, 23)]
    assert add_working_time(calendar_for(defaults.SHARJAH), dubai(2026, 3, 19, 15, 0), H) == dubai(2026, 3, 24, 8, 0)


def test_holiday_input_is_validated_and_changes_nothing(sharjah):
    before = (AuditEvent.objects.count(), Holiday.objects.count(), WorkingCalendar.objects.get(pk=sharjah.pk).revision)
    with pytest.raises(InvalidInput):  # New Year's Day is already there
        holiday_add(actor=None, calendar=sharjah, date=date(2026, 1, 1), name_ar="مكرر", name_en="Duplicate")
    with pytest.raises(InvalidInput) as exc:
        holiday_add(actor=None, calendar=sharjah, date=date(2026, 1, 6), name_ar="نصف يوم", name_en="Half day",
                    working_hours=[["12:00", "07:30"]])
    assert "working_hours" in exc.value.fields
    with pytest.raises(InvalidInput) as exc:
        holiday_add(actor=None, calendar=sharjah, date=date(2026, 1, 6), name_ar="", name_en="No Arabic name")
    assert "name_ar" in exc.value.fields
    holiday = Holiday.objects.filter(calendar=sharjah).first()
    with pytest.raises(InvalidInput):
        holiday_update(actor=None, holiday=holiday, calendar=None)
    assert before == (AuditEvent.objects.count(), Holiday.objects.count(),
                      WorkingCalendar.objects.get(pk=sharjah.pk).revision)


def test_a_special_working_day_opens_a_weekend_day(sharjah):
    holiday_add(actor=None, calendar=sharjah, date=date(2026, 1, 10), name_ar="يوم عمل استثنائي",
                name_en="Special working day", working_hours=[["08:00", "12:00"]])
    assert add_working_time(calendar_for(defaults.SHARJAH), dubai(2026, 1, 8, 15, 0), H) == dubai(2026, 1, 10, 8, 30)


# --- The weekly schedule --------------------------------------------------------------------


@pytest.mark.parametrize("schedule", [
    {"1": [["07:30", "15:30"], ["15:00", "16:00"]]},
    {"1": [["13:00", "15:30"], ["07:30", "12:00"]]},
    {"1": [["15:30", "07:30"]]},
    {"1": [["7:30", "15:30"]]},
    {"1": [["07:30", "25:00"]]},
    {"0": [["07:30", "15:30"]]},
    {"1": [], "2": []},
    "Monday to Thursday",
])
def test_invalid_schedules_are_refused_and_change_nothing(sharjah, schedule):
    before = WorkingCalendar.objects.get(pk=sharjah.pk)
    with pytest.raises(InvalidInput) as exc:
        calendar_update_schedule(actor=None, calendar=sharjah, schedule=schedule)
    assert list(exc.value.fields) == ["schedule"] and exc.value.fields["schedule"][0]
    after = WorkingCalendar.objects.get(pk=sharjah.pk)
    assert (after.schedule, after.revision) == (before.schedule, before.revision)
    assert not AuditEvent.objects.filter(action="worktime.schedule.updated").exists()


def test_schedule_update_is_normalised_audited_and_used(sharjah, people):
    schedule = {"1": [["07:30", "12:00"], ["12:00", "14:30"]], "2": [["07:30", "14:30"]],
                "3": [["07:30", "14:30"]], "4": [["07:30", "14:30"]]}
    calendar_update_schedule(actor=people["admin"], calendar=sharjah, schedule=schedule)
    stored = WorkingCalendar.objects.get(pk=sharjah.pk).schedule
    assert stored["1"] == [["07:30", "14:30"]] and stored["5"] == stored["7"] == []
    event = AuditEvent.objects.get(action="worktime.schedule.updated")
    assert event.changes["schedule"][0]["1"] == [["07:30", "15:30"]]
    assert event.changes["schedule"][1]["1"] == [["07:30", "14:30"]]
    assert event.actor_id == people["admin"].pk and event.object_id == str(sharjah.pk)
    assert add_working_time(calendar_for(defaults.SHARJAH), dubai(2026, 1, 8, 14, 0), H) == dubai(2026, 1, 12, 8, 0)
    # The same schedule again is no change and no event.
    calendar_update_schedule(actor=None, calendar=sharjah, schedule=stored)
    assert AuditEvent.objects.filter(action="worktime.schedule.updated").count() == 1


def test_calendar_create_and_update(db):
    with pytest.raises(InvalidInput) as exc:
        calendar_create(actor=None, code="LDN", name_ar="لندن", name_en="London", time_zone="Europe/Londres",
                        schedule={"1": [["09:00", "17:00"]]})
    assert "time_zone" in exc.value.fields
    calendar = calendar_create(actor=None, code="LDN", name_ar="لندن", name_en="London",
                               time_zone="Europe/London", schedule={"1": [["09:00", "17:00"]]})
    assert calendar_for("LDN").zone.key == "Europe/London"
    calendar_update(actor=None, calendar=calendar, time_zone="Asia/Dubai", name_en="London office")
    assert calendar_for("LDN").zone.key == "Asia/Dubai"
    with pytest.raises(InvalidInput):
        calendar_update(actor=None, calendar=calendar, code="HIJACK")
    events = AuditEvent.objects.filter(object_type="worktime.workingcalendar").order_by("id")
    actions = list(events.values_list("action", flat=True))
    assert actions == ["worktime.calendar.created", "worktime.calendar.updated"]
