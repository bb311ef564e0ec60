"""Checking form definitions: the example is valid, and every author error is reported at once with its path."""

import copy
import json
import re
import time
from pathlib import Path

import pytest
from django.utils import translation

from manassa.applications.formdefs import InvalidFormDefinition, definition_errors, definition_validate
from manassa.applications.formdefs.conditions import AllOf, AnyOf, Compare, Not
from manassa.applications.formdefs.example import EXAMPLE
from manassa.applications.formdefs.patterns import UnsafePattern, pattern_check
from manassa.applications.formdefs.prefill import PREFILL_GETTERS
from manassa.applications.formdefs.schema import PREFILL_SOURCES, DateBound

DOCS = Path(__file__).resolve().parents[4] / "docs" / "forms.md"


@pytest.fixture(autouse=True)
def _english():
    # Author errors are translated; the assertions read the English source.
    with translation.override("en"):
        yield


def label(text="Label"):
    return {"ar": "تسمية", "en": text}


def form(*fields, extra_pages=()):
    return {"format": "manassa-form/1",
            "pages": [{"key": "one", "title": label("One"), "fields": list(fields)}, *extra_pages]}


def field(key, type_="text", **options):
    return {"key": key, "type": type_, "label": label(key), **options}


def errors_of(document):
    return definition_errors(document)


# --- the good example --------------------------------------------------------------


def test_the_documented_example_is_valid_and_parsed():
    definition = definition_validate(EXAMPLE)
    assert [p.key for p in definition.pages] == ["applicant", "permit", "cars", "documents"]
    assert set(definition.fields) >= {"full_name", "vehicles", "plate", "rental_contract", "trade_licence"}
    plate = definition.fields["plate"]
    assert plate.group == "vehicles" and plate.page == "cars" and plate.pattern.compiled.fullmatch("3 12345")
    assert definition.fields["deposit"].max_value == 500000  # fils
    assert definition.fields["birth_date"].max_value == DateBound(text="today-18y", offset=-18, unit="y")
    notes = definition.fields["notes"].show_if
    assert isinstance(notes, AnyOf) and isinstance(notes.conditions[1], AllOf)
    assert isinstance(definition.fields["deposit"].show_if, Not)
    assert definition.page_has_files("cars") and not definition.page_has_files("permit")


def test_the_example_in_the_docs_is_the_tested_one():
    text = DOCS.read_text()
    blocks = re.findall(r"<!-- example -->\n```json\n(.*?)\n```", text, re.S)
    assert len(blocks) == 1, "docs/forms.md marks its complete example with <!-- example -->"
    assert json.loads(blocks[0]) == EXAMPLE


def test_json_text_is_accepted_and_duplicate_keys_are_errors():
    assert definition_validate(json.dumps(EXAMPLE).encode()).fields["plate"].type == "text"
    text = '{"format": "manassa-form/1", "format": "manassa-form/1", "pages": []}'
    assert definition_errors(text) == ["format: given more than once", "pages: must not be empty"]
    with pytest.raises(InvalidFormDefinition) as exc:
        definition_validate("{not json")
    assert exc.value.errors[0].startswith("line 1 column 2: invalid JSON")
    assert definition_errors('{"pages": NaN}') == ["invalid JSON: NaN is not a JSON number"]


def test_the_error_carries_every_problem_and_an_api_shape():
    with pytest.raises(InvalidFormDefinition) as exc:
        definition_validate({"format": "manassa-form/2"})
    assert exc.value.errors == ["pages: required", "format: must be 'manassa-form/1'"]
    body = exc.value.as_dict()["error"]
    assert body["code"] == "invalid_form_definition" and body["errors"] == exc.value.errors
    assert "2 errors" in body["message"]


# --- author errors, all at once -------------------------------------------------------


def test_many_author_errors_are_all_reported_with_their_paths():
    document = {
        "format": "manassa-form/1",
        "title": "extra",
        "pages": [
            {"key": "about", "title": {"ar": "عن"}, "fields": [
                {"key": "kind", "type": "select", "label": label()},
                {"key": "phone", "type": "phone", "label": label()},
                field("name", colour="red", required="yes"),
                field("agree", "yes_no", max_length=3),
                {"key": "Bad Key", "type": "text", "label": label()},
                field("later_ref", show_if={"field": "vehicle_plate", "equals": "x"}),
                field("nowhere_ref", show_if={"field": "ghost", "answered": True}),
                field("self_ref", show_if={"field": "self_ref", "answered": True}),
                field("size", "number", min=10, max=1),
                field("code", pattern={"regex": "(a+)+", "message": label()}),
                field("nick", prefill="profile.mobile"),
            ]},
            {"key": "about", "title": label(), "fields": [
                field("vehicles", "group", fields=[
                    field("name"),
                    field("vehicle_plate", prefill="profile.name_en"),
                    field("inner", "group", fields=[field("deep")]),
                ]),
                field("uses_member", show_if={"field": "vehicle_plate", "equals": "x"}),
                field("agree_check", show_if={"field": "agree", "equals": "yes"}),
                field("kind_check", show_if={"field": "colour_choice", "in": ["red"]}),
                field("doc", "file", content_types=["pdf"], max_size=10**10),
            ]},
        ],
    }
    assert errors_of(document) == [
        "title: unknown key",
        "pages[0].title.en: required",
        "pages[0].fields[0].options: required for select",
        "pages[0].fields[1].type: unknown type 'phone'; expected one of: text, long_text, number, money, date, "
        "select, multi_select, yes_no, emirates_id, mobile, email, address, file, group",
        "pages[0].fields[2].colour: unknown key",
        "pages[0].fields[2].required: must be true or false, not a string",
        "pages[0].fields[3].max_length: not allowed for yes_no",
        "pages[0].fields[4].key: 'Bad Key' is not a valid key: lowercase letters, digits and '_', starting with "
        "a letter, at most 40 characters",
        "pages[0].fields[5].show_if.field: 'vehicle_plate' comes later in the form; a condition may only refer "
        "to fields before it",
        "pages[0].fields[6].show_if.field: 'ghost' is not a field of this form",
        "pages[0].fields[7].show_if.field: a field cannot depend on itself",
        "pages[0].fields[8].min: must not be greater than max",
        "pages[0].fields[9].pattern.regex: refused: a repeated group may not contain a quantifier or '|' "
        "(nested repetition) (at character 6)",
        "pages[0].fields[10].prefill: profile.mobile fills mobile fields, not text",
        "pages[1].key: 'about' is already used at pages[0]",
        "pages[1].fields[0].fields[0].key: 'name' is already used at pages[0].fields[2]",
        "pages[1].fields[0].fields[1].prefill: not available inside a group",
        "pages[1].fields[0].fields[2].type: a group cannot contain another group",
        "pages[1].fields[1].show_if.field: 'vehicle_plate' is inside the group 'vehicles'; only fields of the "
        "same group can refer to it",
        "pages[1].fields[2].show_if.equals: must be true or false, not a string",
        "pages[1].fields[3].show_if.field: 'colour_choice' is not a field of this form",
        "pages[1].fields[4].content_types[0]: 'pdf' is not a content type like 'application/pdf' or 'image/*'",
        "pages[1].fields[4].max_size: must be between 1 and 52428800",
    ]


@pytest.mark.parametrize(("document", "expected"), [
    ([], ["$: must be an object, not a list"]),
    ({"format": "manassa-form/1", "pages": "x"}, ["pages: must be a list, not a string"]),
    ({"format": "manassa-form/1", "pages": [{"key": "p", "title": label(), "fields": []}]},
     ["pages[0].fields: must not be empty"]),
    (form(field("a", "select", options=[])), ["pages[0].fields[0].options: must not be empty"]),
    (form(field("a", "select", options=[{"value": "x", "label": label()}, {"value": "x", "label": label()},
                                        {"value": "has space", "label": label()}, {"value": "y"}])),
     ["pages[0].fields[0].options[1].value: 'x' is already used at pages[0].fields[0].options[0]",
      "pages[0].fields[0].options[2].value: 'has space' is not a valid option value: letters, digits, '_', '.' "
      "and '-', at most 64 characters",
      "pages[0].fields[0].options[3].label: required"]),
    (form(field("a", "select", display="list", options=[{"value": "x", "label": label()}])),
     ["pages[0].fields[0].display: must be 'dropdown' or 'radios'"]),
    (form(field("a", "multi_select", options=[{"value": "x", "label": label()}], max_choices=2)),
     ["pages[0].fields[0].max_choices: must be between 1 and 1"]),
    (form(field("a", label={"ar": " ", "en": "x" * 201, "fr": "x"})),
     ["pages[0].fields[0].label.fr: unknown key", "pages[0].fields[0].label.ar: must not be empty",
      "pages[0].fields[0].label.en: at most 200 characters (201 given)"]),
    (form({"type": "text"}), ["pages[0].fields[0].key: required", "pages[0].fields[0].label: required"]),
    (form(field("a", "text", max_length=500, min_length=-1, lang="fr", autocomplete="tel")),
     ["pages[0].fields[0].min_length: must be between 0 and 200",
      "pages[0].fields[0].max_length: must be between 1 and 200",
      "pages[0].fields[0].lang: must be 'ar' or 'en'",
      "pages[0].fields[0].autocomplete: 'tel' is not one of: name, honorific-prefix, given-name, "
      "additional-name, family-name, nickname, organization, organization-title, off"]),
    (form(field("a", "long_text", min_length=10, max_length=5)),
     ["pages[0].fields[0].min_length: must not be greater than max_length"]),
    (form(field("a", "long_text", pattern={"regex": "x", "message": label()})),
     ["pages[0].fields[0].pattern: not allowed for long_text"]),
    (form(field("a", "number", min=True, max=1e20, decimals=7)),
     ["pages[0].fields[0].decimals: must be between 0 and 6", "pages[0].fields[0].min: must be a number, not "
      "true/false", "pages[0].fields[0].max: must be smaller than 10^15 in magnitude"]),
    (form(field("a", "money", min="1.005", max=150, currency="XYZ")),
     ["pages[0].fields[0].currency: 'XYZ' is not one of: AED, USD, SAR, EUR",
      "pages[0].fields[0].min: '1.005' is not an amount written like \"150.00\"",
      "pages[0].fields[0].max: 150 is not an amount written like \"150.00\""]),
    (form(field("a", "money", min="200", max="100.50")), ["pages[0].fields[0].min: must not be greater than max"]),
    (form(field("a", "date", min="2026-02-30", max="tomorrow")),
     ["pages[0].fields[0].min: '2026-02-30' is not a date like \"2026-01-31\", \"today\" or \"today-18y\"",
      "pages[0].fields[0].max: 'tomorrow' is not a date like \"2026-01-31\", \"today\" or \"today-18y\""]),
    (form(field("a", "date", min="today+1d", max="today-1d")),
     ["pages[0].fields[0].min: must not be greater than max"]),
    (form(field("a", "date", min="2027-01-01", max="2026-01-01")),
     ["pages[0].fields[0].min: must not be greater than max"]),
    (form(field("a", "address", emirates=["SHJ", "SHJ", "XX"])),
     ["pages[0].fields[0].emirates[1]: 'SHJ' is listed twice",
      "pages[0].fields[0].emirates[2]: 'XX' is not one of: AUH, DXB, SHJ, AJM, UAQ, RAK, FUJ"]),
    (form(field("a", "file")), ["pages[0].fields[0].content_types: required for file",
                                "pages[0].fields[0].max_size: required for file"]),
    (form(field("a", "file", content_types=["image/png", "image/png"], max_size=0)),
     ["pages[0].fields[0].content_types[1]: 'image/png' is listed twice",
      "pages[0].fields[0].max_size: must be between 1 and 52428800"]),
    (form(field("g", "group", fields=[], required=True, min_items=5, max_items=2)),
     ["pages[0].fields[0].required: not allowed for group", "pages[0].fields[0].min_items: must not be greater "
      "than max_items", "pages[0].fields[0].fields: must not be empty"]),
    (form(field("g", "group")), ["pages[0].fields[0].fields: required for group"]),
    (form(field("a", "mobile", prefill="profile.address")),
     ["pages[0].fields[0].prefill: 'profile.address' is not one of: profile.name_ar, profile.name_en, "
      "profile.emirates_id, profile.mobile, profile.email"]),
    (form(field("a", "number", prefill="profile.mobile")), ["pages[0].fields[0].prefill: not allowed for number"]),
])
def test_author_errors(document, expected):
    assert errors_of(document) == expected


# --- conditions --------------------------------------------------------------------


def choice_form(condition, *, target_type="select"):
    options = [{"value": "a", "label": label()}, {"value": "b", "label": label()}]
    target = field("target", target_type, **({"options": options} if "select" in target_type else {}))
    return form(target, field("dependent", show_if=condition))


@pytest.mark.parametrize(("condition", "expected"), [
    ({"field": "target", "equals": "c"}, ["pages[0].fields[1].show_if.equals: 'c' is not an option of 'target'"]),
    ({"field": "target", "in": ["a", "z"]}, ["pages[0].fields[1].show_if.in[1]: 'z' is not an option of 'target'"]),
    ({"field": "target", "in": []}, ["pages[0].fields[1].show_if.in: must not be empty"]),
    ({"field": "target", "equals": "a", "answered": True},
     ["pages[0].fields[1].show_if: needs exactly one of 'equals', 'in' or 'answered'"]),
    ({"field": "target", "contains": "a"}, ["pages[0].fields[1].show_if.contains: unknown key",
                                            "pages[0].fields[1].show_if: needs exactly one of 'equals', 'in' or "
                                            "'answered'"]),
    ({"field": "target", "answered": "yes"}, ["pages[0].fields[1].show_if.answered: must be true or false, "
                                              "not a string"]),
    ({"all": []}, ["pages[0].fields[1].show_if.all: must not be empty"]),
    ({"any": [{"field": "target", "equals": "a"}], "not": {}},
     ["pages[0].fields[1].show_if.not: unknown key"]),
    ({"not": "target"}, ["pages[0].fields[1].show_if.not: must be an object, not a string"]),
    ({"equals": "a"}, ["pages[0].fields[1].show_if: expected one of the keys 'field', 'all', 'any' or 'not'"]),
    ("target == 'a'", ["pages[0].fields[1].show_if: must be an object, not a string"]),
    ({"field": 3, "equals": "a"}, ["pages[0].fields[1].show_if.field: must be a string, not a number"]),
])
def test_condition_errors(condition, expected):
    assert errors_of(choice_form(condition)) == expected


def test_condition_depth_and_size_are_limited():
    deep = {"field": "target", "equals": "a"}
    for _level in range(9):
        deep = {"not": deep}
    assert errors_of(choice_form(deep)) == [
        "pages[0].fields[1].show_if.not.not.not.not.not.not.not.not: nested more than 8 levels deep"]
    wide = {"any": [{"field": "target", "equals": "a"}] * 50}
    assert errors_of(choice_form(wide)) == ["pages[0].fields[1].show_if.any[49]: a condition may have at most "
                                            "50 parts"]


@pytest.mark.parametrize(("target_type", "operand", "expected"), [
    ("number", "5", ["pages[0].fields[1].show_if.equals: must be a number, not a string"]),
    ("money", 5, ["pages[0].fields[1].show_if.equals: 5 is not an amount written like \"150.00\""]),
    ("date", "31/12/2026", ["pages[0].fields[1].show_if.equals: '31/12/2026' is not a date like \"2026-01-31\""]),
    ("mobile", "12", ["pages[0].fields[1].show_if.equals: Enter a UAE mobile number, for example 050 123 4567 or "
                      "+971 50 123 4567."]),
    ("text", True, ["pages[0].fields[1].show_if.equals: must be a string, not true/false"]),
    ("address", "x", ["pages[0].fields[1].show_if.field: a condition cannot test a address field"]),
])
def test_condition_operands_must_match_the_field_type(target_type, operand, expected):
    assert errors_of(choice_form({"field": "target", "equals": operand}, target_type=target_type)) == expected


def test_condition_operands_are_normalised_like_answers():
    definition = definition_validate(form(
        field("phone", "mobile"), field("amount", "money"), field("count", "number"),
        field("a", show_if={"field": "phone", "equals": "050 123 4567"}),
        field("b", show_if={"field": "amount", "in": ["150", "99.5"]}),
        field("c", show_if={"field": "count", "equals": 2.5}),
    ))
    assert definition.fields["a"].show_if == Compare("phone", "equals", "+971501234567")
    assert definition.fields["b"].show_if == Compare("amount", "in", (15000, 9950))
    assert definition.fields["c"].show_if.value == 2.5 and definition.fields["c"].show_if.numeric


def test_page_conditions_refer_to_earlier_pages_only():
    second = {"key": "two", "title": label(), "show_if": {"field": "late", "answered": True},
              "fields": [field("late")]}
    assert errors_of(form(field("early"), extra_pages=[second])) == [
        "pages[1].show_if.field: 'late' comes later in the form; a condition may only refer to fields before it"]
    second["show_if"] = {"field": "early", "answered": True}
    assert errors_of(form(field("early"), extra_pages=[second])) == []


def test_group_members_may_refer_to_earlier_members_and_to_fields_outside():
    document = form(field("outside", "yes_no"), field("items", "group", fields=[
        field("kind", "yes_no"),
        field("detail", show_if={"all": [{"field": "kind", "equals": True}, {"field": "outside", "equals": True}]}),
        field("itself", show_if={"field": "items", "answered": True}),
    ]))
    assert errors_of(document) == ["pages[0].fields[1].fields[2].show_if.field: a condition cannot test a group field"]


def test_broken_fields_do_not_cause_follow_on_errors():
    document = form(field("target", "select"), field("dependent", show_if={"field": "target", "equals": "a"}))
    assert errors_of(document) == ["pages[0].fields[0].options: required for select"]


def test_limits_on_size():
    many = form(*[field(f"f{index}") for index in range(101)])
    assert errors_of(many) == ["pages[0].fields: at most 100 items (101 given)"]
    assert "at most 50 items" in errors_of({"format": "manassa-form/1", "pages": [{}] * 51})[0]


def test_a_definition_is_never_a_crash():
    """Mutating the example at random yields errors or a definition, never an exception."""
    import random

    rng = random.Random(20260101)
    junk = [None, True, 0, -1, 1.5, "", "x", "today", [], {}, [1], {"a": 1}, "784", {"field": "full_name"}]

    def mutate(node, depth=0):
        if isinstance(node, dict) and node:
            key = rng.choice(list(node))
            if rng.random() < 0.3 or depth > 6:
                node[key] = rng.choice(junk)
            else:
                mutate(node[key], depth + 1)
        elif isinstance(node, list) and node:
            index = rng.randrange(len(node))
            if rng.random() < 0.3 or depth > 6:
                node[index] = rng.choice(junk)
            else:
                mutate(node[index], depth + 1)

    for _attempt in range(400):
        document = copy.deepcopy(EXAMPLE)
        for _change in range(rng.randint(1, 4)):
            mutate(document)
        try:
            definition_validate(document)
        except InvalidFormDefinition as exc:
            assert exc.errors and all(": " in error for error in exc.errors)


# --- patterns ------------------------------------------------------------------------------


@pytest.mark.parametrize("pattern", [
    r"[A-Z]{1,3} ?[0-9]{1,5}", r"(?:\+971|0)?5[0-9]{8}", r"[\u0621-\u064A ]+", r"[A-Za-z][A-Za-z '-]*",
    r"CN-[0-9]{7}", r"^[0-9]+$", r"\d{3}-\d{4}", r"(?:-[0-9]{3})?", r".*x.*y", r"(a{2}){2}",
])
def test_ordinary_patterns_are_accepted(pattern):
    assert pattern_check(pattern).pattern == pattern


@pytest.mark.parametrize(("pattern", "reason"), [
    (r"(a+)+", "nested repetition"), (r"(a|ab)*c", "nested repetition"), (r"(\w+\s?)*", "nested repetition"),
    (r"a*a*a*b", "too many ways"), (r"\S+@\S+\.\S+", "too many ways"), ("a?" * 20 + "a" * 20, "too many ways"),
    (r"(?=a)", "only plain groups"), (r"(?<!a)b", "only plain groups"), (r"(?P<x>a)", "only plain groups"),
    (r"(?i)a", "only plain groups"), (r"(a)\1", "escape '\\1'"), (r"\bword", "escape '\\b'"),
    (r"a*?", "lazy and possessive"), (r"a++", "lazy and possessive"), (r"a{1,1000}", "repeat count"),
    (r"a{3,2}", "m ≤ n"), ("[a-z", "not closed"), ("(ab", "not closed"), ("ab)", "unbalanced"),
    ("[[a]]", "escape '['"), ("[a--b]", "reserved"), ("*a", "nothing to repeat"), ("^*", "nothing to repeat"),
    ("", "empty"), ("a" * 201, "longer than 200"), (r"[z-a]", "not a valid regular expression"),
    ("a\\", "ends with"), (r"\u12", "four hexadecimal"),
])
def test_dangerous_or_unsupported_patterns_are_refused(pattern, reason):
    with pytest.raises(UnsafePattern) as exc:
        pattern_check(pattern)
    assert reason in str(exc.value)


@pytest.mark.parametrize("pattern", [r"a*a*b", r".*x.*y", "a?" * 15 + "a", "(?:a|a)" * 15 + "b",
                                     r"a{0,200}a{0,200}b"])
def test_accepted_patterns_stay_fast_on_hostile_input(pattern):
    compiled = pattern_check(pattern)
    started = time.perf_counter()
    for text in ["a" * 200, "a" * 199 + "!", "a" * 16, "x" * 100 + "y" * 99 + "!"]:
        compiled.fullmatch(text)
    assert time.perf_counter() - started < 0.25


def test_every_prefill_source_has_a_getter():
    assert set(PREFILL_GETTERS) == set(PREFILL_SOURCES)


def test_relative_dates_clamp_to_the_end_of_the_month():
    import datetime

    leap_day = datetime.date(2024, 2, 29)
    assert DateBound("today-1y", offset=-1, unit="y").resolve(leap_day) == datetime.date(2023, 2, 28)
    assert DateBound("today+1m", offset=1, unit="m").resolve(datetime.date(2026, 1, 31)) == datetime.date(2026, 2, 28)
    assert DateBound("today-30d", offset=-30, unit="d").resolve(datetime.date(2026, 3, 1)) == datetime.date(2026, 1, 30)
