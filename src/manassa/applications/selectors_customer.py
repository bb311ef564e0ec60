"""Reads for the resident's pages: their drafts, their requests with state labels, history and notices.

Everything is scoped to the person: a draft or request of someone else is
"not found", exactly like one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from manassa.applications.documents import EVENT_TITLES
from manassa.applications.formdefs import FormDefinition, answers_clean
from manassa.applications.models import (
    DRAFT_STATE,
    Application,
    ApplicationEvent,
    Notice,
)
from manassa.applications.selectors import applications_of, form_of, published_definitions, workflow_of
from manassa.applications.workflow import Action, State, Workflow
from manassa.core.errors import NotFound
from manassa.core.i18n import pick


def service_accepts_online(service) -> bool:
    """Whether the service has a published form and workflow and is active: the "Start" button applies."""
    return published_definitions(service) is not None


def drafts_of(user, *, service=None) -> QuerySet[Application]:
    qs = applications_of(user).filter(state=DRAFT_STATE)
    return qs.filter(service=service) if service is not None else qs


def access_own_draft(user, pk: int) -> Application:
    """The person's own draft; 404 for missing, submitted and someone else's."""
    application = (drafts_of(user).select_related("form", "workflow").filter(pk=pk).first())
    if application is None:
        raise NotFound()
    return application


def access_own_request(user, reference: str) -> Application:
    """A submitted request of the person, with its form and workflow; 404 otherwise."""
    application = (applications_of(user).select_related("form", "workflow")
                   .filter(reference=reference).exclude(state=DRAFT_STATE).first())
    if application is None:
        raise NotFound()
    return application


def pages_shown(application: Application, definition: FormDefinition | None = None,
                values: dict | None = None) -> list[str]:
    """Keys of the pages the person is asked, given their answers so far."""
    definition = definition or form_of(application)
    return answers_clean(definition, application.answers if values is None else values).pages_shown


def first_page_with_errors(application: Application, definition: FormDefinition) -> str | None:
    for key in pages_shown(application, definition):
        if answers_clean(definition, application.answers, page=key).errors:
            return key
    return None


@dataclass
class RequestRow:
    application: Application
    state: State

    @property
    def state_label(self) -> str:
        return pick(self.state.label)

    @property
    def waiting_for_you(self) -> bool:
        return self.state.waiting_for == "customer" and not self.state.terminal


def requests_of(user) -> list[RequestRow]:
    """The person's submitted requests, newest activity first, each with its state from its own workflow."""
    return [RequestRow(application, workflow_of(application).states[application.state])
            for application in applications_of(user).exclude(state=DRAFT_STATE).select_related("workflow")]


@dataclass
class TimelineEntry:
    event: ApplicationEvent
    title: str
    state_label: str
    by_you: bool


def timeline_of(application: Application, workflow: Workflow) -> list[TimelineEntry]:
    """The request's history as the applicant sees it: never the staff's internal notes."""
    from django.utils.translation import gettext as _

    entries = []
    for event in application.events.filter(internal=False).order_by("at", "id"):
        action = workflow.actions.get(event.action)
        if action:
            title = pick(action.label)
        elif event.action == "submit":
            title = _("Request submitted")
        else:
            title = str(EVENT_TITLES.get(event.action, event.action))
        state = workflow.states.get(event.to_state)
        entries.append(TimelineEntry(event=event, title=title, state_label=pick(state.label) if state else "",
                                     by_you=event.actor_id == application.applicant_id))
    return entries


def last_request_comment(application: Application) -> str:
    """What the entity wrote when it moved the request into its current state (e.g. what information it needs)."""
    event = (application.events.filter(internal=False, to_state=application.state)
             .exclude(actor_id=application.applicant_id).order_by("-at", "-id").first())
    return event.comment if event else ""


def customer_actions(workflow: Workflow, state: str) -> list[Action]:
    return workflow.available_actions(state, {"customer"})


def notices_of(user, application: Application) -> list[Notice]:
    return list(Notice.objects.filter(user=user, application=application).order_by("-created_at", "-id")[:50])
