"""The admin pages write through the services: audited, validated, and seen by the cache."""

from datetime import date

import pytest

from manassa.accounts.tests.factories import make_user
from manassa.audit.models import AuditEvent
from manassa.worktime import defaults
from manassa.worktime.models import Holiday, WorkingCalendar
from manassa.worktime.selectors import calendar_for


@pytest.fixture
def operator_client(client, db):
    user = make_user("root@example.test", totp=True, is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def _change_form(calendar: WorkingCalendar, **overrides) -> dict:
    holidays = list(calendar.holidays.order_by("date"))
    data = {
        "name_ar": calendar.name_ar, "name_en": calendar.name_en, "time_zone": calendar.time_zone,
        "schedule": '{"1": [["07:30", "15:30"]], "2": [["07:30", "15:30"]], "3": [["07:30", "15:30"]], '
                    '"4": [["07:30", "15:30"]], "5": [], "6": [], "7": []}',
        "holidays-TOTAL_FORMS": str(len(holidays) + 1), "holidays-INITIAL_FORMS": str(len(holidays)),
        "holidays-MIN_NUM_FORMS": "0", "holidays-MAX_NUM_FORMS": "1000",
    }
    for n, h in enumerate(holidays):
        data.update({
            f"holidays-{n}-id": str(h.pk), f"holidays-{n}-calendar": str(calendar.pk),
            f"holidays-{n}-date": h.date.isoformat(), f"holidays-{n}-name_ar": h.name_ar,
            f"holidays-{n}-name_en": h.name_en, f"holidays-{n}-working_hours": "[]",
        })
        if h.is_estimate:
            data[f"holidays-{n}-is_estimate"] = "on"
    data.update(overrides)
    return data


def test_adding_a_holiday_and_changing_the_schedule_in_the_admin(operator_client, default_calendars):
    sharjah = default_calendars[defaults.SHARJAH]
    count = sharjah.holidays.count()
    url = f"/admin/worktime/workingcalendar/{sharjah.pk}/change/"
    assert operator_client.get(url).status_code == 200
    response = operator_client.post(url, _change_form(
        sharjah,
        schedule='{"1": [["08:00", "15:00"]], "2": [["08:00", "15:00"]], "3": [["08:00", "15:00"]], '
                 '"4": [["08:00", "15:00"]]}',
        **{f"holidays-{count}-date": "2026-01-12", f"holidays-{count}-name_ar": "عطلة",
           f"holidays-{count}-name_en": "Holiday", f"holidays-{count}-working_hours": "[]",
           f"holidays-{count}-calendar": str(sharjah.pk)},
    ))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Holiday.objects.filter(calendar=sharjah, date=date(2026, 1, 12)).exists()
    assert calendar_for(defaults.SHARJAH).week[0] == ((480, 900),)
    assert date(2026, 1, 12) in calendar_for(defaults.SHARJAH).exceptions
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"worktime.holiday.added", "worktime.schedule.updated"} <= actions


def test_an_invalid_schedule_is_shown_as_a_form_error(operator_client, default_calendars):
    sharjah = default_calendars[defaults.SHARJAH]
    url = f"/admin/worktime/workingcalendar/{sharjah.pk}/change/"
    response = operator_client.post(url, _change_form(sharjah, schedule='{"1": [["15:30", "07:30"]]}'))
    assert response.status_code == 200 and "errornote" in response.content.decode()
    assert WorkingCalendar.objects.get(pk=sharjah.pk).schedule == sharjah.schedule
    assert not AuditEvent.objects.filter(action__startswith="worktime.").exists()


def test_creating_a_calendar_and_removing_a_holiday_in_the_admin(operator_client, db):
    response = operator_client.post("/admin/worktime/workingcalendar/add/", {
        "code": "AJM-GOV", "name_ar": "حكومة عجمان", "name_en": "Government of Ajman", "time_zone": "Asia/Dubai",
        "schedule": '{"1": [["07:30", "15:30"]], "5": [["07:30", "12:00"]]}',
        "holidays-TOTAL_FORMS": "1", "holidays-INITIAL_FORMS": "0",
        "holidays-MIN_NUM_FORMS": "0", "holidays-MAX_NUM_FORMS": "1000",
        "holidays-0-date": "2026-01-01", "holidays-0-name_ar": "رأس السنة الميلادية",
        "holidays-0-name_en": "New Year's Day", "holidays-0-working_hours": "[]",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    calendar = WorkingCalendar.objects.get(code="AJM-GOV")
    assert calendar.schedule["5"] == [["07:30", "12:00"]] and calendar.schedule["2"] == []
    assert date(2026, 1, 1) in calendar_for("AJM-GOV").exceptions

    data = _change_form(calendar, schedule='{"1": [["07:30", "15:30"]], "5": [["07:30", "12:00"]]}')
    data["holidays-0-DELETE"] = "on"
    response = operator_client.post(f"/admin/worktime/workingcalendar/{calendar.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not calendar.holidays.exists() and not calendar_for("AJM-GOV").exceptions
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["worktime.calendar.created", "worktime.holiday.added", "worktime.holiday.removed"]
