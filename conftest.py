"""Fixtures shared by every app's tests: people in each role, with two-factor set up for staff."""

import pytest

from manassa.accounts.models import PlatformRoleName
from manassa.accounts.tests.factories import make_user
from manassa.entities.models import Entity, EntityKind, EntityRole, Membership

# A real OpenID Connect provider in a second process: the `oidc_provider` fixture.
pytest_plugins = ["tests.oidc_provider.fixtures"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters, cached pages and the search index never leak from one test into the next.

    The test runner empties the database between tests, so version counters
    start again and could match the previous test's: forget everything.
    """
    from django.core.cache import cache

    from manassa.applications import selectors as application_selectors
    from manassa.applications import services as application_services
    from manassa.catalog import selectors
    from manassa.catalog.search.index import search_index_reset

    def forget():
        cache.clear()
        search_index_reset()
        selectors._version_seen["at"] = -1.0
        # Parsed definitions are kept by id, and ids start again in an emptied database.
        application_selectors._parsed_workflows.clear()
        application_selectors._parsed_forms.clear()
        application_services._sequences_seen.clear()  # a rolled-back test may have made them

    forget()
    yield
    forget()


@pytest.fixture
def entity_a(db):
    return Entity.objects.create(code="ENT-A", kind=EntityKind.LOCAL, name_ar="الجهة أ", name_en="Entity A")


@pytest.fixture
def entity_b(db):
    return Entity.objects.create(code="ENT-B", kind=EntityKind.FEDERAL, name_ar="الجهة ب", name_en="Entity B")


@pytest.fixture
def people(db, entity_a, entity_b):
    """One person per role; entity staff belong to entity A only."""
    users = {"customer": make_user("customer@example.test")}
    for role in (EntityRole.OFFICER, EntityRole.SUPERVISOR, EntityRole.ADMIN):
        user = make_user(f"{role}@example.test", totp=True)
        Membership.objects.create(user=user, entity=entity_a, role=role)
        users[str(role)] = user
    for role in PlatformRoleName:
        user = make_user(f"{role.value}@example.test", totp=True)
        user.platform_roles.create(role=role.value)
        users[role.value] = user
    return users


@pytest.fixture
def customer(people):
    return people["customer"]
