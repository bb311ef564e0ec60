import pytest

from manassa.worktime import defaults
from manassa.worktime.models import Holiday, WorkingCalendar


@pytest.fixture
def default_calendars(db):
    """The calendars the data migration installs (again, if a transactional test flushed them)."""
    defaults.install_defaults(WorkingCalendar, Holiday)
    return {calendar.code: calendar for calendar in WorkingCalendar.objects.filter(
        code__in=[defaults.SHARJAH, defaults.FEDERAL])}
