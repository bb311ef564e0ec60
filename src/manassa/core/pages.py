"""Keyset pages of lists read newest first (back-office lists, API collections)."""

from __future__ import annotations

from django.db.models import QuerySet


def newest_first_page(qs: QuerySet, *, before: int | None, limit: int) -> tuple[list, int | None]:
    """One page of ``qs`` newest first by id, the rows below ``before``: (rows, ``before`` of the next page or None).

    One index range scan however deep the page (no OFFSET); ``qs`` may carry its own ``select_related`` and
    ``prefetch_related``; its ordering is replaced by ``-id``.
    """
    if before:
        qs = qs.filter(id__lt=before)
    rows = list(qs.order_by("-id")[:limit + 1])
    return rows[:limit], (rows[limit - 1].pk if len(rows) > limit else None)
