"""pytest plugin: a real OpenID Connect provider in a second process, one per test worker.

Registered in the root conftest.py, so app tests and browser tests share it::

    def test_sign_in(client, settings, oidc_provider):
        settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers_from_env(oidc_provider.environ())
        ...
        callback = oidc_provider.sign_in(authorize_url, person=oidc_provider.people["citizen"])

The provider is the Django project next to this file (django-oauth-toolkit with
OpenID Connect). It serves standard discovery under ``<base_url>/o`` and UAE
PASS's fixed paths under ``<base_url>/idshub/``.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

MANAGE = Path(__file__).resolve().parent / "manage.py"
GENERIC_ID = "corp"
# What docs/identity.md tells operators to register: the callback in the default language.
CALLBACK_PATHS = {
    "uaepass": "/ar/accounts/uaepass/login/callback/",
    "generic": f"/ar/accounts/oidc/{GENERIC_ID}/login/callback/",
}
# "testserver" is Django's test client; a live server (pytest-django's default host is
# localhost) may listen on any port: the provider ignores the port on loopback hosts (RFC 8252).
CALLBACK_HOSTS = ("http://testserver", "http://127.0.0.1", "http://localhost")
STARTUP_SECONDS = 30


@dataclass(frozen=True)
class ProviderPerson:
    username: str
    password: str
    subject: str
    claims: dict


PEOPLE = {
    # A verified citizen, with UAE PASS's padded full names and 971-prefixed mobile.
    "citizen": ProviderPerson(
        username="citizen", password="citizen-pass-2026", subject="oidc-sub-citizen",
        claims={
            "uuid": "7a05992e-3244-49d3-bcbc-7894c8fcae01",
            "idn": "784199012345676",
            "firstnameAR": "أحمد", "lastnameAR": "المنصوري", "fullnameAR": "أحمد,,,,علي,,المنصوري",
            "firstnameEN": "Ahmed", "lastnameEN": "Al Mansoori", "fullnameEN": "Ahmed,,,,Ali,,Al Mansoori",
            "email": "citizen@example.test", "mobile": "971501234567", "userType": "SOP3",
            "gender": "Male", "nationalityEN": "ARE", "nationalityAR": "الإمارات",
            "name": "Ahmed Ali Al Mansoori", "email_verified": True,
        },
    ),
    # A basic (SOP1) visitor without uuid, with an Emirates ID and mobile that do not validate.
    "visitor": ProviderPerson(
        username="visitor", password="visitor-pass-2026", subject="oidc-sub-visitor",
        claims={
            "idn": "784-1234", "firstnameEN": "Jane", "lastnameEN": "Doe",
            "email": "visitor@example.test", "mobile": "12345", "userType": "SOP1",
        },
    ),
    # Standard claims only, the name in Arabic script.
    "employee": ProviderPerson(
        username="employee", password="employee-pass-2026", subject="oidc-sub-employee",
        claims={"name": "مريم الحمادي", "email": "employee@example.test", "email_verified": True},
    ),
}


@dataclass
class OidcTestProvider:
    base_url: str
    uaepass_client_id: str = "manassa-uaepass"
    uaepass_client_secret: str = "uaepass-client-secret-for-tests"
    generic_client_id: str = "manassa-corp"
    generic_client_secret: str = "corp-client-secret-for-tests"
    generic_id: str = GENERIC_ID
    people: dict[str, ProviderPerson] = field(default_factory=lambda: dict(PEOPLE))

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/o"

    def environ(self, *, uaepass: bool = True, generic: bool = True) -> dict[str, str]:
        """Environment variables that point Manassa at this provider (docs/identity.md)."""
        env = {}
        if uaepass:
            env.update({
                "UAEPASS_CLIENT_ID": self.uaepass_client_id,
                "UAEPASS_CLIENT_SECRET": self.uaepass_client_secret,
                "UAEPASS_BASE_URL": self.base_url,
            })
        if generic:
            key = self.generic_id.upper()
            env.update({
                "MANASSA_OIDC_PROVIDERS": self.generic_id,
                f"MANASSA_OIDC_{key}_NAME": "Corporate ID",
                f"MANASSA_OIDC_{key}_SERVER_URL": self.issuer,
                f"MANASSA_OIDC_{key}_CLIENT_ID": self.generic_client_id,
                f"MANASSA_OIDC_{key}_CLIENT_SECRET": self.generic_client_secret,
            })
        return env

    def sign_in(self, authorize_url: str, *, person: ProviderPerson, session: requests.Session | None = None) -> str:
        """Follow the provider's redirects and log-in form like a browser; return the URL it sends back.

        The returned URL is the client's callback (with ``code`` and ``state``,
        or ``error``); it is not fetched, because the client under test decides
        how to call it.
        """
        session = session or requests.Session()
        url = authorize_url
        for _hop in range(10):
            if not url.startswith(self.base_url + "/"):
                return url
            response = session.get(url, allow_redirects=False, timeout=10)
            if response.status_code == 200 and 'name="password"' in response.text:
                response = session.post(url, data={
                    "csrfmiddlewaretoken": _form_value(response.text, "csrfmiddlewaretoken"),
                    "next": _form_value(response.text, "next"),
                    "username": person.username,
                    "password": person.password,
                }, allow_redirects=False, timeout=10)
                if response.status_code != 302:
                    raise AssertionError(f"the provider refused the log-in of {person.username}: {response.text[:300]}")
            if response.status_code not in (301, 302, 303):
                raise AssertionError(f"provider answered {response.status_code} at {url}: {response.text[:300]}")
            url = urljoin(url, response.headers["Location"])
        raise AssertionError("too many redirects at the provider")


def _form_value(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    if not match:
        raise AssertionError(f"no {name} field in the provider's log-in form")
    return unescape(match.group(1))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_ready(process: subprocess.Popen, base_url: str) -> bool:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            if requests.get(f"{base_url}/o/.well-known/openid-configuration", timeout=1).status_code == 200:
                return True
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    return False


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _seed_arguments(provider: OidcTestProvider) -> list[str]:
    def uris(kind: str) -> list[str]:
        return [host + CALLBACK_PATHS[kind] for host in CALLBACK_HOSTS]

    clients = [
        {"client_id": provider.uaepass_client_id, "client_secret": provider.uaepass_client_secret,
         "redirect_uris": uris("uaepass"), "name": "UAE PASS-shaped client"},
        {"client_id": provider.generic_client_id, "client_secret": provider.generic_client_secret,
         "redirect_uris": uris("generic"), "name": "OpenID Connect client", "openid": True},
    ]
    arguments = []
    for client in clients:
        arguments += ["--client", json.dumps(client)]
    for person in provider.people.values():
        arguments += ["--user", json.dumps({"username": person.username, "password": person.password,
                                            "subject": person.subject, "claims": person.claims})]
    return arguments


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory) -> Iterator[OidcTestProvider]:
    """The provider's base URL, clients and people; under xdist each worker runs its own."""
    data_dir = tmp_path_factory.mktemp("oidc-provider")
    template = OidcTestProvider(base_url="")
    env = {
        **os.environ,
        "IDP_DATA_DIR": str(data_dir),
        "IDP_PKCE_OPTIONAL_CLIENTS": template.uaepass_client_id,
        "PYTHONUNBUFFERED": "1",
    }
    seed = subprocess.run(
        [sys.executable, str(MANAGE), "oidc_seed", *_seed_arguments(template)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    if seed.returncode != 0:
        raise RuntimeError(f"seeding the test OpenID Connect provider failed:\n{seed.stderr}")

    # Another process may take the free port before the server binds it: try again on a new one.
    for _attempt in range(3):
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        log_path = data_dir / f"server-{port}.log"
        with open(log_path, "w") as log:
            process = subprocess.Popen(
                [sys.executable, str(MANAGE), "runserver", f"127.0.0.1:{port}", "--noreload"],
                env=env, stdout=log, stderr=subprocess.STDOUT,
            )
        if _wait_until_ready(process, base_url):
            break
        _stop(process)
    else:
        raise RuntimeError(f"the test OpenID Connect provider did not start:\n{log_path.read_text()[-2000:]}")

    try:
        yield OidcTestProvider(base_url=base_url)
    finally:
        _stop(process)
