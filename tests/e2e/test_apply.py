"""A resident applies for a service end to end in a real browser, in Arabic and in English."""

import re

import pytest
from django.conf import settings
from django.test import Client

from manassa.accounts.tests.factories import make_user
from manassa.applications.models import Application
from manassa.applications.services import service_form_publish, service_workflow_publish
from manassa.applications.workflow import TEMPLATES
from manassa.catalog.models import Sector
from manassa.catalog.tests.factories import make_service
from manassa.entities.models import Entity, Membership
from tests.e2e.browser import check_page

pytestmark = pytest.mark.e2e

FORM = {
    "format": "manassa-form/1",
    "pages": [
        {"key": "about", "title": {"ar": "بياناتك", "en": "About you"}, "fields": [
            {"key": "full_name", "type": "text", "required": True, "label": {"ar": "الاسم الكامل", "en": "Full name"}},
            {"key": "rooms", "type": "number", "required": True, "min": 1, "max": 20,
             "label": {"ar": "عدد الغرف", "en": "Number of rooms"}},
        ]},
        {"key": "home", "title": {"ar": "المسكن", "en": "Your home"}, "fields": [
            {"key": "owner", "type": "yes_no", "required": True,
             "label": {"ar": "هل أنت مالك المسكن؟", "en": "Do you own the home?"}},
            {"key": "landlord", "type": "text", "required": True, "show_if": {"field": "owner", "equals": False},
             "label": {"ar": "اسم المالك", "en": "Landlord's name"}},
        ]},
    ],
}
NAMES = {"ar": ("مريم", "سالم"), "en": ("Maryam", "Salem")}


@pytest.fixture
def applying(transactional_db, live_server):
    from manassa.worktime.defaults import install_defaults
    from manassa.worktime.models import Holiday, WorkingCalendar

    install_defaults(WorkingCalendar, Holiday)
    sewa = Entity.objects.create(code="SEWA", kind="local", name_ar="هيئة كهرباء ومياه وغاز الشارقة",
                                 name_en="Sharjah Electricity, Water and Gas Authority")
    admin = make_user("admin@example.test", totp=True)
    Membership.objects.create(user=admin, entity=sewa, role="admin")
    utilities = Sector.objects.create(code="utilities", name_ar="الكهرباء والمياه", name_en="Electricity and water")
    service = make_service(entity=sewa, sector=utilities, code="SEWA-MOVE-IN", name_ar="توصيل الخدمات لمسكن جديد",
                           name_en="Move-in connection")
    service_form_publish(actor=admin, service=service, definition=FORM)
    service_workflow_publish(actor=admin, service=service, definition=TEMPLATES["simple_approval"])
    resident = make_user("resident@example.test", name_ar="مريم", name_en="Maryam")
    client = Client()
    client.force_login(resident)
    page_cookies = [
        {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
         "url": live_server.url},
        {"name": "manassa_cookies", "value": "ok", "url": live_server.url},
    ]
    return service, page_cookies


def _continue(page):
    page.locator("main form button.aegov-btn[type=submit]").last.click()


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_resident_applies_end_to_end(page, applying, lang):
    service, cookies = applying
    name, landlord = NAMES[lang]
    page.context.add_cookies(cookies)

    page.goto(f"/{lang}/services/{service.slug}/start/")
    check_page(page)
    page.locator("main form button.aegov-btn").click()
    page.wait_for_url(re.compile(rf"/{lang}/requests/drafts/\d+/about/$"))
    check_page(page)

    # A mistake first: the error summary links to the field, and what was typed stays.
    page.locator("#id_full_name").fill(name)
    page.locator("#id_rooms").fill("0")
    _continue(page)
    summary = page.get_by_role("alert")
    summary.wait_for()
    assert summary.locator('a[href="#id_rooms"]').count() == 1
    assert page.locator("#id_full_name").input_value() == name
    check_page(page)
    page.locator("#id_rooms").fill("3")
    _continue(page)

    page.wait_for_url(re.compile(r"/home/$"))
    check_page(page)
    page.locator("#id_owner_1").check()  # "no": the landlord's name is asked once the page is posted
    _continue(page)
    page.locator("#id_landlord").wait_for()
    check_page(page)
    page.locator("#id_landlord").fill(landlord)
    _continue(page)

    page.wait_for_url(re.compile(rf"/{lang}/requests/drafts/\d+/check/$"))
    assert name in page.locator("main").inner_text()
    check_page(page)
    _continue(page)

    page.wait_for_url(re.compile(rf"/{lang}/requests/[A-Z]+-\d{{4}}-\d{{6}}/submitted/$"))
    reference = Application.objects.get().reference
    assert page.locator("main .literal").first.inner_text().strip() == reference
    check_page(page)

    page.locator(f'main a[href$="/requests/{reference}/"]').click()
    page.wait_for_url(re.compile(rf"/{lang}/requests/{reference}/$"))
    check_page(page)
    page.goto(f"/{lang}/requests/")
    assert page.get_by_role("link", name=reference).is_visible()
    check_page(page)


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_resident_rates_a_completed_request(page, applying, lang):
    from manassa.accounts.models import User
    from manassa.applications.models import Rating
    from manassa.applications.services import (
        application_answers_save,
        application_start,
        application_submit,
        application_transition,
    )
    from manassa.entities.models import Membership

    service, cookies = applying
    resident = User.objects.get(email="resident@example.test")
    officer = make_user(f"officer.{lang}@example.test", totp=True)
    Membership.objects.create(user=officer, entity=service.entity, role="officer")
    draft = application_start(actor=resident, service=service)
    application_answers_save(actor=resident, application=draft, answers={"full_name": "Maryam", "rooms": "3",
                                                                         "owner": "yes"})
    application = application_submit(actor=resident, application=draft)
    application = application_transition(actor=officer, application=application, action="start_review")
    application = application_transition(actor=officer, application=application, action="approve")
    page.context.add_cookies(cookies)
    page.goto(f"/{lang}/requests/{application.reference}/")
    check_page(page)
    page.locator("#score-3").check()
    page.locator("#rating button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/{lang}/requests/{application.reference}/"))
    check_page(page)
    assert Rating.objects.get(application=application).score == 3
