"""Documents: what a file is (from its bytes), uploading with a form page, adding one later, results, serving."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from manassa.accounts.tests.factories import make_user
from manassa.applications.documents import additional_document_add, answer_document_store, result_document_add
from manassa.applications.models import Application, ApplicationDocument, ApplicationEvent, Notice
from manassa.applications.selectors import form_of
from manassa.applications.services import (
    application_start,
    application_submit,
    application_transition,
    service_form_publish,
    service_workflow_publish,
)
from manassa.applications.workflow import TEMPLATES
from manassa.audit.models import AuditEvent
from manassa.catalog.tests.factories import make_sector, make_service
from manassa.core.errors import InvalidInput
from manassa.core.events import events_dispatch
from manassa.core.files import DOCX, JPEG, PDF, PNG, safe_file_name, sniff_content_type

PDF_BYTES = b"%PDF-1.7\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00" + b"\x00" * 20
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40 + b"\xff\xd9"
HTML_BYTES = b"<!doctype html><script>alert(document.cookie)</script>"


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.exe", "MZ")
    return buffer.getvalue()


# --- what a file is -----------------------------------------------------------------------


@pytest.mark.parametrize(("data", "expected"), [
    (PDF_BYTES, PDF),
    (PNG_BYTES, PNG),
    (JPEG_BYTES, JPEG),
    (b"GIF89a" + b"\x00" * 10, "image/gif"),
    (b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 10, "image/webp"),
    (b"\x00\x00\x00\x18ftypheic" + b"\x00" * 16, "image/heic"),
    (_docx(), DOCX),
    (b"%PDF-1.7\n1 0 obj<<>>endobj\n", None),  # cut short: no end-of-file marker
    (b"\x89PNG\r\n\x1a\nnot a header", None),
    (HTML_BYTES, None),
    (b"MZ\x90\x00" + b"\x00" * 60, None),
    (_zip(), None),
    (b"PK\x03\x04garbage", None),
    (b"", None),
])
def test_sniff_content_type_reads_the_bytes(data, expected):
    stream = io.BytesIO(data)
    assert sniff_content_type(stream) == expected
    assert stream.tell() == 0


def test_sniff_finds_the_end_marker_of_a_long_pdf():
    data = b"%PDF-1.4\n" + b"0" * 100_000 + b"\n%%EOF\n"
    assert sniff_content_type(io.BytesIO(data)) == PDF


@pytest.mark.parametrize(("name", "content_type", "expected"), [
    ("passport.pdf", PDF, "passport.pdf"),
    ("../../etc/passwd", PDF, "passwd.pdf"),
    ("C:\\Users\\me\\scan.PNG", PNG, "scan.png"),
    ("invoice.pdf.exe", PDF, "invoice.pdf.pdf"),
    ("photo.html", JPEG, "photo.jpg"),
    ("جواز السفر.pdf", PDF, "جواز السفر.pdf"),
    ("a\x00b\u202ecod.pdf", PDF, "abcod.pdf"),
    ("", PDF, "document.pdf"),
    ("...", PNG, "document.png"),
])
def test_safe_file_name(name, content_type, expected):
    assert safe_file_name(name, content_type=content_type) == expected


# --- applying with files ----------------------------------------------------------------------

FORM = {
    "format": "manassa-form/1",
    "pages": [
        {"key": "papers", "title": {"ar": "المستندات", "en": "Documents"}, "fields": [
            {"key": "full_name", "type": "text", "required": True, "label": {"ar": "الاسم", "en": "Full name"}},
            {"key": "passport", "type": "file", "required": True, "content_types": ["application/pdf", "image/*"],
             "max_size": 1024, "label": {"ar": "جواز السفر", "en": "Passport copy"}},
            {"key": "extra", "type": "file", "content_types": ["application/pdf"], "max_size": 4096,
             "label": {"ar": "مستند إضافي", "en": "Extra document"}},
            {"key": "vehicles", "type": "group", "max_items": 3, "label": {"ar": "المركبات", "en": "Vehicles"},
             "item_label": {"ar": "مركبة", "en": "Vehicle"}, "fields": [
                 {"key": "plate", "type": "text", "required": True, "label": {"ar": "اللوحة", "en": "Plate"}},
                 {"key": "photo", "type": "file", "content_types": ["image/*"], "max_size": 4096,
                  "label": {"ar": "صورة", "en": "Photo"}}]},
        ]},
    ],
}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):  # URLs under /en/, messages in English
        yield


@pytest.fixture(autouse=True)
def _calendars(db):
    from manassa.worktime.defaults import install_defaults
    from manassa.worktime.models import Holiday, WorkingCalendar

    install_defaults(WorkingCalendar, Holiday)


@pytest.fixture
def service(people, entity_a):
    service = make_service(entity=entity_a, sector=make_sector(), code="ENT-A-DOCS", name_ar="خدمة",
                           name_en="Permit")
    service_form_publish(actor=people["admin"], service=service, definition=FORM)
    service_workflow_publish(actor=people["admin"], service=service, definition=TEMPLATES["simple_approval"])
    return service


@pytest.fixture
def draft(customer, service):
    return application_start(actor=customer, service=service)


def _page_url(application):
    return reverse("requests:draft_page", args=[application.pk, "papers"])


def _upload(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_upload_with_a_page_stores_the_file_privately(client, customer, draft):
    client.force_login(customer)
    response = client.post(_page_url(draft), {"full_name": "Maryam", "vehicles-count": "0",
                                              "passport": _upload("my passport.pdf", PDF_BYTES, "text/html")})
    assert response.status_code == 302, response.content.decode()[:2000]
    draft.refresh_from_db()
    meta = draft.answers["passport"]
    document = ApplicationDocument.objects.get(ref=meta["ref"])
    # The type comes from the bytes, not from what the browser said.
    assert meta == {"ref": document.ref, "name": "my passport.pdf", "content_type": PDF, "size": len(PDF_BYTES)}
    assert document.file.read() == PDF_BYTES
    assert document.field_path == "passport" and document.uploaded_by == customer
    assert document.ref in document.file.name and "passport" not in document.file.name
    # Sending the page again without a file keeps the one uploaded.
    response = client.post(_page_url(draft), {"full_name": "Maryam", "vehicles-count": "0"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.answers["passport"]["ref"] == document.ref


@pytest.mark.parametrize(("name", "data", "message"), [
    ("passport.pdf", HTML_BYTES, "not one of the accepted types"),
    ("passport.pdf", b"%PDF-1.7\n" + b"0" * 2000 + b"\n%%EOF", "1.0\xa0KB or smaller"),
    ("passport.docx", _docx(), "must be one of these types"),
])
def test_a_refused_file_is_explained_and_nothing_typed_is_lost(client, customer, draft, name, data, message):
    client.force_login(customer)
    response = client.post(_page_url(draft), {"full_name": "Maryam Al Ali", "vehicles-count": "0",
                                              "passport": _upload(name, data)})
    assert response.status_code == 200
    text = response.content.decode()
    assert message in text and 'aria-invalid="true"' in text
    assert "Maryam Al Ali" in text
    draft.refresh_from_db()
    assert draft.answers["full_name"] == "Maryam Al Ali" and "passport" not in draft.answers
    assert not ApplicationDocument.objects.exists()


def test_a_refused_replacement_keeps_the_earlier_file(client, customer, draft):
    client.force_login(customer)
    client.post(_page_url(draft), {"full_name": "M", "vehicles-count": "0", "passport": _upload("a.pdf", PDF_BYTES)})
    first = Application.objects.get().answers["passport"]["ref"]
    response = client.post(_page_url(draft), {"full_name": "M", "vehicles-count": "0",
                                              "passport": _upload("b.pdf", HTML_BYTES)})
    assert response.status_code == 200
    assert Application.objects.get().answers["passport"]["ref"] == first
    assert "a.pdf" in response.content.decode()


def test_replacing_a_draft_file_deletes_the_old_one(client, customer, draft, django_capture_on_commit_callbacks):
    client.force_login(customer)
    client.post(_page_url(draft), {"full_name": "M", "vehicles-count": "0", "passport": _upload("a.pdf", PDF_BYTES)})
    old = ApplicationDocument.objects.get()
    storage, old_name = old.file.storage, old.file.name
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_page_url(draft), {"full_name": "M", "vehicles-count": "0",
                                       "passport": _upload("b.png", PNG_BYTES)})
    new = ApplicationDocument.objects.get()
    assert new.ref != old.ref and new.content_type == PNG and new.name == "b.png"
    assert not storage.exists(old_name)


def test_an_optional_file_can_be_removed(client, customer, draft):
    client.force_login(customer)
    client.post(_page_url(draft), {"full_name": "M", "vehicles-count": "0", "passport": _upload("a.pdf", PDF_BYTES),
                                   "extra": _upload("e.pdf", PDF_BYTES)})
    assert "extra" in Application.objects.get().answers
    client.post(_page_url(draft), {"full_name": "M", "vehicles-count": "0", "extra-clear": "1",
                                   "passport-clear": "1"})
    answers = Application.objects.get().answers
    assert answers.get("extra") is None
    assert answers["passport"]["name"] == "a.pdf"  # a required file cannot be cleared


def test_files_in_group_items_keep_their_place(client, customer, draft):
    client.force_login(customer)
    client.post(_page_url(draft), {
        "full_name": "M", "passport": _upload("a.pdf", PDF_BYTES), "vehicles-count": "2",
        "vehicles-0-plate": "A 1", "vehicles-1-plate": "B 2", "vehicles-1-photo": _upload("car.jpg", JPEG_BYTES)})
    vehicles = Application.objects.get().answers["vehicles"]
    assert "photo" not in vehicles[0] and vehicles[1]["photo"]["name"] == "car.jpg"
    # Posting the page again (no new files) keeps the photo with the second vehicle.
    client.post(_page_url(draft), {"full_name": "M", "vehicles-count": "2", "vehicles-0-plate": "A 1",
                                   "vehicles-1-plate": "B 2"})
    vehicles = Application.objects.get().answers["vehicles"]
    assert vehicles[1]["photo"]["name"] == "car.jpg"
    response = client.get(reverse("requests:draft_check", args=[draft.pk]))
    assert "car.jpg" in response.content.decode()


def test_submission_refuses_a_file_that_is_not_the_applications_own(customer, draft, service):
    other_draft = application_start(actor=make_user("other@example.test"), service=service)
    stranger = result_document_add(actor=None, application=_submitted(service), upload=_upload("x.pdf", PDF_BYTES))
    meta = {"ref": stranger.ref, "name": "x.pdf", "content_type": PDF, "size": len(PDF_BYTES)}
    draft.answers = {"full_name": "M", "passport": meta}
    draft.save()
    with pytest.raises(InvalidInput) as exc:
        application_submit(actor=customer, application=draft)
    assert set(exc.value.fields) == {"passport"}
    assert other_draft.reference is None


def _submitted(service, applicant=None):
    applicant = applicant or make_user("applicant@example.test")
    application = application_start(actor=applicant, service=service)
    field = form_of(application).fields["passport"]
    meta = answer_document_store(actor=applicant, application=application, field=field, path="passport",
                                 upload=_upload("passport.pdf", PDF_BYTES))
    application.answers = {"full_name": "Maryam", "passport": meta}
    application.save()
    return application_submit(actor=applicant, application=application)


# --- serving ----------------------------------------------------------------------------------


def test_staff_see_the_document_inline_with_a_locked_down_response(client, people, service):
    application = _submitted(service)
    document = application.documents.get()
    client.force_login(people["officer"])
    page = client.get(reverse("workqueue:application", args=[application.reference])).content.decode()
    url = reverse("workqueue:document", args=[application.reference, document.ref])
    assert '<iframe class="' in page and f'src="{url}"' in page and "Passport copy" in page
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == PDF
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]
    download = client.get(url + "?download=1")
    assert download["Content-Disposition"].startswith("attachment")


def test_the_applicant_reaches_only_their_own_documents(client, service):
    application = _submitted(service)
    document = application.documents.get()
    url = reverse("requests:document", args=[application.reference, document.ref])
    client.force_login(application.applicant)
    assert client.get(url).status_code == 200
    client.force_login(make_user("someone@example.test"))
    assert client.get(url).status_code == 404
    assert client.get(reverse("requests:draft_document", args=[application.pk, document.ref])).status_code == 404


def test_draft_documents_are_served_to_their_owner_only(client, customer, draft):
    client.force_login(customer)
    client.post(_page_url(draft), {"full_name": "M", "vehicles-count": "0", "passport": _upload("a.png", PNG_BYTES)})
    document = ApplicationDocument.objects.get()
    url = reverse("requests:draft_document", args=[draft.pk, document.ref])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == PNG
    assert "sandbox" in response["Content-Security-Policy"]
    client.force_login(make_user("someone@example.test"))
    assert client.get(url).status_code == 404


# --- added documents and results --------------------------------------------------------------


def test_documents_can_be_added_only_while_the_entity_waits(client, people, service):
    application = _submitted(service)
    applicant = application.applicant
    with pytest.raises(InvalidInput):
        additional_document_add(actor=applicant, application=application, upload=_upload("a.pdf", PDF_BYTES))
    application_transition(actor=people["officer"], application=application, action="start_review")
    application_transition(actor=people["officer"], application=application, action="request_info",
                           comment="Send the tenancy contract.")
    client.force_login(applicant)
    url = reverse("requests:document_add", args=[application.reference])
    refused = client.post(url, {"document": _upload("contract.pdf", HTML_BYTES)})
    assert refused.status_code == 400 and "not one of the accepted types" in refused.content.decode()
    response = client.post(url, {"document": _upload("contract.pdf", PDF_BYTES), "description": "Tenancy contract"})
    assert response.status_code == 302
    added = application.documents.get(kind="additional")
    assert added.description == "Tenancy contract" and added.uploaded_by == applicant
    assert ApplicationEvent.objects.filter(application=application, action="document_added").exists()
    assert AuditEvent.objects.filter(action="application.document_added").exists()
    detail = client.get(reverse("requests:detail", args=[application.reference])).content.decode()
    assert "Document added" in detail and "Tenancy contract" in detail
    client.force_login(people["officer"])
    page = client.get(reverse("workqueue:application", args=[application.reference])).content.decode()
    assert "Added by the applicant" in page and "Tenancy contract" in page
    # Someone else cannot add to this request.
    client.force_login(make_user("someone@example.test"))
    assert client.post(url, {"document": _upload("x.pdf", PDF_BYTES)}).status_code == 404


def test_staff_issue_a_result_the_applicant_is_told_and_downloads(client, people, service):
    application = _submitted(service)
    client.force_login(people["officer"])
    url = reverse("workqueue:result_add", args=[application.reference])
    refused = client.post(url, {"document": _upload("permit.pdf", _docx())})
    assert refused.status_code == 400
    assert "The file must be one of these types: PDF, PNG, JPG, WEBP." in refused.content.decode()
    response = client.post(url, {"document": _upload("permit.pdf", PDF_BYTES), "description": "Building permit"})
    assert response.status_code == 302
    result = application.documents.get(kind="result")
    events_dispatch()  # the platform tells the applicant after the commit (the scheduler's job)
    assert Notice.objects.filter(user=application.applicant, application=application,
                                 message_en__contains="a document was issued").exists()
    client.force_login(application.applicant)
    detail = client.get(reverse("requests:detail", args=[application.reference])).content.decode()
    assert "Your documents from the entity" in detail and "Building permit" in detail
    download = client.get(reverse("requests:document", args=[application.reference, result.ref]) + "?download=1")
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    # The applicant cannot issue results.
    assert client.post(url, {"document": _upload("fake.pdf", PDF_BYTES)}).status_code == 404
