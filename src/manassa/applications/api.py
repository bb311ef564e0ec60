"""Back-office API for applications (session authentication, scoped to the user's entities)."""

from ninja import Router

from manassa.core.api import session_auth

backoffice_router = Router(tags=["applications"], auth=session_auth)
