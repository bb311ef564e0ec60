"""The catalog interchange format ``manassa-catalog/1``: parse, validate, apply and export.

One JSON document holds a whole catalog (entities, sectors, life events,
services); docs/catalog-format.md is the operator's guide. The contract other
tools rely on:

- an import is all or nothing, and a bad file yields *every* problem at once,
  each as ``<JSON path>: <reason>`` (``services[3].name.ar: required``);
- records are matched by ``code``; only real changes are written, each with
  one audit event carrying the diff, so importing the same file twice writes
  nothing the second time;
- ``catalog_export_json()`` is canonical: export → import into an empty
  database → export gives the same bytes.

Canonical form of an export (what an import normalises to):

- keys sorted; entities by code; sectors and life events in display order
  (``position``, then code; an import sets ``position`` from the file's
  order); services by code;
- every key of the format is present: ``website``, ``parent``, ``fee`` and
  ``fee_note`` are ``null`` when absent; ``keywords`` is ``{"ar": [], "en": []}``,
  ``requirements``/``life_events``/``channels`` are ``[]`` when empty;
  ``audience`` is always the explicit list (absent, null or ``[]`` in a file
  mean everyone, stored as the four audiences);
- lists keep the order they were given in (keywords, requirements, audience,
  channels), except a service's ``life_events``, which are a set and are
  written sorted by code;
- fees as a decimal string with two places (``"150.00"``).

The search index refreshes from ``Service.updated_at`` and the catalog
version, so every write here sets ``updated_at`` and bumps the version once.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from manassa.audit.services import AuditEntry, audit_record_many
from manassa.catalog.models import (
    Audience,
    CatalogState,
    Channel,
    LifeEvent,
    Sector,
    Service,
    ServiceStatus,
)
from manassa.catalog.services import catalog_version_bump
from manassa.core.documents import document_parse, show_value, type_name
from manassa.core.errors import InvalidDocument, storable_text
from manassa.entities.models import Entity, EntityKind

FORMAT = "manassa-catalog/1"

ENTITY_CODE = re.compile(r"[A-Z0-9-]{2,32}")
SERVICE_CODE = re.compile(r"[A-Z0-9-]{2,40}")
SECTOR_CODE = re.compile(r"[a-z0-9-]{2,40}")  # also life events
# At most 15 whole digits keeps any amount inside a 64-bit count of fils.
AMOUNT = re.compile(r"(0|[1-9][0-9]{0,14})(?:\.([0-9]{1,2}))?")
CURRENCY = re.compile(r"[A-Z]{3}")
PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

ROOT_KEYS = ({"format"}, {"entities", "sectors", "life_events", "services"})
ENTITY_KEYS = ({"code", "kind", "name"}, {"website", "parent"})
NAMED_KEYS = ({"code", "name"}, set())
SERVICE_KEYS = (
    {"code", "entity", "sector", "name", "description", "sla_days", "status"},
    {"keywords", "audience", "fee", "fee_note", "requirements", "life_events", "channels"},
)

ALL_AUDIENCES = [choice.value for choice in Audience]
CHANNELS = list(Channel.values)
KINDS_OF_ENTITY = list(EntityKind.values)
STATUSES = list(ServiceStatus.values)
# Lazy: translated only when a problem is reported, not once per record.
ENTITY_CODE_RULE = gettext_lazy("2–32 capital letters, digits or hyphens")
SERVICE_CODE_RULE = gettext_lazy("2–40 capital letters, digits or hyphens")
SECTOR_CODE_RULE = gettext_lazy("2–40 lowercase letters, digits or hyphens")
UNKNOWN_ENTITY = gettext_lazy("unknown entity %(code)s")
UNKNOWN_SECTOR = gettext_lazy("unknown sector %(code)s")
UNKNOWN_LIFE_EVENT = gettext_lazy("unknown life event %(code)s")
# Column sizes, so a long text is reported instead of failing in the database.
ENTITY_NAME_MAX = Entity._meta.get_field("name_ar").max_length
NAMED_NAME_MAX = Sector._meta.get_field("name_ar").max_length
SERVICE_NAME_MAX = Service._meta.get_field("name_ar").max_length
WEBSITE_MAX = Entity._meta.get_field("website").max_length
SLA_DAYS_MAX = 32767  # PositiveSmallIntegerField on PostgreSQL
POSITION_MAX = 32767

BATCH = 500
_URL = URLValidator(schemes=["http", "https"])


class InvalidCatalog(InvalidDocument):
    """The document cannot be imported; ``errors`` lists every problem as ``path: reason``."""

    code = "invalid_catalog"
    default_message = gettext_lazy("The catalog has errors; nothing was changed.")

    @staticmethod
    def summary(count: int) -> str:
        return ngettext(
            "The catalog has %(count)d error; nothing was changed.",
            "The catalog has %(count)d errors; nothing was changed.",
            count,
        ) % {"count": count}


# --- parsing -----------------------------------------------------------------


def catalog_parse(raw: bytes | str) -> Any:
    """The JSON value in ``raw`` (UTF-8, an optional byte-order mark is ignored).

    Raises ``InvalidCatalog`` with one error giving the line and column.
    """
    return document_parse(raw, error=InvalidCatalog)


# --- validation --------------------------------------------------------------


def _key_path(path: str, key: str) -> str:
    if PLAIN_KEY.fullmatch(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key)}]"


@dataclass
class _EntityIn:
    path: str
    code: str
    kind: str
    name_ar: str
    name_en: str
    website: str
    parent: str | None


@dataclass
class _NamedIn:
    code: str
    name_ar: str
    name_en: str
    position: int


@dataclass
class _ServiceIn:
    code: str
    # The service in the shape ``_service_values`` gives for a stored one, so the two compare.
    values: dict[str, Any]


@dataclass
class _Stored:
    """What the database holds, loaded once per table."""

    entities: dict[str, Entity]
    entity_codes: dict[int, str]
    sectors: dict[str, Sector]
    sector_codes: dict[int, str]
    life_events: dict[str, LifeEvent]
    life_event_codes: dict[int, str]
    services: dict[str, Service]
    # service id → {life event id: link row id}
    links: dict[int, dict[int, int]]

    @classmethod
    def load(cls) -> _Stored:
        entities = {e.code: e for e in Entity.objects.all()}
        sectors = {s.code: s for s in Sector.objects.all()}
        life_events = {e.code: e for e in LifeEvent.objects.all()}
        services = {s.code: s for s in Service.objects.all()}
        links: dict[int, dict[int, int]] = defaultdict(dict)
        through = Service.life_events.through
        for link_id, service_id, life_event_id in through.objects.values_list("id", "service_id", "lifeevent_id"):
            links[service_id][life_event_id] = link_id
        return cls(
            entities=entities,
            entity_codes={e.pk: code for code, e in entities.items()},
            sectors=sectors,
            sector_codes={s.pk: code for code, s in sectors.items()},
            life_events=life_events,
            life_event_codes={e.pk: code for code, e in life_events.items()},
            services=services,
            links=links,
        )


class _Checker:
    """Walks the document once, collecting every problem and the normalised records."""

    def __init__(self, stored: _Stored) -> None:
        self.stored = stored
        self.errors: list[str] = []
        self.entities: list[_EntityIn] = []
        self.sectors: list[_NamedIn] = []
        self.life_events: list[_NamedIn] = []
        self.services: list[_ServiceIn] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path or '$'}: {message}")

    # Shapes ------------------------------------------------------------------

    def record(self, value: Any, path: str, keys: tuple[set[str], set[str]]) -> dict | None:
        """``value`` if it is an object; reports duplicate, unknown and missing keys."""
        required, optional = keys
        if not isinstance(value, dict):
            self.error(path, _("must be an object, not %(type)s") % {"type": type_name(value)})
            return None
        for key in getattr(value, "duplicates", ()):
            self.error(_key_path(path, key), _("given more than once"))
        for key in value:
            if key not in required and key not in optional:
                self.error(_key_path(path, key), _("unknown key"))
        for key in sorted(required):
            if key not in value:
                self.error(_key_path(path, key), _("required"))
        return value

    def items(self, doc: dict, key: str) -> list:
        value = doc.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(key, _("must be a list, not %(type)s") % {"type": type_name(value)})
            return []
        return value

    def text(self, value: Any, path: str, *, required: bool, max_length: int | None = None) -> str:
        if value is None:
            if required:
                self.error(path, _("required"))
            return ""
        if not isinstance(value, str):
            self.error(path, _("must be a string, not %(type)s") % {"type": type_name(value)})
            return ""
        if not storable_text(value):
            self.error(path, _("contains characters that cannot be stored (NUL or an unpaired surrogate)"))
            return ""
        if required and not value.strip():
            self.error(path, _("required"))
        if max_length is not None and len(value) > max_length:
            self.error(path, _("at most %(max)d characters (%(count)d given)") % {"max": max_length,
                                                                                  "count": len(value)})
        return value

    def bilingual(self, value: Any, path: str, *, english_required: bool, max_length: int | None = None,
                  optional: bool = False) -> tuple[str, str]:
        """``(ar, en)``: Arabic always required; English required for names, may be empty elsewhere."""
        if optional and (value is None or (isinstance(value, dict) and set(value) <= {"ar", "en"}
                                           and all(text == "" for text in value.values()))):
            # An optional text left empty, however it is spelled, is simply absent.
            return "", ""
        obj = self.record(value, path, ({"ar", "en"} if english_required else {"ar"}, {"en"}))
        if obj is None:
            return "", ""
        ar = self.text(obj.get("ar"), _key_path(path, "ar"), required=True, max_length=max_length) \
            if "ar" in obj else ""
        en = self.text(obj.get("en"), _key_path(path, "en"), required=english_required, max_length=max_length) \
            if "en" in obj else ""
        return ar, en

    def code(self, obj: dict, path: str, pattern: re.Pattern, rule) -> str | None:
        """The record's ``code`` if valid; a missing key was already reported by ``record``."""
        if "code" not in obj:
            return None
        value, path = obj["code"], _key_path(path, "code")
        if value is None:
            self.error(path, _("required"))
            return None
        if not isinstance(value, str):
            self.error(path, _("must be a string, not %(type)s") % {"type": type_name(value)})
            return None
        if not pattern.fullmatch(value):
            self.error(path, _("%(value)s is not a valid code (%(rule)s)") % {"value": show_value(value), "rule": rule})
            return None
        return value

    def choices(self, value: Any, path: str, allowed: list[str], *, default: list[str]) -> list[str]:
        """A list of distinct values from ``allowed``, in the order given."""
        if value is None:
            return list(default)
        if not isinstance(value, list):
            self.error(path, _("must be a list, not %(type)s") % {"type": type_name(value)})
            return list(default)
        seen: list[str] = []
        for index, item in enumerate(value):
            item_path = f"{path}[{index}]"
            if not isinstance(item, str) or item not in allowed:
                self.error(item_path, _("%(value)s is not one of: %(choices)s")
                           % {"value": show_value(item), "choices": ", ".join(allowed)})
            elif item in seen:
                self.error(item_path, _("%(value)s is listed twice") % {"value": show_value(item)})
            else:
                seen.append(item)
        return seen or list(default)

    def words(self, value: Any, path: str) -> list[str]:
        if not isinstance(value, list):
            self.error(path, _("must be a list, not %(type)s") % {"type": type_name(value)})
            return []
        words = []
        for index, item in enumerate(value):
            word = self.text(item, f"{path}[{index}]", required=False)
            if isinstance(item, str) and not item.strip():
                self.error(f"{path}[{index}]", _("must not be empty"))
            words.append(word)
        return words

    # Records -----------------------------------------------------------------

    def check(self, doc: Any) -> None:
        root = self.record(doc, "", ROOT_KEYS)
        if root is None:
            return
        fmt = root.get("format")
        if "format" in root and fmt != FORMAT:
            self.error("format", _("must be %(expected)s, not %(value)s")
                       % {"expected": json.dumps(FORMAT), "value": show_value(fmt)})
        entities = self.items(root, "entities")
        sectors = self.items(root, "sectors")
        life_events = self.items(root, "life_events")
        services = self.items(root, "services")
        # Codes defined anywhere in the file, so a reference to a record listed
        # later (or to one with an unrelated error) is not reported as unknown.
        self.file_entities = self._codes(entities)
        self.file_sectors = self._codes(sectors)
        self.file_life_events = self._codes(life_events)

        seen: dict[str, str] = {}
        for index, item in enumerate(entities):
            self.entity(item, f"entities[{index}]", seen)
        self.parent_loops()
        for name, items, out in (("sectors", sectors, self.sectors), ("life_events", life_events, self.life_events)):
            seen = {}
            if len(items) > POSITION_MAX:
                self.error(name, _("at most %(max)d entries") % {"max": POSITION_MAX})
            for index, item in enumerate(items):
                self.named(item, f"{name}[{index}]", index, seen, out)
        seen = {}
        for index, item in enumerate(services):
            self.service(item, f"services[{index}]", seen)

    @staticmethod
    def _codes(items: list) -> set[str]:
        return {item["code"] for item in items if isinstance(item, dict) and isinstance(item.get("code"), str)}

    def unique(self, code: str | None, path: str, seen: dict[str, str]) -> bool:
        if code is None:
            return False
        if code in seen:
            self.error(_key_path(path, "code"), _("duplicate code %(code)s (first at %(path)s)")
                       % {"code": show_value(code), "path": seen[code]})
            return False
        seen[code] = path
        return True

    def entity(self, item: Any, path: str, seen: dict[str, str]) -> None:
        obj = self.record(item, path, ENTITY_KEYS)
        if obj is None:
            return
        code = self.code(obj, path, ENTITY_CODE, ENTITY_CODE_RULE)
        first = self.unique(code, path, seen)
        kind = obj.get("kind")
        if "kind" in obj and kind not in KINDS_OF_ENTITY:
            self.error(_key_path(path, "kind"), _("%(value)s is not one of: %(choices)s")
                       % {"value": show_value(kind), "choices": ", ".join(KINDS_OF_ENTITY)})
        name_ar, name_en = self.bilingual(obj.get("name"), _key_path(path, "name"), english_required=True,
                                          max_length=ENTITY_NAME_MAX) if "name" in obj else ("", "")
        website = self.text(obj.get("website"), _key_path(path, "website"), required=False, max_length=WEBSITE_MAX)
        if website:
            try:
                _URL(website)
            except ValidationError:
                self.error(_key_path(path, "website"), _("must be an address starting with http:// or https://"))
        parent = obj.get("parent")
        if parent is not None:
            parent_path = _key_path(path, "parent")
            if not isinstance(parent, str):
                self.error(parent_path, _("must be an entity code or null, not %(type)s")
                           % {"type": type_name(parent)})
                parent = None
            elif parent == code:
                self.error(parent_path, _("an entity cannot be its own parent"))
                parent = None
            elif parent not in self.file_entities and parent not in self.stored.entities:
                self.error(parent_path, UNKNOWN_ENTITY % {"code": show_value(parent)})
                parent = None
        if first:
            self.entities.append(_EntityIn(path=path, code=code, kind=kind, name_ar=name_ar, name_en=name_en,
                                           website=website, parent=parent))

    def parent_loops(self) -> None:
        """Report parent chains that come back to where they started (A → B → A)."""
        parents = {code: self.stored.entity_codes.get(e.parent_id) for code, e in self.stored.entities.items()}
        parents.update({e.code: e.parent for e in self.entities})
        reported: set[str] = set()
        for item in self.entities:
            chain = [item.code]
            current = parents.get(item.code)
            while current is not None and current not in chain and len(chain) <= len(parents):
                chain.append(current)
                current = parents.get(current)
            if current == item.code and not reported.intersection(chain):
                reported.update(chain)
                self.error(_key_path(item.path, "parent"), _("the parent chain loops: %(chain)s")
                           % {"chain": " → ".join([*chain, item.code])})

    def named(self, item: Any, path: str, position: int, seen: dict[str, str], out: list[_NamedIn]) -> None:
        obj = self.record(item, path, NAMED_KEYS)
        if obj is None:
            return
        code = self.code(obj, path, SECTOR_CODE, SECTOR_CODE_RULE)
        first = self.unique(code, path, seen)
        name_ar, name_en = self.bilingual(obj.get("name"), _key_path(path, "name"), english_required=True,
                                          max_length=NAMED_NAME_MAX) if "name" in obj else ("", "")
        if first:
            out.append(_NamedIn(code=code, name_ar=name_ar, name_en=name_en, position=position))

    def service(self, item: Any, path: str, seen: dict[str, str]) -> None:
        obj = self.record(item, path, SERVICE_KEYS)
        if obj is None:
            return
        at = lambda key: _key_path(path, key)  # noqa: E731
        code = self.code(obj, path, SERVICE_CODE, SERVICE_CODE_RULE)
        first = self.unique(code, path, seen)

        entity = self.reference(obj.get("entity"), at("entity"), self.file_entities, self.stored.entities,
                                UNKNOWN_ENTITY) if "entity" in obj else None
        sector = self.reference(obj.get("sector"), at("sector"), self.file_sectors, self.stored.sectors,
                                UNKNOWN_SECTOR) if "sector" in obj else None
        name_ar, name_en = self.bilingual(obj.get("name"), at("name"), english_required=True,
                                          max_length=SERVICE_NAME_MAX) if "name" in obj else ("", "")
        description_ar, description_en = self.bilingual(obj.get("description"), at("description"),
                                                        english_required=False) if "description" in obj else ("", "")
        fee_note_ar, fee_note_en = self.bilingual(obj.get("fee_note"), at("fee_note"), english_required=False,
                                                  optional=True)

        keywords_ar: list[str] = []
        keywords_en: list[str] = []
        if obj.get("keywords") is not None:
            keywords = self.record(obj["keywords"], at("keywords"), (set(), {"ar", "en"}))
            if keywords is not None:
                if keywords.get("ar") is not None:
                    keywords_ar = self.words(keywords["ar"], _key_path(at("keywords"), "ar"))
                if keywords.get("en") is not None:
                    keywords_en = self.words(keywords["en"], _key_path(at("keywords"), "en"))

        audience = self.choices(obj.get("audience"), at("audience"), ALL_AUDIENCES, default=ALL_AUDIENCES)
        channels = self.choices(obj.get("channels"), at("channels"), CHANNELS, default=[])
        fee = self.fee(obj.get("fee"), at("fee"))

        sla_days = obj.get("sla_days")
        if "sla_days" in obj:
            if sla_days is None:
                self.error(at("sla_days"), _("required"))
            elif isinstance(sla_days, bool) or not isinstance(sla_days, int):
                self.error(at("sla_days"), _("must be a whole number of working days, not %(value)s")
                           % {"value": show_value(sla_days)})
            elif not 0 <= sla_days <= SLA_DAYS_MAX:
                self.error(at("sla_days"), _("must be between 0 and %(max)d") % {"max": SLA_DAYS_MAX})

        requirements = []
        if obj.get("requirements") is not None:
            if not isinstance(obj["requirements"], list):
                self.error(at("requirements"), _("must be a list, not %(type)s")
                           % {"type": type_name(obj["requirements"])})
            else:
                for index, requirement in enumerate(obj["requirements"]):
                    ar, en = self.bilingual(requirement, f"{at('requirements')}[{index}]", english_required=False)
                    requirements.append({"ar": ar, "en": en})

        life_events: list[str] = []
        if obj.get("life_events") is not None:
            if not isinstance(obj["life_events"], list):
                self.error(at("life_events"), _("must be a list, not %(type)s")
                           % {"type": type_name(obj["life_events"])})
            else:
                for index, value in enumerate(obj["life_events"]):
                    item_path = f"{at('life_events')}[{index}]"
                    known = self.reference(value, item_path, self.file_life_events, self.stored.life_events,
                                           UNKNOWN_LIFE_EVENT)
                    if known in life_events:
                        self.error(item_path, _("%(value)s is listed twice") % {"value": show_value(known)})
                    elif known:
                        life_events.append(known)

        status = obj.get("status")
        if "status" in obj and status not in STATUSES:
            self.error(at("status"), _("%(value)s is not one of: %(choices)s")
                       % {"value": show_value(status), "choices": ", ".join(STATUSES)})

        if first:
            values = {
                "entity": entity, "sector": sector,
                "name_ar": name_ar, "name_en": name_en,
                "description_ar": description_ar, "description_en": description_en,
                "keywords_ar": keywords_ar, "keywords_en": keywords_en,
                "audience": audience, "channels": channels,
                "fee_amount": fee[0] if fee else None,
                "fee_note_ar": fee_note_ar, "fee_note_en": fee_note_en,
                "sla_days": sla_days, "requirements": requirements,
                "life_events": sorted(life_events), "status": status,
            }
            # Without a fee the currency means nothing; leaving it out keeps a stored one untouched.
            if fee:
                values["fee_currency"] = fee[1]
            self.services.append(_ServiceIn(code=code, values=values))

    def reference(self, value: Any, path: str, in_file: set[str], stored: dict, unknown) -> str | None:
        if value is None:
            self.error(path, _("required"))
            return None
        if not isinstance(value, str):
            self.error(path, _("must be a code, not %(type)s") % {"type": type_name(value)})
            return None
        if value not in in_file and value not in stored:
            self.error(path, unknown % {"code": show_value(value)})
            return None
        return value

    def fee(self, value: Any, path: str) -> tuple[int, str] | None:
        """``(fils, currency)``; parsed from the decimal string digit by digit, never through a float."""
        if value is None:
            return None
        obj = self.record(value, path, ({"amount", "currency"}, set()))
        if obj is None:
            return None
        amount, currency = obj.get("amount"), obj.get("currency")
        fils = None
        if "amount" in obj:
            match = AMOUNT.fullmatch(amount) if isinstance(amount, str) else None
            if match is None:
                self.error(_key_path(path, "amount"),
                           _('%(value)s is not an amount: use a string of digits with at most 2 decimals, '
                             'such as "150.00"') % {"value": show_value(amount)})
            else:
                whole, decimals = match.group(1), (match.group(2) or "").ljust(2, "0")
                fils = int(whole) * 100 + int(decimals)
        if "currency" in obj and not (isinstance(currency, str) and CURRENCY.fullmatch(currency)):
            self.error(_key_path(path, "currency"), _('%(value)s is not a currency code such as "AED"')
                       % {"value": show_value(currency)})
            fils = None
        return (fils, currency) if fils is not None else None


# --- applying ----------------------------------------------------------------


def _service_values(service: Service, stored: _Stored) -> dict[str, Any]:
    """A stored service in the comparable shape of ``_ServiceIn.values``."""
    values = {
        "entity": stored.entity_codes.get(service.entity_id),
        "sector": stored.sector_codes.get(service.sector_id),
        "name_ar": service.name_ar, "name_en": service.name_en,
        "description_ar": service.description_ar, "description_en": service.description_en,
        "keywords_ar": list(service.keywords_ar or []), "keywords_en": list(service.keywords_en or []),
        # An empty audience has always meant everyone; the export spells it out.
        "audience": list(service.audience or ALL_AUDIENCES),
        "channels": list(service.channels or []),
        "fee_amount": service.fee_amount, "fee_currency": service.fee_currency,
        "fee_note_ar": service.fee_note_ar, "fee_note_en": service.fee_note_en,
        "sla_days": service.sla_days,
        "requirements": [{"ar": item.get("ar", ""), "en": item.get("en", "")} for item in service.requirements or []],
        "life_events": sorted(stored.life_event_codes[le] for le in stored.links.get(service.pk, {})),
        "status": service.status,
    }
    return values


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    return {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}


@dataclass
class CatalogImportReport:
    """What an import did, or with ``dry_run`` would do: codes by kind of record."""

    dry_run: bool
    created: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in KINDS})
    updated: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in KINDS})
    retired: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.retired) or any(self.created.values()) or any(self.updated.values())

    def as_dict(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "changed": self.changed, "created": self.created,
                "updated": self.updated, "retired": self.retired}


KINDS = ("entities", "sectors", "life_events", "services")


def catalog_import(*, actor, document: Any, dry_run: bool = False, prune: bool = False) -> CatalogImportReport:
    """Apply a ``manassa-catalog/1`` document (already parsed) as one transaction.

    Raises ``InvalidCatalog`` listing every problem, having changed nothing.
    With ``dry_run`` nothing is written and the report says what would change.
    With ``prune`` the active services of the file's entities (listed in
    ``entities`` or named by a service) that the file does not list are retired.
    """
    if dry_run:
        # Read-only: no transaction, so a dry run never holds SQLite's write lock.
        return _import(actor=actor, document=document, dry_run=True, prune=prune)
    with transaction.atomic():
        # One import at a time: the plan is computed from rows that must not change under it.
        CatalogState.objects.select_for_update().get_or_create(id=1)
        return _import(actor=actor, document=document, dry_run=False, prune=prune)


def _import(*, actor, document: Any, dry_run: bool, prune: bool) -> CatalogImportReport:
    stored = _Stored.load()
    checker = _Checker(stored)
    checker.check(document)
    if checker.errors:
        raise InvalidCatalog(checker.errors)

    report = CatalogImportReport(dry_run=dry_run)
    now = timezone.now()
    events: list[AuditEntry] = []

    # Entities, parents first so a parent created in this import has its id when its child is saved.
    for item in _parents_first(checker.entities):
        wanted = {"kind": item.kind, "name_ar": item.name_ar, "name_en": item.name_en,
                  "website": item.website, "parent": item.parent}
        entity = stored.entities.get(item.code)
        if entity is None:
            report.created["entities"].append(item.code)
            if not dry_run:
                entity = Entity(code=item.code, kind=item.kind, name_ar=item.name_ar, name_en=item.name_en,
                                website=item.website,
                                parent=stored.entities[item.parent] if item.parent else None)
                entity.save()
                stored.entities[item.code] = entity
                stored.entity_codes[entity.pk] = item.code
                events.append(AuditEntry(action="entity.created", obj=entity, entity_code=item.code,
                                         changes={"code": item.code, **wanted}))
            continue
        before = {"kind": entity.kind, "name_ar": entity.name_ar, "name_en": entity.name_en,
                  "website": entity.website, "parent": stored.entity_codes.get(entity.parent_id)}
        changes = _diff(before, wanted)
        if changes:
            report.updated["entities"].append(item.code)
            if not dry_run:
                for name in ("kind", "name_ar", "name_en", "website"):
                    setattr(entity, name, wanted[name])
                entity.parent = stored.entities[item.parent] if item.parent else None
                entity.save(update_fields=["kind", "name_ar", "name_en", "website", "parent", "updated_at"])
                events.append(AuditEntry(action="entity.updated", obj=entity, entity_code=item.code,
                                         changes=changes))

    for kind, model, rows, table in (("sectors", Sector, checker.sectors, stored.sectors),
                                     ("life_events", LifeEvent, checker.life_events, stored.life_events)):
        action = "catalog.sector" if model is Sector else "catalog.life_event"
        creates, updates = [], []
        for item in rows:
            wanted = {"name_ar": item.name_ar, "name_en": item.name_en, "position": item.position}
            row = table.get(item.code)
            if row is None:
                report.created[kind].append(item.code)
                creates.append(model(code=item.code, **wanted))
                continue
            changes = _diff({"name_ar": row.name_ar, "name_en": row.name_en, "position": row.position}, wanted)
            if changes:
                report.updated[kind].append(item.code)
                for name, value in wanted.items():
                    setattr(row, name, value)
                updates.append((row, changes))
        if dry_run:
            continue
        model.objects.bulk_create(creates, batch_size=BATCH)
        _ensure_ids(model, creates)
        model.objects.bulk_update([row for row, _changes in updates], ["name_ar", "name_en", "position"],
                                  batch_size=BATCH)
        codes = stored.sector_codes if model is Sector else stored.life_event_codes
        for row in creates:
            table[row.code] = row
            codes[row.pk] = row.code
            events.append(AuditEntry(action=f"{action}.created", obj=row,
                                     changes={"code": row.code, "name_ar": row.name_ar, "name_en": row.name_en,
                                              "position": row.position}))
        for row, changes in updates:
            events.append(AuditEntry(action=f"{action}.updated", obj=row, changes=changes))

    # Services.
    creates: list[tuple[Service, dict]] = []
    updates: list[tuple[Service, dict, dict]] = []
    listed = set()
    taken_slugs = {s.slug for s in stored.services.values()}
    for item in sorted(checker.services, key=lambda s: s.code):
        listed.add(item.code)
        service = stored.services.get(item.code)
        if service is None:
            report.created["services"].append(item.code)
            creates.append((Service(code=item.code, slug=_new_slug(item.code, taken_slugs)), item.values))
            continue
        changes = _diff(_service_values(service, stored), item.values)
        if changes:
            if changes.get("status", [None, None])[1] == ServiceStatus.RETIRED:
                report.retired.append(item.code)
            else:
                report.updated["services"].append(item.code)
            updates.append((service, item.values, changes))
    if prune:
        entities = {e.code for e in checker.entities} | {s.values["entity"] for s in checker.services}
        for code, service in stored.services.items():
            if (code not in listed and service.status == ServiceStatus.ACTIVE
                    and stored.entity_codes.get(service.entity_id) in entities):
                report.retired.append(code)
                updates.append((service, {"status": ServiceStatus.RETIRED},
                                {"status": [ServiceStatus.ACTIVE, ServiceStatus.RETIRED], "pruned": True}))

    for codes in (*report.created.values(), *report.updated.values(), report.retired):
        codes.sort()
    if dry_run:
        return report

    _write_services(stored, creates, updates, now, events)
    if report.changed:
        events.append(AuditEntry(action="catalog.imported", object_type="catalog.catalog", object_id="1",
                                 changes={"created": {k: len(v) for k, v in report.created.items()},
                                          "updated": {k: len(v) for k, v in report.updated.items()},
                                          "retired": len(report.retired), "prune": prune}))
        audit_record_many(actor=actor, entries=events)
        catalog_version_bump()
    return report


SERVICE_FIELDS = [
    "name_ar", "name_en", "description_ar", "description_en", "keywords_ar", "keywords_en", "audience",
    "channels", "fee_amount", "fee_currency", "fee_note_ar", "fee_note_en", "sla_days", "requirements", "status",
]


def _assign(service: Service, values: dict[str, Any], stored: _Stored) -> None:
    for name in SERVICE_FIELDS:
        if name in values:
            setattr(service, name, values[name])
    if "entity" in values:
        service.entity_id = stored.entities[values["entity"]].pk
    if "sector" in values:
        service.sector_id = stored.sectors[values["sector"]].pk


def _write_services(stored: _Stored, creates: list[tuple[Service, dict]],
                    updates: list[tuple[Service, dict, dict]], now, events: list[AuditEntry]) -> None:
    through = Service.life_events.through
    new_links: list = []
    old_links: list[int] = []

    for service, values in creates:
        _assign(service, values, stored)
    Service.objects.bulk_create([service for service, _values in creates], batch_size=BATCH)
    _ensure_ids(Service, [service for service, _values in creates])
    for service, values in creates:
        for code in values["life_events"]:
            new_links.append(through(service_id=service.pk, lifeevent_id=stored.life_events[code].pk))
        events.append(AuditEntry(action="catalog.service.created", obj=service, entity_code=values["entity"],
                                 changes={"code": service.code, **values}))

    changed_fields: set[str] = set()
    for service, values, changes in updates:
        _assign(service, {k: values[k] for k in changes if k in values}, stored)
        service.updated_at = now  # bulk_update skips auto_now; the search index reads this column
        changed_fields.update(k for k in changes if k in SERVICE_FIELDS)
        if "entity" in changes:
            changed_fields.add("entity")
        if "sector" in changes:
            changed_fields.add("sector")
        if "life_events" in changes:
            linked = stored.links.get(service.pk, {})
            wanted = {stored.life_events[code].pk for code in values["life_events"]}
            new_links.extend(through(service_id=service.pk, lifeevent_id=le) for le in wanted - set(linked))
            old_links.extend(link for le, link in linked.items() if le not in wanted)
        retired = changes.get("status", [None, None])[1] == ServiceStatus.RETIRED
        events.append(AuditEntry(action="catalog.service.retired" if retired else "catalog.service.updated",
                                 obj=service, entity_code=stored.entity_codes[service.entity_id], changes=changes))
    if updates:
        Service.objects.bulk_update([service for service, _v, _c in updates],
                                    sorted(changed_fields | {"updated_at"}), batch_size=BATCH)
    for start in range(0, len(old_links), BATCH):
        through.objects.filter(id__in=old_links[start:start + BATCH]).delete()
    through.objects.bulk_create(new_links, batch_size=BATCH)


def _ensure_ids(model, rows: list) -> None:
    """Primary keys for rows from bulk_create, for a database that does not return them."""
    missing = [row for row in rows if row.pk is None]
    if not missing:
        return
    ids = {}
    codes = [row.code for row in missing]
    for start in range(0, len(codes), BATCH):
        ids.update(model.objects.filter(code__in=codes[start:start + BATCH]).values_list("code", "id"))
    for row in missing:
        row.pk = ids[row.code]


def _new_slug(code: str, taken: set[str]) -> str:
    """The code in lowercase; a suffix only if another service already uses that address.

    Set once at creation and never changed, so a service's public address is stable.
    """
    base = code.lower()
    slug, counter = base, 2
    while slug in taken:
        slug = f"{base}-{counter}"
        counter += 1
    taken.add(slug)
    return slug


def _parents_first(items: list[_EntityIn]) -> list[_EntityIn]:
    by_code = {item.code: item for item in items}
    ordered: list[_EntityIn] = []
    placed: set[str] = set()
    for item in items:
        chain = []
        current = item
        # Loops were rejected by the checker, so every chain ends.
        while current is not None and current.code not in placed:
            chain.append(current)
            placed.add(current.code)
            current = by_code.get(current.parent) if current.parent else None
        ordered.extend(reversed(chain))
    return ordered


# --- export ------------------------------------------------------------------


def _fee_text(fils: int) -> str:
    whole, minor = divmod(fils, 100)
    return f"{whole}.{minor:02d}"


def catalog_export() -> dict[str, Any]:
    """The whole catalog, retired services included, in the canonical form described above."""
    # Sorted in Python: a database collation may order hyphens and digits differently.
    entities = sorted(Entity.objects.values("id", "code", "kind", "name_ar", "name_en", "website", "parent_id"),
                      key=lambda e: e["code"])
    entity_codes = {e["id"]: e["code"] for e in entities}
    sectors = sorted(Sector.objects.all(), key=lambda s: (s.position, s.code))
    sector_codes = {s.pk: s.code for s in sectors}
    life_events = sorted(LifeEvent.objects.all(), key=lambda e: (e.position, e.code))
    life_event_codes = {e.pk: e.code for e in life_events}
    links: dict[int, list[str]] = defaultdict(list)
    for service_id, life_event_id in Service.life_events.through.objects.values_list("service_id", "lifeevent_id"):
        links[service_id].append(life_event_codes[life_event_id])

    services = []
    for s in sorted(Service.objects.all(), key=lambda s: s.code):
        services.append({
            "code": s.code,
            "entity": entity_codes[s.entity_id],
            "sector": sector_codes[s.sector_id],
            "name": {"ar": s.name_ar, "en": s.name_en},
            "description": {"ar": s.description_ar, "en": s.description_en},
            "keywords": {"ar": list(s.keywords_ar or []), "en": list(s.keywords_en or [])},
            "audience": list(s.audience or ALL_AUDIENCES),
            "fee": None if s.fee_amount is None else {"amount": _fee_text(s.fee_amount), "currency": s.fee_currency},
            "fee_note": {"ar": s.fee_note_ar, "en": s.fee_note_en} if (s.fee_note_ar or s.fee_note_en) else None,
            "sla_days": s.sla_days,
            "requirements": [{"ar": r.get("ar", ""), "en": r.get("en", "")} for r in s.requirements or []],
            "life_events": sorted(links.get(s.pk, [])),
            "channels": list(s.channels or []),
            "status": s.status,
        })
    return {
        "format": FORMAT,
        "entities": [
            {"code": e["code"], "kind": e["kind"], "name": {"ar": e["name_ar"], "en": e["name_en"]},
             "website": e["website"] or None, "parent": entity_codes.get(e["parent_id"])}
            for e in entities
        ],
        "sectors": [{"code": s.code, "name": {"ar": s.name_ar, "en": s.name_en}} for s in sectors],
        "life_events": [{"code": e.code, "name": {"ar": e.name_ar, "en": e.name_en}} for e in life_events],
        "services": services,
    }


def catalog_dumps(document: dict[str, Any]) -> str:
    """The one serialisation of a document, so files compare byte for byte."""
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def catalog_export_json() -> str:
    return catalog_dumps(catalog_export())
