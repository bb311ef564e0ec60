"""Back-office editors of a service's form and workflow: overview, structured and JSON editors, preview.

The structured form editor works without JavaScript: its state travels in
the posted form (``p0-f1-label_ar`` …), and "add", "remove" and "move"
are submit buttons (``_op=add_field:p0``) that draw the editor again without
saving, like a form page's group buttons. ``definition-editor.js`` only
refreshes the preview as the author types. Nothing is stored until "Save
draft"; every error is then listed by its JSON path, linked to the box it
concerns, and everything typed is shown back.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from manassa.applications import definitions
from manassa.applications.definitions import FORM, WORKFLOW
from manassa.applications.formdefs import (
    answers_apply_group_action,
    answers_clean,
    answers_from_querydict,
    definition_validate,
    group_action_from_querydict,
    render_page,
)
from manassa.applications.formdefs.schema import FIELD_TYPES, FORMAT, InvalidFormDefinition
from manassa.applications.workflow import TEMPLATES, InvalidWorkflow, Workflow, parse_workflow
from manassa.core.errors import Conflict, InvalidDocument, InvalidInput
from manassa.core.i18n import pick

# --- the structured form editor's state -----------------------------------------------------------

TYPE_LABELS = {
    "text": gettext_lazy("Text (one line)"),
    "long_text": gettext_lazy("Long text"),
    "number": gettext_lazy("Number"),
    "money": gettext_lazy("Amount of money"),
    "date": gettext_lazy("Date"),
    "select": gettext_lazy("One choice from a list"),
    "multi_select": gettext_lazy("Several choices from a list"),
    "yes_no": gettext_lazy("Yes or no"),
    "emirates_id": gettext_lazy("Emirates ID number"),
    "mobile": gettext_lazy("Mobile number"),
    "email": gettext_lazy("E-mail address"),
    "address": gettext_lazy("Address"),
    "file": gettext_lazy("File"),
    "group": gettext_lazy("Repeatable group of fields"),
}
# The boxes shown for each type besides key, type, label, help, required, condition and "more settings".
TYPE_INPUTS = {
    "text": {"min_length", "max_length", "pattern"},
    "long_text": {"min_length", "max_length"},
    "number": {"min", "max"},
    "money": {"min", "max"},
    "date": {"min", "max"},
    "select": {"options"},
    "multi_select": {"options"},
    "file": {"content_types", "max_size"},
    "group": {"item_label", "min_items", "max_items", "members"},
}
# Definition keys with a box of their own; any other key goes to the field's "more settings" (JSON).
FIELD_KEYS_WITH_BOXES = {"key", "type", "label", "help", "required", "show_if", "min", "max", "min_length",
                         "max_length", "pattern", "options", "content_types", "max_size", "item_label", "min_items",
                         "max_items", "fields"}
WHOLE_NUMBER_KEYS = ("min_length", "max_length", "min_items", "max_items", "max_size")
TEXT_KEYS = ("key", "type", "label_ar", "label_en", "help_ar", "help_en", "show_if", "min", "max", "min_length",
             "max_length", "pattern_regex", "pattern_message_ar", "pattern_message_en", "content_types", "max_size",
             "item_label_ar", "item_label_en", "min_items", "max_items", "other")
PAGE_KEYS = ("key", "title_ar", "title_en", "intro_ar", "intro_en", "show_if")
# Bounds on what a post may ask the editor to draw: a little above the format's own limits.
PAGES_LIMIT, FIELDS_LIMIT, MEMBERS_LIMIT, OPTIONS_LIMIT = 60, 120, 40, 320


def _text(value: Any) -> str:
    """A definition value as a box shows it: strings as they are, anything else as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _blank_field() -> dict:
    return {**dict.fromkeys(TEXT_KEYS, ""), "type": "text", "required": False, "options": [], "members": []}


def _blank_page() -> dict:
    return {**dict.fromkeys(PAGE_KEYS, ""), "fields": [_blank_field()]}


def _bilingual_boxes(state: dict, name: str, value: Any) -> None:
    value = value if isinstance(value, dict) else {}
    state[f"{name}_ar"] = _text(value.get("ar"))
    state[f"{name}_en"] = _text(value.get("en"))


def field_state(doc: dict) -> dict:
    state = _blank_field()
    state["type"] = _text(doc.get("type"))
    state["key"] = _text(doc.get("key"))
    state["required"] = doc.get("required") is True
    for name in ("label", "help", "item_label"):
        _bilingual_boxes(state, name, doc.get(name))
    for name in ("show_if", "min", "max", *WHOLE_NUMBER_KEYS):
        state[name] = _text(doc.get(name))
    pattern = doc.get("pattern") if isinstance(doc.get("pattern"), dict) else {}
    state["pattern_regex"] = _text(pattern.get("regex"))
    _bilingual_boxes(state, "pattern_message", pattern.get("message"))
    if isinstance(doc.get("content_types"), list):
        state["content_types"] = ", ".join(_text(t) for t in doc["content_types"])
    for option in doc.get("options") or []:
        option = option if isinstance(option, dict) else {}
        row = {"value": _text(option.get("value"))}
        _bilingual_boxes(row, "label", option.get("label"))
        state["options"].append(row)
    state["members"] = [field_state(member) for member in doc.get("fields") or [] if isinstance(member, dict)]
    other = {key: value for key, value in doc.items() if key not in FIELD_KEYS_WITH_BOXES}
    state["other"] = json.dumps(other, ensure_ascii=False) if other else ""
    return state


def editor_state(document: Any) -> list[dict]:
    """The structured editor's pages for a definition (a blank one-page form when there is none)."""
    pages = document.get("pages") if isinstance(document, dict) else None
    if not isinstance(pages, list) or not pages:
        return [_blank_page()]
    state = []
    for page in pages:
        page = page if isinstance(page, dict) else {}
        row = {"key": _text(page.get("key")), "show_if": _text(page.get("show_if")),
               "fields": [field_state(f) for f in page.get("fields") or [] if isinstance(f, dict)]}
        _bilingual_boxes(row, "title", page.get("title"))
        _bilingual_boxes(row, "intro", page.get("intro"))
        state.append(row)
    return state


def _count(data, name: str, limit: int) -> int:
    try:
        return max(0, min(int(data.get(name, 0)), limit))
    except (TypeError, ValueError):
        return 0


def _posted(data, name: str) -> str:
    # Browsers send a textarea's line breaks as CR LF; definitions keep LF.
    return (data.get(name) or "").replace("\r\n", "\n")


def _field_from_post(data, prefix: str, *, depth: int = 0) -> dict:
    state = {key: _posted(data, f"{prefix}-{key}") for key in TEXT_KEYS}
    state["required"] = data.get(f"{prefix}-required") == "on"
    state["options"] = []
    for n in range(_count(data, f"{prefix}-option-count", OPTIONS_LIMIT)):
        row = {key: _posted(data, f"{prefix}-o{n}-{key}") for key in ("value", "label_ar", "label_en")}
        if any(v.strip() for v in row.values()):
            state["options"].append(row)
    state["members"] = [] if depth else [
        _field_from_post(data, f"{prefix}-m{k}", depth=1)
        for k in range(_count(data, f"{prefix}-member-count", MEMBERS_LIMIT))]
    return state


def editor_state_from_post(data) -> list[dict]:
    pages = []
    for i in range(_count(data, "page-count", PAGES_LIMIT)):
        page = {key: _posted(data, f"p{i}-{key}") for key in PAGE_KEYS}
        page["fields"] = [_field_from_post(data, f"p{i}-f{j}")
                          for j in range(_count(data, f"p{i}-field-count", FIELDS_LIMIT))]
        pages.append(page)
    return pages


# State → document. Problems that stop a box from becoming JSON at all are reported like the format's own.

@dataclass
class _Conversion:
    errors: list[str] = field(default_factory=list)

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    def json(self, text: str, path: str) -> Any:
        try:
            return json.loads(text)
        except ValueError as exc:
            self.error(path, _("not valid JSON: %(reason)s") % {"reason": getattr(exc, "msg", str(exc))})
            return None


def _bilingual(state: dict, name: str) -> dict | None:
    ar, en = state.get(f"{name}_ar", ""), state.get(f"{name}_en", "")
    return {"ar": ar, "en": en} if ar.strip() or en.strip() else None


def _whole_number(text: str) -> Any:
    return int(text) if re.fullmatch(r"-?[0-9]{1,15}", text.strip()) else text


def _bound(text: str, field_type: str) -> Any:
    """``min``/``max``: a JSON number for numbers; amounts and dates are strings in the format."""
    if field_type == "number":
        try:
            value = json.loads(text)
        except ValueError:
            return text
        return value if isinstance(value, int | float) and not isinstance(value, bool) else text
    return text


def _field_document(state: dict, path: str, conversion: _Conversion) -> dict:
    doc: dict[str, Any] = {}
    other = state["other"].strip()
    if other:
        other_path = "{} ({})".format(path, _("more settings"))
        extra = conversion.json(other, other_path)
        if isinstance(extra, dict):
            for key in extra:
                if key in FIELD_KEYS_WITH_BOXES:
                    conversion.error(f"{path}.{key}", _("has a box of its own; remove it from the more settings"))
            doc.update({k: v for k, v in extra.items() if k not in FIELD_KEYS_WITH_BOXES})
        elif extra is not None:
            conversion.error(other_path, _("must be a JSON object"))
    field_type = state["type"].strip()
    if state["key"].strip():
        doc["key"] = state["key"].strip()
    if field_type:
        doc["type"] = field_type
    if state["required"]:
        doc["required"] = True
    for name in ("label", "help"):
        if (text := _bilingual(state, name)) is not None:
            doc[name] = text
    if state["show_if"].strip():
        doc["show_if"] = conversion.json(state["show_if"], f"{path}.show_if")
    for name in ("min", "max"):
        if state[name].strip():
            doc[name] = _bound(state[name].strip(), field_type)
    for name in WHOLE_NUMBER_KEYS:
        if state[name].strip():
            doc[name] = _whole_number(state[name])
    if state["pattern_regex"] or _bilingual(state, "pattern_message"):
        doc["pattern"] = {"regex": state["pattern_regex"]}
        if (message := _bilingual(state, "pattern_message")) is not None:
            doc["pattern"]["message"] = message
    if state["options"]:
        doc["options"] = [{"value": row["value"].strip(), "label": {"ar": row["label_ar"], "en": row["label_en"]}}
                          for row in state["options"]]
    if state["content_types"].strip():
        doc["content_types"] = [t for t in re.split(r"[\s,]+", state["content_types"].strip()) if t]
    if (item_label := _bilingual(state, "item_label")) is not None:
        doc["item_label"] = item_label
    if field_type == "group" or state["members"]:
        doc["fields"] = [_field_document(member, f"{path}.fields[{k}]", conversion)
                         for k, member in enumerate(state["members"])]
    return doc


def editor_document(pages: list[dict]) -> tuple[dict, list[str]]:
    """The ``manassa-form/1`` document the editor's state describes, and the boxes that are not JSON."""
    conversion = _Conversion()
    doc_pages = []
    for i, page in enumerate(pages):
        doc: dict[str, Any] = {}
        if page["key"].strip():
            doc["key"] = page["key"].strip()
        for name in ("title", "intro"):
            if (text := _bilingual(page, name)) is not None:
                doc[name] = text
        if page["show_if"].strip():
            doc["show_if"] = conversion.json(page["show_if"], f"pages[{i}].show_if")
        doc["fields"] = [_field_document(f, f"pages[{i}].fields[{j}]", conversion)
                         for j, f in enumerate(page["fields"])]
        doc_pages.append(doc)
    return {"format": FORMAT, "pages": doc_pages}, conversion.errors


# Operations: the editor's add, remove and move buttons.

_TARGET = re.compile(r"p([0-9]+)(?:-f([0-9]+))?(?:-m([0-9]+))?")


def _container(pages: list[dict], target: str) -> tuple[list | None, int | None, str]:
    """(the list holding the target, its index, its kind) for ``p1``, ``p1-f2`` or ``p1-f2-m0``."""
    match = _TARGET.fullmatch(target)
    if not match:
        return None, None, ""
    i, j, k = (int(g) if g is not None else None for g in match.groups())
    if i >= len(pages):
        return None, None, ""
    if j is None:
        return pages, i, "page"
    fields = pages[i]["fields"]
    if j >= len(fields):
        return None, None, ""
    if k is None:
        return fields, j, "field"
    members = fields[j]["members"]
    return (members, k, "member") if k < len(members) else (None, None, "")


def editor_apply(pages: list[dict], op: str) -> str:
    """Apply one button of the editor to ``pages`` in place; returns the id of the box to focus."""
    verb, _sep, target = op.partition(":")
    if verb == "add_page":
        pages.append(_blank_page())
        return f"ed-p{len(pages) - 1}-key"
    items, index, kind = _container(pages, target)
    if items is None:
        return ""
    if verb == "add_field":
        if kind == "page":
            pages[index]["fields"].append(_blank_field())
            return f"ed-{target}-f{len(pages[index]['fields']) - 1}-key"
        if kind == "field":
            items[index]["members"].append(_blank_field())
            return f"ed-{target}-m{len(items[index]['members']) - 1}-key"
        return ""
    if verb == "remove":
        items.pop(index)
        return "ed-editor-title"
    if verb in ("up", "down"):
        other = index - 1 if verb == "up" else index + 1
        if 0 <= other < len(items):
            items[index], items[other] = items[other], items[index]
            return f"ed-{_TARGET.sub(lambda m: _renumbered(m, kind, other), target)}-key"
    return ""


def _renumbered(match, kind: str, index: int) -> str:
    i, j, k = match.groups()
    if kind == "page":
        return f"p{index}"
    if kind == "field":
        return f"p{i}-f{index}"
    return f"p{i}-f{j}-m{index}"


# Errors by path → the box they concern.

_PAGE_PATH = re.compile(r"pages\[([0-9]+)\](.*)", re.S)
_FIELD_PATH = re.compile(r"\.fields\[([0-9]+)\](.*)", re.S)
_OPTION_PATH = re.compile(r"\.options\[([0-9]+)\](?:\.(value|label)(?:\.(ar|en))?)?.*", re.S)
_BILINGUAL_PATH = re.compile(r"\.(label|help|item_label|title|intro)(?:\.(ar|en))?\b.*", re.S)
_SIMPLE_PATH = re.compile(r"\.(key|type|required|show_if|min|max|min_length|max_length|max_size|min_items|"
                          r"max_items|content_types)\b.*", re.S)


def error_anchor(path: str) -> str:
    """The id of the editor box an error at ``path`` is about (``pages[0].fields[2].label.en`` → its English box)."""
    page = _PAGE_PATH.fullmatch(path)
    if not page:
        return "ed-pages"
    prefix, rest = f"p{page.group(1)}", page.group(2)
    if (f := _FIELD_PATH.fullmatch(rest)) is not None:
        prefix, rest = f"{prefix}-f{f.group(1)}", f.group(2)
        if (member := _FIELD_PATH.fullmatch(rest)) is not None:
            prefix, rest = f"{prefix}-m{member.group(1)}", member.group(2)
        is_field = True
    else:
        is_field = False
    if not rest.strip():
        return f"ed-{prefix}"
    if rest.startswith(" ("):
        return f"ed-{prefix}-other"
    if (m := _BILINGUAL_PATH.fullmatch(rest)) is not None:
        return f"ed-{prefix}-{m.group(1)}_{m.group(2) or 'ar'}"
    if (m := _SIMPLE_PATH.fullmatch(rest)) is not None:
        return f"ed-{prefix}-{m.group(1)}"
    if not is_field:
        return f"ed-{prefix}"
    if (m := _OPTION_PATH.fullmatch(rest)) is not None:
        box = "value" if m.group(2) in (None, "value") else f"label_{m.group(3) or 'ar'}"
        return f"ed-{prefix}-o{m.group(1)}-{box}"
    if rest.startswith(".options"):
        return f"ed-{prefix}-o0-value"
    if rest.startswith(".pattern.message"):
        return f"ed-{prefix}-pattern_message_{'en' if rest.startswith('.pattern.message.en') else 'ar'}"
    if rest.startswith(".pattern"):
        return f"ed-{prefix}-pattern_regex"
    if rest.startswith(".fields"):
        return f"ed-{prefix}"
    return f"ed-{prefix}-other"


@dataclass
class PathError:
    path: str
    reason: str
    anchor: str


def path_errors(errors: list[str], *, anchors: bool = True, default_anchor: str = "") -> list[PathError]:
    out = []
    for text in errors:
        path, sep, reason = text.partition(": ")
        if not sep:
            path, reason = "", text
        out.append(PathError(path=path, reason=reason, anchor=error_anchor(path) if anchors else default_anchor))
    return out


# What the templates draw for each page, field and option.

@dataclass
class FieldView:
    prefix: str
    state: dict
    legend: str
    errors: dict[str, list[PathError]]
    own_errors: list[PathError]
    shown: set[str]
    options: list[dict]
    members: list[FieldView]
    is_member: bool
    can_up: bool
    can_down: bool

    @property
    def show(self) -> dict[str, bool]:
        return {name: name in self.shown for name in ("min", "max", "min_length", "max_length", "pattern", "options",
                                                      "content_types", "max_size", "item_label", "min_items",
                                                      "max_items", "members", "required")}


def _field_view(state: dict, prefix: str, number: int, count: int, errors: dict[str, list[PathError]], *,
                is_member: bool) -> FieldView:
    field_type = state["type"]
    shown = set(TYPE_INPUTS.get(field_type, set()))
    for name in ("min", "max", "min_length", "max_length", "content_types", "max_size", "min_items", "max_items"):
        if state[name].strip():
            shown.add(name)
    if state["pattern_regex"] or state["pattern_message_ar"] or state["pattern_message_en"]:
        shown.add("pattern")
    if state["options"]:
        shown.add("options")
    if state["item_label_ar"] or state["item_label_en"]:
        shown.add("item_label")
    if state["members"] and not is_member:
        shown.add("members")
    if field_type != "group" or state["required"]:
        shown.add("required")
    name = pick({"ar": state["label_ar"], "en": state["label_en"]}) or state["key"]
    legend = (_("Field %(number)d: %(name)s") if name else _("Field %(number)d")) % {"number": number, "name": name}
    own = {key.removeprefix(f"ed-{prefix}-"): msgs for key, msgs in errors.items() if key.startswith(f"ed-{prefix}-")
           and "-" not in key.removeprefix(f"ed-{prefix}-")}
    options = [{"prefix": f"{prefix}-o{n}", "number": n + 1, "value": row.get("value", ""),
                "label_ar": row.get("label_ar", ""), "label_en": row.get("label_en", ""),
                "errors": {box: errors.get(f"ed-{prefix}-o{n}-{box}", []) for box in ("value", "label_ar",
                                                                                        "label_en")}}
               for n, row in enumerate([*state["options"], {}])]
    members = [] if is_member else [
        _field_view(member, f"{prefix}-m{k}", k + 1, len(state["members"]), errors, is_member=True)
        for k, member in enumerate(state["members"])]
    return FieldView(prefix=prefix, state=state, legend=legend, errors=own, own_errors=errors.get(f"ed-{prefix}", []),
                     shown=shown, options=options, members=members, is_member=is_member, can_up=number > 1,
                     can_down=number < count)


def editor_views(pages: list[dict], errors: list[PathError]) -> list[dict]:
    by_anchor: dict[str, list[PathError]] = {}
    for error in errors:
        by_anchor.setdefault(error.anchor, []).append(error)
    views = []
    for i, page in enumerate(pages):
        prefix = f"p{i}"
        title = pick({"ar": page["title_ar"], "en": page["title_en"]}) or page["key"]
        views.append({
            "prefix": prefix, "state": page, "number": i + 1,
            "legend": (_("Page %(number)d: %(title)s") if title else _("Page %(number)d"))
            % {"number": i + 1, "title": title},
            "errors": {key: by_anchor.get(f"ed-{prefix}-{key}", []) for key in PAGE_KEYS},
            "own_errors": by_anchor.get(f"ed-{prefix}", []),
            "fields": [_field_view(f, f"{prefix}-f{j}", j + 1, len(page["fields"]), by_anchor, is_member=False)
                       for j, f in enumerate(page["fields"])],
            "can_up": i > 0, "can_down": i < len(pages) - 1,
        })
    return views


# --- shared helpers ---------------------------------------------------------------------------


def _based_on(request) -> int | None:
    try:
        return int(request.POST.get("draft_id") or "") or None
    except ValueError:
        return None


def _urls(entity, service) -> dict[str, str]:
    kwargs = {"code": entity.code, "service_code": service.code}
    return {name: reverse(f"definitions:{name}", kwargs=kwargs) for name in (
        "overview", "form_editor", "form_json", "form_preview", "form_preview_live", "form_publish",
        "form_discard", "workflow_editor", "workflow_template", "workflow_publish", "workflow_discard")}


def _breadcrumbs(entity, service, here: str | None = None) -> list[dict]:
    crumbs = [
        {"label": _("Back office"), "url": reverse("backoffice:home")},
        {"label": entity.name, "url": reverse("backoffice:entity", kwargs={"code": entity.code})},
        {"label": _("Services"), "url": reverse("backoffice_catalog:list", kwargs={"code": entity.code})},
        {"label": _("Form and workflow: %(service)s") % {"service": service.name},
         "url": reverse("definitions:overview", kwargs={"code": entity.code, "service_code": service.code})},
    ]
    if here:
        crumbs.append({"label": here})
    return crumbs


def _context(request, entity, service, *, here: str | None = None, **extra) -> dict:
    return {"entity": entity, "service": service, "urls": _urls(entity, service),
            "can_edit": definitions.can_edit_definitions(request.user, entity), "tabs": [
                ("overview", _("Overview")), ("form_editor", _("Form editor")), ("form_json", _("Form as JSON")),
                ("form_preview", _("Preview of the form")), ("workflow_editor", _("Workflow"))],
            "breadcrumbs": _breadcrumbs(entity, service, here), **extra}


def _pretty(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) if document is not None else ""


# --- overview ---------------------------------------------------------------------------------


@login_required
def overview(request, code, service_code):
    entity, service = definitions.access_service_definitions(request.user, code, service_code)
    kinds = []
    for kind, title in ((FORM, _("Application form")), (WORKFLOW, _("Workflow"))):
        versions = definitions.definition_versions(service=service, kind=kind)
        draft = next((row for row in versions if row.status == "draft"), None)
        kinds.append({"kind": kind, "title": title, "versions": versions, "draft": draft,
                      "published": next((row for row in versions if row.status == "published"), None)})
    return render(request, "applications/editor/overview.html",
                  _context(request, entity, service, kinds=kinds, title=_("Form and workflow")))


# --- the form: structured editor, JSON, preview ---------------------------------------------------


def _preview_html(request, document: Any, urls: dict) -> tuple[str, list[str]]:
    """Every page of the form as residents see it, or the errors that stop it from being drawn."""
    try:
        definition = definition_validate(document)
    except InvalidFormDefinition as exc:
        return "", exc.errors
    pages = [{"title": pick(page.title),
              "html": render_page(definition, page.key, values={}, request=request, action=urls["form_preview"]
                                  + f"?page={page.key}", submit_label=_("Save and continue"))}
             for page in definition.pages]
    return render_to_string("applications/editor/_preview.html", {"pages": pages}, request=request), []


def _form_editor_page(request, entity, service, pages, *, draft_id, errors=(), focus="", status=200,
                      notice: str = ""):
    urls = _urls(entity, service)
    document, conversion_errors = editor_document(pages)
    preview, preview_errors = ("", ["-"]) if conversion_errors else _preview_html(request, document, urls)
    return render(request, "applications/editor/form_editor.html", _context(
        request, entity, service, here=_("Form editor"), title=_("Form editor"),
        pages=editor_views(pages, list(errors)), page_count=len(pages), errors=list(errors), draft_id=draft_id,
        focus=focus, preview=preview, preview_blocked=bool(preview_errors), notice=notice,
        type_choices=[(value, TYPE_LABELS[value]) for value in FIELD_TYPES],
    ), status=status)


@login_required
def form_editor(request, code, service_code):
    post = request.method == "POST"
    entity, service = definitions.access_service_definitions(request.user, code, service_code, write=post)
    if not post:
        starting = definitions.definition_starting(service=service, kind=FORM)
        return _form_editor_page(request, entity, service, editor_state(starting.document),
                                 draft_id=starting.draft_id)
    pages = editor_state_from_post(request.POST)
    draft_id = _based_on(request)
    op = request.POST.get("_op", "save")
    if op != "save":
        focus = editor_apply(pages, op)
        return _form_editor_page(request, entity, service, pages, draft_id=draft_id, focus=focus,
                                 notice=_("Not saved yet: save the draft to keep your changes."))
    document, conversion_errors = editor_document(pages)
    try:
        if conversion_errors:
            raise InvalidFormDefinition(conversion_errors + definitions.definition_errors(kind=FORM,
                                                                                          document=document))
        definitions.definition_draft_save(actor=request.user, service=service, kind=FORM, document=document,
                                          based_on=draft_id)
    except InvalidDocument as exc:
        return _form_editor_page(request, entity, service, pages, draft_id=draft_id,
                                 errors=path_errors(exc.errors))
    except Conflict as exc:
        return _form_editor_page(request, entity, service, pages, draft_id=draft_id,
                                 errors=[PathError("", str(exc.message), "ed-pages")])
    messages.success(request, _("The draft of the form was saved. Publish it when it is ready."))
    return redirect(_urls(entity, service)["form_editor"])


@login_required
@require_POST
def form_preview_live(request, code, service_code):
    """The preview of the structured editor's unsaved state: the fragment definition-editor.js puts in the page."""
    entity, service = definitions.access_service_definitions(request.user, code, service_code, write=True)
    document, conversion_errors = editor_document(editor_state_from_post(request.POST))
    preview, errors = ("", conversion_errors) if conversion_errors else _preview_html(
        request, document, _urls(entity, service))
    return HttpResponse(preview or render_to_string("applications/editor/_preview_blocked.html", request=request))


def _json_page(request, entity, service, *, kind, text, draft_id, errors=(), status=200):
    template = "applications/editor/form_json.html" if kind == FORM else "applications/editor/workflow_editor.html"
    extra = {}
    if kind == WORKFLOW:
        extra = {"summary": _workflow_summary(text, service),
                 "templates": [(name, TEMPLATE_LABELS[name]) for name in TEMPLATES]}
    title = _("Form as JSON") if kind == FORM else _("Workflow editor")
    return render(request, template, _context(
        request, entity, service, here=title, title=title, text=text, draft_id=draft_id,
        errors=path_errors(list(errors), anchors=False, default_anchor="definition-json"), **extra,
    ), status=status)


def _json_editor(request, code, service_code, kind: str):
    post = request.method == "POST"
    entity, service = definitions.access_service_definitions(request.user, code, service_code, write=post)
    if not post:
        starting = definitions.definition_starting(service=service, kind=kind)
        return _json_page(request, entity, service, kind=kind, text=_pretty(starting.document),
                          draft_id=starting.draft_id)
    text = _posted(request.POST, "definition")
    draft_id = _based_on(request)
    try:
        document = definitions.definition_parse_text(kind=kind, text=text)
        definitions.definition_draft_save(actor=request.user, service=service, kind=kind, document=document,
                                          based_on=draft_id)
    except InvalidDocument as exc:
        return _json_page(request, entity, service, kind=kind, text=text, draft_id=draft_id, errors=exc.errors)
    except Conflict as exc:
        return _json_page(request, entity, service, kind=kind, text=text, draft_id=draft_id,
                          errors=[str(exc.message)])
    messages.success(request, _("The draft of the form was saved. Publish it when it is ready.") if kind == FORM
                     else _("The draft of the workflow was saved. Publish it when it is ready."))
    return redirect(_urls(entity, service)["form_json" if kind == FORM else "workflow_editor"])


@login_required
def form_json(request, code, service_code):
    return _json_editor(request, code, service_code, FORM)


@login_required
def form_preview(request, code, service_code):
    """The draft (else the published form) page by page, exactly as residents see it; answers are tried, never kept."""
    entity, service = definitions.access_service_definitions(request.user, code, service_code)
    starting = definitions.definition_starting(service=service, kind=FORM)
    urls = _urls(entity, service)
    if starting.document is None:
        return render(request, "applications/editor/preview.html",
                      _context(request, entity, service, here=_("Preview"), title=_("Preview"), form_html=""))
    definition = definition_validate(starting.document)
    keys = [page.key for page in definition.pages]
    page_key = request.GET.get("page") if request.GET.get("page") in keys else keys[0]
    values, errors, tried = {}, {}, False
    if request.method == "POST":
        values = answers_from_querydict(definition, request.POST, page=page_key)
        action = group_action_from_querydict(definition, request.POST)
        if action is not None:
            values = answers_apply_group_action(definition, values, action)
        else:
            errors = answers_clean(definition, values, page=page_key).errors
            tried = not errors
    index = keys.index(page_key)
    form_html = render_page(definition, page_key, values=values, errors=errors, request=request,
                            action=f"{urls['form_preview']}?page={page_key}", submit_label=_("Save and continue"))
    return render(request, "applications/editor/preview.html", _context(
        request, entity, service, here=_("Preview"), title=_("Preview"), form_html=form_html,
        page_title=pick(definition.page(page_key).title), has_errors=bool(errors), is_draft=starting.draft is not None,
        tried=tried,
        pages=[{"key": page.key, "title": pick(page.title), "current": page.key == page_key}
               for page in definition.pages],
        next_key=keys[index + 1] if index + 1 < len(keys) else "",
    ))


# --- the workflow ---------------------------------------------------------------------------------

TEMPLATE_LABELS = {
    "simple_approval": gettext_lazy("Review and approval"),
    "review_inspection_approval": gettext_lazy("Review, inspection and a supervisor's approval"),
    "approval_payment_issue": gettext_lazy("Approval, payment and issue"),
}
ROLE_LABELS = {
    "officer": gettext_lazy("Officer"),
    "supervisor": gettext_lazy("Supervisor"),
    "admin": gettext_lazy("Entity administrator"),
    "customer": gettext_lazy("Applicant"),
    "system": gettext_lazy("The platform"),
}
OUTCOME_LABELS = {"approved": gettext_lazy("Approved"), "rejected": gettext_lazy("Rejected"),
                  "withdrawn": gettext_lazy("Withdrawn")}
COMMENT_LABELS = {"required": gettext_lazy("Comment required"), "optional": gettext_lazy("Comment optional"),
                  "none": gettext_lazy("No comment")}


def _hours(value: float | None) -> str:
    if value is None:
        return ""
    number = int(value) if float(value).is_integer() else value
    # A fraction of an hour takes the plural in English and the singular noun in Arabic, as 100 does.
    return ngettext("%(hours)s working hour", "%(hours)s working hours", number if isinstance(number, int) else 100) % {
        "hours": number}


def _workflow_summary(text: str, service) -> dict | None:
    """States and actions of the workflow in the editor, else of the saved draft or published version."""
    workflow: Workflow | None = None
    try:
        document = json.loads(text) if text.strip() else None
        workflow = parse_workflow(document) if isinstance(document, dict) else None
    except (ValueError, InvalidWorkflow):
        workflow = None
    if workflow is None:
        starting = definitions.definition_starting(service=service, kind=WORKFLOW)
        if starting.document is None:
            return None
        workflow = parse_workflow(starting.document)
        shown = "draft" if starting.draft is not None else "published"
    else:
        shown = "editor"
    states = [{"key": s.key, "label": pick(s.label), "terminal": s.terminal, "initial": s.key == workflow.initial,
               "outcome": OUTCOME_LABELS.get(s.outcome or "", ""), "sla": _hours(s.sla_hours),
               "customer": s.waiting_for == "customer"} for s in workflow.states.values()]
    actions = [{"key": a.key, "label": pick(a.label),
                "sources": [pick(workflow.states[s].label) for s in a.sources],
                "target": pick(workflow.states[a.target].label),
                "roles": [ROLE_LABELS[r] for r in sorted(a.roles, key=list(ROLE_LABELS).index)],
                "comment": COMMENT_LABELS[a.comment]} for a in workflow.actions.values()]
    return {"states": states, "actions": actions, "sla": _hours(workflow.sla_hours), "shown": shown,
            "escalation": ROLE_LABELS.get(workflow.escalation_role or "", "")}


@login_required
def workflow_editor(request, code, service_code):
    return _json_editor(request, code, service_code, WORKFLOW)


@login_required
@require_POST
def workflow_template(request, code, service_code):
    entity, service = definitions.access_service_definitions(request.user, code, service_code, write=True)
    name = request.POST.get("template", "")
    try:
        definitions.definition_draft_from_template(actor=request.user, service=service, template=name,
                                                   based_on=_based_on(request))
    except (InvalidInput, Conflict) as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("A draft was made from the template “%(template)s”. Adjust it, then publish it.")
                         % {"template": TEMPLATE_LABELS[name]})
    return redirect(_urls(entity, service)["workflow_editor"])


# --- publish and discard ----------------------------------------------------------------------------


@login_required
@require_POST
def publish(request, code, service_code, kind):
    entity, service = definitions.access_service_definitions(request.user, code, service_code, write=True)
    try:
        row = definitions.definition_draft_publish(actor=request.user, service=service, kind=kind,
                                                   draft_id=_based_on(request))
    except (InvalidInput, Conflict, InvalidDocument) as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, (_("Version %(version)d of the form is published. Requests already made keep "
                                     "the version they were made with.") if kind == FORM else
                                   _("Version %(version)d of the workflow is published. Requests already made keep "
                                     "the version they were made with.")) % {"version": row.version})
    return redirect(_urls(entity, service)["overview"])


@login_required
@require_POST
def discard(request, code, service_code, kind):
    entity, service = definitions.access_service_definitions(request.user, code, service_code, write=True)
    try:
        definitions.definition_draft_discard(actor=request.user, service=service, kind=kind,
                                             draft_id=_based_on(request))
    except (InvalidInput, Conflict) as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The draft was discarded. The published version is unchanged."))
    return redirect(_urls(entity, service)["overview"])
