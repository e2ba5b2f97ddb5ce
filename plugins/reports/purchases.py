"""The purchases report: every purchase order as of a date, with what was ordered,
received, billed and paid, its status axes, and the totals per currency.

Everything is read from the documents as they stood at the end of the as-of
date: receipts, bills and landed costs dated on or before it count, a voided one
until its void's date; bill payments count as matched to the PO's bills by then
(a void's negative allocation from its own date). So a report of a past date
never changes.
"""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

from beancount_orders.book import Book
from beancount_orders.book.model import ZERO
from beancount_orders.book.model import Status
from beancount_orders.book.model import axis
from beancount_orders.book.purchasing import LANDED_COST
from beancount_orders.book.purchasing import Bill
from beancount_orders.book.purchasing import Payable
from beancount_orders.book.purchasing import PurchaseOrder
from beancount_orders.book.rules import line_value
from beancount_orders.reports.orders import ReportError

STATUS_FILTERS = ("open", "closed")
AXES = ("received", "billed", "paid")


def _counts(
    voided: datetime.date | None, date: datetime.date, as_of: datetime.date
) -> bool:
    """Whether a document of ``date``, voided on ``voided``, counts on ``as_of``."""
    return date <= as_of and (voided is None or voided > as_of)


@dataclasses.dataclass(frozen=True)
class PurchaseRow:
    """One purchase order as of the report's date."""

    po: str
    supplier: str
    supplier_name: str
    date: datetime.date
    expected: datetime.date | None
    location: str | None
    currency: str
    ordered: Decimal  # the ordered value at PO cost (each line rounded)
    received: Decimal  # the received value at PO cost (what receipts put in GRNI)
    billed_net: Decimal  # bills (at their prices) and landed costs, net of tax
    landed: Decimal  # of which landed costs, net of tax
    billed_gross: Decimal  # bills and landed costs, with input tax
    paid: Decimal  # bill payments matched to them
    received_status: Status
    billed_status: Status
    paid_status: Status
    receipts: tuple[str, ...]  # dated on or before the as-of date
    bills: tuple[str, ...]  # bills and landed costs, dated on or before it
    voided: tuple[str, ...]  # those of them voided by the as-of date
    filename: str
    lineno: int

    @property
    def outstanding(self) -> Decimal:
        """What is still owed to the supplier on the PO's bills and landed costs."""
        return self.billed_gross - self.paid

    @property
    def is_open(self) -> bool:
        """Open until received, billed and paid in full."""
        return not (
            self.received_status is Status.FULL
            and self.billed_status is Status.FULL
            and self.paid_status is Status.FULL
        )

    @property
    def state(self) -> str:
        """``open`` or ``closed``, as the orders report names states."""
        return "open" if self.is_open else "closed"


@dataclasses.dataclass(frozen=True)
class PurchaseTotal:
    """One currency's sums over the report's purchase orders."""

    currency: str
    orders: int
    ordered: Decimal
    received: Decimal
    billed_net: Decimal
    landed: Decimal
    billed_gross: Decimal
    paid: Decimal

    @property
    def outstanding(self) -> Decimal:
        """Billed gross less paid, over the currency's purchase orders."""
        return self.billed_gross - self.paid


@dataclasses.dataclass(frozen=True)
class PurchaseMonth:
    """What the report's purchase orders received, billed and paid in one month
    (up to the as-of date): each month's figures add up to the totals."""

    month: str  # YYYY-MM
    currency: str
    received: Decimal  # receipts at PO cost; a void takes it off in its own month
    billed: Decimal  # bills and landed costs, net; likewise
    paid: Decimal  # bill payments matched to them (by the matching's date)


@dataclasses.dataclass(frozen=True)
class PurchasesReport:
    as_of: datetime.date
    supplier: str | None
    status: str | None
    rows: tuple[PurchaseRow, ...]  # open ones first, then by date and id
    totals: tuple[PurchaseTotal, ...]  # per currency
    months: tuple[PurchaseMonth, ...] = ()  # by currency, then month


def _month(date: datetime.date) -> str:
    """The month of a date, ``YYYY-MM``."""
    return f"{date.year:04d}-{date.month:02d}"


def _movements(
    book: Book, po: PurchaseOrder, as_of: datetime.date
) -> list[tuple[str, int, Decimal]]:
    """(month, column, amount) of a PO's receipts (0), bills (1) and payments (2)
    up to ``as_of``; a void's reversal in the void's month."""
    purchasing = book.purchasing
    moves: list[tuple[str, int, Decimal]] = []

    def add(
        column: int, amount: Decimal, date: datetime.date, voided: datetime.date | None
    ) -> None:
        """The amount in its month, and its reversal in the void's month."""
        if date <= as_of:
            moves.append((_month(date), column, amount))
        if voided is not None and voided <= as_of:
            moves.append((_month(voided), column, -amount))

    for receipt_id in po.receipts:
        receipt = purchasing.receipts[receipt_id]
        value = sum((line.value for line in receipt.lines), ZERO)
        add(0, value, receipt.date, receipt.voided)
    for bill_id in po.bills:
        bill = purchasing.payables[bill_id]
        add(1, bill.net, bill.date, bill.voided)
        for allocation in bill.allocations:
            add(2, allocation.amount, allocation.date, None)
    return moves


def _by_month(
    book: Book, rows: tuple[PurchaseRow, ...], as_of: datetime.date
) -> tuple[PurchaseMonth, ...]:
    """The rows' purchase orders' movements summed by currency and month."""
    sums: dict[tuple[str, str], list[Decimal]] = {}
    for row in rows:
        po = book.purchasing.orders[row.po]
        for month, column, amount in _movements(book, po, as_of):
            sums.setdefault((row.currency, month), [ZERO, ZERO, ZERO])[column] += amount
    return tuple(
        PurchaseMonth(month, currency, *figures)
        for (currency, month), figures in sorted(sums.items())
    )


def parse_purchase_status(text: str | None) -> tuple[str, str] | None:
    """A status filter: ``open``, ``closed`` or ``AXIS:VALUE`` (``received:partial``,
    ``paid:none`` ...); None for all."""
    if not text or text == "all":
        return None
    if text in STATUS_FILTERS:
        return ("state", text)
    name, _, value = text.partition(":")
    if name in AXES and value in {status.value for status in Status}:
        return (name, value)
    raise ReportError(
        f"Invalid status filter {text!r}: expected all, open, closed or AXIS:VALUE with "
        "AXIS one of received, billed, paid and VALUE one of none, partial, full"
    )


def _paid_status(bills: list[Payable], as_of: datetime.date, billed: Status) -> Status:
    """Paid, as :meth:`Purchasing.status` counts it, on ``as_of``."""
    gross = sum((bill.gross for bill in bills), ZERO)
    paid = sum((_paid(bill, as_of) for bill in bills), ZERO)
    status = axis(paid, gross) if gross > 0 else Status.NONE
    if status is Status.FULL and billed is not Status.FULL:
        return Status.PARTIAL  # all billed so far is paid, not the whole PO
    return status


def _paid(bill: Payable, as_of: datetime.date) -> Decimal:
    """Bill payments matched to ``bill`` by ``as_of`` (less any taken back)."""
    return sum((a.amount for a in bill.allocations if a.date <= as_of), ZERO)


def purchase_row(book: Book, po: PurchaseOrder, as_of: datetime.date) -> PurchaseRow:
    """A purchase order's row on ``as_of``."""
    purchasing = book.purchasing
    quantum = book.config.quantum
    receipts = [
        purchasing.receipts[receipt_id]
        for receipt_id in po.receipts
        if purchasing.receipts[receipt_id].date <= as_of
    ]
    counted = [r for r in receipts if _counts(r.voided, r.date, as_of)]
    received_qty = sum((line.qty for r in counted for line in r.lines), ZERO)
    received = sum((line.value for r in counted for line in r.lines), ZERO)
    documents = [purchasing.payables[bill_id] for bill_id in po.bills]
    documents = [bill for bill in documents if bill.date <= as_of]
    bills = [bill for bill in documents if _counts(bill.voided, bill.date, as_of)]
    billed_qty = sum(
        (line.qty for bill in bills if isinstance(bill, Bill) for line in bill.lines), ZERO
    )
    billed = axis(billed_qty, po.ordered)
    supplier = purchasing.suppliers[po.supplier]
    voided = tuple(
        r.id for r in receipts if r.voided is not None and r.voided <= as_of
    ) + tuple(doc.id for doc in documents if doc.voided is not None and doc.voided <= as_of)
    return PurchaseRow(
        po.id,
        supplier.id,
        supplier.name,
        po.date,
        po.expected,
        po.location,
        po.currency or "",
        sum((line_value(line.qty, line.cost, quantum) for line in po.lines), ZERO),
        received,
        sum((bill.net for bill in bills), ZERO),
        sum((bill.net for bill in bills if bill.kind == LANDED_COST), ZERO),
        sum((bill.gross for bill in bills), ZERO),
        sum((_paid(bill, as_of) for bill in bills), ZERO),
        axis(received_qty, po.ordered),
        billed,
        _paid_status(bills, as_of, billed),
        tuple(r.id for r in receipts),
        tuple(bill.id for bill in documents),
        voided,
        str(po.meta.get("filename", "")),
        int(po.meta.get("lineno", 0) or 0),
    )


def _totals(rows: tuple[PurchaseRow, ...]) -> tuple[PurchaseTotal, ...]:
    """The rows summed per currency."""
    by_currency: dict[str, list[PurchaseRow]] = {}
    for row in rows:
        by_currency.setdefault(row.currency, []).append(row)
    return tuple(
        PurchaseTotal(
            currency,
            len(group),
            sum((row.ordered for row in group), ZERO),
            sum((row.received for row in group), ZERO),
            sum((row.billed_net for row in group), ZERO),
            sum((row.landed for row in group), ZERO),
            sum((row.billed_gross for row in group), ZERO),
            sum((row.paid for row in group), ZERO),
        )
        for currency, group in sorted(by_currency.items())
    )


def purchases_report(
    book: Book,
    as_of: datetime.date,
    supplier: str | None = None,
    status: str | None = None,
) -> PurchasesReport:
    """Purchase orders dated on or before ``as_of``, as they stood that day: open
    ones first, then by date and id; filtered by supplier and status."""
    wanted = parse_purchase_status(status)
    if supplier is not None and supplier not in book.purchasing.suppliers:
        raise ReportError(f"Unknown supplier {supplier!r}")
    rows = []
    for po in book.purchasing.orders.values():
        if po.date > as_of or (supplier is not None and po.supplier != supplier):
            continue
        row = purchase_row(book, po, as_of)
        if wanted is not None:
            key, value = wanted
            actual = row.state if key == "state" else getattr(row, f"{key}_status").value
            if actual != value:
                continue
        rows.append(row)
    rows.sort(key=lambda row: (not row.is_open, row.date, row.po))
    ordered = tuple(rows)
    return PurchasesReport(
        as_of, supplier, status, ordered, _totals(ordered), _by_month(book, ordered, as_of)
    )
