"""Sign-in with UAE PASS and with a generic OpenID Connect provider, against a real provider process.

The Django test client plays the browser towards Manassa; a requests session
plays it towards the provider (tests/oidc_provider, started by the
``oidc_provider`` fixture). Manassa's calls to the provider's token, userinfo,
discovery and key endpoints go over real HTTP.
"""

import re
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.core.cache import cache

from manassa.accounts.models import User, UserType
from manassa.accounts.oidc import UAEPASS_ACR_LOW, UAEPASS_SCOPE, socialaccount_providers_from_env
from manassa.accounts.tests.factories import PASSWORD, make_user
from manassa.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

UAEPASS_LOGIN = "/en/accounts/uaepass/login/"
CORP_LOGIN = "/en/accounts/oidc/corp/login/"


@pytest.fixture
def providers(settings, oidc_provider):
    # allauth's rate-limit counters live in the cache, which the failed sign-ins of
    # earlier tests in this process may have filled for 127.0.0.1.
    cache.clear()
    settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers_from_env(oidc_provider.environ())
    return oidc_provider


def start(client, login_path: str, **data) -> str:
    """Press the provider's button: allauth answers the POST with a redirect to the provider."""
    response = client.post(login_path, data)
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def with_query(url: str, **changes) -> str:
    parts = urlsplit(url)
    params = {**query(url), **changes}
    return urlunsplit(parts._replace(query=urlencode(params)))


def finish(client, callback_url: str):
    """The browser arriving back at Manassa's callback (served in-process by the test client)."""
    parts = urlsplit(callback_url)
    assert parts.netloc == "testserver", callback_url
    return client.get(f"{parts.path}?{parts.query}")


def sign_in(client, provider, login_path: str, person: str, **data):
    callback = provider.sign_in(start(client, login_path, **data), person=provider.people[person])
    return finish(client, callback)


def signed_in_email(client) -> str | None:
    response = client.get("/api/v1/me")
    return response.json()["email"] if response.status_code == 200 else None


def test_login_page_shows_a_uae_pass_button(client, providers):
    for language in ("en", "ar"):
        html = client.get(f"/{language}/accounts/login/").content.decode()
        href = f"/{language}/accounts/uaepass/login/?process=login"
        button = re.search(rf'<a [^>]*href="{re.escape(href)}"[^>]*>([^<]*)</a>', html)
        assert button, html
        # The Arabic label may add the brand's Arabic name; the Latin brand stays.
        assert (button.group(1) == "UAE PASS") if language == "en" else ("UAE PASS" in button.group(1))
        assert ">Corporate ID</a>" in html


def test_no_button_when_no_provider_is_configured(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers_from_env({})
    html = client.get("/en/accounts/login/").content.decode()
    assert "UAE PASS" not in html
    assert client.post(UAEPASS_LOGIN).status_code == 404


def test_uae_pass_sign_in_creates_an_account_with_the_mapped_profile(client, providers):
    authorize = start(client, UAEPASS_LOGIN)
    assert authorize.startswith(f"{providers.base_url}/idshub/authorize?")
    params = query(authorize)
    assert params["scope"] == UAEPASS_SCOPE
    assert params["acr_values"] == UAEPASS_ACR_LOW
    assert params["client_id"] == providers.uaepass_client_id
    # One redirect URI, whatever the language of the page the person started from.
    assert params["redirect_uri"] == "http://testserver/ar/accounts/uaepass/login/callback/"

    callback = providers.sign_in(authorize, person=providers.people["citizen"])
    assert set(query(callback)) >= {"code", "state"}
    response = finish(client, callback)

    assert response.status_code == 302 and response["Location"] == "/en/"
    assert signed_in_email(client) == "citizen@example.test"
    user = User.objects.get(email="citizen@example.test")
    assert user.emirates_id == "784-1990-1234567-6"
    assert user.name_ar == "أحمد علي المنصوري"
    assert user.name_en == "Ahmed Ali Al Mansoori"
    assert user.mobile == "+971501234567"
    assert user.user_type == UserType.SOP3
    assert user.preferred_language == "en"
    assert not user.has_usable_password()
    account = SocialAccount.objects.get(user=user)
    assert (account.provider, account.uid) == ("uaepass", "7a05992e-3244-49d3-bcbc-7894c8fcae01")
    created = AuditEvent.objects.get(action="user.created", object_id=str(user.pk))
    assert created.changes["identity_provider"] == "uaepass"


def test_sign_in_started_in_arabic_ends_in_arabic(client, providers):
    response = sign_in(client, providers, "/ar/accounts/uaepass/login/", "citizen")

    assert response.status_code == 302 and response["Location"] == "/ar/"
    assert User.objects.get().preferred_language == "ar"


def test_second_uae_pass_sign_in_uses_the_same_account_and_refreshes_it(client, providers):
    sign_in(client, providers, UAEPASS_LOGIN, "citizen")
    user = User.objects.get(email="citizen@example.test")
    # Meanwhile the account was downgraded and renamed locally; UAE PASS is the authority on both.
    User.objects.filter(pk=user.pk).update(user_type=UserType.SOP1, name_en="Old Name", mobile="+971559999999")
    client.logout()

    response = sign_in(client, providers, UAEPASS_LOGIN, "citizen")

    assert response.status_code == 302
    assert signed_in_email(client) == "citizen@example.test"
    assert User.objects.count() == 1
    assert SocialAccount.objects.filter(provider="uaepass").count() == 1
    user.refresh_from_db()
    assert user.user_type == UserType.SOP3
    assert user.name_en == "Ahmed Ali Al Mansoori"
    # The mobile number is the person's to keep in their profile.
    assert user.mobile == "+971559999999"
    synced = AuditEvent.objects.get(action="profile.synced_from_identity")
    assert synced.changes["user_type"] == ["SOP1", "SOP3"]
    assert synced.actor_id == user.pk

    client.logout()
    sign_in(client, providers, UAEPASS_LOGIN, "citizen")
    assert AuditEvent.objects.filter(action="profile.synced_from_identity").count() == 1, "nothing changed"


def test_uae_pass_without_uuid_links_by_sub_and_skips_invalid_identifiers(client, providers):
    response = sign_in(client, providers, UAEPASS_LOGIN, "visitor")

    assert response.status_code == 302
    user = User.objects.get(email="visitor@example.test")
    assert SocialAccount.objects.get(user=user).uid == "oidc-sub-visitor"
    assert user.emirates_id is None
    assert user.mobile == ""
    assert user.user_type == UserType.SOP1
    assert (user.name_en, user.name_ar) == ("Jane Doe", "")


def test_an_emirates_id_already_on_another_account_is_not_copied(client, providers):
    make_user("someone.else@example.test", emirates_id="784-1990-1234567-6")

    sign_in(client, providers, UAEPASS_LOGIN, "citizen")

    user = User.objects.get(email="citizen@example.test")
    assert user.emirates_id is None
    assert SocialAccount.objects.get(user=user).uid == "7a05992e-3244-49d3-bcbc-7894c8fcae01"


def test_local_account_with_the_same_email_is_not_taken_over(client, providers):
    local = make_user("citizen@example.test", name_en="Local Owner")

    response = sign_in(client, providers, UAEPASS_LOGIN, "citizen")

    assert response.status_code == 409
    page = response.content.decode()
    assert "already exists" in page
    assert 'href="/en/accounts/login/?next=/en/accounts/3rdparty/"' in page
    assert signed_in_email(client) is None
    assert User.objects.count() == 1
    assert not SocialAccount.objects.exists()
    local.refresh_from_db()
    assert (local.name_en, local.emirates_id, local.user_type) == ("Local Owner", None, "")

    # The owner signs in with the password and connects UAE PASS themselves.
    response = client.post("/en/accounts/login/", {"login": "citizen@example.test", "password": PASSWORD})
    assert response.status_code == 302
    response = sign_in(client, providers, UAEPASS_LOGIN, "citizen", process="connect")
    assert response.status_code == 302
    assert SocialAccount.objects.get(provider="uaepass").user == local

    client.logout()
    sign_in(client, providers, UAEPASS_LOGIN, "citizen")
    assert signed_in_email(client) == "citizen@example.test"
    local.refresh_from_db()
    assert (local.name_en, local.user_type) == ("Ahmed Ali Al Mansoori", UserType.SOP3)
    assert User.objects.count() == 1


def _assert_nobody_signed_in(client, response):
    assert response.status_code == 401
    assert "socialaccount/authentication_error.html" in [t.name for t in response.templates]
    assert signed_in_email(client) is None
    assert not User.objects.exists()
    assert not SocialAccount.objects.exists()


@pytest.mark.parametrize("login_path", [UAEPASS_LOGIN, CORP_LOGIN], ids=["uaepass", "generic"])
def test_forged_state_fails_cleanly(client, providers, login_path):
    callback = providers.sign_in(start(client, login_path), person=providers.people["citizen"])

    response = finish(client, with_query(callback, state="forged-state"))

    _assert_nobody_signed_in(client, response)


@pytest.mark.parametrize("login_path", [UAEPASS_LOGIN, CORP_LOGIN], ids=["uaepass", "generic"])
def test_tampered_code_fails_cleanly(client, providers, login_path):
    callback = providers.sign_in(start(client, login_path), person=providers.people["citizen"])

    # The provider's token endpoint refuses the code: no account, no session.
    response = finish(client, with_query(callback, code=query(callback)["code"] + "x"))

    _assert_nobody_signed_in(client, response)


def test_provider_error_answer_fails_cleanly(client, providers):
    state = query(start(client, UAEPASS_LOGIN))["state"]

    response = finish(client, f"http://testserver/ar/accounts/uaepass/login/callback/?error=server_error&state={state}")

    _assert_nobody_signed_in(client, response)


def test_a_used_code_cannot_be_replayed(client, providers):
    callback = providers.sign_in(start(client, UAEPASS_LOGIN), person=providers.people["citizen"])
    finish(client, callback)
    client.logout()
    # Someone holding the old callback URL starts a sign-in of their own and swaps in the used code.
    fresh_state = query(start(client, UAEPASS_LOGIN))["state"]

    response = finish(client, with_query(callback, state=fresh_state))

    assert response.status_code == 401
    assert signed_in_email(client) is None
    assert User.objects.count() == 1


def test_generic_provider_sign_in_uses_discovery_pkce_and_maps_claims(client, providers):
    authorize = start(client, CORP_LOGIN)
    assert authorize.startswith(f"{providers.issuer}/authorize/?")
    params = query(authorize)
    assert set(params["scope"].split()) == {"openid", "profile", "email"}
    assert params["code_challenge_method"] == "S256"
    assert params["redirect_uri"] == "http://testserver/ar/accounts/oidc/corp/login/callback/"

    response = finish(client, providers.sign_in(authorize, person=providers.people["citizen"]))

    assert response.status_code == 302 and response["Location"] == "/en/"
    assert signed_in_email(client) == "citizen@example.test"
    user = User.objects.get(email="citizen@example.test")
    account = SocialAccount.objects.get(user=user)
    assert (account.provider, account.uid) == ("corp", "oidc-sub-citizen")
    assert account.extra_data["id_token"]["iss"] == providers.issuer
    # A provider that passes UAE PASS attributes through gets them mapped too.
    assert user.emirates_id == "784-1990-1234567-6"
    assert user.user_type == UserType.SOP3
    assert (user.name_en, user.name_ar) == ("Ahmed Ali Al Mansoori", "أحمد علي المنصوري")
    assert EmailAddress.objects.get(user=user).verified


def test_generic_provider_with_standard_claims_only(client, providers):
    sign_in(client, providers, CORP_LOGIN, "employee")
    client.logout()
    sign_in(client, providers, CORP_LOGIN, "employee")

    assert signed_in_email(client) == "employee@example.test"
    user = User.objects.get()
    assert (user.name_ar, user.name_en) == ("مريم الحمادي", "")
    assert (user.emirates_id, user.user_type) == (None, "")
    assert SocialAccount.objects.get().uid == "oidc-sub-employee"


def test_the_same_person_through_two_providers_is_two_identities(client, providers):
    """Each provider's id links only to itself: the second provider meets the first one's account."""
    sign_in(client, providers, UAEPASS_LOGIN, "citizen")
    client.logout()

    response = sign_in(client, providers, CORP_LOGIN, "citizen")

    assert response.status_code == 409
    assert signed_in_email(client) is None
    assert SocialAccount.objects.count() == 1
