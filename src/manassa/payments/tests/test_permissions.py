"""Every role on every payments back-office route, own entity and other entity, Digital Office included.

The shared matrix (`accounts/tests/test_permission_matrix.py`) can run `matrix_rows.PAGES` with its own
fixture; the rows that need payments, refunds and reconciliation rows run here.
"""

import pytest
from django.urls import reverse

from manassa.payments.models import LedgerEntry, Refund, RefundStatus
from manassa.payments.tests.matrix_rows import LOGIN, PAGES, PAYMENT_PAGES, ROLES, fixture_payments

ROWS = PAGES + PAYMENT_PAGES


@pytest.fixture
def keys(people, entity_a, entity_b):
    return fixture_payments(people=people, entity_a=entity_a, entity_b=entity_b)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", ROWS, ids=[c[0] for c in ROWS])
def test_payments_staff_pages(client, people, keys, role, case):
    _id, method, name, kwargs, expected = case
    url = reverse(name, kwargs={k: keys.get(v, v) if isinstance(v, str) else v for k, v in kwargs.items()})
    if role != "anonymous":
        client.force_login(people[role])
    response = getattr(client, method)(url)
    if expected[role] == LOGIN:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == expected[role], (role, url)
    # Whatever was refused, no refund was decided or asked for and no money moved.
    assert Refund.objects.count() == 2
    assert not Refund.objects.exclude(status=RefundStatus.REQUESTED).exists()
    assert LedgerEntry.objects.filter(kind="refund").count() == 0


def test_rows_name_every_payments_route():
    from django.urls import get_resolver

    from manassa.accounts.tests.test_permission_matrix import _named_routes

    routes = {f"{ns}:{name}" for ns, name in _named_routes(get_resolver()) if ns in {"payments_admin", "payments_do"}}
    assert routes and routes == {row[2] for row in ROWS}
