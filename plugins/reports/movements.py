"""The credits and returns of a margin's period, each with the order line it goes back to.

These are the movements that take revenue or cost of goods back: the lines of
READY credit orders (on their posting date), customer credits and returns.
The margin report (:mod:`beancount_orders.reports.margin`) lists them beside
its figures, on the Fava page and on the command line alike.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterator
from decimal import Decimal

from beancount_orders.book import Book
from beancount_orders.book.model import ZERO
from beancount_orders.book.model import OrderLine
from beancount_orders.reports.orders import customer_name
from beancount_orders.reports.period import Period


@dataclasses.dataclass(frozen=True)
class Movement:
    """A credit or return in the margin's period, with the line it goes back to."""

    date: datetime.date
    kind: str  # "credit order", "customer credit" or "return"
    document: str
    meta: dict[str, object]
    customer: str
    customer_name: str
    item: str | None
    qty: Decimal | None
    currency: str | None
    credits: Decimal  # what it takes off revenue (net)
    cogs: Decimal  # what it takes off the cost of goods
    detail: str  # credit line type, return condition or credit reason
    order: str | None
    invoice: str | None
    line: int | None  # the original order line's number
    line_meta: dict[str, object] | None  # where that line is written


def _order_line(
    book: Book, order: str | None, number: int | None, item: str | None
) -> OrderLine | None:
    """The order line a credit or return refers to (by number, else by item)."""
    found = book.orders.get(order) if order else None
    if found is None:
        return None
    if number is not None and 0 < number <= len(found.lines):
        return found.lines[number - 1]
    for line in found.lines:
        if line.item == item:
            return line
    return None


def _credit_order_lines(book: Book, period: Period) -> Iterator[Movement]:
    for credit_order in book.credit_orders.values():
        if not credit_order.posted or credit_order.post_date not in period:
            continue
        for credit_line in credit_order.lines:
            line = _order_line(book, credit_order.order, credit_line.invoice_line, None)
            yield Movement(
                credit_order.post_date,
                "credit order",
                credit_order.id,
                dict(credit_line.meta),
                credit_order.customer,
                customer_name(book, credit_order.customer),
                credit_line.item,
                credit_line.qty,
                credit_order.currency,
                credit_line.net,
                credit_line.cost,
                f"{credit_line.type} ({credit_line.costing.value})",
                credit_order.order,
                credit_order.invoice,
                line.number if line else None,
                dict(line.meta) if line else None,
            )


def _customer_credits(book: Book, period: Period) -> Iterator[Movement]:
    for credit in book.credits.values():
        if credit.date not in period:
            continue
        order = credit.order or (
            book.invoices[credit.invoice].order if credit.invoice in book.invoices else None
        )
        yield Movement(
            credit.date,
            "customer credit",
            credit.id,
            dict(credit.meta),
            credit.customer,
            customer_name(book, credit.customer),
            None,
            None,
            credit.currency,
            credit.amount,
            ZERO,
            credit.reason or "",
            order,
            credit.invoice,
            None,
            dict(book.orders[order].meta) if order in book.orders else None,
        )


def _returns(book: Book, period: Period) -> Iterator[Movement]:
    for returned in book.returns.values():
        if returned.date not in period:
            continue
        line = _order_line(book, returned.order, None, returned.item)
        yield Movement(
            returned.date,
            "return",
            returned.id,
            dict(returned.meta),
            returned.customer,
            customer_name(book, returned.customer),
            returned.item,
            returned.qty,
            returned.lots[0].cost.currency if returned.lots else None,
            ZERO,
            returned.cost,
            returned.condition,
            returned.order,
            None,
            line.number if line else None,
            dict(line.meta) if line else None,
        )


def movements(book: Book, period: Period) -> tuple[Movement, ...]:
    """Credit order lines, customer credits and returns dated in the period, by date
    and document."""
    found = [
        *_credit_order_lines(book, period),
        *_customer_credits(book, period),
        *_returns(book, period),
    ]
    found.sort(key=lambda movement: (movement.date, movement.document))
    return tuple(found)
