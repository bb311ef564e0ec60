import pytest
from django.urls import reverse

from manassa.catalog.tests.factories import make_life_event, make_sector, make_service


@pytest.fixture
def catalog(entity_a, entity_b):
    health = make_sector()
    housing = make_sector("housing", "الإسكان", "Housing")
    baby = make_life_event()
    services = {
        "birth": make_service(entity=entity_a, sector=health, code="A-BIRTH", name_ar="شهادة ميلاد",
                              name_en="Birth certificate", life_events=[baby], popularity=50,
                              fee_amount=6000, requirements=[{"ar": "إشعار الولادة", "en": "Birth notification"}]),
        "vaccine": make_service(entity=entity_b, sector=health, code="B-VACCINE", name_ar="شهادة تطعيم",
                                name_en="Vaccination certificate", life_events=[baby], popularity=90),
        "grant": make_service(entity=entity_b, sector=housing, code="B-GRANT", name_ar="منحة سكنية",
                              name_en="Housing grant", popularity=10, fee_note_ar="حسب المبلغ",
                              fee_note_en="Depends on the amount"),
        "old": make_service(entity=entity_a, sector=health, code="A-OLD", name_ar="خدمة قديمة", name_en="Old service",
                            status="retired", popularity=1000, life_events=[baby]),
    }
    return {"health": health, "housing": housing, "baby": baby, **services}


def test_service_page_shows_what_a_person_needs(client, catalog):
    html = client.get("/en/services/a-birth/").content.decode()
    assert "Birth certificate" in html and "Birth notification" in html
    assert "60.00 AED" in html and "3 working days" in html
    assert reverse("catalog:service_start", args=["a-birth"]) in html
    assert "Vaccination certificate" in html  # related through the same life event
    assert "Old service" not in html  # retired services are never suggested
    arabic = client.get("/ar/services/a-birth/").content.decode()
    assert "60.00 درهم" in arabic and "شهادة ميلاد" in arabic


def test_retired_service_stays_reachable_with_a_notice(client, catalog):
    response = client.get("/en/services/a-old/")
    html = response.content.decode()
    assert response.status_code == 200 and "no longer offered" in html
    assert reverse("catalog:service_start", args=["a-old"]) not in html


def test_variable_fee_is_explained(client, catalog):
    html = client.get("/en/services/b-grant/").content.decode()
    assert "Fee varies" in html and "Depends on the amount" in html


def test_unknown_service_is_404(client, catalog):
    assert client.get("/en/services/nope/").status_code == 404


def test_browse_by_sector_life_event_and_entity(client, catalog):
    sector = client.get("/en/sectors/health/").content.decode()
    assert sector.index("Vaccination certificate") < sector.index("Birth certificate")  # most used first
    assert "Old service" not in sector and "2 services" in sector
    event = client.get("/en/life-events/having-a-baby/").content.decode()
    assert "Birth certificate" in event and "Vaccination certificate" in event and "Old service" not in event
    entity = client.get("/en/entities/ENT-B/").content.decode()
    assert "Housing grant" in entity and "Birth certificate" not in entity
    assert client.get("/en/sectors/nope/").status_code == 404


def test_browse_page_counts_only_active_services(client, catalog):
    html = client.get("/en/services/").content.decode()
    assert "Health" in html and "2 services" in html and "Having a baby" in html


def test_home_has_an_accessible_search_box_and_most_used(client, catalog):
    html = client.get("/ar/").content.decode()
    assert 'role="combobox"' in html and 'aria-controls="home-q-list"' in html and 'role="listbox"' in html
    assert 'action="/ar/search/"' in html
    assert html.index("شهادة تطعيم") < html.index("شهادة ميلاد")
    assert "خدمة قديمة" not in html


def test_home_recommends_from_interests_and_life_events(client, customer, catalog):
    client.force_login(customer)
    assert "Recommended for you" not in client.get("/en/").content.decode()
    customer.interests.set([catalog["housing"]])
    html = client.get("/en/").content.decode()
    start = html.index("Recommended for you")
    assert "Housing grant" in html[start:start + 3000]
    customer.life_events.set([catalog["baby"]])
    html = client.get("/en/").content.decode()
    section = html[html.index("Recommended for you"):html.index("Most used services")]
    assert "Vaccination certificate" in section and "Birth certificate" in section and "Old service" not in section


def test_start_requires_sign_in(client, customer, catalog):
    response = client.get("/en/services/a-birth/start/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(customer)
    assert client.get("/en/services/a-birth/start/").status_code == 200


def test_profile_saves_life_events(client, customer, catalog):
    client.force_login(customer)
    response = client.post("/en/accounts/profile/", {"preferred_language": "en", "life_events": [catalog["baby"].pk]})
    assert response.status_code == 302
    assert list(customer.life_events.values_list("code", flat=True)) == ["having-a-baby"]


def test_pages_do_not_query_per_service(client, catalog, entity_a, django_assert_max_num_queries):
    health = catalog["health"]
    for i in range(30):
        make_service(entity=entity_a, sector=health, code=f"A-BULK-{i}", name_ar=f"خدمة {i}", name_en=f"Service {i}")
    with django_assert_max_num_queries(8):
        client.get("/en/sectors/health/")
    with django_assert_max_num_queries(10):
        client.get("/en/")


def test_search_page_results_filters_highlights_and_empty_state(client, catalog):
    import re

    def text(path):
        return re.sub(r"</?mark>", "", client.get(path).content.decode())

    assert "Birth <mark>certificate</mark>" in client.get("/en/search/?q=certificate").content.decode()
    html = text("/en/search/?q=certificate")
    assert "2 services found" in html
    assert "Birth certificate" in html and "Vaccination certificate" in html and "Old service" not in html
    only_b = text("/en/search/?q=certificate&entity=ENT-B")
    assert "1 service found" in only_b and "Vaccination certificate" in only_b
    paid = text("/en/search/?q=certificate&fee=paid")
    assert "Birth certificate" in paid and "Vaccination certificate" not in paid
    empty = client.get("/en/search/?q=zzzqqqxx").content.decode()
    assert "No services match your search." in empty and "Browse all services" in empty
    typo = text("/en/search/?q=certficate")
    assert "Birth certificate" in typo or "Did you mean" in typo
