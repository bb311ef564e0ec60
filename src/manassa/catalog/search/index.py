"""The in-memory search index: built from the database, kept in step with ``CatalogState``.

Each process holds one ``SearchIndex`` (an inverted index of analysed terms,
BM25-style field weights precomputed per posting) and checks, at most once a
second, whether the catalog version moved. A new synonyms version rebuilds the
index; a new catalog version re-indexes only the services (and the services of
entities) changed since the last sync. Ranking is plain Python over the same
rows, so SQLite and PostgreSQL give identical results.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import math
import os
import pickle
import threading
import time
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from heapq import nlargest
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA

from manassa.catalog.search import analysis as an

# How much a match in each field is worth, and how much the field's length dampens it.
FIELD_WEIGHTS = {"name": 1.0, "keywords": 0.6, "entity": 0.4, "code": 0.4, "taxonomy": 0.15, "description": 0.2}
FIELD_B = {"name": 0.5, "keywords": 0.3, "entity": 0.0, "code": 0.0, "taxonomy": 0.2, "description": 0.75}
FIELDS = tuple(FIELD_WEIGHTS)
TITLE_FIELDS = ("name", "keywords", "entity")
K1 = 1.2
# A document matching only part of the query keeps COVERAGE_FLOOR of its score at zero coverage.
COVERAGE_FLOOR = 0.2
POPULARITY_WEIGHT = 0.06
NAME_COVERAGE_BONUS = 0.35
ADJACENCY_BONUS = 0.15
EXACT_NAME_BONUS = 0.1
# A keyword phrase of the service (two words or more) found whole in the query.
KEYWORD_PHRASE_BONUS = 0.5
RERANK_POOL = 50
# A slot whose postings exceed this share of the catalog (and this many) only scores others' candidates.
COMMON_SHARE = 0.05
COMMON_MIN_POSTINGS = 5000
# Search-as-you-type: completions of the last word until their postings reach this many.
COMPLETION_POSTINGS = 20000
RELATIVE_CUTOFF = 0.08
# Weights of the ways a query word can meet the index.
WEIGHT = {"exact": 1.0, "synonym": 0.95, "clitic": 0.95, "verb": 0.85, "number": 0.85, "prefix": 0.8, "split": 0.8,
          "join": 0.9, "typo1": 0.75, "typo2": 0.55, "complete": 0.9}
MAX_QUERY_WORDS = 16
MAX_TYPO_CANDIDATES = 3
MAX_COMPLETIONS = 40
DEFAULT_SYNONYMS = Path(__file__).with_name("synonyms_default.json")


# --- Synonyms ------------------------------------------------------------------------------------

class SynonymTable:
    """Synonym groups as sequences of whole-word keys, looked up by their first word."""

    def __init__(self, groups: Iterable[Iterable[str]]) -> None:
        self.groups: list[tuple[tuple[str, ...], ...]] = []
        self.by_first: dict[str, list[tuple[int, tuple[str, ...]]]] = defaultdict(list)
        for terms in groups:
            members = []
            for term in terms:
                keys = tuple(an.surface_key(w) for w in an.words(str(term)))
                if keys and keys not in members:
                    members.append(keys)
            if len(members) < 2:
                continue
            number = len(self.groups)
            self.groups.append(tuple(members))
            for keys in members:
                self.by_first[keys[0]].append((number, keys))
        for entries in self.by_first.values():
            entries.sort(key=lambda entry: -len(entry[1]))
        # Stems of one-word members, consulted only for query words the index does not know
        # (موتري → موتر): a stem shared with a known word must not pull in a group.
        self.by_stem: dict[str, list[int]] = defaultdict(list)
        for number, members in enumerate(self.groups):
            for keys in members:
                if len(keys) == 1 and number not in self.by_stem[an.stem(keys[0])]:
                    self.by_stem[an.stem(keys[0])].append(number)

    def members_by_stem(self, term: str) -> list[tuple[str, ...]]:
        found: list[tuple[str, ...]] = []
        for number in self.by_stem.get(term, ()):
            found += [m for m in self.groups[number] if m not in found]
        return found

    def match(self, keys: list[str], start: int) -> tuple[int, list[tuple[str, ...]]] | None:
        """The longest group member starting at ``keys[start]``: (length, the other members)."""
        for number, member in self.by_first.get(keys[start], ()):
            if tuple(keys[start:start + len(member)]) == member:
                others: list[tuple[str, ...]] = []
                for group in self._groups_with(member, number):
                    others += [m for m in self.groups[group] if m != member and m not in others]
                return len(member), others
        return None

    def _groups_with(self, member: tuple[str, ...], first: int) -> list[int]:
        # A word may sit in several groups (ملكية with مركبة and with عقار): all of them apply.
        return [first] + [n for n, m in self.by_first.get(member[0], ()) if m == member and n != first]


def default_synonym_groups() -> list[list[str]]:
    data = json.loads(DEFAULT_SYNONYMS.read_text(encoding="utf-8"))
    return [list(group) for language in ("ar", "en") for group in data.get(language, [])]


# --- Documents -----------------------------------------------------------------------------------

@dataclass(slots=True)
class ServiceDocument:
    """What the loader reads for one service, with the texts of its entity, sector and life events."""

    id: int
    code: str
    slug: str
    name_ar: str
    name_en: str
    description_ar: str = ""
    description_en: str = ""
    keywords: tuple[str, ...] = ()
    entity_code: str = ""
    entity_names: tuple[str, ...] = ()
    sector_code: str = ""
    taxonomy: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    free: bool = False
    popularity: int = 0
    updated_at: object = None


@dataclass(slots=True)
class IndexedService:
    id: int
    code: str
    slug: str
    name_ar: str
    name_en: str
    entity_code: str
    sector_code: str
    audience: frozenset[str]
    free: bool
    popularity: int
    name_terms: tuple[tuple[str, ...], ...]
    updated_at: object = None
    alive: bool = True


@dataclass(frozen=True, slots=True)
class Alternative:
    terms: tuple[str, ...]
    weight: float
    kind: str


@dataclass(slots=True)
class Slot:
    """One concept of the query (a word, or a phrase matched by a synonym group) and its alternatives."""

    text: str
    keys: tuple[str, ...]
    alternatives: list[Alternative] = field(default_factory=list)
    importance: float = 0.0
    correction: str | None = None


@dataclass(slots=True)
class QueryPlan:
    query: str
    slots: list[Slot]
    prefix: str | None = None
    code: str | None = None
    # Every word of the query as a whole-word key, filler words included (keyword phrases).
    keys: tuple[str, ...] = ()

    @property
    def live(self) -> list[Slot]:
        return [slot for slot in self.slots if slot.alternatives]

    @property
    def terms(self) -> set[str]:
        return {t for slot in self.slots for alt in slot.alternatives for t in alt.terms}

    @property
    def did_you_mean(self) -> str | None:
        if not any(slot.correction for slot in self.slots):
            return None
        return " ".join(slot.correction or slot.text for slot in self.slots)


@dataclass(frozen=True, slots=True)
class Filters:
    sector: str | None = None
    entity: str | None = None
    audience: str | None = None
    free: bool | None = None

    def accept(self, doc: IndexedService) -> bool:
        return (
            (self.sector is None or doc.sector_code == self.sector)
            and (self.entity is None or doc.entity_code == self.entity)
            and (self.audience is None or not doc.audience or self.audience in doc.audience)
            and (self.free is None or doc.free == self.free)
        )


@dataclass(slots=True)
class Ranked:
    total: int
    hits: list[tuple[IndexedService, float]]


def _strongest(alternatives: list[Alternative]) -> list[Alternative]:
    """One alternative per set of terms, the one with the highest weight, in first-seen order."""
    best: dict[tuple[str, ...], Alternative] = {}
    for alternative in alternatives:
        if alternative.terms not in best or alternative.weight > best[alternative.terms].weight:
            best[alternative.terms] = alternative
    return list(best.values())


def average_lengths(documents: Iterable[ServiceDocument]) -> dict[str, float]:
    totals = dict.fromkeys(FIELDS, 0)
    count = 0
    for doc in documents:
        count += 1
        for name, texts in SearchIndex._fields(doc):
            totals[name] += _field_length(texts)
    return {name: max(totals[name] / max(count, 1), 1.0) for name in FIELDS}


def _field_length(texts: Iterable[str]) -> int:
    # Whitespace words: cheap, and the same measure for each document and for the averages.
    return sum(len(text.split()) for text in texts) or 1


@an.lru_cache(maxsize=300_000)
def _analyse(word: str) -> tuple[str, str] | None:
    """(whole-word key, index term) of a normalised word, or None for a stopword."""
    if an.is_stopword(word):
        return None
    return an.surface_key(word), an.stem(word)


@an.lru_cache(maxsize=200_000)
def _display_entries(raw: str) -> tuple[tuple[str, str], ...]:
    shown = _shown_form(raw)
    return tuple((an.surface_key(word), shown) for word in an.words(raw))


def _shown_form(raw: str) -> str:
    """A word of the catalog as shown in "did you mean", without its article."""
    shown = an.display_form(raw)
    if an.script_of(shown) == an.LATIN:
        return shown.lower()
    normalised = an.normalise(shown)
    if len(normalised) != len(shown):
        return shown
    return shown[len(normalised) - len(an.strip_article(normalised)):]


def analyse_text(text: str) -> list[tuple[str, str]]:
    return [pair for pair in map(_analyse, an.words(text)) if pair is not None]


class SearchIndex:
    def __init__(self, synonyms: SynonymTable | None = None) -> None:
        self.synonyms = synonyms or SynonymTable([])
        self.docs: list[IndexedService] = []
        self.by_id: dict[int, int] = {}
        self.postings: dict[str, tuple[array, array]] = {}
        self.alive = 0
        self.avg_length = dict.fromkeys(FIELDS, 1.0)
        self.key_counts: Counter[str] = Counter()
        self.title_counts: Counter[str] = Counter()
        self.codes: dict[str, int] = {}
        self.max_popularity = 0
        self.generation = 0
        self._derived: dict[str, object] = {}
        self._entity_cache: dict[tuple, list[tuple[str, str]]] = {}
        # Keyword phrases of two words or more, filler words included ("ما في ماي"), as whole-word keys.
        self.phrases: dict[tuple[str, ...], list[int]] = defaultdict(list)

    # --- building --------------------------------------------------------------------------------

    def build(self, documents: Iterable[ServiceDocument], *,
              averages_from: Iterable[ServiceDocument] | None = None) -> SearchIndex:
        """Index ``documents``; field length averages from ``averages_from`` (a second pass) or from them."""
        if averages_from is None:
            documents = list(documents)
            averages_from = documents
        self.avg_length = average_lengths(averages_from)
        for doc in documents:
            self._add(doc)
        self._changed()
        return self

    def upsert(self, documents: Iterable[ServiceDocument]) -> None:
        for doc in documents:
            self.remove(doc.id)
            self._add(doc)
        self._changed()

    def remove(self, service_id: int) -> None:
        position = self.by_id.pop(service_id, None)
        if position is None:
            return
        doc = self.docs[position]
        doc.alive = False
        self.alive -= 1
        self.codes.pop(doc.code, None)
        # Its postings (and their part in document frequencies) stay until the next full build,
        # which comes once dead documents pass a fifth of the index; ranking skips them.
        self._changed()

    @property
    def dead_ratio(self) -> float:
        return 1 - self.alive / len(self.docs) if self.docs else 0.0

    @staticmethod
    def _fields(doc: ServiceDocument) -> list[tuple[str, tuple[str, ...]]]:
        return [
            ("name", (doc.name_ar, doc.name_en)),
            ("keywords", doc.keywords),
            ("entity", doc.entity_names),
            ("code", (doc.code.replace("-", " "),)),
            ("taxonomy", doc.taxonomy),
            ("description", (doc.description_ar, doc.description_en)),
        ]

    def _analyse_shared(self, texts: tuple[str, ...]) -> list[tuple[str, str]]:
        # Entity and sector texts repeat for every service of the entity: analyse them once.
        cached = self._entity_cache.get(texts)
        if cached is None:
            cached = [pair for text in texts for pair in analyse_text(text)]
            self._entity_cache[texts] = cached
        return cached

    def _add(self, doc: ServiceDocument) -> None:
        position = len(self.docs)
        name_terms: list[tuple[str, ...]] = []
        weights: dict[str, float] = {}
        for name, texts in self._fields(doc):
            if name in ("entity", "taxonomy"):
                pairs = self._analyse_shared(texts)
            elif name == "name":
                per_text = [analyse_text(text) for text in texts]
                name_terms = [tuple(term for _key, term in text_pairs) for text_pairs in per_text]
                pairs = [pair for text_pairs in per_text for pair in text_pairs]
            else:
                pairs = [pair for text in texts for pair in analyse_text(text)]
            if not pairs:
                continue
            keys = [key for key, _term in pairs]
            self.key_counts.update(keys)
            if name in TITLE_FIELDS:
                self.title_counts.update(set(keys))
            if name == "keywords":
                for text in texts:
                    phrase = tuple(an.surface_key(word) for word in an.words(text))
                    if 2 <= len(phrase) <= 6:
                        self.phrases[phrase].append(position)
            b = FIELD_B[name]
            norm = 1 - b + b * _field_length(texts) / self.avg_length[name]
            weight = FIELD_WEIGHTS[name]
            for term, tf in Counter(term for _key, term in pairs).items():
                tf /= norm
                weights[term] = weights.get(term, 0.0) + weight * tf / (K1 + tf)
        for term, value in weights.items():
            entry = self.postings.get(term)
            if entry is None:
                entry = self.postings[term] = (array("i"), array("f"))
            entry[0].append(position)
            entry[1].append(value)

        self.docs.append(IndexedService(
            id=doc.id, code=doc.code, slug=doc.slug, name_ar=doc.name_ar, name_en=doc.name_en,
            entity_code=doc.entity_code, sector_code=doc.sector_code, audience=frozenset(doc.audience),
            free=doc.free, popularity=doc.popularity, name_terms=tuple(name_terms), updated_at=doc.updated_at,
        ))
        self.by_id[doc.id] = position
        self.codes[doc.code] = position
        self.alive += 1
        self.max_popularity = max(self.max_popularity, doc.popularity)

    def _changed(self) -> None:
        self.generation += 1
        self._derived.clear()

    # --- derived structures, made on first use after a change -----------------------------------

    def _buckets(self) -> dict[tuple[str, int], list[str]]:
        buckets = self._derived.get("buckets")
        if buckets is None:
            grouped: dict[tuple[str, int], list[str]] = defaultdict(list)
            for key in self.key_counts:
                if an.stem(key) in self.postings:
                    grouped[(an.script_of(key), len(key))].append(key)
            buckets = self._derived["buckets"] = {k: sorted(v) for k, v in grouped.items()}
        return buckets  # type: ignore[return-value]

    def _sorted(self, name: str, source: Iterable[str]) -> list[str]:
        values = self._derived.get(name)
        if values is None:
            values = self._derived[name] = sorted(source)
        return values  # type: ignore[return-value]

    def _code_rank(self) -> dict[int, int]:
        ranks = self._derived.get("code_rank")
        if ranks is None:
            order = sorted(range(len(self.docs)), key=lambda i: self.docs[i].code)
            ranks = self._derived["code_rank"] = {position: rank for rank, position in enumerate(order)}
        return ranks  # type: ignore[return-value]

    # --- query analysis --------------------------------------------------------------------------

    def known(self, term: str) -> bool:
        return term in self.postings

    def df(self, term: str) -> int:
        entry = self.postings.get(term)
        return len(entry[0]) if entry is not None else 0

    def idf(self, term: str) -> float:
        df = self.df(term)
        return math.log(1 + (max(self.alive - df, 0) + 0.5) / (df + 0.5))

    def cached_plan(self, query: str, *, prefix: bool = False) -> QueryPlan:
        """``plan`` remembered for this version of the index (a page searches, then highlights)."""
        plans = self._derived.setdefault("plans", {})
        key = (query, prefix)
        plan = plans.get(key)  # type: ignore[union-attr]
        if plan is None:
            if len(plans) >= 4096:  # type: ignore[arg-type]
                plans.clear()  # type: ignore[union-attr]
            plan = plans[key] = self.plan(query, prefix=prefix)  # type: ignore[index]
        return plan

    def plan(self, query: str, *, prefix: bool = False) -> QueryPlan:
        tokens: list[tuple[str, str]] = []  # (as typed, normalised word)
        for raw, _start, _end in an.raw_words(query[:500]):
            tokens += [(raw, word) for word in an.words(raw)]
        tokens = tokens[:MAX_QUERY_WORDS]
        stripped = query.rstrip()
        last_is_prefix = prefix and tokens and stripped == query and query[-1:].strip() != "" \
            and an.raw_words(query)[-1][2] == len(query)
        prefix_word = tokens.pop()[1] if last_is_prefix else None

        drop_stopwords = prefix_word is not None or any(not an.is_stopword(word) for _raw, word in tokens)
        plan = QueryPlan(query=query, slots=self._slots(tokens, drop_stopwords=drop_stopwords))
        plan.keys = tuple(an.surface_key(word) for _raw, word in tokens)
        if prefix_word is not None:
            completion = self._completion_slot(prefix_word)
            if completion is not None:
                plan.slots.append(completion)
                plan.prefix = completion.keys[0]
        code = "-".join(word for _raw, word in tokens).upper()
        if prefix_word is None and code in self.codes:
            plan.code = code
        for slot in plan.slots:
            slot.importance = max(
                (sum(self.idf(t) for t in alt.terms) / len(alt.terms) for alt in slot.alternatives), default=0.0
            )
        return plan

    def _synonyms_at(self, keys: list[str], i: int, stop: bool) -> tuple[int, list[tuple[str, ...]]] | None:
        matched = self.synonyms.match(keys, i)
        if matched is not None and stop and matched[0] == 1:
            return None  # ما is not ماء: a filler word starts only a phrase of a group
        if matched is None and not stop:
            # A suffixed form of a member (ضايعة, موتري): the member's group, matched on the whole word.
            for variant in an.suffix_variants(keys[i]):
                matched = self.synonyms.match([variant], 0)
                if matched is not None:
                    break
        return matched

    def _slots(self, tokens: list[tuple[str, str]], *, drop_stopwords: bool) -> list[Slot]:
        """Concepts of the query. Synonym phrases are matched first, filler words included."""
        keys = [an.surface_key(word) for _raw, word in tokens]
        slots: list[Slot] = []
        i = 0
        while i < len(tokens):
            raw, word = tokens[i]
            stop = drop_stopwords and an.is_stopword(word)
            matched = self._synonyms_at(keys, i, stop)
            if matched is None and stop:
                i += 1
                continue
            if matched is not None:
                length, others = matched
                span = tokens[i:i + length]
                slot = Slot(text=" ".join(r for r, _w in span), keys=tuple(keys[i:i + length]))
                if length == 1:
                    slot.alternatives = self._resolve(word)
                else:
                    own = tuple(an.stem(w) for _r, w in span)
                    if all(self.known(t) for t in own):
                        slot.alternatives = [Alternative(own, WEIGHT["exact"], "exact")]
                slot.alternatives += self._members(others, WEIGHT["synonym"])
                if not slot.alternatives and length == 1:
                    slot.alternatives, slot.correction = self._correct(raw, word)
                slot.alternatives = _strongest(slot.alternatives)
                slots.append(slot)
                i += length
                continue
            slot = Slot(text=raw, keys=(keys[i],), alternatives=self._resolve(word))
            if not slot.alternatives and i + 1 < len(tokens) and not an.is_stopword(tokens[i + 1][1]):
                joined = self._join(word, tokens[i + 1][1])
                if joined is not None:
                    slot = Slot(text=f"{raw} {tokens[i + 1][0]}", keys=(keys[i], keys[i + 1]),
                                alternatives=[joined[0]], correction=joined[1])
                    slots.append(slot)
                    i += 2
                    continue
            if not slot.alternatives:
                slot.alternatives, slot.correction = self._correct(raw, word)
            slots.append(slot)
            i += 1
        return slots

    def _resolve(self, word: str) -> list[Alternative]:
        """How a whole query word meets the index, without corrections."""
        cache = self._derived.setdefault("resolve", {})
        found = cache.get(word)  # type: ignore[union-attr]
        if found is not None:
            return list(found)
        alternatives: list[Alternative] = []
        term = an.stem(word)
        script = an.script_of(word)
        if self.known(term):
            alternatives.append(Alternative((term,), WEIGHT["exact"], "exact"))
        if script == an.ARABIC:
            for noun in an.verbal_noun_candidates(word):
                candidate = an.stem(noun)
                if candidate != term and self.known(candidate):
                    alternatives.append(Alternative((candidate,), WEIGHT["verb"], "verb"))
                # The verbal noun's synonyms too (اسدد → سداد → دفع), whether the index knows it or not.
                matched = self.synonyms.match([an.surface_key(noun)], 0)
                if matched is not None:
                    alternatives += self._members(matched[1], WEIGHT["verb"])
            if not alternatives:
                alternatives = self._unknown_arabic(word)
        elif script == an.LATIN and alternatives and len(term) >= 5:
            alternatives += [Alternative((other,), WEIGHT["prefix"], "prefix")
                             for other in self._english_neighbours(term)]
        alternatives = _strongest(alternatives)
        cache[word] = tuple(alternatives)  # type: ignore[index]
        return alternatives

    def _unknown_arabic(self, word: str) -> list[Alternative]:
        """An Arabic word missing from the index: its clitic-free, uninflected, singular/plural forms."""
        alternatives: list[Alternative] = []
        alternatives += self._members(self.synonyms.members_by_stem(an.stem(word)), WEIGHT["synonym"])
        variants = an.clitic_variants(word)
        variants += [v for base in [word, *variants] for v in an.inflection_variants(base)]
        for variant in variants:
            candidate = an.stem(variant)
            if self.known(candidate):
                alternatives.append(Alternative((candidate,), WEIGHT["clitic"], "clitic"))
            matched = self.synonyms.match([an.surface_key(variant)], 0)
            members = matched[1] if matched else self.synonyms.members_by_stem(candidate)
            alternatives += self._members(members, WEIGHT["synonym"])
        key = an.surface_key(word)
        for base in dict.fromkeys([key, *variants]):
            for form in an.number_variants(base):
                candidate = an.stem(form)
                if form in self.key_counts and self.known(candidate):
                    alternatives.append(Alternative((candidate,), WEIGHT["number"], "number"))
        return alternatives

    def _members(self, members: Iterable[tuple[str, ...]], weight: float) -> list[Alternative]:
        found = []
        for member in members:
            terms = tuple(an.stem(key) for key in member)
            if all(self.known(t) for t in terms):
                found.append(Alternative(terms, weight, "synonym"))
        return found

    def _english_neighbours(self, term: str) -> list[str]:
        """Stems one derivation away (regist/registr, appli/applic): one is a short prefix of the other."""
        stems = self._sorted("english_terms", (t for t in self.postings if an.script_of(t) == an.LATIN))
        found = []
        start = bisect.bisect_left(stems, term)
        for other in stems[start:start + 20]:
            if not other.startswith(term):
                break
            if other != term and len(other) - len(term) <= 3 and self.known(other):
                found.append(other)
        for cut in range(1, 4):
            shorter = term[:-cut]
            if len(shorter) >= 5 and self.known(shorter):
                found.append(shorter)
        return found

    def _join(self, first: str, second: str) -> tuple[Alternative, str] | None:
        """Two unknown pieces of one word typed with a space inside (كهر باء)."""
        if self._resolve(second):
            return None
        joined = first + second
        term = an.stem(joined)
        if an.script_of(joined) != an.OTHER and self.known(term):
            return Alternative((term,), WEIGHT["join"], "join"), self._shown(an.surface_key(joined), first)
        return None

    def _correct(self, raw: str, word: str) -> tuple[list[Alternative], str | None]:
        """Alternatives for a word the index does not know: two words typed together, then typos."""
        key = an.surface_key(word)
        if len(key) >= 5 and an.script_of(key) != an.OTHER:
            for cut in range(2, len(key) - 1):
                left, right = key[:cut], an.surface_key(key[cut:])
                if len(right) < 2 or left not in self.key_counts or right not in self.key_counts:
                    continue
                terms = (an.stem(left), an.stem(right))
                if all(self.known(t) for t in terms):
                    shown = f"{self._shown(left, word)} {self._shown(right, key[cut:])}"
                    return [Alternative(terms, WEIGHT["split"], "split")], shown
        distance = an.max_typo_distance(key)
        if distance == 0:
            return [], None
        candidates = self._fuzzy(key, distance)
        alternatives: list[Alternative] = []
        seen: set[str] = set()
        for candidate, edits in candidates:
            term = an.stem(candidate)
            if term in seen:
                continue
            seen.add(term)
            alternatives.append(Alternative((term,), WEIGHT["typo1" if edits <= 1 else "typo2"], "typo"))
        if not alternatives:
            return [], None
        return alternatives, self._shown(candidates[0][0], word)

    def _fuzzy(self, key: str, distance: int) -> list[tuple[str, int]]:
        buckets = self._buckets()
        script = an.script_of(key)
        found: list[tuple[str, int]] = []
        for length in range(len(key) - distance, len(key) + distance + 1):
            choices = buckets.get((script, length))
            if not choices:
                continue
            for choice, edits, _i in process.extract(key, choices, scorer=OSA.distance, score_cutoff=distance,
                                                     limit=None):
                found.append((choice, int(edits)))
        # Fewest edits first, then the word used most in the catalog, then alphabetical (stable everywhere).
        found.sort(key=lambda item: (item[1], -self.key_counts[item[0]], item[0]))
        best = found[0][1] if found else 0
        return [item for item in found if item[1] == best][:MAX_TYPO_CANDIDATES]

    def _spellings(self, key: str) -> Counter[str]:
        """How the names of the catalog write the word ``key`` (hamza, ة): for "did you mean"."""
        forms: Counter[str] = Counter()
        entry = self.postings.get(an.stem(key))
        for position in (entry[0][:50] if entry is not None else ()):
            doc = self.docs[position]
            for text in (doc.name_ar, doc.name_en):
                for raw, _start, _end in an.raw_words(text):
                    for word_key, shown in _display_entries(raw):
                        if word_key == key:
                            forms[shown] += 1
        return forms

    def _shown(self, key: str, typed: str) -> str:
        """The catalog's spelling of ``key``, with the article the person typed put back."""
        forms = self._spellings(key)
        shown = min(forms.items(), key=lambda item: (-item[1], item[0]))[0] if forms else key
        typed_norm = an.normalise(typed)
        if an.script_of(key) == an.ARABIC and typed_norm != an.strip_article(typed_norm) \
                and not shown.startswith("ال"):
            shown = typed[: len(typed_norm) - len(an.strip_article(typed_norm))] + shown
        return shown

    def _completion_slot(self, word: str) -> Slot | None:
        typed = word
        key = an.surface_key(word)
        if an.script_of(word) == an.ARABIC:
            for article in an.AR_ARTICLES:
                if word.startswith(article):
                    key = word[len(article):]
                    break
        if not key:
            return None
        keys = self._sorted("title_keys", self.title_counts)
        start = bisect.bisect_left(keys, key)
        completions: list[str] = []
        for candidate in keys[start:]:
            if not candidate.startswith(key):
                break
            completions.append(candidate)
        completions.sort(key=lambda k: (k != key, -self.title_counts[k], k))
        alternatives: list[Alternative] = []
        seen: set[str] = set()
        budget = COMPLETION_POSTINGS
        for candidate in completions:
            term = an.stem(candidate)
            if term in seen or not self.known(term):
                continue
            seen.add(term)
            kind = "exact" if candidate == key else "complete"
            alternatives.append(Alternative((term,), WEIGHT[kind], kind))
            budget -= self.df(term)
            if len(alternatives) >= MAX_COMPLETIONS or budget <= 0:
                break
        if not alternatives and len(key) >= 4:
            alternatives = self._correct(typed, word)[0]
        return Slot(text=typed, keys=(key,), alternatives=alternatives)

    # --- ranking ---------------------------------------------------------------------------------

    def rank(self, plan: QueryPlan, *, filters: Filters | None = None, limit: int = 10,
             offset: int = 0) -> Ranked:
        filters = filters or Filters()
        live = plan.live
        raw: dict[int, float] = {}
        covered: dict[int, float] = {}
        total_importance = sum(slot.importance for slot in live) or 1.0
        # Slots matching a large share of the catalog (الشارقة, service) do not bring candidates of
        # their own, only add to those of the rarer slots: a service matching only them would have a
        # low coverage anyway, and scoring tens of thousands of them is what would make search slow.
        common = max(COMMON_MIN_POSTINGS, int(COMMON_SHARE * self.alive))
        sizes = [self._slot_size(slot) for slot in live]
        driving = [slot for slot, size in zip(live, sizes, strict=True) if size <= common]
        if live and not driving:
            driving = [live[sizes.index(min(sizes))]]
        following = [slot for slot in live if not any(slot is other for other in driving)]
        for slot in driving:
            self._accumulate(self._slot_scores(slot), slot, raw, covered)
        candidates = list(raw)
        for slot in following:
            self._accumulate(self._slot_scores(slot, only=candidates), slot, raw, covered)

        docs = self.docs
        top_popularity = math.log1p(self.max_popularity) or 1.0
        scored: dict[int, float] = {}
        for position, value in raw.items():
            doc = docs[position]
            if not doc.alive or not filters.accept(doc):
                continue
            coverage = covered.get(position, 0.0) / total_importance
            score = value * (COVERAGE_FLOOR + (1 - COVERAGE_FLOOR) * coverage * coverage)
            scored[position] = score * (1 + POPULARITY_WEIGHT * math.log1p(doc.popularity) / top_popularity)
        exact = self.codes.get(plan.code) if plan.code is not None else None
        if exact is not None and not (docs[exact].alive and filters.accept(docs[exact])):
            exact = None
        if not scored and exact is None:
            return Ranked(0, [])
        ranks = self._code_rank()
        pool = nlargest(max(RERANK_POOL, offset + limit), scored, key=lambda p: (scored[p], -ranks[p]))
        best = scored[pool[0]] if pool else 0.0
        phrased = self._keyword_phrases(plan, scored)
        pool += [position for position in phrased if position not in set(pool)]
        final = {position: scored[position] * (self._name_bonus(plan, live, docs[position]) + phrased.get(position, 0))
                 for position in pool}
        total = sum(1 for value in scored.values() if value >= RELATIVE_CUTOFF * best)
        if exact is not None:
            # A service code typed as the whole query is a request for that service.
            total += exact not in scored or scored[exact] < RELATIVE_CUTOFF * best
            final[exact] = max(final.values(), default=0.0) * 1.5 + 1.0
        ordered = sorted(final, key=lambda p: (-final[p], ranks[p]))[:total]
        return Ranked(total, [(docs[p], round(final[p], 4)) for p in ordered[offset:offset + limit]])

    def _keyword_phrases(self, plan: QueryPlan, scored: dict[int, float]) -> dict[int, float]:
        """Bonus of each scored service with a keyword phrase found whole in the query."""
        keys = plan.keys
        found: dict[int, float] = {}
        if len(keys) < 2 or not self.phrases:
            return found
        for size in range(2, min(6, len(keys)) + 1):
            for start in range(len(keys) - size + 1):
                for position in self.phrases.get(keys[start:start + size], ()):
                    if position in scored:
                        bonus = KEYWORD_PHRASE_BONUS * size / len(keys)
                        found[position] = max(found.get(position, 0.0), bonus)
        return found

    @staticmethod
    def _accumulate(best: dict[int, float], slot: Slot, raw: dict[int, float], covered: dict[int, float]) -> None:
        for position, value in best.items():
            raw[position] = raw.get(position, 0.0) + value
            covered[position] = covered.get(position, 0.0) + slot.importance

    def _slot_size(self, slot: Slot) -> int:
        size = 0
        for alternative in slot.alternatives:
            size += min(self.df(term) for term in alternative.terms)
        return size

    def _slot_scores(self, slot: Slot, *, only: list[int] | None = None) -> dict[int, float]:
        if only is not None:
            return self._slot_scores_for(slot, only)
        best: dict[int, float] = {}
        for alternative in slot.alternatives:
            if len(alternative.terms) == 1:
                term = alternative.terms[0]
                entry = self.postings.get(term)
                if entry is None:
                    continue
                factor = alternative.weight * self.idf(term)
                if not best:
                    best = {position: value * factor for position, value in zip(*entry, strict=True)}
                    continue
                for position, value in zip(*entry, strict=True):
                    value *= factor
                    if value > best.get(position, 0.0):
                        best[position] = value
            else:
                combined = self._phrase_scores(alternative)
                for position, value in combined.items():
                    if value > best.get(position, 0.0):
                        best[position] = value
        return best

    def _slot_scores_for(self, slot: Slot, candidates: list[int]) -> dict[int, float]:
        """``_slot_scores`` for the given positions only, looked up in the (sorted) posting lists."""
        best: dict[int, float] = {}
        for alternative in slot.alternatives:
            if len(alternative.terms) > 1:
                for position, value in self._phrase_scores(alternative).items():
                    if value > best.get(position, 0.0):
                        best[position] = value
                continue
            term = alternative.terms[0]
            entry = self.postings.get(term)
            if entry is None:
                continue
            positions, values = entry
            factor = alternative.weight * self.idf(term)
            end = len(positions)
            for position in candidates:
                i = bisect.bisect_left(positions, position)
                if i < end and positions[i] == position:
                    value = values[i] * factor
                    if value > best.get(position, 0.0):
                        best[position] = value
        if len(best) > len(candidates):
            wanted = set(candidates)
            best = {position: value for position, value in best.items() if position in wanted}
        return best

    def _phrase_scores(self, alternative: Alternative) -> dict[int, float]:
        entries = []
        for term in alternative.terms:
            entry = self.postings.get(term)
            if entry is None:
                return {}
            entries.append((term, entry))
        entries.sort(key=lambda item: len(item[1][0]))
        # A phrase is one concept: its words' mean, so "عقد قران" weighs like "زواج".
        share = alternative.weight / len(entries)
        rarest_term, (positions, values) = entries[0]
        factor = share * self.idf(rarest_term)
        combined = {p: v * factor for p, v in zip(positions, values, strict=True)}
        for term, (positions, values) in entries[1:]:
            factor = share * self.idf(term)
            present = {}
            for p, v in zip(positions, values, strict=True):
                if p in combined:
                    present[p] = combined[p] + v * factor
            combined = present
        return combined

    def _name_bonus(self, plan: QueryPlan, live: list[Slot], doc: IndexedService) -> float:
        if not live:
            return 1.0
        names = doc.name_terms
        name_set = {t for terms in names for t in terms}
        total = sum(slot.importance for slot in live) or 1.0
        matched = 0.0
        per_slot: list[set[str]] = []
        for slot in live:
            hit: set[str] = set()
            for alternative in slot.alternatives:
                if all(t in name_set for t in alternative.terms):
                    hit.update(alternative.terms)
            if hit:
                matched += slot.importance
            per_slot.append(hit)
        bonus = 1 + NAME_COVERAGE_BONUS * matched / total
        if len(live) > 1:
            pairs = {(a, b) for terms in names for a, b in zip(terms, terms[1:], strict=False)}
            adjacent = sum(
                1 for left, right in zip(per_slot, per_slot[1:], strict=False)
                if any((a, b) in pairs for a in left for b in right)
            )
            bonus += ADJACENCY_BONUS * adjacent / (len(live) - 1)
        if matched >= total and any(set(terms) <= set().union(*per_slot) for terms in names if terms):
            bonus += EXACT_NAME_BONUS
        return bonus

    # --- highlighting ----------------------------------------------------------------------------

    def spans(self, text: str, plan: QueryPlan) -> list[tuple[int, int]]:
        """Offsets of the words of ``text`` that the query matched."""
        terms = plan.terms
        found = []
        for raw, start, end in an.raw_words(text):
            for word in an.words(raw):
                pair = _analyse(word)
                if pair is None:
                    continue
                key, term = pair
                if term in terms or (plan.prefix and key.startswith(plan.prefix)):
                    found.append((start, end))
                    break
        return found


# --- Loading from the database -------------------------------------------------------------------

def _documents(services, *, entities, sectors, life_events, service_events) -> Iterator[ServiceDocument]:
    for row in services:
        (pk, code, slug, name_ar, name_en, desc_ar, desc_en, kw_ar, kw_en, audience, fee_amount, note_ar,
         note_en, popularity, entity_id, sector_id, updated_at) = row
        entity = entities[entity_id]
        sector = sectors[sector_id]
        taxonomy = sector[1:] + tuple(name for e in service_events.get(pk, ()) for name in life_events.get(e, ()))
        yield ServiceDocument(
            id=pk, code=code, slug=slug, name_ar=name_ar, name_en=name_en,
            description_ar=desc_ar or "", description_en=desc_en or "",
            keywords=tuple(str(k) for k in (kw_ar or []) + (kw_en or [])),
            entity_code=entity[0], entity_names=entity[1:], sector_code=sector[0], taxonomy=taxonomy,
            audience=tuple(audience or ()), free=fee_amount is None and not (note_ar or note_en),
            popularity=popularity or 0, updated_at=updated_at,
        )


SERVICE_COLUMNS = ("id", "code", "slug", "name_ar", "name_en", "description_ar", "description_en", "keywords_ar",
                   "keywords_en", "audience", "fee_amount", "fee_note_ar", "fee_note_en", "popularity",
                   "entity_id", "sector_id", "updated_at")


def _reference_data(service_ids: list[int] | None = None):
    from manassa.catalog.models import LifeEvent, Sector, Service
    from manassa.entities.models import Entity

    entities = {}
    for pk, code, name_ar, name_en in Entity.objects.values_list("id", "code", "name_ar", "name_en"):
        reading = an.arabic_reading(code)
        entities[pk] = (code, name_ar, name_en, code) + ((reading,) if reading else ())
    sectors = {pk: (code, name_ar, name_en) for pk, code, name_ar, name_en
               in Sector.objects.values_list("id", "code", "name_ar", "name_en")}
    life_events = {pk: (name_ar, name_en) for pk, name_ar, name_en
                   in LifeEvent.objects.values_list("id", "name_ar", "name_en")}
    through = Service.life_events.through.objects.all()
    if service_ids is not None:
        through = through.filter(service_id__in=service_ids)
    service_events: dict[int, list[int]] = defaultdict(list)
    for service_id, event_id in through.order_by("service_id", "lifeevent_id").values_list(
            "service_id", "lifeevent_id"):
        service_events[service_id].append(event_id)
    return entities, sectors, life_events, service_events


def taxonomy_digest() -> tuple:
    """Names of sectors and life events: renamed without touching any service's updated_at."""
    from manassa.catalog.models import LifeEvent, Sector

    return (tuple(Sector.objects.order_by("id").values_list("id", "code", "name_ar", "name_en")),
            tuple(LifeEvent.objects.order_by("id").values_list("id", "name_ar", "name_en")))


def load_synonyms() -> SynonymTable:
    """Active groups of the Synonym table; the shipped defaults while the table has no rows at all."""
    from manassa.catalog.models import Synonym

    if not Synonym.objects.exists():
        return SynonymTable(default_synonym_groups())
    return SynonymTable(Synonym.objects.filter(is_active=True).order_by("id").values_list("terms", flat=True))


def build_from_database() -> SearchIndex:
    from manassa.catalog.models import Service, ServiceStatus

    entities, sectors, life_events, service_events = _reference_data()

    def documents():
        # Streamed twice (lengths, then indexing) rather than held: 100,000 descriptions weigh.
        rows = (Service.objects.filter(status=ServiceStatus.ACTIVE).order_by("code")
                .values_list(*SERVICE_COLUMNS).iterator(chunk_size=2000))
        return _documents(rows, entities=entities, sectors=sectors, life_events=life_events,
                          service_events=service_events)

    return SearchIndex(load_synonyms()).build(documents(), averages_from=documents())


def refresh_from_database(index: SearchIndex, *, since) -> bool:
    """Re-index services and entities changed since ``since``. False when a full build is needed."""
    from manassa.catalog.models import Service, ServiceStatus
    from manassa.entities.models import Entity

    changed_entities = list(Entity.objects.filter(updated_at__gte=since).values_list("id", flat=True))
    changed = Service.objects.filter(updated_at__gte=since)
    if changed_entities:
        changed = changed | Service.objects.filter(entity_id__in=changed_entities)
    rows = list(changed.values_list("id", "status", "updated_at", "entity_id"))
    if len(rows) > max(1000, len(index.docs) // 4):
        return False
    # The overlap window brings back rows already indexed: only a new updated_at (or entity) counts.
    stale = []
    for pk, status, updated_at, entity_id in rows:
        position = index.by_id.get(pk)
        if status != ServiceStatus.ACTIVE:
            index.remove(pk)
        elif position is None or index.docs[position].updated_at != updated_at or entity_id in changed_entities:
            stale.append(pk)
    if stale:
        entities, sectors, life_events, service_events = _reference_data(stale)
        fresh = Service.objects.filter(id__in=stale).order_by("code").values_list(*SERVICE_COLUMNS)
        index.upsert(_documents(fresh, entities=entities, sectors=sectors, life_events=life_events,
                                service_events=service_events))
    # Deleted rows leave no trace to find: counting is how they show.
    active = Service.objects.filter(status=ServiceStatus.ACTIVE).count()
    dead = len(index.docs) - index.alive
    return active == index.alive and dead <= max(1000, len(index.docs) // 5)


# --- The process-wide index ----------------------------------------------------------------------

# A full build slower than this runs in a thread while searches use the previous index.
BACKGROUND_BUILD_SECONDS = 2.0
# Writers set updated_at before they commit; a sync looks this far back to catch slow transactions.
SYNC_OVERLAP = timedelta(minutes=5)


class IndexHolder:
    """The process's index and the catalog state it reflects.

    Outside a transaction the catalog version is read at most once per
    ``interval`` seconds. Inside one (a request in ATOMIC_REQUESTS, every test)
    the index may have been built from rows that get rolled back, so the check
    then also compares a fingerprint of the rows and never trusts the clock.
    """

    def __init__(self, interval: float = 1.0) -> None:
        self.lock = threading.RLock()
        self.interval = interval
        self.index: SearchIndex | None = None
        self.state: tuple | None = None
        self.fingerprint: tuple | None = None
        self.taxonomy: tuple | None = None
        self.synced_at = None
        self.checked_at = 0.0
        self.tentative = False
        self.builds = 0
        self.refreshes = 0
        self.building: threading.Thread | None = None
        self.last_build_seconds = 0.0

    def reset(self) -> None:
        with self.lock:
            self.index = None
            self.state = self.fingerprint = None
            self.tentative = False

    def get(self) -> SearchIndex:
        from django.db import connection

        with self.lock:
            in_transaction = connection.in_atomic_block
            now = time.monotonic()
            if (self.index is not None and not in_transaction and not self.tentative
                    and now - self.checked_at < self.interval):
                return self.index
            state = self._versions()
            fingerprint = self._fingerprint() if in_transaction or self.tentative else None
            self.checked_at = now
            if self.index is not None and state == self.state and fingerprint == self.fingerprint:
                if self.tentative and not in_transaction:
                    # The rows it was built from are committed after all: trust the clock again.
                    self.tentative, self.fingerprint = False, None
                return self.index
            if (self.index is not None and self.state is not None and not in_transaction and not self.tentative
                    and state[1] == self.state[1] and taxonomy_digest() == self.taxonomy):
                sync_started = self._now()
                if refresh_from_database(self.index, since=self.synced_at - SYNC_OVERLAP):
                    self.state, self.synced_at = state, sync_started
                    self.refreshes += 1
                    return self.index
            if (self.index is not None and not in_transaction and not self.tentative
                    and self.last_build_seconds > BACKGROUND_BUILD_SECONDS):
                # A large catalog: keep answering from the current index while the new one is built.
                self._build_in_background(state)
                return self.index
            self._install(*self._build(state, fingerprint, tentative=in_transaction))
            return self.index  # type: ignore[return-value]

    def _build(self, state: tuple, fingerprint: tuple | None, *, tentative: bool) -> tuple:
        started = time.perf_counter()
        synced_at = self._now()
        taxonomy = taxonomy_digest()
        snapshot = None if tentative else _snapshot_path()
        # The versions restart after a database is emptied (tests, a restore): the rows must match too.
        identity = (tuple(state), fingerprint or self._fingerprint()) if snapshot else None
        index = _snapshot_load(snapshot, identity) if snapshot else None
        if index is None:
            index = build_from_database()
            if snapshot is not None:
                _snapshot_save(snapshot, identity, index)
        return index, state, fingerprint, taxonomy, synced_at, tentative, time.perf_counter() - started

    def _install(self, index, state, fingerprint, taxonomy, synced_at, tentative, seconds) -> None:
        self.index, self.state, self.taxonomy, self.synced_at, self.tentative = (
            index, state, taxonomy, synced_at, tentative)
        self.fingerprint = fingerprint if tentative else None
        self.builds += 1
        self.last_build_seconds = seconds

    def _build_in_background(self, state: tuple) -> None:
        if self.building is not None and self.building.is_alive():
            return

        def build() -> None:
            from django.db import connection

            try:
                built = self._build(state, None, tentative=False)
                with self.lock:
                    self._install(*built)
            finally:
                connection.close()

        self.building = threading.Thread(target=build, name="search-index-build", daemon=True)
        self.building.start()

    @staticmethod
    def _now():
        from django.utils import timezone

        return timezone.now()

    @staticmethod
    def _versions() -> tuple[int, int]:
        from manassa.catalog.models import CatalogState

        return CatalogState.objects.filter(id=1).values_list("version", "synonyms_version").first() or (0, 0)

    @staticmethod
    def _fingerprint() -> tuple:
        from django.db.models import Count, Max

        from manassa.catalog.models import Service, Synonym
        from manassa.entities.models import Entity

        return (
            taxonomy_digest(),
            tuple(Service.objects.aggregate(n=Count("id"), t=Max("updated_at"), i=Max("id")).values()),
            tuple(Entity.objects.aggregate(t=Max("updated_at"), n=Count("id")).values()),
            tuple(Synonym.objects.aggregate(t=Max("updated_at"), n=Count("id")).values()),
        )


# --- Snapshots: the built index on local disk, so the next process starts in seconds -------------

SNAPSHOT_FORMAT = 1


def _snapshot_path() -> Path | None:
    """Where this database's index snapshot lives; None when snapshots are switched off."""
    from django.conf import settings
    from django.db import connection

    folder = getattr(settings, "MANASSA_SEARCH_SNAPSHOT_DIR", None)
    if folder is None:
        folder = Path(getattr(settings, "VAR_DIR", "var")) / "search"
    if not folder:
        return None
    identity = f"{connection.vendor}:{connection.settings_dict.get('HOST')}:{connection.settings_dict.get('NAME')}"
    return Path(folder) / f"index-{hashlib.sha256(identity.encode()).hexdigest()[:16]}.pickle"


def _snapshot_load(path: Path, identity: tuple) -> SearchIndex | None:
    # The snapshot is written by this code into the application's own private directory
    # (VAR_DIR), like the SQLite file itself; a stale or foreign one is ignored.
    try:
        with open(path, "rb") as handle:
            header = pickle.load(handle)  # noqa: S301
            if header != (SNAPSHOT_FORMAT, identity):
                return None
            return pickle.load(handle)  # noqa: S301
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError):
        return None


def _snapshot_save(path: Path, identity: tuple, index: SearchIndex) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        with open(partial, "wb") as handle:
            pickle.dump((SNAPSHOT_FORMAT, identity), handle, protocol=pickle.HIGHEST_PROTOCOL)
            derived, index._derived = index._derived, {}
            try:
                pickle.dump(index, handle, protocol=pickle.HIGHEST_PROTOCOL)
            finally:
                index._derived = derived
        os.replace(partial, path)
    except OSError:
        return


holder = IndexHolder()


def search_index() -> SearchIndex:
    """The process's index, refreshed if the catalog changed."""
    return holder.get()


def search_index_reset() -> None:
    """Forget the process's index (tests whose database was emptied behind its back)."""
    holder.reset()
