"""Reads of the entity's bill-posting page: which paid bills its billers were told of, refused or still waiting.

Scoped like every back-office read: ``postings_entity`` (another entity's code
is a 404, a role without the permission a 403), then every posting is looked
up inside that entity, so another entity's posting is a 404 through any code.
"""

from __future__ import annotations

from django.db.models import Count

from manassa.accounts.permissions import Perm
from manassa.bills.models import BillPosting, PostingStatus
from manassa.core.errors import NotFound
from manassa.entities.models import Entity
from manassa.entities.selectors import access_entity

LIST_LIMIT = 100


def postings_entity(user, code: str) -> Entity:
    """The entity whose bill postings ``user`` opens (and may send again): any of its staff."""
    return access_entity(user, code, Perm.BACKOFFICE)


def postings_counts(entity: Entity) -> dict[str, int]:
    """How many of the entity's postings are in each status (every status present, zero if none)."""
    counts = dict(BillPosting.objects.filter(invoice__entity=entity).values_list("status")
                  .annotate(n=Count("id")).values_list("status", "n"))
    return {status: counts.get(status, 0) for status in PostingStatus.values}


def postings_of(entity: Entity, status: str, *, limit: int = LIST_LIMIT) -> list[BillPosting]:
    """The entity's postings in ``status``, newest first."""
    return list(BillPosting.objects.filter(invoice__entity=entity, status=status)
                .select_related("invoice", "payment").order_by("-id")[:limit])


def access_posting(entity: Entity, posting_id: int) -> BillPosting:
    """One posting of ``entity``; 404 for a missing one and for another entity's."""
    posting = BillPosting.objects.select_related("invoice", "payment").filter(
        pk=posting_id, invoice__entity=entity).first()
    if posting is None:
        raise NotFound()
    return posting


def posting_of_invoice(invoice) -> BillPosting | None:
    """The posting of a bill's invoice (None for a request's invoice, or a bill not paid yet)."""
    if not invoice.bill_provider:
        return None
    return BillPosting.objects.filter(invoice=invoice).first()


def failed_postings_count(entity: Entity) -> int | None:
    """How many of the entity's postings its billers refused; None when the entity collects no bills."""
    from manassa.bills.providers import provider_configs

    if not any(config.entity_code == entity.code for config in provider_configs()):
        return None
    return BillPosting.objects.filter(invoice__entity=entity, status=PostingStatus.FAILED).count()
