"""Placeholders in notification templates: ``{reference}``, ``{service}`` … and nothing else.

Templates are written by entity admins, so they are never given to
``str.format`` (which would let ``{user.__class__}`` reach into objects):
a small scanner substitutes only the known names, with plain strings, and
reports anything else as an error of the template's author. ``{{`` and ``}}``
write literal braces.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

# Name → what it is, for the editor's help.
PLACEHOLDERS: dict[str, str] = {
    "reference": _("the request's reference number"),
    "service": _("the service's name"),
    "state": _("the request's status"),
    "entity": _("the entity's name"),
    "name": _("the recipient's name"),
    "link": _("the address of the request's page"),
    "document": _("the name of the document issued"),
    "amount": _("the amount to pay"),
    "due": _("the date by which to pay"),
}

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


def placeholder_errors(text: str) -> list[str]:
    """What is wrong with ``text``'s placeholders, as messages for its author (empty when nothing is)."""
    errors: list[str] = []
    for match in _TOKEN.finditer(text or ""):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        name = match.group(1)
        if name is None:
            errors.append(str(_("A brace { or } is not closed; write {{ or }} for a brace itself.")))
        elif name.strip() not in PLACEHOLDERS:
            errors.append(str(_("Unknown placeholder {%(name)s}.")) % {"name": name})
    return errors


def placeholders_render(text: str, values: dict[str, str]) -> str:
    """``text`` with every known placeholder replaced; unknown ones (refused at saving) are left as they are."""

    def replace(match: re.Match) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        name = (match.group(1) or "").strip()
        if match.group(1) is not None and name in PLACEHOLDERS:
            return str(values.get(name, ""))
        return token

    return _TOKEN.sub(replace, text or "")
