"""How long the catalog interchange format takes on a large catalog.

Generates N services (default 10,000) in ``manassa-catalog/1`` from word lists
in both languages, then times, against the configured database:
validation (parse + dry run), the first import, an idempotent re-import, a
re-import with 10 % of the services changed, and the export. It checks on the
way that the export is byte-identical to the generated (canonical) document.

Run it only on a throw-away database; it refuses one that already has services.

SQLite:
    export MANASSA_VAR_DIR=/tmp/manassa-bench DJANGO_SETTINGS_MODULE=config.settings.local
    .venv/bin/manassa migrate --noinput && .venv/bin/python benchmarks/catalog_import.py

PostgreSQL:
    createdb -h 127.0.0.1 -U postgres manassa_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/manassa_bench DJANGO_SETTINGS_MODULE=config.settings.local
    .venv/bin/manassa migrate --noinput && .venv/bin/python benchmarks/catalog_import.py
    dropdb -h 127.0.0.1 -U postgres manassa_bench
"""

from __future__ import annotations

import argparse
import copy
import os
import platform
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

# (Arabic, English) pairs; names are built from an action and an object.
ACTIONS = [
    ("إصدار", "Issue"), ("تجديد", "Renew"), ("إلغاء", "Cancel"), ("تعديل", "Amend"), ("طلب", "Request"),
    ("تسجيل", "Register"), ("نقل", "Transfer"), ("استبدال", "Replace"), ("اعتماد", "Approve"),
    ("الاستعلام عن", "Enquire about"), ("دفع", "Pay"), ("حجز", "Book"),
]
OBJECTS = [
    ("رخصة قيادة", "driving licence"), ("رخصة تجارية", "trade licence"), ("شهادة ميلاد", "birth certificate"),
    ("فاتورة كهرباء", "electricity bill"), ("عداد مياه", "water meter"), ("تصريح بناء", "building permit"),
    ("شهادة حسن سيرة", "good conduct certificate"), ("ملكية عقار", "property title"), ("عقد إيجار", "tenancy contract"),
    ("بطاقة صحية", "health card"), ("تأشيرة زيارة", "visit visa"), ("لوحة مركبة", "vehicle plate"),
    ("مخالفة مرورية", "traffic fine"), ("منحة سكنية", "housing grant"), ("موعد طبي", "medical appointment"),
    ("شهادة إتمام بناء", "building completion certificate"), ("تصريح فعالية", "event permit"),
    ("قسيمة أرض", "land plot"), ("إعانة اجتماعية", "social allowance"), ("قيد مدرسي", "school enrolment"),
]
QUALIFIERS = [
    ("للأفراد", "for individuals"), ("للشركات", "for companies"), ("للمواطنين", "for citizens"),
    ("بدل فاقد", "lost replacement"), ("عاجل", "urgent"), ("إلكتروني", "online"), ("", ""),
]
REQUIREMENTS = [
    ("صورة الهوية الإماراتية", "Copy of the Emirates ID"), ("صورة جواز السفر", "Copy of the passport"),
    ("صورة شخصية حديثة", "Recent photograph"), ("عقد إيجار موثق", "Attested tenancy contract"),
    ("شهادة عدم ممانعة", "No-objection certificate"), ("مخطط الموقع", "Site plan"),
]
KEYWORDS = [("معاملة", "transaction"), ("خدمة", "service"), ("إلكترونية", "online"), ("سريعة", "fast"),
            ("رسوم", "fees"), ("موعد", "appointment"), ("وثيقة", "document"), ("تصريح", "permit")]
SECTORS = ["health", "housing", "utilities", "transport", "business", "education", "justice", "social",
           "environment", "tourism", "security", "culture"]
LIFE_EVENTS = ["having-a-baby", "new-home", "starting-a-business", "getting-married", "new-car", "moving-here",
               "retiring", "starting-school", "losing-a-job", "death-in-family"]


def generate(n: int, seed: int = 2026) -> dict:
    """A canonical document (every key present, sorted lists where the export sorts)."""
    from manassa.catalog.interchange import ALL_AUDIENCES, FORMAT

    rng = random.Random(seed)
    entities = []
    for i in range(40):
        kind = "local" if i < 28 else ("federal" if i < 36 else "private")
        entities.append({
            "code": f"ENT{i:02d}", "kind": kind,
            "name": {"ar": f"الجهة رقم {i}", "en": f"Authority number {i}"},
            "website": f"https://ent{i:02d}.example.ae" if i % 3 else None,
            "parent": f"ENT{i // 10:02d}" if i >= 10 and i % 4 == 0 else None,
        })
    sectors = [{"code": code, "name": {"ar": f"قطاع {i}", "en": code.title()}} for i, code in enumerate(SECTORS)]
    life_events = [{"code": code, "name": {"ar": f"مناسبة {i}", "en": code.replace("-", " ").capitalize()}}
                   for i, code in enumerate(LIFE_EVENTS)]
    services = []
    for i in range(n):
        entity = rng.choice(entities)["code"]
        (action_ar, action_en), (object_ar, object_en), (qual_ar, qual_en) = (
            rng.choice(ACTIONS), rng.choice(OBJECTS), rng.choice(QUALIFIERS))
        name_ar = " ".join(filter(None, [action_ar, object_ar, qual_ar]))
        name_en = " ".join(filter(None, [action_en, object_en, qual_en]))
        fee = None
        if rng.random() < 0.7:
            fee = {"amount": f"{rng.randint(0, 5000)}.{rng.choice([0, 0, 0, 50, 25, 75]):02d}", "currency": "AED"}
        variable = fee is None and rng.random() < 0.5
        requirements = [{"ar": ar, "en": en} for ar, en in rng.sample(REQUIREMENTS, rng.randint(0, 4))]
        keywords = rng.sample(KEYWORDS, rng.randint(0, 3))
        services.append({
            "code": f"{entity}-S{i:05d}", "entity": entity, "sector": rng.choice(SECTORS),
            "name": {"ar": name_ar, "en": name_en},
            "description": {"ar": f"تتيح هذه الخدمة {action_ar} {object_ar} عبر القنوات المتاحة.",
                            "en": f"This service lets you {action_en.lower()} a {object_en} through any channel."},
            "keywords": {"ar": [k[0] for k in keywords], "en": [k[1] for k in keywords]},
            "audience": ALL_AUDIENCES if rng.random() < 0.6 else rng.sample(ALL_AUDIENCES, rng.randint(1, 3)),
            "fee": fee,
            "fee_note": {"ar": "تحسب حسب المساحة", "en": "Depends on the area"} if variable else None,
            "sla_days": rng.choice([0, 1, 2, 3, 5, 7, 10, 15, 30]),
            "requirements": requirements,
            "life_events": sorted(rng.sample(LIFE_EVENTS, rng.choice([0, 0, 0, 1, 1, 2]))),
            "channels": rng.sample(["web", "mobile", "center", "phone"], rng.randint(1, 4)),
            "status": "retired" if rng.random() < 0.05 else "active",
        })
    services.sort(key=lambda s: s["code"])
    return {"format": FORMAT, "entities": sorted(entities, key=lambda e: e["code"]), "sectors": sectors,
            "life_events": life_events, "services": services}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--services", type=int, default=10_000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from manassa.audit.models import AuditEvent
    from manassa.catalog.interchange import catalog_dumps, catalog_export_json, catalog_import, catalog_parse
    from manassa.catalog.models import Service

    if Service.objects.exists():
        sys.exit("this database already has services; run the benchmark on a throw-away database")

    doc = generate(args.services)
    text = catalog_dumps(doc).encode("utf-8")
    timings = []

    def timed(label, function):
        start = time.perf_counter()
        result = function()
        timings.append((label, time.perf_counter() - start))
        return result

    events_before = AuditEvent.objects.count()
    report = timed("validation (parse + dry run)",
                   lambda: catalog_import(actor=None, document=catalog_parse(text), dry_run=True))
    assert len(report.created["services"]) == args.services
    timed("first import", lambda: catalog_import(actor=None, document=catalog_parse(text)))
    events_first = AuditEvent.objects.count() - events_before
    report = timed("idempotent re-import", lambda: catalog_import(actor=None, document=catalog_parse(text)))
    assert not report.changed and AuditEvent.objects.count() - events_before == events_first

    changed = copy.deepcopy(doc)
    for service in changed["services"][::10]:
        service["name"]["en"] += " (updated)"
        service["sla_days"] += 1
    changed_text = catalog_dumps(changed).encode("utf-8")
    report = timed("re-import with 10 % changed",
                   lambda: catalog_import(actor=None, document=catalog_parse(changed_text)))
    assert len(report.updated["services"]) == len(changed["services"][::10])

    exported = timed("export", catalog_export_json)
    assert exported.encode("utf-8") == changed_text, "export is not byte-identical to the canonical document"

    print(f"catalog import benchmark: {args.services} services, {len(text) / 1e6:.1f} MB, "
          f"database {connection.vendor}, Python {platform.python_version()}, {os.cpu_count()} CPUs")
    for label, seconds in timings:
        print(f"  {label:<32} {seconds:7.2f} s")
    print(f"  audit events written by the first import: {events_first}")


if __name__ == "__main__":
    main()
