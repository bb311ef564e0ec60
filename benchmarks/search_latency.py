"""In-process catalog search: index build time, query latency and memory at 2,000 and 100,000 services.

    .venv/bin/python benchmarks/search_latency.py [--sizes 2000 100000] [--rounds 3]

A throw-away SQLite database (under a temporary directory; PostgreSQL with
--database-url postgres://.../scratch_db, which is emptied) is migrated, the
demo catalog loaded, and synthetic services added until each size is reached:
each one a demo service with a few changed words and new made-up words, so
the vocabulary grows the way a real catalog's does. Every query of the
evaluation set (src/manassa/catalog/eval/queries.jsonl) is then searched
``--rounds`` times. Prints one block of figures per size.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "src" / "manassa" / "catalog" / "eval" / "queries.jsonl"
ARABIC_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
LATIN_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _setup(database_url: str | None) -> None:
    sys.path[:0] = [str(ROOT), str(ROOT / "src")]
    os.environ.setdefault("MANASSA_VAR_DIR", tempfile.mkdtemp(prefix="manassa-bench-"))
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{os.environ['MANASSA_VAR_DIR']}/bench.sqlite3"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    import django
    from django.conf import settings

    settings.MANASSA_SEARCH_SNAPSHOT_DIR = Path(os.environ["MANASSA_VAR_DIR"]) / "search"
    django.setup()
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0) if database_url else None
    call_command("migrate", verbosity=0)
    from manassa.core.demo import demo_load

    demo_load()


def _made_up_word(rng: random.Random, letters: str) -> str:
    return "".join(rng.choice(letters) for _ in range(rng.randint(4, 9)))


def _grow_catalog(size: int, rng: random.Random) -> None:
    from manassa.catalog.models import Service
    from manassa.catalog.services import catalog_version_bump

    existing = Service.objects.count()
    if existing >= size:
        return
    templates = list(Service.objects.filter(status="active").values(
        "entity_id", "sector_id", "name_ar", "name_en", "description_ar", "description_en", "keywords_ar",
        "keywords_en", "audience", "fee_amount", "sla_days"))
    # A vocabulary that grows with the catalog, as real catalogs' do (place names, products, forms).
    pool_ar = [_made_up_word(rng, ARABIC_LETTERS) for _ in range(max(200, size // 3))]
    pool_en = [_made_up_word(rng, LATIN_LETTERS) for _ in range(max(200, size // 4))]
    batch = []
    for number in range(existing, size):
        base = rng.choice(templates)
        extra_ar = " ".join(rng.sample(pool_ar, 2))
        extra_en = " ".join(rng.sample(pool_en, 2))
        batch.append(Service(
            code=f"BENCH-{number:06d}", slug=f"bench-{number:06d}", entity_id=base["entity_id"],
            sector_id=base["sector_id"], name_ar=f"{base['name_ar']} {extra_ar}",
            name_en=f"{base['name_en']} {extra_en}",
            description_ar=f"{base['description_ar']} {' '.join(rng.sample(pool_ar, 4))}",
            description_en=f"{base['description_en']} {' '.join(rng.sample(pool_en, 4))}",
            keywords_ar=base["keywords_ar"][:2] + [rng.choice(pool_ar)], keywords_en=base["keywords_en"][:2],
            audience=base["audience"], fee_amount=base["fee_amount"], sla_days=base["sla_days"],
            popularity=rng.randint(0, 1000),
        ))
        if len(batch) >= 5000:
            Service.objects.bulk_create(batch)
            batch = []
    Service.objects.bulk_create(batch)
    catalog_version_bump()


def _queries() -> list[str]:
    if QUERIES.exists():
        return [json.loads(line)["q"] for line in QUERIES.read_text(encoding="utf-8").splitlines() if line.strip()]
    return ["تجديد رخصة القيادة", "renew driving licence", "فاتورة الكهربا", "sewa", "ابي اجدد رخصة السواقة"]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def measure(size: int, rounds: int, rng: random.Random) -> dict:
    from django.conf import settings
    from django.db import connection

    from manassa.catalog.search import index as search_index
    from manassa.catalog.search.selectors import search_services, suggest_services

    _grow_catalog(size, rng)
    holder = search_index.holder
    holder.interval = 3600.0
    for snapshot in Path(settings.MANASSA_SEARCH_SNAPSHOT_DIR).glob("*.pickle"):
        snapshot.unlink()
    search_index.search_index_reset()
    gc.collect()
    search_services(query="warm up")  # a full build from the database (and its snapshot written)
    build = holder.last_build_seconds
    search_index.search_index_reset()  # as a new process would: the snapshot is loaded
    gc.collect()
    search_services(query="warm up")
    load = holder.last_build_seconds
    index = holder.index
    queries = _queries()
    timings = []
    for _round in range(rounds):
        for query in queries:
            started = time.perf_counter()
            search_services(query=query, limit=10)
            timings.append((time.perf_counter() - started) * 1000)
    suggest = []
    for query in queries:
        for cut in (3, 6):
            started = time.perf_counter()
            suggest_services(query=query[:cut])
            suggest.append((time.perf_counter() - started) * 1000)
    del index
    return {
        "services": holder.index.alive, "database": connection.vendor, "terms": len(holder.index.postings),
        "build_s": build, "snapshot_load_s": load,
        "p50_ms": statistics.median(timings), "p95_ms": _percentile(timings, 0.95),
        "max_ms": max(timings), "suggest_p95_ms": _percentile(suggest, 0.95), "queries": len(timings),
        "rss_mb": _rss_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 100_000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", help="a scratch PostgreSQL database (it is emptied)")
    args = parser.parse_args()
    _setup(args.database_url)
    rng = random.Random(20261121)
    print(f"search latency benchmark, python {sys.version.split()[0]}, {os.cpu_count()} cpus")
    for size in sorted(args.sizes):
        figures = measure(size, args.rounds, rng)
        print(f"services={figures['services']} db={figures['database']} terms={figures['terms']} "
              f"build={figures['build_s']:.2f}s snapshot_load={figures['snapshot_load_s']:.2f}s "
              f"p50={figures['p50_ms']:.2f}ms p95={figures['p95_ms']:.2f}ms "
              f"max={figures['max_ms']:.1f}ms suggest_p95={figures['suggest_p95_ms']:.2f}ms "
              f"searches={figures['queries']} rss={figures['rss_mb']:.0f}MB", flush=True)


if __name__ == "__main__":
    main()
