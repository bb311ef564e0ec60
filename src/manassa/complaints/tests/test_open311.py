"""Open311 GeoReport v2 conformance: every endpoint in JSON and XML, and the spec's errors."""

import json
from xml.etree import ElementTree as ET

import pytest

from manassa.complaints.models import Case
from manassa.complaints.open311 import open311_client_issue, open311_client_revoke
from manassa.complaints.services import case_submit, case_transition
from manassa.complaints.tests.factories import make_category, photo

pytestmark = pytest.mark.django_db
FORMATS = ["json", "xml"]
ATTRIBUTES = [
    {"variable": True, "code": "SIZE", "datatype": "singlevaluelist", "required": True, "order": 2,
     "description": {"ar": "الحجم", "en": "Size"},
     "values": [{"key": "small", "name": {"ar": "صغيرة", "en": "Small"}},
                {"key": "large", "name": {"ar": "كبيرة", "en": "Large"}}]},
    {"variable": True, "code": "DEPTH", "datatype": "number", "required": False, "order": 1,
     "description": {"ar": "العمق", "en": "Depth (cm)"}},
]


@pytest.fixture
def setup(entity_a, people):
    roads = make_category(entity=entity_a, code="ROADS", attributes=ATTRIBUTES, name_en="Potholes")
    make_category(entity=entity_a, code="PRIVATE", public=False)
    _client, key = open311_client_issue(actor=None, name="Civic app")
    open_case = case_submit(actor=None, kind="complaint", description="Pothole", category=roads, lat=25.3,
                            long=55.4, address="Al Wahda St").case
    closed_case = case_submit(actor=None, kind="complaint", description="Another", category=roads).case
    case_transition(actor=people["officer"], case=closed_case, action="resolve", comment="Filled")
    return {"key": key, "open": open_case, "closed": closed_case, "roads": roads}


def parse(response, fmt):
    if fmt == "json":
        assert response["Content-Type"].startswith("application/json")
        return json.loads(response.content)
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def errors_of(response, fmt):
    body = parse(response, fmt)
    if fmt == "json":
        assert all(set(e) == {"code", "description"} for e in body)
        return [(e["code"], e["description"]) for e in body]
    assert body.tag == "errors"
    return [(int(e.findtext("code")), e.findtext("description")) for e in body.findall("error")]


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery(client, setup, fmt):
    body = parse(client.get(f"/open311/v2/discovery.{fmt}"), fmt)
    if fmt == "json":
        endpoint = body["endpoints"][0]
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert set(endpoint["formats"]) == {"text/xml", "application/json"}
        assert endpoint["url"].endswith("/open311/v2/")
    else:
        assert body.tag == "discovery"
        assert body.findtext("endpoints/endpoint/specification") == "http://wiki.open311.org/GeoReport_v2"
        assert {f.text for f in body.findall("endpoints/endpoint/formats/format")} == {"text/xml", "application/json"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_list_only_public_categories(client, setup, fmt):
    body = parse(client.get(f"/open311/v2/services.{fmt}", HTTP_ACCEPT_LANGUAGE="en"), fmt)
    rows = body if fmt == "json" else [{c.tag: c.text for c in s} for s in body.findall("service")]
    assert [r["service_code"] for r in rows] == ["ROADS"]
    row = rows[0]
    assert set(row) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
    assert row["service_name"] == "Potholes" and row["type"] == "realtime"
    assert row["metadata"] in (True, "true")


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition(client, setup, fmt):
    body = parse(client.get(f"/open311/v2/services/ROADS.{fmt}", HTTP_ACCEPT_LANGUAGE="en"), fmt)
    if fmt == "json":
        assert body["service_code"] == "ROADS"
        attributes = body["attributes"]
        assert [a["code"] for a in attributes] == ["DEPTH", "SIZE"]  # by order
        size = attributes[1]
        assert size["datatype"] == "singlevaluelist" and size["required"] is True and size["variable"] is True
        assert size["values"] == [{"key": "small", "name": "Small"}, {"key": "large", "name": "Large"}]
        assert set(size) == {"variable", "code", "datatype", "required", "datatype_description", "order",
                             "description", "values"}
    else:
        assert body.tag == "service_definition" and body.findtext("service_code") == "ROADS"
        codes = [a.findtext("code") for a in body.findall("attributes/attribute")]
        assert codes == ["DEPTH", "SIZE"]
        values = body.findall("attributes/attribute")[1].findall("values/value")
        assert [(v.findtext("key"), v.findtext("name")) for v in values] == [("small", "Small"), ("large", "Large")]
        assert body.findall("attributes/attribute")[1].findtext("required") == "true"


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_service_code(client, setup, fmt):
    for code in ("NOPE", "PRIVATE"):
        response = client.get(f"/open311/v2/services/{code}.{fmt}")
        assert response.status_code == 404
        assert errors_of(response, fmt)[0][0] == 404


def _post(client, fmt, **data):
    return client.post(f"/open311/v2/requests.{fmt}", data)


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_request_then_get_it_and_its_token(client, setup, fmt):
    response = _post(client, fmt, api_key=setup["key"], service_code="ROADS", lat="25.35", long="55.41",
                     description="Deep pothole", **{"attribute[SIZE]": "large", "attribute[DEPTH]": "12"},
                     email="a@example.test", first_name="Sara", last_name="Ali", phone="0501234567",
                     account_id="acc-7", device_id="dev-1", media_url="https://example.org/p.jpg")
    assert response.status_code == 201, response.content
    body = parse(response, fmt)
    row = body[0] if fmt == "json" else {c.tag: c.text for c in body.find("request")}
    case = Case.objects.get(reference=row["service_request_id"])
    assert row["token"] == case.open311_token and row["account_id"] == "acc-7"
    assert case.entity == setup["roads"].entity and case.attributes["SIZE"] == "large"
    assert case.contact_name == "Sara Ali" and case.channel.startswith("open311:")
    assert case.reporter is None

    got = parse(client.get(f"/open311/v2/requests/{case.reference}.{fmt}"), fmt)
    req = got[0] if fmt == "json" else {c.tag: c.text for c in got.find("request")}
    expected = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"}
    assert set(req) == expected
    assert req["status"] == "open" and req["service_code"] == "ROADS"
    assert req["media_url"] == "https://example.org/p.jpg"
    assert "+04:00" in req["requested_datetime"]
    assert "a@example.test" not in got.__str__() and b"a@example.test" not in client.get(
        f"/open311/v2/requests/{case.reference}.{fmt}").content

    token = parse(client.get(f"/open311/v2/tokens/{case.open311_token}.{fmt}"), fmt)
    pair = token[0] if fmt == "json" else {c.tag: c.text for c in token.find("request")}
    assert pair["service_request_id"] == case.reference


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_accepts_a_photo_checked_by_content(client, setup, fmt):
    response = client.post(f"/open311/v2/requests.{fmt}", {
        "api_key": setup["key"], "service_code": "ROADS", "address_string": "Al Qasba", "attribute[SIZE]": "small",
        "media": photo()})
    assert response.status_code == 201
    assert Case.objects.get(address="Al Qasba").attachments.get().content_type == "image/png"


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_errors(client, setup, fmt):
    base = {"service_code": "ROADS", "lat": "25.3", "long": "55.4", "attribute[SIZE]": "small"}
    cases = [
        ({**base}, 403),  # no api_key
        ({**base, "api_key": "o311_nope_nope"}, 403),
        ({**base, "api_key": setup["key"] + "x"}, 403),
        ({**base, "api_key": setup["key"], "service_code": "NOPE"}, 400),
        ({**base, "api_key": setup["key"], "service_code": ""}, 400),
        ({k: v for k, v in base.items() if k != "attribute[SIZE]"} | {"api_key": setup["key"]}, 400),
        ({**base, "api_key": setup["key"], "attribute[SIZE]": "huge"}, 400),
        ({**base, "api_key": setup["key"], "attribute[DEPTH]": "deep"}, 400),
        ({"api_key": setup["key"], "service_code": "ROADS", "attribute[SIZE]": "small"}, 400),  # no location
        ({**base, "api_key": setup["key"], "lat": "48.85", "long": "2.35"}, 400),  # not in the UAE
    ]
    before = Case.objects.count()
    for data, status in cases:
        response = _post(client, fmt, **data)
        assert response.status_code == status, (data, response.content)
        errors = errors_of(response, fmt)
        assert errors and all(code == status for code, _d in errors)
    assert Case.objects.count() == before
    missing = errors_of(_post(client, fmt, **{k: v for k, v in base.items() if k != "attribute[SIZE]"},
                              api_key=setup["key"]), fmt)
    assert "attribute[SIZE] is required" in missing[0][1]


@pytest.mark.parametrize("fmt", FORMATS)
def test_revoked_key_is_refused(client, setup, fmt):
    from manassa.complaints.models import Open311Client

    open311_client_revoke(actor=None, client=Open311Client.objects.get())
    response = _post(client, fmt, api_key=setup["key"], service_code="ROADS", lat="25.3", long="55.4",
                     **{"attribute[SIZE]": "small"})
    assert response.status_code == 403


def _ids(response, fmt):
    body = parse(response, fmt)
    if fmt == "json":
        return [r["service_request_id"] for r in body]
    return [r.findtext("service_request_id") for r in body.findall("request")]


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_requests_and_filters(client, setup, fmt):
    private = case_submit(actor=None, kind="complaint", description="Hidden",
                          category=make_category(entity=setup["roads"].entity, code="PRIV2", public=False)).case
    url = f"/open311/v2/requests.{fmt}"
    all_ids = _ids(client.get(url), fmt)
    assert set(all_ids) == {setup["open"].reference, setup["closed"].reference}
    assert private.reference not in all_ids
    assert _ids(client.get(url, {"status": "open"}), fmt) == [setup["open"].reference]
    assert _ids(client.get(url, {"status": "closed"}), fmt) == [setup["closed"].reference]
    assert set(_ids(client.get(url, {"status": "open,closed"}), fmt)) == set(all_ids)
    assert _ids(client.get(url, {"service_code": "OTHER"}), fmt) == []
    assert _ids(client.get(url, {"service_request_id": f"{setup['closed'].reference},{private.reference}"}),
                fmt) == [setup["closed"].reference]
    assert _ids(client.get(url, {"start_date": "2000-01-01T00:00:00Z", "end_date": "2000-02-01T00:00:00+04:00"}),
                fmt) == []
    assert len(_ids(client.get(url, {"start_date": "2020-01-01T00:00:00Z"}), fmt)) == 0  # 90 days from start
    closed = parse(client.get(f"/open311/v2/requests/{setup['closed'].reference}.{fmt}"), fmt)
    notes = closed[0]["status_notes"] if fmt == "json" else closed.find("request").findtext("status_notes")
    assert notes == "Filled"


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_requests_errors(client, setup, fmt):
    url = f"/open311/v2/requests.{fmt}"
    for params in ({"start_date": "yesterday"}, {"end_date": "2026-01-01"}, {"status": "pending"},
                   {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}):
        response = client.get(url, params)
        assert response.status_code == 400, params
        assert errors_of(response, fmt)[0][0] == 400
    for path in (f"/open311/v2/requests/NOPE-1.{fmt}", f"/open311/v2/tokens/nope.{fmt}"):
        response = client.get(path)
        assert response.status_code == 404 and errors_of(response, fmt)[0][0] == 404
    private = case_submit(actor=None, kind="complaint", description="Hidden",
                          category=make_category(entity=setup["roads"].entity, code="PRIV3", public=False)).case
    assert client.get(f"/open311/v2/requests/{private.reference}.{fmt}").status_code == 404


def test_format_suffix_and_default(client, setup):
    assert client.get("/open311/v2/services").content.startswith(b"<?xml")
    response = client.get("/open311/v2/services.csv")
    assert response.status_code == 400 and errors_of(response, "xml")[0][0] == 400


def test_post_needs_no_csrf_and_ignores_the_session(client, setup, people):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(people["customer"])
    response = browser.post("/open311/v2/requests.json", {"api_key": setup["key"], "service_code": "ROADS",
                                                          "address_string": "X", "attribute[SIZE]": "small"})
    assert response.status_code == 201
    assert Case.objects.get(address="X").reporter is None
