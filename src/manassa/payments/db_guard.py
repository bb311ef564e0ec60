"""Ledger entries are append-only in the database too (see ``core/append_only.py``)."""

from manassa.core.append_only import AppendOnlyGuard

guard = AppendOnlyGuard(table="payments_ledgerentry", prefix="payments_ledger",
                        message="ledger entries are append-only")
install = guard.install
uninstall = guard.uninstall
