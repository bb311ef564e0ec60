"""Public search endpoints, mounted under /api/v1/: ``GET /catalog/search`` and ``GET /catalog/suggest``."""

from __future__ import annotations

from typing import Literal

from django.http import JsonResponse
from ninja import Field, Query, Router, Schema

from manassa.catalog.search.commands import search_json
from manassa.catalog.search.selectors import MAX_LIMIT, MAX_OFFSET, search_services, suggest_services
from manassa.core.api import ErrorOut

router = Router(tags=["catalog search"])


class NameOut(Schema):
    ar: str
    en: str


class SearchResultOut(Schema):
    code: str
    score: float
    name: NameOut


class SearchOut(Schema):
    query: str
    results: list[SearchResultOut]
    lang: Literal["ar", "en"]
    total: int = Field(description="services matching the query (and filters), not only this page")
    did_you_mean: str | None = Field(description="the query with unknown words corrected, when any were")


class SearchIn(Schema):
    q: str = Field(max_length=200, description="the words to look for, Arabic, English or both")
    lang: Literal["ar", "en"] | None = Field(None, description="language of the person; detected if absent")
    limit: int = Field(10, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)
    sector: str | None = Field(None, max_length=40, description="a sector code")
    entity: str | None = Field(None, max_length=32, description="an entity code")
    audience: Literal["citizen", "resident", "business", "visitor"] | None = None
    free: bool | None = Field(None, description="true: free services only; false: paid ones only")


class SuggestionOut(Schema):
    code: str
    slug: str
    score: float
    name: NameOut


class SuggestOut(Schema):
    query: str
    results: list[SuggestionOut]


class SuggestIn(Schema):
    q: str = Field(max_length=200, description="what has been typed so far; the last word may be incomplete")
    lang: Literal["ar", "en"] | None = None
    limit: int = Field(8, ge=1, le=20)


@router.get("/catalog/search", response={200: SearchOut, 400: ErrorOut}, auth=None, operation_id="catalog_search")
def catalog_search(request, params: Query[SearchIn]):
    """Active services matching the query, best first (the same results as ``manassa catalog search --json``)."""
    results = search_services(query=params.q, lang=params.lang, limit=params.limit, offset=params.offset,
                              sector=params.sector, entity=params.entity, audience=params.audience,
                              free=params.free)
    # Built here already in the documented shape: skipping the response model's validation halves the
    # framework's share of a search request.
    return JsonResponse({**search_json(results), "lang": results.lang, "total": results.total,
                         "did_you_mean": results.did_you_mean}, json_dumps_params={"ensure_ascii": False})


@router.get("/catalog/suggest", response={200: SuggestOut, 400: ErrorOut}, auth=None,
            operation_id="catalog_suggest")
def catalog_suggest(request, params: Query[SuggestIn]):
    """Services for search-as-you-type."""
    hits = suggest_services(query=params.q, lang=params.lang, limit=params.limit)
    return JsonResponse({"query": params.q, "results": [
        {"code": h.code, "slug": h.slug, "score": h.score, "name": h.name} for h in hits
    ]}, json_dumps_params={"ensure_ascii": False})
