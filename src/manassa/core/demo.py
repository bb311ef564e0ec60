"""The demo data set: a Sharjah-like government with one account per role.

Passwords and the staff TOTP secret are published in the README, which is
why the loader refuses to run unless demo mode (or DEBUG) is on.
"""

from __future__ import annotations

import json
from pathlib import Path

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.db import transaction

from manassa.accounts.models import PlatformRoleName, User
from manassa.accounts.services import platform_role_grant, user_create
from manassa.catalog.models import Sector
from manassa.entities.models import Entity, EntityRole
from manassa.entities.services import entity_create, membership_set

DEMO_CATALOG = Path(__file__).resolve().parents[1] / "catalog" / "fixtures" / "demo-catalog.json"
DEMO_PASSWORD = "Manassa-Demo-2026"
# Base32; add it to any authenticator app, or: oathtool --totp -b MANASSADEMOSTAFFTOTPSECRETKEY234
DEMO_TOTP_SECRET = "MANASSADEMOSTAFFTOTPSECRETKEY234"

# (e-mail, Arabic name, English name, entity code or None, entity role or platform role)
DEMO_USERS = [
    ("resident@manassa.test", "مريم أحمد الشامسي", "Maryam Ahmed Al Shamsi", None, None),
    ("officer.sewa@manassa.test", "خالد سالم النقبي", "Khalid Salem Al Naqbi", "SEWA", EntityRole.OFFICER),
    ("supervisor.sewa@manassa.test", "فاطمة علي الكتبي", "Fatima Ali Al Ketbi", "SEWA", EntityRole.SUPERVISOR),
    ("admin.sewa@manassa.test", "يوسف محمد الحمادي", "Yousef Mohammed Al Hammadi", "SEWA", EntityRole.ADMIN),
    ("officer.shjmun@manassa.test", "عائشة راشد الزعابي", "Aisha Rashid Al Zaabi", "SHJMUN", EntityRole.OFFICER),
    ("do.admin@manassa.test", "سلطان عبدالله القاسمي", "Sultan Abdullah Al Qasimi", None, PlatformRoleName.DO_ADMIN),
    ("do.analyst@manassa.test", "نورة حسن المرزوقي", "Noura Hassan Al Marzouqi", None, PlatformRoleName.DO_ANALYST),
    ("auditor@manassa.test", "عمر إبراهيم السويدي", "Omar Ibrahim Al Suwaidi", None, PlatformRoleName.AUDITOR),
]


def demo_is_loaded() -> bool:
    return Entity.objects.exists()


@transaction.atomic
def demo_load(*, actor=None) -> dict[str, int]:
    doc = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    for position, sector in enumerate(doc["sectors"]):
        Sector.objects.update_or_create(
            code=sector["code"],
            defaults={"name_ar": sector["name"]["ar"], "name_en": sector["name"]["en"], "position": position},
        )
    created_entities = 0
    pending = list(doc["entities"])
    # Parents first: an entity may name a parent listed after it.
    while pending:
        progressed = False
        for item in list(pending):
            parent_code = item.get("parent")
            parent = Entity.objects.filter(code=parent_code).first() if parent_code else None
            if parent_code and parent is None:
                continue
            if not Entity.objects.filter(code=item["code"]).exists():
                entity_create(actor=actor, code=item["code"], kind=item["kind"],
                              name_ar=item["name"]["ar"], name_en=item["name"]["en"],
                              parent=parent, website=item.get("website") or "")
                created_entities += 1
            pending.remove(item)
            progressed = True
        if not progressed:
            raise ValueError(f"unknown parent entities: {[i['parent'] for i in pending]}")

    created_users = 0
    for email, name_ar, name_en, entity_code, role in DEMO_USERS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = user_create(actor=actor, email=email, password=DEMO_PASSWORD, name_ar=name_ar, name_en=name_en)
            created_users += 1
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        if entity_code:
            membership_set(actor=actor, entity=Entity.objects.get(code=entity_code), user=user, role=role)
        elif role:
            platform_role_grant(actor=actor, user=user, role=role)
        if role and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, DEMO_TOTP_SECRET)
    return {"entities": created_entities, "sectors": len(doc["sectors"]), "users": created_users}
