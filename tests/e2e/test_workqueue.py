"""An officer works the queue in a real browser: claim, open, review, approve — accessible in both languages."""

import pytest

from manassa.accounts.tests.factories import make_user
from manassa.applications.models import Application
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
from manassa.entities.models import Entity, Membership
from tests.e2e.browser import check_page
from tests.e2e.test_accessibility import _sign_in

pytestmark = pytest.mark.e2e

FORM = {
    "format": "manassa-form/1",
    "pages": [{
        "key": "details", "title": {"ar": "البيانات", "en": "Details"},
        "fields": [{"key": "plot", "type": "number", "label": {"ar": "رقم القطعة", "en": "Plot number"},
                    "required": True, "min": 1}],
    }],
}


@pytest.fixture
def queue(transactional_db):
    from manassa.worktime.defaults import install_defaults
    from manassa.worktime.models import Holiday, WorkingCalendar

    install_defaults(WorkingCalendar, Holiday)  # emptied with the rest of a transactional test's database
    sewa = Entity.objects.create(code="SEWA", kind="local", name_ar="هيئة كهرباء ومياه وغاز الشارقة",
                                 name_en="Sharjah Electricity, Water and Gas Authority")
    sector = Sector.objects.create(code="utilities", name_ar="الكهرباء والمياه", name_en="Electricity and water")
    service = make_service(entity=sewa, sector=sector, code="SEWA-MOVE-IN", name_ar="توصيل الخدمات لمسكن جديد",
                           name_en="Move-in connection")
    people = {"customer": make_user("customer@example.test", name_ar="مريم", name_en="Maryam")}
    for role, name_ar, name_en in (("officer", "سالم", "Salem"), ("supervisor", "فاطمة", "Fatima")):
        people[role] = make_user(f"{role}@example.test", totp=True, name_ar=name_ar, name_en=name_en)
        Membership.objects.create(user=people[role], entity=sewa, role=role)
    service_form_publish(actor=people["supervisor"], service=service, definition=FORM)
    service_workflow_publish(actor=people["supervisor"], service=service, definition=TEMPLATES["simple_approval"])
    people["references"] = []
    for plot in (12, 13):
        draft = application_start(actor=people["customer"], service=service)
        application_answers_save(actor=people["customer"], application=draft, answers={"plot": str(plot)})
        people["references"].append(application_submit(actor=people["customer"], application=draft).reference)
    return people


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_officer_claims_reviews_and_approves(page, live_server, queue, lang):
    page.context.add_cookies([{"name": "manassa_cookies", "value": "ok", "url": live_server.url}])
    _sign_in(page, live_server, queue["officer"])
    ref = queue["references"][0]

    assert page.goto(f"/{lang}/backoffice/queue/").status == 200
    check_page(page)
    page.locator(f"form[action$='/{ref}/claim/'] button").click()
    page.wait_for_load_state()
    assert page.locator("[role=status]").first.is_visible()
    check_page(page)
    assert Application.objects.get(reference=ref).assignee == queue["officer"]

    page.get_by_role("link", name=ref).click()
    page.wait_for_url(f"**/{lang}/backoffice/queue/{ref}/")
    check_page(page)
    page.locator("form:has(input[name=action][value=start_review]) button").click()
    page.wait_for_load_state()
    # asking for information without the required comment: the error is announced, nothing changes
    page.locator("form:has(input[name=action][value=request_info]) button").click()
    page.wait_for_load_state()
    assert page.locator("[role=alert]").first.is_visible()
    assert page.locator("#act-request_info-comment").get_attribute("aria-invalid") == "true"
    check_page(page)
    page.fill("#act-approve-comment", "OK")
    page.locator("form:has(input[name=action][value=approve]) button").click()
    page.wait_for_load_state()
    check_page(page)
    assert Application.objects.get(reference=ref).state == "approved"

    _sign_in(page, live_server, queue["supervisor"])
    assert page.goto(f"/{lang}/backoffice/queue/overview/").status == 200
    check_page(page)
