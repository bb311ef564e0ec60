"""A service of entity A that issues a certificate on approval, and a resident's request for it."""

import pytest

from manassa.accounts.validators import luhn_valid
from manassa.applications import services as applications
from manassa.applications.workflow import TEMPLATES
from manassa.catalog.tests.factories import make_sector, make_service
from manassa.certificates.models import CertificateSetting


def emirates_id(prefix: str = "78419901234567") -> str:
    digits = next(prefix + str(d) for d in range(10) if luhn_valid(prefix + str(d)))
    return f"{digits[:3]}-{digits[3:7]}-{digits[7:14]}-{digits[14]}"


EID = emirates_id()

FORM = {"format": "manassa-form/1", "pages": [{
    "key": "details", "title": {"ar": "البيانات", "en": "Details"}, "fields": [
        {"key": "full_name", "type": "text", "label": {"ar": "الاسم الكامل", "en": "Full name"}, "required": True},
        {"key": "eid", "type": "emirates_id", "label": {"ar": "رقم الهوية", "en": "Emirates ID"}, "required": True},
        {"key": "activity", "type": "select", "label": {"ar": "النشاط", "en": "Activity"}, "required": True,
         "options": [{"value": "trade", "label": {"ar": "تجارة عامة", "en": "General trading"}},
                     {"value": "food", "label": {"ar": "مطعم", "en": "Restaurant"}}]},
        {"key": "papers", "type": "file", "label": {"ar": "المستندات", "en": "Papers"},
         "content_types": ["application/pdf"], "max_size": 1000000},
    ]}]}

ANSWERS = {"full_name": "مريم أحمد", "eid": EID, "activity": "trade"}


@pytest.fixture
def service(entity_a):
    sector = make_sector()
    service = make_service(entity=entity_a, sector=sector, code="A-PERMIT", name_ar="تصريح مزاولة نشاط",
                           name_en="Activity permit")
    applications.service_form_publish(actor=None, service=service, definition=FORM)
    applications.service_workflow_publish(actor=None, service=service, definition=TEMPLATES["simple_approval"])
    return service


@pytest.fixture
def setting(service):
    return CertificateSetting.objects.create(service=service, enabled=True, kind="permit",
                                             title_ar="تصريح مزاولة نشاط تجاري", title_en="Trade activity permit",
                                             answer_keys=["full_name", "activity"], validity_days=365)


def submit(applicant, service, answers=None):
    draft = applications.application_start(actor=applicant, service=service)
    applications.application_answers_save(actor=applicant, application=draft, answers=dict(answers or ANSWERS))
    return applications.application_submit(actor=applicant, application=draft)


def decide(application, officer, action="approve"):
    application = applications.application_transition(actor=officer, application=application, action="start_review")
    return applications.application_transition(actor=officer, application=application, action=action,
                                               comment="" if action == "approve" else "Not eligible")


@pytest.fixture
def issued(people, setting, service):
    """An approved request of the customer and the permit it issued."""
    application = decide(submit(people["customer"], service), people["officer"])
    return application.issued_documents.get()
