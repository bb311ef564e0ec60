"""axe-core and the untranslated-text check on every page of the shell, in Arabic and in English."""

import pytest
from django.conf import settings
from django.test import Client

from manassa.accounts.models import PlatformRole
from manassa.accounts.tests.factories import make_user
from manassa.audit.services import audit_record
from manassa.bills.models import BillPosting
from manassa.catalog.models import LifeEvent, Sector, ServiceRevision
from manassa.catalog.services import service_revision_data
from manassa.catalog.tests.factories import make_service
from manassa.entities.models import Entity, Membership
from manassa.payments.tests.matrix_rows import make_bill_invoice, pay
from tests.e2e.browser import check_page

pytestmark = pytest.mark.e2e

# (who is signed in, path without the language prefix, expected HTTP status)
PAGES = [
    (None, "/", 200),
    (None, "/accounts/login/", 200),
    (None, "/accounts/signup/", 200),
    (None, "/accounts/password/reset/", 200),
    (None, "/no-such-page/", 404),
    (None, "/services/", 200),
    (None, "/sectors/utilities/", 200),
    (None, "/life-events/moving-home/", 200),
    (None, "/entities/SEWA/", 200),
    (None, "/services/sewa-move-in/", 200),
    (None, "/services/sewa-old/", 200),
    (None, "/search/?q=%D8%AA%D9%88%D8%B5%D9%8A%D9%84", 200),
    (None, "/search/?q=zzzzqqq", 200),
    ("customer", "/accounts/profile/", 200),
    ("customer", "/accounts/2fa/", 200),
    ("customer", "/accounts/password/change/", 200),
    ("customer", "/accounts/email/", 200),
    ("customer", "/digital-office/", 403),
    ("admin", "/backoffice/", 200),
    ("admin", "/backoffice/entities/SEWA/", 200),
    ("admin", "/backoffice/entities/SEWA/edit/", 200),
    ("admin", "/backoffice/entities/SEWA/api-keys/", 200),
    ("admin", "/backoffice/entities/SEWA/services/", 200),
    ("admin", "/backoffice/entities/SEWA/services/new/", 200),
    ("admin", "/backoffice/entities/SEWA/services/SEWA-MOVE-IN/edit/", 200),
    ("admin", "/backoffice/entities/SEWA/services/changes/<R>/", 200),
    ("customer", "/services/sewa-move-in/start/", 200),
    ("do_admin", "/digital-office/", 200),
    ("do_admin", "/digital-office/catalog/", 200),
    ("do_admin", "/digital-office/catalog/changes/<R>/", 200),
    ("do_admin", "/digital-office/catalog/synonyms/", 200),
    ("auditor", "/audit/", 200),
    # Shared services: complaints, notifications, documents, surveys.
    (None, "/feedback/", 200),
    (None, "/feedback/new/?kind=suggestion", 200),
    (None, "/feedback/track/", 200),
    (None, "/feedback/statistics/", 200),
    (None, "/verify/", 200),
    ("customer", "/requests/", 200),
    ("customer", "/notifications/", 200),
    ("customer", "/my-documents/", 200),
    ("customer", "/feedback/mine/", 200),
    ("customer", "/surveys/mine/", 200),
    ("customer", "/payments/", 200),
    ("customer", "/bills/", 200),
    ("admin", "/backoffice/queue/", 200),
    ("admin", "/backoffice/cases/", 200),
    ("admin", "/backoffice/documents/", 200),
    ("admin", "/backoffice/documents/settings/", 200),
    ("admin", "/backoffice/surveys/", 200),
    ("admin", "/backoffice/surveys/new/", 200),
    ("admin", "/backoffice/entities/SEWA/notifications/", 200),
    ("admin", "/backoffice/entities/SEWA/notifications/deliveries/", 200),
    ("admin", "/backoffice/entities/SEWA/integrations/", 200),
    ("admin", "/backoffice/entities/SEWA/payments/", 200),
    ("admin", "/backoffice/entities/SEWA/payments/refunds/", 200),
    ("admin", "/backoffice/entities/SEWA/payments/reconciliation/", 200),
    ("admin", "/backoffice/entities/SEWA/payments/<PAY>/", 200),
    ("admin", "/backoffice/entities/SEWA/bills/postings/", 200),
    ("do_admin", "/backoffice/cases/triage/", 200),
    ("do_admin", "/digital-office/payments/reconciliation/", 200),
]
DATA_WORDS: set[str] = set()  # identifiers are marked .literal in the templates


@pytest.fixture
def population(transactional_db, settings):
    sewa = Entity.objects.create(code="SEWA", kind="local", name_ar="هيئة كهرباء ومياه وغاز الشارقة",
                                 name_en="Sharjah Electricity, Water and Gas Authority", website="https://sewa.example")
    Entity.objects.create(code="ICP", kind="federal", name_ar="الهيئة الاتحادية للهوية والجنسية",
                          name_en="Federal Authority for Identity and Citizenship")
    utilities = Sector.objects.create(code="utilities", name_ar="الكهرباء والمياه", name_en="Electricity and water")
    moving = LifeEvent.objects.create(code="moving-home", name_ar="الانتقال إلى منزل جديد", name_en="Moving home")
    move_in = make_service(entity=sewa, sector=utilities, code="SEWA-MOVE-IN", name_ar="توصيل الخدمات لمسكن جديد",
                           name_en="Move-in connection", life_events=[moving], fee_amount=10000,
                           requirements=[{"ar": "عقد الإيجار", "en": "Tenancy contract"}], channels=["web", "center"])
    make_service(entity=sewa, sector=utilities, code="SEWA-OLD", name_ar="خدمة ملغاة", name_en="Withdrawn service",
                 status="retired")
    people = {"customer": make_user("customer@example.test", name_ar="مريم", name_en="Maryam")}
    people["admin"] = make_user("admin@example.test", totp=True, name_ar="يوسف", name_en="Yousef")
    Membership.objects.create(user=people["admin"], entity=sewa, role="admin")
    for role in ("do_admin", "auditor"):
        people[role] = make_user(f"{role}@example.test", totp=True)
        PlatformRole.objects.create(user=people[role], role=role)
    audit_record(actor=people["admin"], action="entity.updated", obj=sewa, entity_code="SEWA",
                 changes={"phone": ["", "1"]}, ip="127.0.0.1")
    data = {**service_revision_data(move_in), "name_en": "Connection when moving in", "sla_days": 2}
    people["revision"] = ServiceRevision.objects.create(entity=sewa, service=move_in, code=move_in.code,
                                                         status="submitted", data=data, author=people["admin"])
    # A paid bill whose biller refused the posting: its payment's page and the bill postings page show it.
    settings.MANASSA_BILL_PROVIDERS = {"sewa": {
        "class": "manassa.bills.providers.sandbox.SandboxBillProvider", "entity": "SEWA",
        "label": {"ar": "هيئة كهرباء ومياه وغاز الشارقة", "en": "Sharjah Electricity, Water and Gas Authority"}}}
    payment, _charge = pay(make_bill_invoice(entity=sewa, payer=people["customer"]), people["customer"])
    BillPosting.objects.create(invoice=payment.invoice, payment=payment, provider="sewa", amount=payment.amount,
                               bill_reference=payment.invoice.bill_reference, idempotency_key=payment.reference,
                               status="failed", attempts=3, last_error="already_paid: the bill was paid at a counter")
    people["payment"] = payment
    return people


def _sign_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{
        "name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }])


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_every_shell_page_is_accessible_and_translated(page, live_server, population, lang):
    page.context.add_cookies([{"name": "manassa_cookies", "value": "ok", "url": live_server.url}])
    signed_in = None
    failures = []
    for who, path, status in PAGES:
        if who != signed_in:
            page.context.clear_cookies()
            page.context.add_cookies([{"name": "manassa_cookies", "value": "ok", "url": live_server.url}])
            if who:
                _sign_in(page, live_server, population[who])
            signed_in = who
        path = path.replace("<R>", str(population["revision"].pk)).replace("<PAY>", population["payment"].reference)
        response = page.goto(f"/{lang}{path}")
        assert response.status == status, (lang, path, response.status)
        try:
            check_page(page, DATA_WORDS)
        except AssertionError as exc:
            failures.append(str(exc))
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_cookie_notice_and_mobile_layout(browser, live_server, population, lang):
    context = browser.new_context(base_url=live_server.url, bypass_csp=True, viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto(f"/{lang}/")
    assert page.locator(".cookie-notice").is_visible()
    check_page(page, DATA_WORDS)
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.className")
    assert "skip-link" in focused  # the first Tab lands on the skip link
    page.keyboard.press("Enter")
    assert page.evaluate("() => location.hash") == "#main"
    page.locator(".cookie-notice a").click()
    assert page.locator(".cookie-notice").count() == 0
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= 375, "the page scrolls sideways on a phone"
    context.close()
