"""The calendar arithmetic on its own (no database), against hand-worked cases and independent oracles."""

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from manassa.worktime import defaults, hours
from manassa.worktime.hours import add_working_time, is_working_time, next_working_moment, working_time_between

DUBAI = ZoneInfo("Asia/Dubai")
LONDON = ZoneInfo("Europe/London")
H = timedelta(hours=1)
MIN = timedelta(minutes=1)


def default_calendar(code: str) -> hours.Calendar:
    spec = next(c for c in defaults.CALENDARS if c["code"] == code)
    return hours.Calendar.from_schedule(
        code=code, time_zone=spec["time_zone"], schedule=spec["schedule"],
        exceptions={day: [] for day, *_ in defaults.UAE_PUBLIC_HOLIDAYS},
    )


SHARJAH = default_calendar(defaults.SHARJAH)
FEDERAL = default_calendar(defaults.FEDERAL)
# An office in a zone with summer time, with a bank holiday, a half day and a working Saturday.
LONDON_OFFICE = hours.Calendar.from_schedule(
    code="LDN", time_zone="Europe/London",
    schedule={str(d): [["09:00", "12:30"], ["13:30", "17:30"]] for d in range(1, 6)},
    exceptions={date(2026, 4, 3): [], date(2026, 3, 26): [["09:00", "12:00"]], date(2026, 3, 28): [["10:00", "14:00"]]},
)


def always_open(zone: str) -> hours.Calendar:
    return hours.Calendar.from_schedule(time_zone=zone, schedule={str(d): [["00:00", "24:00"]] for d in range(1, 8)})


def dubai(*args) -> datetime:
    return datetime(*args, tzinfo=DUBAI)


# --- The examples of the specification ---------------------------------------------------------


def test_sixteen_working_hours_from_thursday_afternoon_skip_the_sharjah_weekend():
    with time_machine.travel(dubai(2026, 1, 8, 14, 0), tick=False):  # a Thursday
        due = add_working_time(SHARJAH, timezone.now(), 16 * H)
    # Thursday 1.5 h, Friday to Sunday off, Monday 8 h, Tuesday the last 6.5 h.
    assert due == dubai(2026, 1, 13, 14, 0)
    assert due.astimezone(DUBAI).strftime("%A") == "Tuesday"
    assert due.tzinfo == UTC


def test_a_public_holiday_on_weekdays_is_skipped():
    start = dubai(2026, 11, 30, 10, 0)  # Monday; 1–3 December (Tuesday–Thursday) are holidays
    # Sharjah: Monday 5.5 h, closed Tuesday to Sunday, Monday 8 h, Tuesday 2.5 h.
    assert add_working_time(SHARJAH, start, 16 * H) == dubai(2026, 12, 8, 10, 0)
    # Federal: Monday 5.5 h, Friday's half day 4.5 h, Monday the last 6 h.
    assert add_working_time(FEDERAL, start, 16 * H) == dubai(2026, 12, 7, 13, 30)


def test_starting_on_a_holiday_counts_from_the_next_opening():
    new_year = dubai(2026, 1, 1, 9, 0)  # Thursday
    assert add_working_time(SHARJAH, new_year, 8 * H) == dubai(2026, 1, 5, 15, 30)
    assert add_working_time(FEDERAL, new_year, 8 * H) == dubai(2026, 1, 5, 11, 0)  # Friday 4.5 h first


def test_starting_at_night_or_before_opening():
    assert add_working_time(SHARJAH, dubai(2026, 1, 7, 22, 0), 4 * H) == dubai(2026, 1, 8, 11, 30)
    assert add_working_time(SHARJAH, dubai(2026, 1, 8, 5, 0), 4 * H) == dubai(2026, 1, 8, 11, 30)
    assert add_working_time(SHARJAH, dubai(2026, 1, 8, 20, 0), H) == dubai(2026, 1, 12, 8, 30)


def test_the_federal_friday_half_day():
    thursday = dubai(2026, 1, 8, 14, 0)
    assert add_working_time(FEDERAL, thursday, 8 * H) == dubai(2026, 1, 12, 9, 30)
    assert add_working_time(SHARJAH, thursday, 8 * H) == dubai(2026, 1, 12, 14, 0)
    # Work that ends exactly at closing time is due at closing time, not at the next opening.
    assert add_working_time(FEDERAL, dubai(2026, 1, 9, 11, 0), H) == dubai(2026, 1, 9, 12, 0)
    assert add_working_time(FEDERAL, dubai(2026, 1, 9, 11, 0), H + MIN) == dubai(2026, 1, 12, 7, 31)
    week = working_time_between(FEDERAL, dubai(2026, 1, 12), dubai(2026, 1, 19))
    assert week == timedelta(hours=36, minutes=30)


def _thirtieth_working_day(start: date, closed: set[date], weekend: set[int]) -> date:
    day, count = start, 0
    while True:
        if day.isoweekday() not in weekend and day not in closed:
            count += 1
            if count == 30:
                return day
        day += timedelta(days=1)


@pytest.mark.parametrize(("start", "expected"), [
    (date(2026, 1, 5), date(2026, 2, 24)),  # no holiday on the way
    (date(2026, 5, 4), date(2026, 6, 30)),  # Arafat, Eid al-Adha and the Hijri New Year on the way
])
def test_thirty_working_days_in_sharjah(start, expected):
    closed = {day for day, *_ in defaults.UAE_PUBLIC_HOLIDAYS}
    assert _thirtieth_working_day(start, closed, {5, 6, 7}) == expected
    due = add_working_time(SHARJAH, dubai(start.year, start.month, start.day, 7, 30), 30 * 8 * H)
    assert due == dubai(expected.year, expected.month, expected.day, 15, 30)


def test_holidays_on_the_weekend_change_nothing():
    # Islamic New Year 2027 is a Sunday; Eid al-Fitr 2026 is Friday to Sunday, Sharjah's weekend.
    assert working_time_between(FEDERAL, dubai(2027, 5, 31), dubai(2027, 6, 7)) == timedelta(hours=36, minutes=30)
    assert working_time_between(SHARJAH, dubai(2026, 3, 16), dubai(2026, 3, 23)) == 32 * H
    # ...while the federal calendar loses that Friday's half day.
    assert working_time_between(FEDERAL, dubai(2026, 3, 16), dubai(2026, 3, 23)) == 32 * H


def test_exception_days_can_shorten_a_day_or_open_a_weekend_day():
    assert working_time_between(LONDON_OFFICE, datetime(2026, 3, 26, tzinfo=LONDON),
                                datetime(2026, 3, 27, tzinfo=LONDON)) == 3 * H  # half day
    saturday = datetime(2026, 3, 28, 9, 0, tzinfo=LONDON)
    assert next_working_moment(LONDON_OFFICE, saturday) == datetime(2026, 3, 28, 10, 0, tzinfo=LONDON)
    assert add_working_time(LONDON_OFFICE, saturday, 5 * H) == datetime(2026, 3, 30, 10, 0, tzinfo=LONDON)


# --- Boundaries and the other two operations --------------------------------------------------


def test_periods_include_their_start_and_exclude_their_end():
    assert is_working_time(SHARJAH, dubai(2026, 1, 8, 7, 30))
    assert is_working_time(SHARJAH, dubai(2026, 1, 8, 15, 29, 59))
    assert not is_working_time(SHARJAH, dubai(2026, 1, 8, 15, 30))
    assert not is_working_time(SHARJAH, dubai(2026, 1, 1, 10, 0))  # New Year's Day
    assert not is_working_time(SHARJAH, dubai(2026, 1, 9, 10, 0))  # Friday
    assert is_working_time(FEDERAL, dubai(2026, 1, 9, 10, 0))
    assert not is_working_time(LONDON_OFFICE, datetime(2026, 3, 30, 12, 45, tzinfo=LONDON))  # lunch


def test_next_working_moment():
    at = dubai(2026, 1, 8, 10, 0)
    assert next_working_moment(SHARJAH, at) == at
    assert next_working_moment(SHARJAH, dubai(2026, 1, 8, 15, 30)) == dubai(2026, 1, 12, 7, 30)
    assert next_working_moment(SHARJAH, dubai(2026, 11, 30, 16, 0)) == dubai(2026, 12, 7, 7, 30)
    assert next_working_moment(LONDON_OFFICE, datetime(2026, 3, 30, 12, 45, tzinfo=LONDON)) == datetime(
        2026, 3, 30, 13, 30, tzinfo=LONDON)


def test_working_time_between_is_signed():
    a, b = dubai(2026, 1, 8, 14, 0), dubai(2026, 1, 13, 14, 0)
    assert working_time_between(SHARJAH, a, b) == 16 * H
    assert working_time_between(SHARJAH, b, a) == -16 * H  # overdue by 16 working hours
    assert working_time_between(SHARJAH, a, a) == timedelta(0)
    assert working_time_between(SHARJAH, dubai(2026, 1, 9, 8), dubai(2026, 1, 11, 20)) == timedelta(0)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="aware"):
        add_working_time(SHARJAH, datetime(2026, 1, 8, 14, 0), H)
    with pytest.raises(ValueError, match="aware"):
        working_time_between(SHARJAH, dubai(2026, 1, 8), datetime(2026, 1, 9))
    with pytest.raises(ValueError, match="negative"):
        add_working_time(SHARJAH, dubai(2026, 1, 8), -H)
    assert add_working_time(SHARJAH, dubai(2026, 1, 8, 22, 0), timedelta(0)) == dubai(2026, 1, 8, 22, 0)


def test_a_calendar_without_working_time_fails_instead_of_looping():
    only_one_day = hours.Calendar(week=[()] * 7, exceptions={date(2026, 1, 10): [(600, 660)]})
    assert add_working_time(only_one_day, dubai(2026, 1, 1), 30 * MIN) == datetime(2026, 1, 10, 10, 30, tzinfo=DUBAI)
    with pytest.raises(hours.NoWorkingTime):
        add_working_time(only_one_day, dubai(2026, 1, 1), 2 * H)
    with pytest.raises(hours.NoWorkingTime):
        next_working_moment(only_one_day, dubai(2026, 1, 11))


def test_long_spans_jump_over_whole_weeks():
    calendar = hours.Calendar.from_schedule(schedule=defaults.CALENDARS[0]["schedule"])
    due = add_working_time(calendar, dubai(2026, 1, 5, 7, 30), 52 * 32 * H)  # a year of Sharjah weeks
    assert due == dubai(2026, 12, 31, 15, 30)
    assert len(calendar._days) < 20  # days looked at one by one, out of 361


# --- Time zones with summer time --------------------------------------------------------------


@pytest.mark.parametrize("zone", ["Europe/London", "America/Santiago", "Australia/Lord_Howe", "Asia/Dubai"])
def test_an_always_open_calendar_measures_real_elapsed_time(zone):
    # Clocks change at 01:00 (London), at midnight (Santiago), by 30 minutes
    # (Lord Howe): whatever the zone, 24/7 working time is elapsed time.
    calendar = always_open(zone)
    rng = random.Random(20260101)
    for _ in range(300):
        start = datetime(2025, 6, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(3 * 365 * 86400))
        duration = timedelta(seconds=rng.randrange(400 * 86400))
        assert add_working_time(calendar, start, duration) == start + duration
        assert working_time_between(calendar, start, start + duration) == duration


def test_a_day_lasts_23_or_25_hours_when_clocks_change():
    calendar = always_open("Europe/London")
    assert working_time_between(calendar, datetime(2026, 3, 29, tzinfo=LONDON),
                                datetime(2026, 3, 30, tzinfo=LONDON)) == 23 * H
    assert working_time_between(calendar, datetime(2026, 10, 25, tzinfo=LONDON),
                                datetime(2026, 10, 26, tzinfo=LONDON)) == 25 * H


def test_office_hours_across_the_spring_change_keep_their_wall_clock_times():
    due = add_working_time(LONDON_OFFICE, datetime(2026, 3, 27, 16, 0, tzinfo=LONDON), 4 * H)
    # Friday 1.5 h, Saturday's special 4 h... is more than needed: 2.5 h from 10:00.
    assert due == datetime(2026, 3, 28, 12, 30, tzinfo=LONDON)
    due = add_working_time(LONDON_OFFICE, datetime(2026, 3, 27, 16, 0, tzinfo=LONDON), 8 * H)
    assert due == datetime(2026, 3, 30, 11, 30, tzinfo=LONDON)  # BST now: 10:30 UTC
    assert due == datetime(2026, 3, 30, 10, 30, tzinfo=UTC)


def test_times_skipped_or_repeated_by_a_clock_change():
    # 01:30 does not exist on 29 March: it means the change itself (01:00 UTC).
    spring = hours.Calendar.from_schedule(
        time_zone="Europe/London", schedule={"7": [["00:30", "01:30"], ["01:45", "03:00"]]})
    assert spring.spans(date(2026, 3, 29)) == (
        (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), datetime(2026, 3, 29, 2, 0, tzinfo=UTC)),
    )
    # 01:30 happens twice on 25 October: it means the first time.
    autumn = hours.Calendar.from_schedule(time_zone="Europe/London", schedule={"7": [["01:30", "02:30"]]})
    assert autumn.spans(date(2026, 10, 25)) == (
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 2, 30, tzinfo=UTC)),
    )


# --- Properties over many random cases (fixed seed) -------------------------------------------


def _reference_between(calendar: hours.Calendar, start: datetime, end: datetime) -> timedelta:
    """Minute by minute: is the wall clock inside that date's periods? Independent of the day walk."""
    minutes, moment = 0, start
    while moment < end:
        local = moment.astimezone(calendar.zone)
        now = local.hour * 60 + local.minute
        minutes += any(a <= now < b for a, b in calendar.intervals_on(local.date()))
        moment += MIN
    return minutes * MIN


@pytest.mark.parametrize("calendar", [SHARJAH, FEDERAL, LONDON_OFFICE], ids=lambda c: c.code)
def test_matches_a_minute_by_minute_count(calendar):
    rng = random.Random(7)
    for _ in range(40):
        # Windows around the spring clock change and the Eid al-Fitr holidays.
        start = datetime(2026, 3, 12, tzinfo=UTC) + rng.randrange(20 * 24 * 60) * MIN
        end = start + rng.randrange(10 * 24 * 60) * MIN
        expected = _reference_between(calendar, start, end)
        assert working_time_between(calendar, start, end) == expected
        if expected:
            assert add_working_time(calendar, start, expected) <= end


@pytest.mark.parametrize("calendar", [SHARJAH, FEDERAL, LONDON_OFFICE], ids=lambda c: c.code)
def test_working_time_between_inverts_add_working_time(calendar):
    rng = random.Random(42)
    for _ in range(1500):
        start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(2 * 365 * 86400),
                                                             microseconds=rng.randrange(10**6))
        duration = rng.choice([
            timedelta(0),
            timedelta(seconds=rng.randrange(1, 8 * 3600)),
            timedelta(minutes=rng.randrange(1, 30 * 8 * 60)),
            timedelta(hours=rng.randrange(1, 2000)),
        ])
        due = add_working_time(calendar, start, duration)
        assert due >= start
        assert working_time_between(calendar, start, due) == duration
        if duration:
            # The earliest such moment: a moment before it has not reached the duration.
            assert working_time_between(calendar, start, due - timedelta(microseconds=1)) < duration
            assert is_working_time(calendar, due - timedelta(microseconds=1))


@pytest.mark.parametrize("calendar", [SHARJAH, LONDON_OFFICE], ids=lambda c: c.code)
def test_working_time_is_additive_and_antisymmetric(calendar):
    rng = random.Random(3)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for _ in range(500):
        a, b, c = (base + timedelta(seconds=rng.randrange(2 * 365 * 86400)) for _ in range(3))
        ab, bc, ac = (working_time_between(calendar, x, y) for x, y in ((a, b), (b, c), (a, c)))
        assert ab + bc == ac
        assert working_time_between(calendar, b, a) == -ab
        if ab > timedelta(0):
            assert add_working_time(calendar, a, ab) <= b
            just_before = b - timedelta(microseconds=1)
            assert add_working_time(calendar, a, ab) == b or not is_working_time(calendar, just_before)


# --- Parsing the stored forms -----------------------------------------------------------------


@pytest.mark.parametrize("schedule", [
    {"1": [["07:30", "15:30"], ["12:00", "16:00"]]},  # overlap
    {"1": [["12:00", "15:00"], ["07:30", "09:00"]]},  # out of order
    {"1": [["15:30", "07:30"]]},  # ends before it starts
    {"1": [["07:30", "07:30"]]},  # empty
    {"1": [["7:30", "15:30"]]},  # not HH:MM
    {"1": [["07:30", "24:30"]]},  # past midnight
    {"1": [["22:00", "02:00"]]},  # across midnight: two periods on two days instead
    {"1": [["07:30"]]},
    {"1": "07:30-15:30"},
    {"8": [["07:30", "15:30"]]},  # no such weekday
    {"1": []},  # no working time at all
    [["07:30", "15:30"]],
])
def test_invalid_schedules_are_refused(schedule):
    with pytest.raises(hours.ScheduleError):
        hours.parse_week(schedule)


def test_schedules_are_normalised():
    week = hours.parse_week({"1": [["07:30", "12:00"], ["12:00", "15:30"]], "5": [["00:00", "24:00"]]})
    assert week[0] == ((450, 930),) and week[4] == ((0, 1440),) and week[6] == ()
    assert hours.format_week(week)["1"] == [["07:30", "15:30"]]
    assert hours.format_week(week)["5"] == [["00:00", "24:00"]]
    with pytest.raises(hours.ScheduleError):
        hours.parse_zone("Mars/Olympus_Mons")
