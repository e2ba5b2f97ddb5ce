"""Generated entries as Beancount text, deterministic to the byte."""

from __future__ import annotations

from collections.abc import Iterable

from beancount.core import data
from beancount.parser import printer


def format_entries(entries: Iterable[data.Directive]) -> str:
    """Entries as Beancount text: each entry once, separated by blank lines.

    Numbers print exactly as the engine computed them (no display context), so
    the same ledger always gives the same bytes.
    """
    return "\n".join(printer.format_entry(entry) for entry in entries)
