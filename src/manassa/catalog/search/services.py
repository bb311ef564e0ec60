"""Writes of the search engine: the Digital Office's synonym groups.

Every change is audited and bumps the catalog's synonyms version in the same
transaction, so each process rebuilds its index on its next search.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from manassa.audit.services import audit_record
from manassa.catalog.models import Synonym
from manassa.catalog.search import analysis
from manassa.catalog.services import catalog_version_bump
from manassa.core.errors import InvalidInput

MAX_TERMS = 30
MAX_TERM_LENGTH = 100
LANGUAGES = ("ar", "en")


def _clean_terms(terms) -> list[str]:
    if not isinstance(terms, (list, tuple)):
        raise InvalidInput(fields={"terms": [_("Give a list of words or phrases.")]})
    cleaned: list[str] = []
    seen: set[tuple[str, ...]] = set()
    problems: list[str] = []
    for term in terms:
        text = " ".join(str(term or "").split())
        if not text:
            continue
        if len(text) > MAX_TERM_LENGTH:
            problems.append(_("At most %(max)d characters: %(text)s…") % {"max": MAX_TERM_LENGTH, "text": text[:20]})
            continue
        key = tuple(analysis.surface_key(word) for word in analysis.words(text))
        if not key:
            problems.append(_("No letters or digits: %(text)s") % {"text": text})
            continue
        if key not in seen:
            seen.add(key)
            cleaned.append(text)
    if len(cleaned) < 2:
        problems.append(_("Give at least two different words or phrases."))
    if len(cleaned) > MAX_TERMS:
        problems.append(_("Give at most %(max)d words or phrases.") % {"max": MAX_TERMS})
    if problems:
        raise InvalidInput(fields={"terms": problems})
    return cleaned


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise InvalidInput(fields={"language": [_("Choose Arabic or English.")]})


@transaction.atomic
def synonym_group_create(*, actor, language: str, terms: list[str], is_active: bool = True) -> Synonym:
    _check_language(language)
    group = Synonym.objects.create(language=language, terms=_clean_terms(terms), is_active=is_active)
    audit_record(actor=actor, action="catalog.synonym_created", obj=group,
                 changes={"language": language, "terms": group.terms, "is_active": is_active})
    catalog_version_bump(synonyms=True)
    return group


@transaction.atomic
def synonym_group_update(*, actor, synonym: Synonym, language: str | None = None, terms: list[str] | None = None,
                         is_active: bool | None = None) -> Synonym:
    group = Synonym.objects.select_for_update().get(pk=synonym.pk)
    changes = {}
    if language is not None and language != group.language:
        _check_language(language)
        changes["language"] = [group.language, language]
        group.language = language
    if terms is not None:
        cleaned = _clean_terms(terms)
        if cleaned != group.terms:
            changes["terms"] = [group.terms, cleaned]
            group.terms = cleaned
    if is_active is not None and is_active != group.is_active:
        changes["is_active"] = [group.is_active, is_active]
        group.is_active = is_active
    if changes:
        group.save()
        audit_record(actor=actor, action="catalog.synonym_updated", obj=group, changes=changes)
        catalog_version_bump(synonyms=True)
    return group


@transaction.atomic
def synonym_group_delete(*, actor, synonym: Synonym) -> None:
    group = Synonym.objects.select_for_update().get(pk=synonym.pk)
    audit_record(actor=actor, action="catalog.synonym_deleted", obj=group,
                 changes={"language": group.language, "terms": group.terms})
    group.delete()
    catalog_version_bump(synonyms=True)
