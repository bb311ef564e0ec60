"""Staff see the bill postings their billers refused and send them again; lost posting tasks are recovered."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from manassa.audit.models import AuditEvent
from manassa.bills.models import BillPosting, PostingStatus
from manassa.bills.sandbox import biller
from manassa.bills.sandbox.models import SandboxBill, SandboxBillPayment
from manassa.bills.services import bill_posting_resend, bill_posting_send, bill_postings_recover
from manassa.bills.tasks import bill_posting_send_task
from manassa.core.errors import Conflict

from .test_services import POSTING_TASK, _invoice, _pay


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def refused(billers, customer, client):
    """A paid bill whose biller refused the posting: the bill was paid at the counter meanwhile."""
    invoice = _invoice(customer)
    _pay(client, invoice, customer)
    posting = BillPosting.objects.get()
    paid_at_counter = timezone.now()
    SandboxBill.objects.filter(reference=invoice.bill_reference).update(paid_at=paid_at_counter)
    posting = bill_posting_send(posting_id=posting.pk)
    assert posting.status == PostingStatus.FAILED and posting.last_error.startswith("already_paid")
    client.logout()
    translation.activate("en")  # (the callback's request, outside the language prefix, left Arabic active)
    return posting


def _tasks() -> int:
    return DBTaskResult.objects.filter(task_path=POSTING_TASK).count()


def test_the_refused_posting_is_listed_and_shown_on_its_payment(refused, client, people):
    client.force_login(people["officer"])
    payments = client.get(reverse("payments_admin:list", args=["ENT-A"])).content.decode()
    assert reverse("bills_admin:postings", args=["ENT-A"]) in payments and "1 refused" in payments
    page = client.get(reverse("bills_admin:postings", args=["ENT-A"])).content.decode()
    assert refused.bill_reference in page and "already_paid" in page
    assert reverse("bills_admin:resend", args=["ENT-A", refused.pk]) in page
    sent_tab = client.get(reverse("bills_admin:postings", args=["ENT-A"]) + "?status=sent").content.decode()
    assert refused.bill_reference not in sent_tab and "No payment has been sent to a biller yet." in sent_tab
    detail = client.get(reverse("payments_admin:payment", args=["ENT-A", refused.payment.reference])).content.decode()
    assert "Posting to the biller" in detail and reverse("bills_admin:resend", args=["ENT-A", refused.pk]) in detail


def test_sending_again_starts_the_tries_over_and_the_biller_counts_one_payment(refused, client, people):
    tasks = _tasks()
    client.force_login(people["officer"])
    response = client.post(reverse("bills_admin:resend", args=["ENT-A", refused.pk]), {"back": "payment"})
    assert response.status_code == 302
    assert response["Location"] == reverse("payments_admin:payment", args=["ENT-A", refused.payment.reference])
    refused.refresh_from_db()
    assert refused.status == PostingStatus.PENDING and refused.attempts == 0 and _tasks() == tasks + 1
    resent = AuditEvent.objects.get(action="bills.posting_resent")
    assert resent.actor_id == people["officer"].pk and resent.changes["attempts"] == 1
    # The entity settled it with the biller (the counter payment was reversed): this time the biller accepts.
    SandboxBill.objects.filter(reference=refused.bill_reference).update(paid_at=None)
    assert bill_posting_send_task.call(posting_id=refused.pk) == "sent"
    assert bill_posting_send_task.call(posting_id=refused.pk) == "sent"  # told twice, counted once
    assert SandboxBillPayment.objects.filter(bill__reference=refused.bill_reference).count() == 1
    # A posting that is not refused cannot be sent again: the page says so and nothing is queued.
    response = client.post(reverse("bills_admin:resend", args=["ENT-A", refused.pk]), follow=True)
    assert "Only a posting the biller refused can be sent again." in response.content.decode()
    assert _tasks() == tasks + 1
    with pytest.raises(Conflict):
        bill_posting_resend(actor=people["officer"], posting=refused)


def test_other_entities_and_residents_cannot_see_or_send_a_posting(refused, client, people, entity_b):
    from manassa.accounts.tests.factories import make_user
    from manassa.entities.models import Membership

    officer_b = make_user("officer-b@example.test", totp=True)
    Membership.objects.create(user=officer_b, entity=entity_b, role="officer")
    for user in (officer_b, people["customer"]):
        client.force_login(user)
        for code in ("ENT-A", "ENT-B"):
            assert client.post(reverse("bills_admin:resend", args=[code, refused.pk])).status_code == 404
        assert client.get(reverse("bills_admin:postings", args=["ENT-A"])).status_code == 404
    client.force_login(officer_b)
    assert refused.bill_reference not in client.get(reverse("bills_admin:postings", args=["ENT-B"])).content.decode()
    refused.refresh_from_db()
    assert refused.status == PostingStatus.FAILED and not AuditEvent.objects.filter(
        action="bills.posting_resent").exists()


def test_a_posting_whose_task_was_lost_gets_a_new_one_once(billers, customer, client):
    _pay(client, _invoice(customer), customer)
    posting = BillPosting.objects.get()
    DBTaskResult.objects.filter(task_path=POSTING_TASK).delete()  # the worker died with it
    assert bill_postings_recover() == 0  # not late yet
    later = timezone.now() + timedelta(minutes=11)
    assert bill_postings_recover(now=later) == 1 and _tasks() == 1
    assert bill_postings_recover(now=later + timedelta(minutes=1)) == 0  # left alone for the grace period
    assert bill_posting_send_task.call(posting_id=posting.pk) == "sent"
    assert bill_postings_recover(now=later + timedelta(hours=1)) == 0  # sent: nothing to recover
    assert SandboxBillPayment.objects.filter(bill__account__number=biller.TWO_BILLS).count() == 1
