"""The CASE_PAGES rows, run here with their fixture until the shared matrix fixture has cases."""

import pytest
from django.test import Client
from django.urls import reverse

from manassa.complaints.tests.matrix_rows import CASE_PAGES, LOGIN, ROLES, fixture_keys


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASE_PAGES, ids=[c[0] for c in CASE_PAGES])
def test_case_rows(people, entity_a, entity_b, role, case):
    keys = fixture_keys(people, entity_a, entity_b)
    _id, method, name, kwargs, expected = case
    client = Client()
    if role != "anonymous":
        client.force_login(people[role])
    response = getattr(client, method)(reverse(name, kwargs={k: keys.get(v, v) for k, v in kwargs.items()}))
    if expected[role] == LOGIN:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == expected[role], role
