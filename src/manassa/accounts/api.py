from __future__ import annotations

from ninja import Router, Schema

from manassa.accounts.permissions import role_names
from manassa.core.api import ErrorOut, session_auth

router = Router(tags=["accounts"], auth=session_auth)


class MeOut(Schema):
    email: str
    name_ar: str
    name_en: str
    preferred_language: str
    roles: list[str]
    entities: list[str]


@router.get("/me", response={200: MeOut, 401: ErrorOut}, operation_id="me")
def me(request):
    user = request.user
    return MeOut(
        email=user.email, name_ar=user.name_ar, name_en=user.name_en,
        preferred_language=user.preferred_language, roles=role_names(user),
        entities=sorted(user.memberships.values_list("entity__code", flat=True)),
    )
