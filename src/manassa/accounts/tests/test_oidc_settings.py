"""Environment variables → allauth's SOCIALACCOUNT_PROVIDERS, and the mistakes that must stop start-up."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from manassa.accounts.identity import profile_from_claims
from manassa.accounts.oidc import GENERIC_PROVIDER_CLASS, socialaccount_providers_from_env

CORP = {
    "MANASSA_OIDC_PROVIDERS": "corp",
    "MANASSA_OIDC_CORP_NAME": "Corporate ID",
    "MANASSA_OIDC_CORP_SERVER_URL": "https://login.example.gov.ae/realms/staff/",
    "MANASSA_OIDC_CORP_CLIENT_ID": "manassa",
    "MANASSA_OIDC_CORP_CLIENT_SECRET": "corp-secret",
}
UAEPASS = {"UAEPASS_CLIENT_ID": "sandbox_stage", "UAEPASS_CLIENT_SECRET": "sandbox-secret",
           "UAEPASS_ENVIRONMENT": "staging"}


def test_nothing_configured_means_no_apps():
    assert socialaccount_providers_from_env({"PATH": "/usr/bin"}) == {
        "openid_connect": {"provider_class": GENERIC_PROVIDER_CLASS, "APPS": []},
    }


def test_generic_providers():
    env = {
        **CORP,
        "MANASSA_OIDC_PROVIDERS": " corp , entra-id ",
        "MANASSA_OIDC_ENTRA_ID_NAME": "Microsoft Entra ID",
        "MANASSA_OIDC_ENTRA_ID_SERVER_URL": "https://login.microsoftonline.com/tenant/v2.0",
        "MANASSA_OIDC_ENTRA_ID_CLIENT_ID": "entra-client",
        "MANASSA_OIDC_ENTRA_ID_CLIENT_SECRET": "entra-secret",
        "MANASSA_OIDC_ENTRA_ID_SCOPES": "openid, email profile offline_access",
        "MANASSA_OIDC_ENTRA_ID_PKCE": "0",
    }
    apps = socialaccount_providers_from_env(env)["openid_connect"]["APPS"]
    assert apps == [
        {"provider_id": "corp", "name": "Corporate ID", "client_id": "manassa", "secret": "corp-secret",
         "settings": {"server_url": "https://login.example.gov.ae/realms/staff", "oauth_pkce_enabled": True}},
        {"provider_id": "entra-id", "name": "Microsoft Entra ID", "client_id": "entra-client",
         "secret": "entra-secret",
         "settings": {"server_url": "https://login.microsoftonline.com/tenant/v2.0", "oauth_pkce_enabled": False,
                      "scope": ["openid", "email", "profile", "offline_access"]}},
    ]


@pytest.mark.parametrize(("environment", "base"), [
    ("staging", "https://stg-id.uaepass.ae"),
    ("production", "https://id.uaepass.ae"),
    ("Production", "https://id.uaepass.ae"),
])
def test_uae_pass_environments(environment, base):
    providers = socialaccount_providers_from_env({**UAEPASS, "UAEPASS_ENVIRONMENT": environment})
    assert providers["uaepass"] == {"APPS": [{
        "name": "UAE PASS",
        "client_id": "sandbox_stage",
        "secret": "sandbox-secret",
        "settings": {
            "base_url": base,
            "authorize_url": f"{base}/idshub/authorize",
            "token_url": f"{base}/idshub/token",
            "userinfo_url": f"{base}/idshub/userinfo",
            "logout_url": f"{base}/idshub/logout",
            "scope": ["urn:uae:digitalid:profile:general"],
            "auth_params": {"acr_values": "urn:safelayer:tws:policies:authentication:level:low"},
        },
    }]}
    assert providers["openid_connect"]["APPS"] == []


def test_uae_pass_base_url_override_scopes_and_acr():
    env = {**UAEPASS, "UAEPASS_BASE_URL": "http://127.0.0.1:8123/",
           "UAEPASS_SCOPES": "urn:uae:digitalid:profile:general urn:uae:digitalid:profile:general:profileType",
           "UAEPASS_ACR_VALUES": "urn:digitalid:authentication:flow:mobileondevice"}
    settings = socialaccount_providers_from_env(env)["uaepass"]["APPS"][0]["settings"]
    assert settings["token_url"] == "http://127.0.0.1:8123/idshub/token"
    assert settings["scope"][1] == "urn:uae:digitalid:profile:general:profileType"
    assert settings["auth_params"] == {"acr_values": "urn:digitalid:authentication:flow:mobileondevice"}
    # No environment is needed when the base URL is given.
    env.pop("UAEPASS_ENVIRONMENT")
    assert socialaccount_providers_from_env(env)["uaepass"]["APPS"][0]["settings"]["base_url"] == (
        "http://127.0.0.1:8123"
    )


def test_both_kinds_together():
    providers = socialaccount_providers_from_env({**CORP, **UAEPASS})
    assert [app["provider_id"] for app in providers["openid_connect"]["APPS"]] == ["corp"]
    assert providers["uaepass"]["APPS"][0]["client_id"] == "sandbox_stage"


def _without(env: dict, name: str) -> dict:
    return {key: value for key, value in env.items() if key != name}


@pytest.mark.parametrize(("env", "variable"), [
    (_without(UAEPASS, "UAEPASS_CLIENT_SECRET"), "UAEPASS_CLIENT_SECRET"),
    (_without(UAEPASS, "UAEPASS_ENVIRONMENT"), "UAEPASS_ENVIRONMENT"),
    ({**UAEPASS, "UAEPASS_ENVIRONMENT": "test"}, "UAEPASS_ENVIRONMENT"),
    ({"UAEPASS_CLIENT_SECRET": "x", "UAEPASS_ENVIRONMENT": "staging"}, "UAEPASS_CLIENT_ID"),
    ({**UAEPASS, "UAEPASS_BASE_URL": "http://uaepass.example.test"}, "UAEPASS_BASE_URL"),
    ({**UAEPASS, "UAEPASS_BASE_URL": "stg-id.uaepass.ae"}, "UAEPASS_BASE_URL"),
    ({**UAEPASS, "UAEPASS_SCOPES": "openid"}, "UAEPASS_SCOPES"),
    (_without(CORP, "MANASSA_OIDC_CORP_NAME"), "MANASSA_OIDC_CORP_NAME"),
    (_without(CORP, "MANASSA_OIDC_CORP_SERVER_URL"), "MANASSA_OIDC_CORP_SERVER_URL"),
    (_without(CORP, "MANASSA_OIDC_CORP_CLIENT_ID"), "MANASSA_OIDC_CORP_CLIENT_ID"),
    ({**CORP, "MANASSA_OIDC_CORP_CLIENT_SECRET": "  "}, "MANASSA_OIDC_CORP_CLIENT_SECRET"),
    ({**CORP, "MANASSA_OIDC_CORP_SERVER_URL": "http://login.example.gov.ae"}, "MANASSA_OIDC_CORP_SERVER_URL"),
    ({**CORP, "MANASSA_OIDC_CORP_SERVER_URL": "https://idp.example?x=1"}, "MANASSA_OIDC_CORP_SERVER_URL"),
    ({**CORP, "MANASSA_OIDC_CORP_SCOPES": "profile email"}, "MANASSA_OIDC_CORP_SCOPES"),
    ({**CORP, "MANASSA_OIDC_CORP_PKCE": "maybe"}, "MANASSA_OIDC_CORP_PKCE"),
    ({**CORP, "MANASSA_OIDC_PROVIDERS": "Corp"}, "MANASSA_OIDC_PROVIDERS"),
    ({**CORP, "MANASSA_OIDC_PROVIDERS": "corp/x"}, "MANASSA_OIDC_PROVIDERS"),
    ({**CORP, "MANASSA_OIDC_PROVIDERS": "uaepass"}, "MANASSA_OIDC_PROVIDERS"),
    ({**CORP, "MANASSA_OIDC_PROVIDERS": "corp,corp"}, "MANASSA_OIDC_PROVIDERS"),
    ({**_without(CORP, "MANASSA_OIDC_PROVIDERS")}, "MANASSA_OIDC_CORP_"),
    ({**CORP, "MANASSA_OIDC_COPR_CLIENT_ID": "typo"}, "MANASSA_OIDC_COPR_CLIENT_ID"),
], ids=lambda value: value if isinstance(value, str) else "")
def test_mistakes_name_the_variable(env, variable):
    with pytest.raises(ImproperlyConfigured, match=variable):
        socialaccount_providers_from_env(env)


def test_plain_http_is_allowed_on_loopback_only():
    for url in ("http://127.0.0.1:9000/o", "http://localhost:9000", "http://[::1]:9000"):
        env = {**CORP, "MANASSA_OIDC_CORP_SERVER_URL": url}
        assert socialaccount_providers_from_env(env)["openid_connect"]["APPS"][0]["settings"]["server_url"] == url


def test_a_numeric_emirates_id_is_accepted():
    assert profile_from_claims({"idn": 784199012345676}).emirates_id == "784-1990-1234567-6"


def test_uae_pass_claims_mapping():
    profile = profile_from_claims({
        "uuid": "u", "idn": "784 1990 1234567 6", "fullnameAR": "أحمد,,,,علي,,المنصوري",
        "firstnameEN": "Ahmed", "lastnameEN": "Al Mansoori", "email": "Citizen@Example.test",
        "mobile": "00971 50 123 4567", "userType": "sop2",
    })
    assert profile.emirates_id == "784-1990-1234567-6"
    assert profile.name_ar == "أحمد علي المنصوري"
    assert profile.name_en == "Ahmed Al Mansoori"
    assert profile.email == "citizen@example.test"
    assert profile.mobile == "+971501234567"
    assert profile.user_type == "SOP2"


@pytest.mark.parametrize("claims", [
    {"idn": "784199012345670", "mobile": "+971 40 123 4567", "userType": "SOP9"},
    {"idn": 12345, "mobile": ["0501234567"], "userType": None},
    {"idn": True, "mobile": {"number": "0501234567"}, "userType": ["SOP3"]},
])
def test_invalid_identifiers_are_left_out(claims):
    profile = profile_from_claims(claims)
    assert (profile.emirates_id, profile.mobile, profile.user_type) == (None, "", "")
