"""Demo data of bills: the sandbox billers' demo accounts, for every configured provider that is a sandbox.

Called by ``manassa.core.demo.demo_load``; idempotent.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string


def bills_demo_load(*, actor=None) -> int:
    """How many sandbox biller accounts were created (the numbers are in docs/bills.md)."""
    from manassa.bills.providers.sandbox import SandboxBillProvider
    from manassa.bills.sandbox import biller

    created = 0
    for code, options in (getattr(settings, "MANASSA_BILL_PROVIDERS", None) or {}).items():
        if issubclass(import_string(options["class"]), SandboxBillProvider):
            created += biller.demo_install(provider=options.get("sandbox_code") or code)
    return created
