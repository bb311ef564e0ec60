"""Running one row of a permission matrix: the shared check every app's matrix test uses.

A row is ``(id, method, route name, kwargs, expected)``: ``expected`` maps each
role to a status code, or to ``LOGIN`` for a redirect to the sign-in page.
String kwargs found in ``keys`` ("<PAY_A>"…) are replaced by the fixture's
values.
"""

from __future__ import annotations

from django.urls import reverse

LOGIN = "login"  # a redirect to the sign-in page


def matrix_row_check(client, people, keys: dict, role: str, case: tuple):
    """Request ``case``'s route as ``role`` ("anonymous" signs nobody in) and check the answer; the response."""
    _id, method, name, kwargs, expected = case
    url = reverse(name, kwargs={k: keys.get(v, v) if isinstance(v, str) else v for k, v in kwargs.items()})
    if role != "anonymous":
        client.force_login(people[role])
    response = getattr(client, method)(url)
    if expected[role] == LOGIN:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], (role, url)
    else:
        assert response.status_code == expected[role], (role, url)
    return response
