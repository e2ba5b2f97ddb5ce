"""Credits as the engine records them: credit orders and their lines, customer
credits, refunds and credit memos (see :mod:`beancount_orders.book.handlers.
credit_orders` and :mod:`beancount_orders.book.handlers.payments`)."""

from __future__ import annotations

import dataclasses
import datetime
import enum
from decimal import Decimal

from beancount.core import data

from beancount_orders.book.model import ZERO
from beancount_orders.book.model import PlacedLot


class Costing(enum.StrEnum):
    """The costing state of a credit order line."""

    COSTED = "costed"  # a return line restocked at the original invoice's lot cost
    OPEN = "open"  # the credit order is not READY: nothing posted yet
    UNCOSTED = "uncosted"  # the goods went out without stock: no cost to restore
    NONE = "none"  # a price credit: no goods move


@dataclasses.dataclass(slots=True)
class CreditLine:
    """A ``credit-line`` of a credit order."""

    item: str
    type: str  # "return" or "credit"
    qty: Decimal
    price: Decimal
    tax_rate: Decimal
    net: Decimal
    tax: Decimal
    invoice_line: int  # the order line number the invoice billed
    meta: data.Meta
    costing: Costing = Costing.OPEN
    lots: list[PlacedLot] = dataclasses.field(default_factory=list)
    jurisdiction: str | None = None  # the name(s) of the taxes it gives back

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax

    @property
    def cost(self) -> Decimal:
        return sum((lot.units * lot.cost.number for lot in self.lots), ZERO)


@dataclasses.dataclass(slots=True)
class CreditOrder:
    """A ``credit-order``: a credit invoice against an invoice."""

    id: str
    invoice: str
    order: str
    customer: str
    date: datetime.date  # the directive's date
    post_date: datetime.date  # when it posts: its date, or the invoice's
    status: str  # "OPEN", "APPROVED" or "READY"
    currency: str
    lines: list[CreditLine]
    meta: data.Meta
    reason: str | None = None
    rep: str | None = None
    po: str | None = None

    @property
    def posted(self) -> bool:
        return self.status == "READY"

    @property
    def net(self) -> Decimal:
        return sum((line.net for line in self.lines), ZERO)

    @property
    def tax(self) -> Decimal:
        return sum((line.tax for line in self.lines), ZERO)

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax


@dataclasses.dataclass(slots=True)
class CustomerCredit:
    """A ``credit``: money we owe the customer (Pakk customer credit)."""

    id: str
    customer: str
    date: datetime.date
    amount: Decimal
    currency: str
    meta: data.Meta
    reason: str | None = None
    invoice: str | None = None
    order: str | None = None


@dataclasses.dataclass(slots=True)
class Refund:
    """A ``refund``: customer credit paid out."""

    customer: str
    date: datetime.date
    amount: Decimal
    currency: str
    account: str
    method: str
    meta: data.Meta
    id: str = ""  # its document id (``id`` metadata, or made from its date)


@dataclasses.dataclass(slots=True)
class CreditMemo:
    """A ``credit-memo``: a receivable written down against an expense."""

    id: str
    customer: str
    date: datetime.date
    amount: Decimal
    currency: str
    meta: data.Meta
    invoice: str | None = None
    reason: str | None = None
