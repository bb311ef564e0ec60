from datetime import date

from manassa.worktime import defaults
from manassa.worktime.models import Holiday, WorkingCalendar
from manassa.worktime.services import holiday_remove


def test_the_migration_installs_both_calendars_with_two_years_of_holidays(default_calendars):
    sharjah, federal = default_calendars[defaults.SHARJAH], default_calendars[defaults.FEDERAL]
    assert sharjah.schedule["5"] == [] and federal.schedule["5"] == [["07:30", "12:00"]]
    assert sharjah.time_zone == federal.time_zone == "Asia/Dubai"
    for calendar in (sharjah, federal):
        holidays = list(Holiday.objects.filter(calendar=calendar))
        assert len(holidays) == 26 == 2 * 13
        assert all(h.name_ar and h.name_en and h.is_closed for h in holidays)
        fixed = {(h.date.month, h.date.day) for h in holidays if not h.is_estimate}
        assert fixed == {(1, 1), (12, 1), (12, 2), (12, 3)}  # only the Gregorian ones are certain
        years = {h.date.year for h in holidays}
        assert years == {2026, 2027}


def test_every_default_calendar_validates(default_calendars):
    for calendar in default_calendars.values():
        calendar.full_clean()
    for holiday in Holiday.objects.filter(calendar__in=default_calendars.values()):
        holiday.full_clean()


def test_installing_again_creates_nothing_and_never_restores_a_removed_holiday(default_calendars):
    sharjah = default_calendars[defaults.SHARJAH]
    holiday_remove(actor=None, holiday=Holiday.objects.get(calendar=sharjah, date=date(2026, 8, 25)))
    assert defaults.install_defaults(WorkingCalendar, Holiday) == 0
    assert not Holiday.objects.filter(calendar=sharjah, date=date(2026, 8, 25)).exists()
