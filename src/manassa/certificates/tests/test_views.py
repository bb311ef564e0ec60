"""Pages: public verification, the resident's documents, the entity's list, revoking and the settings."""

from datetime import timedelta

import pytest
from django.utils import timezone

from manassa.audit.models import AuditEvent
from manassa.certificates.codes import code_grouped
from manassa.certificates.models import CertificateSetting, IssuedDocument
from manassa.certificates.services import issued_document_revoke
from manassa.certificates.tests.conftest import EID, decide, submit

# --- verification ------------------------------------------------------------------------------


def _verify(client, document, lang="en"):
    return client.get(f"/{lang}/verify/{document.code}/")


def test_verification_shows_a_valid_document_and_only_its_own_data(client, issued, people):
    holder = people["customer"]
    holder.name_en, holder.mobile = "Maryam Ahmed", "+971501234567"
    holder.save()
    response = _verify(client, issued)
    assert response.status_code == 200
    html = response.content.decode()
    assert "This document is valid." in html
    for shown in (issued.number, "Trade activity permit", "Activity permit", "Entity A", code_grouped(issued.code),
                  "Full name", "مريم أحمد", "General trading", "Permit"):
        assert shown in html, shown
    # Nothing of the holder beyond the printed fields: no e-mail, no Emirates ID (answered, not printed),
    # no account name, no mobile, no request reference.
    for hidden in (holder.email, EID, "Maryam Ahmed", "+971501234567", issued.application.reference):
        assert hidden not in html, hidden


def test_verification_is_private_uncached_and_unindexed(client, issued):
    response = _verify(client, issued)
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "no-referrer"
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()


def test_verification_in_arabic(client, issued):
    response = _verify(client, issued, "ar")
    html = response.content.decode()
    assert response.status_code == 200 and 'lang="ar"' in html
    assert "تصريح مزاولة نشاط تجاري" in html and "تجارة عامة" in html and "General trading" not in html


def test_revoked_document(client, issued, people):
    issued_document_revoke(actor=people["supervisor"], document=issued, reason="The activity licence was cancelled")
    html = _verify(client, issued).content.decode()
    assert "This document was revoked and is no longer valid." in html
    assert "The activity licence was cancelled" in html and "This document is valid." not in html


def test_expired_document(client, issued):
    IssuedDocument.objects.filter(pk=issued.pk).update(valid_until=timezone.localdate() - timedelta(days=1))
    html = _verify(client, issued).content.decode()
    assert "This document has expired." in html and "This document is valid." not in html


def test_unknown_code_is_a_clear_404(client, issued):
    response = client.get("/en/verify/7K2QX9ABCD4MNPRT8VWZ/")
    assert response.status_code == 404
    assert "Document not found" in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert client.get("/en/verify/not-a-code/").status_code == 404
    # The number alone never finds a document: it is sequential, so guessable.
    assert client.get(f"/en/verify/{issued.number}/").status_code == 404


def test_a_code_typed_loosely_goes_to_its_page(client, issued):
    response = client.get(f"/en/verify/{issued.code.lower()}/")
    assert response.status_code == 302 and response["Location"] == f"/en/verify/{issued.code}/"
    response = client.get("/en/verify/", {"code": " " + code_grouped(issued.code).lower() + " "})
    assert response.status_code == 302 and response["Location"] == f"/en/verify/{issued.code}/"


def test_the_verify_form(client, issued):
    response = client.get("/en/verify/")
    assert response.status_code == 200 and 'name="code"' in response.content.decode()
    response = client.get("/en/verify/", {"code": "7K2QX-9ABCD-4MNPR-T8VWZ"})
    assert response.status_code == 404
    assert "No document has this verification code" in response.content.decode()


def test_the_qr_address_without_a_language_opens_the_readers_language(client, issued):
    response = client.get(f"/verify/{issued.code}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and response["Location"] == f"/en/verify/{issued.code}/"
    response = client.get(f"/verify/{issued.code}/", HTTP_ACCEPT_LANGUAGE="ar")
    assert response["Location"] == f"/ar/verify/{issued.code}/"


def test_too_many_unknown_codes_are_refused(client, issued, settings):
    settings.MANASSA_VERIFY_MISSES_PER_HOUR = 3
    for _ in range(3):
        assert client.get("/en/verify/7K2QX9ABCD4MNPRT8VWZ/").status_code == 404
    assert client.get("/en/verify/7K2QX9ABCD4MNPRT8VWZ/").status_code == 429
    assert _verify(client, issued).status_code == 429
    # Another address is not affected.
    assert client.get(f"/en/verify/{issued.code}/", REMOTE_ADDR="10.0.0.9").status_code == 200


# --- my documents -------------------------------------------------------------------------------


def test_my_documents_lists_the_residents_own_documents(client, issued, people, setting, service):
    from manassa.accounts.tests.factories import make_user

    other = make_user("other@example.test")
    decide(submit(other, service), people["officer"])
    theirs = IssuedDocument.objects.get(holder=other)
    client.force_login(people["customer"])
    html = client.get("/en/my-documents/").content.decode()
    assert issued.number in html and theirs.number not in html
    assert f"/en/my-documents/{issued.number}/" in html and f"/en/verify/{issued.code}/" in html
    assert 'href="/en/my-documents/"' in html  # in the navigation


def test_download_renders_the_pdf_when_the_task_has_not_yet(client, issued, people):
    client.force_login(people["customer"])
    response = client.get(f"/en/my-documents/{issued.number}/?download=1")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f'attachment; filename="{issued.number}.pdf"' == response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF-")
    issued.refresh_from_db()
    assert issued.pdf and issued.sha256


def test_another_residents_document_is_a_404(client, issued, people):
    from manassa.accounts.tests.factories import make_user

    client.force_login(make_user("other@example.test"))
    assert client.get(f"/en/my-documents/{issued.number}/").status_code == 404
    assert issued.number not in client.get("/en/my-documents/").content.decode()
    client.force_login(people["officer"])  # staff of the issuing entity use the back office, not this page
    assert client.get(f"/en/my-documents/{issued.number}/").status_code == 404


def test_my_documents_needs_sign_in(client, issued):
    for path in ("/en/my-documents/", f"/en/my-documents/{issued.number}/"):
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_request_page_shows_its_documents(client, issued, people):
    client.force_login(people["customer"])
    html = client.get(f"/en/requests/{issued.application.reference}/").content.decode()
    assert "Documents issued for this request" in html
    assert issued.number in html and f"/en/my-documents/{issued.number}/" in html


# --- the back office --------------------------------------------------------------------------


@pytest.fixture
def other_entity_document(entity_b):
    from manassa.accounts.tests.factories import make_user
    from manassa.certificates.services import issued_document_issue

    return issued_document_issue(actor=None, source_key="test:b", entity=entity_b,
                                 holder=make_user("b-holder@example.test"), kind="certificate",
                                 title_ar="شهادة ب", title_en="B certificate", fields=[])


def test_list_shows_own_entitys_documents_and_filters(client, issued, other_entity_document, people):
    client.force_login(people["officer"])
    html = client.get("/en/backoffice/documents/").content.decode()
    assert issued.number in html and other_entity_document.number not in html
    assert issued.application.reference in html
    html = client.get("/en/backoffice/documents/", {"number": issued.number.lower()}).content.decode()
    assert issued.number in html
    html = client.get("/en/backoffice/documents/", {"number": "PRMT-1999"}).content.decode()
    assert issued.number not in html and "No documents match these filters." in html
    html = client.get("/en/backoffice/documents/", {"number": issued.application.reference}).content.decode()
    assert issued.number in html
    assert issued.number not in client.get("/en/backoffice/documents/", {"status": "revoked"}).content.decode()


def test_list_pages_by_keyset(client, people, entity_a, monkeypatch):
    from manassa.certificates import selectors
    from manassa.certificates.services import issued_document_issue

    monkeypatch.setattr(selectors, "LIST_LIMIT", 2)
    numbers = [issued_document_issue(actor=None, source_key=f"test:{i}", entity=entity_a, holder=people["customer"],
                                     kind="letter", title_ar="خطاب", title_en="Letter", fields=[]).number
               for i in range(3)]
    client.force_login(people["officer"])
    html = client.get("/en/backoffice/documents/").content.decode()
    assert numbers[2] in html and numbers[1] in html and numbers[0] not in html and 'rel="next"' in html
    after = IssuedDocument.objects.get(number=numbers[1]).pk
    html = client.get("/en/backoffice/documents/", {"after": after}).content.decode()
    assert numbers[0] in html and numbers[1] not in html and 'rel="next"' not in html


def test_detail_and_revoke_by_a_supervisor(client, issued, people):
    client.force_login(people["supervisor"])
    html = client.get(f"/en/backoffice/documents/{issued.number}/").content.decode()
    assert "Revoke the document" in html and "مريم أحمد" in html
    response = client.post(f"/en/backoffice/documents/{issued.number}/revoke/", {"reason": ""})
    assert response.status_code == 400 and IssuedDocument.objects.get().status == "valid"
    response = client.post(f"/en/backoffice/documents/{issued.number}/revoke/", {"reason": "Forged papers"})
    assert response.status_code == 302
    assert response["Location"] == f"/en/backoffice/documents/{issued.number}/"
    document = IssuedDocument.objects.get()
    assert document.status == "revoked" and document.revocation_reason == "Forged papers"
    assert AuditEvent.objects.filter(action="document.revoked", actor_id=people["supervisor"].pk).exists()
    html = client.get(response["Location"]).content.decode()
    assert "Forged papers" in html and "Revoke the document" not in html
    # A second revocation changes nothing.
    client.post(f"/en/backoffice/documents/{issued.number}/revoke/", {"reason": "Again"})
    assert IssuedDocument.objects.get().revocation_reason == "Forged papers"
    assert "This document was revoked" in _verify(client, issued).content.decode()


def test_officer_sees_but_does_not_revoke(client, issued, people):
    client.force_login(people["officer"])
    html = client.get(f"/en/backoffice/documents/{issued.number}/").content.decode()
    assert issued.number in html and "Revoke the document" not in html
    response = client.post(f"/en/backoffice/documents/{issued.number}/revoke/", {"reason": "Nope"})
    assert response.status_code == 403 and IssuedDocument.objects.get().status == "valid"


def test_staff_pdf_download(client, issued, people):
    client.force_login(people["officer"])
    response = client.get(f"/en/backoffice/documents/{issued.number}/pdf/")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF-")


def test_settings_list_and_edit(client, service, people):
    client.force_login(people["admin"])
    html = client.get("/en/backoffice/documents/settings/").content.decode()
    assert "Activity permit" in html and "/en/backoffice/documents/settings/A-PERMIT/" in html
    html = client.get("/en/backoffice/documents/settings/A-PERMIT/").content.decode()
    # Printable questions only: the file question cannot be printed.
    assert 'value="full_name"' in html and 'value="eid"' in html and 'value="papers"' not in html
    response = client.post("/en/backoffice/documents/settings/A-PERMIT/", {
        "enabled": "on", "kind": "licence", "title_ar": "رخصة", "title_en": "Licence",
        "answer_keys": ["activity"], "validity_days": "90"})
    assert response.status_code == 302
    setting = CertificateSetting.objects.get(service=service)
    assert setting.enabled and setting.kind == "licence" and setting.answer_keys == ["activity"]
    assert setting.validity_days == 90 and setting.updated_by == people["admin"]
    response = client.post("/en/backoffice/documents/settings/A-PERMIT/", {
        "kind": "licence", "title_ar": "", "title_en": "Licence", "validity_days": "0"})
    assert response.status_code == 400 and CertificateSetting.objects.get().validity_days == 90
