from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from manassa.core.errors import NotFound
from manassa.worktime import defaults
from manassa.worktime.hours import add_working_time
from manassa.worktime.selectors import calendar_cache_clear, calendar_for, holidays_between
from manassa.worktime.services import holiday_add

DUBAI = ZoneInfo("Asia/Dubai")
THURSDAY = datetime(2026, 1, 8, 14, 0, tzinfo=DUBAI)


def test_a_cached_calendar_costs_one_query_and_a_write_rebuilds_it(
    default_calendars, django_assert_num_queries
):
    calendar_cache_clear()
    with django_assert_num_queries(3):  # revision, calendar, holidays
        first = calendar_for(defaults.SHARJAH)
    with django_assert_num_queries(1):  # the revision only
        assert calendar_for(defaults.SHARJAH) is first
    holiday_add(actor=None, calendar=default_calendars[defaults.SHARJAH], date=date(2026, 1, 12),
                name_ar="عطلة", name_en="Holiday")
    with django_assert_num_queries(3):
        second = calendar_for(defaults.SHARJAH)
    assert second is not first and date(2026, 1, 12) in second.exceptions
    # Another calendar's write leaves this one cached.
    holiday_add(actor=None, calendar=default_calendars[defaults.FEDERAL], date=date(2026, 1, 12),
                name_ar="عطلة", name_en="Holiday")
    with django_assert_num_queries(1):
        assert calendar_for(defaults.SHARJAH) is second


def test_a_rolled_back_write_does_not_stay_in_the_cache(default_calendars):
    sharjah = default_calendars[defaults.SHARJAH]
    due = add_working_time(calendar_for(defaults.SHARJAH), THURSDAY, timedelta(hours=16))

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        holiday_add(actor=None, calendar=sharjah, date=date(2026, 1, 12), name_ar="عطلة", name_en="Holiday")
        assert add_working_time(calendar_for(defaults.SHARJAH), THURSDAY, timedelta(hours=16)) > due
        raise Abort
    assert add_working_time(calendar_for(defaults.SHARJAH), THURSDAY, timedelta(hours=16)) == due


def test_an_unknown_calendar_is_not_found(db):
    with pytest.raises(NotFound):
        calendar_for("NO-SUCH")


def test_holidays_between(default_calendars):
    sharjah = default_calendars[defaults.SHARJAH]
    december = holidays_between(sharjah, date(2026, 12, 1), date(2026, 12, 31))
    assert [h.date.day for h in december] == [1, 2, 3]
    assert [h.name_en for h in december] == ["Commemoration Day"] + ["Eid Al Etihad (National Day)"] * 2
