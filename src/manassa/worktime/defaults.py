"""The calendars a new installation starts with: Sharjah government and UAE federal government, 2026–2027.

Sources (checked 2025; see docs/worktime.md):
* Sharjah government: four-day week from 1 January 2022, Monday–Thursday
  07:30–15:30, Friday to Sunday off (Sharjah Executive Council decision,
  Sharjah Human Resources Department circular of December 2021).
* UAE federal government: from 1 January 2022, Monday–Thursday 07:30–15:30,
  Friday 07:30–12:00, Saturday and Sunday off (Federal Authority for
  Government Human Resources).
* Public holidays: UAE Cabinet Resolution No. 27 of 2024 on official
  holidays, which applies to the public and private sectors and so to both
  calendars: 1 January; Eid al-Fitr 1–3 Shawwal (and 30 Ramadan when Ramadan
  has thirty days); Arafat Day 9 Dhu al-Hijjah; Eid al-Adha 10–12 Dhu
  al-Hijjah; Hijri New Year 1 Muharram; the Prophet's Birthday 12 Rabi'
  al-Awwal; Commemoration Day 1 December; National Day 2–3 December.

Hijri dates are forecasts (the Umm al-Qura tables, which match the UAE's
published forecasts for 2026) and are marked ``is_estimate``: the month
starts on the sighting of the moon, and the Cabinet may also move a holiday
other than the two Eids to the start or end of a week. The Digital Office
corrects them with ``holiday_update`` when they are announced.
"""

from __future__ import annotations

from datetime import date

SHARJAH = "SHJ-GOV"
FEDERAL = "UAE-FED"

CALENDARS = [
    {
        "code": SHARJAH,
        "name_ar": "حكومة الشارقة",
        "name_en": "Government of Sharjah",
        "time_zone": "Asia/Dubai",
        "schedule": {
            "1": [["07:30", "15:30"]], "2": [["07:30", "15:30"]], "3": [["07:30", "15:30"]],
            "4": [["07:30", "15:30"]], "5": [], "6": [], "7": [],
        },
    },
    {
        "code": FEDERAL,
        "name_ar": "الحكومة الاتحادية",
        "name_en": "UAE Federal Government",
        "time_zone": "Asia/Dubai",
        "schedule": {
            "1": [["07:30", "15:30"]], "2": [["07:30", "15:30"]], "3": [["07:30", "15:30"]],
            "4": [["07:30", "15:30"]], "5": [["07:30", "12:00"]], "6": [], "7": [],
        },
    },
]

_FITR = ("عيد الفطر", "Eid al-Fitr")
_ADHA = ("عيد الأضحى", "Eid al-Adha")
_DAYS = [("اليوم الأول", "day 1"), ("اليوم الثاني", "day 2"), ("اليوم الثالث", "day 3")]


def _eid(name: tuple[str, str], first: date) -> list[tuple[date, str, str, bool]]:
    return [
        (date.fromordinal(first.toordinal() + n), f"{name[0]} ({ar})", f"{name[1]} ({en})", True)
        for n, (ar, en) in enumerate(_DAYS)
    ]


def _national(year: int) -> list[tuple[date, str, str, bool]]:
    return [
        (date(year, 12, 1), "يوم الشهيد", "Commemoration Day", False),
        (date(year, 12, 2), "عيد الاتحاد (اليوم الوطني)", "Eid Al Etihad (National Day)", False),
        (date(year, 12, 3), "عيد الاتحاد (اليوم الوطني)", "Eid Al Etihad (National Day)", False),
    ]


# (date, Arabic name, English name, is the date an estimate)
UAE_PUBLIC_HOLIDAYS: list[tuple[date, str, str, bool]] = [
    # 2026 — 1447/1448 AH
    (date(2026, 1, 1), "رأس السنة الميلادية", "New Year's Day", False),
    *_eid(_FITR, date(2026, 3, 20)),  # 1–3 Shawwal 1447
    (date(2026, 5, 26), "يوم عرفة", "Arafat Day", True),  # 9 Dhu al-Hijjah 1447
    *_eid(_ADHA, date(2026, 5, 27)),  # 10–12 Dhu al-Hijjah 1447
    (date(2026, 6, 16), "رأس السنة الهجرية", "Islamic New Year", True),  # 1 Muharram 1448
    (date(2026, 8, 25), "المولد النبوي الشريف", "The Prophet's Birthday", True),  # 12 Rabi' al-Awwal 1448
    *_national(2026),
    # 2027 — 1448/1449 AH
    (date(2027, 1, 1), "رأس السنة الميلادية", "New Year's Day", False),
    *_eid(_FITR, date(2027, 3, 9)),  # 1–3 Shawwal 1448
    (date(2027, 5, 15), "يوم عرفة", "Arafat Day", True),  # 9 Dhu al-Hijjah 1448 (a Saturday)
    *_eid(_ADHA, date(2027, 5, 16)),  # 10–12 Dhu al-Hijjah 1448
    (date(2027, 6, 6), "رأس السنة الهجرية", "Islamic New Year", True),  # 1 Muharram 1449 (a Sunday)
    (date(2027, 8, 14), "المولد النبوي الشريف", "The Prophet's Birthday", True),  # 12 Rabi' al-Awwal 1449
    *_national(2027),
]


def install_defaults(calendar_model, holiday_model) -> int:
    """Create the default calendars that are missing, with their holidays; returns the rows created.

    Takes the model classes so the data migration can pass its historical
    models. A calendar that exists is left alone, holidays included: a moved
    or deleted holiday is the Digital Office's decision and must not come back.
    """
    created = 0
    for spec in CALENDARS:
        calendar, made = calendar_model.objects.get_or_create(
            code=spec["code"], defaults={key: value for key, value in spec.items() if key != "code"}
        )
        if not made:
            continue
        holidays = holiday_model.objects.bulk_create(
            holiday_model(calendar=calendar, date=day, name_ar=name_ar, name_en=name_en, is_estimate=estimate)
            for day, name_ar, name_en, estimate in UAE_PUBLIC_HOLIDAYS
        )
        created += 1 + len(holidays)
    return created
