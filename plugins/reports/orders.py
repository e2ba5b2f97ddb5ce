"""The orders report: every order with its four status axes, totals and outstanding."""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

from beancount_orders.book import Book
from beancount_orders.book import discounts
from beancount_orders.book.model import ZERO
from beancount_orders.book.model import Order
from beancount_orders.book.model import Status
from beancount_orders.book.model import still_open
from beancount_orders.reports.period import ALL
from beancount_orders.reports.period import Period

STATUS_FILTERS = ("open", "closed", "cancelled")
AXES = ("committed", "invoiced", "dispatched", "paid")


class ReportError(ValueError):
    """Bad report options (shown to the user as they are)."""


@dataclasses.dataclass(frozen=True)
class OrderRow:
    id: str
    date: datetime.date
    customer: str
    customer_name: str
    currency: str
    total: Decimal  # net value of the quantities ordered and not cancelled
    invoiced: Decimal  # gross
    paid: Decimal
    credited: Decimal
    outstanding: Decimal
    cost: Decimal  # cost of goods dispatched, net of returns
    committed_status: Status
    invoiced_status: Status
    dispatched_status: Status
    paid_status: Status
    is_open: bool
    cancelled: bool
    po: str | None
    invoices: tuple[str, ...]
    filename: str
    lineno: int
    # Early-payment discount: the order's terms ("2/10", the order's or the
    # customer's), the last day of the soonest window among its open invoices and
    # what those invoices offer (None when none is open), and what was taken.
    discount_terms: str | None = None
    discount_until: datetime.date | None = None
    discount: Decimal | None = None
    discount_taken: Decimal = ZERO
    voided: tuple[str, ...] = ()  # its invoices that are voided (status void)

    @property
    def state(self) -> str:
        if self.cancelled:
            return "cancelled"
        return "open" if self.is_open else "closed"


def customer_name(book: Book, customer: str) -> str:
    """The customer's name (the id itself for a customer the books do not know)."""
    known = book.customers.get(customer)
    return known.name if known is not None else customer


def order_row(book: Book, order: Order) -> OrderRow:
    customer = book.customers[order.customer]
    statuses = (
        order.committed_status,
        order.invoiced_status,
        order.dispatched_status,
        order.paid_status,
    )
    cancelled = order.cancelled
    outstanding = order.outstanding
    is_open = still_open(cancelled, statuses[1], statuses[2], outstanding, order.ships)
    return OrderRow(
        order.id,
        order.date,
        customer.id,
        customer.name,
        order.currency or "",
        order.total,
        order.invoiced,
        order.paid,
        order.credited,
        outstanding,
        order.cost,
        *statuses,
        is_open,
        cancelled,
        order.po,
        tuple(order.invoices),
        order.meta.get("filename", ""),
        order.meta.get("lineno", 0),
        *_discount(book, order),
        tuple(each for each in order.invoices if each in book.voids.voided),
    )


def _discount(
    book: Book, order: Order
) -> tuple[str | None, datetime.date | None, Decimal | None, Decimal]:
    """An order's early-payment discount columns (see :class:`OrderRow`)."""
    customer = book.customers[order.customer]
    terms = order.discount_terms or customer.discount_terms
    until: datetime.date | None = None
    offered: Decimal | None = None
    taken = ZERO
    for invoice_id in order.invoices:
        invoice = book.invoices[invoice_id]
        taken += invoice.discount_taken
        last = discounts.until(invoice)
        amount = discounts.offered(invoice, book.config.quantum)
        if (
            last is None
            or amount is None
            or invoice.open_amount <= 0
            or invoice.voided is not None
        ):
            continue
        until = last if until is None else min(until, last)
        offered = amount if offered is None else offered + amount
    if terms is None and not taken:
        return None, None, None, ZERO
    return (terms.text if terms else None), until, offered, taken


def parse_status(text: str | None) -> tuple[str, str] | None:
    """A status filter: ``open``, ``closed``, ``cancelled`` or ``AXIS:VALUE``
    (``invoiced:partial``, ``paid:none`` ...)."""
    if not text:
        return None
    if text in STATUS_FILTERS:
        return ("state", text)
    axis, _, value = text.partition(":")
    if axis in AXES and value in {status.value for status in Status}:
        return (axis, value)
    raise ReportError(
        f"Invalid status filter {text!r}: expected open, closed, cancelled or AXIS:VALUE "
        "with AXIS one of committed, invoiced, dispatched, paid and VALUE one of "
        "none, partial, full"
    )


def orders_report(
    book: Book,
    customer: str | None = None,
    status: str | None = None,
    period: Period = ALL,
) -> tuple[OrderRow, ...]:
    """Orders, open ones first, then by date and id; filtered by customer, status
    and order date (in the period)."""
    wanted = parse_status(status)
    rows = []
    for order in book.orders.values():
        if customer is not None and order.customer != customer:
            continue
        if order.date not in period:
            continue
        row = order_row(book, order)
        if wanted is not None:
            key, value = wanted
            actual = row.state if key == "state" else getattr(row, f"{key}_status").value
            if actual != value:
                continue
        rows.append(row)
    rows.sort(key=lambda row: (not row.is_open, row.date, row.id))
    return tuple(rows)
