"""Seed the Synonym table with the search engine's default groups (synonyms_default.json).

The Digital Office edits them from then on; reversing the migration removes
only the rows that still hold exactly the default terms.
"""

import json
from pathlib import Path

from django.db import migrations

DEFAULTS = Path(__file__).resolve().parents[1] / "search" / "synonyms_default.json"


def _groups():
    data = json.loads(DEFAULTS.read_text(encoding="utf-8"))
    return [(language, list(terms)) for language in ("ar", "en") for terms in data.get(language, [])]


def seed(apps, schema_editor):
    Synonym = apps.get_model("catalog", "Synonym")
    if Synonym.objects.exists():
        return
    Synonym.objects.bulk_create([Synonym(language=language, terms=terms) for language, terms in _groups()])
    CatalogState = apps.get_model("catalog", "CatalogState")
    state, _created = CatalogState.objects.get_or_create(id=1)
    state.synonyms_version += 1
    state.version += 1
    state.save()


def unseed(apps, schema_editor):
    Synonym = apps.get_model("catalog", "Synonym")
    defaults = {(language, json.dumps(terms, ensure_ascii=False)) for language, terms in _groups()}
    for group in Synonym.objects.all():
        if (group.language, json.dumps(group.terms, ensure_ascii=False)) in defaults:
            group.delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_lifeevent_synonym_catalogstate_service_and_more")]

    operations = [migrations.RunPython(seed, unseed)]
