"""Generate realistic order books: ``bean-orders demo``.

A day-by-day simulation of a small wholesaler: customers and items, stock
bought in batches at changing costs (through purchase orders, receipts, bills,
landed costs and bill payments, or plain stock-ins:
:mod:`beancount_orders.demo_purchasing`), orders in every state (open,
committed, part and fully invoiced and dispatched, paid, overpaid,
cancelled), payments by several methods, transfers to a shop location,
returns (resaleable and damaged), credit orders, credit memos, customer
credits and loyalty points. The simulation keeps its own stock, quantities
and points so that the books load with zero errors. The same seed always
gives the same text.

It also keeps the money of every order and invoice as the engine does: line
values and tax rounded half-up per line (``rules.line_value`` and
``rules.split_tax``), money matched to invoices as the engine allocates it,
and within a day the engine's order of directives. So a payment in full pays
exactly what is open, a payment ahead is the order's gross, and an order ends
overpaid, or an invoice open, only where the simulation means it to:
:meth:`Demo.outcome` says which, and why (:mod:`beancount_orders.demo_model`).
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from collections.abc import Iterator
from decimal import Decimal

from beancount_orders.book import rules
from beancount_orders.book.registry import PHASES
from beancount_orders.demo_model import Invoice
from beancount_orders.demo_model import Line
from beancount_orders.demo_model import Order
from beancount_orders.demo_model import Outcome
from beancount_orders.demo_purchasing import SUPPLIERS
from beancount_orders.demo_purchasing import Buying

START = datetime.date(2023, 1, 2)
CENT = Decimal("0.01")
ZERO = Decimal(0)
POINT_VALUE = Decimal("0.01")  # GBP per loyalty point
MEMO = Decimal("5.00")  # the most a goodwill credit memo knocks off an invoice
# fmt: off
ITEM_NAMES = [
    "Widget", "Gadget", "Sprocket", "Flange", "Gasket", "Bracket", "Hinge", "Valve",
    "Spindle", "Bearing", "Coupling", "Nozzle", "Pulley", "Rivet", "Washer", "Clamp",
    "Bushing", "Lever", "Piston", "Spring", "Sleeve", "Shim", "Cam", "Gear",
]
FIRST = [
    "Ada", "Ben", "Cleo", "Dev", "Eve", "Finn", "Gia", "Hal", "Iris", "Jon", "Kai", "Lea",
]
# fmt: on
TRADE = ["Hardware", "Supplies", "Engineering", "Workshop", "Builders", "Fixings", "Tools"]
Action = Callable[[datetime.date], list[str]]  # an action of a day: the lines it writes


def _money(value: Decimal) -> str:
    return f"{value.quantize(CENT)} GBP"


class Demo:
    """The simulation; :meth:`lines` yields the ledger text line by line."""

    def __init__(self, orders: int, seed: int, prices_include_tax: bool = False) -> None:
        self.orders = orders
        self.inclusive = prices_include_tax
        self.rng = random.Random(seed)
        self.days = max(60, min(1100, orders // 8 + 30))
        self.items = [
            (f"{name.upper()}-{size}", f"{name} {size}")
            for size in ("S", "M", "L")
            for name in ITEM_NAMES[: max(4, min(len(ITEM_NAMES), orders // 200 + 4))]
        ]
        self.cost = {
            item: Decimal(self.rng.randint(200, 4000)) / 100 for item, _ in self.items
        }
        self.rate = {
            item: Decimal("0.20") if self.rng.random() < 0.8 else Decimal("0.05")
            for item, _ in self.items
        }
        count = max(4, orders // 25)
        self.customers = [
            (f"C{n:05d}", f"{self.rng.choice(FIRST)} {self.rng.choice(TRADE)} {n}")
            for n in range(1, count + 1)
        ]
        self.stock: dict[tuple[str, str], int] = {}
        self.agenda: dict[int, list[tuple[int, Action]]] = {}
        self.points: dict[str, list[tuple[int, int]]] = {}  # customer -> (day, points)
        self.credit: dict[str, Decimal] = {}
        self.made: list[Order] = []
        self.cancelled: list[str] = []
        self.buying = Buying(self, seed, START)
        self.doc = 0
        self.day = 0
        self.end = START + datetime.timedelta(days=self.days + 60)

    # -- scheduling ---------------------------------------------------------

    def later(self, days: int, directive: str, action: Action) -> None:
        """Run ``action`` in ``days``, where the engine applies ``directive``
        within the day."""
        self.agenda.setdefault(self.day + days, []).append((PHASES[directive], action))

    def within(self, low: int, high: int, directive: str, action: Action) -> None:
        """Run ``action`` in ``low`` to ``high`` days (see :meth:`later`)."""
        self.later(self.rng.randint(low, high), directive, action)

    def next_id(self, prefix: str) -> str:
        self.doc += 1
        return f"{prefix}-{self.doc:06d}"

    # -- money, as the engine computes it ---------------------------------------

    def value(self, line: Line, qty: int) -> tuple[Decimal, Decimal]:
        """The net and tax of ``qty`` units of a line as the engine invoices them:
        the value rounded half-up, split into net and tax."""
        value = rules.line_value(Decimal(qty), line.price, CENT)
        return rules.split_tax(value, line.rate, self.inclusive, CENT)

    def gross(self, lines: list[Line]) -> Decimal:
        """The gross of these lines (all of each), as the engine invoices them."""
        return sum((sum(self.value(line, line.qty), ZERO) for line in lines), ZERO)

    def credit_value(self, line: Line, qty: int, price: Decimal) -> Decimal:
        """The gross a credit line takes, and its net and tax recorded on the line:
        the credit of a line's last units at its price takes exactly what is left
        of them (SPEC, Remainders)."""
        if price == line.price and qty == line.invoiced - line.credited:
            net, tax = line.net - line.credited_net, line.tax - line.credited_tax
        else:
            value = rules.line_value(Decimal(qty), price, CENT)
            net, tax = rules.split_tax(value, line.rate, self.inclusive, CENT)
        line.credited += qty
        line.credited_net += net
        line.credited_tax += tax
        return net + tax

    def outcome(self) -> Outcome:
        """The money the generated books must show, once :meth:`lines` has run."""
        overpaid, owing, open_invoices, why = {}, {}, {}, {}
        for order in self.made:
            if order.outstanding < 0:
                overpaid[order.id] = -order.outstanding
                why[order.id] = order.overpaid or "unintended"
            elif order.outstanding > 0:
                owing[order.id] = order.outstanding
            for invoice in order.invoices:
                if invoice.open:
                    open_invoices[invoice.id] = invoice.open
                    why[invoice.id] = (
                        "unintended" if invoice.plan == "paid" else invoice.plan
                    )
        return Outcome(overpaid, owing, open_invoices, why, frozenset(self.cancelled))

    # -- the text -------------------------------------------------------------

    def header(self) -> list[str]:
        config = f"'today': '{self.end}'"
        if self.inclusive:
            config += ", 'prices_include_tax': True"
        out = [
            'option "title" "Demo wholesaler (generated by bean-orders demo)"',
            'option "operating_currency" "GBP"',
            f'plugin "beancount_orders.orders" "{{{config}}}"',
            "",
            f'{START} custom "fava-extension" "beancount_orders.fava_ext"',
            f"{START} open Assets:Bank:Current GBP",
            f'{START} open Assets:Inventory:Main "FIFO"',
            f'{START} open Assets:Inventory:Shop "FIFO"',
            f"{START} open Equity:Opening-Balances",
            f'{START} custom "loyalty-program" "PKLP"',
            '  name: "Points"',
            "  earn: 1",
            f"  value: {_money(POINT_VALUE)}",
            "  expiry: 365",
            "",
        ]
        for item, name in self.items:
            out += [
                f"{START} commodity {item}",
                f'  name: "{name}"',
                f"  tax: {self.rate[item]}",
            ]
        out.append("")
        for number, (customer, name) in enumerate(self.customers):
            out.append(f'{START} custom "customer" "{customer}" "{name}"')
            out.append(f"  terms: {self.rng.choice((14, 30, 30, 60))}")
            if number % 3 == 0:
                out.append('  program: "PKLP"')
            if number % 5 == 0:
                out.append(f"  credit-limit: {self.rng.randint(5, 50) * 100}.00 GBP")
        out.append("")
        return out + self.buying.header()

    def receive(
        self, date: datetime.date, item: str, location: str, qty: int, needed: int
    ) -> list[str]:
        """Buy ``qty`` of ``item`` for ``location`` at its drifting cost, at least
        ``needed`` of them in stock today (:mod:`beancount_orders.demo_purchasing`)."""
        drift = Decimal(self.rng.randint(90, 115)) / 100
        self.cost[item] = (self.cost[item] * drift).quantize(CENT)
        supplier = self.rng.choice(SUPPLIERS)[0]
        return self.buying.restock(date, item, location, qty, needed, supplier)

    def lines(self, progress: Callable[[int], None] | None = None) -> Iterator[str]:
        yield from self.header()
        per_day = self.orders / self.days
        made = 0
        carry = 0.0
        for day in range(self.days + 60):
            self.day = day
            date = START + datetime.timedelta(days=self.day)
            today: list[tuple[int, Action]] = []
            if self.day < self.days:
                carry += per_day
                count = int(carry)
                carry -= count
                if self.day == self.days - 1:
                    count = self.orders - made
                for _ in range(count):
                    made += 1
                    today.append((PHASES["order"], self.new_order))
                if self.day % 7 == 3:
                    today.append((PHASES["transfer"], self.transfer))
            today += self.agenda.pop(self.day, [])
            # Actions run in the engine's order within a day (its phases), so that
            # the simulation sees what the engine will; they may schedule more
            # for the same day, all about documents nothing earlier today touched.
            while today:
                today.sort(key=lambda pair: pair[0])
                for _, action in today:
                    text = action(date)
                    if text:
                        yield from text
                        yield ""
                today = self.agenda.pop(self.day, [])
            if progress:
                progress(made)

    # -- the actions ----------------------------------------------------------

    def new_order(self, date: datetime.date) -> list[str]:
        order_id = self.next_id("SO")
        customer = self.rng.choice(self.customers)[0]
        chosen = self.rng.sample(self.items, self.rng.randint(1, 3))
        lines = []
        for item, _ in chosen:
            margin = Decimal(self.rng.randint(130, 190)) / 100
            lines.append(
                Line(
                    item,
                    self.rng.randint(1, 12),
                    (self.cost[item] * margin).quantize(CENT),
                    self.rate[item],
                )
            )
        location = "Shop" if self.rng.random() < 0.15 else "Main"
        order = Order(order_id, customer, lines, location)
        self.made.append(order)
        out = [f'{date} custom "order" "{order_id}" "{customer}"']
        if location != "Main":
            out.append(f'  location: "{location}"')
        if self.rng.random() < 0.3:
            out.append(f'  po: "PO{self.rng.randint(1000, 9999)}"')
        for line in lines:
            out.append(
                f'{date} custom "line" "{order_id}" "{line.item}" {line.qty} '
                f"{_money(line.price)}"
            )
        fate = self.rng.random()
        if fate < 0.05:
            out.append(f'{date} custom "commit" "{order_id}"')
            return out  # committed, waiting
        if fate < 0.09:
            self.cancelled.append(order_id)
            self.within(1, 5, "cancel", lambda d: [f'{d} custom "cancel" "{order_id}"'])
            return out
        if fate < 0.14:
            return out  # open, nothing done yet
        if self.rng.random() < 0.1 and customer_points(self, customer) > 0:
            self.later(0, "redeem", lambda d: self.redeem(d, order))
        partial = fate < 0.25 and len(lines) > 1
        self.within(0, 3, "invoice", lambda d: self.invoice(d, order, partial))
        self.within(1, 6, "dispatch", lambda d: self.dispatch(d, order))
        if self.rng.random() < 0.05:  # paid at the checkout, ahead of the invoice
            self.later(0, "payment", lambda d: self.pay_ahead(d, order))
        return out

    def redeem(self, date: datetime.date, order: Order) -> list[str]:
        available = customer_points(self, order.customer)
        total = sum((self.value(line, line.qty)[0] for line in order.lines), ZERO)
        points = min(available // 3, int(total * 20))  # at most a fifth of the order
        if points < 10:
            return []
        self.points[order.customer].append((self.day, -points))
        order.redeemed = True
        order.settle(rules.round_money(points * POINT_VALUE, CENT), money=False)
        return [f'{date} custom "redeem" "{order.id}" {points} PKLP']

    def pay_ahead(self, date: datetime.date, order: Order) -> list[str]:
        """The order's gross, less the points redeemed on it (and anything paid)."""
        amount = self.gross(order.lines) - order.paid - order.credited
        if amount <= 0:
            return []
        order.settle(amount, money=True)
        return [f'{date} custom "payment" "{order.id}" {_money(amount)} "card"']

    def invoice(self, date: datetime.date, order: Order, partial: bool) -> list[str]:
        invoice_id = self.next_id("INV")
        out = [f'{date} custom "invoice" "{order.id}" "{invoice_id}"']
        billed = (
            order.lines[:1]
            if partial
            else [line for line in order.lines if line.invoiced < line.qty]
        )
        if not billed:
            return []
        gross = ZERO
        for line in billed:
            line.net, line.tax = self.value(line, line.qty)
            gross += line.net + line.tax
            line.invoiced = line.qty
        if partial:
            out[0] += f' "{billed[0].item}" {billed[0].qty}'
            self.within(5, 20, "invoice", lambda d: self.invoice(d, order, False))
        invoice = Invoice(invoice_id, billed, gross, gross, "unpaid")
        order.bill(invoice)
        if customer_in_program(order.customer):
            self.points.setdefault(order.customer, []).append((self.day, int(gross)))
        self.follow_up(order, invoice)
        return out

    def follow_up(self, order: Order, invoice: Invoice) -> None:
        """Schedule what becomes of an invoice: paid in full (mostly), half paid,
        or never; now and then a credit order or a credit memo on it."""
        roll = self.rng.random()
        if roll < 0.85:
            invoice.plan = "awaiting payment"
            half = roll >= 0.75
            days = 30 if half else 45
            self.within(3, days, "payment", lambda d: self.pay(d, order, invoice, half))
        if self.rng.random() < 0.05:
            self.within(
                10, 40, "credit-order", lambda d: self.credit_order(d, order, invoice)
            )
        elif self.rng.random() < 0.03:
            self.within(5, 30, "credit-memo", lambda d: self.memo(d, order, invoice))

    def pay(
        self, date: datetime.date, order: Order, invoice: Invoice, half: bool
    ) -> list[str]:
        """Pay what is open on the invoice (half of it), or on purpose a little more."""
        if invoice.open <= 0:
            return []  # paid ahead, or credited in full
        amount = invoice.open
        if half:
            amount = rules.round_money(amount / 2, CENT)
            invoice.plan = "part-paid"
        else:
            invoice.plan = "paid"
            if self.rng.random() < 0.03:
                amount += Decimal(self.rng.randint(1, 20))
                order.overpaid = "overpaid"
        order.settle(amount, money=True, invoice=invoice)
        method = self.rng.choice(('"card"', '"card"', "Assets:Bank:Current", '"paypal"'))
        return [f'{date} custom "payment" "{invoice.id}" {_money(amount)} {method}']

    def dispatch(self, date: datetime.date, order: Order) -> list[str]:
        out: list[str] = []
        pairs = []
        for line in order.lines:
            qty = line.qty - line.dispatched
            if qty <= 0:
                continue
            key = (line.item, order.location)
            if self.stock.get(key, 0) < qty:
                extra = self.rng.randint(20, 120)
                out += self.receive(date, line.item, order.location, qty + extra, qty)
            self.stock[key] -= qty
            line.dispatched += qty
            pairs.append(f'"{line.item}" {qty}')
        if not pairs:
            return out
        out.append(f'{date} custom "dispatch" "{order.id}" ' + " ".join(pairs))
        if order.location != "Main":
            out.append(f'  location: "{order.location}"')
        if self.rng.random() < 0.04:
            self.within(3, 20, "return", lambda d: self.give_back(d, order))
        return out

    def give_back(self, date: datetime.date, order: Order) -> list[str]:
        line = self.rng.choice(order.lines)
        qty = min(line.dispatched - line.returned, self.rng.randint(1, 3))
        if qty <= 0:
            return []
        line.returned += qty
        return_id = self.next_id("RET")
        out = [f'{date} custom "return" "{return_id}" "{order.id}" "{line.item}" {qty}']
        if self.rng.random() < 0.25:
            out.append('  condition: "damaged"')
        else:
            self.stock[(line.item, order.location)] += qty
        customer = order.customer
        amount = sum(self.value(line, qty), ZERO)
        credit_id = self.next_id("CR")
        out += [
            f'{date} custom "credit" "{credit_id}" "{customer}" {_money(amount)}',
            f'  reason: "return {return_id}"',
        ]
        self.credit[customer] = self.credit.get(customer, ZERO) + amount
        if self.rng.random() < 0.5:
            self.within(1, 30, "payment", lambda d: self.use_credit(d, customer))
        return out

    def use_credit(self, date: datetime.date, customer: str) -> list[str]:
        balance = self.credit.get(customer, ZERO)
        if balance <= 0:
            return []
        self.credit[customer] = ZERO
        if self.rng.random() < 0.5:
            return [
                f'{date} custom "refund" "{customer}" {_money(balance)} Assets:Bank:Current'
            ]
        return [f'{date} custom "payment" "{customer}" {_money(balance)} "credit"']

    def credit_order(
        self, date: datetime.date, order: Order, invoice: Invoice
    ) -> list[str]:
        if order.redeemed:  # (its credit would give points back and reopen their money)
            return []
        if order.ahead > 0:  # (its pay-back would refund money paid for the next invoice)
            return []
        co_id = self.next_id("CO")
        approved_only = self.rng.random() < 0.1  # not READY: posts nothing
        lines = []
        gross = ZERO
        for line in invoice.lines:
            if approved_only:
                lines.append(
                    f'{date} custom "credit-line" "{co_id}" "{line.item}" "credit" '
                    f"1 {_money(line.price)}"
                )
                break
            free = line.invoiced - line.credited
            if free <= 0:
                continue
            back = min(free, line.dispatched - line.returned)
            kind, qty = "credit", 1
            unit = rules.round_money(line.price * Decimal("0.2"), CENT)
            if back > 0 and self.rng.random() < 0.5:
                kind, qty, unit = "return", self.rng.randint(1, back), line.price
                line.returned += qty
                self.stock[(line.item, order.location)] += qty
            gross = self.credit_value(line, qty, unit)
            lines.append(
                f'{date} custom "credit-line" "{co_id}" "{line.item}" "{kind}" '
                f"{qty} {_money(unit)}"
            )
            if customer_in_program(order.customer):  # the points it earned come back
                self.points.setdefault(order.customer, []).append(
                    (self.day, -(int(gross) + 1))
                )
            break  # one line per credit order
        if not lines:
            return []
        head = [
            f'{date} custom "credit-order" "{co_id}" "{invoice.id}"',
            f'  reason: "{self.rng.choice(("damaged", "late", "wrong item", "goodwill"))}"',
        ]
        if approved_only:
            head.append('  status: "APPROVED"')
        else:
            excess = gross - min(gross, invoice.open)
            order.settle(gross, money=False, invoice=invoice)
            if excess > 0:  # beyond what was open: paid back, or on other invoices
                self.later(0, "refund", lambda d: self.pay_back(d, order, co_id, excess))
        return head + lines

    def pay_back(
        self, date: datetime.date, order: Order, co_id: str, excess: Decimal
    ) -> list[str]:
        """What a credit order credited beyond what was open on its invoice: paid
        back as far as the order is overpaid (a refund from the receivable naming
        it), the rest matched to the order's other open invoices."""
        out = []
        amount = max(ZERO, min(excess, -order.outstanding))
        if amount:
            order.refund(amount)
            out = [
                f'{date} custom "refund" "{order.customer}" {_money(amount)} '
                "Assets:Bank:Current",
                '  from: "receivable"',
                f'  order: "{order.id}"',
            ]
        rest = excess - amount
        for other in order.invoices:
            take = min(rest, other.open)
            if take > 0:
                other.open -= take
                rest -= take
                out.append(
                    f'{date} custom "allocate" "{co_id}" "{other.id}" {_money(take)}'
                )
        return out

    def memo(self, date: datetime.date, order: Order, invoice: Invoice) -> list[str]:
        """Goodwill: up to 5.00 knocked off what is still open on the invoice."""
        amount = min(MEMO, invoice.open)
        if amount <= 0:
            return []
        order.settle(amount, money=False, invoice=invoice)
        return [
            f'{date} custom "credit-memo" "{self.next_id("MEMO")}" "{order.customer}" '
            f"{_money(amount)}",
            f'  invoice: "{invoice.id}"',
            '  reason: "rounding goodwill"',
        ]

    def transfer(self, date: datetime.date) -> list[str]:
        item = self.rng.choice(self.items)[0]
        if self.stock.get((item, "Main"), 0) < 10:
            return []
        qty = self.rng.randint(2, 10)
        self.stock[(item, "Main")] -= qty
        self.stock[(item, "Shop")] = self.stock.get((item, "Shop"), 0) + qty
        return [f'{date} custom "transfer" "{item}" {qty} "Main" "Shop"']


def customer_in_program(customer: str) -> bool:
    number = int(customer[1:]) - 1
    return number % 3 == 0


def customer_points(demo: Demo, customer: str) -> int:
    """Points the simulation is sure the customer still has: half of what was earned
    from 300 days ago to yesterday (points earned today are not usable before the
    invoice posts), less what was redeemed in that time."""
    if not customer_in_program(customer):
        return 0
    recent = [
        (day, points)
        for day, points in demo.points.get(customer, [])
        if demo.day - day < 300 and (points < 0 or day < demo.day)
    ]
    return max(0, sum(points for _, points in recent) // 2)


def generate(
    orders: int, seed: int = 1, progress: Callable[[int], None] | None = None
) -> Iterator[str]:
    """The demo ledger's lines (without newlines)."""
    yield from Demo(orders, seed).lines(progress)
