"""Every role on every bill-postings route of the back office, own entity and other entity."""

import pytest

from manassa.accounts.tests.matrix import matrix_row_check
from manassa.audit.models import AuditEvent
from manassa.bills.models import BillPosting, PostingStatus
from manassa.bills.tests.matrix_rows import PAGES, POSTING_PAGES, fixture_postings
from manassa.payments.tests.matrix_rows import ROLES

ROWS = PAGES + POSTING_PAGES


@pytest.fixture
def keys(people, entity_a, entity_b):
    return fixture_postings(people=people, entity_a=entity_a, entity_b=entity_b)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", ROWS, ids=[c[0] for c in ROWS])
def test_bill_postings_staff_pages(client, people, keys, role, case):
    _id, _method, _name, kwargs, expected = case
    matrix_row_check(client, people, keys, role, case)
    # Only ENT-A's own staff sent ENT-A's posting again; nothing else changed.
    resent = expected[role] == 302 and kwargs.get("posting_id") == "<POSTING_A>"
    assert BillPosting.objects.filter(status=PostingStatus.FAILED).count() == (1 if resent else 2)
    assert AuditEvent.objects.filter(action="bills.posting_resent").count() == (1 if resent else 0)


def test_rows_name_every_bills_route():
    from django.urls import get_resolver

    from manassa.accounts.tests.test_permission_matrix import _named_routes

    routes = {f"{ns}:{name}" for ns, name in _named_routes(get_resolver()) if ns == "bills_admin"}
    assert routes and routes == {row[2] for row in ROWS}
