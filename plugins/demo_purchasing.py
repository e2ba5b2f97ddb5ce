"""The demo's purchasing: how the simulated wholesaler buys its stock.

Most stock comes through purchase orders (SPEC, Revision 2, "Purchasing"): a
``purchase-order`` placed with a declared ``supplier`` a few days ahead, its
``po-line``s (some with input ``tax: 0.20``), goods received against it (now and
then in two ``receipt``s, the second one for everything still due), a ``bill``
after each receipt (mostly at the PO's cost without lines; now and then at a
higher or lower price, once part of the goods were dispatched, which re-values
them), ``landed-cost``s (freight by value or ``basis: "qty"``, some billed by a
carrier), and ``bill-payment``s (mostly of one bill, with an ``id``; some on
account to the supplier, matched to the bill later with ``allocate``). Some
stock still comes in by plain ``stock-in``, to show both ways.

The simulation keeps what each PO line ordered, received and billed, and each
bill's money as the engine computes it (each line's value rounded half-up,
input tax per rate on the net billed at it), so it never receives more than
ordered, bills more than received, or pays more than a bill's open amount. It
draws from a random generator of its own, so the sales side of the books is the
same whichever way the stock came in.
"""

from __future__ import annotations

import dataclasses
import datetime
import random
from collections.abc import Callable
from decimal import ROUND_CEILING
from decimal import Decimal
from typing import TYPE_CHECKING

from beancount_orders.book import rules

if TYPE_CHECKING:
    from beancount_orders.demo import Demo

CENT = Decimal("0.01")
ZERO = Decimal(0)
INPUT_TAX = Decimal("0.20")
BANK = "Assets:Bank:Current"
# id, name, terms (days)
SUPPLIERS = (
    ("northern-metals", "Northern Metals Ltd", 30),
    ("acme-supply", "Acme Supply Co", 45),
    ("castings-co", "Castings Company", 60),
)
CARRIER = ("swift-freight", "Swift Freight", 14)  # bills landed costs of others' POs


def _money(value: Decimal) -> str:
    return f"{value.quantize(CENT)} GBP"


@dataclasses.dataclass
class _POLine:
    item: str
    qty: int
    cost: Decimal
    tax: Decimal
    received: int = 0
    billed: int = 0


@dataclasses.dataclass
class _PO:
    id: str
    supplier: str
    location: str
    lines: list[_POLine]
    received_on: datetime.date | None = None  # its latest receipt's date


@dataclasses.dataclass
class _Payable:
    """A bill, landed cost or stock-in, and what is still owed on it."""

    id: str
    supplier: str
    open: Decimal


class Buying:
    """The purchasing side of :class:`~beancount_orders.demo.Demo`."""

    def __init__(self, demo: Demo, seed: int, start: datetime.date) -> None:
        self.demo = demo
        self.start = start
        self.rng = random.Random(f"purchasing-{seed}")
        self.count = 0

    def next_id(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}-{self.count:06d}"

    def header(self) -> list[str]:
        out = []
        for supplier, name, terms in (*SUPPLIERS, CARRIER):
            out += [f'{self.start} custom "supplier" "{supplier}" "{name}"']
            out.append(f"  terms: {terms}")
        out.append("")
        return out

    # -- goods in -----------------------------------------------------------------

    def restock(
        self,
        date: datetime.date,
        item: str,
        location: str,
        qty: int,
        needed: int,
        supplier: str,
    ) -> list[str]:
        """``qty`` of ``item`` bought for ``location``, of which at least
        ``needed`` is in stock today: by a purchase order, or a stock-in."""
        if self.rng.random() < 0.2:
            return self.stock_in(date, item, location, qty, supplier)
        lines = [_POLine(item, qty, self.demo.cost[item], self.tax())]
        if self.rng.random() < 0.35:  # and another item running low there
            other = self.rng.choice(self.demo.items)[0]
            if other != item and self.demo.stock.get((other, location), 0) < 20:
                lines.append(
                    _POLine(
                        other, self.rng.randint(20, 80), self.demo.cost[other], self.tax()
                    )
                )
        po = _PO(self.next_id("PO"), supplier, location, lines)
        placed = max(self.start, date - datetime.timedelta(days=self.rng.randint(2, 8)))
        out = [f'{placed} custom "purchase-order" "{po.id}" "{supplier}"']
        if location != "Main":
            out.append(f'  location: "{location}"')
        out.append(f"  expected: {date}")
        for line in lines:
            out.append(
                f'{placed} custom "po-line" "{po.id}" "{line.item}" {line.qty} '
                f"{_money(line.cost)}"
            )
            if line.tax:
                out.append(f"  tax: {line.tax}")
        if self.rng.random() < 0.25:  # part now, the rest in a second receipt
            first = self.rng.randint(needed, qty - 1)
            out += self.receipt(date, po, {item: first})
            self.demo.within(2, 12, "receipt", lambda d: self.receipt(d, po, None))
        else:
            out += self.receipt(date, po, None)
        # A landed cost a day or more later is written before the dispatches of
        # its day, which the engine applies after it (and so do the benchmark's
        # books written out, whose transactions of a day keep the text's order).
        if self.rng.random() < 0.25:
            self.demo.within(1, 8, "landed-cost", lambda d: self.landed_cost(d, po))
        return out

    def tax(self) -> Decimal:
        return INPUT_TAX if self.rng.random() < 0.6 else ZERO

    def receipt(
        self, date: datetime.date, po: _PO, part: dict[str, int] | None
    ) -> list[str]:
        """Goods in against the PO: the units named, or everything still due."""
        receipt_id = self.next_id("GRN")
        po.received_on = date
        head = f'{date} custom "receipt" "{po.id}" "{receipt_id}"'
        for line in po.lines:
            qty = line.qty - line.received if part is None else part.get(line.item, 0)
            if qty <= 0:
                continue
            line.received += qty
            key = (line.item, po.location)
            self.demo.stock[key] = self.demo.stock.get(key, 0) + qty
            if part is not None:
                head += f' "{line.item}" {qty}'
        self.demo.within(3, 25, "bill", lambda d: self.bill(d, po))
        return [head]

    def stock_in(
        self, date: datetime.date, item: str, location: str, qty: int, supplier: str
    ) -> list[str]:
        """Goods and their bill at once, without a purchase order."""
        doc = self.next_id("SI")
        cost = self.demo.cost[item]
        key = (item, location)
        self.demo.stock[key] = self.demo.stock.get(key, 0) + qty
        out = [
            f'{date} custom "stock-in" "{doc}" "{item}" {qty} {_money(cost)}',
            f'  supplier: "{supplier}"',
        ]
        if location != "Main":
            out.append(f'  location: "{location}"')
        amount = rules.line_value(Decimal(qty), cost, CENT)
        if self.rng.random() < 0.95:  # a few are still owed
            self.settle(_Payable(doc, supplier, amount), by_bill=True)
        return out

    # -- bills --------------------------------------------------------------------

    def bill(self, date: datetime.date, po: _PO) -> list[str]:
        """Everything received and not yet billed: at the PO's cost (no lines),
        or now and then with one item at another price."""
        if po.received_on == date:
            return self.postpone(po, "bill", self.bill)
        due = [(line, line.received - line.billed) for line in po.lines]
        due = [(line, qty) for line, qty in due if qty > 0]
        if not due:
            return []  # an earlier bill took it all
        bill_id = self.next_id("BILL")
        head = f'{date} custom "bill" "{po.id}" "{bill_id}"'
        prices = {line.item: line.cost for line, _ in due}
        if self.rng.random() < 0.15:
            line = self.rng.choice(due)[0]
            factor = Decimal(self.rng.choice((90, 94, 97, 103, 106, 112))) / 100
            prices[line.item] = (line.cost * factor).quantize(CENT)
            for each, qty in due:
                head += f' "{each.item}" {qty} {_money(prices[each.item])}'
        by_rate: dict[Decimal, Decimal] = {}
        for line, qty in due:
            line.billed += qty
            net = rules.line_value(Decimal(qty), prices[line.item], CENT)
            by_rate[line.tax] = by_rate.get(line.tax, ZERO) + net
        gross = sum(
            (net + rules.round_money(net * rate, CENT) for rate, net in by_rate.items()),
            ZERO,
        )
        out = [head]
        if self.rng.random() < 0.5:
            ref = f"{po.supplier[:3].upper()}-{self.rng.randint(1000, 99999)}"
            out.append(f'  ref: "{ref}"')
        self.settle(_Payable(bill_id, po.supplier, gross))
        return out

    def postpone(
        self, po: _PO, directive: str, action: Callable[[datetime.date, _PO], list[str]]
    ) -> list[str]:
        """Move a bill or landed cost to the next day when the PO received goods
        today: its re-lot would put today's lot after today's other lots of the
        item (in the order the booking method takes them), behind lots that
        dispatches written before them do not expect to take."""
        self.demo.later(1, directive, lambda d: action(d, po))
        return []

    def landed_cost(self, date: datetime.date, po: _PO) -> list[str]:
        """Freight or duty for the PO: by value or by units, from its supplier or
        a carrier, now and then with input tax."""
        if po.received_on == date:
            return self.postpone(po, "landed-cost", self.landed_cost)
        bill_id = self.next_id("LC")
        amount = Decimal(self.rng.randint(1500, 18000)) / 100
        out = [f'{date} custom "landed-cost" "{po.id}" "{bill_id}" {_money(amount)}']
        supplier = po.supplier
        if self.rng.random() < 0.4:
            supplier = CARRIER[0]
            out.append(f'  supplier: "{supplier}"')
        if self.rng.random() < 0.3:
            out.append('  basis: "qty"')
        gross = amount
        if self.rng.random() < 0.4:
            out.append(f"  tax: {INPUT_TAX}")
            gross += rules.round_money(amount * INPUT_TAX, CENT)
        self.settle(_Payable(bill_id, supplier, gross))
        return out

    # -- paying suppliers ---------------------------------------------------------

    def settle(self, payable: _Payable, by_bill: bool = False) -> None:
        """Schedule how a payable is paid: by bill (sometimes in two parts), on
        account and matched to it later, or (now and then) not at all."""
        roll = self.rng.random()
        if by_bill or roll < 0.7:
            if self.rng.random() < 0.1:  # half now, the rest later
                half = rules.round_money(payable.open / 2, CENT)
                self.demo.within(10, 30, "bill-payment", self.pay(payable, half))
                self.demo.within(31, 60, "bill-payment", self.pay(payable, None))
            else:
                self.demo.within(10, 45, "bill-payment", self.pay(payable, None))
        elif roll < 0.95:
            self.demo.within(10, 45, "bill-payment", lambda d: self.on_account(d, payable))

    def pay(
        self, payable: _Payable, amount: Decimal | None
    ) -> Callable[[datetime.date], list[str]]:
        def action(date: datetime.date) -> list[str]:
            paid = payable.open if amount is None else min(amount, payable.open)
            if paid <= 0:
                return []
            payable.open -= paid
            return [
                f'{date} custom "bill-payment" "{payable.id}" {_money(paid)} {BANK}',
                f'  id: "{self.next_id("BP")}"',
            ]

        return action

    def on_account(self, date: datetime.date, payable: _Payable) -> list[str]:
        """A round sum paid to the supplier, matched to the bill a few days later
        (what is left of it stays on account)."""
        payment_id = self.next_id("BP")
        amount = (payable.open / 10).to_integral_value(rounding=ROUND_CEILING) * 10

        def allocate(day: datetime.date) -> list[str]:
            share = payable.open
            payable.open = ZERO
            return [
                f'{day} custom "allocate" "{payment_id}" "{payable.id}" {_money(share)}'
            ]

        self.demo.within(0, 10, "allocate", allocate)
        return [
            f'{date} custom "bill-payment" "{payable.supplier}" {_money(amount)} {BANK}',
            f'  id: "{payment_id}"',
        ]
