"""First values for fields from what the platform already knows about the person (the once-only principle).

Each source is a small getter; a deployment adding a source (a national
register over the exchange app, say) adds it here and to
``schema.PREFILL_SOURCES`` with the field type it fills.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from manassa.applications.formdefs.schema import FormDefinition, ensure_definition

PREFILL_GETTERS: dict[str, Callable[[Any], Any]] = {
    "profile.name_ar": lambda user: user.name_ar,
    "profile.name_en": lambda user: user.name_en,
    "profile.emirates_id": lambda user: user.emirates_id,
    "profile.mobile": lambda user: user.mobile,
    "profile.email": lambda user: user.email,
}


def prefill(definition: FormDefinition | Any, user: Any) -> dict[str, str]:
    """Raw answers from ``user``'s profile for the fields that declare a ``prefill`` source.

    Only non-empty values are given, so merging ``{**prefill(...), **draft}``
    never hides what the person typed. Anonymous visitors get nothing.
    """
    definition = ensure_definition(definition)
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    values: dict[str, str] = {}
    for page in definition.pages:
        for field in page.fields:
            if field.prefill is None:
                continue
            value = PREFILL_GETTERS[field.prefill](user)
            if isinstance(value, str) and value.strip():
                values[field.key] = value.strip()
    return values
