"""Aged payables, reproducible as of any date: what is owed to each supplier.

The payables side of :mod:`beancount_orders.reports.ageing`, with its buckets
(:func:`~beancount_orders.reports.ageing.bucket_of`). Each open payable document
(a bill, a landed cost, a stock-in) is bucketed by its age on the as-of date,
from its date or its due date, at what is still open on it (bill payments
matched to it by then, ``allocate`` included, reduce it whatever their date). A
bill payment's money not matched to a document is aged by its own date and shown
apart as a negative amount; so is anything posted to a payable account by hand (an
ordinary transaction: a supplier's credit, an opening balance), with the sign of
what it owes. Everything dated after the as-of date is ignored, so for each
supplier and currency the total equals the balance of the supplier's payable
account on that date, with the sign turned (a liability's balance is negative).
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Iterable
from collections.abc import Sequence
from decimal import Decimal

from beancount.core import data

from beancount_orders.book import Book
from beancount_orders.book.model import ZERO
from beancount_orders.book.postings import is_generated
from beancount_orders.book.rules import account_component
from beancount_orders.reports.ageing import DEFAULT_BUCKETS
from beancount_orders.reports.ageing import AgeingError
from beancount_orders.reports.ageing import bucket_labels
from beancount_orders.reports.ageing import bucket_of
from beancount_orders.reports.ageing import check_buckets

BASES = ("date", "due")
PAYMENT = "bill payment"
POSTING = "posting"  # an ordinary transaction's posting to a payable account


@dataclasses.dataclass(frozen=True)
class PayableItem:
    """One open payable document, unallocated bill payment, or posting by hand."""

    document: str | None  # None for a posting by hand
    kind: str  # "bill", "landed cost", "stock-in", PAYMENT or POSTING
    po: str | None
    date: datetime.date  # the date it is aged from
    age: int
    bucket: int  # index into the report's labels
    amount: Decimal  # what is owed (negative: money paid ahead, a credit)
    meta: dict[str, object]
    due: datetime.date | None = None
    description: str = ""  # a posting's narration; a bill's supplier reference

    @property
    def is_document(self) -> bool:
        """Whether it is a payable document (a bill, landed cost or stock-in)."""
        return self.kind not in (PAYMENT, POSTING)


@dataclasses.dataclass(frozen=True)
class _Aged:
    """Money by age bucket: open documents, bill payments on account (by their
    own date) and postings by hand (by their own date)."""

    buckets: tuple[Decimal, ...]  # open documents, by bucket
    unallocated: tuple[Decimal, ...]  # bill payments on account, by their own date
    other: tuple[Decimal, ...]  # postings by hand, by their own date

    @property
    def billed_open(self) -> Decimal:
        """The open documents, over every bucket."""
        return sum(self.buckets, ZERO)

    @property
    def unallocated_total(self) -> Decimal:
        """The bill payments on account, over every bucket."""
        return sum(self.unallocated, ZERO)

    @property
    def other_total(self) -> Decimal:
        """The postings by hand, over every bucket."""
        return sum(self.other, ZERO)

    @property
    def total(self) -> Decimal:
        """What is owed: the payable accounts' balance, negated."""
        return self.billed_open + self.unallocated_total + self.other_total

    @property
    def by_bucket(self) -> tuple[Decimal, ...]:
        """Everything owed, by bucket (documents, payments and postings)."""
        return tuple(
            billed + paid + other
            for billed, paid, other in zip(
                self.buckets, self.unallocated, self.other, strict=True
            )
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class PayablesRow(_Aged):
    """One supplier's payables in one currency."""

    supplier: str
    name: str
    currency: str
    account: str  # the payable account
    items: tuple[PayableItem, ...]


@dataclasses.dataclass(frozen=True, kw_only=True)
class PayablesTotal(_Aged):
    """One currency's totals over every supplier."""

    currency: str


@dataclasses.dataclass(frozen=True)
class PayableLine:
    """One aged item beside its supplier's row."""

    row: PayablesRow
    item: PayableItem


@dataclasses.dataclass(frozen=True)
class PayablesReport:
    as_of: datetime.date
    basis: str  # "date" or "due"
    labels: tuple[str, ...]
    rows: tuple[PayablesRow, ...]  # by supplier id, then currency
    totals: tuple[PayablesTotal, ...]  # per currency
    lines: tuple[PayableLine, ...]  # every item of every row, by row
    documents: tuple[PayableLine, ...]  # the open documents
    unallocated: tuple[PayableLine, ...]  # bill payments on account
    other: tuple[PayableLine, ...]  # postings by hand


Key = tuple[str, str]  # (supplier, currency)


def _document_items(
    book: Book, as_of: datetime.date, basis: str, buckets: Sequence[int]
) -> dict[Key, list[PayableItem]]:
    """Open payable documents and unallocated bill payments on ``as_of``."""
    items: dict[Key, list[PayableItem]] = {}
    purchasing = book.purchasing
    for doc in purchasing.payables.values():
        amount = doc.open_on(as_of)
        if amount == 0:
            continue
        start = doc.due if basis == "due" else doc.date
        age = (as_of - start).days
        items.setdefault((doc.supplier, doc.currency), []).append(
            PayableItem(
                doc.id,
                doc.kind,
                doc.po,
                start,
                age,
                bucket_of(age, buckets),
                amount,
                dict(doc.meta),
                doc.due,
                getattr(doc, "ref", None) or "",
            )
        )
    for payment in purchasing.payments.values():
        left = payment.unallocated_on(as_of)
        if left == 0:
            continue
        age = (as_of - payment.date).days
        items.setdefault((payment.supplier, payment.currency), []).append(
            PayableItem(
                payment.id,
                PAYMENT,
                None,
                payment.date,
                age,
                bucket_of(age, buckets),
                -left,
                dict(payment.meta),
            )
        )
    return items


class _Accounts:
    """The payable accounts: each one's supplier, known or read off the name."""

    def __init__(self, book: Book) -> None:
        """Read the ``payable`` pattern and every known supplier's account."""
        self.book = book
        template = book.config.accounts["payable"]
        head, placeholder, tail = template.partition("{supplier}")
        self.pattern = (
            re.compile(f"{re.escape(head)}([^:]+){re.escape(tail)}$")
            if placeholder
            else re.compile(f"{re.escape(template)}$")
        )
        purchasing = book.purchasing
        self.suppliers: dict[str, str] = {}  # account -> supplier id
        named = {payable.supplier for payable in purchasing.payables.values()}
        named |= {payment.supplier for payment in purchasing.payments.values()}
        for supplier_id in sorted(named - set(purchasing.suppliers)):
            self.suppliers[self.account_of(supplier_id)] = supplier_id
        for supplier in purchasing.suppliers.values():
            self.suppliers[supplier.payable] = supplier.id

    def account_of(self, supplier_id: str) -> str:
        """A supplier's payable account, declared or not (a stock-in's)."""
        supplier = self.book.purchasing.suppliers.get(supplier_id)
        if supplier is not None:
            return supplier.payable
        return self.book.config.account("payable", supplier=account_component(supplier_id))

    def supplier_of(self, account: str) -> str | None:
        """The supplier of a payable account (the name's component for an
        account of no known supplier); None for any other account."""
        known = self.suppliers.get(account)
        if known is not None:
            return known
        match = self.pattern.match(account)
        if match is None:
            return None
        return match.group(1) if match.groups() else account


def _posting_items(
    entries: Iterable[data.Directive],
    accounts: _Accounts,
    as_of: datetime.date,
    buckets: Sequence[int],
) -> dict[Key, list[PayableItem]]:
    """The postings to payable accounts of ordinary (not generated) transactions
    dated on or before ``as_of``: what each adds to what is owed, by its own date."""
    items: dict[Key, list[PayableItem]] = {}
    for entry in entries:
        if not isinstance(entry, data.Transaction) or entry.date > as_of:
            continue
        if is_generated(entry):
            continue
        for posting in entry.postings:
            units = posting.units
            supplier = accounts.supplier_of(posting.account)
            if supplier is None or units is None or units.number is None:
                continue
            age = (as_of - entry.date).days
            items.setdefault((supplier, units.currency), []).append(
                PayableItem(
                    None,
                    POSTING,
                    None,
                    entry.date,
                    age,
                    bucket_of(age, buckets),
                    -units.number,
                    dict(entry.meta),
                    description=entry.narration or "",
                )
            )
    return items


def _row(
    book: Book, accounts: _Accounts, key: Key, aged: list[PayableItem], width: int
) -> PayablesRow:
    """A supplier's row: documents, payments and postings summed by bucket apart."""
    supplier_id, currency = key
    supplier = book.purchasing.suppliers.get(supplier_id)
    sums = {kind: [ZERO] * width for kind in ("document", PAYMENT, POSTING)}
    for item in aged:
        sums["document" if item.is_document else item.kind][item.bucket] += item.amount
    return PayablesRow(
        tuple(sums["document"]),
        tuple(sums[PAYMENT]),
        tuple(sums[POSTING]),
        supplier=supplier_id,
        name=supplier.name if supplier is not None else supplier_id,
        currency=currency,
        account=accounts.account_of(supplier_id),
        items=tuple(
            sorted(aged, key=lambda item: (item.date, item.document or "", item.kind))
        ),
    )


def _totals(rows: Sequence[PayablesRow], width: int) -> tuple[PayablesTotal, ...]:
    """The rows summed by currency and bucket."""
    sums: dict[str, tuple[list[Decimal], list[Decimal], list[Decimal]]] = {}
    for row in rows:
        total = sums.setdefault(
            row.currency, ([ZERO] * width, [ZERO] * width, [ZERO] * width)
        )
        for index in range(width):
            total[0][index] += row.buckets[index]
            total[1][index] += row.unallocated[index]
            total[2][index] += row.other[index]
    return tuple(
        PayablesTotal(tuple(b), tuple(u), tuple(o), currency=currency)
        for currency, (b, u, o) in sorted(sums.items())
    )


def aged_payables(
    book: Book,
    entries: Iterable[data.Directive],
    as_of: datetime.date,
    basis: str = "date",
    buckets: Sequence[int] = DEFAULT_BUCKETS,
) -> PayablesReport:
    """Aged payables on ``as_of``, by document date or due date. ``entries`` are
    the loaded ledger's entries, for the postings made to payable accounts by hand."""
    if basis not in BASES:
        raise AgeingError(f"Invalid ageing basis {basis!r}: expected 'date' or 'due'")
    check_buckets(buckets)
    labels = bucket_labels(buckets)
    width = len(labels)
    accounts = _Accounts(book)
    items = _document_items(book, as_of, basis, buckets)
    for key, posted in _posting_items(entries, accounts, as_of, buckets).items():
        items.setdefault(key, []).extend(posted)
    rows = tuple(
        _row(book, accounts, key, aged, width) for key, aged in sorted(items.items())
    )
    lines = tuple(PayableLine(row, item) for row in rows for item in row.items)
    return PayablesReport(
        as_of,
        basis,
        labels,
        rows,
        _totals(rows, width),
        lines,
        tuple(line for line in lines if line.item.is_document),
        tuple(line for line in lines if line.item.kind == PAYMENT),
        tuple(line for line in lines if line.item.kind == POSTING),
    )
