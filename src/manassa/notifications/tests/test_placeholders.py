"""The placeholder formatter: known names only, never attribute access, errors for the author."""

import pytest
from django.utils import translation

from manassa.notifications.placeholders import placeholder_errors, placeholders_render


@pytest.fixture(autouse=True)
def _english():
    """URLs and messages in English (the default language is Arabic)."""
    with translation.override("en"):
        yield


def test_known_placeholders_are_replaced_and_braces_escaped():
    text = "Request {reference} ({ service }) is {state}; {{literal}}"
    assert placeholder_errors(text) == []
    assert placeholders_render(text, {"reference": "SHJ-2026-000001", "service": "Permit", "state": "Approved"}) == \
        "Request SHJ-2026-000001 (Permit) is Approved; {literal}"


def test_unknown_names_and_attribute_access_are_author_errors_and_never_evaluated():
    text = "{reference.__class__} {user} {0} {name!r} {state"
    errors = placeholder_errors(text)
    assert errors == [
        "Unknown placeholder {reference.__class__}.", "Unknown placeholder {user}.", "Unknown placeholder {0}.",
        "Unknown placeholder {name!r}.", "A brace { or } is not closed; write {{ or }} for a brace itself.",
    ]
    # Rendering leaves them as written: nothing is looked up on any object.
    assert placeholders_render("{reference.__class__}", {"reference": "x"}) == "{reference.__class__}"


def test_values_are_inserted_as_plain_text():
    assert placeholders_render("{name}", {"name": "{reference}"}) == "{reference}"
