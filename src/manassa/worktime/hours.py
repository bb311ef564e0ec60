"""Working-time arithmetic: how much office time lies between two moments, and when N hours of it end.

Everything here is pure (no database): a :class:`Calendar` is an immutable
value built from a weekly schedule and a map of exception days, and the four
functions take one. ``manassa.worktime.selectors.calendar_for`` builds and
caches them from the database.

Model of time
-------------
* A working period is a half-open interval ``[start, end)`` of local wall-clock
  time within one date, ``00:00`` ≤ start < end ≤ ``24:00``. Periods never
  cross midnight: a night shift is written as two periods on two days.
* A local wall time ``t`` on a date stands for the first instant at which the
  clocks of the calendar's zone read ``t`` or later. So a time skipped by a
  spring-forward change means the change itself, and a time repeated by a
  fall-back change means its first occurrence. Working time is real elapsed
  time: a period 00:00–24:00 lasts 23 hours on the day clocks go forward.
* Moments are aware datetimes; results are returned in UTC (what the database
  stores). Naive datetimes are refused.

Speed
-----
The functions walk day by day, never minute by minute, and jump over whole
weeks in one step when those weeks hold no exception day and no clock change
(then a week holds exactly the nominal weekly hours). Each calendar memoises
the UTC periods of the days it has seen, so repeated calls in one process cost
a dictionary look-up per day.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

# Minutes after local midnight: (start, end) with 0 <= start < end <= 1440.
Interval = tuple[int, int]
Span = tuple[datetime, datetime]

MINUTES_PER_DAY = 24 * 60
ZERO = timedelta(0)
ONE_DAY = timedelta(days=1)
ONE_WEEK = timedelta(days=7)
# The smallest step of a datetime; "strictly less than" on timedeltas.
TICK = timedelta(microseconds=1)
# Whole weeks are skipped only from the third day on: the first day is partly
# before the start, and where clocks fall back across midnight so can the
# second. At most this many weeks go in one jump, so a date never overflows.
SKIP_AFTER = timedelta(days=2)
SKIP_LIMIT = 520
# A process keeps at most this many days of one calendar memoised (about 55 years).
DAY_CACHE_LIMIT = 20_000

_TIME_RE = re.compile(r"^(?:([01]\d|2[0-3]):([0-5]\d)|24:00)$")


class ScheduleError(ValueError):
    """A schedule, a day's hours or a time zone that cannot be used; the message is for people."""

    def __init__(self, message) -> None:
        self.message = message
        super().__init__(str(message))


class NoWorkingTime(ValueError):
    """The calendar has no working time at or after a moment, so no answer exists."""


# --- Parsing and formatting the stored form: [["07:30", "15:30"], ...] ---------------------


def parse_time(value: object, *, day: str) -> int:
    if not isinstance(value, str) or not _TIME_RE.match(value):
        raise ScheduleError(
            _("%(day)s: “%(value)s” is not a time of day written HH:MM between 00:00 and 24:00.")
            % {"day": day, "value": value}
        )
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def format_time(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_intervals(raw: object, *, day: str) -> tuple[Interval, ...]:
    """Validate one day's periods: pairs of HH:MM, each ending after it starts, in order, not overlapping.

    Periods that touch (12:00 end, 12:00 start) are accepted and merged: they
    mean the same as one period, and merging keeps the arithmetic simple.
    """
    if not isinstance(raw, list | tuple):
        raise ScheduleError(_("%(day)s: give the working periods as a list of [start, end] pairs.") % {"day": day})
    intervals: list[Interval] = []
    for pair in raw:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise ScheduleError(
                _("%(day)s: give the working periods as a list of [start, end] pairs.") % {"day": day}
            )
        start, end = parse_time(pair[0], day=day), parse_time(pair[1], day=day)
        if end <= start:
            raise ScheduleError(
                _("%(day)s: a working period must end after it starts (%(start)s–%(end)s).")
                % {"day": day, "start": pair[0], "end": pair[1]}
            )
        if intervals and start < intervals[-1][1]:
            raise ScheduleError(
                _("%(day)s: working periods must be in order and must not overlap (%(start)s–%(end)s).")
                % {"day": day, "start": pair[0], "end": pair[1]}
            )
        if intervals and start == intervals[-1][1]:
            intervals[-1] = (intervals[-1][0], end)
        else:
            intervals.append((start, end))
    return tuple(intervals)


def format_intervals(intervals: Iterable[Interval]) -> list[list[str]]:
    return [[format_time(start), format_time(end)] for start, end in intervals]


def weekday_label(iso_weekday: int) -> str:
    return str(WEEKDAYS[iso_weekday - 1])


def parse_week(raw: object) -> tuple[tuple[Interval, ...], ...]:
    """``{"1": [["07:30", "15:30"]], …, "7": []}`` (ISO weekdays, 1 = Monday) to seven tuples, Monday first.

    A missing weekday is a day off; an unknown key is an error, so a typo
    never silently closes a day.
    """
    if not isinstance(raw, Mapping):
        raise ScheduleError(_("Give the weekly schedule as an object keyed by ISO weekday, 1 (Monday) to 7 (Sunday)."))
    unknown = sorted(str(key) for key in raw if str(key) not in {str(n) for n in range(1, 8)})
    if unknown:
        raise ScheduleError(
            _("Unknown weekday “%(day)s”: use 1 (Monday) to 7 (Sunday).") % {"day": unknown[0]}
        )
    week = tuple(
        parse_intervals(raw.get(str(n), raw.get(n, [])), day=weekday_label(n)) for n in range(1, 8)
    )
    if not any(week):
        raise ScheduleError(_("The weekly schedule has no working time."))
    return week


def format_week(week: Iterable[Iterable[Interval]]) -> dict[str, list[list[str]]]:
    return {str(n): format_intervals(day) for n, day in enumerate(week, start=1)}


def parse_zone(name: object) -> ZoneInfo:
    try:
        if not isinstance(name, str) or not name:
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleError(_("Unknown time zone “%(zone)s”.") % {"zone": name}) from exc


# --- Clock changes ---------------------------------------------------------------------------


def _offset_at_midnight(zone: ZoneInfo, day: date):
    return datetime(day.year, day.month, day.day, tzinfo=zone).utcoffset()


@functools.lru_cache(maxsize=512)
def transition_days(zone: ZoneInfo, year: int) -> tuple[date, ...]:
    """The dates of ``year`` during which the zone's UTC offset changes, in order.

    A day is found by comparing the offsets at its midnight and at the next
    one, so this assumes a zone never changes its offset twice within one day
    and back again — true of every zone in the tz database since 1970.
    """
    days = []
    day = date(year, 1, 1)
    offset = _offset_at_midnight(zone, day)
    while day.year == year:
        following = day + ONE_DAY
        next_offset = _offset_at_midnight(zone, following)
        if next_offset != offset:
            days.append(day)
        day, offset = following, next_offset
    return tuple(days)


def _wall_to_utc(zone: ZoneInfo, day: date, minutes: int) -> datetime:
    """The first instant at which the zone's clocks read ``day`` + ``minutes`` or later."""
    wall = datetime(day.year, day.month, day.day) + timedelta(minutes=minutes)
    instant = wall.replace(tzinfo=zone).astimezone(UTC)  # fold=0: the earlier of two readings
    if instant.astimezone(zone).replace(tzinfo=None) == wall:
        return instant
    # ``wall`` falls in a spring-forward gap: the answer is the change itself,
    # after the fold=1 reading (which lies before it) and no later than the
    # fold=0 one. Offsets are whole seconds, so a search over seconds is exact.
    low = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    below, above = 0, int((instant - low).total_seconds())
    while above - below > 1:
        middle = (below + above) // 2
        if (low + timedelta(seconds=middle)).astimezone(zone).replace(tzinfo=None) >= wall:
            above = middle
        else:
            below = middle
    return low + timedelta(seconds=above)


# --- The calendar ----------------------------------------------------------------------------


class Calendar:
    """A weekly schedule, a set of exception days and a time zone; immutable once built.

    ``exceptions`` maps a date to that day's periods instead of the weekly
    ones: an empty tuple closes the day (a public holiday), other periods make
    it a half day or a working weekend day.
    """

    __slots__ = (
        "code", "zone", "week", "exceptions", "revision",
        "week_length", "_exception_dates", "_last_open_exception", "_days",
    )

    def __init__(
        self,
        *,
        code: str = "",
        zone: ZoneInfo | str = "Asia/Dubai",
        week: Iterable[Iterable[Interval]],
        exceptions: Mapping[date, Iterable[Interval]] | None = None,
        revision: str = "",
    ) -> None:
        self.code = code
        self.zone = zone if isinstance(zone, ZoneInfo) else parse_zone(zone)
        self.week = tuple(tuple(day) for day in week)
        if len(self.week) != 7:
            raise ValueError("a week has seven days")
        self.exceptions = {day: tuple(hours) for day, hours in (exceptions or {}).items()}
        self.revision = revision
        self.week_length = timedelta(minutes=sum(end - start for day in self.week for start, end in day))
        self._exception_dates = tuple(sorted(self.exceptions))
        self._last_open_exception = max((d for d, hours in self.exceptions.items() if hours), default=None)
        self._days: dict[date, tuple[Span, ...]] = {}

    @classmethod
    def from_schedule(
        cls,
        *,
        code: str = "",
        time_zone: str = "Asia/Dubai",
        schedule: Mapping,
        exceptions: Mapping[date, list] | None = None,
        revision: str = "",
    ) -> Calendar:
        """Build from the stored JSON forms, validating them."""
        return cls(
            code=code,
            zone=parse_zone(time_zone),
            week=parse_week(schedule),
            exceptions={
                day: parse_intervals(hours, day=day.isoformat()) for day, hours in (exceptions or {}).items()
            },
            revision=revision,
        )

    def __repr__(self) -> str:
        return f"<Calendar {self.code or '?'} {self.zone.key} rev={self.revision[:8]}>"

    def intervals_on(self, day: date) -> tuple[Interval, ...]:
        """The local working periods of ``day``: its exception if it has one, else the weekly ones."""
        hours = self.exceptions.get(day)
        return self.week[day.weekday()] if hours is None else hours

    def spans(self, day: date) -> tuple[Span, ...]:
        """The working periods of ``day`` as UTC instants, in order, none empty."""
        spans = self._days.get(day)
        if spans is not None:
            return spans
        intervals = self.intervals_on(day)
        if not intervals:
            spans = ()
        elif day in transition_days(self.zone, day.year):
            spans = tuple(
                span
                for span in (
                    (_wall_to_utc(self.zone, day, start), _wall_to_utc(self.zone, day, end))
                    for start, end in intervals
                )
                if span[0] < span[1]
            )
        else:
            # No clock change today: one offset holds from this midnight to the next.
            midnight = datetime(day.year, day.month, day.day, tzinfo=UTC) - _offset_at_midnight(self.zone, day)
            spans = tuple(
                (midnight + timedelta(minutes=start), midnight + timedelta(minutes=end)) for start, end in intervals
            )
        if len(self._days) >= DAY_CACHE_LIMIT:
            self._days.clear()
        self._days[day] = spans
        return spans

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def plain_weeks(self, day: date, *, limit: int) -> int:
        """How many whole weeks from ``day`` on (at most ``limit``) hold exactly ``week_length``.

        Such a week has no exception day and no clock change, so its real
        working time is the nominal weekly time.
        """
        if limit <= 0 or not self.week_length:
            return 0
        horizon = day + ONE_WEEK * limit
        blocker = None
        index = bisect.bisect_left(self._exception_dates, day)
        if index < len(self._exception_dates) and self._exception_dates[index] < horizon:
            blocker = self._exception_dates[index]
        for year in range(day.year, (blocker or horizon).year + 1):
            changes = [d for d in transition_days(self.zone, year) if d >= day]
            if changes:
                blocker = min(blocker or changes[0], changes[0])
                break
        if blocker is None or blocker >= horizon:
            return limit
        return (blocker - day).days // 7

    def check_open_after(self, day: date) -> None:
        """Refuse to walk forever over a calendar that has no working time left."""
        if not self.week_length and (self._last_open_exception is None or day > self._last_open_exception):
            raise NoWorkingTime(f"calendar {self.code or '?'} has no working time after {day.isoformat()}")


def _require_aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        raise ValueError(f"{name} must be an aware datetime")
    return moment.astimezone(UTC)


# --- The four operations -----------------------------------------------------------------------


def is_working_time(calendar: Calendar, at: datetime) -> bool:
    """Whether ``at`` lies inside a working period (periods include their start, exclude their end)."""
    moment = _require_aware(at, "at")
    day = calendar.local_date(moment)
    # The next day is looked at too: where clocks fall back across midnight,
    # an instant can read as one date yet belong to the next one.
    return any(start <= moment < end for d in (day, day + ONE_DAY) for start, end in calendar.spans(d))


def next_working_moment(calendar: Calendar, at: datetime) -> datetime:
    """``at`` itself when it is working time, else the start of the next working period (UTC)."""
    moment = _require_aware(at, "at")
    day = calendar.local_date(moment)
    while True:
        for start, end in calendar.spans(day):
            if end > moment:
                return max(start, moment)
        day += ONE_DAY
        calendar.check_open_after(day)


def add_working_time(calendar: Calendar, start: datetime, duration: timedelta) -> datetime:
    """The first moment by which ``duration`` of working time has elapsed since ``start`` (UTC).

    Time before the next opening does not count, so a start at night or on a
    holiday counts from the next opening. The answer is the earliest such
    moment: work that ends exactly at closing time is due at closing time, not
    at the next opening. A zero duration returns ``start``; a negative one is
    an error (there is no "subtract").
    """
    moment = _require_aware(start, "start")
    if duration < ZERO:
        raise ValueError("duration must not be negative")
    if not duration:
        return moment
    remaining = duration
    week_length = calendar.week_length
    day = calendar.local_date(moment)
    skip_from = day + SKIP_AFTER
    while True:
        if day >= skip_from and week_length and remaining > week_length:
            weeks = calendar.plain_weeks(day, limit=min((remaining - TICK) // week_length, SKIP_LIMIT))
            if weeks:
                remaining -= week_length * weeks
                day += ONE_WEEK * weeks
        for opens, closes in calendar.spans(day):
            if closes <= moment:
                continue
            opens = max(opens, moment)
            available = closes - opens
            if available >= remaining:
                return opens + remaining
            remaining -= available
        day += ONE_DAY
        calendar.check_open_after(day)


def working_time_between(calendar: Calendar, start: datetime, end: datetime) -> timedelta:
    """The working time in ``[start, end)``, signed: ``-working_time_between(end, start)`` when end < start.

    The sign makes the measure additive for any three moments
    (``between(a, b) + between(b, c) == between(a, c)``), so "time left before
    a deadline" is negative by the working time already overdue.
    """
    low, high = _require_aware(start, "start"), _require_aware(end, "end")
    if high < low:
        return -working_time_between(calendar, high, low)
    total = ZERO
    week_length = calendar.week_length
    day, last_day = calendar.local_date(low), calendar.local_date(high)
    skip_from = day + SKIP_AFTER
    # One day past the end's date: where clocks fall back across midnight, the
    # end can read as one date yet lie in the next day's first hour.
    while day <= last_day + ONE_DAY:
        if day >= skip_from and week_length:
            weeks = calendar.plain_weeks(day, limit=min((last_day - day).days // 7, SKIP_LIMIT))
            if weeks:
                total += week_length * weeks
                day += ONE_WEEK * weeks
        for opens, closes in calendar.spans(day):
            if closes <= low:
                continue
            if opens >= high:
                return total
            total += min(closes, high) - max(opens, low)
        day += ONE_DAY
    return total
