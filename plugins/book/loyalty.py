"""Loyalty programs: points as their own commodity, held in parcels.

Every earning (and every adjustment or give-back that adds points) is a
:class:`Parcel` with its own expiry date. Redemptions and negative adjustments
use the soonest-expiring parcels first; a parcel's points left on its expiry
date expire that day. Each customer's parcels in one program are a
:class:`Wallet`, with a heap in expiry order so that a redemption costs
O(parcels it touches x log parcels).
"""

from __future__ import annotations

import dataclasses
import datetime
import heapq
from decimal import Decimal

from beancount.core import data
from beancount.core.amount import Amount

from beancount_orders.book.model import ZERO

NEVER = datetime.date.max


@dataclasses.dataclass
class Program:
    """A ``loyalty-program``: its symbol, accounts and current rates."""

    symbol: str
    name: str
    liability: str
    expense: str
    discount: str
    earn: Decimal  # points per currency unit
    value: Amount | None  # money per point
    expiry: int | None  # days a parcel lasts
    meta: data.Meta
    # (date, earn, value, expiry, the directive's metadata) from each directive.
    history: list[tuple[datetime.date, Decimal, Amount | None, int | None, data.Meta]] = (
        dataclasses.field(default_factory=list)
    )


@dataclasses.dataclass
class Parcel:
    """Points earned (or added) at once, used up and expiring together."""

    seq: int
    customer: str
    program: str
    date: datetime.date
    points: Decimal
    expires: datetime.date | None
    source: str  # the invoice, adjustment or credit order that added them
    meta: data.Meta
    remaining: Decimal = ZERO
    expired: Decimal = ZERO
    clawed: Decimal = ZERO  # taken back by credit orders (from it or in its stead)

    def __post_init__(self) -> None:
        self.remaining = self.points


@dataclasses.dataclass(frozen=True)
class LoyaltyEvent:
    """A change of a customer's points, for the loyalty reports."""

    date: datetime.date
    customer: str
    program: str
    kind: str  # earned, redeemed, expired, adjusted, clawed-back, given-back
    points: Decimal  # signed: + adds to the customer's balance
    value: Decimal | None  # the money discount of a redemption or give-back
    document: str | None
    meta: data.Meta


@dataclasses.dataclass
class Wallet:
    """One customer's parcels in one program."""

    customer: str
    program: str
    balance: Decimal = ZERO
    parcels: list[Parcel] = dataclasses.field(default_factory=list)
    _heap: list[tuple[datetime.date, int, Parcel]] = dataclasses.field(default_factory=list)

    def add(self, parcel: Parcel) -> None:
        self.parcels.append(parcel)
        self.balance += parcel.remaining
        heapq.heappush(self._heap, (parcel.expires or NEVER, parcel.seq, parcel))

    def take(self, points: Decimal) -> list[tuple[Parcel, Decimal]]:
        """Use ``points``, soonest-expiring parcels first.

        The caller checks the balance first.
        """
        taken = []
        heap = self._heap
        while points > 0 and heap:
            parcel = heap[0][2]
            if parcel.remaining <= 0:
                heapq.heappop(heap)
                continue
            used = min(points, parcel.remaining)
            parcel.remaining -= used
            if parcel.remaining <= 0:
                heapq.heappop(heap)
            taken.append((parcel, used))
            points -= used
        self.balance -= sum((used for _, used in taken), ZERO)
        return taken

    def put_back(self, parcel: Parcel, points: Decimal) -> None:
        """Put ``points`` back into a parcel of this wallet they were taken from
        (one that has not expired): used again in its expiry order."""
        if parcel.remaining <= 0 and not any(entry[2] is parcel for entry in self._heap):
            heapq.heappush(self._heap, (parcel.expires or NEVER, parcel.seq, parcel))
        parcel.remaining += points
        self.balance += points

    def take_from(self, parcel: Parcel, points: Decimal) -> None:
        """Use ``points`` of one parcel (the caller checks it holds them)."""
        parcel.remaining -= points
        self.balance -= points

    def next_expiry(self) -> tuple[datetime.date, Decimal] | None:
        """The soonest expiry date and the points expiring then (reads only)."""
        soonest: datetime.date | None = None
        points = ZERO
        for parcel in self.parcels:
            if parcel.remaining <= 0 or parcel.expires is None:
                continue
            if soonest is None or parcel.expires < soonest:
                soonest, points = parcel.expires, parcel.remaining
            elif parcel.expires == soonest:
                points += parcel.remaining
        return (soonest, points) if soonest is not None else None
