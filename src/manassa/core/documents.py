"""Reading JSON documents people write (a catalog, a form, a workflow) and describing their mistakes.

Shared by every validator that reports all errors at once as ``path: reason``
(see ``core.errors.InvalidDocument``).
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _

from manassa.core.errors import storable_text


class StrictObject(dict):
    """A JSON object that remembers keys given twice (json.loads keeps the last one silently)."""

    duplicates: tuple[str, ...] = ()


def strict_object_pairs(pairs: list[tuple[str, Any]]) -> StrictObject:
    obj = StrictObject()
    duplicates = []
    for key, value in pairs:
        if key in obj:
            duplicates.append(key)
        obj[key] = value
    if duplicates:
        obj.duplicates = tuple(duplicates)
    return obj


class _NotJsonNumber(ValueError):
    pass


def _refuse_constant(name: str):
    raise _NotJsonNumber(name)


def document_parse(raw: bytes | str, *, error) -> Any:
    """The JSON value in ``raw`` (UTF-8; a byte-order mark is ignored), objects as ``StrictObject``.

    ``error`` is the ``InvalidDocument`` class to raise, with one message
    giving the byte, or the line and column, of the problem.
    """
    if isinstance(raw, bytes | bytearray):
        try:
            raw = bytes(raw).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise error([_("byte %(position)d: the file is not UTF-8 text") % {"position": exc.start + 1}]) from exc
    try:
        return json.loads(raw.removeprefix("\ufeff"), object_pairs_hook=strict_object_pairs,
                          parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise error([
            _("line %(line)d column %(column)d: invalid JSON: %(reason)s")
            % {"line": exc.lineno, "column": exc.colno, "reason": exc.msg}
        ]) from exc
    except _NotJsonNumber as exc:
        raise error([_("invalid JSON: %(name)s is not a JSON number") % {"name": exc}]) from exc
    except RecursionError as exc:
        raise error([_("invalid JSON: nested too deeply")]) from exc


def show_value(value: Any) -> str:
    """A value quoted for an error message, shortened, and safe to print anywhere."""
    if isinstance(value, str):
        short = value if len(value) <= 60 else value[:57] + "…"
        if short.isprintable() and storable_text(short):
            return f"'{short}'"
        return json.dumps(short)
    try:
        return json.dumps(value, default=str)[:60]
    except (ValueError, TypeError, RecursionError):
        return "…"


def type_name(value: Any) -> str:
    """How an error message names a JSON value's type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return _("true/false")
    if isinstance(value, int | float):
        return _("a number")
    if isinstance(value, str):
        return _("a string")
    if isinstance(value, list):
        return _("a list")
    return _("an object")
