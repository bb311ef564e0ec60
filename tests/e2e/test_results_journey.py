"""A result from approval to verification, in a real browser, in Arabic and in English.

The officer approves in the back office → the resident gets the in-portal
notice and the e-mail in their own language (sent by the task worker) →
downloads the PDF from the request page → the QR code's address opens the
verification page, which shows the document valid → a supervisor revokes it →
the same address shows it revoked and the resident is told. axe-core and the
untranslated-text check on every page visited.
"""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import Client

from manassa.accounts.tests.factories import make_user
from manassa.applications.models import Notice
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
from manassa.certificates.models import CertificateSetting, IssuedDocument
from manassa.certificates.pdf import verification_url
from manassa.core.events import events_dispatch
from manassa.entities.models import Entity, Membership
from tests.e2e.browser import check_page

pytestmark = pytest.mark.e2e

FORM = {
    "format": "manassa-form/1",
    "pages": [{"key": "details", "title": {"ar": "البيانات", "en": "Details"}, "fields": [
        {"key": "full_name", "type": "text", "required": True, "label": {"ar": "الاسم الكامل", "en": "Full name"}},
    ]}],
}
NAMES = {"ar": "مريم سالم", "en": "Maryam Salem"}
REVOKED = {"ar": "أُلغيت هذه الوثيقة", "en": "This document was revoked"}


def _cookies(user, live_server):
    client = Client()
    client.force_login(user)
    return [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
             "url": live_server.url},
            {"name": "manassa_cookies", "value": "ok", "url": live_server.url}]


@pytest.fixture
def approval(transactional_db, live_server, settings):
    from manassa.worktime.defaults import install_defaults
    from manassa.worktime.models import Holiday, WorkingCalendar

    install_defaults(WorkingCalendar, Holiday)
    settings.MANASSA_SITE_URL = live_server.url
    police = Entity.objects.create(code="SHJPOLICE", kind="local", name_ar="القيادة العامة لشرطة الشارقة",
                                   name_en="Sharjah Police General Command")
    sector = Sector.objects.create(code="justice", name_ar="الأمن والعدل", name_en="Security and justice")
    service = make_service(entity=police, sector=sector, code="SHJPOLICE-GOOD-CONDUCT",
                           name_ar="شهادة حسن سيرة وسلوك", name_en="Good conduct certificate")
    officer = make_user("officer@example.test", totp=True, name_ar="سالم", name_en="Salem")
    Membership.objects.create(user=officer, entity=police, role="supervisor")
    service_form_publish(actor=officer, service=service, definition=FORM)
    service_workflow_publish(actor=officer, service=service, definition=TEMPLATES["simple_approval"])
    CertificateSetting.objects.create(service=service, enabled=True, kind="certificate",
                                      title_ar="شهادة حسن سيرة وسلوك", title_en="Good conduct certificate",
                                      answer_keys=["full_name"], validity_days=90)
    return {"service": service, "officer": officer}


def _applied(service, lang):
    resident = make_user(f"resident.{lang}@example.test", name_ar="مريم", name_en="Maryam")
    resident.preferred_language = lang
    resident.notify_email, resident.notify_sms = True, False
    resident.save()
    draft = application_start(actor=resident, service=service)
    application_answers_save(actor=resident, application=draft, answers={"full_name": NAMES[lang]})
    return resident, application_submit(actor=resident, application=draft)


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_approval_notifies_issues_and_verifies(page, browser, live_server, approval, lang):
    resident_user, application = _applied(approval["service"], lang)
    reference = application.reference
    officer_context = browser.new_context(base_url=live_server.url, bypass_csp=True,
                                          viewport={"width": 1280, "height": 900})
    officer_context.add_cookies(_cookies(approval["officer"], live_server))
    officer = officer_context.new_page()

    # 1. The officer approves in the back office.
    officer.goto(f"/{lang}/backoffice/queue/{reference}/")
    check_page(officer)
    officer.locator("form:has(input[name=action][value=start_review]) button").click()
    officer.wait_for_load_state()
    officer.locator("form:has(input[name=action][value=approve]) button").click()
    officer.wait_for_load_state()
    check_page(officer)
    document = IssuedDocument.objects.get(application__reference=reference)

    # 2. The scheduler dispatches the approval's events (the outbox) and the worker sends what that enqueued:
    # the e-mail in the resident's language.
    mail.outbox.clear()
    events_dispatch()
    call_command("db_worker", "--batch", verbosity=0)
    to_resident = [m for m in mail.outbox if resident_user.email in m.to]
    assert to_resident, [m.to for m in mail.outbox]
    message = to_resident[-1]
    assert reference in message.body
    arabic = re.search(r"[\u0600-\u06FF]", message.subject + message.body)
    assert bool(arabic) is (lang == "ar"), (message.subject, message.body)
    html = message.alternatives[0][0] if message.alternatives else ""
    assert f'lang="{lang}"' in html
    assert Notice.objects.filter(user=resident_user, application=application).exists()

    # 3. The resident sees the notices and downloads the certificate.
    page.context.add_cookies(_cookies(resident_user, live_server))
    page.goto(f"/{lang}/notifications/")
    assert reference in page.locator("main").inner_text()
    check_page(page)
    page.goto(f"/{lang}/requests/{reference}/")
    check_page(page)
    section = page.locator("#issued-documents")
    assert document.number in section.inner_text()
    with page.expect_download() as download:
        section.locator("a[href*='download'], a[href$='/pdf/']").first.click()
    path = download.value.path()
    with open(path, "rb") as handle:
        assert handle.read(5) == b"%PDF-"

    # 4. The QR code's address opens the verification page: valid.
    url = verification_url(document)
    assert url.startswith(live_server.url + "/verify/")
    page.goto(url)  # the address has no language: the reader's browser chooses it
    assert re.search(rf"/(ar|en)/verify/{document.code}/$", page.url)
    page.goto(f"/{lang}/verify/{document.code}/")
    main = page.locator("main").inner_text()
    assert document.number in main and resident_user.email not in main
    check_page(page)

    # 5. A supervisor revokes it; the same address now says so, and the resident is told.
    officer.goto(f"/{lang}/backoffice/documents/{document.number}/")
    check_page(officer)
    officer.fill("#revoke-reason", "خطأ في البيانات" if lang == "ar" else "Issued with wrong data")
    officer.locator("form[action$='/revoke/'] button[type=submit]").click()
    officer.wait_for_load_state()
    assert IssuedDocument.objects.get(pk=document.pk).status == "revoked"
    page.goto(f"/{lang}/verify/{document.code}/")
    assert REVOKED[lang] in page.locator("main").inner_text()
    check_page(page)
    events_dispatch()
    assert Notice.objects.filter(user=resident_user).count() >= 3  # submitted, approved, revoked
    officer_context.close()
