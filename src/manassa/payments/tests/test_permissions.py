"""Every role on every payments back-office route, own entity and other entity, Digital Office included.

The shared matrix (`accounts/tests/test_permission_matrix.py`) can run `matrix_rows.PAGES` with its own
fixture; the rows that need payments, refunds and reconciliation rows run here.
"""

import pytest

from manassa.accounts.tests.matrix import matrix_row_check
from manassa.payments.models import LedgerEntry, Refund, RefundStatus
from manassa.payments.tests.matrix_rows import PAGES, PAYMENT_PAGES, ROLES, fixture_payments

ROWS = PAGES + PAYMENT_PAGES


@pytest.fixture
def keys(people, entity_a, entity_b):
    return fixture_payments(people=people, entity_a=entity_a, entity_b=entity_b)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", ROWS, ids=[c[0] for c in ROWS])
def test_payments_staff_pages(client, people, keys, role, case):
    matrix_row_check(client, people, keys, role, case)
    # Whatever was refused, no refund was decided or asked for and no money moved.
    assert Refund.objects.count() == 2
    assert not Refund.objects.exclude(status=RefundStatus.REQUESTED).exists()
    assert LedgerEntry.objects.filter(kind="refund").count() == 0


def test_rows_name_every_payments_route():
    from django.urls import get_resolver

    from manassa.accounts.tests.test_permission_matrix import _named_routes

    routes = {f"{ns}:{name}" for ns, name in _named_routes(get_resolver()) if ns in {"payments_admin", "payments_do"}}
    assert routes and routes == {row[2] for row in ROWS}
