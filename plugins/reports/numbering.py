"""Numbering: gaps and padding in each series of document ids (config ``numbering``).

A *series* is every id of the documents the books issue that shares a prefix and
ends in digits: ``INV-7``, ``INV-8`` and ``INV-10`` are the series ``INV-`` with
the numbers 7, 8 and 10, so ``INV-9`` is missing. The documents the books issue
are orders, invoices, credit orders, credit memos, customer credits, returns,
purchase orders, receipts, bills and landed costs (:data:`NUMBERED`). Payments,
refunds, bill payments and stock-ins are left out: their ids are other people's
numbers (a bank's reference, a supplier's delivery note), with gaps of their
own. A series is its prefix, whatever the kinds in it, so that invoices and
credit notes numbered in one series (``INV-1``, a credit order ``INV-2``,
``INV-3``) have no gap.

A voided document keeps its number, as a cancelled order does: neither leaves a
gap. Ids are unique across all documents (the engine reports a second use of an
id as an error and does not apply it), so a series holds no duplicates; two ids
of one series with the same number padded differently (``INV-7`` and
``INV-007``) are reported instead.

:func:`numbering_problems` returns each problem located at a document's
directive, naming the neighbouring document and its file and line.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

from beancount_orders.book import Book
from beancount_orders.book.purchasing import STOCK_IN
from beancount_orders.cliformat import display_name

# The kinds of document (as ``Book.documents`` calls them) whose ids are series.
NUMBERED = (
    "order",
    "invoice",
    "credit order",
    "credit memo",
    "credit",
    "return",
    "purchase order",
    "receipt",
    "bill",
    "landed cost",
)
# The id's prefix and its trailing digits.
_SERIES_RE = re.compile(r"^(.*?)(\d+)$")
# A gap of more ids than this is described by its ends only.
LISTED = 3


@dataclasses.dataclass(frozen=True)
class Numbered:
    """A document id of a series: its prefix, digits and number, kind and source."""

    id: str
    kind: str
    prefix: str
    digits: str
    meta: Mapping[str, Any]

    @property
    def number(self) -> int:
        """Its digits as a number: ``INV-007`` is 7."""
        return int(self.digits)


@dataclasses.dataclass(frozen=True)
class NumberingProblem:
    """A gap or a padding clash, located as an error is (``source``)."""

    source: Mapping[str, Any]
    message: str
    kind: str  # "gap" or "padding"
    series: str  # the prefix


def _sources(book: Book) -> dict[str, Mapping[str, Any]]:
    """The metadata (file and line) of each numbered document, by id."""
    purchasing = book.purchasing
    tables: tuple[Mapping[str, Any], ...] = (
        book.orders,
        book.invoices,
        book.credit_orders,
        book.memos,
        book.credits,
        book.returns,
        purchasing.orders,
        purchasing.receipts,
        purchasing.payables,
    )
    found: dict[str, Mapping[str, Any]] = {}
    for table in tables:
        for doc_id, record in table.items():
            if getattr(record, "kind", None) != STOCK_IN:  # not a stock-in's id
                found.setdefault(doc_id, record.meta)
    return found


def _kind(kind: str) -> str:
    """The kind as the documents' table names it, ``receipt`` for a PO's receipt
    (the engine calls receipts and stock-ins ``purchase receipt``; a stock-in has
    no source here, so it is left out)."""
    return "receipt" if kind == "purchase receipt" else kind


def series(book: Book) -> dict[str, list[Numbered]]:
    """Each series (by prefix) of the numbered documents, by number then id."""
    sources = _sources(book)
    found: dict[str, list[Numbered]] = {}
    for doc_id, engine_kind in book.documents.items():
        kind = _kind(engine_kind)
        match = _SERIES_RE.match(doc_id)
        if kind not in NUMBERED or match is None or doc_id not in sources:
            continue
        prefix, digits = match.groups()
        numbered = Numbered(doc_id, kind, prefix, digits, sources[doc_id])
        found.setdefault(prefix, []).append(numbered)
    for members in found.values():
        members.sort(key=lambda doc: (doc.number, len(doc.digits), doc.id))
    return dict(sorted(found.items()))


def where(meta: Mapping[str, Any]) -> str:
    """``file:line`` of a document's directive (``<unknown>`` without one)."""
    filename = meta.get("filename")
    if not isinstance(filename, str):
        return "<unknown>"
    if not filename.startswith("<"):
        filename = display_name(filename)
    return f"{filename}:{meta.get('lineno') or 0}"


def _missing(before: Numbered, after: Numbered) -> str:
    """The ids missing between two documents: ``INV-9``, or a range and a count."""
    width = len(before.digits) if before.digits.startswith("0") else 0
    first, last = before.number + 1, after.number - 1

    def name(number: int) -> str:
        """The id of a number in the series, padded as the one before the gap."""
        return f"{before.prefix}{number:0{width}d}"

    if last - first + 1 <= LISTED:
        names = [name(number) for number in range(first, last + 1)]
        return f"{', '.join(names)} {'is' if len(names) == 1 else 'are'} missing"
    return f"{name(first)} to {name(last)} are missing ({last - first + 1} ids)"


def _series_problems(prefix: str, members: list[Numbered]) -> Iterable[NumberingProblem]:
    """The gaps and padding clashes of one series, in number order."""
    label = f'series "{prefix}"' if prefix else "series of bare numbers"
    for before, after in itertools.pairwise(members):
        if after.number == before.number:
            yield NumberingProblem(
                after.meta,
                f"numbering: {after.kind} {after.id} has the number of {before.kind} "
                f"{before.id} ({where(before.meta)}), padded differently ({label})",
                "padding",
                prefix,
            )
        elif after.number > before.number + 1:
            yield NumberingProblem(
                after.meta,
                f"numbering: gap in the {label}: {_missing(before, after)} between "
                f"{before.kind} {before.id} ({where(before.meta)}) and "
                f"{after.kind} {after.id}",
                "gap",
                prefix,
            )


def numbering_problems(book: Book) -> list[NumberingProblem]:
    """Every gap and padding clash of every series, by series and number."""
    problems: list[NumberingProblem] = []
    for prefix, members in series(book).items():
        problems.extend(_series_problems(prefix, members))
    return problems
