"""CSV files the platform streams (survey answers, reconciliation reports): rows as text, cells a spreadsheet will
not run."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable

# A plain signed number (the ledger signs refunds): a spreadsheet reads it as a number, not a formula.
_SIGNED_NUMBER = re.compile(r"-\d+(\.\d+)?")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_cell(value) -> str:
    """A cell a spreadsheet will not run: text starting with = + - @ (or a tab, a return) is quoted with '.

    ``None`` is empty; a plain negative number (``-25.00``) stays a number.
    """
    if value is None:
        return ""
    text = str(value)
    if text[:1] in _FORMULA_STARTS and not _SIGNED_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_line(values: Iterable) -> str:
    """One CSV line (with its line ending) of safe cells."""
    return _WRITER.writerow([csv_cell(value) for value in values])


_WRITER = csv.writer(_Echo())
