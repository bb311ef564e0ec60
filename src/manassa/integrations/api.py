"""Entity-system API (``/api/v1/system/…``, entity API keys): applications, transitions, result documents."""

from ninja import Router

from manassa.entities.api import entity_key_auth

system_router = Router(tags=["entity systems"], auth=entity_key_auth)
