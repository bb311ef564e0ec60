from __future__ import annotations

from django.db import transaction
from django.db.models import F

from manassa.catalog.models import CatalogState


def catalog_version_bump(*, synonyms: bool = False) -> None:
    """Record that the catalog changed; call inside the writing transaction."""
    with transaction.atomic():
        CatalogState.objects.get_or_create(id=1)
        changes = {"version": F("version") + 1}
        if synonyms:
            changes["synonyms_version"] = F("synonyms_version") + 1
        CatalogState.objects.filter(id=1).update(**changes)
