"""Issuing on approval, idempotence, numbers, revoking and the services' settings."""

import re
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from manassa.applications.models import Application
from manassa.audit.models import AuditEvent
from manassa.certificates.codes import CODE_PATTERN, code_grouped, code_normalise
from manassa.certificates.models import CertificateSetting, IssuedDocument
from manassa.certificates.services import (
    application_document_issue,
    certificate_setting_save,
    document_number_next,
    issued_document_issue,
    issued_document_revoke,
)
from manassa.certificates.subscribers import on_application_state_changed
from manassa.certificates.tests.conftest import ANSWERS, EID, decide, submit
from manassa.core import events
from manassa.core.errors import Forbidden, InvalidInput, NotFound

RENDER_TASK = "manassa.certificates.tasks.issued_document_render_task"


@pytest.fixture
def heard():
    """Every document.* event emitted during the test."""
    seen = []

    def listen(event):
        seen.append(event)

    events.subscribe("document.", listen)
    yield seen
    events.unsubscribe("document.", listen)


def test_approval_issues_the_document_with_the_chosen_answers(people, setting, service, heard):
    application = decide(submit(people["customer"], service), people["officer"])

    document = IssuedDocument.objects.get(application=application)
    assert document.holder == people["customer"] and document.entity == service.entity
    assert document.service == service and document.kind == "permit"
    assert (document.title_ar, document.title_en) == ("تصريح مزاولة نشاط تجاري", "Trade activity permit")
    assert re.fullmatch(r"PRMT-\d{4}-000001", document.number)
    assert CODE_PATTERN.fullmatch(document.code)
    assert document.valid_until == timezone.localdate() + timedelta(days=365)
    assert document.state == "valid"
    # Only the chosen answers, in the chosen order, as the summary shows them in each language.
    assert document.fields == [
        {"label": {"ar": "الاسم الكامل", "en": "Full name"}, "value": {"ar": "مريم أحمد", "en": "مريم أحمد"}},
        {"label": {"ar": "النشاط", "en": "Activity"}, "value": {"ar": "تجارة عامة", "en": "General trading"}},
    ]
    assert EID not in str(document.fields)
    # Rendering is left to a task enqueued with the approval; the holder is told through the event.
    assert not document.pdf
    task = DBTaskResult.objects.get(task_path=RENDER_TASK)
    assert task.args_kwargs == {"args": [], "kwargs": {"document_id": document.pk}}
    assert [e.kind for e in heard] == ["document.issued"]
    assert heard[0].subject == document and heard[0].entity_code == "ENT-A"
    assert heard[0].data["holder"] == people["customer"].pk and heard[0].data["reference"] == application.reference
    assert heard[0].actor == people["officer"]
    audit = AuditEvent.objects.get(action="document.issued")
    assert audit.object_id == str(document.pk) and audit.changes["number"] == document.number


def test_rejection_issues_nothing(people, setting, service, heard):
    application = decide(submit(people["customer"], service), people["officer"], action="reject")
    assert application.outcome == "rejected"
    assert not IssuedDocument.objects.exists() and heard == []


def test_intermediate_steps_issue_nothing(people, setting, service):
    from manassa.applications.services import application_transition

    application = submit(people["customer"], service)
    application_transition(actor=people["officer"], application=application, action="start_review")
    assert not IssuedDocument.objects.exists()


def test_disabled_or_unconfigured_service_issues_nothing(people, setting, service):
    setting.enabled = False
    setting.save()
    decide(submit(people["customer"], service), people["officer"])
    setting.delete()
    decide(submit(people["customer"], service), people["officer"])
    assert Application.objects.filter(outcome="approved").count() == 2
    assert not IssuedDocument.objects.exists()


def test_a_repeated_event_issues_one_document(people, setting, service, heard):
    application = decide(submit(people["customer"], service), people["officer"])
    first = IssuedDocument.objects.get()
    repeat = events.DomainEvent(kind="application.state_changed", entity_code="ENT-A", subject=application,
                                actor=people["officer"], data={"closed": True, "outcome": "approved"})
    with transaction.atomic():
        on_application_state_changed(repeat)
        events.emit(repeat)
        assert application_document_issue(actor=None, application=application) == first
    assert IssuedDocument.objects.count() == 1
    assert DBTaskResult.objects.filter(task_path=RENDER_TASK).count() == 1
    assert [e.kind for e in heard] == ["document.issued"]


def test_a_rolled_back_approval_leaves_no_document_and_no_task(people, setting, service):
    application = submit(people["customer"], service)
    with pytest.raises(RuntimeError), transaction.atomic():
        decide(application, people["officer"])
        assert IssuedDocument.objects.count() == 1
        raise RuntimeError("the approval fails later in its transaction")
    assert not IssuedDocument.objects.exists()
    assert not DBTaskResult.objects.filter(task_path=RENDER_TASK).exists()


def test_numbers_follow_each_other_per_kind_and_year(db):
    with transaction.atomic():
        assert document_number_next(kind="certificate", year=2026) == "CERT-2026-000001"
        assert document_number_next(kind="certificate", year=2026) == "CERT-2026-000002"
        assert document_number_next(kind="receipt", year=2026) == "RCPT-2026-000001"
        assert document_number_next(kind="certificate", year=2027) == "CERT-2027-000001"


def test_a_generic_document_without_an_application(people, entity_a):
    """Receipts (issue 6) come from payments: no application, no service, fields given by the caller."""
    document = issued_document_issue(
        actor=None, source_key="payment:42", entity=entity_a, holder=people["customer"], kind="receipt",
        title_ar="إيصال دفع", title_en="Payment receipt",
        fields=[{"label": {"ar": "المبلغ", "en": "Amount"}, "value": {"ar": "١٠٠ درهم", "en": "AED 100.00"}},
                {"label": {"en": "Paid by"}, "value": "card", "extra": "dropped"}])
    assert document.number.startswith("RCPT-") and document.application is None and document.service is None
    assert document.fields[1] == {"label": {"ar": "Paid by", "en": "Paid by"}, "value": {"ar": "card", "en": "card"}}
    again = issued_document_issue(actor=None, source_key="payment:42", entity=entity_a, holder=people["customer"],
                                  kind="receipt", title_ar="x", title_en="x", fields=[])
    assert again == document


def test_codes_are_random_and_typed_codes_are_normalised():
    from manassa.certificates.codes import code_new

    codes = {code_new() for _ in range(200)}
    assert len(codes) == 200 and all(CODE_PATTERN.fullmatch(code) for code in codes)
    code = "7K2QX9ABCD4MNPRT8VWZ"
    assert code_grouped(code) == "7K2QX-9ABCD-4MNPR-T8VWZ"
    assert code_normalise(" 7k2qx-9abcd 4mnpr-t8vwz ") == code
    assert code_normalise("7K2QX-9ABCD-4MNPR-T8VWO") == "7K2QX9ABCD4MNPRT8VW0"  # O read as zero
    assert code_normalise("short") is None and code_normalise("U" * 20) is None and code_normalise("") is None


# --- revoking ---------------------------------------------------------------------------------


def test_supervisor_revokes_with_a_reason(people, issued, heard):
    document = issued_document_revoke(actor=people["supervisor"], document=issued, reason="  Issued by mistake ")
    document.refresh_from_db()
    assert document.status == "revoked" and document.state == "revoked"
    assert document.revoked_by == people["supervisor"] and document.revoked_at is not None
    assert document.revocation_reason == "Issued by mistake"
    revoked = [e for e in heard if e.kind == "document.revoked"]
    assert len(revoked) == 1 and revoked[0].data["reason"] == "Issued by mistake"
    assert revoked[0].data["holder"] == people["customer"].pk
    audit = AuditEvent.objects.get(action="document.revoked")
    assert audit.actor_id == people["supervisor"].pk and audit.entity_code == "ENT-A"
    assert audit.changes == {"number": document.number, "reason": "Issued by mistake"}


def test_admin_may_revoke_too(people, issued):
    issued_document_revoke(actor=people["admin"], document=issued, reason="Fraud")
    assert IssuedDocument.objects.get().status == "revoked"


@pytest.mark.parametrize("role, error", [("officer", Forbidden), ("customer", NotFound), ("do_admin", NotFound),
                                         ("auditor", NotFound)])
def test_others_may_not_revoke(people, issued, role, error):
    with pytest.raises(error):
        issued_document_revoke(actor=people[role], document=issued, reason="No")
    assert IssuedDocument.objects.get().status == "valid"
    assert not AuditEvent.objects.filter(action="document.revoked").exists()


def test_staff_of_another_entity_may_not_revoke(people, issued, entity_b):
    from manassa.accounts.tests.factories import make_user
    from manassa.entities.models import Membership

    outsider = make_user("supervisor-b@example.test", totp=True)
    Membership.objects.create(user=outsider, entity=entity_b, role="supervisor")
    with pytest.raises(NotFound):
        issued_document_revoke(actor=outsider, document=issued, reason="No")


def test_revoking_needs_a_reason_and_happens_once(people, issued):
    with pytest.raises(InvalidInput) as exc:
        issued_document_revoke(actor=people["supervisor"], document=issued, reason="   ")
    assert "reason" in exc.value.fields
    with pytest.raises(InvalidInput):
        issued_document_revoke(actor=people["supervisor"], document=issued, reason="x" * 1001)
    issued_document_revoke(actor=people["supervisor"], document=issued, reason="Wrong activity")
    with pytest.raises(InvalidInput) as exc:
        issued_document_revoke(actor=people["admin"], document=issued, reason="Again")
    assert exc.value.code == "already_revoked"
    assert IssuedDocument.objects.get().revocation_reason == "Wrong activity"


def test_expired_state(issued):
    issued.valid_until = timezone.localdate() - timedelta(days=1)
    assert issued.state == "expired" and issued.is_expired
    issued.valid_until = timezone.localdate()
    assert issued.state == "valid"


# --- settings ----------------------------------------------------------------------------------


def test_admin_saves_the_setting_audited(people, service):
    setting = certificate_setting_save(actor=people["admin"], service=service, enabled=True, kind="certificate",
                                       title_ar=" شهادة ", title_en="Certificate",
                                       answer_keys=["activity", "full_name", "activity"], validity_days=30)
    assert setting.enabled and setting.title_ar == "شهادة" and setting.answer_keys == ["activity", "full_name"]
    audit = AuditEvent.objects.get(action="certificates.setting_saved")
    assert audit.changes["enabled"] == [None, True] and audit.entity_code == "ENT-A"
    certificate_setting_save(actor=people["admin"], service=service, enabled=False, kind="certificate",
                             title_ar="شهادة", title_en="Certificate", answer_keys=[], validity_days=None)
    latest = AuditEvent.objects.filter(action="certificates.setting_saved").order_by("-id").first()
    assert latest.changes == {"enabled": [True, False], "answer_keys": [["activity", "full_name"], []],
                              "validity_days": [30, None]}
    assert CertificateSetting.objects.count() == 1


def test_setting_refuses_bad_input(people, service):
    with pytest.raises(InvalidInput) as exc:
        certificate_setting_save(actor=people["admin"], service=service, enabled=True, kind="passport",
                                 title_ar="", title_en="x" * 201, answer_keys=["papers", "nope"], validity_days=0)
    assert set(exc.value.fields) == {"kind", "title_ar", "title_en", "answer_keys", "validity_days"}
    assert not CertificateSetting.objects.exists()


@pytest.mark.parametrize("role, error", [("officer", Forbidden), ("supervisor", Forbidden), ("customer", NotFound),
                                         ("do_admin", NotFound)])
def test_only_the_entity_admin_changes_settings(people, service, role, error):
    with pytest.raises(error):
        certificate_setting_save(actor=people[role], service=service, enabled=True, kind="certificate",
                                 title_ar="ش", title_en="C", answer_keys=[], validity_days=None)


def test_printing_an_emirates_id_is_a_choice(people, setting, service):
    setting.answer_keys = ["eid"]
    setting.save()
    decide(submit(people["customer"], service, {**ANSWERS}), people["officer"])
    assert IssuedDocument.objects.get().fields == [
        {"label": {"ar": "رقم الهوية", "en": "Emirates ID"}, "value": {"ar": EID, "en": EID}}]
