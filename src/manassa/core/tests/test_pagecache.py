"""Whole-page cache of public pages for anonymous visitors (core/pagecache.py)."""

import pytest
from django.contrib.messages import add_message, constants
from django.test import RequestFactory

from manassa.catalog.models import Service
from manassa.catalog.services import catalog_version_bump
from manassa.catalog.tests.factories import make_sector, make_service


@pytest.fixture
def service(entity_a):
    return make_service(entity=entity_a, sector=make_sector(), code="A-PAGE", name_ar="خدمة", name_en="Page service")


def _rename_without_telling_anyone(service, name):
    Service.objects.filter(pk=service.pk).update(name_en=name)


def test_anonymous_visitors_get_the_cached_page_until_the_catalog_changes(client, service, django_assert_num_queries):
    client.get("/en/services/a-page/")  # renders and stores the page
    _rename_without_telling_anyone(service, "Renamed")
    with django_assert_num_queries(0):  # not even the catalog version: it was read less than a second ago
        html = client.get("/en/services/a-page/").content.decode()
    assert "Page service" in html
    catalog_version_bump()
    from manassa.catalog import selectors

    selectors._version_seen["at"] = -1.0  # the next read sees the new version at once
    assert "Renamed" in client.get("/en/services/a-page/").content.decode()


def test_signed_in_people_never_get_an_anonymous_page(client, customer, service):
    client.get("/en/services/a-page/")
    client.force_login(customer)
    html = client.get("/en/services/a-page/").content.decode()
    assert "My account" in html and "Create an account" not in html


def test_cookie_notice_state_is_part_of_the_page(client, service):
    assert "cookie-notice" in client.get("/en/services/a-page/").content.decode()
    client.cookies["manassa_cookies"] = "ok"
    assert "cookie-notice" not in client.get("/en/services/a-page/").content.decode()


def test_languages_are_cached_apart(client, service):
    assert "Page service" in client.get("/en/services/a-page/").content.decode()
    assert "خدمة" in client.get("/ar/services/a-page/").content.decode()


def test_pages_with_messages_are_not_cached_for_others(service):
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore

    from manassa.core.pagecache import anonymous_page_cache

    calls = []

    @anonymous_page_cache(seconds=60, version=lambda: 1)
    def view(request):
        from django.http import HttpResponse

        calls.append(1)
        return HttpResponse("page")

    request = RequestFactory().get("/en/x/")
    request.user = AnonymousUser()
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    add_message(request, constants.INFO, "only for you")
    view(request)
    plain = RequestFactory().get("/en/x/")
    plain.user = AnonymousUser()
    plain.session = SessionStore()
    plain._messages = FallbackStorage(plain)
    view(plain)
    view(plain)
    assert len(calls) == 2  # the message page was not stored; the plain one was, then reused
    assert view(plain)["Vary"] == "Cookie"
