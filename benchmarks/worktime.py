"""How fast working-time arithmetic is: calls per second of ``add_working_time``.

Uses the default Sharjah government calendar (Monday–Thursday 07:30–15:30,
the 2026–2027 UAE public holidays) built in memory, so no database is needed.
Starts are spread at random (fixed seed) over 2026–2027 at any hour.

"warm" is the steady state of a server process: one calendar object reused,
its days memoised. "cold" empties that memo before every call, so every day
is computed from the schedule: the worst case.

    .venv/bin/python benchmarks/worktime.py [--seconds 2]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
# Only the translation machinery is used (schedule validation messages); no database.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time spent on each case")
    args = parser.parse_args()

    import django

    django.setup()
    from manassa.worktime import defaults, hours

    spec = next(c for c in defaults.CALENDARS if c["code"] == defaults.SHARJAH)

    calendar = hours.Calendar.from_schedule(
        code=spec["code"], time_zone=spec["time_zone"], schedule=spec["schedule"],
        exceptions={day: [] for day, *_ in defaults.UAE_PUBLIC_HOLIDAYS},
    )
    forget = calendar._days.clear

    rng = random.Random(2026)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    starts = [base + timedelta(seconds=rng.randrange(2 * 365 * 86400)) for _ in range(10_000)]
    cases = [("8 working hours", timedelta(hours=8)), ("30 working days (240 h)", timedelta(hours=240))]

    print(f"Python {platform.python_version()} on {platform.machine()}, {args.seconds:g} s per case")
    print(f"{'case':<28}{'warm calls/s':>15}{'cold calls/s':>15}")
    for label, duration in cases:
        rates = []
        for cold in (False, True):
            calls, started = 0, time.perf_counter()
            deadline = started + args.seconds
            while time.perf_counter() < deadline:
                for start in starts[calls % len(starts):][:200]:
                    if cold:
                        forget()
                    hours.add_working_time(calendar, start, duration)
                    calls += 1
            rates.append(calls / (time.perf_counter() - started))
        print(f"{label:<28}{rates[0]:>15,.0f}{rates[1]:>15,.0f}")


if __name__ == "__main__":
    main()
