"""Bills reach the sandbox billers over HTTP: the test client stands behind a requests transport adapter."""

from urllib.parse import urlsplit

import pytest
import requests
from django.test import Client
from django.utils import translation
from requests.structures import CaseInsensitiveDict

from manassa.bills.providers import sandbox as sandbox_provider
from manassa.bills.sandbox import biller

PROVIDER = "water"
BASE = "http://testserver"


class DjangoClientAdapter(requests.adapters.BaseAdapter):
    """Sends a ``requests`` request to the Django test client: real HTTP semantics, no socket."""

    def __init__(self) -> None:
        super().__init__()
        self.client = Client()
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        self.sent.append(request)
        url = urlsplit(request.url)
        headers = {name: value for name, value in request.headers.items()
                   if name.lower() not in ("content-type", "content-length")}
        # The biller is another server: its request must not leave its language behind in this one.
        with translation.override(translation.get_language()):
            answer = self.client.generic(request.method, url.path + (f"?{url.query}" if url.query else ""),
                                         data=request.body or b"",
                                         content_type=request.headers.get("Content-Type",
                                                                          "application/octet-stream"),
                                         headers=headers)
        response = requests.Response()
        response.status_code, response._content = answer.status_code, answer.content
        response.headers = CaseInsensitiveDict(dict(answer.headers))
        response.url, response.request, response.encoding = request.url, request, "utf-8"
        return response

    def close(self) -> None:
        pass


@pytest.fixture
def transport(monkeypatch):
    adapter = DjangoClientAdapter()

    def session_make():
        session = requests.Session()
        session.mount(BASE, adapter)
        return session

    monkeypatch.setattr(sandbox_provider, "session_make", session_make)
    return adapter


@pytest.fixture
def billers(settings, entity_a, transport):
    settings.MANASSA_BILL_PROVIDERS = {
        PROVIDER: {"class": "manassa.bills.providers.sandbox.SandboxBillProvider", "entity": "ENT-A",
                   "label": {"ar": "المياه والكهرباء", "en": "Water and Power"}, "account_length": [10, 10]},
    }
    settings.MANASSA_SANDBOX_BILLERS = True
    settings.MANASSA_SANDBOX_BILLERS_URL = BASE
    biller.demo_install(provider=PROVIDER)
    return settings.MANASSA_BILL_PROVIDERS
