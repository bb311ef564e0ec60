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
from manassa.catalog.interchange import catalog_import, catalog_parse
from manassa.complaints.services import install_demo_categories
from manassa.entities.models import Entity, EntityRole
from manassa.entities.services import membership_set

DEMO_FORMS = Path(__file__).resolve().parents[1] / "applications" / "fixtures" / "demo-forms.json"
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
    from manassa.bills.demo import bills_demo_load

    # Through the catalog importer, so the demo file is held to the interchange format
    # and loading it twice changes nothing.
    doc = catalog_parse(DEMO_CATALOG.read_bytes())
    report = catalog_import(actor=actor, document=doc)

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
    from manassa.notifications.services import install_defaults as notification_texts_install

    notification_texts_install()
    return {"entities": len(report.created["entities"]), "sectors": len(doc.get("sectors") or []),
            "life_events": len(doc.get("life_events") or []), "services": len(doc.get("services") or []),
            "online_services": _demo_online_services(actor=actor), "users": created_users,
            "case_categories": install_demo_categories(), "bill_accounts": bills_demo_load(actor=actor)}


def _demo_online_services(*, actor) -> int:
    """Forms and workflows for a few demo services, so they can be applied for end to end."""
    from manassa.applications.models import DefinitionStatus, ServiceForm
    from manassa.applications.services import service_form_publish, service_workflow_publish
    from manassa.applications.workflow import TEMPLATES
    from manassa.catalog.models import Service

    published = 0
    for code, spec in json.loads(DEMO_FORMS.read_text(encoding="utf-8")).items():
        service = Service.objects.filter(code=code).first()
        if service is None or ServiceForm.objects.filter(service=service, status=DefinitionStatus.PUBLISHED).exists():
            continue
        service_form_publish(actor=actor, service=service, definition=spec["form"])
        service_workflow_publish(actor=actor, service=service, definition=TEMPLATES[spec["workflow"]])
        if spec.get("fees"):
            _demo_fees(service, spec["fees"], actor=actor)
        published += 1
    return published


def _demo_fees(service, lines: list[dict], *, actor) -> None:
    from manassa.payments.models import FeeLine, FeeSchedule

    schedule = FeeSchedule.objects.create(service=service, version=1, created_by=actor)
    FeeLine.objects.bulk_create(
        FeeLine(schedule=schedule, position=position, kind=line["kind"], label_ar=line["label"]["ar"],
                label_en=line["label"]["en"], amount=line.get("amount"), expression=line.get("expression", ""),
                condition=line.get("condition", ""))
        for position, line in enumerate(lines))
