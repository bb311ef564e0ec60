"""Sign-up, e-mail verification, sign-in, two-factor for staff, rate limits — through the real views."""

import re

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail

from manassa.accounts.models import User
from manassa.accounts.tests.factories import PASSWORD, make_user, totp_now
from manassa.entities.models import Membership


def _link(message) -> str:
    return re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/", message.body).group(0)


@pytest.mark.django_db
def test_sign_up_verify_and_sign_in(client):
    response = client.post("/en/accounts/signup/", {
        "email": "new.person@example.test", "password1": "A-long-passphrase-42", "password2": "A-long-passphrase-42",
    })
    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.test")
    assert user.preferred_language == "en"
    # Unverified: signing in is held at the verification step.
    response = client.post("/en/accounts/login/", {"login": "new.person@example.test",
                                                   "password": "A-long-passphrase-42"})
    assert "/accounts/confirm-email/" in response["Location"]
    assert len(mail.outbox) >= 1
    link = _link(mail.outbox[-1])
    path = link.split("://", 1)[1].split("/", 1)[1]
    client.post("/" + path)
    response = client.post("/en/accounts/login/", {"login": "new.person@example.test",
                                                   "password": "A-long-passphrase-42"})
    assert response.status_code == 302 and response["Location"] == "/en/"
    assert client.get("/api/v1/me").json()["email"] == "new.person@example.test"


@pytest.mark.django_db
def test_arabic_sign_up_starts_in_arabic(client):
    client.post("/ar/accounts/signup/", {"email": "ar@example.test", "password1": "A-long-passphrase-42",
                                         "password2": "A-long-passphrase-42"})
    assert User.objects.get(email="ar@example.test").preferred_language == "ar"


@pytest.mark.django_db
def test_staff_must_set_up_two_factor_before_anything_else(client, entity_a):
    officer = make_user("fresh.officer@example.test")
    Membership.objects.create(user=officer, entity=entity_a, role="officer")
    client.force_login(officer)
    response = client.get("/en/backoffice/")
    assert response.status_code == 302 and "/accounts/2fa/totp/activate/" in response["Location"]
    assert client.get("/api/v1/me").status_code == 403
    # The set-up page (after confirming the password) stays reachable.
    follow = client.get(response["Location"], follow=True)
    assert follow.status_code == 200 and follow.redirect_chain[-1][0].startswith("/en/accounts/reauthenticate/")
    client.post(follow.redirect_chain[-1][0], {"password": PASSWORD})
    assert client.get("/en/accounts/2fa/totp/activate/").status_code == 200


@pytest.mark.django_db
def test_customers_are_not_forced_into_two_factor(client, customer):
    client.force_login(customer)
    assert client.get("/en/accounts/profile/").status_code == 200


@pytest.mark.django_db
def test_staff_sign_in_asks_for_the_totp_code(client, people):
    response = client.post("/en/accounts/login/", {"login": "officer@example.test", "password": PASSWORD})
    assert response.status_code == 302 and "/accounts/2fa/authenticate/" in response["Location"]
    assert client.get("/api/v1/me").status_code == 401  # not signed in until the code is given
    wrong = client.post(response["Location"], {"code": "000000"})
    assert wrong.status_code == 200
    right = client.post(response["Location"], {"code": totp_now()})
    assert right.status_code == 302
    assert client.get("/en/backoffice/").status_code == 200


@pytest.mark.django_db
def test_staff_cannot_remove_their_two_factor(client, people):
    client.force_login(people["officer"])
    client.post("/en/accounts/2fa/totp/deactivate/", {})
    assert Authenticator.objects.filter(user=people["officer"], type="totp").exists()


@pytest.mark.django_db
def test_totp_secret_is_encrypted_at_rest(people):
    stored = Authenticator.objects.get(user=people["officer"], type="totp").data["secret"]
    assert stored.startswith("f1:") and "JBSWY3DPEHPK3PXP" not in stored


@pytest.mark.django_db
def test_failed_logins_lock_the_account_for_a_while(client, customer):
    for _ in range(5):
        client.post("/en/accounts/login/", {"login": "customer@example.test", "password": "wrong"})
    response = client.post("/en/accounts/login/", {"login": "customer@example.test", "password": PASSWORD})
    assert response.status_code == 200 and "Too many failed login attempts" in response.content.decode()
    assert client.get("/api/v1/me").status_code == 401


@pytest.mark.django_db
def test_login_requests_are_rate_limited_per_address(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "5/m/ip"}
    statuses = [
        client.post("/en/accounts/login/", {"login": f"x{i}@example.test", "password": "wrong"}).status_code
        for i in range(7)
    ]
    assert statuses[0] == 200 and statuses[-1] == 429


@pytest.mark.django_db
def test_password_reset_is_rate_limited(client, customer):
    statuses = [
        client.post("/en/accounts/password/reset/", {"email": "customer@example.test"}).status_code
        for _ in range(8)
    ]
    assert statuses[0] == 302 and 429 in statuses
    assert len(mail.outbox) == 5


@pytest.mark.django_db
def test_sign_up_is_rate_limited(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "3/m/ip"}
    statuses = [
        client.post("/en/accounts/signup/", {"email": f"p{i}@example.test", "password1": "A-long-passphrase-42",
                                             "password2": "A-long-passphrase-42"}).status_code
        for i in range(5)
    ]
    assert statuses[:3] == [302, 302, 302] and statuses[3] == 429
