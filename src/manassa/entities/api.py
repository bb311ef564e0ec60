from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import HttpBearer

from manassa.accounts.permissions import Perm
from manassa.core.api import ErrorOut, session_auth
from manassa.entities.selectors import access_entity, entities_public, entity_members, entity_public_get
from manassa.entities.services import api_key_authenticate


class EntityKeyAuth(HttpBearer):
    """``Authorization: Bearer mk_<prefix>_<secret>``: an entity system's key."""

    def authenticate(self, request: HttpRequest, token: str):
        key = api_key_authenticate(token=token)
        if key is None:
            return None
        request.api_entity = key.entity
        return key


entity_key_auth = EntityKeyAuth()


class EntityOut(Schema):
    code: str
    kind: str
    name_ar: str
    name_en: str
    parent: str | None
    website: str

    @staticmethod
    def resolve_parent(obj) -> str | None:
        return obj.parent.code if obj.parent_id else None


class MemberOut(Schema):
    email: str
    name_ar: str
    name_en: str
    role: str


class KeyIdentityOut(Schema):
    entity: str
    key_name: str
    key_prefix: str


public_router = Router(tags=["entities"])
backoffice_router = Router(tags=["back office"], auth=session_auth)
system_router = Router(tags=["entity systems"], auth=entity_key_auth)


@public_router.get("/entities", response=list[EntityOut], auth=None, operation_id="entity_list")
def entity_list(request):
    return list(entities_public())


@public_router.get("/entities/{code}", response={200: EntityOut, 404: ErrorOut}, auth=None,
                   operation_id="entity_get")
def entity_get(request, code: str):
    return entity_public_get(code=code)


@backoffice_router.get("/entities/{code}/members", response={200: list[MemberOut], 403: ErrorOut, 404: ErrorOut},
                       operation_id="backoffice_entity_members")
def backoffice_entity_members(request, code: str):
    entity = access_entity(request.user, code, Perm.ENTITY_VIEW)
    return [
        MemberOut(email=m.user.email, name_ar=m.user.name_ar, name_en=m.user.name_en, role=m.role)
        for m in entity_members(entity=entity)
    ]


@system_router.get("/whoami", response=KeyIdentityOut, operation_id="system_whoami")
def system_whoami(request):
    key = request.auth
    return KeyIdentityOut(entity=key.entity.code, key_name=key.name, key_prefix=key.prefix)
