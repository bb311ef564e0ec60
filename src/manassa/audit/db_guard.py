"""Audit events are append-only in the database too (see ``core/append_only.py``); ``manassa audit verify``
detects what someone able to drop the triggers changed by hand."""

from manassa.core.append_only import AppendOnlyGuard

guard = AppendOnlyGuard(table="audit_auditevent", prefix="audit_event", message="audit events are append-only")
install = guard.install
uninstall = guard.uninstall
