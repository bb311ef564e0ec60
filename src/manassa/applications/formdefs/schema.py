"""The form definition format ``manassa-form/1``: checking a definition and its parsed shape.

docs/forms.md is the reference other tools rely on. The contract kept here:

- ``definition_validate(document)`` reports *every* author error at once, each
  as ``<JSON path>: <reason>`` (``pages[1].fields[3].options: required for select``),
  by raising ``InvalidFormDefinition``; otherwise it returns a ``FormDefinition``;
- unknown keys and types are errors, never ignored, so a typo cannot silently
  switch a rule off;
- field keys are unique across the whole form, groups included, and a
  condition only refers to fields defined before it, so answers can be
  cleaned in one pass in document order.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from manassa.accounts.validators import normalize_emirates_id, normalize_uae_mobile
from manassa.applications.formdefs.conditions import AllOf, AnyOf, Compare, Condition, Not
from manassa.applications.formdefs.patterns import TEXT_INPUT_MAX, UnsafePattern, pattern_check
from manassa.core.documents import document_parse, show_value, type_name
from manassa.core.errors import InvalidDocument, storable_text
from manassa.core.money import MINOR_UNITS

FORMAT = "manassa-form/1"

FIELD_TYPES = (
    "text", "long_text", "number", "money", "date", "select", "multi_select", "yes_no",
    "emirates_id", "mobile", "email", "address", "file", "group",
)
# Types whose answer is one comparable value (or a list of option values), so a condition can test it.
CONDITION_TYPES = frozenset(FIELD_TYPES) - {"address", "file", "group"}

KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
OPTION_VALUE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
CONTENT_TYPE = re.compile(r"[a-z0-9][a-z0-9.+-]{0,63}/(?:\*|[a-z0-9][a-z0-9.+-]{0,126})")
ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
RELATIVE_DATE = re.compile(r"today(?:([+-])([0-9]{1,4})([dmy]))?")

# The seven emirates, in constitutional order, with their usual three-letter codes.
EMIRATES: dict[str, dict[str, str]] = {
    "AUH": {"ar": "أبوظبي", "en": "Abu Dhabi"},
    "DXB": {"ar": "دبي", "en": "Dubai"},
    "SHJ": {"ar": "الشارقة", "en": "Sharjah"},
    "AJM": {"ar": "عجمان", "en": "Ajman"},
    "UAQ": {"ar": "أم القيوين", "en": "Umm Al Quwain"},
    "RAK": {"ar": "رأس الخيمة", "en": "Ras Al Khaimah"},
    "FUJ": {"ar": "الفجيرة", "en": "Fujairah"},
}
ADDRESS_PARTS = ("emirate", "area", "street", "building")
ADDRESS_PART_LABELS = {
    "emirate": gettext_lazy("Emirate"),
    "area": gettext_lazy("Area"),
    "street": gettext_lazy("Street"),
    "building": gettext_lazy("Building or villa"),
}
ADDRESS_PART_MAX = 200

# Where a field can take its first value from; the value getters live in prefill.py.
PREFILL_SOURCES: dict[str, str] = {
    "profile.name_ar": "text",
    "profile.name_en": "text",
    "profile.emirates_id": "emirates_id",
    "profile.mobile": "mobile",
    "profile.email": "email",
}
# HTML autocomplete tokens an author may put on a text field (WCAG 1.3.5 "identify input purpose").
AUTOCOMPLETE_TOKENS = (
    "name", "honorific-prefix", "given-name", "additional-name", "family-name", "nickname",
    "organization", "organization-title", "off",
)

TEXT_MAX = TEXT_INPUT_MAX  # one line; also what regex patterns are budgeted for
LONG_TEXT_MAX = 10_000
LONG_TEXT_DEFAULT_MAX = 2_000
LABEL_MAX = 200
HELP_MAX = 1_000
PAGES_MAX = 50
PAGE_FIELDS_MAX = 100
FORM_FIELDS_MAX = 500
GROUP_FIELDS_MAX = 30
ITEMS_MAX = 50
ITEMS_DEFAULT_MAX = 10
OPTIONS_MAX = 300
CONDITION_DEPTH_MAX = 8
CONDITION_NODES_MAX = 50
CONDITION_LIST_MAX = 50
CONTENT_TYPES_MAX = 20
FILE_SIZE_MAX = 50 * 1024 * 1024
DECIMALS_MAX = 6
NUMBER_LIMIT = Decimal(10) ** 15  # magnitudes below this keep 15 significant digits exact
AMOUNT_DIGITS_MAX = 15

COMMON_KEYS = frozenset({"key", "type", "label", "help", "required", "show_if"})
TYPE_KEYS: dict[str, frozenset[str]] = {
    "text": frozenset({"min_length", "max_length", "pattern", "lang", "autocomplete", "prefill"}),
    "long_text": frozenset({"min_length", "max_length", "lang"}),
    "number": frozenset({"min", "max", "decimals"}),
    "money": frozenset({"min", "max", "currency"}),
    "date": frozenset({"min", "max"}),
    "select": frozenset({"options", "display"}),
    "multi_select": frozenset({"options", "min_choices", "max_choices"}),
    "yes_no": frozenset(),
    "emirates_id": frozenset({"prefill"}),
    "mobile": frozenset({"prefill"}),
    "email": frozenset({"prefill"}),
    "address": frozenset({"emirates"}),
    "file": frozenset({"content_types", "max_size"}),
    "group": frozenset({"fields", "min_items", "max_items", "item_label"}),
}
TYPE_REQUIRED_KEYS: dict[str, frozenset[str]] = {
    "select": frozenset({"options"}),
    "multi_select": frozenset({"options"}),
    "file": frozenset({"content_types", "max_size"}),
    "group": frozenset({"fields"}),
}
ALL_FIELD_KEYS = COMMON_KEYS.union(*TYPE_KEYS.values())


class InvalidFormDefinition(InvalidDocument):
    """The definition cannot be used; ``errors`` lists every problem as ``path: reason``."""

    code = "invalid_form_definition"
    default_message = gettext_lazy("The form definition has errors.")

    @staticmethod
    def summary(count: int) -> str:
        return ngettext(
            "The form definition has %(count)d error.",
            "The form definition has %(count)d errors.",
            count,
        ) % {"count": count}


# --- the parsed shape ----------------------------------------------------------


@dataclass(frozen=True)
class Option:
    value: str
    label: dict[str, str]


@dataclass(frozen=True)
class Pattern:
    regex: str
    message: dict[str, str]
    compiled: re.Pattern = field(compare=False, repr=False)


@dataclass(frozen=True)
class DateBound:
    """A fixed date, or a date relative to the day of the answer (Asia/Dubai)."""

    text: str
    fixed: datetime.date | None = None
    offset: int = 0
    unit: str = "d"

    def resolve(self, today: datetime.date) -> datetime.date:
        if self.fixed is not None:
            return self.fixed
        if self.unit == "d":
            return today + datetime.timedelta(days=self.offset)
        months = self.offset * (12 if self.unit == "y" else 1)
        month_index = today.year * 12 + today.month - 1 + months
        year, month = divmod(month_index, 12)
        year = min(max(year, 1), 9999)
        # 29 February minus a year is 28 February.
        for day in range(today.day, 27, -1):
            try:
                return datetime.date(year, month + 1, day)
            except ValueError:
                continue
        return datetime.date(year, month + 1, min(today.day, 28))


@dataclass(frozen=True, kw_only=True)
class Field:
    key: str
    type: str
    label: dict[str, str]
    help: dict[str, str] | None = None
    required: bool = False
    show_if: Condition | None = None
    page: str = ""
    group: str | None = None  # the key of the group this field belongs to
    # text, long_text
    min_length: int | None = None
    max_length: int | None = None
    pattern: Pattern | None = None
    lang: str | None = None
    autocomplete: str | None = None
    prefill: str | None = None
    # number (Decimal), money (int, minor units), date (DateBound)
    min_value: Any = None
    max_value: Any = None
    decimals: int = 0
    currency: str = "AED"
    # select, multi_select
    options: tuple[Option, ...] = ()
    display: str = "dropdown"
    min_choices: int | None = None
    max_choices: int | None = None
    # address
    emirates: tuple[str, ...] = tuple(EMIRATES)
    # file
    content_types: tuple[str, ...] = ()
    max_size: int | None = None
    # group
    fields: tuple[Field, ...] = ()
    min_items: int = 0
    max_items: int = ITEMS_DEFAULT_MAX
    item_label: dict[str, str] | None = None

    def option(self, value: Any) -> Option | None:
        return next((option for option in self.options if option.value == value), None)


@dataclass(frozen=True)
class Page:
    key: str
    title: dict[str, str]
    fields: tuple[Field, ...]
    intro: dict[str, str] | None = None
    show_if: Condition | None = None


@dataclass(frozen=True, eq=False)
class FormDefinition:
    pages: tuple[Page, ...]
    # Every field by key, group members included.
    fields: dict[str, Field]
    document: dict

    def page(self, key: str) -> Page:
        for page in self.pages:
            if page.key == key:
                return page
        raise KeyError(key)

    def page_has_files(self, key: str) -> bool:
        return any(f.type == "file" or any(s.type == "file" for s in f.fields) for f in self.page(key).fields)


# --- parsing ---------------------------------------------------------------------


def definition_parse(raw: bytes | str) -> Any:
    """The JSON value in ``raw``; ``InvalidFormDefinition`` with the line and column when it is not JSON."""
    return document_parse(raw, error=InvalidFormDefinition)


def definition_validate(document: Any) -> FormDefinition:
    """The definition in ``document`` (parsed JSON, or JSON text); raises ``InvalidFormDefinition``."""
    if isinstance(document, str | bytes | bytearray):
        document = definition_parse(document)
    checker = _Checker()
    try:
        definition = checker.document(document)
    except RecursionError:
        checker.error("", _("nested too deeply"))
        definition = None
    if checker.errors or definition is None:
        raise InvalidFormDefinition(checker.errors)
    return definition


def definition_errors(document: Any) -> list[str]:
    """Every author error in ``document`` as ``path: reason``; empty when it is valid."""
    try:
        definition_validate(document)
    except InvalidFormDefinition as exc:
        return exc.errors
    return []


def ensure_definition(definition: FormDefinition | Any) -> FormDefinition:
    return definition if isinstance(definition, FormDefinition) else definition_validate(definition)


# --- checking --------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def parse_amount(text: str, currency: str) -> int | None:
    """``"150.50"`` → 15050 minor units, or None. Plain digits only: the author format, not user input."""
    unit = MINOR_UNITS.get(currency, 100)
    places = len(str(unit)) - 1
    match = re.fullmatch(rf"(0|[1-9][0-9]{{0,{AMOUNT_DIGITS_MAX - 1}}})(?:\.([0-9]{{1,{max(places, 1)}}}))?", text)
    if not match or not places and match.group(2):
        return None
    return int(match.group(1)) * unit + int((match.group(2) or "").ljust(places, "0") or 0)


def parse_iso_date(text: str) -> datetime.date | None:
    match = ISO_DATE.fullmatch(text)
    if not match:
        return None
    try:
        return datetime.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


@dataclass
class _Seen:
    path: str
    type: str | None
    group: str | None
    field: Field | None = None


class _Checker:
    """Walks the document once in order, collecting every problem."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.seen: dict[str, _Seen] = {}
        self.all_keys: set[str] = set()
        self.page_keys: dict[str, str] = {}
        self.field_count = 0
        self._condition_nodes = 0

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path or '$'}: {message}")

    # Shapes ---------------------------------------------------------------------

    def record(self, value: Any, path: str, required: set[str] | frozenset[str],
               allowed: set[str] | frozenset[str]) -> dict | None:
        if not isinstance(value, dict):
            self.error(path, _("must be an object, not %(type)s") % {"type": type_name(value)})
            return None
        for key in getattr(value, "duplicates", ()):
            self.error(self.sub(path, key), _("given more than once"))
        for key in value:
            if key not in allowed:
                self.error(self.sub(path, key), _("unknown key"))
        for key in sorted(required):
            if key not in value:
                self.error(self.sub(path, key), _("required"))
        return value

    @staticmethod
    def sub(path: str, key: Any) -> str:
        if isinstance(key, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            return f"{path}.{key}" if path else key
        return f"{path}[{json.dumps(str(key))}]"

    def items(self, value: Any, path: str, *, limit: int, allow_empty: bool = False) -> list:
        if not isinstance(value, list):
            self.error(path, _("must be a list, not %(type)s") % {"type": type_name(value)})
            return []
        if not value and not allow_empty:
            self.error(path, _("must not be empty"))
        if len(value) > limit:
            self.error(path, _("at most %(limit)d items (%(count)d given)") % {"limit": limit, "count": len(value)})
        return value

    def text(self, value: Any, path: str, *, max_length: int) -> str | None:
        if not isinstance(value, str):
            self.error(path, _("must be a string, not %(type)s") % {"type": type_name(value)})
            return None
        if not storable_text(value):
            self.error(path, _("contains characters that cannot be stored (NUL or an unpaired surrogate)"))
            return None
        if not value.strip():
            self.error(path, _("must not be empty"))
            return None
        if len(value) > max_length:
            self.error(path, _("at most %(max)d characters (%(count)d given)") % {"max": max_length,
                                                                                  "count": len(value)})
        return value.strip()

    def bilingual(self, value: Any, path: str, *, max_length: int) -> dict[str, str] | None:
        obj = self.record(value, path, {"ar", "en"}, {"ar", "en"})
        if obj is None:
            return None
        ar = self.text(obj["ar"], self.sub(path, "ar"), max_length=max_length) if "ar" in obj else None
        en = self.text(obj["en"], self.sub(path, "en"), max_length=max_length) if "en" in obj else None
        return {"ar": ar, "en": en} if ar and en else None

    def boolean(self, value: Any, path: str) -> bool:
        if not isinstance(value, bool):
            self.error(path, _("must be true or false, not %(type)s") % {"type": type_name(value)})
            return False
        return value

    def integer(self, value: Any, path: str, *, low: int, high: int) -> int | None:
        if not isinstance(value, int) or isinstance(value, bool):
            self.error(path, _("must be a whole number, not %(type)s") % {"type": type_name(value)})
            return None
        if not low <= value <= high:
            self.error(path, _("must be between %(low)d and %(high)d") % {"low": low, "high": high})
            return None
        return value

    def key(self, value: Any, path: str) -> str | None:
        if not isinstance(value, str) or not KEY.fullmatch(value):
            self.error(path, _("%(value)s is not a valid key: lowercase letters, digits and '_', starting with "
                               "a letter, at most 40 characters") % {"value": show_value(value)})
            return None
        return value

    def bounds(self, path: str, low: Any, high: Any, low_key: str, high_key: str) -> None:
        if low is not None and high is not None and low > high:
            self.error(self.sub(path, low_key), _("must not be greater than %(other)s") % {"other": high_key})

    # The document -------------------------------------------------------------------

    def document(self, document: Any) -> FormDefinition | None:
        root = self.record(document, "", {"format", "pages"}, {"format", "pages"})
        if root is None:
            return None
        if "format" in root and root["format"] != FORMAT:
            self.error("format", _("must be %(format)s") % {"format": show_value(FORMAT)})
        raw_pages = self.items(root.get("pages"), "pages", limit=PAGES_MAX) if "pages" in root else []
        self._prescan(raw_pages)
        pages = [self.page(value, f"pages[{index}]") for index, value in enumerate(raw_pages)]
        if self.field_count > FORM_FIELDS_MAX:
            self.error("pages", _("at most %(limit)d fields in a form, groups included (%(count)d given)")
                       % {"limit": FORM_FIELDS_MAX, "count": self.field_count})
        if self.errors or None in pages:
            return None
        fields = {key: seen.field for key, seen in self.seen.items()}
        return FormDefinition(pages=tuple(pages), fields=fields, document=document)

    def _prescan(self, pages: list) -> None:
        """Every key anywhere in the form, to tell "defined later" from "not defined" in conditions."""
        def visit(fields: Any) -> None:
            for value in fields if isinstance(fields, list) else ():
                if isinstance(value, dict):
                    if isinstance(value.get("key"), str):
                        self.all_keys.add(value["key"])
                    if value.get("type") == "group":
                        visit(value.get("fields"))
        for page in pages:
            if isinstance(page, dict):
                visit(page.get("fields"))

    def page(self, value: Any, path: str) -> Page | None:
        obj = self.record(value, path, {"key", "title", "fields"}, {"key", "title", "fields", "intro", "show_if"})
        if obj is None:
            return None
        key = self.key(obj["key"], f"{path}.key") if "key" in obj else None
        if key is not None:
            if key in self.page_keys:
                self.error(f"{path}.key", _("%(key)s is already used at %(path)s")
                           % {"key": show_value(key), "path": self.page_keys[key]})
            else:
                self.page_keys[key] = path
        title = self.bilingual(obj["title"], f"{path}.title", max_length=LABEL_MAX) if "title" in obj else None
        intro = self.bilingual(obj["intro"], f"{path}.intro", max_length=HELP_MAX) if "intro" in obj else None
        show_if = self.condition_root(obj["show_if"], f"{path}.show_if", scope=None, own_key=None) \
            if "show_if" in obj else None
        raw_fields = self.items(obj["fields"], f"{path}.fields", limit=PAGE_FIELDS_MAX) if "fields" in obj else []
        fields = [self.field(item, f"{path}.fields[{index}]", page=key or "", group=None)
                  for index, item in enumerate(raw_fields)]
        if key is None or title is None or None in fields:
            return None
        return Page(key=key, title=title, intro=intro, show_if=show_if, fields=tuple(fields))

    # Fields -------------------------------------------------------------------------------

    def field(self, value: Any, path: str, *, page: str, group: str | None) -> Field | None:
        self.field_count += 1
        if not isinstance(value, dict):
            self.error(path, _("must be an object, not %(type)s") % {"type": type_name(value)})
            return None
        for key in getattr(value, "duplicates", ()):
            self.error(self.sub(path, key), _("given more than once"))
        type_ = self.field_type(value, path, group)
        if type_ is None:
            allowed = ALL_FIELD_KEYS
        else:
            allowed = (COMMON_KEYS - {"required"} if type_ == "group" else COMMON_KEYS) | TYPE_KEYS[type_]
        for key in value:
            if key in allowed:
                continue
            if key in ALL_FIELD_KEYS and type_ is not None:
                self.error(self.sub(path, key), _("not allowed for %(type)s") % {"type": type_})
            else:
                self.error(self.sub(path, key), _("unknown key"))
        for key in ("key", "label"):
            if key not in value:
                self.error(self.sub(path, key), _("required"))
        missing = sorted(key for key in TYPE_REQUIRED_KEYS.get(type_, ()) if key not in value)
        for key in missing:
            self.error(self.sub(path, key), _("required for %(type)s") % {"type": type_})

        key = self.key(value["key"], f"{path}.key") if "key" in value else None
        label = self.bilingual(value["label"], f"{path}.label", max_length=LABEL_MAX) if "label" in value else None
        help_ = self.bilingual(value["help"], f"{path}.help", max_length=HELP_MAX) if "help" in value else None
        required = self.boolean(value["required"], f"{path}.required") if "required" in value else False
        show_if = self.condition_root(value["show_if"], f"{path}.show_if", scope=group, own_key=key) \
            if "show_if" in value else None

        seen = None
        if key is not None:
            if key in self.seen:
                self.error(f"{path}.key", _("%(key)s is already used at %(path)s")
                           % {"key": show_value(key), "path": self.seen[key].path})
            else:
                seen = self.seen[key] = _Seen(path=path, type=type_, group=group)
        if type_ is None or missing:
            return None

        options = self.type_options(type_, value, path, key=key, group=group, page=page)
        if key is None or label is None or options is None:
            return None
        built = Field(key=key, type=type_, label=label, help=help_, required=required, show_if=show_if,
                      page=page, group=group, **options)
        if seen is not None:
            seen.field = built
        return built

    def field_type(self, value: dict, path: str, group: str | None) -> str | None:
        if "type" not in value:
            self.error(f"{path}.type", _("required"))
            return None
        type_ = value["type"]
        if not isinstance(type_, str) or type_ not in FIELD_TYPES:
            self.error(f"{path}.type", _("unknown type %(type)s; expected one of: %(types)s")
                       % {"type": show_value(type_), "types": ", ".join(FIELD_TYPES)})
            return None
        if type_ == "group" and group is not None:
            self.error(f"{path}.type", _("a group cannot contain another group"))
            return None
        return type_

    def type_options(self, type_: str, value: dict, path: str, *, key: str | None, group: str | None,
                     page: str) -> dict | None:
        """The type-specific settings as ``Field`` keyword arguments; None when one is invalid."""
        before = len(self.errors)
        options: dict[str, Any] = {}

        def given(name: str) -> bool:
            return name in value and name in TYPE_KEYS[type_]

        if type_ in ("text", "long_text"):
            cap = TEXT_MAX if type_ == "text" else LONG_TEXT_MAX
            if given("min_length"):
                options["min_length"] = self.integer(value["min_length"], f"{path}.min_length", low=0, high=cap)
            options["max_length"] = cap if type_ == "text" else LONG_TEXT_DEFAULT_MAX
            if given("max_length"):
                options["max_length"] = self.integer(value["max_length"], f"{path}.max_length", low=1, high=cap)
            self.bounds(path, options.get("min_length"), options["max_length"], "min_length", "max_length")
            if given("lang"):
                if value["lang"] not in ("ar", "en"):
                    self.error(f"{path}.lang", _("must be 'ar' or 'en'"))
                else:
                    options["lang"] = value["lang"]
            if given("pattern"):
                options["pattern"] = self.pattern(value["pattern"], f"{path}.pattern")
            if given("autocomplete"):
                if value["autocomplete"] not in AUTOCOMPLETE_TOKENS:
                    self.error(f"{path}.autocomplete", _("%(value)s is not one of: %(choices)s")
                               % {"value": show_value(value["autocomplete"]),
                                  "choices": ", ".join(AUTOCOMPLETE_TOKENS)})
                else:
                    options["autocomplete"] = value["autocomplete"]
        elif type_ == "number":
            decimals = 0
            if given("decimals"):
                decimals = self.integer(value["decimals"], f"{path}.decimals", low=0, high=DECIMALS_MAX) or 0
            options["decimals"] = decimals
            for name in ("min", "max"):
                if given(name):
                    options[f"{name}_value"] = self.number(value[name], f"{path}.{name}")
            self.bounds(path, options.get("min_value"), options.get("max_value"), "min", "max")
        elif type_ == "money":
            currency = value.get("currency", "AED") if given("currency") else "AED"
            if currency not in MINOR_UNITS:
                self.error(f"{path}.currency", _("%(value)s is not one of: %(choices)s")
                           % {"value": show_value(currency), "choices": ", ".join(MINOR_UNITS)})
                currency = "AED"
            options["currency"] = currency
            for name in ("min", "max"):
                if given(name):
                    options[f"{name}_value"] = self.amount(value[name], f"{path}.{name}", currency)
            self.bounds(path, options.get("min_value"), options.get("max_value"), "min", "max")
        elif type_ == "date":
            for name in ("min", "max"):
                if given(name):
                    options[f"{name}_value"] = self.date_bound(value[name], f"{path}.{name}")
            low, high = options.get("min_value"), options.get("max_value")
            if low is not None and high is not None and (low.fixed is None) == (high.fixed is None):
                reference = datetime.date(2000, 3, 1)
                self.bounds(path, low.resolve(reference), high.resolve(reference), "min", "max")
        elif type_ in ("select", "multi_select"):
            options["options"] = self.choice_options(value["options"], f"{path}.options") \
                if "options" in value else ()
            count = len(options["options"])
            if type_ == "select" and given("display"):
                if value["display"] not in ("dropdown", "radios"):
                    self.error(f"{path}.display", _("must be 'dropdown' or 'radios'"))
                else:
                    options["display"] = value["display"]
            for name in ("min_choices", "max_choices"):
                if given(name):
                    options[name] = self.integer(value[name], f"{path}.{name}", low=0 if name == "min_choices" else 1,
                                                 high=max(count, 1))
            self.bounds(path, options.get("min_choices"), options.get("max_choices"), "min_choices", "max_choices")
        elif type_ == "address" and given("emirates"):
            codes = self.items(value["emirates"], f"{path}.emirates", limit=len(EMIRATES))
            chosen = []
            for index, code in enumerate(codes):
                if code not in EMIRATES:
                    self.error(f"{path}.emirates[{index}]", _("%(value)s is not one of: %(choices)s")
                               % {"value": show_value(code), "choices": ", ".join(EMIRATES)})
                elif code in chosen:
                    self.error(f"{path}.emirates[{index}]",
                               _("%(value)s is listed twice") % {"value": show_value(code)})
                else:
                    chosen.append(code)
            options["emirates"] = tuple(c for c in EMIRATES if c in chosen)
        elif type_ == "file":
            if "content_types" in value:
                types = self.items(value["content_types"], f"{path}.content_types", limit=CONTENT_TYPES_MAX)
                accepted: list[str] = []
                for index, item in enumerate(types):
                    if not isinstance(item, str) or not CONTENT_TYPE.fullmatch(item):
                        self.error(f"{path}.content_types[{index}]",
                                   _("%(value)s is not a content type like 'application/pdf' or 'image/*'")
                                   % {"value": show_value(item)})
                    elif item in accepted:
                        self.error(f"{path}.content_types[{index}]", _("%(value)s is listed twice")
                                   % {"value": show_value(item)})
                    else:
                        accepted.append(item)
                options["content_types"] = tuple(accepted)
            if "max_size" in value:
                options["max_size"] = self.integer(value["max_size"], f"{path}.max_size", low=1, high=FILE_SIZE_MAX)
        elif type_ == "group":
            options["min_items"] = self.integer(value["min_items"], f"{path}.min_items", low=0, high=ITEMS_MAX) \
                if given("min_items") else 0
            options["max_items"] = self.integer(value["max_items"], f"{path}.max_items", low=1, high=ITEMS_MAX) \
                if given("max_items") else ITEMS_DEFAULT_MAX
            self.bounds(path, options["min_items"], options["max_items"], "min_items", "max_items")
            if given("item_label"):
                options["item_label"] = self.bilingual(value["item_label"], f"{path}.item_label", max_length=LABEL_MAX)
            raw_fields = self.items(value["fields"], f"{path}.fields", limit=GROUP_FIELDS_MAX) \
                if "fields" in value else []
            members = [self.field(item, f"{path}.fields[{index}]", page=page, group=key or "")
                       for index, item in enumerate(raw_fields)]
            if None not in members:
                options["fields"] = tuple(members)

        if "prefill" in value and type_ in PREFILL_SOURCES.values():
            source = value["prefill"]
            if source not in PREFILL_SOURCES:
                self.error(f"{path}.prefill", _("%(value)s is not one of: %(choices)s")
                           % {"value": show_value(source), "choices": ", ".join(PREFILL_SOURCES)})
            elif PREFILL_SOURCES[source] != type_:
                self.error(f"{path}.prefill", _("%(source)s fills %(expected)s fields, not %(type)s")
                           % {"source": source, "expected": PREFILL_SOURCES[source], "type": type_})
            elif group is not None:
                self.error(f"{path}.prefill", _("not available inside a group"))
            else:
                options["prefill"] = source
        return options if len(self.errors) == before else None

    def number(self, value: Any, path: str) -> Decimal | None:
        if not _is_number(value):
            self.error(path, _("must be a number, not %(type)s") % {"type": type_name(value)})
            return None
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if not abs(number) < NUMBER_LIMIT:
            self.error(path, _("must be smaller than 10^15 in magnitude"))
            return None
        return number

    def amount(self, value: Any, path: str, currency: str) -> int | None:
        fils = parse_amount(value, currency) if isinstance(value, str) else None
        if fils is None:
            self.error(path, _("%(value)s is not an amount written like \"150.00\"") % {"value": show_value(value)})
        return fils

    def date_bound(self, value: Any, path: str) -> DateBound | None:
        if isinstance(value, str):
            fixed = parse_iso_date(value)
            if fixed is not None:
                return DateBound(text=value, fixed=fixed)
            match = RELATIVE_DATE.fullmatch(value)
            if match:
                sign, count, unit = match.groups()
                offset = int(count or 0) * (-1 if sign == "-" else 1)
                return DateBound(text=value, offset=offset, unit=unit or "d")
        self.error(path, _("%(value)s is not a date like \"2026-01-31\", \"today\" or \"today-18y\"")
                   % {"value": show_value(value)})
        return None

    def pattern(self, value: Any, path: str) -> Pattern | None:
        obj = self.record(value, path, {"regex", "message"}, {"regex", "message"})
        if obj is None:
            return None
        message = self.bilingual(obj["message"], f"{path}.message", max_length=HELP_MAX) \
            if "message" in obj else None
        if "regex" not in obj:
            return None
        regex = obj["regex"]
        if not isinstance(regex, str):
            self.error(f"{path}.regex", _("must be a string, not %(type)s") % {"type": type_name(regex)})
            return None
        try:
            compiled = pattern_check(regex)
        except UnsafePattern as exc:
            self.error(f"{path}.regex", _("refused: %(reason)s") % {"reason": exc})
            return None
        return Pattern(regex=regex, message=message, compiled=compiled) if message else None

    def choice_options(self, value: Any, path: str) -> tuple[Option, ...]:
        options: list[Option] = []
        values: dict[str, str] = {}
        for index, item in enumerate(self.items(value, path, limit=OPTIONS_MAX)):
            item_path = f"{path}[{index}]"
            obj = self.record(item, item_path, {"value", "label"}, {"value", "label"})
            if obj is None:
                continue
            option_value = obj.get("value")
            if "value" in obj:
                if not isinstance(option_value, str) or not OPTION_VALUE.fullmatch(option_value):
                    self.error(f"{item_path}.value", _("%(value)s is not a valid option value: letters, digits, "
                                                       "'_', '.' and '-', at most 64 characters")
                               % {"value": show_value(option_value)})
                    option_value = None
                elif option_value in values:
                    self.error(f"{item_path}.value", _("%(value)s is already used at %(path)s")
                               % {"value": show_value(option_value), "path": values[option_value]})
                    option_value = None
                else:
                    values[option_value] = item_path
            label = self.bilingual(obj["label"], f"{item_path}.label", max_length=LABEL_MAX) \
                if "label" in obj else None
            if option_value and label:
                options.append(Option(value=option_value, label=label))
        return tuple(options)

    # Conditions -------------------------------------------------------------------------

    def condition_root(self, value: Any, path: str, *, scope: str | None, own_key: str | None) -> Condition | None:
        self._condition_nodes = 0
        return self.condition(value, path, scope=scope, own_key=own_key, depth=1)

    def condition(self, value: Any, path: str, *, scope: str | None, own_key: str | None,
                  depth: int) -> Condition | None:
        self._condition_nodes += 1
        if self._condition_nodes == CONDITION_NODES_MAX + 1:
            self.error(path, _("a condition may have at most %(limit)d parts") % {"limit": CONDITION_NODES_MAX})
        if self._condition_nodes > CONDITION_NODES_MAX:
            return None
        if depth > CONDITION_DEPTH_MAX:
            self.error(path, _("nested more than %(limit)d levels deep") % {"limit": CONDITION_DEPTH_MAX})
            return None
        if not isinstance(value, dict):
            self.error(path, _("must be an object, not %(type)s") % {"type": type_name(value)})
            return None
        for key in getattr(value, "duplicates", ()):
            self.error(self.sub(path, key), _("given more than once"))
        for combinator in ("all", "any"):
            if combinator in value:
                self.record(value, path, {combinator}, {combinator})
                parts = self.items(value[combinator], f"{path}.{combinator}", limit=CONDITION_LIST_MAX)
                parsed = [self.condition(part, f"{path}.{combinator}[{index}]", scope=scope, own_key=own_key,
                                         depth=depth + 1) for index, part in enumerate(parts)]
                if not parsed or None in parsed:
                    return None
                return AllOf(tuple(parsed)) if combinator == "all" else AnyOf(tuple(parsed))
        if "not" in value:
            self.record(value, path, {"not"}, {"not"})
            inner = self.condition(value["not"], f"{path}.not", scope=scope, own_key=own_key, depth=depth + 1)
            return Not(inner) if inner is not None else None
        if "field" not in value:
            self.error(path, _("expected one of the keys 'field', 'all', 'any' or 'not'"))
            return None
        return self.comparison(value, path, scope=scope, own_key=own_key)

    def comparison(self, value: dict, path: str, *, scope: str | None, own_key: str | None) -> Condition | None:
        operators = [key for key in ("equals", "in", "answered") if key in value]
        for key in value:
            if key not in ("field", "equals", "in", "answered"):
                self.error(self.sub(path, key), _("unknown key"))
        if len(operators) != 1:
            self.error(path, _("needs exactly one of 'equals', 'in' or 'answered'"))
            return None
        operator = operators[0]
        reference = value["field"]
        seen = self.seen.get(reference) if isinstance(reference, str) else None
        if seen is None:
            if not isinstance(reference, str):
                self.error(f"{path}.field", _("must be a string, not %(type)s") % {"type": type_name(reference)})
            elif reference == own_key:
                self.error(f"{path}.field", _("a field cannot depend on itself"))
            elif reference in self.all_keys:
                self.error(f"{path}.field", _("%(key)s comes later in the form; a condition may only refer to "
                                              "fields before it") % {"key": show_value(reference)})
            else:
                self.error(f"{path}.field", _("%(key)s is not a field of this form") % {"key": show_value(reference)})
            return None
        if seen.group is not None and seen.group != scope:
            self.error(f"{path}.field", _("%(key)s is inside the group %(group)s; only fields of the same group "
                                          "can refer to it")
                       % {"key": show_value(reference), "group": show_value(seen.group)})
            return None
        if seen.type is not None and seen.type not in CONDITION_TYPES:
            self.error(f"{path}.field", _("a condition cannot test a %(type)s field") % {"type": seen.type})
            return None
        operand = value[operator]
        operand_path = f"{path}.{operator}"
        numeric = seen.type == "number"
        if operator == "answered":
            if not isinstance(operand, bool):
                self.error(operand_path, _("must be true or false, not %(type)s") % {"type": type_name(operand)})
                return None
            return Compare(reference, operator, operand)
        if seen.field is None:  # the field itself is broken and already reported
            return None
        if operator == "equals":
            normalised = self.operand(seen.field, operand, operand_path)
            return Compare(reference, operator, normalised, numeric) if normalised is not None else None
        items = self.items(operand, operand_path, limit=CONDITION_LIST_MAX)
        normalised_items = [self.operand(seen.field, item, f"{operand_path}[{index}]")
                            for index, item in enumerate(items)]
        if not normalised_items or None in normalised_items:
            return None
        return Compare(reference, operator, tuple(normalised_items), numeric)

    def operand(self, target: Field, value: Any, path: str) -> Any:
        """``value`` normalised like ``target``'s cleaned answers, so the two compare equal."""
        type_ = target.type
        if type_ == "yes_no":
            if isinstance(value, bool):
                return value
            self.error(path, _("must be true or false, not %(type)s") % {"type": type_name(value)})
            return None
        if type_ == "number":
            return self.number(value, path)
        if type_ == "money":
            return self.amount(value, path, target.currency)
        if not isinstance(value, str):
            self.error(path, _("must be a string, not %(type)s") % {"type": type_name(value)})
            return None
        if type_ in ("select", "multi_select"):
            if target.option(value) is None:
                self.error(path, _("%(value)s is not an option of %(key)s")
                           % {"value": show_value(value), "key": show_value(target.key)})
                return None
            return value
        if type_ == "date":
            if parse_iso_date(value) is None:
                self.error(path, _("%(value)s is not a date like \"2026-01-31\"") % {"value": show_value(value)})
                return None
            return value
        if type_ in ("emirates_id", "mobile"):
            try:
                return (normalize_emirates_id if type_ == "emirates_id" else normalize_uae_mobile)(value)
            except ValidationError as exc:
                self.error(path, " ".join(exc.messages))
                return None
        if type_ == "email":
            local, _at, domain = value.strip().rpartition("@")
            return f"{local}@{domain.lower()}" if local else value.strip()
        return value.strip()
