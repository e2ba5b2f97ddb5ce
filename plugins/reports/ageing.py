"""Aged receivables, reproducible as of any date.

Each open invoice is bucketed by its age (from its invoice date, or its due
date) on the as-of date. Money allocated to an invoice (a payment, credit
order, memo or loyalty redemption) is aged with that invoice whatever its own
date (Acumen's rule); what is not allocated is aged by its own date and shown
apart. Everything dated after the as-of date is ignored, so an old ageing
never changes. The total equals the receivable accounts' balance that day.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Sequence
from decimal import Decimal

from beancount_orders.book import Book
from beancount_orders.book import discounts
from beancount_orders.book.model import ZERO
from beancount_orders.book.model import Invoice
from beancount_orders.book.rules import round_money

DEFAULT_BUCKETS = (0, 30, 60, 90)
BASES = ("invoice", "due")


class AgeingError(ValueError):
    """Bad report options (shown to the user as they are)."""


def bucket_labels(bounds: Sequence[int]) -> tuple[str, ...]:
    """Labels for upper bounds: (0, 30, 60, 90) -> current, 1-30, 31-60, 61-90, 90+."""
    labels = []
    low = None
    for bound in bounds:
        if low is None:
            labels.append("current" if bound == 0 else f"0-{bound}")
        else:
            labels.append(f"{low + 1}-{bound}")
        low = bound
    labels.append(f"{low}+" if low is not None else "all")
    return tuple(labels)


def parse_buckets(text: str) -> tuple[int, ...]:
    """Bucket bounds from text such as ``"0,30,60,90"``."""
    try:
        bounds = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise AgeingError(
            f"Invalid buckets {text!r}: expected whole numbers of days separated by "
            "commas, such as 0,30,60,90"
        ) from None
    check_buckets(bounds)
    return bounds


def check_buckets(bounds: Sequence[int]) -> None:
    if not bounds or any(b < 0 for b in bounds) or list(bounds) != sorted(set(bounds)):
        raise AgeingError(
            f"Invalid buckets {list(bounds)}: expected increasing whole numbers of days "
            "from 0, such as 0,30,60,90"
        )


@dataclasses.dataclass(frozen=True)
class AgedItem:
    """One open invoice or one unallocated settlement, as of the date."""

    document: str
    kind: str  # "invoice", "payment", "credit-order", "credit-memo", "redemption"
    order: str | None
    date: datetime.date  # the date it is aged from
    age: int
    bucket: int  # index into the report's labels
    amount: Decimal  # what is open (negative for unallocated money)
    meta: dict[str, object]
    # An invoice's due date, and with early-payment discount terms the last day of
    # its window and the discount its terms offer (a discount not taken leaves
    # the invoice aged at its full open amount).
    due: datetime.date | None = None
    discount_until: datetime.date | None = None
    discount: Decimal | None = None
    # A foreign document's open amount in the operating currency, at its booked
    # rate (the invoice's, or the money's own while it is held ahead).
    value: Decimal | None = None


@dataclasses.dataclass(frozen=True)
class AgeingRow:
    """One customer's ageing in one currency."""

    customer: str
    name: str
    currency: str
    buckets: tuple[Decimal, ...]  # open invoices, by bucket
    unallocated: tuple[Decimal, ...]  # unallocated money, by bucket of its own date
    credit_limit: Decimal | None
    items: tuple[AgedItem, ...]

    @property
    def invoiced_open(self) -> Decimal:
        return sum(self.buckets, ZERO)

    @property
    def unallocated_total(self) -> Decimal:
        return sum(self.unallocated, ZERO)

    @property
    def total(self) -> Decimal:
        """What the customer owes: open invoices less unallocated money."""
        return self.invoiced_open + self.unallocated_total

    @property
    def over_limit(self) -> bool:
        return self.credit_limit is not None and self.total > self.credit_limit

    @property
    def value(self) -> Decimal | None:
        """A foreign row's total in the operating currency, at the booked rates."""
        values = [item.value for item in self.items if item.value is not None]
        return sum(values, ZERO) if values else None


@dataclasses.dataclass(frozen=True)
class AgeingTotal:
    """One currency's totals over every customer."""

    currency: str
    buckets: tuple[Decimal, ...]
    unallocated: tuple[Decimal, ...]

    @property
    def invoiced_open(self) -> Decimal:
        return sum(self.buckets, ZERO)

    @property
    def unallocated_total(self) -> Decimal:
        return sum(self.unallocated, ZERO)

    @property
    def total(self) -> Decimal:
        return self.invoiced_open + self.unallocated_total


@dataclasses.dataclass(frozen=True)
class AgedLine:
    """One aged document beside its customer's row."""

    row: AgeingRow
    item: AgedItem


@dataclasses.dataclass(frozen=True)
class AgeingReport:
    as_of: datetime.date
    basis: str
    labels: tuple[str, ...]
    rows: tuple[AgeingRow, ...]
    totals: tuple[AgeingTotal, ...]
    lines: tuple[AgedLine, ...]  # every item of every row, by row
    open_invoices: tuple[AgedLine, ...]  # the invoice lines
    unallocated: tuple[AgedLine, ...]  # the lines of unallocated money
    over_limit: tuple[AgeingRow, ...]  # the rows over the customer's credit limit
    operating_currency: str | None = None  # of the OPC values of foreign rows

    @property
    def foreign(self) -> bool:
        """Whether any row is in a foreign currency (and has OPC values)."""
        return any(row.value is not None for row in self.rows)

    @property
    def discounts(self) -> bool:
        """Whether an open invoice has early-payment discount terms (the reports
        then show the discount columns)."""
        return any(line.item.discount_until for line in self.open_invoices)


def bucket_of(age: int, bounds: Sequence[int]) -> int:
    """The index of the bucket of an ``age`` in days (each bound is included in its
    bucket; past the last bound, the last bucket). The payables ageing shares it."""
    for index, bound in enumerate(bounds):
        if age <= bound:
            return index
    return len(bounds)


def _aged_items(
    book: Book, as_of: datetime.date, basis: str, buckets: Sequence[int]
) -> dict[tuple[str, str], list[AgedItem]]:
    """Open invoices and unallocated settlements on ``as_of``, by customer and currency."""

    def aged_from(invoice: Invoice) -> datetime.date:
        return invoice.due if basis == "due" else invoice.date

    items: dict[tuple[str, str], list[AgedItem]] = {}
    for invoice in book.invoices.values():
        if invoice.date > as_of or _voided(invoice.voided, as_of):
            continue
        allocated = sum((a.amount for a in invoice.allocations if a.date <= as_of), ZERO)
        open_amount = invoice.gross - allocated
        if open_amount == 0:
            continue
        start = aged_from(invoice)
        age = (as_of - start).days
        items.setdefault((invoice.customer, invoice.currency), []).append(
            AgedItem(
                invoice.id,
                "invoice",
                invoice.order,
                start,
                age,
                bucket_of(age, buckets),
                open_amount,
                dict(invoice.meta),
                invoice.due,
                discounts.until(invoice),
                discounts.offered(invoice, book.config.quantum),
                book.fx.value(invoice.id, open_amount, book.config.quantum),
            )
        )
    for settlement in book.settlements.values():
        if settlement.date > as_of or _voided(settlement.voided, as_of):
            continue
        allocated = sum((a.amount for a in settlement.allocations if a.date <= as_of), ZERO)
        left = settlement.amount - allocated
        if left == 0:
            continue
        age = (as_of - settlement.date).days
        lot = book.fx.lots.get(settlement.id)
        value = round_money(-left * lot.rate, book.config.quantum) if lot else None
        items.setdefault((settlement.customer, settlement.currency), []).append(
            AgedItem(
                settlement.id,
                settlement.kind,
                settlement.order,
                settlement.date,
                age,
                bucket_of(age, buckets),
                -left,
                dict(settlement.meta),
                value=value,
            )
        )
    return items


def _voided(voided: datetime.date | None, as_of: datetime.date) -> bool:
    """Whether a document voided on ``voided`` is out of the ageing on ``as_of``."""
    return voided is not None and voided <= as_of


def _row(
    book: Book, customer_id: str, currency: str, aged: list[AgedItem], width: int
) -> AgeingRow:
    """A customer's row: their items summed by bucket, invoices and money apart."""
    customer = book.customers[customer_id]
    invoice_buckets = [ZERO] * width
    money_buckets = [ZERO] * width
    for item in aged:
        target = invoice_buckets if item.kind == "invoice" else money_buckets
        target[item.bucket] += item.amount
    limit = customer.credit_limit
    return AgeingRow(
        customer_id,
        customer.name,
        currency,
        tuple(invoice_buckets),
        tuple(money_buckets),
        limit.number if limit is not None and limit.currency == currency else None,
        tuple(sorted(aged, key=lambda item: (item.date, item.document))),
    )


def _totals(rows: Sequence[AgeingRow], width: int) -> tuple[AgeingTotal, ...]:
    """The rows summed by currency and bucket."""
    totals: dict[str, tuple[list[Decimal], list[Decimal]]] = {}
    for row in rows:
        total = totals.setdefault(row.currency, ([ZERO] * width, [ZERO] * width))
        for index in range(width):
            total[0][index] += row.buckets[index]
            total[1][index] += row.unallocated[index]
    return tuple(
        AgeingTotal(currency, tuple(b), tuple(u))
        for currency, (b, u) in sorted(totals.items())
    )


def aged_receivables(
    book: Book,
    as_of: datetime.date,
    basis: str = "invoice",
    buckets: Sequence[int] = DEFAULT_BUCKETS,
) -> AgeingReport:
    """Aged receivables on ``as_of``, by invoice date or due date."""
    if basis not in BASES:
        raise AgeingError(f"Invalid ageing basis {basis!r}: expected 'invoice' or 'due'")
    check_buckets(buckets)
    labels = bucket_labels(buckets)
    width = len(labels)
    items = _aged_items(book, as_of, basis, buckets)
    rows = tuple(
        _row(book, customer_id, currency, aged, width)
        for (customer_id, currency), aged in sorted(items.items())
    )
    lines = tuple(AgedLine(row, item) for row in rows for item in row.items)
    return AgeingReport(
        as_of,
        basis,
        labels,
        rows,
        _totals(rows, width),
        lines,
        tuple(line for line in lines if line.item.kind == "invoice"),
        tuple(line for line in lines if line.item.kind != "invoice"),
        tuple(row for row in rows if row.over_limit),
        book.fx.opc,
    )
