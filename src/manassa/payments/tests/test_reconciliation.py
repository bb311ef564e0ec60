"""Reconciliation: our ledger against the sandbox bank's settlement report, its pages and its CSV."""

import csv
import io
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from manassa.core.csv_export import csv_cell
from manassa.payments.gateways import sandbox_secret
from manassa.payments.gateways.base import GatewayError
from manassa.payments.gateways.sandbox import SandboxGateway
from manassa.payments.models import Invoice, LedgerEntry, ReconciliationReport, ReconciliationRow
from manassa.payments.reconciliation import (
    AMOUNT_MISMATCH,
    MISSING_AT_GATEWAY,
    MISSING_IN_LEDGER,
    payments_reconcile,
    reconciliation_run,
)
from manassa.payments.sandbox import bank
from manassa.payments.sandbox.models import SandboxCharge
from manassa.payments.services import refund_decide, refund_execute, refund_request
from manassa.payments.tests.matrix_rows import callback_deliver, make_bill_invoice, pay

TIMEOUT = "4000000000000119"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def today():
    return timezone.localdate()


def _row(report, entity):
    return ReconciliationRow.objects.get(report=report, entity=entity)


def _refund(people, payment, amount):
    refund = refund_request(actor=people["officer"], payment=payment, amount=amount, reason="Partly not delivered")
    refund_decide(actor=people["supervisor"], refund=refund, approve=True)
    return refund_execute(refund_id=refund.pk)


def test_a_matching_day_has_no_differences(people, entity_a, entity_b, today):
    payment_a, _ = pay(make_bill_invoice(entity=entity_a, payer=people["customer"], total=15000), people["customer"])
    pay(make_bill_invoice(entity=entity_b, payer=people["customer"], total=7000), people["customer"])
    _refund(people, payment_a, 2500)
    report = reconciliation_run(day=today, gateway_code="sandbox")
    assert report.report_received and report.difference_count == 0
    row_a, row_b = _row(report, entity_a), _row(report, entity_b)
    assert (row_a.expected_total, row_a.expected_count) == (12500, 2)
    assert (row_a.settled_total, row_a.settled_count) == (12500, 2)
    assert (row_b.expected_total, row_b.settled_total, row_b.differences) == (7000, 7000, [])
    assert not ReconciliationRow.objects.filter(report=report, entity__isnull=True).exists()


def test_a_charge_whose_callback_never_came_is_missing_in_the_ledger(people, entity_a, today):
    pay(make_bill_invoice(entity=entity_a, payer=people["customer"]), people["customer"])
    silent, charge = pay(make_bill_invoice(entity=entity_a, payer=people["customer"], total=9900), people["customer"],
                         card=TIMEOUT, callback=False)
    report = reconciliation_run(day=today, gateway_code="sandbox")
    row = _row(report, entity_a)
    assert report.difference_count == 1 and row.difference_count == 1
    [difference] = row.differences
    assert difference["problem"] == MISSING_IN_LEDGER and difference["payment"] == silent.reference
    assert (difference["ledger_amount"], difference["gateway_amount"]) == (None, 9900)
    assert (row.expected_total, row.settled_total) == (15000, 15000 + 9900)
    # Once the platform hears of it (the status query of the settlement job, here the callback), a re-run is clean,
    # and it replaces the day's report instead of adding one.
    callback_deliver(charge)
    report = reconciliation_run(day=today, gateway_code="sandbox")
    assert report.difference_count == 0 and ReconciliationReport.objects.count() == 1
    assert ReconciliationRow.objects.count() == 1


def test_a_tampered_amount_is_a_mismatch_and_a_vanished_charge_is_missing_at_the_gateway(people, entity_a, today):
    tampered, charge = pay(make_bill_invoice(entity=entity_a, payer=people["customer"]), people["customer"])
    vanished, gone = pay(make_bill_invoice(entity=entity_a, payer=people["customer"], total=3000), people["customer"])
    SandboxCharge.objects.filter(pk=charge.pk).update(amount=14000)
    SandboxCharge.objects.filter(pk=gone.pk).update(status="failed")
    report = reconciliation_run(day=today, gateway_code="sandbox")
    problems = {d["problem"]: d for d in _row(report, entity_a).differences}
    assert set(problems) == {AMOUNT_MISMATCH, MISSING_AT_GATEWAY}
    mismatch = problems[AMOUNT_MISMATCH]
    assert (mismatch["payment"], mismatch["ledger_amount"], mismatch["gateway_amount"]) == (
        tampered.reference, 15000, 14000)
    assert (problems[MISSING_AT_GATEWAY]["payment"], problems[MISSING_AT_GATEWAY]["ledger_amount"]) == (
        vanished.reference, 3000)


def test_a_charge_is_counted_on_the_day_the_gateway_settled_it(people, entity_a, today):
    """Settled just before midnight, called back just after: one day has it, the next does not count it again."""
    _payment, charge = pay(make_bill_invoice(entity=entity_a, payer=people["customer"]), people["customer"])
    before_midnight = timezone.make_aware(datetime.combine(today, datetime.min.time())) - timedelta(seconds=5)
    SandboxCharge.objects.filter(pk=charge.pk).update(settled_at=before_midnight)
    yesterday = reconciliation_run(day=today - timedelta(days=1), gateway_code="sandbox")
    assert yesterday.difference_count == 0 and _row(yesterday, entity_a).expected_total == 15000
    report = reconciliation_run(day=today, gateway_code="sandbox")
    assert report.difference_count == 0 and not report.rows.exists()


class NoReportGateway(SandboxGateway):
    def settlement_report(self, day):
        raise GatewayError("unreachable")


@override_settings(MANASSA_PAYMENT_GATEWAYS={
    "sandbox": {"class": "manassa.payments.tests.test_reconciliation.NoReportGateway"}})
def test_no_report_from_the_gateway_is_recorded_not_guessed(people, entity_a, today):
    pay(make_bill_invoice(entity=entity_a, payer=people["customer"]), people["customer"])
    report = reconciliation_run(day=today, gateway_code="sandbox")
    assert not report.report_received and report.difference_count == 0
    assert _row(report, entity_a).expected_total == 15000


def test_the_sandbox_serves_its_settlement_report_signed(client, people, entity_a, today):
    payment, _ = pay(make_bill_invoice(entity=entity_a, payer=people["customer"]), people["customer"])
    _refund(people, payment, 1000)
    path = f"/sandbox-gateway/api/settlements/{today.isoformat()}/"
    assert client.get(path).status_code == 401
    signature = bank.sign(sandbox_secret(), f"GET {path}".encode())
    body = client.get(path, HTTP_X_SANDBOX_SIGNATURE=signature).json()
    assert [(line["kind"], line["amount"], line["merchant_reference"]) for line in body["lines"]] == [
        ("charge", 15000, payment.reference), ("refund", -1000, payment.reference)]
    ledger_ids = set(LedgerEntry.objects.values_list("gateway_event_id", flat=True))
    assert {f"sandbox:{line['id']}" for line in body["lines"]} == ledger_ids
    bad = "/sandbox-gateway/api/settlements/yesterday/"
    assert client.get(bad, HTTP_X_SANDBOX_SIGNATURE=bank.sign(sandbox_secret(), f"GET {bad}".encode())
                      ).status_code == 400
    # The adapter gives the same lines, typed.
    lines = SandboxGateway().settlement_report(today)
    assert [(line.kind, line.amount, line.event_id) for line in lines] == [
        (line["kind"], line["amount"], line["id"]) for line in body["lines"]]


def test_the_periodic_job_and_the_command_reconcile(people, entity_a, today):
    assert ("payments-reconcile", 86400, "manassa.payments.reconciliation.payments_reconcile") in [
        tuple(job) for job in settings.MANASSA_PERIODIC_JOBS]
    pay(make_bill_invoice(entity=entity_a, payer=people["customer"]), people["customer"], card=TIMEOUT,
        callback=False)
    assert payments_reconcile(day=today) == 1
    assert payments_reconcile() == 0  # yesterday: nothing moved
    out = io.StringIO()
    call_command("payments_reconcile", "--day", today.isoformat(), stdout=out)
    assert "1 difference" in out.getvalue()
    assert set(ReconciliationReport.objects.values_list("day", flat=True)) == {today, today - timedelta(days=1)}


@pytest.fixture
def reconciled(people, entity_a, entity_b, today):
    pay(make_bill_invoice(entity=entity_a, payer=people["customer"]), people["customer"])
    silent_a, _ = pay(make_bill_invoice(entity=entity_a, payer=people["customer"], total=4200), people["customer"],
                      card=TIMEOUT, callback=False)
    silent_b, _ = pay(make_bill_invoice(entity=entity_b, payer=people["customer"], total=5100), people["customer"],
                      card=TIMEOUT, callback=False)
    report = reconciliation_run(day=today, gateway_code="sandbox")
    return {"report": report, "a": silent_a, "b": silent_b}


def test_entity_sees_its_own_rows_and_differences(client, people, entity_a, reconciled):
    client.force_login(people["supervisor"])
    body = client.get(reverse("payments_admin:reconciliation", args=["ENT-A"])).content.decode()
    row = _row(reconciled["report"], entity_a)
    assert reverse("payments_admin:reconciliation_row", args=["ENT-A", row.pk]) in body
    assert ReconciliationRow.objects.filter(report=reconciled["report"]).count() == 2
    body = client.get(reverse("payments_admin:reconciliation_row", args=["ENT-A", row.pk])).content.decode()
    assert reconciled["a"].reference in body and reconciled["b"].reference not in body
    assert "Settled by the gateway, missing in our ledger" in body


def _csv(response):
    assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode()
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def test_entity_csv_has_only_its_rows_escaped(client, people, entity_a, reconciled):
    entity_a.name_en = "=HYPERLINK(\"http://evil\")"
    entity_a.save()
    client.force_login(people["admin"])
    rows = _csv(client.get(reverse("payments_admin:reconciliation_csv", args=["ENT-A"])))
    assert rows[0][:6] == ["Day", "Gateway", "Entity code", "Entity", "Currency", "Line"]
    assert {row[2] for row in rows[1:]} == {"ENT-A"} and {row[4] for row in rows[1:]} == {"AED"}
    assert all(row[3] == "'=HYPERLINK(\"http://evil\")" for row in rows[1:])
    totals = [row for row in rows[1:] if row[5] == "Totals"]
    assert totals[0][10:] == ["150.00", "192.00", "1", "2"]
    [difference] = [row for row in rows[1:] if row[5] != "Totals"]
    assert difference[5] == "Settled by the gateway, missing in our ledger"
    assert difference[8] == reconciled["a"].reference and difference[11] == "42.00"


def test_digital_office_sees_every_entity_and_downloads_it(client, people, reconciled, today):
    client.force_login(people["do_analyst"])
    body = client.get(reverse("payments_do:reconciliation")).content.decode()
    report_url = reverse("payments_do:report", args=[today.isoformat(), "sandbox"])
    assert report_url in body
    body = client.get(report_url).content.decode()
    assert reconciled["a"].reference in body and reconciled["b"].reference in body
    rows = _csv(client.get(reverse("payments_do:reconciliation_csv"),
                           {"date_from": today.isoformat(), "date_to": today.isoformat()}))
    assert {row[2] for row in rows[1:]} == {"ENT-A", "ENT-B"}
    # Another range has nothing.
    rows = _csv(client.get(reverse("payments_do:reconciliation_csv"), {"date_from": "2000-01-01",
                                                                       "date_to": "2000-01-02"}))
    assert rows[1:] == []


@pytest.mark.parametrize("value,cell", [("=1+1", "'=1+1"), ("+971", "'+971"), ("@SUM(A1)", "'@SUM(A1)"),
                                        ("-5.00", "-5.00"), ("-1+1", "'-1+1"), ("\tx", "'\tx"), ("plain", "plain"),
                                        (None, ""), (12, "12")])
def test_csv_cells_cannot_run_formulas(value, cell):
    assert csv_cell(value) == cell


def test_every_page_renders_in_arabic_with_a_settlement_for_no_known_payment(client, people, entity_a, today):
    payment, _ = pay(make_bill_invoice(entity=entity_a, payer=people["customer"]), people["customer"])
    stranger = bank.charge_create(merchant_reference="PAY-ELSEWHERE", idempotency_key="elsewhere", amount=700,
                                  currency="AED", description="not ours", return_url="http://x.test/",
                                  callback_url="http://x.test/")
    bank.charge_pay(reference=stranger.reference, card_number="4000000000000002")
    report = reconciliation_run(day=today, gateway_code="sandbox")
    unknown = ReconciliationRow.objects.get(report=report, entity__isnull=True)
    assert [d["payment"] for d in unknown.differences] == ["PAY-ELSEWHERE"] and unknown.settled_total == 700
    row = _row(report, entity_a)
    with translation.override("ar"):
        client.force_login(people["supervisor"])
        for url in (reverse("payments_admin:list", args=["ENT-A"]),
                    reverse("payments_admin:payment", args=["ENT-A", payment.reference]),
                    reverse("payments_admin:refunds", args=["ENT-A"]),
                    reverse("payments_admin:reconciliation", args=["ENT-A"]),
                    reverse("payments_admin:reconciliation_row", args=["ENT-A", row.pk])):
            response = client.get(url)
            assert response.status_code == 200 and 'lang="ar"' in response.content.decode(), url
        client.force_login(people["do_admin"])
        body = client.get(reverse("payments_do:report", args=[today.isoformat(), "sandbox"])).content.decode()
        assert "PAY-ELSEWHERE" in body and payment.reference not in body  # matched: no difference listed
        assert client.get(reverse("payments_do:reconciliation")).status_code == 200


def test_two_currencies_of_one_entity_are_two_rows_never_added_up(people, entity_a, today, client):
    customer = people["customer"]
    pay(make_bill_invoice(entity=entity_a, payer=customer, total=15000), customer)
    in_dollars = make_bill_invoice(entity=entity_a, payer=customer, total=2500)
    Invoice.objects.filter(pk=in_dollars.pk).update(currency="USD")
    in_dollars.refresh_from_db()
    payment, _charge = pay(in_dollars, customer)
    assert payment.currency == "USD" and LedgerEntry.objects.get(payment=payment).currency == "USD"
    report = reconciliation_run(day=today, gateway_code="sandbox")
    rows = {row.currency: row for row in report.rows.filter(entity=entity_a)}
    assert set(rows) == {"AED", "USD"} and report.difference_count == 0
    assert (rows["AED"].expected_total, rows["AED"].settled_total) == (15000, 15000)
    assert (rows["USD"].expected_total, rows["USD"].settled_total) == (2500, 2500)
    client.force_login(people["do_admin"])
    body = client.get(reverse("payments_do:reconciliation")).content.decode()
    assert "150.00 AED" in body and "25.00 USD" in body and "175.00" not in body
    lines = _csv(client.get(reverse("payments_do:reconciliation_csv")))
    assert sorted((line[4], line[10]) for line in lines[1:] if line[5] == "Totals") == [("AED", "150.00"),
                                                                                         ("USD", "25.00")]
