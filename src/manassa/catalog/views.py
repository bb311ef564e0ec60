"""Public catalog pages: search, browse by sector, entity and life event, and the service page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from manassa.catalog.models import Audience, Service
from manassa.catalog.selectors import (
    catalog_version,
    life_event_get,
    life_events_with_counts,
    sector_get,
    sectors_with_counts,
    service_public_get,
    services_for_life_event,
    services_in_sector,
    services_of_entity,
    services_related,
)
from manassa.core.errors import InvalidInput
from manassa.core.pagecache import anonymous_page_cache
from manassa.entities.selectors import entities_public, entity_public_get

RESULTS_PER_PAGE = 20
SERVICE_PAGE_SECONDS = 3600
public_page = anonymous_page_cache(seconds=SERVICE_PAGE_SECONDS, version=catalog_version)


def _crumbs(*items):
    return [{"label": label, "url": url} for label, url in items]


def search(request):
    from manassa.catalog.search.selectors import highlight_html, search_services

    query = request.GET.get("q", "").strip()[:200]
    filters = {
        "sector": request.GET.get("sector") or None,
        "entity": request.GET.get("entity") or None,
        "audience": request.GET.get("audience") or None,
        "free": {"free": True, "paid": False}.get(request.GET.get("fee", "")),
    }
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    results = None
    hits = []
    if query:
        results = search_services(query=query, limit=RESULTS_PER_PAGE, offset=(page - 1) * RESULTS_PER_PAGE,
                                  **filters)
        by_id = Service.objects.select_related("entity", "sector").in_bulk([h.service_id for h in results.results])
        for hit in results.results:
            service = by_id.get(hit.service_id)
            if service is None:
                continue
            hits.append({
                "service": service,
                "name_html": highlight_html(service.name, query, results.lang),
                "description_html": highlight_html(service.description, query, results.lang),
            })
    return render(request, "catalog/search.html", {
        "query": query,
        "results": results,
        "hits": hits,
        "page": page,
        "start": (page - 1) * RESULTS_PER_PAGE + 1,
        "has_next": bool(results and results.total > page * RESULTS_PER_PAGE),
        "filters": filters,
        "fee_filter": request.GET.get("fee", ""),
        "sectors": sectors_with_counts(),
        "entities": entities_public(),
        "audiences": Audience.choices,
        "breadcrumbs": _crumbs((_("Search"), None)),
    })


def suggest(request):
    """The suggestion list under the search box (htmx partial)."""
    from manassa.catalog.search.selectors import suggest_services

    query = request.GET.get("q", "").strip()[:100]
    hits = suggest_services(query=query, limit=8) if len(query) >= 2 else []
    by_id = Service.objects.in_bulk([h.service_id for h in hits])
    return render(request, "catalog/_suggestions.html", {
        "query": query,
        "services": [by_id[h.service_id] for h in hits if h.service_id in by_id],
    })


@public_page
def service_detail(request, slug):
    # The page of a service is the same for everyone: it is rendered once per
    # language and catalog version, and a cached view costs no query.
    language = translation.get_language()
    key = f"service-page:{language}:{catalog_version()}:{slug}"
    page = cache.get(key)
    if page is None:
        service = service_public_get(slug=slug)
        page = {
            "title": service.name,
            "sector": (service.sector.name, reverse("catalog:sector", args=[service.sector.code])),
            "article": render_to_string("catalog/_service_article.html", {
                "service": service,
                "related": services_related(service=service),
                "life_events": list(service.life_events.all()),
            }, request=request),
        }
        cache.set(key, page, SERVICE_PAGE_SECONDS)
    return render(request, "catalog/service_detail.html", {
        "page": page,
        "breadcrumbs": _crumbs(page["sector"], (page["title"], None)),
    })


@login_required
def service_start(request, slug):
    """Start (or continue) an online application when the service has a published form and workflow."""
    from manassa.applications.selectors_customer import drafts_of, service_accepts_online
    from manassa.applications.services import application_start

    service = service_public_get(slug=slug)
    if request.method == "POST":
        try:
            application = application_start(actor=request.user, service=service)
        except InvalidInput as exc:
            messages.error(request, exc.message)
            return redirect("catalog:service_start", slug=service.slug)
        return redirect("requests:draft", pk=application.pk)
    online = service_accepts_online(service)
    return render(request, "catalog/service_start.html", {
        "service": service,
        "online": online,
        "drafts": list(drafts_of(request.user, service=service)) if online else [],
    })


@public_page
def sector_detail(request, code):
    sector = sector_get(code=code)
    return render(request, "catalog/service_list.html", {
        "title": sector.name,
        "services": services_in_sector(sector=sector),
        "breadcrumbs": _crumbs((_("All services"), reverse("catalog:browse")), (sector.name, None)),
    })


@public_page
def life_event_detail(request, code):
    event = life_event_get(code=code)
    return render(request, "catalog/service_list.html", {
        "title": event.name,
        "intro": _("Services people often need at this moment, from every entity involved."),
        "services": services_for_life_event(life_event=event),
        "breadcrumbs": _crumbs((_("All services"), reverse("catalog:browse")), (event.name, None)),
    })


@public_page
def entity_detail(request, code):
    entity = entity_public_get(code=code)
    return render(request, "catalog/service_list.html", {
        "title": entity.name,
        "entity": entity,
        "services": services_of_entity(entity=entity),
        "breadcrumbs": _crumbs((_("All services"), reverse("catalog:browse")), (entity.name, None)),
    })


@public_page
def browse(request):
    return render(request, "catalog/browse.html", {
        "sectors": sectors_with_counts(),
        "life_events": life_events_with_counts(),
        "entities": entities_public(),
        "breadcrumbs": _crumbs((_("All services"), None)),
    })
