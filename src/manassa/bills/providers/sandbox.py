"""The adapter for the sandbox billers (``manassa.bills.sandbox``), written as for any real biller: signed HTTP.

Options: ``base_url`` (default ``MANASSA_SANDBOX_BILLERS_URL``, else the
site's address), ``sandbox_code`` (the biller's name at the sandbox, default
the provider's code), ``timeout`` in seconds (default 10).
"""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import urljoin

import requests
from django.conf import settings
from django.urls import reverse

from manassa.bills.providers import sandbox_billers_secret
from manassa.bills.providers.base import (
    AccountNotFound,
    Bill,
    BillProvider,
    PostingConfirmation,
    ProviderError,
    ProviderUnavailable,
)
from manassa.bills.sandbox import signing


def session_make() -> requests.Session:
    """The HTTP session every call goes through (the one seam tests replace, like any transport)."""
    return requests.Session()


class SandboxBillProvider(BillProvider):
    code = "sandbox"

    def _base_url(self) -> str:
        return (self.options.get("base_url") or getattr(settings, "MANASSA_SANDBOX_BILLERS_URL", "")
                or settings.MANASSA_SITE_URL)

    def _remote(self) -> str:
        return self.options.get("sandbox_code") or self.code

    def _call(self, method: str, path: str, payload: dict | None = None) -> tuple[int, dict]:
        body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode() if payload is not None else b""
        headers = {"Accept": "application/json",
                   signing.HEADER: signing.sign(self.options.get("secret") or sandbox_billers_secret(),
                                                method, path, body)}
        if payload is not None:
            headers["Content-Type"] = "application/json"
        try:
            response = session_make().request(method, urljoin(self._base_url(), path), data=body or None,
                                              headers=headers, timeout=float(self.options.get("timeout", 10)))
        except requests.RequestException as exc:
            raise ProviderUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise ProviderUnavailable(f"HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            raise ProviderUnavailable(f"HTTP {response.status_code}: not JSON") from None
        if not isinstance(data, dict):
            raise ProviderError("not a JSON object", code="malformed")
        return response.status_code, data

    def bills_lookup(self, account: str) -> list[Bill]:
        status, data = self._call("GET", reverse("sandbox_billers:bills", args=[self._remote(), account]))
        if status == 404:
            raise AccountNotFound(account)
        if status != 200:
            raise ProviderError(f"HTTP {status}: {data.get('error', '')}", code=str(data.get("error") or "refused"))
        try:
            return [Bill(reference=str(item["reference"]), account=str(item["account"]), period=str(item["period"]),
                         due_date=date.fromisoformat(item["due_date"]) if item.get("due_date") else None,
                         amount=int(item["amount"]), currency=str(item["currency"]),
                         description={"ar": str(item["description"]["ar"]), "en": str(item["description"]["en"])})
                    for item in data["bills"]]
        except (KeyError, TypeError, ValueError):
            raise ProviderError("malformed bills", code="malformed") from None

    def payment_post(self, *, bill_reference: str, amount: int, payment_reference: str,
                     idempotency_key: str) -> PostingConfirmation:
        status, data = self._call(
            "POST", reverse("sandbox_billers:payments", args=[self._remote(), bill_reference]),
            {"amount": amount, "payment_reference": payment_reference, "idempotency_key": idempotency_key})
        if status not in (200, 201) or not data.get("confirmation"):
            raise ProviderError(f"HTTP {status}: {data.get('error', '')}", code=str(data.get("error") or "refused"))
        return PostingConfirmation(bill_reference=bill_reference, confirmation=str(data["confirmation"]))
