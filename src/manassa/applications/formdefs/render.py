"""Drawing a page of a form, and the "check your answers" summary, from the definition.

Python decides what each control is (type, attributes, which fields are
shown, which errors go where); the templates under
``applications/formdefs/`` only lay it out with the design system's classes,
as ``partials/form_field.html`` does for Django forms:

- every control has a ``<label>`` (or a ``<fieldset>``/``<legend>`` for radios,
  checkboxes, an address and a group's items); help, format hints and errors
  are linked with ``aria-describedby``; a control in error has
  ``aria-invalid="true"`` (text controls; radios and checkboxes carry it on
  neither, ARIA does not allow it there) and the page starts with a summary
  of errors linking to each control;
- identifiers (Emirates ID, mobile, e-mail, numbers, money) are typed
  left to right (``dir="ltr"``) with a suitable ``inputmode``; a text field
  declared for one language gets its ``lang`` and ``dir``; fields filled from
  the profile, and e-mail, mobile and address parts, have ``autocomplete``;
- a group's "add" and "remove" are submit buttons (``_add=<group>``,
  ``_remove=<group>-<index>``), so the page works without JavaScript; a hidden
  first submit button keeps Enter meaning "continue";
- nothing inline: no ``style`` attributes and no scripts (strict CSP).

Which fields are shown is the server's decision (``answers_clean(...).shown``):
a field whose condition depends on an answer on the same page appears once
the page is posted with that answer. A page is drawn even when its own
``show_if`` is false (a preview for the service owner, say); the flow skips
such pages using ``answers_clean(...).pages_shown``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.forms.utils import flatatt
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from manassa.applications.formdefs.answers import AnswerError, display_value, fields_shown
from manassa.applications.formdefs.schema import (
    ADDRESS_PART_LABELS,
    ADDRESS_PARTS,
    EMIRATES,
    Field,
    FormDefinition,
    ensure_definition,
    parse_iso_date,
)
from manassa.core.files import type_names
from manassa.core.i18n import pick
from manassa.core.money import currency_label, format_money

TEMPLATE_PAGE = "applications/formdefs/page.html"
TEMPLATE_SUMMARY = "applications/formdefs/summary.html"

# What the browser may fill in for a field, by prefill source and by type (WCAG 1.3.5).
_AUTOCOMPLETE_BY_SOURCE = {"profile.name_ar": "name", "profile.name_en": "name", "profile.mobile": "tel",
                           "profile.email": "email"}
_AUTOCOMPLETE_BY_TYPE = {"email": "email", "mobile": "tel"}
_AUTOCOMPLETE_BY_PART = {"emirate": "address-level1", "area": "address-level2", "street": "address-line1",
                         "building": "address-line2"}
_HINTS = {
    "emirates_id": gettext_lazy("15 digits starting with 784, for example 784-1990-1234567-1."),
    "mobile": gettext_lazy("A UAE mobile number, for example 050 123 4567."),
}
YES_NO = (("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No")))


@dataclass
class Choice:
    value: str
    label: str
    id: str
    selected: bool


@dataclass
class Item:
    id: str
    legend: str
    controls: list[Control]
    remove_value: str
    can_remove: bool


@dataclass
class Control:
    """One field as the templates draw it."""

    kind: str  # input, textarea, select, choices, address, file, group
    path: str
    name: str
    id: str
    label: str
    help: str = ""
    hint: str = ""
    errors: list[str] = field(default_factory=list)
    required: bool = False
    attrs: SafeString = SafeString("")
    value: str = ""
    choices: list[Choice] = field(default_factory=list)
    multiple: bool = False
    inline: bool = False
    suffix: str = ""
    parts: list[Control] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    count: int = 0
    can_add: bool = False
    add_label: str = ""
    current_file: str = ""
    file_types: str = ""
    file_size: str = ""

    @property
    def describedby(self) -> str:
        ids = []
        if self.help:
            ids.append(f"{self.id}_help")
        if self.hint or self.file_types:
            ids.append(f"{self.id}_hint")
        if self.suffix:
            ids.append(f"{self.id}_suffix")
        if self.errors:
            ids.append(f"{self.id}_error")
        return " ".join(ids)

    @property
    def anchor(self) -> str:
        """Where the error summary links to: the first control a person can act on."""
        if self.choices and self.kind == "choices":
            return self.choices[0].id
        return self.id


@dataclass
class ErrorLink:
    anchor: str
    text: str


def field_name(path: str) -> str:
    """``vehicles[0].plate`` → ``vehicles-0-plate``: the posted name of the control at ``path``."""
    return path.replace("[", "-").replace("].", "-").replace("]", "").replace(".", "-")


class _Builder:
    def __init__(self, errors: dict[str, list], shown: set[str]) -> None:
        self.errors = errors
        self.shown = shown
        self.summary: list[ErrorLink] = []
        self.today = timezone.localdate()

    def messages(self, path: str) -> list[str]:
        return [str(error) for error in self.errors.get(path, ())]

    def control(self, f: Field, raw: Any, path: str, *, context_label: str = "") -> Control:
        name = field_name(path)
        control = Control(
            kind="input", path=path, name=name, id=f"id_{name}", label=pick(f.label),
            help=pick(f.help) if f.help else "", hint=str(_HINTS.get(f.type, "")), errors=self.messages(path),
            required=f.required,
        )
        extra = getattr(self, f"build_{f.type}", self.build_input)(control, f, raw)
        if extra is not None:
            control.attrs = self.attrs(control, extra)
        prefix = f"{context_label}, " if context_label else ""
        self.summary.extend(ErrorLink(control.anchor, f"{prefix}{control.label}: {message}")
                            for message in control.errors)
        for part in control.parts:
            self.summary.extend(ErrorLink(part.id, f"{prefix}{control.label} — {part.label}: {message}")
                                for message in part.errors)
        return control

    @staticmethod
    def attrs(control: Control, extra: dict[str, Any]) -> SafeString:
        attrs: dict[str, Any] = {"id": control.id, "name": control.name, **extra}
        # A question already answered with a file keeps it unless another is chosen: nothing to require.
        if control.required and not control.current_file:
            attrs["required"] = True
        if control.describedby:
            attrs["aria-describedby"] = control.describedby
        if control.errors:
            attrs["aria-invalid"] = "true"
        return flatatt(attrs)

    # Types: each returns the attributes of the control's element, or None when it has none of its own.

    def build_input(self, control: Control, f: Field, raw: Any) -> dict[str, Any]:
        extra: dict[str, Any] = {"type": "text", "value": display_value(f, raw)}
        if f.type == "text":
            if f.autocomplete or f.prefill in _AUTOCOMPLETE_BY_SOURCE:
                extra["autocomplete"] = f.autocomplete or _AUTOCOMPLETE_BY_SOURCE[f.prefill]
        elif f.type == "number":
            negative = f.min_value is None or f.min_value < 0
            # A phone keypad has no minus sign or decimal point; "decimal" has the point, "text" both.
            extra.update(inputmode="text" if negative else "decimal" if f.decimals else "numeric", dir="ltr")
        elif f.type == "money":
            extra.update(inputmode="decimal", dir="ltr")
            control.suffix = currency_label(f.currency)
        elif f.type == "date":
            extra["type"] = "date"
            if f.min_value is not None:
                extra["min"] = f.min_value.resolve(self.today).isoformat()
            if f.max_value is not None:
                extra["max"] = f.max_value.resolve(self.today).isoformat()
        elif f.type == "emirates_id":
            extra.update(inputmode="numeric", dir="ltr", spellcheck="false")
        elif f.type in _AUTOCOMPLETE_BY_TYPE:
            extra.update(dir="ltr", autocomplete=_AUTOCOMPLETE_BY_TYPE[f.type])
            if f.type == "mobile":
                extra.update(type="tel", inputmode="tel")
            else:
                extra.update(type="email", spellcheck="false")
        if f.lang:
            extra.update(lang=f.lang, dir="rtl" if f.lang == "ar" else "ltr")
        return extra

    def build_long_text(self, control: Control, f: Field, raw: Any) -> dict[str, Any]:
        control.kind = "textarea"
        control.value = display_value(f, raw)
        extra: dict[str, Any] = {"rows": 5}
        if f.lang:
            extra.update(lang=f.lang, dir="rtl" if f.lang == "ar" else "ltr")
        return extra

    def build_select(self, control: Control, f: Field, raw: Any) -> dict[str, Any] | None:
        value = display_value(f, raw)
        if f.display == "radios":
            self.build_choices(control, [(o.value, pick(o.label)) for o in f.options], {value}, multiple=False)
            return None
        control.kind = "select"
        control.choices = [Choice(o.value, pick(o.label), "", o.value == value) for o in f.options]
        return {}

    def build_multi_select(self, control: Control, f: Field, raw: Any) -> None:
        self.build_choices(control, [(o.value, pick(o.label)) for o in f.options], display_value(f, raw),
                           multiple=True)

    def build_yes_no(self, control: Control, f: Field, raw: Any) -> None:
        self.build_choices(control, [(value, str(label)) for value, label in YES_NO], {display_value(f, raw)},
                           multiple=False)
        control.inline = True

    @staticmethod
    def build_choices(control: Control, options: list[tuple[str, str]], selected: set[str], *,
                      multiple: bool) -> None:
        control.kind = "choices"
        control.multiple = multiple
        control.choices = [Choice(value, label, f"{control.id}_{index}", value in selected)
                           for index, (value, label) in enumerate(options)]

    def build_address(self, control: Control, f: Field, raw: Any) -> None:
        control.kind = "address"
        raw = raw if isinstance(raw, dict) else {}
        for part in ADDRESS_PARTS:
            path = f"{control.path}.{part}"
            name = field_name(path)
            value = raw.get(part)
            part_control = Control(kind="input", path=path, name=name, id=f"id_{name}",
                                   label=str(ADDRESS_PART_LABELS[part]), errors=self.messages(path),
                                   required=f.required and part in ("emirate", "area"))
            extra: dict[str, Any] = {"autocomplete": _AUTOCOMPLETE_BY_PART[part]}
            if part == "emirate":
                part_control.kind = "select"
                chosen = value.upper() if isinstance(value, str) else ""
                part_control.choices = [Choice(code, pick(EMIRATES[code]), "", code == chosen) for code in f.emirates]
            else:
                extra.update(type="text", value=value if isinstance(value, str) else "")
            part_control.attrs = self.attrs(part_control, extra)
            control.parts.append(part_control)

    def build_file(self, control: Control, f: Field, raw: Any) -> dict[str, Any]:
        control.kind = "file"
        # The template words the hint; the type names are data (class "literal"), not text to translate.
        control.file_types = type_names(f.content_types)
        control.file_size = filesizeformat(f.max_size)
        if isinstance(raw, dict) and isinstance(raw.get("name"), str):
            control.current_file = raw["name"]
        return {"type": "file", "accept": ",".join(f.content_types)}

    def build_group(self, control: Control, f: Field, raw: Any) -> None:
        control.kind = "group"
        items = [item if isinstance(item, dict) else {} for item in raw] if isinstance(raw, list) else []
        item_label = pick(f.item_label) if f.item_label else _("Item")
        control.count = len(items)
        control.can_add = len(items) < f.max_items
        control.add_label = _("Add %(item)s") % {"item": item_label}
        for index, item in enumerate(items):
            item_path = f"{control.path}[{index}]"
            legend = _("%(item)s %(number)d") % {"item": item_label, "number": index + 1}
            self.summary.extend(ErrorLink(f"id_{field_name(item_path)}", f"{legend}: {message}")
                                for message in self.messages(item_path))
            controls = [self.control(member, item.get(member.key), f"{item_path}.{member.key}", context_label=legend)
                        for member in f.fields if f"{item_path}.{member.key}" in self.shown]
            control.items.append(Item(id=f"id_{field_name(item_path)}", legend=legend, controls=controls,
                                      remove_value=f"{control.name}-{index}", can_remove=len(items) > f.min_items))


def _with_group_items(definition: FormDefinition, page: str, raw: Any) -> dict:
    """``raw`` with each group of the page holding at least its minimum of items (blank ones), at most its max."""
    raw = dict(raw) if isinstance(raw, dict) else {}
    for f in definition.page(page).fields:
        if f.type == "group":
            items = raw.get(f.key)
            items = list(items) if isinstance(items, list) else []
            items += [{} for _missing in range(f.min_items - len(items))]
            raw[f.key] = items[:f.max_items]
    return raw


def page_context(definition: FormDefinition | Any, page: str, *, values: dict | None = None,
                 errors: dict[str, list[AnswerError]] | None = None) -> dict[str, Any]:
    """The template context for one page: its shown controls, the error summary, whether files are sent."""
    definition = ensure_definition(definition)
    raw = _with_group_items(definition, page, values)
    shown = fields_shown(definition, raw, page=page)
    target = definition.page(page)
    builder = _Builder(errors or {}, shown)
    controls = [builder.control(f, raw.get(f.key), f.key) for f in target.fields if f.key in shown]
    return {
        "page": target,
        "title": pick(target.title),
        "intro": pick(target.intro) if target.intro else "",
        "controls": controls,
        "error_summary": builder.summary,
        "multipart": definition.page_has_files(page),
    }


def render_page(definition: FormDefinition | Any, page: str, *, values: dict | None = None,
                errors: dict[str, list[AnswerError]] | None = None, request=None, action: str = "",
                submit_label: str | None = None, template_name: str = TEMPLATE_PAGE) -> SafeString:
    """The ``<form>`` for one page, with the raw ``values`` shown back and ``errors`` by path.

    ``values`` are raw answers (what was posted, a draft, ``prefill``, or
    ``answers_as_input`` of cleaned ones). Pass ``request`` for the CSRF token.
    """
    context = page_context(definition, page, values=values, errors=errors)
    context.update(action=action, submit_label=submit_label or _("Continue"))
    return render_to_string(template_name, context, request=request)


# --- check your answers -------------------------------------------------------------------


@dataclass
class SummaryRow:
    label: str
    text: str = ""
    lines: list[str] = field(default_factory=list)
    literal: bool = False  # an identifier: shown left to right, marked as data
    free_text: bool = False  # typed by the person, in whichever language: isolated with <bdi>
    items: list[SummaryItem] = field(default_factory=list)
    is_group: bool = False


@dataclass
class SummaryItem:
    legend: str
    rows: list[SummaryRow]


@dataclass
class SummarySection:
    key: str
    title: str
    rows: list[SummaryRow]
    change_url: str = ""


def _number_text(value: Any, decimals: int) -> str:
    try:
        number = Decimal(value) if isinstance(value, str) else value
        return formats.number_format(number, decimal_pos=decimals or None, use_l10n=True, force_grouping=True)
    except (ArithmeticError, TypeError, ValueError):
        return str(value)


def _summary_row(f: Field, value: Any, context: dict[str, Any]) -> SummaryRow:
    row = SummaryRow(label=pick(f.label))
    if f.type == "group":
        row.is_group = True
        item_label = pick(f.item_label) if f.item_label else _("Item")
        for index, item in enumerate(value if isinstance(value, list) else []):
            item = item if isinstance(item, dict) else {}

            def lookup(key: str, item: dict = item) -> Any:
                return item.get(key) if key in {m.key for m in f.fields} else context.get(key)

            rows = [_summary_row(member, item.get(member.key), context) for member in f.fields
                    if member.show_if is None or member.show_if.evaluate(lookup)]
            row.items.append(SummaryItem(_("%(item)s %(number)d") % {"item": item_label, "number": index + 1}, rows))
        if not row.items:
            row.text = _("None")
        return row
    if value is None:
        row.text = _("Not provided")
        return row
    if f.type in ("text", "long_text"):
        row.free_text = True
        row.lines = str(value).split("\n") if f.type == "long_text" else []
        row.text = str(value)
    elif f.type == "number":
        row.text, row.literal = _number_text(value, f.decimals), True
    elif f.type == "money":
        row.text = format_money(int(value), f.currency) if isinstance(value, int) else str(value)
    elif f.type == "date":
        day = parse_iso_date(value) if isinstance(value, str) else None
        row.text = formats.date_format(day, "DATE_FORMAT") if day else str(value)
    elif f.type == "select":
        option = f.option(value)
        row.text = pick(option.label) if option else str(value)
    elif f.type == "multi_select":
        chosen = value if isinstance(value, list) else [value]
        row.lines = [pick(o.label) for o in f.options if o.value in chosen]
    elif f.type == "yes_no":
        row.text = str(YES_NO[0][1] if value is True else YES_NO[1][1])
    elif f.type in ("emirates_id", "mobile", "email"):
        row.text, row.literal = str(value), True
    elif f.type == "address" and isinstance(value, dict):
        emirate = EMIRATES.get(value.get("emirate", ""))
        row.free_text = True
        row.lines = [str(value[part]) for part in ("building", "street", "area") if value.get(part)]
        if emirate:
            row.lines.append(pick(emirate))
    elif f.type == "file" and isinstance(value, dict):
        row.text, row.literal = str(value.get("name", "")), True
    else:
        row.text = str(value)
    return row


def summary_sections(definition: FormDefinition | Any, values: dict[str, Any], *,
                     change_url: Callable[[str], str] | None = None) -> list[SummarySection]:
    """Label and value of every shown field, page by page, in the active language."""
    definition = ensure_definition(definition)
    values = values if isinstance(values, dict) else {}
    sections = []
    for page in definition.pages:
        if page.show_if is not None and not page.show_if.evaluate(values.get):
            continue
        rows = [_summary_row(f, values.get(f.key), values) for f in page.fields
                if f.show_if is None or f.show_if.evaluate(values.get)]
        sections.append(SummarySection(key=page.key, title=pick(page.title), rows=rows,
                                       change_url=change_url(page.key) if change_url else ""))
    return sections


def render_summary(definition: FormDefinition | Any, values: dict[str, Any], *,
                   change_url: Callable[[str], str] | None = None, request=None,
                   template_name: str = TEMPLATE_SUMMARY) -> SafeString:
    """The "check your answers" list for cleaned ``values``; ``change_url(page_key)`` adds "Change" links."""
    sections = summary_sections(definition, values, change_url=change_url)
    return render_to_string(template_name, {"sections": sections}, request=request)

