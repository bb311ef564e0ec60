"""The integrations back office: every role on every page with real endpoints and deliveries, and what they do."""

import re

import pytest

from manassa.audit.models import AuditEvent
from manassa.entities.models import EntityApiKey
from manassa.integrations.models import WebhookDelivery, WebhookEndpoint
from manassa.integrations.services import webhook_endpoint_create, webhook_endpoint_ping
from manassa.integrations.tests.conftest import run_tasks

ROLES = ["anonymous", "customer", "officer", "supervisor", "admin", "do_admin", "do_analyst", "auditor"]
EVENTS = ["application.state_changed"]


@pytest.fixture
def objects(entity_a, entity_b, receiver):
    own, _ = webhook_endpoint_create(actor=None, entity=entity_a, url=receiver.url, events=EVENTS)
    other, _ = webhook_endpoint_create(actor=None, entity=entity_b, url=receiver.url + "/b", events=EVENTS)
    return {"own": own, "other": other,
            "own_delivery": webhook_endpoint_ping(actor=None, endpoint=own),
            "other_delivery": webhook_endpoint_ping(actor=None, endpoint=other)}


def _pages(objects):
    """(name, method, url template with {code}, object key) for every page that takes an object."""
    own, other = objects["own"], objects["other"]
    base = "/en/backoffice/entities/{code}/integrations"
    return [
        ("endpoint", "get", base + "/endpoints/{endpoint}/"),
        ("ping", "post", base + "/endpoints/{endpoint}/ping/"),
        ("secret", "post", base + "/endpoints/{endpoint}/secret/"),
        ("delivery", "get", base + "/deliveries/{delivery}/"),
        ("retry", "post", base + "/deliveries/{delivery}/retry/"),
    ], own, other


OWN_OK = {"endpoint": 200, "ping": 302, "secret": 200, "delivery": 200, "retry": 302}


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_page(client, people, objects, role):
    if role != "anonymous":
        client.force_login(people[role])
    pages, _own, _other = _pages(objects)
    cases = [  # (entity code in the URL, whose object, expected for the role)
        ("ENT-A", "own", OWN_OK if role == "admin" else None),
        ("ENT-A", "other", None),
        ("ENT-B", "other", None),
        ("ENT-B", "own", None),
    ]
    for code, whose, ok in cases:
        for name, method, template in pages:
            url = template.format(code=code, endpoint=objects[whose].pk, delivery=objects[f"{whose}_delivery"].pk)
            response = getattr(client, method)(url)
            if role == "anonymous":
                expected = 302
            elif code == "ENT-A" and role in ("officer", "supervisor"):
                expected = 403  # they work there, but webhooks are the admin's
            elif ok:
                expected = ok[name]
            else:
                expected = 404
            assert response.status_code == expected, (role, url, response.status_code)
            if role == "anonymous":
                assert "/accounts/login/" in response["Location"]


def test_add_an_endpoint_shows_the_secret_once(client, people, receiver):
    client.force_login(people["admin"])
    url = "/en/backoffice/entities/ENT-A/integrations/"
    bad = client.post(url, {"url": "http://example.ae/hook", "events": EVENTS})
    assert bad.status_code == 200 and not WebhookEndpoint.objects.exists()
    assert "https://" in bad.content.decode()
    assert client.post(url, {"url": "https://example.ae/hook"}).status_code == 200  # no events
    assert not WebhookEndpoint.objects.exists()
    page = client.post(url, {"url": receiver.url, "events": EVENTS, "description": "Licensing"}).content.decode()
    endpoint = WebhookEndpoint.objects.get()
    assert "will not be shown again" in page and endpoint.secret_hint in page
    again = client.get(url).content.decode()
    assert "will not be shown again" not in again and "Licensing" in again
    assert AuditEvent.objects.filter(action="webhook.endpoint_created", entity_code="ENT-A").exists()


def test_edit_deactivate_and_new_secret(client, people, objects):
    client.force_login(people["admin"])
    endpoint = objects["own"]
    url = f"/en/backoffice/entities/ENT-A/integrations/endpoints/{endpoint.pk}/"
    response = client.post(url, {"url": endpoint.url, "events": ["application.submitted", *EVENTS]})
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.events == ["application.submitted", "application.state_changed"] and not endpoint.is_active
    old = endpoint.secret_encrypted
    page = client.post(url + "secret/").content.decode()
    endpoint.refresh_from_db()
    assert endpoint.secret_encrypted != old and "will not be shown again" in page
    # A deactivated endpoint cannot be pinged.
    client.post(url + "ping/")
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 1  # the fixture's ping only


def test_ping_is_delivered_and_the_log_filters(client, people, objects, receiver):
    client.force_login(people["admin"])
    endpoint = objects["own"]
    response = client.post(f"/en/backoffice/entities/ENT-A/integrations/endpoints/{endpoint.pk}/ping/")
    assert response.status_code == 302 and f"?endpoint={endpoint.pk}" in response["Location"]
    receiver.answer(400)  # the fixture's ping is refused; the second one goes through
    run_tasks()
    statuses = set(WebhookDelivery.objects.filter(endpoint=endpoint).values_list("status", flat=True))
    assert statuses == {"failed", "sent"}
    log = "/en/backoffice/entities/ENT-A/integrations/deliveries/"
    rows = re.compile(r'href="/en/backoffice/entities/ENT-A/integrations/deliveries/\d+/"')
    assert len(rows.findall(client.get(log).content.decode())) == 2
    failed_only = client.get(log, {"status": "failed"}).content.decode()
    assert len(rows.findall(failed_only)) == 1 and "HTTP 400" in failed_only
    assert rows.findall(client.get(log, {"endpoint": objects["other"].pk}).content.decode()) == []


def test_retry_button_resends_a_failed_delivery(client, people, objects, receiver):
    receiver.answer(404)
    run_tasks()
    delivery = objects["own_delivery"]
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    client.force_login(people["admin"])
    page = f"/en/backoffice/entities/ENT-A/integrations/deliveries/{delivery.pk}/"
    assert "Retry now" in client.get(page).content.decode()
    assert client.post(page + "retry/").status_code == 302
    run_tasks()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    html = client.get(page).content.decode()
    assert "Retry now" not in html and "HTTP 404" in html and "HTTP 200" in html


def test_entity_page_links_to_webhooks_for_admins(client, people, entity_a):
    client.force_login(people["admin"])
    page = client.get("/en/backoffice/entities/ENT-A/").content.decode()
    assert "/en/backoffice/entities/ENT-A/integrations/" in page


def test_api_keys_page_rotates_with_grace_and_issues_with_role_and_scope(client, people, entity_a):
    client.force_login(people["admin"])
    page = client.post("/en/backoffice/entities/ENT-A/api-keys/",
                       {"name": "licensing", "role": "supervisor", "scope": "write"})
    assert page.status_code == 200
    key = EntityApiKey.objects.get()
    assert (key.role, key.scope) == ("supervisor", "write")
    assert "Rotate" in page.content.decode()
    rotated = client.post(f"/en/backoffice/entities/ENT-A/api-keys/{key.prefix}/rotate/").content.decode()
    successor = EntityApiKey.objects.get(rotated_from=key)
    key.refresh_from_db()
    assert f"mk_{successor.prefix}_" in rotated and "keeps working until" in rotated
    assert (successor.role, successor.scope, successor.name) == ("supervisor", "write", "licensing")
    assert key.expires_at is not None and key.revoked_at is None
    # A key already rotated (or revoked) is not rotated again.
    client.post(f"/en/backoffice/entities/ENT-A/api-keys/{key.prefix}/revoke/")
    response = client.post(f"/en/backoffice/entities/ENT-A/api-keys/{key.prefix}/rotate/")
    assert response.status_code == 302 and EntityApiKey.objects.count() == 2
