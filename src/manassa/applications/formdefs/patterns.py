"""Author-supplied regular expressions, accepted only when they cannot backtrack catastrophically.

A pattern is matched with Python's backtracking ``re`` engine, which has no
time limit. Instead of a timeout, a pattern is checked before it is stored:

- at most ``PATTERN_MAX_LENGTH`` characters, and it compiles;
- only a small syntax: literals, ``.``, escapes (``\\d \\D \\w \\W \\s \\S``, ``\\uXXXX``,
  an escaped punctuation character), classes ``[...]``, groups ``(...)`` and
  ``(?:...)``, alternation ``|``, greedy quantifiers ``? * + {m} {m,} {m,n}``,
  anchors ``^`` and ``$``. No backreferences, lookaround, named groups, inline
  flags, lazy or possessive quantifiers, ``\\b``;
- no nested repetition: a group repeated more than once (``*``, ``+``, ``{m,n}``
  with n > 1) may contain neither a quantifier nor ``|`` (``(a+)+``, ``(a|ab)*``
  are refused; ``(?:-[0-9]{3})?`` is fine);
- a bounded number of ways to match: with nesting refused, every choice point
  (a quantifier, an alternation) is met at most once along any attempt, so the
  product of their choices bounds the attempts. A quantifier with no upper
  bound counts as ``TEXT_INPUT_MAX + 1`` choices, because patterns only apply to
  single-line text of at most that many characters. The product may not exceed
  ``PATTERN_BUDGET``: two unbounded quantifiers pass, three do not.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

from django.utils.translation import gettext as _

PATTERN_MAX_LENGTH = 200
TEXT_INPUT_MAX = 200
PATTERN_BUDGET = 50_000
REPEAT_MAX = TEXT_INPUT_MAX

_CLASS_ESCAPES = set("dDwWsS")
# Escaping these is always a literal in Python's re; letters and digits are not (\b, \1, \A…).
_PUNCTUATION = set("\\.^$|?*+()[]{}-/ '\"#&~,:;=!<>@%_`")


class UnsafePattern(ValueError):
    pass


@dataclass
class _Node:
    # Number of ways this piece can match (an upper bound on backtracking attempts).
    ways: int
    # Whether the piece contains a quantifier or an alternation.
    has_choice: bool


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def take(self) -> str:
        char = self.peek()
        self.pos += 1
        return char

    def fail(self, message: str) -> UnsafePattern:
        return UnsafePattern(_("%(reason)s (at character %(position)d)")
                             % {"reason": message, "position": self.pos + 1})

    # alternation := sequence ('|' sequence)*
    def alternation(self, depth: int) -> _Node:
        if depth > 10:
            raise self.fail(_("groups nested too deeply"))
        branches = [self.sequence(depth)]
        while self.peek() == "|":
            self.take()
            branches.append(self.sequence(depth))
        if len(branches) == 1:
            return branches[0]
        return _Node(ways=sum(b.ways for b in branches), has_choice=True)

    def sequence(self, depth: int) -> _Node:
        ways, has_choice = 1, False
        while self.peek() not in ("", "|", ")"):
            atom, quantifiable = self.atom(depth)
            quantifier = self.quantifier()
            if quantifier is not None:
                if not quantifiable:
                    raise self.fail(_("nothing to repeat"))
                low, high = quantifier
                if high is not None and high <= 1:
                    if low < high:  # '?' or {0,1}: the piece, or nothing
                        atom = _Node(ways=atom.ways + 1, has_choice=True)
                else:
                    if atom.has_choice:
                        raise self.fail(_("a repeated group may not contain a quantifier or '|' (nested repetition)"))
                    choices = (TEXT_INPUT_MAX + 1) if high is None else (high - low + 1)
                    atom = _Node(ways=choices, has_choice=choices > 1)
            ways *= atom.ways
            has_choice = has_choice or atom.has_choice
            if ways > PATTERN_BUDGET:
                raise self.fail(_("too many ways to match; use fewer open-ended quantifiers"))
        return _Node(ways=ways, has_choice=has_choice)

    def atom(self, depth: int) -> tuple[_Node, bool]:
        char = self.take()
        if char == "(":
            if self.peek() == "?":
                self.take()
                if self.take() != ":":
                    raise self.fail(_("only plain groups '(...)' and '(?:...)' are allowed"))
            inner = self.alternation(depth + 1)
            if self.take() != ")":
                raise self.fail(_("a group is not closed"))
            return inner, True
        if char == "[":
            self.character_class()
            return _Node(1, False), True
        if char == "\\":
            self.escape(in_class=False)
            return _Node(1, False), True
        if char in "^$":
            return _Node(1, False), False
        if char in "*+?{}":
            raise self.fail(_("nothing to repeat") if char != "}" else _("escape '}' as '\\}'"))
        if char == "]":
            raise self.fail(_("escape ']' as '\\]'"))
        return _Node(1, False), True

    def escape(self, *, in_class: bool) -> None:
        char = self.take()
        if char in _CLASS_ESCAPES:
            return
        if char == "u":
            digits = self.text[self.pos:self.pos + 4]
            if not re.fullmatch(r"[0-9A-Fa-f]{4}", digits):
                raise self.fail(_("\\u needs four hexadecimal digits"))
            self.pos += 4
            return
        if char in _PUNCTUATION:
            return
        if char == "":
            raise self.fail(_("the pattern ends with '\\'"))
        raise self.fail(_("the escape '\\%(char)s' is not allowed") % {"char": char})

    def character_class(self) -> None:
        if self.peek() == "^":
            self.take()
        first = True
        while True:
            char = self.take()
            if char == "":
                raise self.fail(_("a character class '[' is not closed"))
            if char == "]" and not first:
                return
            if char == "]":
                raise self.fail(_("an empty character class"))
            if char == "[":
                raise self.fail(_("escape '[' inside a class as '\\['"))
            if char == "\\":
                self.escape(in_class=True)
            elif char in "&|~-" and self.peek() == char:
                raise self.fail(_("'%(pair)s' inside a class is reserved; escape it") % {"pair": char * 2})
            first = False

    def quantifier(self) -> tuple[int, int | None] | None:
        char = self.peek()
        if char in ("?", "*", "+"):
            self.take()
            bounds = {"?": (0, 1), "*": (0, None), "+": (1, None)}[char]
        elif char == "{":
            match = re.compile(r"\{([0-9]{1,3})(,([0-9]{0,3}))?\}").match(self.text, self.pos)
            if not match:
                raise self.fail(_("write a repeat count as {m}, {m,} or {m,n}, or escape '{' as '\\{'"))
            self.pos = match.end()
            low = int(match.group(1))
            if match.group(2) is None:
                high: int | None = low
            else:
                high = int(match.group(3)) if match.group(3) else None
            if (high is not None and high < low) or low > REPEAT_MAX or (high or 0) > REPEAT_MAX:
                raise self.fail(_("repeat counts must satisfy m ≤ n ≤ %(limit)d") % {"limit": REPEAT_MAX})
            bounds = (low, high)
        else:
            return None
        if self.peek() in ("?", "+"):
            raise self.fail(_("lazy and possessive quantifiers are not allowed"))
        return bounds


def pattern_check(pattern: str) -> re.Pattern:
    """The compiled pattern, or ``UnsafePattern`` with a reason an author can act on."""
    if len(pattern) > PATTERN_MAX_LENGTH:
        raise UnsafePattern(_("longer than %(limit)d characters") % {"limit": PATTERN_MAX_LENGTH})
    if not pattern:
        raise UnsafePattern(_("empty"))
    reader = _Reader(pattern)
    reader.alternation(0)
    if reader.pos < len(pattern):
        raise reader.fail(_("unbalanced ')'"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return re.compile(pattern)
    except (re.error, FutureWarning, DeprecationWarning) as exc:
        raise UnsafePattern(_("not a valid regular expression: %(reason)s") % {"reason": exc}) from exc
