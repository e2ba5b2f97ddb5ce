"""The stock report: on hand, committed, available and value; uncosted dispatches."""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

from beancount_orders.book import Book
from beancount_orders.book.model import StockPosition


@dataclasses.dataclass(frozen=True)
class UncostedRow:
    date: datetime.date
    order: str
    customer: str
    item: str
    qty: Decimal
    location: str
    filename: str
    lineno: int


@dataclasses.dataclass(frozen=True)
class StockReport:
    positions: tuple[StockPosition, ...]
    uncosted: tuple[UncostedRow, ...]

    @property
    def totals(self) -> tuple[StockPosition, ...]:
        """The per item and location rows (no batch)."""
        return tuple(row for row in self.positions if row.batch is None)


def stock_report(book: Book, item: str | None = None) -> StockReport:
    positions = tuple(
        row for row in book.stock_positions() if item is None or row.item == item
    )
    uncosted = tuple(
        UncostedRow(
            dispatch.date,
            dispatch.order,
            dispatch.customer,
            line.item,
            line.qty,
            line.location,
            dispatch.meta.get("filename", ""),
            dispatch.meta.get("lineno", 0),
        )
        for dispatch, line in book.uncosted
        if item is None or line.item == item
    )
    return StockReport(positions, uncosted)
