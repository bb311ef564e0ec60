"""Verification codes: random, unguessable, and easy to read aloud or type from paper.

Twenty characters of Crockford's base-32 alphabet (no I, L, O, U) carry 100
random bits: guessing one is hopeless, and letters that look alike are read
as the same one. On paper the code is printed in groups of five.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 20
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_NOT_CODE = re.compile(r"[\s\-_.]+")
CODE_PATTERN = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")


def code_new() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def code_normalise(typed: str) -> str | None:
    """The code someone typed (any case, with spaces or hyphens, O for 0…), or None when it cannot be one."""
    code = _NOT_CODE.sub("", (typed or "").strip().upper()).translate(_LOOK_ALIKES)
    return code if CODE_PATTERN.fullmatch(code) else None


def code_grouped(code: str) -> str:
    return "-".join(code[i:i + 5] for i in range(0, len(code), 5))
