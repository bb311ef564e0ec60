"""How issued documents react to the rest of the platform (registered in ``CertificatesConfig.ready``)."""

from __future__ import annotations

from manassa.core.events import DomainEvent


def on_application_state_changed(event: DomainEvent) -> None:
    """An application closed as approved: issue its service's document, if the service issues one.

    Runs inside the transition's transaction, so the document exists exactly
    when the approval does.
    """
    if event.kind != "application.state_changed":
        return
    if not event.data.get("closed") or event.data.get("outcome") != "approved":
        return
    from manassa.certificates.services import application_document_issue

    application_document_issue(actor=event.actor, application=event.subject)
