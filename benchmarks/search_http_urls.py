"""The product's URLs plus /bench/trivial, and the search router if config/api.py does not mount it yet."""

from django.http import JsonResponse
from django.urls import path
from ninja import NinjaAPI

from config.api import api
from config.urls import urlpatterns as product_urlpatterns
from manassa.catalog.search.api import router


def trivial(request):
    return JsonResponse({"ok": True})


MOUNTED = any(mounted is router for _prefix, mounted in api._routers)
SEARCH_PREFIX = "/api/v1" if MOUNTED else "/bench-api"
urlpatterns = [path("bench/trivial", trivial), *product_urlpatterns]
if not MOUNTED:
    _api = NinjaAPI(urls_namespace="bench_search")
    _api.add_router("/", router)
    urlpatterns.append(path("bench-api/", _api.urls))
