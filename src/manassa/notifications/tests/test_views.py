"""The entity admin's template pages, the delivery log, and the resident's notifications page."""

import pytest
from django.urls import reverse
from django.utils import translation

from manassa.applications.models import Notice
from manassa.notifications.models import Delivery, NotificationTemplate
from manassa.notifications.tests.conftest import submit

EDIT = {"code": "ENT-A", "event": "application.state_changed", "channel": "email"}
TEXTS = {"subject_ar": "تحديث {reference}", "subject_en": "Update {reference}",
         "body_ar": "حالة طلبك الآن {state}.", "body_en": "Your request is now {state}."}


@pytest.fixture(autouse=True)
def _english():
    """The assertions quote the English pages (the Arabic ones are checked by the browser tests)."""
    with translation.override("en"):
        yield


def test_admin_previews_saves_a_draft_publishes_and_reverts(client, people, service):
    client.force_login(people["admin"])
    url = reverse("notifications_admin:template", kwargs=EDIT)
    page = client.get(url).content.decode()
    assert "The platform's text is in use." in page
    assert "{reference}" in page and "Update on your request SHJ-2026-000123: In review" in page  # the preview

    preview = client.post(url, {**TEXTS, "_op": "preview"}).content.decode()
    assert "Your request is now In review." in preview and "حالة طلبك الآن قيد المراجعة." in preview
    assert not NotificationTemplate.objects.exists()

    refused = client.post(url, {**TEXTS, "body_en": "Now {status}", "_op": "publish"})
    assert refused.status_code == 400 and "Unknown placeholder {status}." in refused.content.decode()
    assert not NotificationTemplate.objects.exists()

    assert client.post(url, {**TEXTS, "_op": "draft"}).status_code == 302
    assert NotificationTemplate.objects.get().status == "draft"
    listing = client.get(reverse("notifications_admin:templates", kwargs={"code": "ENT-A"})).content.decode()
    assert "Draft waiting" in listing

    assert client.post(url, {**TEXTS, "_op": "publish"}).status_code == 302
    template = NotificationTemplate.objects.get()
    assert (template.status, template.version, template.entity.code) == ("published", 1, "ENT-A")
    listing = client.get(reverse("notifications_admin:templates", kwargs={"code": "ENT-A"})).content.decode()
    assert "Your entity's own" in listing

    assert client.post(reverse("notifications_admin:revert", kwargs=EDIT)).status_code == 302
    assert NotificationTemplate.objects.get().status == "superseded"


def test_the_delivery_log_shows_status_attempts_and_errors_filtered(client, people, service):
    customer = people["customer"]
    customer.mobile = "+971501234567"
    customer.save()
    application = submit(customer, service)
    Delivery.objects.filter(channel="sms").update(status="retrying", attempts=2, last_error="HTTP 429: slow down")
    client.force_login(people["supervisor"])
    url = reverse("notifications_admin:deliveries", kwargs={"code": "ENT-A"})
    page = client.get(url).content.decode()
    assert application.reference in page and "HTTP 429: slow down" in page and "+971…567" in page
    assert "customer@example.test" not in page and "c…@example.test" in page
    retrying = client.get(url, {"status": "retrying"}).content.decode()
    assert "HTTP 429" in retrying and "c…@example.test" not in retrying


def test_the_resident_sees_every_notice_and_marks_them_read(client, people, service):
    customer = people["customer"]
    first, second = submit(customer, service), submit(customer, service)
    client.force_login(customer)
    url = reverse("notifications:list")
    page = client.get(url).content.decode()
    assert first.reference in page and second.reference in page and "2 unread notifications." in page
    assert reverse("accounts:profile") in page
    one = Notice.objects.get(application=first)
    assert client.post(reverse("notifications:read"), {"notice": one.pk}).status_code == 302
    assert list(Notice.objects.filter(read_at__isnull=True).values_list("application", flat=True)) == [second.pk]
    # Another person's notice cannot be marked.
    other = Notice.objects.get(application=second)
    client.force_login(people["officer"])
    client.post(reverse("notifications:read"), {"notice": other.pk})
    assert Notice.objects.get(pk=other.pk).read_at is None
    client.force_login(customer)
    client.post(reverse("notifications:read"))
    assert not Notice.objects.filter(read_at__isnull=True).exists()
    assert "0 unread notifications." in client.get(url).content.decode()


def test_the_notifications_page_needs_a_sign_in(client):
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
