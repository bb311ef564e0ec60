"""Fixtures shared by every app's tests: people in each role, with two-factor set up for staff."""

import pyotp
import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP

from manassa.accounts.models import PlatformRoleName, User
from manassa.entities.models import Entity, EntityKind, EntityRole, Membership

TOTP_SECRET = "JBSWY3DPEHPK3PXP"
PASSWORD = "Correct-Horse-2026"


def make_user(email: str, *, totp: bool = False, **fields) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, **fields)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if totp:
        TOTP.activate(user, TOTP_SECRET)
    return user


def totp_now() -> str:
    return pyotp.TOTP(TOTP_SECRET).now()


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


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
