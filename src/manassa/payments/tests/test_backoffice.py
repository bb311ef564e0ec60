"""The entity's payment pages: the list and its filters, a payment's detail, refunds asked for and decided."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from manassa.core.money import money_parse
from manassa.payments.models import LedgerEntry, PaymentStatus, Refund, RefundStatus
from manassa.payments.selectors_backoffice import PaymentFilters, payments_page
from manassa.payments.tasks import refund_execute_task
from manassa.payments.tests.matrix_rows import make_bill_invoice, pay

DECLINED = "4000000000000010"
REFUND_TASK = "manassa.payments.tasks.refund_execute_task"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def paid(people, entity_a):
    payment, _charge = pay(make_bill_invoice(entity=entity_a, payer=people["customer"], total=15000),
                           people["customer"])
    assert payment.status == PaymentStatus.SUCCEEDED
    return payment


def _list(code="ENT-A"):
    return reverse("payments_admin:list", args=[code])


def _detail(payment, code="ENT-A"):
    return reverse("payments_admin:payment", args=[code, payment.reference])


def test_list_shows_only_own_entity_newest_first(client, people, entity_a, entity_b, paid,
                                                 django_assert_max_num_queries):
    failed, _ = pay(make_bill_invoice(entity=entity_a, payer=people["customer"]), people["customer"], card=DECLINED)
    other, _ = pay(make_bill_invoice(entity=entity_b, payer=people["customer"]), people["customer"])
    client.force_login(people["officer"])
    with django_assert_max_num_queries(12):
        body = client.get(_list()).content.decode()
    assert paid.reference in body and failed.reference in body and other.reference not in body
    assert body.index(failed.reference) < body.index(paid.reference)  # newest first
    assert "Paid" in body and "Failed" in body


def test_filters_by_status_gateway_reference_and_dates(client, people, entity_a, paid):
    failed, _ = pay(make_bill_invoice(entity=entity_a, payer=people["customer"]), people["customer"], card=DECLINED)
    client.force_login(people["supervisor"])

    def shown(**query):
        body = client.get(_list(), query).content.decode()
        return {ref for ref in (paid.reference, failed.reference) if ref in body}

    assert shown(status="failed") == {failed.reference}
    assert shown(status="succeeded", gateway="sandbox") == {paid.reference}
    assert shown(q=paid.invoice.number) == {paid.reference}
    assert shown(q=paid.invoice.bill_reference) == {paid.reference}
    assert shown(q=failed.reference.lower()) == {failed.reference}
    assert shown(q=paid.gateway_reference) == {paid.reference}
    today = timezone.localdate()
    assert shown(date_from=today.isoformat(), date_to=today.isoformat()) == {paid.reference, failed.reference}
    assert shown(date_from=(today + timedelta(days=1)).isoformat()) == set()
    assert shown(date_to=(today - timedelta(days=1)).isoformat()) == set()
    # An end before the start is refused with a message and the dates typed are kept.
    response = client.get(_list(), {"date_from": today.isoformat(), "date_to": "2000-01-01"})
    body = response.content.decode()
    assert "The end date is before the start date." in body and 'value="2000-01-01"' in body


def test_keyset_pages_do_not_repeat_or_skip(people, entity_a, paid):
    second, _ = pay(make_bill_invoice(entity=entity_a, payer=people["customer"]), people["customer"])
    third, _ = pay(make_bill_invoice(entity=entity_a, payer=people["customer"]), people["customer"])
    first_page, after = payments_page(entity_a, PaymentFilters(), limit=2)
    assert [p.pk for p in first_page] == [third.pk, second.pk] and after == second.pk
    next_page, after = payments_page(entity_a, PaymentFilters(), after=after, limit=2)
    assert [p.pk for p in next_page] == [paid.pk] and after is None


def test_detail_shows_lines_history_ledger_and_refund_form(client, people, paid):
    client.force_login(people["officer"])
    body = client.get(_detail(paid)).content.decode()
    assert "Service fee" in body and paid.invoice.number in body
    assert "Payment started" in body and "Paid" in body  # from the audit trail
    assert f"sandbox:evt_{paid.gateway_reference}_succeeded" in body
    assert 'name="amount"' in body and 'value="150.00"' in body  # the full amount by default
    assert "Request a refund" in body


def test_a_failed_payment_offers_no_refund(client, people, entity_a):
    failed, _ = pay(make_bill_invoice(entity=entity_a, payer=people["customer"]), people["customer"], card=DECLINED)
    client.force_login(people["officer"])
    assert "Request a refund" not in client.get(_detail(failed)).content.decode()
    response = client.post(reverse("payments_admin:refund_request", args=["ENT-A", failed.reference]),
                           {"amount": "1", "reason": "x"})
    assert response.status_code == 302 and not Refund.objects.exists()


@pytest.mark.parametrize("typed,fils", [("150", 15000), ("150.5", 15050), ("0.01", 1), ("1,250.00", 125000),
                                        ("١٥٠٫٢٥", 15025)])
def test_amounts_in_dirhams_become_fils(typed, fils):
    assert money_parse(typed, positive=True) == fils


@pytest.mark.parametrize("typed", ["", "abc", "0", "-5", "1.234", "NaN", "Infinity", "1e3x"])
def test_bad_amounts_are_refused(typed):
    with pytest.raises(ValueError):
        money_parse(typed, positive=True)


def test_refund_form_errors_keep_what_was_typed(client, people, paid):
    client.force_login(people["officer"])
    url = reverse("payments_admin:refund_request", args=["ENT-A", paid.reference])
    response = client.post(url, {"amount": "12.345", "reason": "Service not delivered"})
    body = response.content.decode()
    assert response.status_code == 400 and "Enter an amount in dirhams" in body
    assert 'value="12.345"' in body and "Service not delivered" in body
    response = client.post(url, {"amount": "150.01", "reason": "Too much"})
    assert response.status_code == 400 and "more than what can be refunded" in response.content.decode()
    response = client.post(url, {"amount": "20", "reason": "  "})
    assert response.status_code == 400 and 'value="20"' in response.content.decode()
    assert not Refund.objects.exists()
    with translation.override("ar"):
        response = client.post(reverse("payments_admin:refund_request", args=["ENT-A", paid.reference]),
                               {"amount": "abc", "reason": "سبب"})
    assert response.status_code == 400 and 'value="abc"' in response.content.decode()
    assert 'lang="ar"' in response.content.decode()


def test_officer_asks_requester_cannot_decide_supervisor_approves_and_the_ledger_has_the_refund(client, people,
                                                                                                   paid):
    client.force_login(people["officer"])
    response = client.post(reverse("payments_admin:refund_request", args=["ENT-A", paid.reference]),
                           {"amount": "40.50", "reason": "Partial: one copy not issued"})
    assert response.status_code == 302
    refund = Refund.objects.get()
    assert (refund.amount, refund.requested_by, refund.status) == (4050, people["officer"], RefundStatus.REQUESTED)
    # The officer may not open the approvals.
    assert client.get(reverse("payments_admin:refunds", args=["ENT-A"])).status_code == 403
    # The rest is still refundable, and the detail page says who asked.
    body = client.get(_detail(paid)).content.decode()
    assert 'value="109.50"' in body and "Asked for by" in body

    # A supervisor who asks for a refund sees it cannot be theirs to approve, and a POST is refused.
    client.force_login(people["supervisor"])
    client.post(reverse("payments_admin:refund_request", args=["ENT-A", paid.reference]),
                {"amount": "10", "reason": "Goodwill"})
    own = Refund.objects.get(requested_by=people["supervisor"])
    body = client.get(reverse("payments_admin:refunds", args=["ENT-A"])).content.decode()
    assert "You asked for this refund, so someone else must approve or reject it." in body
    assert reverse("payments_admin:refund_decide", args=["ENT-A", own.pk]) not in body
    assert reverse("payments_admin:refund_decide", args=["ENT-A", refund.pk]) in body
    response = client.post(reverse("payments_admin:refund_decide", args=["ENT-A", own.pk]), {"decision": "approve"})
    assert response.status_code == 403
    own.refresh_from_db()
    assert own.status == RefundStatus.REQUESTED

    # The supervisor approves the officer's: the task is queued, and when it runs the money goes back.
    response = client.post(reverse("payments_admin:refund_decide", args=["ENT-A", refund.pk]),
                           {"decision": "approve"})
    assert response.status_code == 302
    refund.refresh_from_db()
    assert refund.status == RefundStatus.APPROVED and refund.approved_by == people["supervisor"]
    task = DBTaskResult.objects.get(task_path=REFUND_TASK)
    assert task.args_kwargs["kwargs"] == {"refund_id": refund.pk}
    assert refund_execute_task.call(refund_id=refund.pk) == RefundStatus.EXECUTED
    entry = LedgerEntry.objects.get(kind="refund")
    assert entry.amount == -4050 and entry.payment_id == paid.pk
    body = client.get(_detail(paid)).content.decode()
    assert "approved by" in body and "Refunded" in body
    # Deciding it again changes nothing.
    client.post(reverse("payments_admin:refund_decide", args=["ENT-A", refund.pk]), {"decision": "reject"})
    refund.refresh_from_db()
    assert refund.status == RefundStatus.EXECUTED


def test_admin_rejects_and_nothing_moves(client, people, paid):
    client.force_login(people["officer"])
    client.post(reverse("payments_admin:refund_request", args=["ENT-A", paid.reference]),
                {"amount": "150", "reason": "Asked by mistake"})
    refund = Refund.objects.get()
    assert refund.amount == 15000
    client.force_login(people["admin"])
    response = client.post(reverse("payments_admin:refund_decide", args=["ENT-A", refund.pk]), {"decision": "reject"})
    assert response.status_code == 302
    refund.refresh_from_db()
    assert refund.status == RefundStatus.REJECTED and refund.approved_by == people["admin"]
    assert not DBTaskResult.objects.filter(task_path=REFUND_TASK).exists()
    assert not LedgerEntry.objects.filter(kind="refund").exists()
    body = client.get(reverse("payments_admin:refunds", args=["ENT-A"])).content.decode()
    assert "No refunds are waiting for a decision." in body and "Rejected" in body


def test_automatic_double_payment_refunds_are_flagged(client, people, paid):
    # What the settlement raises for a second payment of a paid invoice (see test_services).
    Refund.objects.create(payment=paid, amount=paid.amount, automatic=True,
                          reason="Double payment: the invoice was already paid by PAY-X.")
    client.force_login(people["supervisor"])
    body = client.get(reverse("payments_admin:refunds", args=["ENT-A"])).content.decode()
    assert "Double payment" in body and "Asked for by the platform" in body
    refund = Refund.objects.get()
    assert reverse("payments_admin:refund_decide", args=["ENT-A", refund.pk]) in body
    client.post(reverse("payments_admin:refund_decide", args=["ENT-A", refund.pk]), {"decision": "approve"})
    refund_execute_task.call(refund_id=refund.pk)
    paid.refresh_from_db()
    assert paid.status == PaymentStatus.REFUNDED


def test_a_person_of_two_entities_reaches_each_by_its_code(client, people, entity_b, paid):
    from manassa.entities.models import Membership

    other, _ = pay(make_bill_invoice(entity=entity_b, payer=people["customer"]), people["customer"])
    Membership.objects.create(user=people["officer"], entity=entity_b, role="officer")
    client.force_login(people["officer"])
    body_b = client.get(_list("ENT-B")).content.decode()
    assert other.reference in body_b and paid.reference not in body_b
    # ENT-B's payment is still not reachable through ENT-A's pages.
    assert client.get(_detail(other, code="ENT-A")).status_code == 404
    assert client.get(_detail(other, code="ENT-B")).status_code == 200


def test_entity_page_links_to_payments(client, people):
    client.force_login(people["supervisor"])
    body = client.get(reverse("backoffice:entity", args=["ENT-A"])).content.decode()
    assert reverse("payments_admin:list", args=["ENT-A"]) in body
    assert reverse("payments_admin:refunds", args=["ENT-A"]) in body
    client.force_login(people["do_analyst"])
    assert reverse("payments_do:reconciliation") in client.get(reverse("digital_office:home")).content.decode()
