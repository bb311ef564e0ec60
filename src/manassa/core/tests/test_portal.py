import json

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_root_redirects_to_arabic_by_default(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/ar/"


@pytest.mark.django_db
@pytest.mark.parametrize(("lang", "direction", "title"),
                         [("ar", "rtl", "الخدمات الحكومية"), ("en", "ltr", "Government services")])
def test_home_in_both_languages(client, lang, direction, title):
    from manassa.catalog.tests.factories import make_sector

    sector = make_sector()
    html = client.get(f"/{lang}/").content.decode()
    assert f'<html lang="{lang}" dir="{direction}">' in html
    assert title in html
    assert (sector.name_ar if lang == "ar" else sector.name_en) in html


@pytest.mark.django_db
@pytest.mark.parametrize("browser_language", ["ar", "en", "fr"])
def test_language_switch_keeps_the_page(client, browser_language):
    # Whatever the browser's own language, the link leads to the same page in the other language.
    html = client.get("/ar/accounts/login/?next=/ar/", HTTP_ACCEPT_LANGUAGE=browser_language).content.decode()
    assert 'href="/en/accounts/login/?next=/ar/" hreflang="en" lang="en"' in html
    html = client.get("/en/accounts/signup/", HTTP_ACCEPT_LANGUAGE=browser_language).content.decode()
    assert 'href="/ar/accounts/signup/" hreflang="ar" lang="ar"' in html


@pytest.mark.django_db
def test_language_switch_on_a_missing_page_keeps_the_address(client):
    html = client.get("/ar/no-such-page/").content.decode()
    assert 'href="/en/no-such-page/" hreflang="en"' in html


@pytest.mark.django_db
@pytest.mark.parametrize(("lang", "text"), [("ar", "الصفحة غير موجودة"), ("en", "Page not found")])
def test_custom_404_in_both_languages(client, lang, text):
    response = client.get(f"/{lang}/no-such-page/")
    assert response.status_code == 404
    assert text in response.content.decode()


@pytest.mark.django_db
def test_custom_403_page(client, customer):
    client.force_login(customer)
    response = client.get("/en/digital-office/")
    assert response.status_code == 403
    assert "You do not have access to this page" in response.content.decode()


def test_500_page_renders_without_a_request_context():
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("ar"):
        html = render_to_string("500.html")
    assert 'lang="ar" dir="rtl"' in html and "نأسف" in html


@pytest.mark.django_db
def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["database"] == "ok"


@pytest.mark.django_db
def test_readiness_reports_a_broken_database(client, monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def broken(self, sql, params=None):
        raise RuntimeError("database gone")

    monkeypatch.setattr(CursorWrapper, "execute", broken)
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["status"] == "unavailable"


@pytest.mark.django_db
def test_metrics_count_requests_by_route(client):
    client.get("/en/")
    body = client.get("/metrics").content.decode()
    assert 'manassa_http_requests_total{method="GET",route="portal:home",status="2xx"}' in body
    assert "manassa_http_request_duration_seconds_bucket" in body


@pytest.mark.django_db
def test_metrics_tell_the_depth_of_the_queues(client):
    import uuid
    from datetime import timedelta

    from django.utils import timezone

    from manassa.core.models import EventOutbox

    body = client.get("/metrics").content.decode()
    assert 'manassa_queue_rows{queue="event_outbox",state="waiting"} 0.0' in body
    assert 'manassa_queue_rows{queue="payment_callbacks",state="failing"} 0.0' in body
    assert 'manassa_queue_oldest_seconds{queue="event_outbox"} 0.0' in body
    an_hour_ago = timezone.now() - timedelta(hours=1)
    for attempts in (0, 0, 3):
        EventOutbox.objects.create(event_id=uuid.uuid4(), kind="application.submitted", subject_id="1",
                                   subject_type="applications.application", occurred_at=an_hour_ago,
                                   attempts=attempts)
    body = client.get("/metrics").content.decode()
    assert 'manassa_queue_rows{queue="event_outbox",state="waiting"} 2.0' in body
    assert 'manassa_queue_rows{queue="event_outbox",state="failing"} 1.0' in body
    age = float(body.split('manassa_queue_oldest_seconds{queue="event_outbox"} ')[1].split()[0])
    assert 3600 <= age < 3700


@pytest.mark.django_db
def test_metrics_token(client, settings):
    settings.MANASSA_METRICS_TOKEN = "s3cret"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret").status_code == 200


@pytest.mark.django_db
def test_security_headers(client):
    response = client.get("/en/")
    csp = response["Content-Security-Policy"]
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Request-ID"]


@pytest.mark.django_db
def test_no_inline_scripts_or_outside_hosts_in_pages(client):
    html = client.get("/ar/").content.decode()
    assert "<script>" not in html and "<script type=" not in html
    assert "https://" not in html.split("<body")[0]  # nothing loaded from another host


@pytest.mark.django_db
def test_hsts_and_secure_cookies_over_https(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SESSION_COOKIE_SECURE = True
    response = client.get("/en/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.django_db
def test_csrf_is_enforced():
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/en/accounts/login/", {"login": "a@b.test", "password": "x"})
    assert response.status_code == 403


@pytest.mark.django_db
def test_cookie_notice_is_dismissed_and_stays_away(client):
    assert "cookie-notice" in client.get("/en/").content.decode()
    response = client.get(reverse("portal:cookies_accept"), {"next": "/en/"})
    assert response["Location"] == "/en/"
    assert "cookie-notice" not in client.get("/en/").content.decode()


@pytest.mark.django_db
def test_cookie_notice_refuses_outside_redirects(client):
    response = client.get(reverse("portal:cookies_accept"), {"next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_request_id_is_echoed(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="abc123")
    assert response["X-Request-ID"] == "abc123"


def test_json_log_lines(caplog):
    import logging

    from pythonjsonlogger.json import JsonFormatter

    from manassa.core import context
    from manassa.core.logging import RequestContextFilter

    context.set_current(context.RequestContext(request_id="r-1"))
    record = logging.LogRecord("manassa", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    RequestContextFilter().filter(record)
    line = JsonFormatter("%(levelname)s %(name)s %(message)s %(request_id)s").format(record)
    assert json.loads(line) == {"levelname": "INFO", "name": "manassa", "message": "hello world", "request_id": "r-1"}


@pytest.mark.django_db
def test_api_docs_are_served_locally(client):
    html = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/" in html and "cdn" not in html.lower()
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "Manassa API"
