"""Purchasing as the engine records it: suppliers, purchase orders and their
lines, receipts, bills, landed costs and bill payments (SPEC, Revision 2,
"Purchasing").

The handlers are in :mod:`beancount_orders.book.handlers.purchasing` (master
data, purchase orders, receipts, payments) and
:mod:`beancount_orders.book.handlers.bills` (bills and landed costs). These
records are built in the engine's one pass and then read by the reports.

Money is matched as on the sales side: each payable document (a bill, a landed
cost, a stock-in) has :class:`BillAllocation` records of the bill payments
matched to it; a bill payment's unmatched money is on account, aged by its own
date.
"""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

from beancount.core import data
from beancount.core.position import Cost

from beancount_orders.book.model import ZERO
from beancount_orders.book.model import Status
from beancount_orders.book.model import axis

# The kinds of payable document, as the reports call them.
BILL = "bill"
LANDED_COST = "landed cost"
STOCK_IN = "stock-in"


@dataclasses.dataclass(slots=True)
class Supplier:
    """A supplier (``custom "supplier" ID NAME``)."""

    id: str
    name: str
    account: str  # the payable account component
    meta: data.Meta
    terms: int | None = None
    payable: str = ""  # its payable account
    orders: list[str] = dataclasses.field(default_factory=list)
    listed: set[str] = dataclasses.field(default_factory=set)  # the ids in ``orders``

    def add_order(self, po_id: str) -> None:
        """List a purchase order of its own, or one it billed a landed cost of
        (once)."""
        if po_id not in self.listed:
            self.listed.add(po_id)
            self.orders.append(po_id)


@dataclasses.dataclass(slots=True)
class POLine:
    """A ``po-line``: QTY of ITEM ordered at unit COST (net of input tax)."""

    number: int  # its place on the purchase order, from 1
    item: str
    qty: Decimal
    cost: Decimal
    currency: str
    tax: Decimal
    meta: data.Meta
    received: Decimal = ZERO
    billed: Decimal = ZERO
    billed_net: Decimal = ZERO  # at the bills' prices
    # What its receipts credited to GRNI, and what its bills took out of it.
    grni_in: Decimal = ZERO
    grni_out: Decimal = ZERO

    @property
    def grni(self) -> Decimal:
        """What GRNI holds for it: its receipts' PO cost not yet billed."""
        return self.grni_in - self.grni_out

    @property
    def to_receive(self) -> Decimal:
        return self.qty - self.received

    @property
    def to_bill(self) -> Decimal:
        """Received and not yet billed (three-way matching)."""
        return self.received - self.billed


@dataclasses.dataclass(slots=True)
class ReceiptLine:
    """Units of one PO line received into one lot."""

    line: int  # the PO line's number
    item: str
    qty: Decimal
    cost: Cost
    account: str
    value: Decimal  # what it credited to GRNI (its PO cost, rounded)


@dataclasses.dataclass(slots=True)
class PurchaseReceipt:
    """A ``receipt``: goods in against a purchase order."""

    id: str
    po: str
    date: datetime.date
    location: str
    lines: list[ReceiptLine]
    meta: data.Meta
    voided: datetime.date | None = None


@dataclasses.dataclass(slots=True)
class BillAllocation:
    """A bill payment (or part of one) matched to a payable document."""

    source: str  # the bill payment's id
    bill: str
    date: datetime.date
    amount: Decimal


@dataclasses.dataclass(slots=True)
class Payable:
    """A document that the supplier's payable account holds: a bill, a landed
    cost, or a stock-in (goods and their bill at once)."""

    id: str
    kind: str  # BILL, LANDED_COST or STOCK_IN
    supplier: str
    po: str | None
    date: datetime.date
    due: datetime.date
    currency: str
    net: Decimal
    tax: Decimal
    meta: data.Meta
    allocations: list[BillAllocation] = dataclasses.field(default_factory=list)
    allocated: Decimal = ZERO
    voided: datetime.date | None = None
    # What it sent to COGS by item: price differences and landed costs on goods
    # already gone, and a bill's cents of rounding (the margin report's).
    cogs: dict[str, Decimal] = dataclasses.field(default_factory=dict)
    # Its net and input tax at each rate, as its postings have them (a bill's or
    # landed cost's; none for a stock-in).
    by_rate: dict[Decimal, tuple[Decimal, Decimal]] = dataclasses.field(
        default_factory=dict
    )
    # A stock-in written several times (each its date and amount).
    parts: list[tuple[datetime.date, Decimal]] = dataclasses.field(default_factory=list)

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax

    @property
    def open_amount(self) -> Decimal:
        """What is still owed on it (nothing once it is voided)."""
        if self.voided is not None:
            return ZERO
        return self.gross - self.allocated

    def match(self, allocation: BillAllocation) -> None:
        self.allocations.append(allocation)
        self.allocated += allocation.amount

    def open_on(self, as_of: datetime.date) -> Decimal:
        """What was still owed on it on ``as_of`` (payments matched by then)."""
        if self.date > as_of or (self.voided is not None and self.voided <= as_of):
            return ZERO
        paid = sum((a.amount for a in self.allocations if a.date <= as_of), ZERO)
        if self.parts:
            return (
                sum((amount for date, amount in self.parts if date <= as_of), ZERO) - paid
            )
        return self.gross - paid


@dataclasses.dataclass(slots=True)
class BillLine:
    """Units of one PO line billed at PRICE."""

    line: int
    item: str
    qty: Decimal
    price: Decimal
    net: Decimal  # qty x price, rounded
    at_cost: Decimal  # qty x the PO cost, rounded: what leaves GRNI


@dataclasses.dataclass(slots=True)
class Bill(Payable):
    """A supplier's ``bill`` for a purchase order."""

    lines: list[BillLine] = dataclasses.field(default_factory=list)
    ref: str | None = None  # the supplier's own invoice number


@dataclasses.dataclass(slots=True)
class LandedCost(Payable):
    """A ``landed-cost``: freight, duty and the like for a purchase order, split
    over its received units (``shares``: item -> (on hand, to COGS))."""

    basis: str = "value"
    shares: dict[str, tuple[Decimal, Decimal]] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(slots=True)
class BillPayment:
    """A ``bill-payment``: money paid to a supplier, for a bill or on account."""

    id: str
    supplier: str
    ref: str  # the bill, or the supplier (on account)
    date: datetime.date
    amount: Decimal
    currency: str
    account: str
    method: str
    meta: data.Meta
    allocations: list[BillAllocation] = dataclasses.field(default_factory=list)
    allocated: Decimal = ZERO
    voided: datetime.date | None = None

    @property
    def unallocated(self) -> Decimal:
        if self.voided is not None:
            return ZERO
        return self.amount - self.allocated

    def match(self, allocation: BillAllocation) -> None:
        self.allocations.append(allocation)
        self.allocated += allocation.amount

    def unallocated_on(self, as_of: datetime.date) -> Decimal:
        """Its money not matched to a bill on ``as_of``."""
        if self.date > as_of or (self.voided is not None and self.voided <= as_of):
            return ZERO
        matched = sum((a.amount for a in self.allocations if a.date <= as_of), ZERO)
        return self.amount - matched


@dataclasses.dataclass(slots=True)
class PurchaseOrder:
    """A ``purchase-order``, its lines, and what was received, billed and paid."""

    id: str
    supplier: str
    date: datetime.date
    meta: data.Meta
    location: str | None = None
    expected: datetime.date | None = None
    lines: list[POLine] = dataclasses.field(default_factory=list)
    receipts: list[str] = dataclasses.field(default_factory=list)
    bills: list[str] = dataclasses.field(default_factory=list)  # and landed costs
    currency: str | None = None  # its lines' currency
    tax: Decimal | None = None  # the input tax rate of its lines that state none

    @property
    def links(self) -> tuple[str, ...]:
        return (self.id,)

    def lines_of(self, item: str) -> list[POLine]:
        return [line for line in self.lines if line.item == item]

    @property
    def ordered(self) -> Decimal:
        return sum((line.qty for line in self.lines), ZERO)

    @property
    def received(self) -> Decimal:
        return sum((line.received for line in self.lines), ZERO)

    @property
    def billed(self) -> Decimal:
        return sum((line.billed for line in self.lines), ZERO)

    @property
    def value(self) -> Decimal:
        """The ordered value at PO cost (exact)."""
        return sum((line.qty * line.cost for line in self.lines), ZERO)


@dataclasses.dataclass(frozen=True, slots=True)
class POStatus:
    """A purchase order's status axes (Pakk): received, billed and paid."""

    received: Status
    billed: Status
    paid: Status

    @property
    def open(self) -> bool:
        return not (
            self.received is Status.FULL
            and self.billed is Status.FULL
            and self.paid is Status.FULL
        )


@dataclasses.dataclass
class Purchasing:
    """Everything the engine knows of purchasing."""

    suppliers: dict[str, Supplier] = dataclasses.field(default_factory=dict)
    orders: dict[str, PurchaseOrder] = dataclasses.field(default_factory=dict)
    receipts: dict[str, PurchaseReceipt] = dataclasses.field(default_factory=dict)
    # Bills, landed costs and stock-ins: what the payable accounts hold.
    payables: dict[str, Payable] = dataclasses.field(default_factory=dict)
    payments: dict[str, BillPayment] = dataclasses.field(default_factory=dict)
    # Supplier account component -> supplier id (one account, one supplier).
    accounts: dict[str, str] = dataclasses.field(default_factory=dict)
    # Lots made by receipts: (item, date, label) -> the receipt id.
    lots: dict[tuple[str, datetime.date, str], str] = dataclasses.field(
        default_factory=dict
    )

    def bills_of(self, po: PurchaseOrder) -> list[Payable]:
        return [self.payables[bill] for bill in po.bills]

    def status(self, po: PurchaseOrder) -> POStatus:
        """Received and billed count units against those ordered; paid counts
        what its bills' settlements paid against what they bill."""
        bills = [bill for bill in self.bills_of(po) if bill.voided is None]
        gross = sum((bill.gross for bill in bills), ZERO)
        paid = sum((bill.allocated for bill in bills), ZERO)
        billed = axis(po.billed, po.ordered)
        paid_axis = axis(paid, gross) if gross > 0 else Status.NONE
        if paid_axis is Status.FULL and billed is not Status.FULL:
            paid_axis = Status.PARTIAL  # all billed so far is paid, not the whole PO
        return POStatus(axis(po.received, po.ordered), billed, paid_axis)
