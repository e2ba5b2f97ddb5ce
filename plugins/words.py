"""Wording shared by the command line, the Fava pages and the book's own repr
(kept apart from :mod:`beancount_orders.cliformat` so that the plugin does not
import the command line's formatting when Beancount loads it)."""

from __future__ import annotations


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``count`` and the noun, plural unless one: "1 order", "2 orders", "3 batches"
    (``nouns`` for a plural not made by adding "s")."""
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {nouns or noun + 's'}"
