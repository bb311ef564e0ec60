"""``GET /api/v1/catalog/search`` and ``/catalog/suggest``: public, same results as the command line."""

import io
import json

import pytest
from django.urls import path
from ninja import NinjaAPI

from config.api import api as project_api
from manassa.catalog.search.api import router
from manassa.catalog.search.commands import run_search
from manassa.catalog.search.index import search_index_reset
from manassa.catalog.tests.search_catalog import load_search_catalog

# The project API mounts the router under /api/v1/; until it does, these tests mount it themselves.
MOUNTED = any(mounted is router for _prefix, mounted in project_api._routers)
if MOUNTED:
    PREFIX = "/api/v1"
    urlpatterns: list = []
else:
    PREFIX = "/search-test"
    _api = NinjaAPI(urls_namespace="search_test")
    _api.add_router("/", router)
    urlpatterns = [path("search-test/", _api.urls)]


@pytest.fixture(autouse=True)
def catalog(db, settings):
    if not MOUNTED:
        settings.ROOT_URLCONF = __name__
    search_index_reset()
    load_search_catalog()
    yield
    search_index_reset()


def test_search_returns_the_command_line_results(client):
    response = client.get(f"{PREFIX}/catalog/search", {"q": "تجديد رخصة القيادة", "limit": 3})
    assert response.status_code == 200
    body = response.json()
    out = io.StringIO()
    run_search(query="تجديد رخصة القيادة", lang=None, limit=3, as_json=True, stdin=False, jsonl=False,
               stdin_stream=None, stdout=out)
    expected = json.loads(out.getvalue())
    assert body["query"] == expected["query"] and body["results"] == expected["results"]
    assert body["lang"] == "ar" and body["total"] >= 1 and body["did_you_mean"] is None
    assert body["results"][0]["code"] == "SRTA-DL-RENEW"


def test_search_filters_and_did_you_mean(client):
    body = client.get(f"{PREFIX}/catalog/search", {"q": "تجديد", "sector": "residency", "limit": 50}).json()
    assert {r["code"] for r in body["results"]} == {"ICP-EID", "ICP-RESIDENCE"}
    body = client.get(f"{PREFIX}/catalog/search", {"q": "renw drivng licnce", "lang": "en"}).json()
    assert body["results"][0]["code"] == "SRTA-DL-RENEW" and body["did_you_mean"] == "renew driving licence"
    body = client.get(f"{PREFIX}/catalog/search", {"q": "دفع", "free": "true"}).json()
    assert body["results"] and all(r["code"] in {"SEWA-BILL", "SRTA-FINES"} for r in body["results"])


def test_search_refuses_bad_parameters(client):
    assert client.get(f"{PREFIX}/catalog/search", {"q": "x", "limit": 0}).status_code == 422
    assert client.get(f"{PREFIX}/catalog/search", {"q": "x", "lang": "fr"}).status_code == 422
    assert client.get(f"{PREFIX}/catalog/search").status_code == 422
    assert client.get(f"{PREFIX}/catalog/search", {"q": "x" * 201}).status_code == 422


def test_suggest(client):
    body = client.get(f"{PREFIX}/catalog/suggest", {"q": "رخصة الق"}).json()
    assert body["query"] == "رخصة الق"
    assert [r["code"] for r in body["results"]][:2] == ["SRTA-DL-RENEW", "SRTA-DL-NEW"]
    assert set(body["results"][0]) == {"code", "slug", "score", "name"}
    assert client.get(f"{PREFIX}/catalog/suggest", {"q": "   "}).json()["results"] == []
