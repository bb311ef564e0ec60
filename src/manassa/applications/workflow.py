"""Service workflows as data: the format ``manassa-workflow/1``, its parsed shape and ready-made templates.

docs/workflows.md is the reference. The contract kept here:

- ``parse_workflow(document)`` reports *every* author error at once, each as
  ``<JSON path>: <reason>`` (``actions[2].to: unknown state 'aproved'``), by
  raising ``InvalidWorkflow``; otherwise it returns a ``Workflow``;
- unknown keys are errors, never ignored, so a typo cannot silently drop a rule;
- a valid workflow has no dead ends: every state that is not terminal can be
  reached from ``initial`` and can itself reach a terminal state.

This module only describes workflows. Changing a request's state is the one
transition service's job; it asks ``Workflow.check()`` first.
"""

from __future__ import annotations

import copy
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from manassa.core.documents import show_value, type_name
from manassa.core.errors import ApplicationError, InvalidDocument, storable_text

WORKFLOW_FORMAT = "manassa-workflow/1"

ROLES = ("officer", "supervisor", "admin", "customer", "system")
STAFF_ROLES = ("officer", "supervisor", "admin")
OUTCOMES = ("approved", "rejected", "withdrawn")
WAITING_FOR = ("entity", "customer")
COMMENT = ("required", "optional", "none")

KEY = re.compile(r"[a-z][a-z0-9_]*")
KEY_MAX = 40
LABEL_MAX = 200
STATES_MAX = 50
ACTIONS_MAX = 100
# A year of round-the-clock hours: anything longer is a typo, and the bound keeps float() safe on huge integers.
SLA_HOURS_MAX = 8760

ROOT_KEYS = ({"format", "initial", "states", "actions"}, {"sla_hours", "escalation"})
STATE_KEYS = ({"key", "label"}, {"terminal", "outcome", "sla_hours", "waiting_for", "paid_action"})
ACTION_KEYS = ({"key", "label", "from", "to", "roles"}, {"comment"})
ESCALATION_KEYS = ({"role"}, set())


class InvalidWorkflow(InvalidDocument):
    """The workflow cannot be used; ``errors`` lists every problem as ``path: reason``."""

    code = "invalid_workflow"
    default_message = gettext_lazy("The workflow has errors.")

    @staticmethod
    def summary(count: int) -> str:
        return ngettext(
            "The workflow has %(count)d error.",
            "The workflow has %(count)d errors.",
            count,
        ) % {"count": count}


class TransitionNotAllowed(ApplicationError):
    code = "transition_not_allowed"
    status = 409
    default_message = gettext_lazy("This action is not possible for this request now.")


# --- the parsed shape ----------------------------------------------------------------


@dataclass(frozen=True)
class State:
    key: str
    label: dict = field(hash=False)
    terminal: bool
    outcome: str | None
    sla_hours: float | None
    waiting_for: str
    # A state that waits for a payment: an invoice is raised when a request enters it, and once it is paid
    # the system takes this action (``payments``). None for every other state.
    paid_action: str | None = None


@dataclass(frozen=True)
class Action:
    key: str
    label: dict = field(hash=False)
    sources: tuple[str, ...]
    target: str
    roles: frozenset[str]
    comment: str


@dataclass(frozen=True, eq=False)
class Workflow:
    initial: str
    sla_hours: float | None
    states: dict[str, State]  # in document order
    actions: dict[str, Action]  # in document order
    escalation_role: str | None
    document: dict

    def available_actions(self, state: str, roles: set[str]) -> list[Action]:
        """The actions someone holding any of ``roles`` may take on a request in ``state``, in document order."""
        return [action for action in self.actions.values()
                if state in action.sources and not action.roles.isdisjoint(roles)]

    def check(self, state: str, action: str, roles: set[str]) -> Action:
        """The action, if it may be taken from ``state`` by one of ``roles``; else ``TransitionNotAllowed``."""
        # One error for every refusal: the caller shows it as is, and it reveals nothing about the workflow.
        found = self.actions.get(action) if isinstance(action, str) else None
        if found is None or state not in found.sources or found.roles.isdisjoint(roles):
            raise TransitionNotAllowed()
        return found


# --- parsing ---------------------------------------------------------------------------


def parse_workflow(document: Any) -> Workflow:
    """The workflow in ``document`` (parsed JSON); raises ``InvalidWorkflow`` listing every problem."""
    checker = _Checker()
    try:
        workflow = checker.document(document)
    except RecursionError:
        checker.error("", _("nested too deeply"))
        workflow = None
    if checker.errors or workflow is None:
        raise InvalidWorkflow(checker.errors or [_("$: not a workflow")])
    return workflow


def _one_of(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


class _Checker:
    """Walks the document once, collecting every problem."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        # Set when a state key, an action's from/to or ``initial`` is unusable: the graph checks would only
        # repeat that error as "unreachable" noise. Other errors (a label, a role) leave the graph checked.
        self.graph_broken = False
        self.terminal: dict[str, bool] = {}  # every state with a usable key
        self.edges: list[tuple[list[str], str]] = []  # every action with a usable from and to

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path or '$'}: {message}")

    # Shapes --------------------------------------------------------------------------

    @staticmethod
    def sub(path: str, key: Any) -> str:
        if isinstance(key, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            return f"{path}.{key}" if path else key
        return f"{path}[{json.dumps(str(key))}]"

    def record(self, value: Any, path: str, keys: tuple[set[str], set[str]]) -> dict | None:
        required, optional = keys
        if not isinstance(value, dict):
            self.error(path, _("must be an object, not %(type)s") % {"type": type_name(value)})
            return None
        for key in getattr(value, "duplicates", ()):
            self.error(self.sub(path, key), _("given more than once"))
        for key in value:
            if key not in required and key not in optional:
                self.error(self.sub(path, key), _("unknown key"))
        for key in sorted(required):
            if key not in value:
                self.error(self.sub(path, key), _("required"))
        return value

    def items(self, value: Any, path: str, *, limit: int) -> list:
        if not isinstance(value, list):
            self.error(path, _("must be a list, not %(type)s") % {"type": type_name(value)})
            return []
        if not value:
            self.error(path, _("must not be empty"))
        if len(value) > limit:
            self.error(path, _("at most %(limit)d items (%(count)d given)") % {"limit": limit, "count": len(value)})
            return []
        return value

    def key(self, value: Any, path: str) -> str | None:
        if not isinstance(value, str) or not KEY.fullmatch(value) or len(value) > KEY_MAX:
            self.error(path, _("%(value)s is not a valid key: lowercase letters, digits and '_', starting with "
                               "a letter, at most %(max)d characters") % {"value": show_value(value), "max": KEY_MAX})
            return None
        return value

    def text(self, value: Any, path: str) -> str | None:
        if not isinstance(value, str):
            self.error(path, _("must be a string, not %(type)s") % {"type": type_name(value)})
            return None
        if not storable_text(value):
            self.error(path, _("contains characters that cannot be stored (NUL or an unpaired surrogate)"))
            return None
        if not value.strip():
            self.error(path, _("must not be empty"))
            return None
        if len(value) > LABEL_MAX:
            self.error(path, _("at most %(max)d characters (%(count)d given)") % {"max": LABEL_MAX,
                                                                                  "count": len(value)})
            return None
        return value.strip()

    def label(self, value: Any, path: str) -> dict[str, str] | None:
        obj = self.record(value, path, ({"ar", "en"}, set()))
        if obj is None:
            return None
        ar = self.text(obj["ar"], f"{path}.ar") if "ar" in obj else None
        en = self.text(obj["en"], f"{path}.en") if "en" in obj else None
        return {"ar": ar, "en": en} if ar and en else None

    def choice(self, value: Any, path: str, allowed: tuple[str, ...]) -> str | None:
        if not isinstance(value, str) or value not in allowed:
            self.error(path, _("%(value)s is not one of %(allowed)s") % {"value": show_value(value),
                                                                         "allowed": _one_of(allowed)})
            return None
        return value

    def hours(self, value: Any, path: str) -> float | None:
        if not isinstance(value, int | float) or isinstance(value, bool):
            self.error(path, _("must be a number of hours, not %(type)s") % {"type": type_name(value)})
            return None
        if not (isinstance(value, int) or math.isfinite(value)) or not 0 < value <= SLA_HOURS_MAX:
            self.error(path, _("must be more than 0 and at most %(max)d hours") % {"max": SLA_HOURS_MAX})
            return None
        return float(value)

    # The document --------------------------------------------------------------------

    def document(self, document: Any) -> Workflow | None:
        root = self.record(document, "", ROOT_KEYS)
        if root is None:
            return None
        if "format" in root and root["format"] != WORKFLOW_FORMAT:
            self.error("format", _("must be %(format)s") % {"format": show_value(WORKFLOW_FORMAT)})
        sla_hours = self.hours(root["sla_hours"], "sla_hours") if root.get("sla_hours") is not None else None
        escalation_role = self.escalation(root["escalation"]) if root.get("escalation") is not None else None

        raw_states = self.items(root["states"], "states", limit=STATES_MAX) if "states" in root else []
        states: dict[str, State] = {}
        state_paths: dict[str, str] = {}
        for index, value in enumerate(raw_states):
            path = f"states[{index}]"
            state = self.state(value, path, state_paths)
            if state is not None:
                states[state.key] = state
        if not raw_states:
            self.graph_broken = True

        initial = self.initial(root, state_paths)

        raw_actions = self.items(root["actions"], "actions", limit=ACTIONS_MAX) if "actions" in root else []
        actions: dict[str, Action] = {}
        action_paths: dict[str, str] = {}
        for index, value in enumerate(raw_actions):
            action = self.action(value, f"actions[{index}]", action_paths, state_paths)
            if action is not None:
                actions[action.key] = action
        if not raw_actions:
            self.graph_broken = True

        self.paid_actions(raw_states, states, actions, action_paths)
        if not self.graph_broken and initial is not None:
            self.graph(initial, state_paths)
        if self.errors:
            return None
        return Workflow(initial=initial, sla_hours=sla_hours, states=states, actions=actions,
                        escalation_role=escalation_role, document=copy.deepcopy(document))

    def escalation(self, value: Any) -> str | None:
        obj = self.record(value, "escalation", ESCALATION_KEYS)
        if obj is None or "role" not in obj:
            return None
        return self.choice(obj["role"], "escalation.role", STAFF_ROLES)

    def initial(self, root: dict, state_paths: dict[str, str]) -> str | None:
        if "initial" not in root:
            self.graph_broken = True
            return None
        value = root["initial"]
        if not isinstance(value, str) or value not in state_paths:
            self.error("initial", _("unknown state %(key)s") % {"key": show_value(value)})
            self.graph_broken = True
            return None
        if self.terminal.get(value):
            self.error("initial", _("%(key)s is a terminal state; a request must be able to move on from its "
                                    "first state") % {"key": show_value(value)})
            self.graph_broken = True
            return None
        return value

    def state(self, value: Any, path: str, state_paths: dict[str, str]) -> State | None:
        obj = self.record(value, path, STATE_KEYS)
        if obj is None:
            self.graph_broken = True
            return None
        before = len(self.errors)
        key = None
        if "key" in obj:
            key = self.key(obj["key"], f"{path}.key")
            if key is not None and key in state_paths:
                self.error(f"{path}.key", _("%(key)s is already used at %(path)s")
                           % {"key": show_value(key), "path": state_paths[key]})
                key = None
            elif key is not None:
                state_paths[key] = path
        if key is None:
            self.graph_broken = True
        label = self.label(obj["label"], f"{path}.label") if "label" in obj else None

        terminal = obj.get("terminal", False)
        if not isinstance(terminal, bool):
            self.error(f"{path}.terminal", _("must be true or false, not %(type)s") % {"type": type_name(terminal)})
            # Reachability cannot be judged without knowing which states end a request.
            self.graph_broken = True
            terminal = False
        if key is not None:
            self.terminal[key] = terminal

        outcome = obj.get("outcome")
        if terminal and outcome is None:
            self.error(f"{path}.outcome", _("required for a terminal state: one of %(allowed)s")
                       % {"allowed": _one_of(OUTCOMES)})
        elif terminal:
            outcome = self.choice(outcome, f"{path}.outcome", OUTCOMES)
        elif outcome is not None:
            self.error(f"{path}.outcome", _("must be null for a state that is not terminal"))

        sla_hours = None
        if obj.get("sla_hours") is not None:
            if terminal:
                self.error(f"{path}.sla_hours", _("a terminal state has no time limit"))
            else:
                sla_hours = self.hours(obj["sla_hours"], f"{path}.sla_hours")

        waiting_for = "entity"
        if "waiting_for" in obj:
            waiting_for = self.choice(obj["waiting_for"], f"{path}.waiting_for", WAITING_FOR) or "entity"
            if terminal and waiting_for == "customer":
                self.error(f"{path}.waiting_for", _("a terminal state waits for no one"))

        paid_action = None
        if obj.get("paid_action") is not None:
            paid_action = self.key(obj["paid_action"], f"{path}.paid_action")
            if terminal and paid_action is not None:
                self.error(f"{path}.paid_action", _("a terminal state waits for no payment"))

        if len(self.errors) != before or key is None or label is None:
            return None
        return State(key=key, label=label, terminal=terminal, outcome=outcome, sla_hours=sla_hours,
                     waiting_for=waiting_for, paid_action=paid_action)

    def paid_actions(self, raw_states: list, states: dict[str, State], actions: dict[str, Action],
                     action_paths: dict[str, str]) -> None:
        """A payment state's ``paid_action`` is an action the system may take from that very state."""
        for index, value in enumerate(raw_states):
            key = value.get("key") if isinstance(value, dict) else None
            state = states.get(key) if isinstance(key, str) else None
            if state is None or state.paid_action is None:
                continue
            path = f"states[{index}].paid_action"
            action = actions.get(state.paid_action)
            if action is None:
                if state.paid_action not in action_paths:
                    self.error(path, _("unknown action %(key)s") % {"key": show_value(state.paid_action)})
            elif state.key not in action.sources or "system" not in action.roles:
                self.error(path, _("%(action)s must be an action from %(state)s with the role 'system'")
                           % {"action": show_value(action.key), "state": show_value(state.key)})

    def action(self, value: Any, path: str, action_paths: dict[str, str], state_paths: dict[str, str]) -> Action | None:
        obj = self.record(value, path, ACTION_KEYS)
        if obj is None:
            return None
        before = len(self.errors)
        key = None
        if "key" in obj:
            key = self.key(obj["key"], f"{path}.key")
            if key is not None and key in action_paths:
                self.error(f"{path}.key", _("%(key)s is already used at %(path)s")
                           % {"key": show_value(key), "path": action_paths[key]})
                key = None
            elif key is not None:
                action_paths[key] = path
        label = self.label(obj["label"], f"{path}.label") if "label" in obj else None

        sources: list[str] = []
        raw_sources = self.items(obj["from"], f"{path}.from", limit=STATES_MAX) if "from" in obj else []
        if not raw_sources:
            self.graph_broken = True
        else:
            for index, source in enumerate(raw_sources):
                source_path = f"{path}.from[{index}]"
                if not isinstance(source, str) or source not in state_paths:
                    self.error(source_path, _("unknown state %(key)s") % {"key": show_value(source)})
                    self.graph_broken = True
                elif source in sources:
                    self.error(source_path, _("%(key)s is listed twice") % {"key": show_value(source)})
                elif self.terminal.get(source):
                    self.error(source_path, _("%(key)s is a terminal state; no action leads out of it")
                               % {"key": show_value(source)})
                else:
                    sources.append(source)

        target = obj.get("to")
        if "to" not in obj:
            self.graph_broken = True
        elif not isinstance(target, str) or target not in state_paths:
            self.error(f"{path}.to", _("unknown state %(key)s") % {"key": show_value(target)})
            self.graph_broken = True
        else:
            self.edges.append((sources, target))

        roles: set[str] = set()
        if "roles" in obj:
            for index, role in enumerate(self.items(obj["roles"], f"{path}.roles", limit=len(ROLES))):
                role_path = f"{path}.roles[{index}]"
                if self.choice(role, role_path, ROLES) is None:
                    continue
                if role in roles:
                    self.error(role_path, _("%(key)s is listed twice") % {"key": show_value(role)})
                roles.add(role)

        comment = "optional"
        if "comment" in obj:
            comment = self.choice(obj["comment"], f"{path}.comment", COMMENT) or comment

        if len(self.errors) != before or key is None or label is None:
            return None
        return Action(key=key, label=label, sources=tuple(sources), target=target, roles=frozenset(roles),
                      comment=comment)

    def graph(self, initial: str, state_paths: dict[str, str]) -> None:
        """No dead ends: every non-terminal state is reachable from ``initial`` and can reach an end."""
        forward: dict[str, set[str]] = {key: set() for key in state_paths}
        backward: dict[str, set[str]] = {key: set() for key in state_paths}
        for sources, target in self.edges:
            for source in sources:
                forward[source].add(target)
                backward[target].add(source)
        reached = _closure({initial}, forward)
        ending = _closure({key for key, terminal in self.terminal.items() if terminal}, backward)
        for key in state_paths:
            if self.terminal[key]:
                continue
            if key not in reached:
                self.error(state_paths[key], _("%(key)s cannot be reached from the initial state %(initial)s")
                           % {"key": show_value(key), "initial": show_value(initial)})
            if key not in ending:
                self.error(state_paths[key], _("no terminal state can be reached from %(key)s")
                           % {"key": show_value(key)})


def _closure(start: set[str], edges: dict[str, set[str]]) -> set[str]:
    seen = set(start)
    pending = list(start)
    while pending:
        for following in edges[pending.pop()]:
            if following not in seen:
                seen.add(following)
                pending.append(following)
    return seen


# --- templates ---------------------------------------------------------------------------
# Ready-made documents a service owner starts from. Labels are what the customer and the officer see.

_SUBMITTED = {"key": "submitted", "label": {"ar": "مُقدَّم", "en": "Submitted"},
              "sla_hours": 8, "waiting_for": "entity"}
_IN_REVIEW = {"key": "in_review", "label": {"ar": "قيد المراجعة", "en": "In review"},
              "sla_hours": 16, "waiting_for": "entity"}
_AWAITING_INFO = {"key": "awaiting_info",
                  "label": {"ar": "بانتظار معلومات إضافية منك", "en": "Waiting for more information from you"},
                  "waiting_for": "customer"}
_APPROVED = {"key": "approved", "label": {"ar": "معتمد", "en": "Approved"},
             "terminal": True, "outcome": "approved"}
_REJECTED = {"key": "rejected", "label": {"ar": "مرفوض", "en": "Rejected"},
             "terminal": True, "outcome": "rejected"}
_WITHDRAWN = {"key": "withdrawn", "label": {"ar": "مسحوب", "en": "Withdrawn"},
              "terminal": True, "outcome": "withdrawn"}

_STAFF = ["officer", "supervisor"]


def _start_review() -> dict:
    return {"key": "start_review", "label": {"ar": "بدء المراجعة", "en": "Start review"},
            "from": ["submitted"], "to": "in_review", "roles": list(_STAFF), "comment": "none"}


def _request_info(sources: list[str]) -> dict:
    return {"key": "request_info", "label": {"ar": "طلب معلومات إضافية", "en": "Ask for more information"},
            "from": sources, "to": "awaiting_info", "roles": list(_STAFF), "comment": "required"}


def _respond() -> dict:
    return {"key": "respond", "label": {"ar": "إرسال المعلومات المطلوبة", "en": "Send the information asked for"},
            "from": ["awaiting_info"], "to": "in_review", "roles": ["customer"], "comment": "required"}


def _reject(sources: list[str], roles: list[str]) -> dict:
    return {"key": "reject", "label": {"ar": "رفض الطلب", "en": "Reject"},
            "from": sources, "to": "rejected", "roles": roles, "comment": "required"}


def _withdraw(sources: list[str]) -> dict:
    return {"key": "withdraw", "label": {"ar": "سحب الطلب", "en": "Withdraw the application"},
            "from": sources, "to": "withdrawn", "roles": ["customer"], "comment": "optional"}


_TEMPLATES: dict[str, dict] = {
    "simple_approval": {
        "format": WORKFLOW_FORMAT,
        "initial": "submitted",
        "sla_hours": 40,
        "states": [_SUBMITTED, _IN_REVIEW, _AWAITING_INFO, _APPROVED, _REJECTED, _WITHDRAWN],
        "actions": [
            _start_review(),
            _request_info(["in_review"]),
            _respond(),
            {"key": "approve", "label": {"ar": "اعتماد الطلب", "en": "Approve"},
             "from": ["in_review"], "to": "approved", "roles": list(_STAFF), "comment": "optional"},
            _reject(["in_review"], list(_STAFF)),
            _withdraw(["submitted", "in_review", "awaiting_info"]),
        ],
        "escalation": {"role": "supervisor"},
    },
    "review_inspection_approval": {
        "format": WORKFLOW_FORMAT,
        "initial": "submitted",
        "sla_hours": 72,
        "states": [
            _SUBMITTED, _IN_REVIEW, _AWAITING_INFO,
            {"key": "inspection", "label": {"ar": "قيد التفتيش", "en": "Inspection"},
             "sla_hours": 24, "waiting_for": "entity"},
            {"key": "awaiting_approval", "label": {"ar": "بانتظار الاعتماد", "en": "Awaiting approval"},
             "sla_hours": 8, "waiting_for": "entity"},
            _APPROVED, _REJECTED, _WITHDRAWN,
        ],
        "actions": [
            _start_review(),
            _request_info(["in_review", "inspection"]),
            _respond(),
            {"key": "send_to_inspection", "label": {"ar": "إحالة إلى التفتيش", "en": "Send for inspection"},
             "from": ["in_review"], "to": "inspection", "roles": list(_STAFF), "comment": "optional"},
            {"key": "complete_inspection", "label": {"ar": "إنجاز التفتيش", "en": "Complete the inspection"},
             "from": ["inspection"], "to": "awaiting_approval", "roles": list(_STAFF), "comment": "required"},
            {"key": "return_to_review", "label": {"ar": "إعادة إلى المراجعة", "en": "Return for review"},
             "from": ["awaiting_approval"], "to": "in_review", "roles": ["supervisor"], "comment": "required"},
            {"key": "approve", "label": {"ar": "اعتماد الطلب", "en": "Approve"},
             "from": ["awaiting_approval"], "to": "approved", "roles": ["supervisor"], "comment": "optional"},
            _reject(["in_review", "inspection", "awaiting_approval"], list(_STAFF)),
            _withdraw(["submitted", "in_review", "awaiting_info", "inspection", "awaiting_approval"]),
        ],
        "escalation": {"role": "supervisor"},
    },
    "approval_payment_issue": {
        "format": WORKFLOW_FORMAT,
        "initial": "submitted",
        "sla_hours": 40,
        "states": [
            _SUBMITTED, _IN_REVIEW, _AWAITING_INFO,
            {"key": "awaiting_payment", "label": {"ar": "بانتظار الدفع", "en": "Waiting for your payment"},
             "waiting_for": "customer", "paid_action": "payment_received"},
            {"key": "issuing", "label": {"ar": "قيد الإصدار", "en": "Being issued"},
             "sla_hours": 8, "waiting_for": "entity"},
            {"key": "issued", "label": {"ar": "صادر", "en": "Issued"}, "terminal": True, "outcome": "approved"},
            _REJECTED, _WITHDRAWN,
        ],
        "actions": [
            _start_review(),
            _request_info(["in_review"]),
            _respond(),
            {"key": "approve", "label": {"ar": "اعتماد الطلب وطلب الدفع", "en": "Approve and ask for payment"},
             "from": ["in_review"], "to": "awaiting_payment", "roles": list(_STAFF), "comment": "optional"},
            {"key": "payment_received", "label": {"ar": "تم استلام الدفعة", "en": "Payment received"},
             "from": ["awaiting_payment"], "to": "issuing", "roles": ["system"], "comment": "none"},
            {"key": "issue", "label": {"ar": "إصدار الوثيقة", "en": "Issue the document"},
             "from": ["issuing"], "to": "issued", "roles": list(_STAFF), "comment": "none"},
            _reject(["in_review"], list(_STAFF)),
            _withdraw(["submitted", "in_review", "awaiting_info", "awaiting_payment"]),
        ],
        "escalation": {"role": "supervisor"},
    },
}
# Copied one by one so the templates share no objects: changing one (a test, an editor's draft) leaves the rest.
TEMPLATES: dict[str, dict] = {name: copy.deepcopy(document) for name, document in _TEMPLATES.items()}
