"""The stock report: on hand, committed, available and value; uncosted dispatches."""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

from beancount_orders.book import Book
from beancount_orders.book.model import StockPosition
from beancount_orders.reports.orders import customer_name


@dataclasses.dataclass(frozen=True)
class UncostedRow:
    """A dispatch line with units still owed to stock (not costed yet)."""

    date: datetime.date
    order: str
    customer: str
    customer_name: str
    item: str
    qty: Decimal  # the units still owed (``DispatchLine.owed``), not the line's
    location: str
    filename: str
    lineno: int


@dataclasses.dataclass(frozen=True)
class StockGroup:
    """An item at a location, with its batches."""

    total: StockPosition
    batches: tuple[StockPosition, ...]

    @property
    def rows(self) -> tuple[StockPosition, ...]:
        """The total row, then the batch rows."""
        return (self.total, *self.batches)


@dataclasses.dataclass(frozen=True)
class StockReport:
    positions: tuple[StockPosition, ...]  # each item and location, then its batches
    uncosted: tuple[UncostedRow, ...]
    groups: tuple[StockGroup, ...]  # the positions, each total with its batches

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
            customer_name(book, dispatch.customer),
            line.item,
            line.owed,
            line.location,
            dispatch.meta.get("filename", ""),
            dispatch.meta.get("lineno", 0),
        )
        for dispatch, line in book.uncosted
        if item is None or line.item == item
    )
    return StockReport(positions, uncosted, _groups(positions))


def _groups(positions: tuple[StockPosition, ...]) -> tuple[StockGroup, ...]:
    """Each item and location's total row with the batch rows that follow it."""
    groups: list[tuple[StockPosition, list[StockPosition]]] = []
    for position in positions:
        if position.batch is None:
            groups.append((position, []))
        elif groups:
            groups[-1][1].append(position)
    return tuple(StockGroup(total, tuple(batches)) for total, batches in groups)
