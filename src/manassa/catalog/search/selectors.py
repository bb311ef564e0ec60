"""Reading the catalog through search: what the portal, the API and the command line call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from manassa.catalog.search import analysis
from manassa.catalog.search.index import Filters, IndexedService, QueryPlan, SearchIndex, holder
from manassa.core.errors import InvalidInput

MAX_LIMIT = 100
MAX_OFFSET = 1000
LANGUAGES = ("ar", "en")


@dataclass(frozen=True)
class SearchHit:
    service_id: int
    code: str
    slug: str
    score: float
    name: dict[str, str]
    entity: str
    sector: str
    # Finds the matched words of a text; kept so highlights cost nothing until asked for (the API never is).
    spans: Callable[[str], list[tuple[int, int]]] | None = field(default=None, repr=False, compare=False)

    @cached_property
    def highlights(self) -> dict[str, list[tuple[int, int]]]:
        """Offsets of matched words in each name: ``{"ar": [(start, end), ...], "en": [...]}``."""
        if self.spans is None:
            return {"ar": [], "en": []}
        return {lang: self.spans(text) for lang, text in self.name.items()}

    def highlighted_name(self, lang: str) -> SafeString:
        """The name in ``lang`` as HTML, matched words in ``<mark>``."""
        return _marked(self.name.get(lang, ""), self.highlights.get(lang, []))


@dataclass(frozen=True)
class SearchResults:
    query: str
    lang: str
    total: int
    results: list[SearchHit]
    did_you_mean: str | None = None


def _check(*, lang: str | None, limit: int, offset: int = 0) -> None:
    problems: dict[str, list[str]] = {}
    if lang is not None and lang not in LANGUAGES:
        problems["lang"] = ["ar or en"]
    if not 1 <= limit <= MAX_LIMIT:
        problems["limit"] = [f"1 to {MAX_LIMIT}"]
    if not 0 <= offset <= MAX_OFFSET:
        problems["offset"] = [f"0 to {MAX_OFFSET}"]
    if problems:
        raise InvalidInput(fields=problems)


def _hit(index: SearchIndex, plan: QueryPlan, doc: IndexedService, score: float) -> SearchHit:
    return SearchHit(
        service_id=doc.id, code=doc.code, slug=doc.slug, score=score, name={"ar": doc.name_ar, "en": doc.name_en},
        entity=doc.entity_code, sector=doc.sector_code, spans=partial(index.spans, plan=plan),
    )


def search_services(
    *,
    query: str,
    lang: str | None = None,
    limit: int = 10,
    offset: int = 0,
    sector: str | None = None,
    entity: str | None = None,
    audience: str | None = None,
    free: bool | None = None,
) -> SearchResults:
    """Active services matching ``query``, best first, in either language or both mixed.

    ``lang`` is the language of the person searching (it does not restrict
    matching); by default it is detected from the query. ``did_you_mean`` is
    the query with unknown words replaced by the catalog's words they were
    taken for.
    """
    _check(lang=lang, limit=limit, offset=offset)
    query = query or ""
    detected = lang or analysis.detect_language(query)
    if not query.strip():
        return SearchResults(query=query, lang=detected, total=0, results=[])
    filters = Filters(sector=sector or None, entity=entity or None, audience=audience or None, free=free)
    with holder.lock:
        index = holder.get()
        plan = index.cached_plan(query)
        ranked = index.rank(plan, filters=filters, limit=limit, offset=offset)
        hits = [_hit(index, plan, doc, score) for doc, score in ranked.hits]
    return SearchResults(query=query, lang=detected, total=ranked.total, results=hits, did_you_mean=plan.did_you_mean)


def suggest_services(*, query: str, lang: str | None = None, limit: int = 8) -> list[SearchHit]:
    """Services for search-as-you-type: the last word may be incomplete (``رخصة قي``, ``driving lic``)."""
    _check(lang=lang, limit=limit)
    if not (query or "").strip():
        return []
    with holder.lock:
        index = holder.get()
        plan = index.cached_plan(query, prefix=True)
        ranked = index.rank(plan, limit=limit)
        return [_hit(index, plan, doc, score) for doc, score in ranked.hits]


def highlight_html(text: str, query: str, lang: str | None = None) -> SafeString:
    """``text`` as HTML with the words ``query`` matched wrapped in ``<mark>``; everything else escaped."""
    if not text:
        return mark_safe("")  # noqa: S308 - empty
    if not (query or "").strip():
        return escape(text)
    with holder.lock:
        index = holder.get()
        spans = index.spans(text, index.cached_plan(query))
    return _marked(text, spans)


def _marked(text: str, spans: list[tuple[int, int]]) -> SafeString:
    parts: list[str] = []
    cursor = 0
    for start, end in spans:
        parts.append(escape(text[cursor:start]))
        parts.append(f"<mark>{escape(text[start:end])}</mark>")
        cursor = end
    parts.append(escape(text[cursor:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text is escaped above


def synonym_groups(*, language: str | None = None):
    """The Digital Office's synonym groups, for its editing page."""
    from manassa.catalog.models import Synonym

    groups = Synonym.objects.all()
    if language:
        groups = groups.filter(language=language)
    return groups.order_by("language", "id")
