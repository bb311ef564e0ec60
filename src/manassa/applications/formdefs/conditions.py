"""The "show if" language: a condition is data, evaluated by walking it — never ``eval``.

A leaf compares one earlier field's cleaned answer; ``all``/``any``/``not``
combine leaves. A field that is hidden or unanswered has no value: ``equals``
and ``in`` are false for it and ``answered`` is false. For a multi-select,
``equals`` means "this option is among those chosen" and ``in`` means "at
least one of these is chosen".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

Lookup = Callable[[str], Any]


class Condition:
    def evaluate(self, lookup: Lookup) -> bool:
        raise NotImplementedError

    def references(self) -> list[str]:
        raise NotImplementedError


def _comparable(value: Any) -> Any:
    # Numbers with decimals are cleaned to strings ("12.50"); compare them as numbers.
    if isinstance(value, bool):
        return value
    if isinstance(value, int | Decimal):
        return Decimal(value)
    return value


@dataclass(frozen=True)
class Compare(Condition):
    field: str
    operator: str  # "equals" | "in" | "answered"
    value: Any  # normalised like the field's cleaned answers (Decimal for numbers, fils for money)
    numeric: bool = False

    def evaluate(self, lookup: Lookup) -> bool:
        answer = lookup(self.field)
        if self.operator == "answered":
            return (answer is not None) is self.value
        if answer is None:
            return False
        wanted = self.value if self.operator == "in" else (self.value,)
        answers = answer if isinstance(answer, list) else [answer]
        if self.numeric:
            answers = [_comparable(Decimal(a) if isinstance(a, str) else a) for a in answers]
        return any(a == w and type(a) is type(w) for a in answers for w in wanted)

    def references(self) -> list[str]:
        return [self.field]


@dataclass(frozen=True)
class AllOf(Condition):
    conditions: tuple[Condition, ...]

    def evaluate(self, lookup: Lookup) -> bool:
        return all(c.evaluate(lookup) for c in self.conditions)

    def references(self) -> list[str]:
        return [key for c in self.conditions for key in c.references()]


@dataclass(frozen=True)
class AnyOf(Condition):
    conditions: tuple[Condition, ...]

    def evaluate(self, lookup: Lookup) -> bool:
        return any(c.evaluate(lookup) for c in self.conditions)

    def references(self) -> list[str]:
        return [key for c in self.conditions for key in c.references()]


@dataclass(frozen=True)
class Not(Condition):
    condition: Condition

    def evaluate(self, lookup: Lookup) -> bool:
        return not self.condition.evaluate(lookup)

    def references(self) -> list[str]:
        return self.condition.references()
