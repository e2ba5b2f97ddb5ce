"""``bean-orders check``: every error of the books, and markup in names.

The ledger's errors print on stdout as ``file:line: message``; customer names,
line descriptions and the po and rep of orders and credit orders that hold HTML
markup print on stderr as ``file:line: warning: message``
(:func:`markup_warnings`), since Fava's journal shows such text as HTML. The
command is added to the ``bean-orders`` group by :mod:`beancount_orders.cli`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click
from beancount.core import data

from beancount_orders.cli_ledger import LEDGER
from beancount_orders.cli_ledger import Loaded
from beancount_orders.cli_ledger import echo_errors
from beancount_orders.cli_ledger import format_error
from beancount_orders.cli_ledger import sorted_errors
from beancount_orders.reports.numbering import numbering_problems
from beancount_orders.words import plural

# Markup: an HTML tag (< then a letter, / or !) or an entity (&amp; &#38; &#x26;).
MARKUP_RE = re.compile(
    r"<[A-Za-z/!][^<>\s]*|&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);"
)
# The metadata of order directives that Fava shows as text, by directive.
MARKUP_META = {
    "line": ("description",),
    "order": ("po", "rep"),
    "credit-order": ("po", "rep"),
}


class MarkupWarning:
    """Markup in a name or a description, located as an error is (``source``)."""

    def __init__(self, source: data.Meta, what: str, text: str, found: str) -> None:
        self.source = source
        self.message = (
            f"warning: {what} {json.dumps(text, ensure_ascii=False)} contains markup "
            f"({found}), which Fava's journal shows as HTML"
        )


def markup_warnings(entries: Iterable[data.Directive]) -> list[MarkupWarning]:
    """A warning for each customer name, line description and order or credit order
    po and rep that holds markup, in the directives as written."""
    warnings: list[MarkupWarning] = []
    for entry in entries:
        if not isinstance(entry, data.Custom):
            continue
        values = [value.value for value in entry.values or []]
        first = values[0] if values else None
        texts: list[tuple[str, Any]] = []
        if entry.type == "customer" and len(values) > 1:
            texts.append((f'customer "{first}": name', values[1]))
        where = "line of order" if entry.type == "line" else entry.type
        for key in MARKUP_META.get(entry.type, ()):
            texts.append((f'{where} "{first}": {key}', entry.meta.get(key)))
        for what, text in texts:
            match = MARKUP_RE.search(text) if isinstance(text, str) else None
            if match is not None:
                warnings.append(MarkupWarning(entry.meta, what, text, match.group()))
    return sorted_errors(warnings)


@click.command()
@LEDGER
def check(ledger: Path) -> None:
    """Load LEDGER with its plugins and list every error as file:line: message.

    Beancount's own errors and the order plugin's are listed together, sorted
    by file and line, followed by a one-line summary on stderr. Exits with
    status 1 when there are errors, 0 when the books are clean.

    Customer names, line descriptions and the po and rep of orders that hold
    HTML markup (a tag such as <img or an entity such as &amp;) are listed on
    stderr as file:line: warning: message. Fava's journal shows such text as
    HTML; warnings alone leave the exit status 0.

    With the plugin's config numbering: True, gaps in each series of document
    ids (INV-7, INV-8, INV-10: INV-9 is missing) and ids of one series numbered
    alike but padded differently (INV-7, INV-007) are listed after the errors as
    file:line: numbering: message, and the exit status is 1.
    """
    loaded = Loaded(ledger)
    loaded.warn_without_plugin()
    echo_errors(loaded.errors, err=False)
    numbering = (
        numbering_problems(loaded.book)
        if loaded.uses_plugin and loaded.book.config.numbering
        else []
    )
    for problem in numbering:
        click.echo(format_error(problem))
    warnings = markup_warnings(loaded.entries)
    for warning in warnings:
        click.echo(format_error(warning), err=True)
    summary = f"{ledger}: {plural(len(loaded.errors), 'error')}"
    if numbering:
        summary += f", {plural(len(numbering), 'numbering problem')}"
    if warnings:
        summary += f", {plural(len(warnings), 'warning')}"
    if loaded.uses_plugin:
        book = loaded.book
        summary += (
            f" ({plural(len(book.orders), 'order')}, "
            f"{plural(len(book.invoices), 'invoice')}, "
            f"{plural(len(book.payments), 'payment')})"
        )
    click.echo(summary, err=True)
    if loaded.errors or numbering:
        raise SystemExit(1)
