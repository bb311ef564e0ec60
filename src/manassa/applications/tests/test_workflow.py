"""Workflows as data: the templates are valid, every author error is reported at once, and moves are checked."""

import copy
import json
import random
from pathlib import Path

import pytest
from django.utils import translation

from manassa.applications.workflow import (
    TEMPLATES,
    WORKFLOW_FORMAT,
    Action,
    InvalidWorkflow,
    State,
    TransitionNotAllowed,
    Workflow,
    parse_workflow,
)


@pytest.fixture(autouse=True)
def _english():
    # Author errors are translated; the assertions read the English source.
    with translation.override("en"):
        yield

DOCS = Path(__file__).resolve().parents[4] / "docs" / "workflows.md"


def label(text="Label"):
    return {"ar": "تسمية", "en": text}


def minimal(**root):
    """submitted → done, the smallest valid workflow, with root keys replaced by ``root``."""
    document = {
        "format": WORKFLOW_FORMAT,
        "initial": "submitted",
        "states": [
            {"key": "submitted", "label": label("Submitted")},
            {"key": "done", "label": label("Done"), "terminal": True, "outcome": "approved"},
        ],
        "actions": [{"key": "finish", "label": label("Finish"), "from": ["submitted"], "to": "done",
                     "roles": ["officer"]}],
    }
    document.update(root)
    return document


def errors_of(document):
    with pytest.raises(InvalidWorkflow) as caught:
        parse_workflow(document)
    return caught.value.errors


# --- valid documents -------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_parses(name):
    workflow = parse_workflow(TEMPLATES[name])
    assert isinstance(workflow, Workflow)
    assert workflow.initial == "submitted" and workflow.escalation_role == "supervisor"
    assert workflow.document == TEMPLATES[name]
    terminal = {state.outcome for state in workflow.states.values() if state.terminal}
    assert terminal == {"approved", "rejected", "withdrawn"}
    assert workflow.states["in_review"].sla_hours == 16.0
    assert workflow.actions["withdraw"].roles == frozenset({"customer"})
    for state in workflow.states.values():
        assert state.label["ar"] and state.label["en"]


def test_templates_are_the_three_promised():
    assert set(TEMPLATES) == {"simple_approval", "review_inspection_approval", "approval_payment_issue"}
    simple = parse_workflow(TEMPLATES["simple_approval"])
    assert simple.states["in_review"].label == {"ar": "قيد المراجعة", "en": "In review"}
    assert simple.states["awaiting_info"].label["ar"] == "بانتظار معلومات إضافية منك"
    assert simple.states["awaiting_info"].waiting_for == "customer"
    assert [simple.states[key].label["ar"] for key in ("approved", "rejected", "withdrawn")] == \
        ["معتمد", "مرفوض", "مسحوب"]
    inspection = parse_workflow(TEMPLATES["review_inspection_approval"])
    assert inspection.states["inspection"].sla_hours == 24.0
    payment = parse_workflow(TEMPLATES["approval_payment_issue"])
    assert payment.states["awaiting_payment"].waiting_for == "customer"
    assert payment.check("awaiting_payment", "payment_received", {"system"}).target == "issuing"
    assert payment.states["issued"].outcome == "approved"


def test_the_documented_example_is_the_simple_template():
    example = DOCS.read_text().split("## 6.")[1].split("```json")[1].split("```")[0]
    assert json.loads(example) == TEMPLATES["simple_approval"]


def test_templates_share_nothing():
    TEMPLATES["simple_approval"]["states"][0]["sla_hours"] = 99
    try:
        assert TEMPLATES["review_inspection_approval"]["states"][0]["sla_hours"] == 8
    finally:
        TEMPLATES["simple_approval"]["states"][0]["sla_hours"] = 8


def test_parsed_shape_and_defaults():
    workflow = parse_workflow(minimal(sla_hours=24))
    assert workflow.sla_hours == 24.0 and workflow.escalation_role is None
    assert workflow.states["submitted"] == State(key="submitted", label=label("Submitted"), terminal=False,
                                                 outcome=None, sla_hours=None, waiting_for="entity")
    assert workflow.actions["finish"] == Action(key="finish", label=label("Finish"), sources=("submitted",),
                                                target="done", roles=frozenset({"officer"}), comment="optional")
    with pytest.raises(AttributeError):
        workflow.states["done"].terminal = False  # frozen


def test_explicit_nulls_for_optional_values_are_accepted():
    document = minimal(sla_hours=None, escalation=None)
    document["states"][0].update(outcome=None, sla_hours=None, terminal=False)
    assert parse_workflow(document).sla_hours is None


# --- invalid documents -------------------------------------------------------------------


@pytest.mark.parametrize(("document", "type_"), [(None, "null"), ([], "a list"), ("x", "a string"), (1, "a number")])
def test_not_an_object(document, type_):
    assert errors_of(document) == [f"$: must be an object, not {type_}"]


def test_root_keys():
    assert errors_of({"format": "manassa-workflow/2", "extra": 1}) == [
        "extra: unknown key",
        "actions: required",
        "initial: required",
        "states: required",
        "format: must be 'manassa-workflow/1'",
    ]


def test_all_errors_at_once_with_exact_paths():
    document = copy.deepcopy(TEMPLATES["simple_approval"])
    document["sla_hours"] = 0
    document["escalation"] = {"role": "customer", "when": "now"}
    document["states"][1]["label"] = {"ar": " ", "en": "In review", "fr": "En cours"}
    document["states"][2]["waiting_for"] = "nobody"
    document["states"][3]["outcome"] = "approvedd"
    document["states"][4]["colour"] = "red"
    document["actions"][0]["comment"] = "maybe"
    document["actions"][2]["to"] = "aproved"
    document["actions"][3]["roles"] = ["officer", "boss", "officer"]
    assert errors_of(document) == [
        "sla_hours: must be more than 0 and at most 8760 hours",
        "escalation.when: unknown key",
        "escalation.role: 'customer' is not one of 'officer', 'supervisor', 'admin'",
        "states[1].label.fr: unknown key",
        "states[1].label.ar: must not be empty",
        "states[2].waiting_for: 'nobody' is not one of 'entity', 'customer'",
        "states[3].outcome: 'approvedd' is not one of 'approved', 'rejected', 'withdrawn'",
        "states[4].colour: unknown key",
        "actions[0].comment: 'maybe' is not one of 'required', 'optional', 'none'",
        "actions[2].to: unknown state 'aproved'",
        "actions[3].roles[1]: 'boss' is not one of 'officer', 'supervisor', 'admin', 'customer', 'system'",
        "actions[3].roles[2]: 'officer' is listed twice",
    ]
    assert InvalidWorkflow(["a: b"]).summary(12) == "The workflow has 12 errors."


def test_the_error_shape():
    error = InvalidWorkflow(["initial: required"])
    assert error.code == "invalid_workflow" and error.status == 422
    assert str(error.message) == "The workflow has 1 error."
    assert error.as_dict()["error"]["errors"] == ["initial: required"]


@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: d["states"][0].update(key="Submitted"),
     ["states[0].key: 'Submitted' is not a valid key: lowercase letters, digits and '_', starting with a letter, "
      "at most 40 characters", "initial: unknown state 'submitted'", "actions[0].from[0]: unknown state 'submitted'"]),
    (lambda d: d["states"][1].update(key="submitted"),
     ["states[1].key: 'submitted' is already used at states[0]", "actions[0].to: unknown state 'done'"]),
    (lambda d: d["states"][0].update(key="s" * 41),
     [f"states[0].key: '{'s' * 41}' is not a valid key: lowercase letters, digits and '_', starting with a letter, "
      "at most 40 characters", "initial: unknown state 'submitted'", "actions[0].from[0]: unknown state 'submitted'"]),
    (lambda d: d["actions"].append(copy.deepcopy(d["actions"][0])),
     ["actions[1].key: 'finish' is already used at actions[0]"]),
    (lambda d: d.update(initial="done"),
     ["initial: 'done' is a terminal state; a request must be able to move on from its first state"]),
    (lambda d: d.update(initial="nowhere"), ["initial: unknown state 'nowhere'"]),
    (lambda d: d.update(initial=["submitted"]), ["initial: unknown state [\"submitted\"]"]),
    (lambda d: d["states"][1].pop("outcome"),
     ["states[1].outcome: required for a terminal state: one of 'approved', 'rejected', 'withdrawn'"]),
    (lambda d: d["states"][0].update(outcome="approved"),
     ["states[0].outcome: must be null for a state that is not terminal"]),
    (lambda d: d["states"][0].update(terminal="no"), ["states[0].terminal: must be true or false, not a string"]),
    (lambda d: d["states"][0].update(sla_hours=-1),
     ["states[0].sla_hours: must be more than 0 and at most 8760 hours"]),
    (lambda d: d["states"][0].update(sla_hours=True),
     ["states[0].sla_hours: must be a number of hours, not true/false"]),
    (lambda d: d["states"][0].update(sla_hours=10**400),
     ["states[0].sla_hours: must be more than 0 and at most 8760 hours"]),
    (lambda d: d["states"][0].update(sla_hours=float("nan")),
     ["states[0].sla_hours: must be more than 0 and at most 8760 hours"]),
    (lambda d: d["states"][1].update(sla_hours=8), ["states[1].sla_hours: a terminal state has no time limit"]),
    (lambda d: d["states"][1].update(waiting_for="customer"),
     ["states[1].waiting_for: a terminal state waits for no one"]),
    (lambda d: d["states"][0].update(label={"ar": "مقدم"}), ["states[0].label.en: required"]),
    (lambda d: d["states"][0].update(label="Submitted"), ["states[0].label: must be an object, not a string"]),
    (lambda d: d["states"][0].update(label={"ar": "x" * 201, "en": "x"}),
     ["states[0].label.ar: at most 200 characters (201 given)"]),
    (lambda d: d["states"][0].update(label={"ar": "a\x00", "en": "x"}),
     ["states[0].label.ar: contains characters that cannot be stored (NUL or an unpaired surrogate)"]),
    (lambda d: d["actions"][0].update(to="nowhere"), ["actions[0].to: unknown state 'nowhere'"]),
    (lambda d: d["actions"][0].update({"from": ["submitted", "submitted"]}),
     ["actions[0].from[1]: 'submitted' is listed twice"]),
    (lambda d: d["actions"][0].update({"from": []}), ["actions[0].from: must not be empty"]),
    (lambda d: d["actions"][0].update({"from": "submitted"}), ["actions[0].from: must be a list, not a string"]),
    (lambda d: d["actions"][0].update(roles=[]), ["actions[0].roles: must not be empty"]),
    (lambda d: d["actions"][0].pop("roles"), ["actions[0].roles: required"]),
    (lambda d: d["actions"][0].update(rolls=["officer"]), ["actions[0].rolls: unknown key"]),
    (lambda d: d.update(states=[]), ["states: must not be empty", "initial: unknown state 'submitted'",
                                     "actions[0].from[0]: unknown state 'submitted'",
                                     "actions[0].to: unknown state 'done'"]),
    (lambda d: d.update(actions=[]), ["actions: must not be empty"]),
    (lambda d: d.update(actions={}), ["actions: must be a list, not an object"]),
    (lambda d: d.update(escalation="supervisor"), ["escalation: must be an object, not a string"]),
    (lambda d: d.update(escalation={}), ["escalation.role: required"]),
    (lambda d: d["states"][0].update(paid_action="nothing"), ["states[0].paid_action: unknown action 'nothing'"]),
    (lambda d: d["states"][0].update(paid_action="finish"),
     ["states[0].paid_action: 'finish' must be an action from 'submitted' with the role 'system'"]),
    (lambda d: d["states"][1].update(paid_action="finish"),
     ["states[1].paid_action: a terminal state waits for no payment"]),
    (lambda d: d["states"][0].update(paid_action="Bad Key"),
     ["states[0].paid_action: 'Bad Key' is not a valid key: lowercase letters, digits and '_', starting with a "
      "letter, at most 40 characters"]),
])
def test_invalid_documents(change, expected):
    document = minimal()
    change(document)
    assert errors_of(document) == expected


def test_a_payment_state_names_a_system_action_from_itself():
    document = minimal()
    document["actions"][0]["roles"] = ["officer", "system"]
    document["states"][0]["paid_action"] = "finish"
    workflow = parse_workflow(document)
    assert workflow.states["submitted"].paid_action == "finish"
    assert workflow.states["done"].paid_action is None


def test_actions_out_of_terminal_states_are_refused():
    document = minimal()
    document["actions"].append({"key": "reopen", "label": label(), "from": ["done"], "to": "submitted",
                                "roles": ["supervisor"]})
    assert errors_of(document) == ["actions[1].from[0]: 'done' is a terminal state; no action leads out of it"]


def test_dead_ends_and_unreachable_states():
    document = minimal()
    document["states"] += [
        {"key": "orphan", "label": label()},  # nothing leads here
        {"key": "trap", "label": label()},  # reached, but nothing leads out
        {"key": "loop", "label": label()},  # leads only back to trap
    ]
    document["actions"] += [
        {"key": "park", "label": label(), "from": ["submitted"], "to": "trap", "roles": ["officer"]},
        {"key": "spin", "label": label(), "from": ["trap", "loop"], "to": "loop", "roles": ["officer"]},
        {"key": "leave", "label": label(), "from": ["orphan"], "to": "done", "roles": ["officer"]},
    ]
    assert errors_of(document) == [
        "states[2]: 'orphan' cannot be reached from the initial state 'submitted'",
        "states[3]: no terminal state can be reached from 'trap'",
        "states[4]: no terminal state can be reached from 'loop'",
    ]


def test_graph_errors_come_with_other_errors_but_not_as_echoes():
    document = minimal()
    document["states"].append({"key": "orphan", "label": {"ar": "", "en": "Orphan"}})
    document["states"].append({"key": "end", "label": label(), "terminal": True, "outcome": "rejected"})
    assert errors_of(document) == [
        "states[2].label.ar: must not be empty",
        "states[2]: 'orphan' cannot be reached from the initial state 'submitted'",
        "states[2]: no terminal state can be reached from 'orphan'",
    ]
    # An unknown target is reported once, not again as "unreachable".
    document = minimal()
    document["actions"][0]["to"] = "dne"
    assert errors_of(document) == ["actions[0].to: unknown state 'dne'"]


def test_duplicate_json_keys_are_reported():
    from manassa.applications.formdefs.schema import definition_parse  # the house JSON reader

    text = '{"format": "manassa-workflow/1", "format": "manassa-workflow/1"}'
    assert "format: given more than once" in errors_of(definition_parse(text))


# --- moves -------------------------------------------------------------------------------


@pytest.fixture
def simple():
    return parse_workflow(TEMPLATES["simple_approval"])


def keys(actions):
    return [action.key for action in actions]


def test_available_actions_by_state_and_role(simple):
    assert keys(simple.available_actions("submitted", {"officer"})) == ["start_review"]
    assert keys(simple.available_actions("submitted", {"customer"})) == ["withdraw"]
    assert keys(simple.available_actions("in_review", {"supervisor", "customer"})) == \
        ["request_info", "approve", "reject", "withdraw"]
    assert keys(simple.available_actions("awaiting_info", {"customer"})) == ["respond", "withdraw"]
    assert keys(simple.available_actions("awaiting_info", {"officer"})) == []
    assert simple.available_actions("approved", {"officer", "supervisor", "admin", "customer", "system"}) == []
    assert simple.available_actions("nowhere", {"officer"}) == []
    assert simple.available_actions("in_review", set()) == []


def test_check_returns_the_action(simple):
    action = simple.check("in_review", "approve", {"officer"})
    assert action.target == "approved" and action.comment == "optional"
    assert simple.check("in_review", "request_info", {"supervisor"}).comment == "required"
    assert simple.check("awaiting_info", "respond", {"customer"}).target == "in_review"


@pytest.mark.parametrize(("state", "action", "roles"), [
    ("in_review", "approve", {"customer"}),  # role not allowed
    ("in_review", "approve", set()),
    ("submitted", "approve", {"officer"}),  # not from this state
    ("approved", "withdraw", {"customer"}),  # terminal
    ("in_review", "aprove", {"officer"}),  # unknown action
    ("nowhere", "approve", {"officer"}),
    ("in_review", "respond", {"officer"}),
])
def test_check_refuses(simple, state, action, roles):
    with pytest.raises(TransitionNotAllowed) as caught:
        simple.check(state, action, roles)
    assert caught.value.code == "transition_not_allowed" and caught.value.status == 409
    assert str(caught.value.message) == "This action is not possible for this request now."


def test_approval_needs_a_supervisor_after_inspection():
    workflow = parse_workflow(TEMPLATES["review_inspection_approval"])
    assert keys(workflow.available_actions("awaiting_approval", {"officer"})) == ["reject"]
    assert workflow.check("awaiting_approval", "approve", {"supervisor"}).target == "approved"
    with pytest.raises(TransitionNotAllowed):
        workflow.check("awaiting_approval", "approve", {"officer"})


# --- robustness --------------------------------------------------------------------------


def test_a_workflow_is_never_a_crash():
    """Mutating the templates at random yields errors or a workflow, never another exception."""
    rng = random.Random(20260101)
    junk = [None, True, False, 0, -1, 1.5, 10**400, float("inf"), "", "x", "submitted", "approved", "customer",
            [], {}, [1], ["submitted"], {"a": 1}, [[]], {"ar": "x", "en": "y"}]

    def mutate(node, depth=0):
        if isinstance(node, dict) and node:
            key = rng.choice(list(node))
            roll = rng.random()
            if roll < 0.1:
                del node[key]
            elif roll < 0.15:
                node[rng.choice(["extra", "key", "from", "to", "terminal"])] = rng.choice(junk)
            elif roll < 0.4 or depth > 6:
                node[key] = rng.choice(junk)
            else:
                mutate(node[key], depth + 1)
        elif isinstance(node, list) and node:
            index = rng.randrange(len(node))
            roll = rng.random()
            if roll < 0.1:
                del node[index]
            elif roll < 0.15:
                node.append(copy.deepcopy(node[index]))
            elif roll < 0.4 or depth > 6:
                node[index] = rng.choice(junk)
            else:
                mutate(node[index], depth + 1)

    names = sorted(TEMPLATES)
    outcomes = {"valid": 0, "invalid": 0}
    for _attempt in range(600):
        document = copy.deepcopy(TEMPLATES[rng.choice(names)])
        for _change in range(rng.randint(1, 4)):
            mutate(document)
        try:
            parse_workflow(document)
            outcomes["valid"] += 1
        except InvalidWorkflow as exc:
            outcomes["invalid"] += 1
            assert exc.errors and all(": " in error for error in exc.errors)
    assert outcomes["invalid"] > 300
