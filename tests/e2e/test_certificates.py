"""A resident's certificate in a real browser: My documents, the PDF, verification as the QR code opens it,
revocation by the entity — accessible and translated in both languages."""

import pytest
from django.conf import settings

from manassa.accounts.tests.factories import make_user
from manassa.applications.services import (
    application_answers_save,
    application_start,
    application_submit,
    application_transition,
    service_form_publish,
    service_workflow_publish,
)
from manassa.applications.workflow import TEMPLATES
from manassa.catalog.models import Sector
from manassa.catalog.tests.factories import make_service
from manassa.certificates.models import CertificateSetting, IssuedDocument
from manassa.certificates.pdf import verification_url
from manassa.entities.models import Entity, Membership
from tests.e2e.browser import check_page
from tests.e2e.test_accessibility import _sign_in

pytestmark = pytest.mark.e2e

FORM = {
    "format": "manassa-form/1",
    "pages": [{
        "key": "details", "title": {"ar": "البيانات", "en": "Details"},
        "fields": [
            {"key": "trade_name", "type": "text", "label": {"ar": "الاسم التجاري", "en": "Trade name"},
             "required": True},
            {"key": "activity", "type": "select", "label": {"ar": "النشاط", "en": "Activity"}, "required": True,
             "options": [{"value": "trade", "label": {"ar": "تجارة عامة", "en": "General trading"}}]},
        ],
    }],
}


@pytest.fixture
def permit(transactional_db, live_server, settings):
    from manassa.worktime.defaults import install_defaults
    from manassa.worktime.models import Holiday, WorkingCalendar

    install_defaults(WorkingCalendar, Holiday)
    settings.MANASSA_SITE_URL = live_server.url
    sedd = Entity.objects.create(code="SEDD", kind="local", name_ar="دائرة التنمية الاقتصادية",
                                 name_en="Economic Development Department")
    sector = Sector.objects.create(code="business", name_ar="الأعمال", name_en="Business")
    service = make_service(entity=sedd, sector=sector, code="SEDD-TL-RENEW", name_ar="تجديد رخصة تجارية",
                           name_en="Trade licence renewal")
    people = {"customer": make_user("customer@example.test", name_ar="مريم", name_en="Maryam")}
    people["supervisor"] = make_user("supervisor@example.test", totp=True, name_ar="فاطمة", name_en="Fatima")
    Membership.objects.create(user=people["supervisor"], entity=sedd, role="supervisor")
    people["admin"] = make_user("admin@example.test", totp=True, name_ar="يوسف", name_en="Yousef")
    Membership.objects.create(user=people["admin"], entity=sedd, role="admin")
    service_form_publish(actor=people["supervisor"], service=service, definition=FORM)
    service_workflow_publish(actor=people["supervisor"], service=service, definition=TEMPLATES["simple_approval"])
    CertificateSetting.objects.create(service=service, enabled=True, kind="licence", title_ar="رخصة تجارية",
                                      title_en="Trade licence", answer_keys=["trade_name", "activity"],
                                      validity_days=365)
    draft = application_start(actor=people["customer"], service=service)
    # An Arabic trade name: the English pages show the document's own data, which is in Arabic only here.
    application_answers_save(actor=people["customer"], application=draft,
                             answers={"trade_name": "مؤسسة النخلة", "activity": "trade"})
    application = application_submit(actor=people["customer"], application=draft)
    application = application_transition(actor=people["supervisor"], application=application, action="start_review")
    application_transition(actor=people["supervisor"], application=application, action="approve")
    people["document"] = IssuedDocument.objects.get()
    return people


def _arabic_data_allowed(page, lang):
    """On the English page, the document's own Arabic data (the trade name) is data, not untranslated text."""
    if lang == "en":
        page.evaluate("""() => document.querySelectorAll('bdi').forEach(el => el.setAttribute('lang', 'ar'))""")


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_resident_downloads_and_verifies_then_staff_revokes(page, live_server, permit, lang):
    page.context.add_cookies([{"name": "manassa_cookies", "value": "ok", "url": live_server.url}])
    document = permit["document"]
    _sign_in(page, live_server, permit["customer"])

    assert page.goto(f"/{lang}/").status == 200
    page.locator("header nav a[href$='/my-documents/']").first.click()
    page.wait_for_url(f"**/{lang}/my-documents/")
    check_page(page)
    assert page.locator("table").get_by_text(document.number).first.is_visible()

    with page.expect_download() as download:
        page.locator(f"a[href='/{lang}/my-documents/{document.number}/?download=1']").click()
    path = download.value.path()
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert download.value.suggested_filename == f"{document.number}.pdf"

    # What the QR code opens: the address without a language, in a browser with no session.
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "manassa_cookies", "value": "ok", "url": live_server.url},
                              {"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": live_server.url}])
    url = verification_url(document)
    assert url.startswith(live_server.url + "/verify/")
    response = page.goto(url)
    assert response.status == 200 and page.url.endswith(f"/{lang}/verify/{document.code}/")
    assert page.locator("[role=status]").first.is_visible()
    assert page.locator(".alert-success").count() == 1
    assert page.get_by_text(document.number).first.is_visible()
    _arabic_data_allowed(page, lang)
    check_page(page)

    _sign_in(page, live_server, permit["supervisor"])
    assert page.goto(f"/{lang}/backoffice/documents/").status == 200
    check_page(page)
    page.get_by_role("link", name=document.number).click()
    page.wait_for_url(f"**/{lang}/backoffice/documents/{document.number}/")
    _arabic_data_allowed(page, lang)
    check_page(page)
    # Without a reason nothing happens and the error is announced.
    page.locator("form[action$='/revoke/'] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#revoke-reason").get_attribute("aria-invalid") == "true"
    _arabic_data_allowed(page, lang)
    check_page(page)
    page.fill("#revoke-reason", "تم إلغاء الرخصة" if lang == "ar" else "The licence was cancelled")
    page.locator("form[action$='/revoke/'] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".alert-success").first.is_visible()
    _arabic_data_allowed(page, lang)
    check_page(page)
    assert IssuedDocument.objects.get().status == "revoked"

    page.context.clear_cookies()
    page.context.add_cookies([{"name": "manassa_cookies", "value": "ok", "url": live_server.url}])
    assert page.goto(f"/{lang}/verify/{document.code}/").status == 200
    assert page.locator(".alert-error").count() == 1 and page.locator(".alert-success").count() == 0
    _arabic_data_allowed(page, lang)
    check_page(page)

    assert page.goto(f"/{lang}/verify/7K2QX9ABCD4MNPRT8VWZ/").status == 404
    check_page(page)
    assert page.goto(f"/{lang}/verify/").status == 200
    check_page(page)


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_entity_admin_chooses_what_the_document_shows(page, live_server, permit, lang):
    page.context.add_cookies([{"name": "manassa_cookies", "value": "ok", "url": live_server.url}])
    _sign_in(page, live_server, permit["admin"])
    assert page.goto(f"/{lang}/backoffice/documents/").status == 200
    page.locator("a[href$='/backoffice/documents/settings/']").click()
    page.wait_for_url(f"**/{lang}/backoffice/documents/settings/")
    check_page(page)
    page.locator("a[href$='/settings/SEDD-TL-RENEW/']").click()
    page.wait_for_url(f"**/{lang}/backoffice/documents/settings/SEDD-TL-RENEW/")
    check_page(page)
    # A title left empty: the form comes back with the error announced, nothing saved.
    page.fill("#setting-title_en", "")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#setting-title_en").get_attribute("aria-invalid") == "true"
    check_page(page)
    page.fill("#setting-title_en", "Trade licence certificate")
    page.locator("input[name=answer_keys][value=activity]").uncheck()
    page.fill("#setting-validity_days", "")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/{lang}/backoffice/documents/settings/")
    assert page.locator(".alert-success").first.is_visible()
    check_page(page)
    setting = CertificateSetting.objects.get()
    assert setting.title_en == "Trade licence certificate" and setting.answer_keys == ["trade_name"]
    assert setting.validity_days is None
