"""The CASE_PAGES rows, run here with their fixture until the shared matrix fixture has cases."""

import pytest
from django.test import Client

from manassa.accounts.tests.matrix import matrix_row_check
from manassa.complaints.tests.matrix_rows import CASE_PAGES, ROLES, fixture_keys


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASE_PAGES, ids=[c[0] for c in CASE_PAGES])
def test_case_rows(people, entity_a, entity_b, role, case):
    matrix_row_check(Client(), people, fixture_keys(people, entity_a, entity_b), role, case)
