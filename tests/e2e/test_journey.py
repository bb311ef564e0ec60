"""The whole journey of a request in a real browser, in Arabic and in English.

The resident applies with a document → the officer asks for more information →
the resident adds a document and replies → the officer approves and issues a
result → the resident sees the outcome, downloads the result and rates the
service. Two browser contexts (two people), axe-core on every page visited.
"""

import re

import pytest
from django.conf import settings
from django.test import Client

from manassa.accounts.tests.factories import make_user
from manassa.applications.models import Application, ApplicationDocument, Rating
from manassa.applications.services import service_form_publish, service_workflow_publish
from manassa.applications.workflow import TEMPLATES
from manassa.catalog.models import Sector
from manassa.catalog.tests.factories import make_service
from manassa.entities.models import Entity, Membership
from tests.e2e.browser import check_page

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n" \
      b"trailer<</Root 1 0 R>>\n%%EOF\n"
HTML = b"<!doctype html><title>x</title><script>alert(1)</script>"

FORM = {
    "format": "manassa-form/1",
    "pages": [{"key": "details", "title": {"ar": "البيانات", "en": "Details"}, "fields": [
        {"key": "full_name", "type": "text", "required": True, "label": {"ar": "الاسم الكامل", "en": "Full name"}},
        {"key": "passport", "type": "file", "required": True, "content_types": ["application/pdf", "image/*"],
         "max_size": 1048576, "label": {"ar": "صورة جواز السفر", "en": "Passport copy"}},
    ]}],
}
TEXT = {
    "ar": {"name": "مريم سالم", "ask": "يرجى إرفاق عقد الإيجار.", "reply": "أرفقت العقد.", "result": "شهادة"},
    "en": {"name": "Maryam Salem", "ask": "Please attach the tenancy contract.", "reply": "Contract attached.",
           "result": "Certificate"},
}


def _session_cookies(user, live_server):
    client = Client()
    client.force_login(user)
    return [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
             "url": live_server.url},
            {"name": "manassa_cookies", "value": "ok", "url": live_server.url}]


@pytest.fixture
def journey(transactional_db, live_server):
    from manassa.worktime.defaults import install_defaults
    from manassa.worktime.models import Holiday, WorkingCalendar

    install_defaults(WorkingCalendar, Holiday)
    police = Entity.objects.create(code="SHJPOLICE", kind="local", name_ar="القيادة العامة لشرطة الشارقة",
                                   name_en="Sharjah Police General Command")
    sector = Sector.objects.create(code="justice", name_ar="الأمن والعدل", name_en="Security and justice")
    service = make_service(entity=police, sector=sector, code="SHJPOLICE-GOOD-CONDUCT",
                           name_ar="شهادة حسن سيرة وسلوك", name_en="Good conduct certificate")
    officer = make_user("officer@example.test", totp=True, name_ar="سالم", name_en="Salem")
    Membership.objects.create(user=officer, entity=police, role="officer")
    service_form_publish(actor=officer, service=service, definition=FORM)
    service_workflow_publish(actor=officer, service=service, definition=TEMPLATES["simple_approval"])
    resident = make_user("resident@example.test", name_ar="مريم", name_en="Maryam")
    return {"service": service, "resident": resident, "officer": officer}


def _submit_button(page):
    page.locator("main form button.aegov-btn[type=submit]").last.click()


def _file(name, data, mime):
    return {"name": name, "mimeType": mime, "buffer": data}


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_request_from_application_to_rating(page, browser, live_server, journey, lang):
    text = TEXT[lang]
    service = journey["service"]
    resident = page
    resident.context.add_cookies(_session_cookies(journey["resident"], live_server))
    officer_context = browser.new_context(base_url=live_server.url, bypass_csp=True,
                                          viewport={"width": 1280, "height": 900})
    officer_context.add_cookies(_session_cookies(journey["officer"], live_server))
    officer = officer_context.new_page()
    officer_errors = []
    officer.on("pageerror", lambda exc: officer_errors.append(str(exc)))

    # 1. The resident applies, first with a file that is not what its name says.
    resident.goto(f"/{lang}/services/{service.slug}/start/")
    check_page(resident)
    resident.locator("main form button.aegov-btn").click()
    resident.wait_for_url(re.compile(rf"/{lang}/requests/drafts/\d+/details/$"))
    check_page(resident)
    resident.locator("#id_full_name").fill(text["name"])
    resident.locator("#id_passport").set_input_files(_file("passport.pdf", HTML, "application/pdf"))
    _submit_button(resident)
    resident.get_by_role("alert").first.wait_for()
    assert resident.locator("#id_passport").get_attribute("aria-invalid") == "true"
    assert resident.locator("#id_full_name").input_value() == text["name"]
    check_page(resident)
    resident.locator("#id_passport").set_input_files(_file("passport.pdf", PDF, "application/pdf"))
    _submit_button(resident)
    resident.wait_for_url(re.compile(rf"/{lang}/requests/drafts/\d+/check/$"))
    assert "passport.pdf" in resident.locator("main").inner_text()
    check_page(resident)
    _submit_button(resident)
    resident.wait_for_url(re.compile(rf"/{lang}/requests/[A-Z]+-\d{{4}}-\d{{6}}/submitted/$"))
    check_page(resident)
    application = Application.objects.get()
    reference = application.reference

    # 2. The officer sees the document in the page and asks for more information.
    officer.goto(f"/{lang}/backoffice/queue/{reference}/")
    frame = officer.locator("#documents iframe")
    assert frame.count() == 1
    document_url = frame.get_attribute("src")
    pdf = officer.request.get(document_url)
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.body() == PDF
    check_page(officer)
    officer.locator("form:has(input[name=action][value=start_review]) button").click()
    officer.wait_for_load_state()
    officer.fill("#act-request_info-comment", text["ask"])
    officer.locator("form:has(input[name=action][value=request_info]) button").click()
    officer.wait_for_load_state()
    check_page(officer)
    assert Application.objects.get().state == "awaiting_info"

    # 3. The resident reads the request, adds the document asked for and replies.
    resident.goto(f"/{lang}/requests/{reference}/")
    assert text["ask"] in resident.locator("main").inner_text()
    check_page(resident)
    resident.locator("#add-document").set_input_files(_file("contract.pdf", PDF, "application/pdf"))
    resident.locator("#add-document-description").fill(text["reply"])
    resident.locator("form:has(#add-document) button[type=submit]").click()
    resident.wait_for_url(re.compile(rf"/{lang}/requests/{reference}/"))
    assert resident.locator("[role=status]").first.is_visible()
    check_page(resident)
    assert ApplicationDocument.objects.filter(kind="additional").count() == 1
    resident.locator("form[action$='/actions/respond/'] textarea").fill(text["reply"])
    resident.locator("form[action$='/actions/respond/'] button").click()
    resident.wait_for_url(re.compile(rf"/{lang}/requests/{reference}/"))
    check_page(resident)
    assert Application.objects.get().state == "in_review"

    # 4. The officer sees the added document, approves and issues the result.
    officer.goto(f"/{lang}/backoffice/queue/{reference}/")
    assert officer.locator("#documents iframe").count() == 2
    check_page(officer)
    officer.locator("form:has(input[name=action][value=approve]) button").click()
    officer.wait_for_load_state()
    officer.locator("#result-document").set_input_files(_file("certificate.pdf", PDF, "application/pdf"))
    officer.locator("#result-description").fill(text["result"])
    officer.locator("form:has(#result-document) button[type=submit]").click()
    officer.wait_for_url(re.compile(rf"/{lang}/backoffice/queue/{reference}/"))
    check_page(officer)
    assert Application.objects.get().state == "approved"

    # 5. The resident sees the outcome, downloads the result and rates the service.
    resident.goto(f"/{lang}/requests/{reference}/")
    main = resident.locator("main").inner_text()
    assert text["result"] in main
    check_page(resident)
    with resident.expect_download() as download:
        resident.locator("#results a[href$='?download=1']").click()
    assert download.value.suggested_filename == "certificate.pdf"
    resident.locator("#score-3").check()
    resident.locator("#rating textarea").fill(text["reply"])
    resident.locator("#rating button[type=submit]").click()
    resident.wait_for_url(re.compile(rf"/{lang}/requests/{reference}/"))
    check_page(resident)
    assert Rating.objects.get(application__reference=reference).score == 3

    officer_context.close()
    assert officer_errors == []
