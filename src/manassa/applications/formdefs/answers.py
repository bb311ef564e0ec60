"""Answers to a form: read them from a form post or JSON, then clean them against the definition.

The pieces, in the order a page-by-page flow uses them:

- ``answers_from_querydict`` / ``answers_from_json`` turn a request into *raw*
  answers: a dict ``key → value`` shaped like the form (a group is a list of
  dicts, an address a dict of its parts) holding what the person typed;
- ``answers_clean`` turns raw answers into cleaned ones plus errors. It never
  raises on bad answers, whatever their shape: every problem becomes an error
  at a path (``vehicles[0].plate``, ``home.emirate``) with a message rendered
  in the language active when it is shown;
- ``answers_as_input`` turns cleaned answers back into raw ones, to show them
  in the form again.

A draft keeps *raw* answers and cleans them all again at each step, so the
page being answered sees the cleaned answers of earlier pages in its
conditions, and what a person typed is shown back exactly as typed.

Cleaned answers hold a key only for a field that is shown and answered:
hidden fields (their ``show_if`` is false, or their page's) are dropped, and
an unanswered optional field is absent rather than null. Values are JSON:
text stripped, numbers as int (or a string with the declared decimals, like
``"12.50"``), money as an int of minor units (fils), dates ``"YYYY-MM-DD"``,
yes/no as true/false, an Emirates ID as ``784-YYYY-NNNNNNN-C``, a mobile as
``+9715XXXXXXXX``, a multi-select as a list in the definition's option order,
an address as ``{"emirate", "area", "street", "building"}``, a file as its
metadata ``{"ref", "name", "content_type", "size"}``, a group as a list of
item dicts, one per item given (possibly empty dicts).
"""

from __future__ import annotations

import datetime
import json
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.template.defaultfilters import filesizeformat
from django.utils import formats, timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from manassa.accounts.validators import normalize_emirates_id, normalize_uae_mobile
from manassa.applications.formdefs.schema import (
    ADDRESS_PART_MAX,
    ADDRESS_PARTS,
    AMOUNT_DIGITS_MAX,
    EMIRATES,
    NUMBER_LIMIT,
    Field,
    FormDefinition,
    ensure_definition,
    parse_iso_date,
)
from manassa.core.errors import InvalidInput, storable_text
from manassa.core.files import type_names
from manassa.core.i18n import pick
from manassa.core.money import MINOR_UNITS, format_money

# Answers longer than this are refused before any parsing, so no input can make cleaning slow.
RAW_TEXT_MAX = 20_000
GROUP_ITEMS_READ_MAX = 200

_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫٬", "01234567890123456789.,")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029]")
_NUMBER = re.compile(r"(-?)([0-9]{1,15}|[0-9]{1,3}(?:,[0-9]{3}){1,4})(?:\.([0-9]{1,20}))?")
_AMOUNT = re.compile(r"([0-9]{1,15}|[0-9]{1,3}(?:,[0-9]{3}){1,4})(?:\.([0-9]{1,20}))?")
_DMY = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})")
_FILE_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/-]{0,199}")
_email = EmailValidator()

_lazy_money = lazy(format_money, str)
_lazy_size = lazy(filesizeformat, str)


def _date_text(value: datetime.date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


_lazy_date = lazy(_date_text, str)


@dataclass(frozen=True)
class AnswerError:
    """One problem with an answer: a stable ``code`` for programs, a message for people.

    The message is translated when it is turned into text, so one cleaning can
    be shown in Arabic and in English. ``message`` is a lazy translation or, for
    an author's pattern message, a ``{"ar", "en"}`` dict.
    """

    code: str
    message: Any
    params: Mapping[str, Any] | None = None

    def __str__(self) -> str:
        if isinstance(self.message, dict):
            return pick(self.message)
        if self.params:
            return str(self.message % dict(self.params))
        return str(self.message)


@dataclass
class CleanedAnswers:
    values: dict[str, Any]
    errors: dict[str, list[AnswerError]]
    # Paths of the fields shown with these answers (``name``, ``vehicles``, ``vehicles[0].plate``) and keys of
    # the pages shown: what a renderer shows and a summary lists.
    shown: set[str] = field(default_factory=set)
    pages_shown: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def messages(self) -> dict[str, list[str]]:
        """The errors as text in the active language, the shape ``InvalidInput(fields=…)`` and the API use."""
        return {path: [str(error) for error in errors] for path, errors in self.errors.items()}


class _Empty:
    """An answer that was not given (distinct from a given ``False`` or ``0``)."""


EMPTY = _Empty()

REQUIRED = _("This field is required.")
CHOOSE = _("Select an option.")


class _Cleaner:
    def __init__(self, definition: FormDefinition, report_page: str | None, *, show_page: str | None = None) -> None:
        self.definition = definition
        self.report_page = report_page
        # A page drawn on purpose (a preview, say) is treated as shown whatever its own condition.
        self.show_page = show_page
        self.errors: dict[str, list[AnswerError]] = {}
        self.shown: set[str] = set()
        self.reporting = True
        self.today = timezone.localdate()

    def add(self, path: str, code: str, message: Any, **params: Any) -> None:
        if self.reporting:
            self.errors.setdefault(path, []).append(AnswerError(code, message, params or None))

    def run(self, raw: Any) -> CleanedAnswers:
        values: dict[str, Any] = {}
        pages_shown: list[str] = []
        if not isinstance(raw, dict):
            self.add("", "invalid", _("The answers must be a JSON object of field keys and values."))
            raw = {}
        known = {f.key for page in self.definition.pages for f in page.fields}
        if self.report_page is None:
            for key in raw:
                if key not in known:
                    self.add(_path_key(key), "unknown", _("This question is not part of the form."))
        for page in self.definition.pages:
            self.reporting = self.report_page in (None, page.key)
            if page.show_if is not None and page.key != self.show_page and not page.show_if.evaluate(values.get):
                continue
            pages_shown.append(page.key)
            for f in page.fields:
                if f.show_if is not None and not f.show_if.evaluate(values.get):
                    continue
                self.shown.add(f.key)
                value = self.clean(f, raw.get(f.key, EMPTY), f.key, values)
                if value is not EMPTY:
                    values[f.key] = value
        return CleanedAnswers(values=values, errors=self.errors, shown=self.shown, pages_shown=pages_shown)

    # One field ---------------------------------------------------------------------

    def clean(self, f: Field, raw: Any, path: str, context: dict[str, Any]) -> Any:
        if f.type == "group":
            return self.group(f, raw, path, context)
        cleaner: Callable = getattr(self, f"clean_{f.type}")
        if raw is None or raw is EMPTY:
            value = EMPTY
        else:
            value = cleaner(f, raw, path)
            if value is None:  # invalid, already reported
                return EMPTY
        if value is EMPTY and f.required:
            self.add(path, "required", self.required_message(f))
        return value

    @staticmethod
    def required_message(f: Field) -> Any:
        if f.type in ("select", "yes_no"):
            return CHOOSE
        if f.type == "multi_select":
            return _("Select at least one option.")
        if f.type == "file":
            return _("Upload a file.")
        return REQUIRED

    def string(self, raw: Any, path: str, *, multiline: bool = False) -> str | _Empty | None:
        """``raw`` as stripped text; EMPTY when blank; None (reported) when it is not text."""
        if isinstance(raw, int) and not isinstance(raw, bool) and abs(raw) < NUMBER_LIMIT:
            raw = str(raw)  # an API client may send a number for a reference typed as text
        elif isinstance(raw, float) and math.isfinite(raw) and abs(raw) < 1e15:
            raw = repr(raw)
        if not isinstance(raw, str):
            self.add(path, "invalid", _("Enter text."))
            return None
        if len(raw) > RAW_TEXT_MAX:
            self.add(path, "max_length", _("This answer is too long."))
            return None
        if not storable_text(raw) or _CONTROL.search(raw) or (not multiline and _LINE_BREAK.search(raw.strip())):
            self.add(path, "invalid_characters", _("Remove the special characters this answer cannot contain."))
            return None
        text = unicodedata.normalize("NFC", raw).strip()
        return text if text else EMPTY

    def lengths(self, f: Field, text: str, path: str) -> bool:
        if f.max_length is not None and len(text) > f.max_length:
            self.add(path, "max_length", ngettext_lazy("Enter at most %(limit)d character.",
                                                       "Enter at most %(limit)d characters.", "limit"),
                     limit=f.max_length)
            return False
        if f.min_length is not None and len(text) < f.min_length:
            self.add(path, "min_length", ngettext_lazy("Enter at least %(limit)d character.",
                                                       "Enter at least %(limit)d characters.", "limit"),
                     limit=f.min_length)
            return False
        return True

    def clean_text(self, f: Field, raw: Any, path: str) -> Any:
        text = self.string(raw, path)
        if not isinstance(text, str):
            return text
        if not self.lengths(f, text, path):
            return None
        if f.pattern is not None and not f.pattern.compiled.fullmatch(text):
            self.add(path, "pattern", f.pattern.message)
            return None
        return text

    def clean_long_text(self, f: Field, raw: Any, path: str) -> Any:
        text = self.string(raw, path, multiline=True)
        if isinstance(text, str):
            text = text.replace("\r\n", "\n").replace("\r", "\n")
            if not self.lengths(f, text, path):
                return None
        return text

    def clean_number(self, f: Field, raw: Any, path: str) -> Any:
        number = self.decimal(raw, path, _NUMBER, invalid=_("Enter a number, for example 12."))
        if not isinstance(number, Decimal):
            return number
        exponent = number.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > f.decimals:
            if f.decimals == 0:
                self.add(path, "decimals", _("Enter a whole number."))
            else:
                self.add(path, "decimals", ngettext_lazy("Enter a number with at most %(places)d decimal place.",
                                                         "Enter a number with at most %(places)d decimal places.",
                                                         "places"), places=f.decimals)
            return None
        if f.min_value is not None and number < f.min_value:
            self.add(path, "min_value", _("Enter %(limit)s or more."), limit=_plain_number(f.min_value))
            return None
        if f.max_value is not None and number > f.max_value:
            self.add(path, "max_value", _("Enter %(limit)s or less."), limit=_plain_number(f.max_value))
            return None
        if f.decimals == 0:
            return int(number)
        return f"{number.quantize(Decimal(1).scaleb(-f.decimals)):f}"

    def decimal(self, raw: Any, path: str, pattern: re.Pattern, *, invalid: Any) -> Any:
        """A finite Decimal from a JSON number or typed text (Arabic digits and separators allowed)."""
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            self.add(path, "invalid", invalid)
            return None
        if isinstance(raw, int):
            if abs(raw) >= NUMBER_LIMIT:
                self.add(path, "invalid", invalid)
                return None
            return Decimal(raw)
        if isinstance(raw, float):
            text = repr(raw) if math.isfinite(raw) else ""
            try:
                number = Decimal(text)
            except InvalidOperation:
                self.add(path, "invalid", invalid)
                return None
            if not abs(number) < NUMBER_LIMIT:
                self.add(path, "invalid", invalid)
                return None
            return number
        text = raw.translate(_ARABIC_DIGITS).strip().replace(" ", "").replace("\u00a0", "")
        if not text:
            return EMPTY
        match = pattern.fullmatch(text[:64])
        if not match or len(text) > 64:
            self.add(path, "invalid", invalid)
            return None
        return Decimal(text.replace(",", ""))

    def clean_money(self, f: Field, raw: Any, path: str) -> Any:
        invalid = _("Enter an amount, for example 150.50.")
        amount = self.decimal(raw, path, _AMOUNT, invalid=invalid)
        if not isinstance(amount, Decimal):
            return amount
        unit = MINOR_UNITS.get(f.currency, 100)
        places = len(str(unit)) - 1
        exponent = amount.normalize().as_tuple().exponent
        if amount < 0 or (isinstance(exponent, int) and -exponent > places):
            self.add(path, "invalid", invalid)
            return None
        if amount >= Decimal(10) ** AMOUNT_DIGITS_MAX:
            self.add(path, "invalid", invalid)
            return None
        fils = int(amount * unit)
        if f.min_value is not None and fils < f.min_value:
            self.add(path, "min_value", _("Enter an amount of %(limit)s or more."),
                     limit=_lazy_money(f.min_value, f.currency))
            return None
        if f.max_value is not None and fils > f.max_value:
            self.add(path, "max_value", _("Enter an amount of %(limit)s or less."),
                     limit=_lazy_money(f.max_value, f.currency))
            return None
        return fils

    def clean_date(self, f: Field, raw: Any, path: str) -> Any:
        invalid = _("Enter a real date, for example 31/12/1990.")
        if not isinstance(raw, str):
            self.add(path, "invalid", invalid)
            return None
        text = raw.translate(_ARABIC_DIGITS).strip()[:40]
        if not text:
            return EMPTY
        value = parse_iso_date(text)
        if value is None:
            match = _DMY.fullmatch(text)
            if match:
                try:
                    value = datetime.date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
                except ValueError:
                    value = None
        if value is None:
            self.add(path, "invalid", invalid)
            return None
        if f.min_value is not None and value < (low := f.min_value.resolve(self.today)):
            self.add(path, "min_value", _("Enter a date on or after %(limit)s."), limit=_lazy_date(low))
            return None
        if f.max_value is not None and value > (high := f.max_value.resolve(self.today)):
            self.add(path, "max_value", _("Enter a date on or before %(limit)s."), limit=_lazy_date(high))
            return None
        return value.isoformat()

    def clean_select(self, f: Field, raw: Any, path: str) -> Any:
        if raw == "":
            return EMPTY
        if not isinstance(raw, str) or f.option(raw) is None:
            self.add(path, "invalid_choice", _("Select one of the options shown."))
            return None
        return raw

    def clean_multi_select(self, f: Field, raw: Any, path: str) -> Any:
        if not isinstance(raw, list | tuple):
            self.add(path, "invalid", _("Select from the options shown."))
            return None
        chosen = set()
        for item in raw if len(raw) <= len(f.options) + 10 else [None]:
            if item == "":
                continue
            if not isinstance(item, str) or f.option(item) is None:
                self.add(path, "invalid_choice", _("Select only the options shown."))
                return None
            chosen.add(item)
        if not chosen:
            return EMPTY
        if f.min_choices is not None and len(chosen) < f.min_choices:
            self.add(path, "min_choices", ngettext_lazy("Select at least %(limit)d option.",
                                                        "Select at least %(limit)d options.", "limit"),
                     limit=f.min_choices)
            return None
        if f.max_choices is not None and len(chosen) > f.max_choices:
            self.add(path, "max_choices", ngettext_lazy("Select at most %(limit)d option.",
                                                        "Select at most %(limit)d options.", "limit"),
                     limit=f.max_choices)
            return None
        return [option.value for option in f.options if option.value in chosen]

    def clean_yes_no(self, f: Field, raw: Any, path: str) -> Any:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str):
            word = raw.strip().lower()
            if word == "":
                return EMPTY
            if word in ("yes", "true"):
                return True
            if word in ("no", "false"):
                return False
        self.add(path, "invalid", _("Select yes or no."))
        return None

    def identifier(self, raw: Any, path: str, normalise: Callable[[str], str]) -> Any:
        text = self.string(raw, path)
        if not isinstance(text, str):
            return text
        try:
            return normalise(text)
        except ValidationError as exc:
            self.add(path, exc.code or "invalid", exc.message, **(exc.params or {}))
            return None

    def clean_emirates_id(self, f: Field, raw: Any, path: str) -> Any:
        return self.identifier(raw, path, normalize_emirates_id)

    def clean_mobile(self, f: Field, raw: Any, path: str) -> Any:
        return self.identifier(raw, path, normalize_uae_mobile)

    def clean_email(self, f: Field, raw: Any, path: str) -> Any:
        text = self.string(raw, path)
        if not isinstance(text, str):
            return text
        local, _at, domain = text.rpartition("@")
        address = f"{local}@{domain.lower()}" if local else text
        try:
            if len(address) > 254:
                raise ValidationError("too long")
            _email(address)
        except ValidationError:
            self.add(path, "invalid", _("Enter an e-mail address, for example name@example.com."))
            return None
        return address

    def clean_address(self, f: Field, raw: Any, path: str) -> Any:
        if not isinstance(raw, dict):
            self.add(path, "invalid", _("Enter the address."))
            return None
        parts: dict[str, str] = {}
        valid = True
        for key in raw:
            if key not in ADDRESS_PARTS:
                self.add(f"{path}.{_path_key(key)}", "unknown", _("This question is not part of the form."))
                valid = False
        for part in ADDRESS_PARTS:
            part_path = f"{path}.{part}"
            value = raw.get(part)
            text = EMPTY if value is None else self.string(value, part_path)
            if text is None:
                valid = False
                continue
            if isinstance(text, str) and len(text) > ADDRESS_PART_MAX:
                self.add(part_path, "max_length", ngettext_lazy("Enter at most %(limit)d character.",
                                                                "Enter at most %(limit)d characters.", "limit"),
                         limit=ADDRESS_PART_MAX)
                valid = False
                continue
            if part == "emirate" and isinstance(text, str):
                text = text.upper()
                if text not in EMIRATES or text not in f.emirates:
                    self.add(part_path, "invalid_choice", _("Select one of the emirates shown."))
                    valid = False
                    continue
            parts[part] = text if isinstance(text, str) else ""
        if not valid:
            return None
        if not any(parts.values()):
            return EMPTY
        # A partial address is as unusable as a wrong one: the emirate and area are always needed.
        if not parts.get("emirate"):
            self.add(f"{path}.emirate", "required", _("Select the emirate."))
            valid = False
        if not parts.get("area"):
            self.add(f"{path}.area", "required", _("Enter the area."))
            valid = False
        return {part: parts.get(part, "") for part in ADDRESS_PARTS} if valid else None

    def clean_file(self, f: Field, raw: Any, path: str) -> Any:
        if not isinstance(raw, dict) or set(raw) != {"ref", "name", "content_type", "size"}:
            self.add(path, "invalid", _("Upload the file again."))
            return None
        ref, name, content_type, size = raw["ref"], raw["name"], raw["content_type"], raw["size"]
        if not (isinstance(ref, str) and _FILE_REF.fullmatch(ref) and isinstance(name, str) and 0 < len(name) <= 255
                and storable_text(name) and isinstance(content_type, str) and len(content_type) <= 255):
            self.add(path, "invalid", _("Upload the file again."))
            return None
        try:
            validate_file(f, content_type=content_type, size=size)
        except ValidationError as exc:
            self.add(path, exc.code or "invalid", exc.message, **(exc.params or {}))
            return None
        return {"ref": ref, "name": name, "content_type": _base_content_type(content_type), "size": size}

    # Groups --------------------------------------------------------------------------

    def group(self, f: Field, raw: Any, path: str, context: dict[str, Any]) -> Any:
        if raw is None or raw is EMPTY:
            raw = []
        if not isinstance(raw, list | tuple):
            self.add(path, "invalid", _("Enter a list of items."))
            return EMPTY
        if len(raw) > f.max_items:
            self.add(path, "max_items", ngettext_lazy("Add at most %(limit)d item.",
                                                      "Add at most %(limit)d items.", "limit"), limit=f.max_items)
            raw = raw[:f.max_items]
        elif len(raw) < f.min_items:
            self.add(path, "min_items", ngettext_lazy("Add at least %(limit)d item.",
                                                      "Add at least %(limit)d items.", "limit"), limit=f.min_items)
        members = {member.key for member in f.fields}
        items: list[dict[str, Any]] = []
        for index, item in enumerate(raw):
            item_path = f"{path}[{index}]"
            cleaned: dict[str, Any] = {}
            items.append(cleaned)
            if not isinstance(item, dict):
                self.add(item_path, "invalid", _("Enter this item's answers."))
                continue
            for key in item:
                if key not in members:
                    self.add(f"{item_path}.{_path_key(key)}", "unknown", _("This question is not part of the form."))

            def lookup(key: str, cleaned: dict[str, Any] = cleaned) -> Any:
                return cleaned.get(key) if key in members else context.get(key)

            for member in f.fields:
                if member.show_if is not None and not member.show_if.evaluate(lookup):
                    continue
                member_path = f"{item_path}.{member.key}"
                self.shown.add(member_path)
                value = self.clean(member, item.get(member.key, EMPTY), member_path, context)
                if value is not EMPTY:
                    cleaned[member.key] = value
        return items if items else EMPTY


def _path_key(key: Any) -> str:
    if isinstance(key, str) and len(key) <= 60 and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        return key
    return json.dumps(str(key)[:60])


def _plain_number(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:f}"


def _base_content_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


# --- public functions ---------------------------------------------------------------


def answers_clean(definition: FormDefinition | Any, raw: Any, *, page: str | None = None) -> CleanedAnswers:
    """Cleaned answers and errors for ``raw``; never raises for bad answers.

    With ``page``, only that page's fields report errors (a page-by-page flow),
    while every page is still cleaned so conditions see earlier answers.
    Unknown keys are reported only when the whole form is cleaned.
    """
    definition = ensure_definition(definition)
    if page is not None:
        definition.page(page)  # KeyError for a page the form does not have: a bug in the caller
    return _Cleaner(definition, page).run(raw)


def fields_shown(definition: FormDefinition | Any, raw: Any, *, page: str) -> set[str]:
    """Paths of the fields shown with ``raw``, deciding ``page``'s own condition as true (for drawing it)."""
    definition = ensure_definition(definition)
    return _Cleaner(definition, page, show_page=page).run(raw).shown


def answers_validate(definition: FormDefinition | Any, raw: Any, *, page: str | None = None) -> dict[str, Any]:
    """The cleaned answers, or ``InvalidInput`` with every message by path (for services and the API)."""
    result = answers_clean(definition, raw, page=page)
    if result.errors:
        raise InvalidInput(fields=result.messages())
    return result.values


def validate_file(field: Field, *, content_type: str, size: Any) -> None:
    """Check an uploaded file against what the definition declares; raises ``ValidationError``.

    The upload code calls this before storing a file; ``answers_clean`` calls it
    again on the metadata the upload recorded. ``content_type`` is compared
    without parameters (``; charset=…``); ``image/*`` accepts every image type.
    """
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise ValidationError(_("Upload the file again."), code="invalid")
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if field.max_size is not None and size > field.max_size:
        raise ValidationError(_("The file must be %(limit)s or smaller."), code="max_size",
                              params={"limit": _lazy_size(field.max_size)})
    base = _base_content_type(content_type) if isinstance(content_type, str) else ""
    family = base.split("/", 1)[0] + "/*"
    if base not in field.content_types and family not in field.content_types:
        raise ValidationError(_("The file must be one of these types: %(types)s."), code="content_type",
                              params={"types": type_names(field.content_types)})


def answers_from_json(definition: FormDefinition | Any, body: bytes | str | Any) -> dict[str, Any]:
    """The raw answers in a JSON request body (or an already decoded object).

    Raises ``InvalidInput`` when the body is not a JSON object; anything wrong
    inside it is left to ``answers_clean``, which reports it by path.
    """
    ensure_definition(definition)
    if isinstance(body, bytes | bytearray | str):
        try:
            text = bytes(body).decode("utf-8-sig") if not isinstance(body, str) else body
            body = json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as exc:
            raise InvalidInput(_("The request body is not valid JSON.")) from exc
    if not isinstance(body, dict):
        raise InvalidInput(_("The answers must be a JSON object of field keys and values."))
    return body


def _refuse_constant(name: str):
    raise ValueError(name)


def _getlist(data: Any, name: str) -> list:
    if hasattr(data, "getlist"):
        return list(data.getlist(name))
    value = data.get(name)
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _get(data: Any, name: str) -> Any:
    if hasattr(data, "getlist"):
        values = data.getlist(name)
        return values[-1] if values else None
    return data.get(name)


def _item_count(data: Any, name: str, f: Field) -> int:
    count = _get(data, f"{name}-count")
    if isinstance(count, str) and count.isascii() and count.isdigit() and len(count) <= 4:
        return min(int(count), f.max_items)
    # Without the hidden count, the highest item index posted tells how many items there are.
    prefix = re.compile(re.escape(name) + r"-([0-9]{1,4})-")
    indexes = [int(m.group(1)) for key in data if isinstance(key, str) and (m := prefix.match(key))]
    return min(max(indexes) + 1, f.max_items) if indexes else 0


def _read(f: Field, data: Any, name: str) -> Any:
    if f.type == "multi_select":
        return _getlist(data, name)
    if f.type == "address":
        return {part: _get(data, f"{name}-{part}") or "" for part in ADDRESS_PARTS}
    if f.type == "group":
        return [
            {member.key: _read(member, data, f"{name}-{index}-{member.key}")
             for member in f.fields if member.type != "file"}
            for index in range(_item_count(data, name, f))
        ]
    return _get(data, name)


def answers_from_querydict(definition: FormDefinition | Any, data: Any, *, page: str | None = None) -> dict:
    """The raw answers posted by the HTML form of ``page`` (every page when None).

    Field names: ``key``; an address part ``key-emirate``; a group item's field
    ``key-0-member`` with the number of items in ``key-count``. Every field of
    the page gets a key (None when nothing was posted, so an unticked radio
    clears an earlier answer when merged into a draft), except files, which
    arrive through the upload handling and keep their stored metadata.
    """
    definition = ensure_definition(definition)
    pages = [definition.page(page)] if page is not None else definition.pages
    return {f.key: _read(f, data, f.key) for p in pages for f in p.fields if f.type != "file"}


@dataclass(frozen=True)
class GroupAction:
    """A press of a group's "add" or "remove" button (they post the form back; no JavaScript)."""

    kind: str  # "add" | "remove"
    group: str
    index: int | None = None


ADD_BUTTON = "_add"
REMOVE_BUTTON = "_remove"


def group_action_from_querydict(definition: FormDefinition | Any, data: Any) -> GroupAction | None:
    """The add/remove button pressed, if any: ``_add=<group>`` or ``_remove=<group>-<index>``.

    Control names start with ``_`` so they can never clash with a field key.
    """
    definition = ensure_definition(definition)
    added = _get(data, ADD_BUTTON)
    if isinstance(added, str):
        target = definition.fields.get(added)
        if target is not None and target.type == "group":
            return GroupAction("add", added)
    removed = _get(data, REMOVE_BUTTON)
    if isinstance(removed, str):
        key, _dash, index = removed.rpartition("-")
        target = definition.fields.get(key)
        if target is not None and target.type == "group" and index.isascii() and index.isdigit() and len(index) < 4:
            return GroupAction("remove", key, int(index))
    return None


def answers_apply_group_action(definition: FormDefinition | Any, raw: dict, action: GroupAction) -> dict:
    """A copy of ``raw`` with an item added to or removed from the group, within its min and max."""
    definition = ensure_definition(definition)
    f = definition.fields[action.group]
    items = raw.get(action.group)
    items = [dict(item) if isinstance(item, dict) else {} for item in items] if isinstance(items, list) else []
    while len(items) < f.min_items:
        items.append({})
    if action.kind == "add" and len(items) < f.max_items:
        items.append({})
    elif action.kind == "remove" and action.index is not None and action.index < len(items) \
            and len(items) > f.min_items:
        del items[action.index]
    return {**raw, action.group: items}


def answers_as_input(definition: FormDefinition | Any, values: dict[str, Any]) -> dict[str, Any]:
    """Raw answers that clean back to ``values``: what to show in the form for cleaned answers."""
    definition = ensure_definition(definition)

    def convert(f: Field, value: Any) -> Any:
        if f.type == "money" and isinstance(value, int):
            unit = MINOR_UNITS.get(f.currency, 100)
            whole, minor = divmod(value, unit)
            places = len(str(unit)) - 1
            return f"{whole}.{minor:0{places}d}" if places else str(whole)
        if f.type == "number" and isinstance(value, int):
            return str(value)
        if f.type == "yes_no" and isinstance(value, bool):
            return "yes" if value else "no"
        if f.type == "group" and isinstance(value, list):
            members = {member.key: member for member in f.fields}
            return [{k: convert(members[k], v) for k, v in item.items() if k in members}
                    for item in value if isinstance(item, dict)]
        return value

    return {key: convert(definition.fields[key], value) for key, value in values.items()
            if key in definition.fields}


def display_value(f: Field, raw: Any) -> Any:
    """A raw answer as the form control shows it: text for inputs, a set of values for choices."""
    if f.type == "multi_select":
        values = raw if isinstance(raw, list | tuple) else []
        return {v for v in values if isinstance(v, str)}
    if f.type == "yes_no":
        if raw is True or (isinstance(raw, str) and raw.strip().lower() in ("yes", "true")):
            return "yes"
        if raw is False or (isinstance(raw, str) and raw.strip().lower() in ("no", "false")):
            return "no"
        return ""
    if isinstance(raw, bool) or raw is None:
        return ""
    if isinstance(raw, int | float | Decimal):
        return str(raw)
    return raw if isinstance(raw, str) else ""
