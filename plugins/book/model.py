"""The engine's data: customers, orders, invoices and payments as typed objects.

These objects are built up by the engine in one pass and then read, never
changed, by the reports, the CLI and Fava. Money is ``Decimal``; dates are
``datetime.date``.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
from collections import defaultdict
from collections.abc import Mapping
from decimal import ROUND_HALF_UP
from decimal import Decimal
from types import MappingProxyType
from typing import NamedTuple

from beancount.core import data
from beancount.core.amount import Amount
from beancount.core.position import Cost

from beancount_orders.book import rules
from beancount_orders.book.rules import SettlementKind

ZERO = Decimal(0)
NOTHING_RETURNED: Mapping[int, Decimal] = MappingProxyType({})


class Lot(NamedTuple):
    """Units of one inventory lot: its full cost (number, currency, date, label)."""

    cost: Cost
    units: Decimal


class PlacedLot(NamedTuple):
    """Units of a lot in a given inventory account (where goods were restocked)."""

    account: str
    cost: Cost
    units: Decimal


class DiscountTerms(NamedTuple):
    """Early-payment discount terms (``discount: "2/10"``): ``percent`` off when
    paid within ``days`` of the invoice date (see ``book/discounts.py``)."""

    percent: Decimal
    days: int
    text: str  # as written back in narrations and reports: "2/10"


class Status(enum.StrEnum):
    """One status axis of an order (Pakk): nothing, some, or all of it."""

    NONE = "none"
    PARTIAL = "partial"
    FULL = "full"


def axis(done: Decimal, total: Decimal) -> Status:
    """The status of ``done`` out of ``total``."""
    if done <= 0 or total <= 0:
        return Status.NONE
    if done >= total:
        return Status.FULL
    return Status.PARTIAL


def still_open(
    cancelled: bool,
    invoiced: Status,
    dispatched: Status,
    outstanding: Decimal,
    ships: bool = True,
) -> bool:
    """Whether an order has something left to invoice, dispatch or collect.

    ``ships`` is False for an order of non-stock items only (nothing to dispatch).
    """
    if cancelled:
        return outstanding != 0
    return (
        invoiced is not Status.FULL
        or (ships and dispatched is not Status.FULL)
        or outstanding != 0
    )


@dataclasses.dataclass(slots=True)
class Customer:
    """A customer (``custom "customer" ID NAME``)."""

    id: str
    name: str
    account: str  # the account component, e.g. "Acme-Ltd"
    meta: data.Meta
    terms: int | None = None
    credit_limit: Amount | None = None
    program: str | None = None
    discount_terms: DiscountTerms | None = None  # its ``discount`` metadata
    orders: list[str] = dataclasses.field(default_factory=list)
    # The receivable balance per currency, equal to the receivable account's balance.
    receivable: dict[str, Decimal] = dataclasses.field(
        default_factory=lambda: defaultdict(Decimal)
    )
    # What we owe the customer (customer credit) per currency, equal to the liability.
    credit: dict[str, Decimal] = dataclasses.field(
        default_factory=lambda: defaultdict(Decimal)
    )

    def balance(self, currency: str) -> Decimal:
        """What the customer owes us, net of the credit we owe them."""
        return self.receivable.get(currency, ZERO) - self.credit.get(currency, ZERO)


@dataclasses.dataclass(slots=True)
class OrderLine:
    """One ``line`` of an order, with its running quantities."""

    order: str
    number: int  # 1-based position in the order
    item: str
    qty: Decimal
    price: Decimal
    currency: str
    tax_rate: Decimal
    income: str
    description: str | None
    meta: data.Meta
    cancelled: Decimal = ZERO
    committed: Decimal = ZERO
    invoiced: Decimal = ZERO
    dispatched: Decimal = ZERO
    returned: Decimal = ZERO
    invoiced_net: Decimal = ZERO  # revenue: the net amount of its invoice lines
    credited_net: Decimal = ZERO  # the net amount of READY credit order lines on it
    cost: Decimal = ZERO  # cost of goods dispatched, less what came back into stock
    uncosted: Decimal = ZERO  # units dispatched that no lot covered
    commit_location: str | None = None  # where its stock is committed
    commit_batch: str | None = None
    stocked: bool = True  # False for services, shipping... (``stock: FALSE``)
    quantum: Decimal = Decimal("0.01")  # the currency's precision
    inclusive: bool = False  # the price includes tax
    # The tax of the whole line as the source system computed it (``tax-amount``),
    # the name(s) of its taxes (``jurisdiction``), and the tax invoiced so far.
    tax_amount: Decimal | None = None
    jurisdiction: str | None = None
    invoiced_tax: Decimal = ZERO
    # Units credited at their full invoice price by "credit" lines (not returns):
    # the money is taken back, so they no longer wait for dispatch.
    written_off: Decimal = ZERO

    def net_value(self, qty: Decimal) -> Decimal:
        """The net (of tax) money value of ``qty`` units, rounded as an invoice would."""
        value = rules.line_value(qty, self.price, self.quantum)
        if self.tax_amount is not None and qty == self.qty and not self.cancelled:
            return rules.stated_tax_split(value, self.tax_amount, self.inclusive)[0]
        return rules.split_tax(value, self.tax_rate, self.inclusive, self.quantum)[0]

    def invoice_split(self, qty: Decimal) -> tuple[Decimal, Decimal]:
        """The net and tax of invoicing ``qty`` more units of the line.

        The tax is ``qty``'s value times the rate, rounded; but on a line with a
        ``tax-amount``, the invoice that bills its last units (when none of it was
        cancelled) takes that amount less the tax already invoiced on the line, so
        that the line's invoices add up to it exactly.
        """
        value = rules.line_value(qty, self.price, self.quantum)
        if (
            self.tax_amount is not None
            and not self.cancelled
            and self.invoiced + qty == self.qty
        ):
            return rules.stated_tax_split(
                value, self.tax_amount - self.invoiced_tax, self.inclusive
            )
        return rules.split_tax(value, self.tax_rate, self.inclusive, self.quantum)

    @property
    def margin(self) -> Decimal:
        """Revenue (invoiced less credited) minus the cost of goods (net of returns)."""
        return self.invoiced_net - self.credited_net - self.cost

    @property
    def committed_open(self) -> Decimal:
        """Committed units still waiting for dispatch."""
        return max(ZERO, min(self.committed, self.open_qty) - self.dispatched)

    @property
    def undispatched(self) -> Decimal:
        return self.open_qty - self.dispatched

    @property
    def open_qty(self) -> Decimal:
        """Ordered minus cancelled."""
        return self.qty - self.cancelled

    @property
    def to_dispatch(self) -> Decimal:
        """The units the order still means to ship: ordered, less cancelled, less
        credited in full (dispatched or not)."""
        return max(ZERO, self.open_qty - self.written_off)

    @property
    def uninvoiced(self) -> Decimal:
        return self.open_qty - self.invoiced

    @property
    def cancellable(self) -> Decimal:
        """What is neither cancelled nor invoiced nor dispatched."""
        return self.open_qty - max(self.invoiced, self.dispatched)

    @property
    def uncommitted(self) -> Decimal:
        return self.open_qty - max(self.committed, self.dispatched)


@dataclasses.dataclass(frozen=True, slots=True)
class StockPosition:
    """Stock of one item at one location (and batch, where ``batch`` is set)."""

    item: str
    location: str
    account: str
    batch: str | None  # None: the item's total at the location
    on_hand: Decimal
    value: Decimal
    currency: str | None
    committed: Decimal

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.committed


@dataclasses.dataclass(slots=True)
class DispatchLine:
    """One order line's part of a dispatch, and the lots it took."""

    line: int
    item: str
    qty: Decimal
    location: str
    account: str
    lots: list[Lot]  # the lots it took (so far: see ``owed``)
    # Units that left when there was no stock to take them from: owed to stock,
    # and costed from the next receipt of the item at the location (SPEC, Short
    # dispatches). Units of them that came back are no longer owed.
    owed: Decimal = ZERO
    returned: Decimal = ZERO  # units of this dispatch line that came back
    # Units that came back, by the index of the lot in ``lots``.
    # (Rare, so it starts as a shared empty mapping that is replaced, never changed.)
    lot_returned: Mapping[int, Decimal] = dataclasses.field(
        default_factory=lambda: NOTHING_RETURNED
    )

    @property
    def cost(self) -> Decimal:
        return sum((lot.units * lot.cost.number for lot in self.lots), ZERO)

    @property
    def uncosted(self) -> bool:
        """Whether units of it are still owed to stock (not costed yet)."""
        return self.owed > 0


@dataclasses.dataclass(slots=True)
class Dispatch:
    """A ``dispatch``: goods out of stock for an order."""

    order: str
    customer: str
    date: datetime.date
    lines: list[DispatchLine]
    meta: data.Meta

    @property
    def cost(self) -> Decimal:
        return sum((line.cost for line in self.lines), ZERO)


@dataclasses.dataclass(slots=True)
class Return:
    """A ``return`` of goods from a customer."""

    id: str
    order: str
    customer: str
    date: datetime.date
    item: str
    qty: Decimal
    condition: str  # "resaleable" or "damaged"
    lots: list[PlacedLot]  # restocked
    meta: data.Meta

    @property
    def cost(self) -> Decimal:
        return sum((lot.units * lot.cost.number for lot in self.lots), ZERO)


@dataclasses.dataclass(slots=True)
class Receipt:
    """A ``stock-in``: goods received into a lot."""

    po: str
    supplier: str
    date: datetime.date
    item: str
    qty: Decimal
    cost: Cost
    location: str
    account: str
    meta: data.Meta


@dataclasses.dataclass(slots=True)
class Transfer:
    """A ``transfer`` of lots between locations."""

    date: datetime.date
    item: str
    qty: Decimal
    source: str
    target: str
    lots: list[Lot]
    meta: data.Meta


@dataclasses.dataclass(slots=True)
class InvoiceLine:
    """The part of an order line that one invoice bills."""

    line: int  # the order line's number
    item: str
    qty: Decimal
    price: Decimal
    tax_rate: Decimal
    net: Decimal
    tax: Decimal
    income: str
    credited: Decimal = ZERO  # units credited by READY credit orders
    credited_net: Decimal = ZERO  # their net and tax (a line's last credit takes
    credited_tax: Decimal = ZERO  # exactly what is left of both: SPEC, Remainders)
    credited_below: bool = False  # some of it was credited below its price
    jurisdiction: str | None = None  # the name(s) of its taxes, from its order line

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax


@dataclasses.dataclass(slots=True)
class Allocation:
    """Money (a payment, later a credit or memo) matched to an invoice."""

    source: str  # the payment's or document's id
    invoice: str
    date: datetime.date
    amount: Decimal


@dataclasses.dataclass(slots=True)
class Invoice:
    """An ``invoice``: what it billed and what has been matched to it."""

    id: str
    order: str
    customer: str
    date: datetime.date
    due: datetime.date
    currency: str
    lines: list[InvoiceLine]
    meta: data.Meta
    allocations: list[Allocation] = dataclasses.field(default_factory=list)
    # Loyalty: the program it earned in, points earned and clawed back, and the
    # redemptions (points and their money value) that reduced its earning basis.
    program: str | None = None
    points_earned: Decimal = ZERO
    points_clawed: Decimal = ZERO
    redeemed_points: Decimal = ZERO
    redeemed_value: Decimal = ZERO
    points_given_back: Decimal = ZERO
    value_given_back: Decimal = ZERO
    # Early-payment discount terms (the order's, else the customer's), and the
    # discount that settled it, if one did.
    discount_terms: DiscountTerms | None = None
    discount_taken: Decimal = ZERO
    voided: datetime.date | None = None  # the date of its ``void``, if any
    # Totals of its lines (which never change once billed).
    net: Decimal = dataclasses.field(init=False)
    tax: Decimal = dataclasses.field(init=False)
    gross: Decimal = dataclasses.field(init=False)
    allocated: Decimal = dataclasses.field(init=False, default=ZERO)
    # The links of its generated transactions: its order and itself (one set
    # shared by them all).
    links: frozenset[str] = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        self.links = frozenset((self.order, self.id))
        net = tax = ZERO
        for line in self.lines:
            net += line.net
            tax += line.tax
        self.net, self.tax, self.gross = net, tax, net + tax

    def match(self, allocation: Allocation) -> None:
        """Record money matched to it."""
        self.allocations.append(allocation)
        self.allocated += allocation.amount

    @property
    def open_amount(self) -> Decimal:
        """What is still owed on this invoice (nothing once it is voided)."""
        if self.voided is not None:
            return ZERO
        return self.gross - self.allocated


@dataclasses.dataclass(kw_only=True, slots=True)
class Settlement:
    """Anything that reduces a customer's receivable.

    A payment, a credit order, a credit memo or a loyalty redemption. Each is
    matched (allocated) to invoices; what is not allocated is aged by its own
    date.
    """

    id: str
    kind: SettlementKind
    customer: str
    order: str | None
    invoice: str | None
    date: datetime.date
    amount: Decimal
    currency: str
    meta: data.Meta
    allocations: list[Allocation] = dataclasses.field(default_factory=list)
    voided: datetime.date | None = None  # the date of its ``void``, if any

    allocated: Decimal = dataclasses.field(init=False, default=ZERO)
    # Unallocated money of it paid back by a refund from the receivable (on the
    # refund itself: the part of it matched so, negative).
    refunded: Decimal = dataclasses.field(init=False, default=ZERO)

    def match(self, allocation: Allocation) -> None:
        """Record part of it matched to an invoice."""
        self.allocations.append(allocation)
        self.allocated += allocation.amount

    @property
    def unallocated(self) -> Decimal:
        if self.voided is not None:  # a voided payment no longer pays
            return ZERO
        return self.amount - self.allocated - self.refunded


@dataclasses.dataclass(kw_only=True, slots=True)
class Payment(Settlement):
    """A ``payment`` against an order, an invoice or a customer's account."""

    kind: SettlementKind = SettlementKind.PAYMENT
    ref: str
    ref_kind: str  # "order", "invoice" or "customer"
    account: str
    method: str  # the method name, "credit", or the account written


@dataclasses.dataclass(slots=True)
class PendingRedemption:
    """What is left of a redemption to set against an invoice's earning basis."""

    points: Decimal
    value: Decimal
    settlement: str  # the redemption's settlement id

    def split(self, value: Decimal) -> Decimal:
        """Take ``value`` of it; return the whole points that go with that value."""
        if value >= self.value:
            points = self.points
        else:
            points = min(
                self.points,
                (self.points * value / self.value).quantize(Decimal(1), ROUND_HALF_UP),
            )
        self.points -= points
        self.value -= value
        return points


@dataclasses.dataclass(slots=True)
class Order:
    """An order with its lines, documents and running totals."""

    id: str
    customer: str
    date: datetime.date
    meta: data.Meta
    po: str | None = None
    rep: str | None = None
    source: str | None = None
    terms: int | None = None
    location: str | None = None
    program: str | None = None  # loyalty program symbol, if not the customer's
    services: bool = False  # it has lines of non-stock items
    currency: str | None = None
    lines: list[OrderLine] = dataclasses.field(default_factory=list)
    invoices: list[str] = dataclasses.field(default_factory=list)
    payments: list[str] = dataclasses.field(default_factory=list)
    dispatches: list[Dispatch] = dataclasses.field(default_factory=list)
    # The rarer documents of an order are tuples (most orders have none of them).
    returns: tuple[str, ...] = ()
    invoiced: Decimal = ZERO  # gross total of its invoices
    paid: Decimal = ZERO  # payments made against the order or its invoices
    credited: Decimal = ZERO  # credit orders, memos and redemptions on the order
    pending: tuple[str, ...] = ()  # settlements paid ahead
    settlements: tuple[str, ...] = ()  # every settlement made on it, in order
    credit_orders: tuple[str, ...] = ()
    # Redemptions not yet set against an invoice's earning basis.
    redemptions_unapplied: tuple[PendingRedemption, ...] = ()
    # The money of the points redeemed on it, less what was given back.
    discount: Decimal = ZERO
    discount_terms: DiscountTerms | None = None  # early payment (``discount``)
    # The links of its generated transactions that name only the order (one
    # set shared by them all).
    links: frozenset[str] = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        self.links = frozenset((self.id,))

    @property
    def outstanding(self) -> Decimal:
        """Invoiced minus payments minus credits (negative when paid ahead)."""
        return self.invoiced - self.paid - self.credited

    @property
    def cost(self) -> Decimal:
        """Cost of the goods dispatched, less what came back into stock."""
        return sum((line.cost for line in self.lines), ZERO)

    @property
    def total(self) -> Decimal:
        """Net value of the ordered quantities still open (ordered minus cancelled)."""
        return sum((line.net_value(line.open_qty) for line in self.lines), ZERO)

    def _axis(self, attribute: str, stocked_only: bool = False) -> Status:
        lines = (
            [line for line in self.lines if line.stocked] if stocked_only else self.lines
        )
        done = sum((min(getattr(line, attribute), line.open_qty) for line in lines), ZERO)
        return axis(done, sum((line.open_qty for line in lines), ZERO))

    @property
    def ships(self) -> bool:
        """Whether it has stock items to dispatch: not only services, and not
        only goods credited in full before any of them left."""
        return any(
            line.stocked and (line.to_dispatch > 0 or line.dispatched > 0)
            for line in self.lines
        )

    @property
    def committed_status(self) -> Status:
        """Over its stock items: only stock is committed."""
        return self._axis("committed", stocked_only=True)

    @property
    def invoiced_status(self) -> Status:
        return self._axis("invoiced")

    @property
    def dispatched_status(self) -> Status:
        """Over its stock items (services and other non-stock lines never ship)
        and the units it still means to ship (:attr:`OrderLine.to_dispatch`)."""
        lines = [line for line in self.lines if line.stocked]
        wanted = sum((line.to_dispatch for line in lines), ZERO)
        if wanted <= 0:
            return Status.FULL if any(line.dispatched for line in lines) else Status.NONE
        done = sum((min(line.dispatched, line.to_dispatch) for line in lines), ZERO)
        return axis(done, wanted)

    @property
    def paid_status(self) -> Status:
        """Paid relates to the invoiced amount; money ahead of any invoice is partial."""
        settled = self.paid + self.credited
        if settled <= 0:
            return Status.NONE
        if self.invoiced > 0 and settled >= self.invoiced:
            return Status.FULL
        return Status.PARTIAL

    @property
    def cancelled(self) -> bool:
        """Every line fully cancelled."""
        return bool(self.lines) and all(line.open_qty == 0 for line in self.lines)

    @property
    def is_open(self) -> bool:
        """Something still to invoice, dispatch or collect."""
        return still_open(
            self.cancelled,
            self.invoiced_status,
            self.dispatched_status,
            self.outstanding,
            self.ships,
        )


@dataclasses.dataclass(frozen=True, slots=True)
class Shortfall:
    """Units of a dispatch line owed to stock, waiting for the next receipt."""

    order: Order
    dispatch: Dispatch
    sent: DispatchLine
    line: OrderLine
