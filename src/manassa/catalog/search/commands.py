"""``manassa catalog search`` and ``manassa catalog evaluate``: the work behind the subcommands.

Output formats (docs/search.md):

* ``search QUERY --json``: ``{"query": ..., "results": [{"code", "score", "name": {"ar", "en"}}]}``.
* ``search --stdin --jsonl``: one such object per input line, in input order, blank lines included.
* ``evaluate FILE``: ``key: value`` lines (``queries``, ``mrr@10``, ``success@1``, ``success@5``,
  ``recall@10``), then ``misses: N`` and one tab-separated line per query whose first relevant
  result is not in the top 3: ``rank`` (``-`` when not in the top 10), the query, the relevant codes, the
  top 3 codes returned. ``as_json=True`` prints the same as one JSON object.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

from manassa.catalog.search.selectors import SearchResults, search_services

CUTOFF = 10
MISS_RANK = 3


def search_json(results: SearchResults) -> dict:
    """The interchange shape of a result list, shared by the command line and the API."""
    return {
        "query": results.query,
        "results": [{"code": hit.code, "score": hit.score, "name": dict(hit.name)} for hit in results.results],
    }


def _line(stdout, text: str) -> None:
    stdout.write(text + "\n")


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _print_human(stdout, results: SearchResults) -> None:
    _line(stdout, f"{results.query} ({results.lang}): {results.total} found")
    if results.did_you_mean:
        _line(stdout, f"did you mean: {results.did_you_mean}")
    for number, hit in enumerate(results.results, start=1):
        _line(stdout, f"{number:>3}. {hit.code:<24} {hit.score:>9.4f}  {hit.name['ar']} | {hit.name['en']}")


def run_search(*, query: str | None, lang: str | None, limit: int, as_json: bool, stdin: bool, jsonl: bool,
               stdin_stream: IO[str] | None, stdout) -> int:
    """Search one query, or every line of ``stdin_stream``; 0 on success, 2 on bad usage."""
    if stdin:
        if stdin_stream is None:
            return 2
        for raw in stdin_stream:
            text = raw.rstrip("\r\n")
            results = search_services(query=text, lang=lang, limit=limit)
            if jsonl or as_json:
                _line(stdout, _dumps(search_json(results)))
            else:
                _print_human(stdout, results)
            if hasattr(stdout, "flush"):
                stdout.flush()
        return 0
    if query is None:
        return 2
    results = search_services(query=query, lang=lang, limit=limit)
    if as_json or jsonl:
        _line(stdout, _dumps(search_json(results)))
    else:
        _print_human(stdout, results)
    return 0


def evaluate(lines: list[dict]) -> dict:
    """Ranking quality of judged queries: MRR@10, success@1/@5, recall@10 and the misses."""
    count = len(lines)
    reciprocal = success1 = success5 = recall = 0.0
    misses = []
    for item in lines:
        relevant = list(item["relevant"])
        results = search_services(query=item["q"], lang=item.get("lang"), limit=CUTOFF)
        codes = [hit.code for hit in results.results]
        rank = next((number for number, code in enumerate(codes, start=1) if code in relevant), None)
        if rank is not None:
            reciprocal += 1 / rank
            success1 += rank == 1
            success5 += rank <= 5
        recall += len(set(codes) & set(relevant)) / len(set(relevant)) if relevant else 1.0
        if rank is None or rank > MISS_RANK:
            misses.append({"q": item["q"], "rank": rank, "relevant": relevant, "top3": codes[:3]})
    scale = count or 1
    return {
        "queries": count,
        "mrr@10": round(reciprocal / scale, 4),
        "success@1": round(success1 / scale, 4),
        "success@5": round(success5 / scale, 4),
        "recall@10": round(recall / scale, 4),
        "misses": misses,
    }


def read_judgements(path: str | Path) -> tuple[list[dict], list[str]]:
    """The lines of a judged-queries file, and a message for each line that is not valid."""
    items, problems = [], []
    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                item = json.loads(raw)
            except ValueError as exc:
                problems.append(f"line {number}: not JSON ({exc.msg})")
                continue
            if (not isinstance(item, dict) or not isinstance(item.get("q"), str)
                    or not isinstance(item.get("relevant"), list)
                    or not all(isinstance(code, str) for code in item["relevant"])):
                problems.append(f'line {number}: expected {{"q": "...", "relevant": ["CODE", ...]}}')
                continue
            items.append(item)
    return items, problems


def run_evaluate(*, path: str | Path, stdout, as_json: bool = False) -> int:
    """Print the quality metrics of the judged queries in ``path``; 1 when the file cannot be used."""
    try:
        items, problems = read_judgements(path)
    except OSError as exc:
        _line(stdout, f"error: cannot read {path}: {exc.strerror}")
        return 1
    if problems:
        for problem in problems:
            _line(stdout, f"error: {problem}")
        return 1
    report = evaluate(items)
    if as_json:
        _line(stdout, _dumps(report))
        return 0
    for key in ("queries", "mrr@10", "success@1", "success@5", "recall@10"):
        value = report[key]
        _line(stdout, f"{key}: {value if key == 'queries' else f'{value:.4f}'}")
    _line(stdout, f"misses: {len(report['misses'])}")
    for miss in report["misses"]:
        rank = "-" if miss["rank"] is None else str(miss["rank"])
        _line(stdout, "\t".join([rank, miss["q"], ",".join(miss["relevant"]), ",".join(miss["top3"])]))
    return 0
