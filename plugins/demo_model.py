"""The demo's sales documents and their money, as the engine keeps them
(:mod:`beancount_orders.demo`): order lines, invoices and orders, and the
:class:`Outcome` the simulation means its books to show."""

from __future__ import annotations

import dataclasses
from collections import Counter
from decimal import Decimal

ZERO = Decimal(0)


@dataclasses.dataclass
class Line:
    item: str
    qty: int
    price: Decimal
    rate: Decimal
    invoiced: int = 0
    dispatched: int = 0
    returned: int = 0
    credited: int = 0
    net: Decimal = ZERO  # as invoiced (the whole line is always invoiced at once)
    tax: Decimal = ZERO
    credited_net: Decimal = ZERO  # what READY credit orders took of them
    credited_tax: Decimal = ZERO


@dataclasses.dataclass
class Invoice:
    id: str
    lines: list[Line]
    gross: Decimal
    open: Decimal
    # What the simulation means for it: "unpaid" (never paid), "awaiting payment"
    # (a payment is scheduled, perhaps after the books end), "part-paid", "paid".
    plan: str


@dataclasses.dataclass
class Order:
    """An order and its money, as the engine keeps them (SPEC: outstanding and
    allocation)."""

    id: str
    customer: str
    lines: list[Line]
    location: str
    invoices: list[Invoice] = dataclasses.field(default_factory=list)
    invoiced: Decimal = ZERO
    paid: Decimal = ZERO
    credited: Decimal = ZERO
    ahead: Decimal = ZERO  # money and credits waiting for the order's next invoice
    redeemed: bool = False
    overpaid: str = ""  # why the simulation leaves it overpaid, if it does

    @property
    def outstanding(self) -> Decimal:
        return self.invoiced - self.paid - self.credited

    def settle(self, amount: Decimal, money: bool, invoice: Invoice | None = None) -> None:
        """Money (or a credit) on the order: matched to the invoice named, else to
        the order's invoices oldest first, the rest waiting for its next invoice."""
        if money:
            self.paid += amount
        else:
            self.credited += amount
        left = amount
        for each in [invoice] if invoice else self.invoices:
            take = min(left, each.open)
            each.open -= take
            left -= take
        if invoice is None:
            self.ahead += left

    def bill(self, invoice: Invoice) -> None:
        """A new invoice, which takes the money waiting for it."""
        self.invoices.append(invoice)
        self.invoiced += invoice.gross
        take = min(self.ahead, invoice.gross)
        invoice.open -= take
        self.ahead -= take

    def refund(self, amount: Decimal) -> None:
        """Overpaid money paid back (``from: "receivable"`` naming the order)."""
        self.paid -= amount
        self.ahead -= min(self.ahead, amount)


@dataclasses.dataclass(frozen=True)
class Outcome:
    """How the simulation leaves the books: the money of its orders and invoices
    as the engine must find it, and why each is left so."""

    overpaid: dict[str, Decimal]  # order -> by how much it is overpaid
    owing: dict[str, Decimal]  # order -> what is still owed on it
    open_invoices: dict[str, Decimal]  # invoice -> its open amount
    why: dict[str, str]  # each overpaid order and open invoice -> why
    cancelled: frozenset[str]

    def counts(self) -> Counter[str]:
        """How many orders and invoices are left so, by why (and cancelled orders)."""
        counts = Counter(self.why.values())
        counts["cancelled"] = len(self.cancelled)
        return counts
