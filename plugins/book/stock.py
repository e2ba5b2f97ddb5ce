"""Inventory lots: per account and item, relieved by the account's booking method.

Each (inventory account, item) is a :class:`Holding`: its lots keyed by their
full :class:`~beancount.core.position.Cost` (number, currency, date, label),
with a heap in the order the booking method takes them. A dispatch costs
O(lots it touches x log lots), so nothing is quadratic in the number of
receipts or dispatches.
"""

from __future__ import annotations

import dataclasses
import datetime
import heapq
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from beancount.core import data
from beancount.core.position import Cost

from beancount_orders.book.model import ZERO
from beancount_orders.book.model import Lot


class Short(Exception):
    """Fewer units on hand than asked for."""

    def __init__(self, on_hand: Decimal) -> None:
        super().__init__(on_hand)
        self.on_hand = on_hand


class Ambiguous(Exception):
    """STRICT booking with more than one lot that could match.

    ``labels`` names the lots; ``batch`` is the label that matched several lots
    (at different costs or dates), or None when no label was given.
    """

    def __init__(self, labels: list[str], batch: str | None = None) -> None:
        super().__init__(labels)
        self.labels = labels
        self.batch = batch

    def describe(self, account: str, item: str) -> str:
        """The problem, for a bookkeeper."""
        if self.batch is not None:
            return (
                f'{account} books by STRICT and batch "{self.batch}" names '
                f"{len(self.labels)} lots of {item} ({', '.join(self.labels)}); "
                "give them labels of their own"
            )
        return (
            f"{account} books by STRICT and holds {len(self.labels)} lots of {item} "
            f"({', '.join(self.labels)}); name one with batch metadata"
        )


def lot_name(cost: Cost) -> str:
    """A lot as a bookkeeper reads it: ``5.00 GBP, 2024-01-01, "PO-1"``."""
    parts = [f"{cost.number} {cost.currency}", str(cost.date)]
    if cost.label:
        parts.append(f'"{cost.label}"')
    return "{" + ", ".join(parts) + "}"


def _key(method: data.Booking, cost: Cost, seq: int) -> tuple[Any, ...]:
    date = cost.date or datetime.date.min
    if method is data.Booking.LIFO:
        return (-date.toordinal(), -seq)
    if method is data.Booking.HIFO:
        return (-cost.number, date, seq)
    return (date, seq)  # FIFO, and the order STRICT and NONE fall back to


@dataclasses.dataclass
class Holding:
    """The lots of one item in one inventory account."""

    account: str
    item: str
    method: data.Booking
    lots: dict[Cost, Decimal] = dataclasses.field(default_factory=dict)
    units: Decimal = ZERO
    _heap: list[tuple[tuple[Any, ...], int, Cost]] = dataclasses.field(default_factory=list)
    _seq: dict[Cost, int] = dataclasses.field(default_factory=dict)

    @property
    def value(self) -> Decimal:
        return sum((units * cost.number for cost, units in self.lots.items()), ZERO)

    def add(self, cost: Cost, units: Decimal) -> None:
        if cost in self.lots:
            self.lots[cost] += units
        else:
            seq = self._seq.setdefault(cost, len(self._seq))
            self.lots[cost] = units
            heapq.heappush(self._heap, (_key(self.method, cost, seq), seq, cost))
        self.units += units

    def remove(self, cost: Cost, units: Decimal) -> None:
        """Take units from one named lot (raises Short if it holds fewer)."""
        held = self.lots.get(cost, ZERO)
        if held < units:
            raise Short(held)
        self._reduce(cost, units)

    def _reduce(self, cost: Cost, units: Decimal) -> None:
        left = self.lots[cost] - units
        if left:
            self.lots[cost] = left
        else:
            del self.lots[cost]
        self.units -= units

    def take(self, qty: Decimal, batch: str | None = None) -> list[Lot]:
        """Relieve ``qty`` units by the booking method (only lots labelled ``batch``).

        Raises :class:`Short` or :class:`Ambiguous` and changes nothing then.
        """
        if batch is not None:
            candidates = sorted(
                (cost for cost in self.lots if cost.label == batch),
                key=lambda cost: _key(self.method, cost, self._seq[cost]),
            )
            available = sum((self.lots[cost] for cost in candidates), ZERO)
            if available < qty:
                raise Short(available)
            if (
                self.method is data.Booking.STRICT
                and len(candidates) > 1
                and qty != available
            ):
                raise Ambiguous([lot_name(cost) for cost in candidates], batch)
            taken = []
            for cost in candidates:
                if qty <= 0:
                    break
                units = min(qty, self.lots[cost])
                self._reduce(cost, units)
                taken.append(Lot(cost, units))
                qty -= units
            return taken
        if self.units < qty:
            raise Short(self.units)
        if self.method is data.Booking.STRICT and len(self.lots) > 1 and qty != self.units:
            raise Ambiguous(sorted({cost.label or lot_name(cost) for cost in self.lots}))
        taken = []
        heap, lots = self._heap, self.lots
        self.units -= qty
        while qty > 0:
            cost = heap[0][2]
            held = lots.get(cost)
            if held is None:  # a stale entry for a lot already gone
                heapq.heappop(heap)
                continue
            if qty <= held:  # the rest comes from this lot
                if qty < held:
                    lots[cost] = held - qty
                else:
                    del lots[cost]
                    heapq.heappop(heap)
                taken.append(Lot(cost, qty))
                break
            del lots[cost]  # all of this lot, and more from the next
            heapq.heappop(heap)
            taken.append(Lot(cost, held))
            qty -= held
        return taken

    def revalue(self, cost: Cost, new_cost: Cost) -> Decimal:
        """Move all of one lot to a new cost (a bill's price difference, a landed
        cost) keeping its place in the order lots are taken: the lots of its
        day that came after it still come after it. Returns its units."""
        units = self.lots.pop(cost)
        self.units -= units
        if new_cost not in self._seq:
            self._seq[new_cost] = self._seq[cost]
        self.add(new_cost, units)
        return units

    def replace_all(self, cost: Cost) -> list[Lot]:
        """Re-lot everything held into one lot at ``cost``; return the old lots."""
        old = [Lot(cost, units) for cost, units in self.lots.items()]
        units = self.units
        self.lots.clear()
        self._heap.clear()
        self.units = ZERO
        self.add(cost, units)
        return old


class Stock:
    """All holdings, by inventory account and item."""

    def __init__(self) -> None:
        self.holdings: dict[tuple[str, str], Holding] = {}
        self.by_item: dict[str, list[Holding]] = {}  # each item's holdings

    def holding(self, account: str, item: str, method: data.Booking) -> Holding:
        key = (account, item)
        holding = self.holdings.get(key)
        if holding is None:
            holding = self.holdings[key] = Holding(account, item, method)
            self.by_item.setdefault(item, []).append(holding)
        return holding

    def of_item(self, item: str) -> list[Holding]:
        """The item's holdings, in every inventory account it was ever in."""
        return self.by_item.get(item, [])

    def get(self, account: str, item: str) -> Holding | None:
        return self.holdings.get((account, item))

    def __iter__(self) -> Iterator[Holding]:
        return iter(self.holdings.values())
