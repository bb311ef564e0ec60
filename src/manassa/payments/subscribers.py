"""How payments react to the rest of the platform (registered in ``PaymentsConfig.ready``)."""

from __future__ import annotations

from manassa.core.events import DomainEvent


def on_application_event(event: DomainEvent) -> None:
    """A request entered a state that waits for a payment (``paid_action``): raise its invoice.

    Runs inside the change's transaction, so the invoice exists exactly when the
    request waits for it. A workflow whose initial state waits for a payment
    charges at submission. Idempotent: one invoice per request and step.
    """
    if event.kind not in ("application.submitted", "application.state_changed"):
        return
    from manassa.applications.selectors import workflow_of
    from manassa.payments.services import invoice_create

    application = event.subject
    state = workflow_of(application).states.get(application.state)
    if state is None or state.paid_action is None:
        return
    invoice_create(actor=event.actor, application=application, step=state.key, on_paid_action=state.paid_action)
