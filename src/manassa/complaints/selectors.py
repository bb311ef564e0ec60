"""Reads of cases: staff reads scoped by ``cases_for`` / ``access_case``; the public side by ``access_case_public``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from manassa.accounts.permissions import Perm, entity_ids_with, has_platform_perm
from manassa.catalog.search.analysis import is_stopword, stem, words
from manassa.complaints.models import ACTIVE_STATES, Case, CaseAttachment, CaseEvent, CaseState, Category
from manassa.complaints.services import token_hash
from manassa.core.errors import NotFound

DUPLICATE_RADIUS_M = 500
DUPLICATE_WINDOW_DAYS = 90


def is_digital_office(user) -> bool:
    return getattr(user, "is_authenticated", False) and has_platform_perm(user, Perm.DIGITAL_OFFICE)


def may_use_case_backoffice(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)
                and (entity_ids_with(user, Perm.BACKOFFICE) or is_digital_office(user)))


def cases_for(user) -> QuerySet[Case]:
    """Cases the person may see in the back office: their entities' — every case for the Digital Office."""
    qs = Case.objects.select_related("entity", "category", "assignee")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if is_digital_office(user):
        return qs
    return qs.filter(entity_id__in=entity_ids_with(user, Perm.BACKOFFICE))


def access_case(user, reference: str) -> Case:
    """One case in the person's scope; a missing case and another entity's are the same 404."""
    case = cases_for(user).filter(reference=reference).first()
    if case is None:
        raise NotFound()
    return case


def triage_queue() -> QuerySet[Case]:
    """Cases no entity holds yet, and those escalated to the Digital Office, oldest first."""
    return (Case.objects.select_related("entity", "category")
            .filter(Q(entity__isnull=True) | Q(escalation_level__gte=2), state__in=ACTIVE_STATES)
            .order_by("created_at", "id"))


def case_list(user, *, state: str = "", kind: str = "", mine: bool = False, overdue: bool = False,
              entity_code: str = "") -> QuerySet[Case]:
    qs = cases_for(user)
    if state == "open":
        qs = qs.filter(state__in=ACTIVE_STATES)
    elif state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    if mine:
        qs = qs.filter(assignee=user)
    if overdue:
        qs = qs.filter(sla_breached_at__isnull=False, state__in=ACTIVE_STATES)
    if entity_code:
        qs = qs.filter(entity__code=entity_code)
    return qs.order_by("due_at", "id")


def case_by_token(token: str) -> Case | None:
    if not token or len(token) > 100:
        return None
    return Case.objects.filter(tracking_token_hash=token_hash(token)).first()


def access_case_public(user, granted: list[str] | set[str], reference: str) -> Case:
    """The reporter's view: the signed-in reporter, or a visitor who opened the tracking link (``granted``)."""
    case = (Case.objects.select_related("entity", "category", "service", "merged_into")
            .filter(reference=reference).first())
    if case is None:
        raise NotFound()
    if case.reporter_id and getattr(user, "is_authenticated", False) and user.pk == case.reporter_id:
        return case
    if case.reference in set(granted or ()):
        return case
    raise NotFound()


def cases_of_reporter(user) -> QuerySet[Case]:
    return Case.objects.filter(reporter=user).select_related("entity", "category").order_by("-created_at", "-id")


def case_history(case: Case, *, internal: bool) -> QuerySet[CaseEvent]:
    qs = case.events.select_related("actor").order_by("at", "id")
    return qs if internal else qs.filter(internal=False)


def access_attachment(case: Case, ref: str) -> CaseAttachment:
    attachment = case.attachments.filter(ref=ref).first()
    if attachment is None:
        raise NotFound()
    return attachment


def reporting_categories() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True, entity__is_active=True).select_related("entity")


# --- duplicates --------------------------------------------------------------------------


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def text_terms(text: str) -> set[str]:
    """The catalog search's terms of a text (Arabic and English normalised and stemmed), stopwords left out."""
    return {stem(w) for w in words(text or "") if not is_stopword(w) and len(w) > 1}


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


@dataclass(frozen=True)
class DuplicateCandidate:
    case: Case
    similarity: float
    distance_m: float | None


def duplicate_candidates(case: Case, *, limit: int = 5) -> list[DuplicateCandidate]:
    """Open cases of the same category that look like the same report.

    Near (within 500 m, when both have coordinates) with some words in common,
    or without location with many words in common (Jaccard over stemmed terms).
    """
    if case.category_id is None or case.state not in ACTIVE_STATES:
        return []
    since = timezone.now() - timedelta(days=DUPLICATE_WINDOW_DAYS)
    others = (Case.objects.filter(category_id=case.category_id, state__in=ACTIVE_STATES, created_at__gte=since,
                                  merged_into__isnull=True)
              .exclude(pk=case.pk).select_related("entity").order_by("-created_at")[:500])
    terms = text_terms(case.description)
    found = []
    for other in others:
        similarity = jaccard(terms, text_terms(other.description))
        distance = None
        if None not in (case.lat, case.long, other.lat, other.long):
            distance = haversine_m(case.lat, case.long, other.lat, other.long)
            if distance > DUPLICATE_RADIUS_M:
                continue
            keep = similarity >= 0.15
        else:
            keep = similarity >= 0.4
        if keep:
            found.append(DuplicateCandidate(case=other, similarity=similarity, distance_m=distance))
    found.sort(key=lambda c: (-c.similarity, c.distance_m or 0))
    return found[:limit]


# --- Open311 -------------------------------------------------------------------------------


def open311_categories() -> QuerySet[Category]:
    return (Category.objects.filter(is_active=True, is_public=True, entity__is_active=True)
            .select_related("entity").order_by("code"))


def open311_requests(*, ids=None, service_codes=None, start=None, end=None, statuses=None,
                     limit: int = 1000) -> list[Case]:
    qs = (Case.objects.filter(category__is_public=True, merged_into__isnull=True)
          .select_related("entity", "category"))
    if ids is not None:
        qs = qs.filter(reference__in=ids)
    else:
        now = timezone.now()
        end = end or now
        start = start or end - timedelta(days=90)
        qs = qs.filter(created_at__gte=start, created_at__lte=end)
        if service_codes:
            qs = qs.filter(category__code__in=service_codes)
        if statuses:
            closed = Q(state__in=(CaseState.RESOLVED, CaseState.CLOSED))
            if statuses == {"open"}:
                qs = qs.exclude(closed)
            elif statuses == {"closed"}:
                qs = qs.filter(closed)
    return list(qs.order_by("-created_at", "-id")[:limit])


def case_public_status_note(case: Case) -> str:
    """The latest word the entity gave the reporter: the resolution, else the last reply or question."""
    if case.state in (CaseState.RESOLVED, CaseState.CLOSED) and case.resolution:
        return case.resolution
    event = (case.events.filter(internal=False, action__in=("respond", "request_info")).order_by("-at", "-id")
             .first())
    return event.comment if event else ""


# --- public statistics ---------------------------------------------------------------------------

STATISTICS_DAYS = 365


@dataclass(frozen=True)
class EntityStatistics:
    entity: object
    received: int
    resolved: int
    median_hours: int | None  # received → resolved, whole clock hours
    rated: int
    happy_percent: int | None  # share of ratings that are "happy"
    average_score: float | None  # 1–3


def public_statistics(*, days: int = STATISTICS_DAYS, now=None) -> list[EntityStatistics]:
    """Cases received and resolved per entity over the last ``days``, median time to resolve, satisfaction.

    Aggregates only: counts, a median and shares — never a case, a person or a text. Merged duplicates are
    not counted twice; cases still waiting for triage (no entity) are left out.
    """
    from statistics import median

    from manassa.complaints.models import CaseRating
    from manassa.entities.models import Entity

    since = (now or timezone.now()) - timedelta(days=days)
    cases = Case.objects.filter(created_at__gte=since, entity__isnull=False, merged_into__isnull=True)
    durations: dict[int, list[float]] = {}
    received: dict[int, int] = {}
    for entity_id, created_at, resolved_at in cases.values_list("entity_id", "created_at", "resolved_at").iterator():
        received[entity_id] = received.get(entity_id, 0) + 1
        if resolved_at is not None:
            durations.setdefault(entity_id, []).append((resolved_at - created_at).total_seconds() / 3600)
    scores: dict[int, list[int]] = {}
    for entity_id, score in (CaseRating.objects.filter(case__in=cases).values_list("case__entity_id", "score")
                             .iterator()):
        scores.setdefault(entity_id, []).append(score)
    entities = {e.pk: e for e in Entity.objects.filter(pk__in=received)}
    rows = []
    for entity_id, count in received.items():
        spent = durations.get(entity_id, [])
        given = scores.get(entity_id, [])
        rows.append(EntityStatistics(
            entity=entities[entity_id], received=count, resolved=len(spent),
            median_hours=round(median(spent)) if spent else None, rated=len(given),
            happy_percent=round(100 * sum(1 for s in given if s == 3) / len(given)) if given else None,
            average_score=round(sum(given) / len(given), 2) if given else None,
        ))
    rows.sort(key=lambda row: (-row.received, row.entity.code))
    return rows
