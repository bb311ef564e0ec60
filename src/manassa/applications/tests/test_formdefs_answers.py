"""Cleaning answers against a definition: every type, conditions, groups, form posts and JSON, prefill."""

import json
import random

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.http import QueryDict
from django.utils import translation

from manassa.accounts.models import User
from manassa.accounts.validators import luhn_valid
from manassa.applications.formdefs import (
    GroupAction,
    answers_apply_group_action,
    answers_as_input,
    answers_clean,
    answers_from_json,
    answers_from_querydict,
    answers_validate,
    definition_validate,
    group_action_from_querydict,
    prefill,
    validate_file,
)
from manassa.applications.formdefs.example import EXAMPLE
from manassa.core.errors import InvalidInput


def _with_check_digit(first14: str) -> str:
    return next(first14 + d for d in "0123456789" if luhn_valid(first14 + d))


EID = _with_check_digit("78419901234567")
EID_DASHED = f"{EID[:3]}-{EID[3:7]}-{EID[7:14]}-{EID[14]}"


@pytest.fixture(autouse=True)
def _english_and_a_fixed_day():
    with translation.override("en"), time_machine.travel("2026-03-01 10:00 +04:00", tick=False):
        yield


def label(text):
    return {"ar": "تسمية", "en": text}


def options(*values):
    return [{"value": v, "label": {"ar": f"خيار {v}", "en": f"Option {v}"}} for v in values]


def one_page(*fields):
    return definition_validate({"format": "manassa-form/1",
                                "pages": [{"key": "p", "title": label("Page"), "fields": list(fields)}]})


def f(key, type_="text", **more):
    return {"key": key, "type": type_, "label": label(key.replace("_", " ").capitalize()), **more}


def clean_one(field, raw):
    """``(value or None, [messages])`` for one answer to a one-field form."""
    definition = one_page(field)
    result = answers_clean(definition, {field["key"]: raw})
    return result.values.get(field["key"]), result.messages().get(field["key"], [])


def full_answers():
    """Raw answers to the example that are all valid, as a person would type them."""
    return {
        "full_name": "  علي أحمد ", "name_latin": "Ali Ahmed", "emirates_id": EID, "mobile": "050 123 4567",
        "email": "Ali@Example.AE", "birth_date": "31/12/1990",
        "home": {"emirate": "shj", "area": "Al Majaz", "street": "", "building": "Tower 5"},
        "permit_type": "business", "company_name": "Ali Trading", "months": "6", "zones": ["Z2", "Z1"],
        "start_date": "2026-03-10", "deposit": "1,250.5",
        "has_vehicle": "yes", "vehicles": [
            {"plate": "3 12345", "rented": "no"},
            {"plate": "A 777", "rented": "yes",
             "rental_contract": {"ref": "upload/abc", "name": "contract.pdf", "content_type": "application/pdf",
                                 "size": 1000}},
        ],
        "notes": "Line one\r\nLine two",
        "trade_licence": {"ref": "upload/lic", "name": "licence.pdf", "content_type": "application/pdf",
                          "size": 2000},
    }


CLEANED = {
    "full_name": "علي أحمد", "name_latin": "Ali Ahmed", "emirates_id": EID_DASHED, "mobile": "+971501234567",
    "email": "Ali@example.ae", "birth_date": "1990-12-31",
    "home": {"emirate": "SHJ", "area": "Al Majaz", "street": "", "building": "Tower 5"},
    "permit_type": "business", "company_name": "Ali Trading", "months": 6, "zones": ["Z1", "Z2"],
    "start_date": "2026-03-10", "deposit": 125050,
    "has_vehicle": True, "vehicles": [
        {"plate": "3 12345", "rented": False},
        {"plate": "A 777", "rented": True,
         "rental_contract": {"ref": "upload/abc", "name": "contract.pdf", "content_type": "application/pdf",
                             "size": 1000}},
    ],
    "notes": "Line one\nLine two",
    "trade_licence": {"ref": "upload/lic", "name": "licence.pdf", "content_type": "application/pdf", "size": 2000},
}


def test_a_complete_application_cleans_to_normalised_values():
    result = answers_clean(EXAMPLE, full_answers())
    assert result.errors == {}
    assert result.values == CLEANED
    assert result.pages_shown == ["applicant", "permit", "cars", "documents"]
    json.dumps(result.values)  # storable as is


def test_cleaned_answers_shown_back_clean_to_the_same_values():
    definition = definition_validate(EXAMPLE)
    again = answers_clean(definition, answers_as_input(definition, CLEANED))
    assert again.errors == {} and again.values == CLEANED
    assert answers_as_input(definition, CLEANED)["deposit"] == "1250.50"
    assert answers_as_input(definition, CLEANED)["vehicles"][0]["rented"] == "no"


def test_answers_validate_raises_one_invalid_input_with_every_message():
    with pytest.raises(InvalidInput) as exc:
        answers_validate(EXAMPLE, {**full_answers(), "mobile": "123", "months": "13"})
    assert exc.value.fields == {"mobile": ["Enter a UAE mobile number, for example 050 123 4567 or +971 50 123 4567."],
                                "months": ["Enter 12 or less."]}
    assert answers_validate(EXAMPLE, full_answers()) == CLEANED


# --- each type --------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "value", "messages"), [
    ("  Ali  ", "Ali", []),
    ("e\u0301x", "\u00e9x", []),  # NFC
    ("", None, []),
    ("   ", None, []),
    ("x" * 20, "x" * 20, []),
    ("x" * 21, None, ["Enter at most 20 characters."]),
    ("x", None, ["Enter at least 2 characters."]),
    ("two\nlines", None, ["Remove the special characters this answer cannot contain."]),
    ("nul\x00", None, ["Remove the special characters this answer cannot contain."]),
    ("bell\x07", None, ["Remove the special characters this answer cannot contain."]),
    ("\ud800x", None, ["Remove the special characters this answer cannot contain."]),
    (12345, "12345", []),
    (["a"], None, ["Enter text."]),
    (True, None, ["Enter text."]),
    ("x" * 30000, None, ["This answer is too long."]),
])
def test_text(raw, value, messages):
    assert clean_one(f("name", min_length=2, max_length=20), raw) == (value, messages)


def test_text_pattern_message_is_the_authors_in_the_active_language():
    field = f("plate", pattern={"regex": "[A-Z]{1,2} [0-9]{1,5}", "message": {"ar": "رقم غير صحيح", "en": "Bad plate"}})
    assert clean_one(field, "AB 123") == ("AB 123", [])
    result = answers_clean(one_page(field), {"plate": "ab 123"})
    assert result.messages() == {"plate": ["Bad plate"]}
    with translation.override("ar"):
        assert result.messages() == {"plate": ["رقم غير صحيح"]}


def test_long_text_keeps_lines_and_has_a_default_limit():
    assert clean_one(f("notes", "long_text"), "a\r\nb\rc\n") == ("a\nb\nc", [])
    assert clean_one(f("notes", "long_text"), "x" * 2000)[1] == []
    assert clean_one(f("notes", "long_text"), "x" * 2001)[1] == ["Enter at most 2000 characters."]
    assert clean_one(f("notes", "long_text", max_length=5000), "x" * 4000)[1] == []


@pytest.mark.parametrize(("raw", "value", "messages"), [
    ("12", 12, []), (" ١٢ ", 12, []), ("1,000", None, ["Enter 100 or less."]), ("007", 7, []), (12, 12, []),
    (12.0, 12, []),
    ("1", 1, []), ("100", 100, []), ("0", None, ["Enter 1 or more."]), ("101", None, ["Enter 100 or less."]),
    ("12.5", None, ["Enter a whole number."]), ("1,00", None, ["Enter a number, for example 12."]),
    ("twelve", None, ["Enter a number, for example 12."]), ("1e3", None, ["Enter a number, for example 12."]),
    (True, None, ["Enter a number, for example 12."]), (10**16, None, ["Enter a number, for example 12."]),
    (float("nan"), None, ["Enter a number, for example 12."]),
    (float("inf"), None, ["Enter a number, for example 12."]),
    ("9" * 5000, None, ["Enter a number, for example 12."]), ([1], None, ["Enter a number, for example 12."]),
])
def test_whole_number(raw, value, messages):
    assert clean_one(f("count", "number", min=1, max=100), raw) == (value, messages)


@pytest.mark.parametrize(("raw", "value", "messages"), [
    ("2.5", "2.50", []), ("-0.75", "-0.75", []), ("٢٫٥", "2.50", []), (2.25, "2.25", []), ("-1", "-1.00", []),
    ("2.505", None, ["Enter a number with at most 2 decimal places."]), ("-1.01", None, ["Enter -1 or more."]),
    ("10.5", None, ["Enter 10.25 or less."]), ("10.25", "10.25", []), ("2.500", "2.50", []),
])
def test_number_with_decimals(raw, value, messages):
    assert clean_one(f("ratio", "number", decimals=2, min=-1, max=10.25), raw) == (value, messages)


@pytest.mark.parametrize(("raw", "value", "messages"), [
    ("150.50", 15050, []), ("150.5", 15050, []), ("150", 15000, []), ("1,250.00", 125000, []),
    ("١٥٠٫٥٠", 15050, []), (150, 15000, []), (150.5, 15050, []), ("  10.00 ", 1000, []),
    ("10.00", 1000, []), ("5000", 500000, []),
    ("9.99", None, ["Enter an amount of 10.00 AED or more."]),
    ("5000.01", None, ["Enter an amount of 5,000.00 AED or less."]),
    ("1.005", None, ["Enter an amount, for example 150.50."]), ("-5", None, ["Enter an amount, for example 150.50."]),
    ("AED 5", None, ["Enter an amount, for example 150.50."]),
    (0.1 + 0.2, None, ["Enter an amount, for example 150.50."]),
    (False, None, ["Enter an amount, for example 150.50."]),
])
def test_money_is_typed_in_dirhams_and_kept_in_fils(raw, value, messages):
    assert clean_one(f("fee", "money", min="10.00", max="5000"), raw) == (value, messages)


def test_money_limits_are_formatted_in_the_language_shown():
    result = answers_clean(one_page(f("fee", "money", min="10.00")), {"fee": "1"})
    assert result.messages() == {"fee": ["Enter an amount of 10.00 AED or more."]}
    with translation.override("ar"):
        assert "10.00 درهم" in result.messages()["fee"][0]


@pytest.mark.parametrize(("raw", "value", "messages"), [
    ("2026-03-01", "2026-03-01", []), ("01/03/2026", "2026-03-01", []), ("1-3-2026", "2026-03-01", []),
    ("٠١/٠٣/٢٠٢٦", "2026-03-01", []), ("2026-05-30", "2026-05-30", []),
    ("2026-02-28", None, ["Enter a date on or after 1 March 2026."]),
    ("2026-05-31", None, ["Enter a date on or before 30 May 2026."]),
    ("2026-02-30", None, ["Enter a real date, for example 31/12/1990."]),
    ("30/02/2026", None, ["Enter a real date, for example 31/12/1990."]),
    ("tomorrow", None, ["Enter a real date, for example 31/12/1990."]),
    (20260301, None, ["Enter a real date, for example 31/12/1990."]),
])
def test_date_with_limits_relative_to_today_in_dubai(raw, value, messages):
    assert clean_one(f("start", "date", min="today", max="today+90d"), raw) == (value, messages)


def test_date_limits_are_shown_in_the_active_language():
    result = answers_clean(one_page(f("born", "date", max="today-18y")), {"born": "2010-01-01"})
    assert result.messages() == {"born": ["Enter a date on or before 1 March 2008."]}
    with translation.override("ar"):
        assert "مارس 2008" in result.messages()["born"][0]


@pytest.mark.parametrize(("raw", "value", "messages"), [
    ("b", "b", []), ("", None, []), ("z", None, ["Select one of the options shown."]),
    (["b"], None, ["Select one of the options shown."]), (1, None, ["Select one of the options shown."]),
])
def test_select(raw, value, messages):
    assert clean_one(f("kind", "select", options=options("a", "b")), raw) == (value, messages)


@pytest.mark.parametrize(("raw", "value", "messages"), [
    (["c", "a"], ["a", "c"], []), (["a", "a", ""], ["a"], []), ([], None, []), ([""], None, []),
    (["a", "b", "c"], None, ["Select at most 2 options."]), (["z"], None, ["Select only the options shown."]),
    ("a", None, ["Select from the options shown."]), ([["a"]], None, ["Select only the options shown."]),
    (["a"] * 1000, None, ["Select only the options shown."]),
])
def test_multi_select(raw, value, messages):
    assert clean_one(f("kinds", "multi_select", options=options("a", "b", "c"), max_choices=2), raw) == (value,
                                                                                                          messages)


def test_multi_select_minimum_and_required():
    field = f("kinds", "multi_select", options=options("a", "b", "c"), min_choices=2, required=True)
    assert clean_one(field, ["a"]) == (None, ["Select at least 2 options."])
    assert clean_one(field, []) == (None, ["Select at least one option."])


@pytest.mark.parametrize(("raw", "value", "messages"), [
    ("yes", True, []), ("no", False, []), (True, True, []), (False, False, []), (" Yes ", True, []),
    ("", None, ["Select an option."]), (None, None, ["Select an option."]),
    ("maybe", None, ["Select yes or no."]), (1, None, ["Select yes or no."]),
])
def test_yes_no_where_no_is_an_answer(raw, value, messages):
    assert clean_one(f("agree", "yes_no", required=True), raw) == (value, messages)


@pytest.mark.parametrize(("raw", "value", "messages"), [
    (EID, EID_DASHED, []), (EID_DASHED.replace("-", " "), EID_DASHED, []),
    (EID[:14] + str((int(EID[14]) + 1) % 10), None, ["This Emirates ID number is not valid: check the digits."]),
    ("12345", None, ["Enter the Emirates ID as 784-YYYY-NNNNNNN-C (15 digits starting with 784)."]),
    (EID + " " * 60 + "x", None, ["Enter the Emirates ID as 784-YYYY-NNNNNNN-C (15 digits starting with 784)."]),
])
def test_emirates_id_uses_the_accounts_rules(raw, value, messages):
    assert clean_one(f("eid", "emirates_id"), raw) == (value, messages)


def test_emirates_id_error_keeps_the_accounts_code():
    result = answers_clean(one_page(f("eid", "emirates_id")), {"eid": "784"})
    assert result.errors["eid"][0].code == "emirates_id_format"


@pytest.mark.parametrize(("raw", "value"), [("0501234567", "+971501234567"), ("+971 55 123 4567", "+971551234567"),
                                            ("٠٥٤١٢٣٤٥٦٧", "+971541234567")])
def test_mobile_is_normalised(raw, value):
    assert clean_one(f("phone", "mobile"), raw) == (value, [])


def test_mobile_and_email_errors():
    assert clean_one(f("phone", "mobile"), "0412345678")[1] == [
        "Enter a UAE mobile number, for example 050 123 4567 or +971 50 123 4567."]
    assert clean_one(f("mail", "email"), " Name@Example.COM ") == ("Name@example.com", [])
    for bad in ("name", "a@b", "@example.com", "x" * 250 + "@example.com"):
        assert clean_one(f("mail", "email"), bad)[1] == ["Enter an e-mail address, for example name@example.com."]


def test_address():
    field = f("home", "address", required=True, emirates=["SHJ", "AJM"])
    full = {"emirate": "ajm", "area": "Al Nuaimia", "street": "Street 5", "building": ""}
    assert clean_one(field, full) == ({**full, "emirate": "AJM"}, [])
    result = answers_clean(one_page(field), {"home": {"emirate": "DXB", "street": "x", "floor": "3"}})
    assert result.messages() == {"home.floor": ["This question is not part of the form."],
                                 "home.emirate": ["Select one of the emirates shown."]}
    result = answers_clean(one_page(field), {"home": {"street": "Street 5"}})
    assert result.messages() == {"home.emirate": ["Select the emirate."], "home.area": ["Enter the area."]}
    assert clean_one(field, {"emirate": "", "area": " "}) == (None, ["This field is required."])
    assert clean_one(field, "Sharjah") == (None, ["Enter the address."])
    assert clean_one(field, {"emirate": "SHJ", "area": "x" * 201})[1] == []  # reported at home.area
    assert answers_clean(one_page(field), {"home": {"emirate": "SHJ", "area": "x" * 201}}).messages() == {
        "home.area": ["Enter at most 200 characters."]}


FILE_FIELD = f("doc", "file", required=True, content_types=["application/pdf", "image/*"], max_size=1024 * 1024)


@pytest.mark.parametrize(("raw", "messages"), [
    ({"ref": "u/1", "name": "a.pdf", "content_type": "application/pdf", "size": 10}, []),
    ({"ref": "u/1", "name": "a.png", "content_type": "image/png", "size": 1024 * 1024}, []),
    ({"ref": "u/1", "name": "a.pdf", "content_type": "application/pdf; charset=binary", "size": 10}, []),
    ({"ref": "u/1", "name": "a.png", "content_type": "image/png", "size": 1024 * 1024 + 1},
     ["The file must be 1.0\xa0MB or smaller."]),
    ({"ref": "u/1", "name": "a.exe", "content_type": "application/x-msdownload", "size": 10},
     ["The file must be one of these types: PDF, any image."]),
    ({"ref": "u/1", "name": "a.pdf", "content_type": "application/pdf", "size": 0}, ["The file is empty."]),
    ({"ref": "u/1", "name": "a.pdf", "content_type": "application/pdf", "size": "10"}, ["Upload the file again."]),
    ({"ref": "", "name": "a.pdf", "content_type": "application/pdf", "size": 10}, ["Upload the file again."]),
    ({"name": "a.pdf"}, ["Upload the file again."]),
    ("a.pdf", ["Upload the file again."]),
    (None, ["Upload a file."]),
])
def test_file_metadata_is_checked_against_the_declaration(raw, messages):
    assert clean_one(FILE_FIELD, raw)[1] == messages


def test_validate_file_is_the_hook_for_uploads():
    field = one_page(FILE_FIELD).fields["doc"]
    validate_file(field, content_type="image/jpeg", size=5)
    with pytest.raises(Exception) as exc:
        validate_file(field, content_type="text/html", size=5)
    assert exc.value.code == "content_type"


# --- conditions --------------------------------------------------------------------------


CONDITIONAL = [
    f("has_car", "yes_no", required=True),
    f("plate", required=True, show_if={"field": "has_car", "equals": True}),
    f("kind", "select", options=options("a", "b", "c")),
    f("colours", "multi_select", options=options("red", "blue")),
    f("count", "number"),
    f("reason", required=True, show_if={"any": [
        {"all": [{"field": "has_car", "equals": False}, {"field": "kind", "in": ["a", "b"]}]},
        {"not": {"field": "count", "in": [0, 1, 2]}},
    ]}),
    f("blue_note", show_if={"field": "colours", "equals": "blue"}),
    f("after_plate", required=True, show_if={"field": "plate", "answered": True}),
]


@pytest.mark.parametrize(("raw", "shown_and_missing"), [
    ({"has_car": "yes", "count": "1"}, {"plate"}),
    ({"has_car": "no", "count": "1"}, set()),
    ({"has_car": "no", "kind": "a", "count": "1"}, {"reason"}),
    ({"has_car": "no", "kind": "c", "count": "1"}, set()),
    ({"has_car": "no", "kind": "c", "count": "3"}, {"reason"}),
    ({"has_car": "no", "kind": "c"}, {"reason"}),  # no count: "not in" is true
    ({"has_car": "yes", "plate": "X 1", "count": "2"}, {"after_plate"}),
])
def test_nested_conditions_decide_which_required_fields_are_enforced(raw, shown_and_missing):
    result = answers_clean(one_page(*CONDITIONAL), raw)
    assert set(result.errors) == shown_and_missing


def test_hidden_answers_are_dropped_and_conditions_cascade():
    raw = {"has_car": "no", "plate": "X 1", "after_plate": "yes", "count": "1", "colours": ["red"],
           "blue_note": "hidden"}
    result = answers_clean(one_page(*CONDITIONAL), raw)
    assert result.errors == {}
    assert result.values == {"has_car": False, "count": 1, "colours": ["red"]}
    assert "plate" not in result.shown and "after_plate" not in result.shown
    shown = answers_clean(one_page(*CONDITIONAL), {**raw, "colours": ["red", "blue"]})
    assert shown.values["blue_note"] == "hidden"


def test_an_invalid_answer_counts_as_unanswered_in_conditions():
    result = answers_clean(one_page(*CONDITIONAL), {"has_car": "perhaps", "count": "1"})
    assert set(result.errors) == {"has_car"}


def test_a_page_condition_hides_its_fields():
    result = answers_clean(EXAMPLE, {**full_answers(), "permit_type": "resident"})
    assert "documents" not in result.pages_shown
    assert "trade_licence" not in result.values and "company_name" not in result.values
    assert "deposit" not in result.values  # not resident is false
    assert result.errors == {}


def test_cleaning_one_page_reports_only_its_errors_but_sees_earlier_answers():
    raw = {"permit_type": "business", "has_vehicle": "no"}
    result = answers_clean(EXAMPLE, raw, page="cars")
    assert result.errors == {}
    assert "notes" in result.shown  # shown because permit_type (another page) is business
    assert set(answers_clean(EXAMPLE, raw, page="permit").errors) == {"company_name", "months", "zones",
                                                                      "start_date"}


def test_unknown_answers_are_reported_for_the_whole_form():
    result = answers_clean(one_page(f("name")), {"name": "x", "nmae": "typo", "a b": 1})
    assert result.messages() == {"nmae": ["This question is not part of the form."],
                                 '"a b"': ["This question is not part of the form."]}
    assert answers_clean(one_page(f("name")), {"nmae": "typo"}, page="p").errors == {}
    assert answers_clean(one_page(f("name")), ["name"]).messages() == {
        "": ["The answers must be a JSON object of field keys and values."]}


# --- groups ---------------------------------------------------------------------------------


GROUP = f("cars", "group", min_items=1, max_items=2, item_label={"ar": "مركبة", "en": "Car"}, fields=[
    f("plate", required=True),
    f("rented", "yes_no"),
    f("company", required=True, show_if={"all": [{"field": "rented", "equals": True},
                                                 {"field": "owner", "equals": "me"}]}),
])


def group_form():
    return one_page(f("owner", "select", options=options("me", "other")), GROUP)


def test_group_items_are_cleaned_with_paths_per_item():
    raw = {"owner": "me", "cars": [{"plate": "A 1", "rented": "yes"}, {"rented": "no"}]}
    result = answers_clean(group_form(), raw)
    assert result.messages() == {"cars[0].company": ["This field is required."],
                                 "cars[1].plate": ["This field is required."]}
    assert result.values["cars"] == [{"plate": "A 1", "rented": True}, {"rented": False}]
    assert {"cars[0].company", "cars[1].plate"} <= result.shown and "cars[1].company" not in result.shown


def test_group_member_conditions_read_siblings_and_outside_fields():
    raw = {"owner": "other", "cars": [{"plate": "A 1", "rented": "yes", "company": "dropped"}]}
    result = answers_clean(group_form(), raw)
    assert result.errors == {} and result.values["cars"] == [{"plate": "A 1", "rented": True}]


@pytest.mark.parametrize(("items", "messages"), [
    ([], {"cars": ["Add at least 1 item."]}),
    (None, {"cars": ["Add at least 1 item."]}),
    ([{"plate": "1"}] * 3, {"cars": ["Add at most 2 items."]}),
    ("A 1", {"cars": ["Enter a list of items."]}),
    (["A 1"], {"cars[0]": ["Enter this item's answers."]}),
    ([{"plate": "1", "colour": "red"}], {"cars[0].colour": ["This question is not part of the form."]}),
])
def test_group_minimum_maximum_and_shape(items, messages):
    assert answers_clean(group_form(), {"owner": "me", "cars": items}).messages() == messages


def test_a_hidden_group_is_dropped_with_its_minimum():
    result = answers_clean(EXAMPLE, {**full_answers(), "has_vehicle": "no"})
    assert "vehicles" not in result.values and result.errors == {}


# --- reading a form post -----------------------------------------------------------------


def test_reading_a_form_post():
    post = QueryDict(mutable=True)
    post.update({"owner": "me", "cars-count": "2", "cars-0-plate": "A 1", "cars-0-rented": "yes",
                 "cars-0-company": "Rent Co", "cars-1-plate": "B 2", "csrfmiddlewaretoken": "x"})
    raw = answers_from_querydict(group_form(), post)
    assert raw == {"owner": "me", "cars": [{"plate": "A 1", "rented": "yes", "company": "Rent Co"},
                                           {"plate": "B 2", "rented": None, "company": None}]}
    assert answers_clean(group_form(), raw).values == {
        "owner": "me", "cars": [{"plate": "A 1", "rented": True, "company": "Rent Co"}, {"plate": "B 2"}]}


def test_reading_a_form_post_for_one_page_of_the_example():
    post = QueryDict("permit_type=business&company_name=Co&months=3&zones=Z1&zones=Z3&start_date=2026-03-02"
                     "&deposit=10")
    raw = answers_from_querydict(EXAMPLE, post, page="permit")
    assert raw == {"permit_type": "business", "company_name": "Co", "months": "3", "zones": ["Z1", "Z3"],
                   "start_date": "2026-03-02", "deposit": "10"}
    address = answers_from_querydict(EXAMPLE, QueryDict("home-emirate=SHJ&home-area=Majaz"), page="applicant")
    assert address["home"] == {"emirate": "SHJ", "area": "Majaz", "street": "", "building": ""}
    assert address["full_name"] is None and "trade_licence" not in answers_from_querydict(EXAMPLE, post)


def test_group_items_without_a_count_are_found_by_their_names():
    post = QueryDict("cars-0-plate=A&cars-3-plate=D&cars-count=abc")
    assert len(answers_from_querydict(group_form(), post)["cars"]) == 2  # capped at max_items
    assert answers_from_querydict(group_form(), QueryDict(""))["cars"] == []
    assert len(answers_from_querydict(group_form(), QueryDict("cars-count=99"))["cars"]) == 2


def test_plain_dicts_work_like_querydicts():
    raw = answers_from_querydict(EXAMPLE, {"zones": "Z1", "permit_type": "visitor"}, page="permit")
    assert raw["zones"] == ["Z1"] and raw["permit_type"] == "visitor"


def test_add_and_remove_buttons():
    definition = group_form()
    assert group_action_from_querydict(definition, QueryDict("_add=cars")) == GroupAction("add", "cars")
    assert group_action_from_querydict(definition, QueryDict("_remove=cars-1")) == GroupAction("remove", "cars", 1)
    for junk in ("_add=owner", "_add=nope", "_remove=cars", "_remove=cars-x", "_remove=owner-0", ""):
        assert group_action_from_querydict(definition, QueryDict(junk)) is None
    raw = {"owner": "me", "cars": [{"plate": "A"}]}
    added = answers_apply_group_action(definition, raw, GroupAction("add", "cars"))
    assert added["cars"] == [{"plate": "A"}, {}] and raw["cars"] == [{"plate": "A"}]
    assert answers_apply_group_action(definition, added, GroupAction("add", "cars"))["cars"] == added["cars"]  # max
    assert answers_apply_group_action(definition, added, GroupAction("remove", "cars", 0))["cars"] == [{}]
    assert answers_apply_group_action(definition, raw, GroupAction("remove", "cars", 0))["cars"] == [{"plate": "A"}]
    assert answers_apply_group_action(definition, raw, GroupAction("remove", "cars", 5))["cars"] == [{"plate": "A"}]
    assert answers_apply_group_action(definition, {}, GroupAction("add", "cars"))["cars"] == [{}, {}]


# --- JSON ---------------------------------------------------------------------------------------


def test_reading_json():
    body = json.dumps({"permit_type": "visitor", "months": 3, "zones": ["Z1"], "deposit": "20.00"}).encode()
    raw = answers_from_json(EXAMPLE, body)
    result = answers_clean(EXAMPLE, raw, page="permit")
    assert result.values["months"] == 3 and result.values["deposit"] == 2000
    for bad in (b"{", b"[1]", b'{"months": NaN}', b"\xff", "[]"):
        with pytest.raises(InvalidInput):
            answers_from_json(EXAMPLE, bad)
    assert answers_from_json(EXAMPLE, {"a": 1}) == {"a": 1}


# --- messages follow the language ---------------------------------------------------------------


def test_one_cleaning_reads_in_both_languages():
    result = answers_clean(one_page(f("eid", "emirates_id", required=True), f("name", required=True)), {"eid": "1"})
    english = result.messages()
    with translation.override("ar"):
        arabic = result.messages()
    assert english["name"] == ["This field is required."]
    assert arabic["name"] != english["name"] and arabic["eid"] != english["eid"]


# --- prefill ------------------------------------------------------------------------------------


def test_prefill_from_the_profile():
    user = User(email="ali@example.ae", name_ar="علي", name_en="", emirates_id=EID_DASHED, mobile="+971501234567")
    values = prefill(EXAMPLE, user)
    assert values == {"full_name": "علي", "emirates_id": EID_DASHED, "mobile": "+971501234567",
                      "email": "ali@example.ae"}
    cleaned = answers_clean(EXAMPLE, values, page="applicant")
    assert cleaned.values["emirates_id"] == EID_DASHED and "emirates_id" not in cleaned.errors
    assert prefill(EXAMPLE, AnonymousUser()) == {} and prefill(EXAMPLE, None) == {}


# --- nothing raises ---------------------------------------------------------------------------------


def _random_value(rng, depth=0):
    pool = [None, True, False, 0, -1, 10**20, 1.5, float("nan"), float("inf"), "", " ", "yes", "no", "Z1",
            "business", "SHJ", "150.50", "1,2,3", "31/12/1990", "2026-13-45", EID, "0501234567", "a@b.co",
            "\x00", "\ud800", "x" * 300, "٠٥٠", "\n", "upload/x", "application/pdf", "image/*", "-0"]
    roll = rng.random()
    if depth < 3 and roll < 0.15:
        return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    if depth < 3 and roll < 0.3:
        keys = ["plate", "rented", "rental_contract", "emirate", "area", "street", "building", "ref", "name",
                "content_type", "size", "junk"]
        return {rng.choice(keys): _random_value(rng, depth + 1) for _ in range(rng.randint(0, 5))}
    return rng.choice(pool)


def test_random_answers_never_raise_only_errors():
    rng = random.Random(1234)
    definition = definition_validate(EXAMPLE)
    keys = list(definition.fields) + ["junk", "a b"]
    for _attempt in range(1500):
        raw = {rng.choice(keys): _random_value(rng) for _ in range(rng.randint(0, 12))}
        if rng.random() < 0.3:
            raw.update({k: v for k, v in full_answers().items() if rng.random() < 0.5})
        for page in (None, "permit", "cars"):
            result = answers_clean(definition, raw, page=page)
            json.dumps(result.values, allow_nan=False)
            for path, errors in result.errors.items():
                assert isinstance(path, str) and errors
                assert all(str(error) for error in errors)
        as_input = answers_as_input(definition, answers_clean(definition, raw).values)
        assert answers_clean(definition, as_input).values == answers_clean(definition, raw).values
    post = QueryDict(mutable=True)
    for _attempt in range(300):
        post.clear()
        for _ in range(rng.randint(0, 10)):
            post.appendlist(rng.choice(["zones", "vehicles-count", "vehicles-0-plate", "vehicles-7-rented",
                                        "home-emirate", "months", "_remove", "_add"]),
                            str(_random_value(rng)))
        answers_clean(definition, answers_from_querydict(definition, post))
        group_action_from_querydict(definition, post)


def test_conditions_compare_numbers_by_value_and_money_in_fils():
    definition = one_page(
        f("ratio", "number", decimals=2), f("fee", "money"),
        f("half", show_if={"field": "ratio", "equals": 0.5}),
        f("dear", show_if={"field": "fee", "in": ["1000.00"]}),
    )
    result = answers_clean(definition, {"ratio": "0.50", "fee": "1,000", "half": "x", "dear": "y"})
    assert result.values == {"ratio": "0.50", "fee": 100000, "half": "x", "dear": "y"}
    hidden = answers_clean(definition, {"ratio": "0.51", "fee": "999.99", "half": "x", "dear": "y"})
    assert "half" not in hidden.values and "dear" not in hidden.values
