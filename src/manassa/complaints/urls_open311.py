"""Open311 GeoReport v2 (``/open311/v2/``), outside the language prefix: JSON and XML."""

from django.urls import re_path

from manassa.complaints import open311

app_name = "open311"

_FMT = r"(?:\.(?P<fmt>[A-Za-z0-9]+))?$"

urlpatterns = [
    re_path(r"^discovery" + _FMT, open311.discovery, name="discovery"),
    re_path(r"^services" + _FMT, open311.services, name="services"),
    re_path(r"^services/(?P<code>[^/.]+)" + _FMT, open311.service_definition, name="service"),
    re_path(r"^requests" + _FMT, open311.requests, name="requests"),
    re_path(r"^requests/(?P<service_request_id>[^/.]+)" + _FMT, open311.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/.]+)" + _FMT, open311.token, name="token"),
]
