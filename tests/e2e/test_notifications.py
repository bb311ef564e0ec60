"""An entity admin edits a notification text in a real browser; a resident reads their notifications."""


import pytest
from django.conf import settings
from django.test import Client

from manassa.accounts.tests.factories import make_user
from manassa.applications.services import (
    application_answers_save,
    application_start,
    application_submit,
    service_form_publish,
    service_workflow_publish,
)
from manassa.applications.workflow import TEMPLATES
from manassa.catalog.models import Sector
from manassa.catalog.tests.factories import make_service
from manassa.core.events import events_dispatch
from manassa.entities.models import Entity, Membership
from manassa.notifications.models import NotificationTemplate
from tests.e2e.browser import check_page, sign_in_with_totp

pytestmark = pytest.mark.e2e

FORM = {
    "format": "manassa-form/1",
    "pages": [{"key": "details", "title": {"ar": "البيانات", "en": "Details"}, "fields": [
        {"key": "full_name", "type": "text", "label": {"ar": "الاسم الكامل", "en": "Full name"}, "required": True}]}],
}
NEW_TEXT = {"ar": "طلبك {reference} أصبح: {state}", "en": "Request {reference} is now: {state}"}


@pytest.fixture
def notifying(transactional_db):
    from manassa.worktime.defaults import install_defaults
    from manassa.worktime.models import Holiday, WorkingCalendar

    install_defaults(WorkingCalendar, Holiday)
    sewa = Entity.objects.create(code="SEWA", kind="local", name_ar="هيئة كهرباء ومياه وغاز الشارقة",
                                 name_en="Sharjah Electricity, Water and Gas Authority")
    sector = Sector.objects.create(code="utilities", name_ar="الكهرباء والمياه", name_en="Electricity and water")
    service = make_service(entity=sewa, sector=sector, code="SEWA-MOVE-IN", name_ar="توصيل الخدمات لمسكن جديد",
                           name_en="Move-in connection")
    admin = make_user("owner@example.test", totp=True, name_ar="نورة", name_en="Noura")
    Membership.objects.create(user=admin, entity=sewa, role="admin")
    service_form_publish(actor=admin, service=service, definition=FORM)
    service_workflow_publish(actor=admin, service=service, definition=TEMPLATES["simple_approval"])
    return {"service": service, "admin": admin}


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_admin_edits_previews_and_publishes_a_text(page, live_server, notifying, lang):
    sign_in_with_totp(page, live_server, "owner@example.test")
    base = f"/{lang}/backoffice/entities/SEWA/notifications/"
    assert page.goto(base).status == 200
    check_page(page)
    edit = f"{base}application.state_changed/in_app/"
    page.locator(f"main a[href='{edit}']").click()
    page.wait_for_url(f"**{edit}")
    check_page(page)

    page.locator("#id_body_ar").fill(NEW_TEXT["ar"])
    page.locator("#id_body_en").fill(NEW_TEXT["en"] + " {status}")
    page.locator("button[name=_op][value=publish]").click()
    page.wait_for_load_state()
    # Refused: the unknown placeholder is named next to the field, nothing is published.
    assert "{status}" in page.locator("#id_body_en_error").text_content()
    check_page(page, {"status"})  # the author's own typo, quoted back in the message
    assert not NotificationTemplate.objects.exists()

    page.locator("#id_body_en").fill(NEW_TEXT["en"])
    page.locator("button[name=_op][value=preview]").click()
    page.wait_for_load_state()
    page.locator("main [lang=en]").get_by_text("Request SHJ-2026-000123 is now: In review").wait_for()
    check_page(page)
    page.locator("button[name=_op][value=publish]").click()
    page.wait_for_url(f"**{base}")
    assert page.locator("main [role=status]").first.is_visible()
    check_page(page)
    template = NotificationTemplate.objects.get()
    assert (template.entity.code, template.status, template.body_en) == ("SEWA", "published", NEW_TEXT["en"])

    assert page.goto(f"{base}deliveries/").status == 200
    check_page(page)


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_resident_reads_their_notifications(page, live_server, notifying, lang):
    resident = make_user("resident@example.test", name_ar="مريم", name_en="Maryam")
    draft = application_start(actor=resident, service=notifying["service"])
    application_answers_save(actor=resident, application=draft, answers={"full_name": "Maryam"})
    application = application_submit(actor=resident, application=draft)
    events_dispatch()  # the scheduler's job: the resident is told after the commit
    client = Client()
    client.force_login(resident)
    page.context.add_cookies([
        {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
         "url": live_server.url},
        {"name": "manassa_cookies", "value": "ok", "url": live_server.url}])
    assert page.goto(f"/{lang}/notifications/").status == 200
    page.locator("main").get_by_text(application.reference).first.wait_for()
    check_page(page)
    page.locator("main form button.btn-outline").click()
    page.wait_for_load_state()
    assert page.locator("main .badge-info").count() == 0
    check_page(page)
