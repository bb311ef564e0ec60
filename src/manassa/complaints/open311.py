"""Open311 GeoReport v2 (``/open311/v2/``): discovery, services, service definitions, requests, tokens.

Field names, formats (``.json`` / ``.xml`` suffix; XML when none is given, the
spec's required format) and the error shape (a list of ``{code, description}``;
``<errors><error><code>…``) follow http://wiki.open311.org/GeoReport_v2 so that
existing clients work unchanged. See docs/open311.md.

Services are the public case categories (``Category.is_public``); service
requests are the cases in them. POST needs an ``api_key`` of an
``Open311Client`` (a civic application), never a person's session.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from manassa.audit.services import audit_record
from manassa.complaints.models import Case, CaseKind, CaseState, Category, Open311Client
from manassa.complaints.selectors import case_public_status_note, open311_categories, open311_requests
from manassa.complaints.services import case_submit
from manassa.core.errors import InvalidInput
from manassa.core.i18n import pick

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
MAX_RESULTS = 1000


# --- client keys -------------------------------------------------------------------------------


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def open311_client_issue(*, actor, name: str, contact_email: str = "") -> tuple[Open311Client, str]:
    """A new civic-app key; the ``api_key`` (``o311_<prefix>_<secret>``) is returned once and stored hashed."""
    name = (name or "").strip()[:100]
    if not name:
        raise InvalidInput(fields={"name": ["name"]})
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    client = Open311Client.objects.create(name=name, prefix=prefix, secret_hash=_hash(secret),
                                          contact_email=contact_email)
    audit_record(actor=actor, action="open311.client.issued", obj=client, changes={"prefix": prefix, "name": name})
    return client, f"o311_{prefix}_{secret}"


@transaction.atomic
def open311_client_revoke(*, actor, client: Open311Client) -> Open311Client:
    client.revoked_at = timezone.now()
    client.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action="open311.client.revoked", obj=client, changes={"prefix": client.prefix})
    return client


def open311_client_authenticate(api_key: str) -> Open311Client | None:
    parts = (api_key or "").split("_", 2)
    if len(parts) != 3 or parts[0] != "o311":
        return None
    client = Open311Client.objects.filter(prefix=parts[1], revoked_at__isnull=True).first()
    if client is None or not hmac.compare_digest(client.secret_hash, _hash(parts[2])):
        return None
    now = timezone.now()
    if client.last_used_at is None or (now - client.last_used_at).total_seconds() > 60:
        Open311Client.objects.filter(pk=client.pk).update(last_used_at=now)
    return client


# --- rendering -------------------------------------------------------------------------------


class Open311Error(Exception):
    def __init__(self, status: int, *descriptions: str) -> None:
        self.status = status
        self.descriptions = descriptions or ("error",)
        super().__init__(", ".join(self.descriptions))


def w3c(moment: datetime | None) -> str:
    """W3C date-time with its offset, in the platform's time zone (``2026-03-02T10:00:00+04:00``)."""
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).isoformat(timespec="seconds")


def _xml_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _xml_add(parent: ET.Element, tag: str, value) -> None:
    element = ET.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, item in value.items():
            _xml_add(element, key, item)
    elif isinstance(value, list):
        # Lists of objects or strings are wrapped in the singular element, as the spec's examples are.
        singular = {"values": "value", "attributes": "attribute", "endpoints": "endpoint", "formats": "format"}
        for item in value:
            _xml_add(element, singular.get(tag, "item"), item)
    else:
        element.text = _xml_value(value)


def render(fmt: str, root: str, item: str | None, data, status: int = 200) -> HttpResponse:
    """``data`` is a list of objects (``root`` wraps ``item`` elements in XML) or one object (``root`` is it)."""
    if fmt == "json":
        import json

        body = json.dumps(data, ensure_ascii=False)
    else:
        element = ET.Element(root)
        if isinstance(data, list):
            for row in data:
                child = ET.SubElement(element, item)
                for key, value in row.items():
                    _xml_add(child, key, value)
        else:
            for key, value in data.items():
                _xml_add(element, key, value)
        body = '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="unicode")
    response = HttpResponse(body, status=status, content_type=FORMATS[fmt])
    response["Access-Control-Allow-Origin"] = "*"
    return response


def render_error(fmt: str, error: Open311Error) -> HttpResponse:
    rows = [{"code": error.status, "description": description} for description in error.descriptions]
    return render(fmt if fmt in FORMATS else "xml", "errors", "error", rows, status=error.status)


def _endpoint(view):
    """Check the format and the jurisdiction, and turn ``Open311Error`` into the spec's error body."""
    def wrapper(request, *args, fmt: str | None = None, **kwargs):
        fmt = (fmt or "xml").lower()
        try:
            if fmt not in FORMATS:
                raise Open311Error(400, f"format not supported: {fmt} (use json or xml)")
            jurisdiction = request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id")
            expected = getattr(settings, "MANASSA_OPEN311_JURISDICTION", "")
            if jurisdiction and expected and jurisdiction != expected:
                raise Open311Error(404, f"jurisdiction_id not found: {jurisdiction}")
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as error:
            return render_error(fmt, error)
    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


# --- serialisers -------------------------------------------------------------------------------


def service_row(category: Category) -> dict:
    return {"service_code": category.code, "service_name": category.name, "description": category.description,
            "metadata": bool(_input_attributes(category)), "type": "realtime",
            "keywords": ",".join(str(k) for k in category.keywords), "group": category.entity.name}


def _input_attributes(category: Category) -> list[dict]:
    return [a for a in category.attributes if isinstance(a, dict) and a.get("code")]


def _text_of(value) -> str:
    return pick(value) if isinstance(value, dict) else str(value or "")


def attribute_row(attribute: dict) -> dict:
    return {"variable": bool(attribute.get("variable", True)), "code": attribute["code"],
            "datatype": attribute.get("datatype", "string"), "required": bool(attribute.get("required", False)),
            "datatype_description": _text_of(attribute.get("datatype_description")),
            "order": int(attribute.get("order", 0)),
            "description": _text_of(attribute.get("description")),
            "values": [{"key": str(v.get("key")), "name": _text_of(v.get("name") or v.get("key"))}
                       for v in attribute.get("values", [])]}


def request_row(case: Case) -> dict:
    closed = case.state in (CaseState.RESOLVED, CaseState.CLOSED)
    return {
        "service_request_id": case.reference,
        "status": "closed" if closed else "open",
        "status_notes": case_public_status_note(case),
        "service_name": case.category.name if case.category_id else "",
        "service_code": case.category.code if case.category_id else "",
        "description": case.description,
        "agency_responsible": case.entity.name if case.entity_id else "",
        "service_notice": "",
        "requested_datetime": w3c(case.created_at),
        "updated_datetime": w3c(case.updated_at),
        "expected_datetime": "" if closed else w3c(case.due_at),
        "address": case.address,
        "address_id": "",
        "zipcode": "",
        "lat": case.lat,
        "long": case.long,
        "media_url": case.media_url,
    }


# --- views -------------------------------------------------------------------------------------


@require_http_methods(["GET"])
@_endpoint
def discovery(request, *, fmt):
    base = request.build_absolute_uri("/open311/v2/")
    changeset = getattr(settings, "MANASSA_OPEN311_CHANGESET", "2026-01-01T00:00:00+04:00")
    data = {"changeset": changeset, "contact": getattr(settings, "MANASSA_OPEN311_CONTACT", ""),
            "key_service": getattr(settings, "MANASSA_OPEN311_KEY_SERVICE",
                                   "API keys for civic applications are issued by the Digital Office."),
            "endpoints": [{"specification": SPECIFICATION, "url": base, "changeset": changeset,
                           "type": "production", "formats": ["text/xml", "application/json"]}]}
    return render(fmt, "discovery", None, data)


@require_http_methods(["GET"])
@_endpoint
def services(request, *, fmt):
    return render(fmt, "services", "service", [service_row(c) for c in open311_categories()])


@require_http_methods(["GET"])
@_endpoint
def service_definition(request, code: str, *, fmt):
    category = open311_categories().filter(code=code).first()
    if category is None:
        raise Open311Error(404, f"service_code not found: {code}")
    attributes = sorted((attribute_row(a) for a in _input_attributes(category)), key=lambda a: a["order"])
    return render(fmt, "service_definition", None, {"service_code": category.code, "attributes": attributes})


def _parse_w3c(value: str, name: str) -> datetime:
    try:
        moment = parse_datetime(value.strip().replace(" ", "+"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise Open311Error(400, f"{name} must be a W3C date-time with a time zone, e.g. 2026-03-01T08:00:00+04:00")
    return moment


def _request_list(request, fmt):
    ids = request.GET.get("service_request_id", "").strip()
    if ids:
        found = open311_requests(ids=[i.strip() for i in ids.split(",") if i.strip()][:MAX_RESULTS])
        return render(fmt, "service_requests", "request", [request_row(c) for c in found])
    errors = []
    start = end = None
    try:
        start = _parse_w3c(request.GET["start_date"], "start_date") if request.GET.get("start_date") else None
    except Open311Error as error:
        errors += error.descriptions
    try:
        end = _parse_w3c(request.GET["end_date"], "end_date") if request.GET.get("end_date") else None
    except Open311Error as error:
        errors += error.descriptions
    if start and end and start > end:
        errors.append("start_date must be before end_date")
    if start and not end:
        end = start + timedelta(days=90)
    statuses = {s.strip() for s in request.GET.get("status", "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        errors.append("status must be open, closed or both (comma-separated)")
    if errors:
        raise Open311Error(400, *errors)
    codes = [c.strip() for c in request.GET.get("service_code", "").split(",") if c.strip()]
    found = open311_requests(service_codes=codes or None, start=start, end=end, statuses=statuses or None,
                             limit=MAX_RESULTS)
    return render(fmt, "service_requests", "request", [request_row(c) for c in found])


def _attribute_values(category: Category, post) -> tuple[dict, list[str]]:
    values, errors = {}, []
    for attribute in _input_attributes(category):
        if not attribute.get("variable", True):
            continue
        code = attribute["code"]
        datatype = attribute.get("datatype", "string")
        allowed = {str(v.get("key")) for v in attribute.get("values", [])}
        if datatype == "multivaluelist":
            given = [v for v in post.getlist(f"attribute[{code}][]") + post.getlist(f"attribute[{code}]") if v != ""]
        else:
            given = post.get(f"attribute[{code}]", "").strip()
        if not given:
            if attribute.get("required"):
                errors.append(f"attribute[{code}] is required")
            continue
        if datatype == "number":
            try:
                float(given)
            except ValueError:
                errors.append(f"attribute[{code}] must be a number")
                continue
        elif datatype == "datetime":
            try:
                _parse_w3c(given, f"attribute[{code}]")
            except Open311Error as error:
                errors += error.descriptions
                continue
        elif datatype == "singlevaluelist" and given not in allowed:
            errors.append(f"attribute[{code}] must be one of: {', '.join(sorted(allowed))}")
            continue
        elif datatype == "multivaluelist" and set(given) - allowed:
            errors.append(f"attribute[{code}] values must be among: {', '.join(sorted(allowed))}")
            continue
        values[code] = given if isinstance(given, list) else given[:2000]
    return values, errors


def _request_create(request, fmt):
    client = open311_client_authenticate(request.POST.get("api_key", ""))
    if client is None:
        raise Open311Error(403, "api_key was not provided or is invalid")
    code = request.POST.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, "service_code was not provided")
    category = open311_categories().filter(code=code).first()
    if category is None:
        raise Open311Error(400, f"service_code not found: {code}")
    errors = []
    lat, long = request.POST.get("lat", "").strip(), request.POST.get("long", "").strip()
    address = request.POST.get("address_string", "").strip()
    address_id = request.POST.get("address_id", "").strip()
    if not ((lat and long) or address or address_id):
        errors.append("a location is required: lat and long, address_string or address_id")
    attributes, attribute_errors = _attribute_values(category, request.POST)
    errors += attribute_errors
    if errors:
        raise Open311Error(400, *errors)
    kind = CaseKind.COMPLAINT if not category.kinds or CaseKind.COMPLAINT in category.kinds else category.kinds[0]
    description = request.POST.get("description", "").strip() or f"{category.name_ar} / {category.name_en}"
    name = " ".join(p for p in (request.POST.get("first_name", "").strip(),
                                request.POST.get("last_name", "").strip()) if p)
    extra = {k: request.POST.get(k, "").strip() for k in ("device_id", "account_id") if request.POST.get(k)}
    if address_id:
        extra["address_id"] = address_id
    try:
        submitted = case_submit(
            actor=None, kind=kind, description=description, category=category, address=address,
            lat=lat or None, long=long or None, contact_name=name,
            contact_email=request.POST.get("email", ""), contact_phone=request.POST.get("phone", ""),
            attributes={**attributes, **({"_open311": extra} if extra else {})},
            media_url=request.POST.get("media_url", ""), uploads=request.FILES.getlist("media")[:5],
            channel=f"open311:{client.prefix}")
    except InvalidInput as exc:
        descriptions = [f"{field}: {' '.join(str(m) for m in messages)}" for field, messages in exc.fields.items()]
        raise Open311Error(400, *(descriptions or [str(exc.message)])) from None
    case = submitted.case
    row = {"service_request_id": case.reference, "token": case.open311_token, "service_notice": "",
           "account_id": extra.get("account_id", "")}
    return render(fmt, "service_requests", "request", [row], status=201)


@csrf_exempt  # authenticated by api_key, never by a cookie: Open311 clients are other applications
@require_http_methods(["GET", "POST"])
@_endpoint
def requests(request, *, fmt):
    if request.method == "POST":
        return _request_create(request, fmt)
    return _request_list(request, fmt)


@require_http_methods(["GET"])
@_endpoint
def request_detail(request, service_request_id: str, *, fmt):
    found = open311_requests(ids=[service_request_id])
    if not found:
        raise Open311Error(404, f"service_request_id not found: {service_request_id}")
    return render(fmt, "service_requests", "request", [request_row(found[0])])


@require_http_methods(["GET"])
@_endpoint
def token(request, token: str, *, fmt):
    case = Case.objects.filter(open311_token=token, category__is_public=True).only("reference", "open311_token").first()
    if case is None:
        raise Open311Error(404, f"token not found: {token}")
    return render(fmt, "service_requests", "request", [{"service_request_id": case.reference, "token": token}])
