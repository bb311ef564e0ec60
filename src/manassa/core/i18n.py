"""Bilingual content: every user-visible text stored as paired ``<field>_ar``/``<field>_en``.

``BilingualText("name")`` on a model gives ``obj.name``: the active language's
value, falling back to the other language when empty, so templates write
``{{ entity.name }}`` and never choose a column themselves.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import get_language

LANGUAGE_CODES = tuple(code for code, _name in settings.LANGUAGES)


def active_language() -> str:
    lang = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return lang if lang in LANGUAGE_CODES else settings.LANGUAGE_CODE


def pick(values: dict[str, str], language: str | None = None) -> str:
    """The text in ``language`` (default: active), else the first non-empty one."""
    lang = language or active_language()
    if values.get(lang):
        return values[lang]
    for code in LANGUAGE_CODES:
        if values.get(code):
            return values[code]
    return ""


class BilingualText:
    def __init__(self, base: str | None = None) -> None:
        self.base = base

    def __set_name__(self, owner, name: str) -> None:
        self.base = self.base or name

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return pick({code: getattr(obj, f"{self.base}_{code}", "") or "" for code in LANGUAGE_CODES})
