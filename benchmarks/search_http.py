"""Requests per second of the search API and of the service page against a trivial JSON view of the same server.

    .venv/bin/python benchmarks/search_http.py [--requests 600] [--clients 2]

Migrates a throw-away SQLite database, loads the demo catalog, starts
gunicorn (the production WSGI server, 2 sync workers: one per core) on 127.0.0.1
with benchmarks/search_http_settings.py (DEBUG off,
the product's middleware, plus ``/bench/trivial``), then alternates blocks of
requests to the trivial view and to the search API (queries of the evaluation
set), with a bounded number of requests, and stops the server. Prints both
rates and their ratio.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "src" / "manassa" / "catalog" / "eval" / "queries.jsonl"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment() -> dict[str, str]:
    env = os.environ.copy()
    env["MANASSA_VAR_DIR"] = tempfile.mkdtemp(prefix="manassa-http-bench-")
    env["DATABASE_URL"] = f"sqlite:///{env['MANASSA_VAR_DIR']}/bench.sqlite3"
    env["DJANGO_SETTINGS_MODULE"] = "benchmarks.search_http_settings"
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "src"), env.get("PYTHONPATH", "")])
    return env


def _manassa(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "manassa.cli", *args], env=env, cwd=ROOT, check=True,  # noqa: S603
                   stdout=subprocess.DEVNULL)


def _get(port: int, target: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", target)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _rate(port: int, targets: list[str], clients: int) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        statuses = list(pool.map(lambda target: _get(port, target), targets))
    elapsed = time.perf_counter() - started
    bad = [status for status in statuses if status != 200]
    if bad:
        raise SystemExit(f"{len(bad)} requests failed, e.g. status {bad[0]}")
    return len(targets) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=600, help="requests per endpoint (bounded)")
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--redis", default="", help="REDIS_URL for a cache shared by the workers, as in production "
                        "(e.g. redis://127.0.0.1:6379/15, emptied first); default: each worker's own memory")
    args = parser.parse_args()
    env = _environment()
    if args.redis:
        import redis

        redis.Redis.from_url(args.redis).flushdb()
        env["REDIS_URL"] = args.redis
    _manassa("migrate", "--noinput", env=env)
    _manassa("demo", "--force", env=env)
    queries = [json.loads(line)["q"] for line in QUERIES.read_text(encoding="utf-8").splitlines() if line.strip()] \
        if QUERIES.exists() else ["تجديد رخصة القيادة", "renew driving licence", "sewa"]
    port = _free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(  # noqa: S603
        [str(gunicorn), "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
         "--log-level", "warning"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(port, "/bench/trivial") == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.2)
        prefix = "/api/v1" if _get(port, "/api/v1/catalog/search?q=x") == 200 else "/bench-api"
        search = [f"{prefix}/catalog/search?" + urllib.parse.urlencode({"q": q, "limit": 10}) for q in queries]
        catalog = json.loads((ROOT / "src/manassa/catalog/fixtures/demo-catalog.json").read_text(encoding="utf-8"))
        pages = [f"/{lang}/services/{svc['code'].lower()}/" for svc in catalog["services"] for lang in ("ar", "en")]
        # Warm up every worker: index built, templates and code loaded.
        _rate(port, search[:200] + ["/bench/trivial"] * 50, args.clients)
        # Every service page once: the first view renders the article and caches it.
        cold_page_rate = _rate(port, pages, args.clients)
        blocks = 3
        per_block = max(1, args.requests // blocks)
        trivial_rates, search_rates, page_rates = [], [], []
        for block in range(blocks):
            trivial_rates.append(_rate(port, ["/bench/trivial"] * per_block, args.clients))
            chosen = [search[(block * per_block + i) % len(search)] for i in range(per_block)]
            search_rates.append(_rate(port, chosen, args.clients))
            chosen = [pages[(block * per_block + i) % len(pages)] for i in range(per_block)]
            page_rates.append(_rate(port, chosen, args.clients))
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    trivial_rate = sum(trivial_rates) / blocks
    search_rate = sum(search_rates) / blocks
    page_rate = sum(page_rates) / blocks
    print(f"server: gunicorn, {args.workers} sync workers, cache: {'redis' if args.redis else 'per-worker memory'}, "
          f"{args.clients} client threads, "
          f"{blocks * per_block} requests per endpoint, {os.cpu_count()} cpus")
    print(f"trivial JSON view: {trivial_rate:.0f} req/s")
    print(f"{prefix}/catalog/search: {search_rate:.0f} req/s")
    print(f"service page, first view of each of {len(pages)} pages: {cold_page_rate:.0f} req/s")
    print(f"service page (/ar|en/services/<slug>/), article cached: {page_rate:.0f} req/s")
    print(f"ratio search/trivial: {search_rate / trivial_rate:.2f}")
    print(f"ratio service page/trivial: {page_rate / trivial_rate:.2f} "
          f"(first views: {cold_page_rate / trivial_rate:.2f})")


if __name__ == "__main__":
    main()
